"""One table from several sheets or files with the same columns, stacked.

A workbook laid out by a sales-operations team often has one sheet per region (or
month, or business unit), each with the same header; an export run month by month
arrives as one file per month. The codebook reads them as one table::

    source:
      file: KPI workbook.xlsx
      sheets: [North, South, East, West, Central]   # instead of sheet:
      sheet_column: region                          # optional: each row's sheet, as a column
      header_row: 4                                 # optional: the same row in every sheet

    source:
      files: [deals 2024.csv, deals 2025.csv]       # instead of file:
      file_column: export                           # optional: each row's file name

Each sheet (file) is read as a single one would be (title, totals and notes rows set
aside per sheet), then the rows are put one under another in the order listed. The
sheets must have the same column names (the order may differ; the first sheet's is
kept): columns that differ stop the import with the sheets and columns named, since
stacking them would leave blanks no one asked for. The rows keep their own sheet's row
(line) numbers, so a message names a row as the user finds it on that sheet; the sheet
column tells the sheets apart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.ingest.read.sources import CodebookError

__all__ = [
    "SHEET_COLUMN",
    "is_stacked",
    "read_stacked",
    "repeated_rows",
    "source_files",
    "source_record",
    "stack_parts",
    "stack_sheets",
]

ReadOne = Callable[[Path, dict], tuple[pd.DataFrame, dict]]


def is_stacked(source: Any) -> bool:
    """Whether a codebook ``source`` lists several sheets or files."""
    keys = ("sheets", "files", "sheet_column", "file_column")
    return isinstance(source, dict) and any(k in source for k in keys)


def source_files(source: dict) -> list[str]:
    """The raw files a ``source`` reads, as the codebook names them (``file`` or ``files``)."""
    if isinstance(source.get("files"), list):
        return [str(f) for f in source["files"]]
    return [str(source.get("file", ""))]


def source_record(folder: Path, source: dict) -> tuple[dict, list[dict]]:
    """The import record's ``source`` (the first file, with its SHA-256) and one
    ``more_sources`` entry for each further stacked file (``workbench validate`` finds a
    stacked file replaced after the import as it finds the first)."""
    from analysis.clients.files import file_sha256

    files = source_files(source)
    hashed = [{"file": f, "sha256": file_sha256((folder / f).resolve())} for f in files]
    role = f"raw file, stacked under {files[0]}"
    return hashed[0], [{**h, "role": role} for h in hashed[1:]]


def _names(source: dict, key: str, where: str) -> list:
    listed = source.get(key)
    example = "[North, South]" if key == "sheets" else "[jan.csv, feb.csv]"
    if (
        not isinstance(listed, list)
        or not listed
        or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in listed)
    ):
        raise CodebookError(
            f"{where}: source.{key} must list the {key} to stack, one name each, e.g. {key}: {example}."
        )
    twice = sorted({str(v) for v in listed if listed.count(v) > 1})
    if twice:
        raise CodebookError(
            f"{where}: source.{key} lists {', '.join(map(repr, twice))} twice; each would be "
            "read again, doubling its rows. List it once."
        )
    return listed


def stack_parts(source: dict, where: str) -> tuple[list[tuple[str, dict]], str | None]:
    """The single-sheet (single-file) sources a stacked ``source`` stands for, each with the
    label its rows get in the sheet (file) column, and that column's name (None: none).

    Raises
    ------
    CodebookError
        ``sheets`` with ``sheet`` or ``files`` with ``file``, both ``sheets`` and ``files``,
        an empty or repeated list, or a label column set without its list.
    """
    for many, one in (("sheets", "sheet"), ("files", "file")):
        if many in source and one in source:
            raise CodebookError(
                f"{where}: source has both {one} and {many}; keep {many} (the {many} to stack) "
                f"and remove {one}."
            )
    if "sheets" in source and "files" in source:
        raise CodebookError(
            f"{where}: source lists both sheets and files; stack the sheets of one file, or "
            "whole files (each read at its first sheet, or at source.sheet), not both."
        )
    for column, many in (("sheet_column", "sheets"), ("file_column", "files")):
        if column in source and many not in source:
            raise CodebookError(
                f"{where}: source.{column} names the column for each row's {many[:-1]}, but the "
                f"source lists no {many}; list them under source.{many}, or remove {column}."
            )
        if column in source and (not isinstance(source[column], str) or not source[column]):
            raise CodebookError(f"{where}: source.{column} must be a column name, e.g. region.")
    base = {
        k: v
        for k, v in source.items()
        if k not in ("sheets", "files", "sheet_column", "file_column")
    }
    if "sheets" in source:
        if "file" not in source:
            raise CodebookError(f"{where}: source.sheets needs the workbook as source.file.")
        sheets = _names(source, "sheets", where)
        parts = [(str(s), {**base, "sheet": s}) for s in sheets]
        return parts, source.get("sheet_column")
    files = _names(source, "files", where)
    return [(Path(str(f)).name, {**base, "file": str(f)}) for f in files], source.get("file_column")


def read_stacked(folder: Path, source: dict, read_one: ReadOne) -> tuple[pd.DataFrame, dict]:
    """Read every sheet (file) of a stacked ``source`` with ``read_one`` and stack the rows.

    Returns
    -------
    (DataFrame, dict)
        The rows of every sheet in the order listed (each indexed by its own row numbers),
        with the sheet (file) column first when ``sheet_column`` (``file_column``) names
        one; and the layout: the first sheet's header, every sheet's totals and notes
        rows, and ``stacked``: each sheet's own layout and row count.

    Raises
    ------
    CodebookError
        Sheets whose column names differ (naming the file, the sheets and the columns
        each lacks), or a sheet column whose name a column of the sheets already has.
    """
    file = ", ".join(source_files(source)) if "files" in source else str(source.get("file"))
    parts, column = stack_parts(source, file)
    read = [(label, *read_one(folder, one)) for label, one in parts]
    _same_columns(read, file, "sheets" if "sheets" in source else "files")
    first = list(read[0][1].columns)
    if column is not None and column in first:
        raise CodebookError(
            f"{file}: source.{'sheet' if 'sheets' in source else 'file'}_column {column!r} is "
            "already a column of the table; choose another name for it."
        )
    frames = []
    for label, frame, _ in read:
        frame = frame[first]
        if column is not None:
            frame = frame.assign(**{column: label})[[column, *first]]
        frames.append(frame)
    stacked = pd.concat(frames) if len(frames) > 1 else frames[0]
    layout: dict[str, Any] = {k: v for k, v in read[0][2].items() if k not in _ROWS}
    for key in _ROWS:
        rows = [r for _, _, one in read for r in one.get(key) or []]
        if rows:
            layout[key] = rows
    layout["stacked"] = {label: {**one, "rows": len(frame)} for label, frame, one in read}
    return stacked, layout


#: The layout's lists of row numbers, joined over the sheets.
_ROWS = ("totals_rows", "notes_rows", "repeated_header_rows")


def _same_columns(read: list[tuple[str, pd.DataFrame, dict]], file: str, what: str) -> None:
    """Stop when the sheets' column names differ, naming each sheet's extra and missing columns."""
    first_label, first_frame, _ = read[0]
    want = list(map(str, first_frame.columns))
    problems = []
    for label, frame, _ in read[1:]:
        have = list(map(str, frame.columns))
        extra = [c for c in have if c not in want]
        lacks = [c for c in want if c not in have]
        said = []
        if extra:
            said.append(f"has {', '.join(map(repr, extra[:6]))} that {first_label!r} lacks")
        if lacks:
            said.append(f"lacks {', '.join(map(repr, lacks[:6]))}")
        if said:
            problems.append(f"{what[:-1]} {label!r} " + " and ".join(said))
    if problems:
        raise CodebookError(
            f"{file}: the {what} to stack must have the same columns as {what[:-1]} "
            f"{first_label!r}, but {'; '.join(problems)}. Give them the same header (rename "
            f"the columns in the raw {what[:-1]}), or import the {what[:-1]} that differs as a "
            "table of its own."
        )


#: The column ``draft-codebook`` names for each row's sheet (the user renames it: region, month).
SHEET_COLUMN = "sheet"


def stack_sheets(read: list[tuple]) -> list[tuple]:
    """For ``draft-codebook``: the sheets of one workbook that share a header, as one table.

    ``read`` holds ``(file, sheet, frame, layout, texts, format)`` for every sheet read
    (``frame`` None for a sheet without a table). Sheets of one .xlsx file whose column
    names are the same (in any order) become one entry at the place of the first: its
    frame the rows of all of them (without the sheet column, which names no role), its
    layout listing ``sheets`` and ``sheet_column``. Sheets with a header of their own stay
    as they are; the draft asks about them if they fit a table another sheet feeds.
    """
    groups: dict[tuple, list[int]] = {}
    for index, (file, _, frame, _, _, fmt) in enumerate(read):
        if frame is not None and fmt == "xlsx":
            shape = (file, frozenset(map(str, frame.columns)))
            groups.setdefault(shape, []).append(index)
    out = []
    for index, entry in enumerate(read):
        file, sheet, frame, layout, texts, fmt = entry
        group = (
            groups.get((file, frozenset(map(str, frame.columns)))) if frame is not None else None
        )
        if group is None or len(group) < 2:
            out.append(entry)
            continue
        if index != group[0]:
            continue  # stacked under the first sheet of its group
        parts = [read[i] for i in group]
        columns = list(frame.columns)
        stacked = pd.concat([part[2][columns] for part in parts])
        merged = {k: v for k, v in layout.items() if k not in _ROWS}
        for key in _ROWS:
            rows = [r for part in parts for r in part[3].get(key) or []]
            if rows:
                merged[key] = rows
        merged["sheets"] = [part[1] for part in parts]
        merged["by_sheet"] = {part[1]: part[3] for part in parts}
        taken = set(map(str, columns))
        name = SHEET_COLUMN
        while name in taken:  # a column of that name already: sheet_name, sheet_name_1, ...
            name = f"{SHEET_COLUMN}_name" if name == SHEET_COLUMN else f"{name}_1"
        merged["sheet_column"] = name
        if len({part[3].get("header_row") for part in parts}) > 1:
            merged["header_per_sheet"] = True  # found in each sheet, not one row for all
        out.append((file, sheet, stacked, merged, texts, fmt))
    return out


def repeated_rows(frame: pd.DataFrame, layout: dict) -> pd.DataFrame:
    """An imported stacked table without the raw row numbers when the sheets' numbers repeat.

    The import's own messages name a row by its sheet's row number (with the rule that
    failed); the imported table keeps each row's raw number (``_source_row``) so that
    ``workbench validate`` can name it too, but one number may then stand for a row of
    every sheet, which no message could tell apart. Such a table is written without the
    numbers: ``validate`` then counts the rows of the imported table (the sheet column
    tells where each came from), and the layout records it as ``row_numbers``.
    """
    from analysis.contracts.readers import SOURCE_ROW

    if not layout.get("stacked") or SOURCE_ROW not in frame:
        return frame
    if not frame[SOURCE_ROW].duplicated().any():
        return frame
    layout["row_numbers"] = (
        "rows counted in the imported table: the stacked sheets' own row numbers repeat"
    )
    return frame.drop(columns=SOURCE_ROW)
