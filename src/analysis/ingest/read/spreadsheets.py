"""Raw client files as a user sends them: what the file is, where its table starts and ends.

A client's spreadsheet is rarely a bare table. It has a title over merged cells,
a blank line, the header in row 3, the data, then a totals row and a note. This
module turns such a file into a table whose index is the *raw file's* row (line)
numbers, so that every later message points at the row the user has open:

* :func:`sniff` recognises a file by its content, whatever its extension (xlsx or
  another zip, an encrypted/password-protected workbook, old .xls, Parquet, gzip,
  PNG, PDF);
* :func:`read_grid` reads a CSV (any delimiter, gzip-compressed or not) or an .xlsx
  sheet into rows of text cells. For .xlsx it refuses formula cells that carry no
  saved result, which a reader would otherwise see as blanks;
* :func:`table_from_grid` finds the header row (given, or the first row that is
  as wide as the table and all text), drops blank rows, and sets totals and
  notes rows aside (and the header repeated above a pasted block of rows), each
  recorded by row number so nothing is lost unseen; a name the header gives two
  columns is made unique by each column's position (:func:`by_position`).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.contracts.readers import DataContractError, sniff_delimiter

__all__ = [
    "NOTE",
    "SIGNATURES",
    "SINGLE_ANSWER",
    "TOTALS",
    "SpreadsheetError",
    "by_position",
    "detect_header",
    "read_grid",
    "refuse_unreadable",
    "settle_types",
    "sniff",
    "table_from_grid",
]

#: Leading bytes -> what the file is.
SIGNATURES = (
    (b"PK\x03\x04", "xlsx"),
    (b"\xd0\xcf\x11\xe0", "ole2"),
    (b"PAR1", "parquet"),
    (b"\x1f\x8b", "gzip"),
    (b"\x89PNG", "png"),
    (b"%PDF", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
)

#: The whole first non-blank cell of a totals row ("Total", "Grand total:", "Summe", "Σ"),
#: so that an account called "Total Solutions Ltd" stays a row.
TOTALS = re.compile(
    r"\s*((grand\s+|sub-?|region\s+|team\s+|zone\s+|overall\s+)?totals?"
    r"(\s+(net|gross|ht|ttc|hors\s+taxes|excl\.?|incl\.?))*"
    r"|\*+|sum|summe|gesamt|gesamtsumme|zwischensumme|total général|sous-total|totale|\u03a3)"
    r"\s*:?\s*(\([^()]*\))?\s*",  # "Grand Totals (3600 records)", "Total net HT"
    re.IGNORECASE,
)
#: A trailing single-cell row is a note when it reads like one: "Source: ...", "* ...", or a phrase.
NOTE = re.compile(
    r"^\s*(note|notes|source|quelle|copyright|confidential|generated|exported|prepared|\*|\u00a9|\(c\))"
    r"|:|\S+\s+\S+\s+\S+",
    re.IGNORECASE,
)


class SpreadsheetError(DataContractError):
    """A raw file cannot be read as a table; the message names the file, the cells and the fix."""


def sniff(path: Path) -> str:
    """What ``path`` holds, from its first bytes: xlsx, xls, encrypted, parquet, gzip, png, pdf, jpeg or text.

    An Office file protected with a password is an OLE2 compound file holding an
    ``EncryptedPackage`` stream (MS-OFFCRYPTO), whatever its extension says.
    """
    with open(path, "rb") as handle:
        head = handle.read(8)
        kind = next((k for signature, k in SIGNATURES if head.startswith(signature)), "text")
        if kind == "ole2":
            handle.seek(0)
            body = handle.read(1 << 20)
            kind = "encrypted" if "EncryptedPackage".encode("utf-16-le") in body else "xls"
    return kind


_WHAT = {
    "encrypted": "a password-protected workbook",
    "xls": "an old-format Excel workbook (.xls)",
    "png": "a PNG image",
    "pdf": "a PDF document",
    "jpeg": "a JPEG image",
}


def refuse_unreadable(path: Path, kind: str) -> None:
    """Raise a :class:`SpreadsheetError` with the fix for file kinds that hold no readable table."""
    if kind == "encrypted":
        raise SpreadsheetError(
            f"{path.name}: a password-protected workbook, which cannot be read. Ask the client for an "
            "unprotected copy, or open it in Excel, remove the password (File > Info > Protect Workbook > "
            "Encrypt with Password, clear it) and save."
        )
    if kind == "xls":
        raise SpreadsheetError(
            f"{path.name}: {_WHAT[kind]}; open it in Excel and save it as 'Excel Workbook (.xlsx)'."
        )
    if kind in _WHAT:
        raise SpreadsheetError(
            f"{path.name}: this is {_WHAT[kind]}, not a table; ask the client for the data as .xlsx or CSV."
        )


def _cell_value(value) -> str | int | float | None:
    """An Excel cell's value: text (dates as ISO 8601), or the number the cell holds.

    Numbers typed into cells stay numbers (whole ones as int, so that codes read "1"
    as text): they are never re-read with a decimal mark, which only text can need.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    return text if text.strip() else None


def _workbook(path: Path, *, data_only: bool):
    """The workbook at ``path``, loaded once per content (its hash, not its time stamp):
    drafting reads every sheet of a workbook, and loading a large one for each sheet
    would dominate the draft."""
    import hashlib

    digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    return _load_cached(str(path.resolve()), digest, data_only)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, digest: str, data_only: bool):
    from openpyxl import load_workbook

    return load_workbook(path, data_only=data_only, read_only=False)


def _excel_rows(path: Path, sheet) -> tuple[list[tuple[int, list[str | int | float | None]]], str]:
    """Rows (sheet row number, cell texts) of one .xlsx sheet, refusing formulas without saved values."""
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        values = _workbook(path, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as error:
        raise SpreadsheetError(
            f"{path.name}: not a readable .xlsx workbook ({type(error).__name__}: {error}); save it from "
            "Excel as 'Excel Workbook (.xlsx)', or export a CSV."
        ) from None
    names = values.sheetnames
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        sheet = names[sheet]
    if sheet not in names:
        raise SpreadsheetError(
            f"{path.name}: no sheet {sheet!r}; the workbook has {names}. Name one of them with source.sheet."
        )
    ws = values[sheet]
    rows = [  # iter_rows starts at row 1 whatever ws.min_row says, so number from 1
        (number, [_cell_value(v) for v in row])
        for number, row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1)
    ]
    blanks = {(r, c) for r, cells in rows for c, v in enumerate(cells) if v is None}
    if blanks:
        formulas = _workbook(path, data_only=False)[sheet]
        unsaved = [
            f"{cell.column_letter}{cell.row}"
            for row in formulas.iter_rows(min_row=1)
            for cell in row
            if isinstance(cell.value, str)
            and cell.value.startswith("=")
            and (cell.row, cell.column - 1) in blanks
        ]
        if unsaved:
            shown = ", ".join(unsaved[:8]) + (
                f" and {len(unsaved) - 8} more" if len(unsaved) > 8 else ""
            )
            raise SpreadsheetError(
                f"{path.name} (sheet {sheet!r}): {len(unsaved)} formula cell(s) have no saved result "
                f"({shown}), so they would read as blank. Open the workbook in Excel and save it (Excel "
                "stores each formula's result), or copy the columns and paste them as values."
            )
    return rows, str(sheet)


def _text_rows(path: Path, raw: bytes, encoding: str) -> list[tuple[int, list[str | None]]]:
    """Rows (line number, fields) of delimited text; the delimiter is sniffed from the widest lines."""
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as error:
        raise SpreadsheetError(
            f"{path.name}: not valid {encoding} text (byte 0x{raw[error.start]:02x} at offset {error.start}); "
            "if Excel on Windows saved it, set source.encoding: cp1252 in the codebook (Windows' Western "
            "encoding; unlike latin-1 it also reads € and curly quotes)."
        ) from None
    delimiter = sniff_delimiter(text.splitlines()[:50])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    for fields in reader:
        rows.append((reader.line_num, [f if f.strip() else None for f in fields]))
    return rows


def read_grid(
    path: Path, *, sheet=0, encoding: str = "utf-8"
) -> tuple[list[tuple[int, list]], str]:
    """Read a raw CSV (plain or gzip) or .xlsx sheet into (row number, cell texts) pairs.

    Returns
    -------
    (rows, kind)
        ``kind`` is ``"xlsx"`` or ``"csv"``; row numbers are the sheet's rows or the file's lines.
    """
    kind = sniff(path)
    refuse_unreadable(path, kind)
    if kind == "xlsx":
        rows, _ = _excel_rows(path, sheet)
        return rows, "xlsx"
    raw = path.read_bytes()
    if kind == "gzip":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise SpreadsheetError(f"{path.name}: a damaged gzip file ({error}).") from None
    if not raw.strip():
        raise SpreadsheetError(f"{path.name}: the file is empty; ask for the export again.")
    return _text_rows(path, raw, encoding), "csv"


def _filled(cells: Iterable) -> int:
    return sum(c is not None for c in cells)


def _numberish(value) -> bool:
    """A cell that reads as a number (and not as a year, which headers often are)."""
    text = str(value).strip()
    if re.fullmatch(r"(19|20)\d\d", text):
        return False
    return bool(re.fullmatch(r"[\s$€£¥%()+\-.,'0-9]+", text)) and any(ch.isdigit() for ch in text)


def settle_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of numbers typed into cells become numeric; in other columns the typed
    numbers become their text (1 -> "1"), so each column holds one kind of value."""
    out = frame.copy()
    for column in out.columns:
        values = out[column].dropna()
        typed = values.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
        if len(values) and typed.all():
            whole = values.map(lambda v: isinstance(v, int)).all()
            out[column] = pd.to_numeric(out[column]).astype("Int64" if whole else float)
        elif typed.any():
            out[column] = out[column].map(
                lambda v: v if v is None or isinstance(v, str) else repr(v)
            )
    return out


def detect_header(rows: list[tuple[int, list]]) -> int:
    """The row number of the header: the first row, within the first 30, that is as wide as
    the table (at least 60% of the widest row's filled cells, and at least two) and holds
    text only, with data below it. Title rows above it (one merged cell, a date stamp)
    are narrower and are skipped.
    """
    head = rows[:30]
    widest = max((_filled(cells) for _, cells in head), default=0)
    for position, (number, cells) in enumerate(head):
        filled = [c for c in cells if c is not None]
        if len(filled) < max(2, 0.6 * widest):
            continue
        if any(_numberish(c) for c in filled):
            continue
        if any(_filled(below) for _, below in rows[position + 1 :]):
            above = next((r for r in reversed(head[:position]) if _filled(r[1])), None)
            if above and _sub_header(
                [None if c is None else str(c).strip() for c in above[1]], cells
            ):
                return above[0]  # the options row under a row of questions
            return number
    raise SpreadsheetError(
        "no header row found in the first 30 rows (a row of column names as wide as the table); "
        "set source.header_row to its row number."
    )


#: What survey tools write in the second header row over a single answer column.
SINGLE_ANSWER = {"response", "open-ended response", "answer", "antwort"}


def _sub_header(top: list, below: list) -> list | None:
    """Names from two header rows, or None if the row below the header is data.

    Survey tools such as SurveyMonkey write a question over its answer options: the
    question once (blank, or merged, over the options to its right) and the options in
    the second row, "Response" under a single-answer question. The second row counts
    as a header only when it is all text and fills every column the first row leaves
    blank. Names become "question - option", or the question alone over "Response".
    """
    width = max(len(top), len(below))
    top = top + [None] * (width - len(top))
    below = [None if c is None else str(c).strip() for c in below] + [None] * (width - len(below))
    blanks = [i for i in range(width) if top[i] is None and below[i] is not None]
    if not blanks or any(_numberish(c) for c in below if c is not None):
        return None
    single = [
        i
        for i in range(width)
        if top[i] is not None and str(below[i] or "response").casefold() in SINGLE_ANSWER
    ]
    if _filled(top) < 2 or not single:  # a title over the table, not questions over answers
        return None
    if any(top[i] is None and below[i] is None for i in range(width) if i < max(blanks)):
        return None
    names, question = [], None
    for i in range(width):
        question = top[i] if top[i] is not None else question
        option = below[i]
        if option is None or option.casefold() in SINGLE_ANSWER:
            names.append(top[i] if top[i] is not None else question)
        else:
            names.append(f"{question} - {option}" if question else option)
    return names


def by_position(
    names: list[str], columns: list[int], where: str
) -> tuple[list[str], dict[str, list[str]]]:
    """Column names with every name the header gives twice made unique by its position.

    Each column whose name another column shares becomes ``"<name> (column <n>)"``, ``n``
    the column's number counted from 1 at the left edge of the sheet or line (column A
    or the first field is 1), so that ``Other``, ``Other`` in columns 13 and 17 are read
    as ``Other (column 13)`` and ``Other (column 17)``. Every copy is renamed, the first
    too: a codebook that names plain ``Other`` is stopped (with both new names) instead
    of silently getting one of them. Names that occur once are unchanged.

    Returns
    -------
    (list of str, dict)
        The names, and each name given twice -> the names its columns got.

    Raises
    ------
    SpreadsheetError
        A new name that another column of the header already has.
    """
    counts: dict[str, int] = {}
    for text in names:
        counts[text] = counts.get(text, 0) + 1
    out = [
        f"{text} (column {number})" if counts[text] > 1 else text
        for text, number in zip(names, columns, strict=True)
    ]
    clash = sorted({n for n in out if out.count(n) > 1})
    if clash:
        raise SpreadsheetError(
            f"{where}: the header names a column twice, and the name given by its position "
            f"({clash[0]!r}) is the header of another column too; rename one of them in the raw file."
        )
    twice = {
        text: [n for n, raw in zip(out, names, strict=True) if raw == text]
        for text in dict.fromkeys(names)
        if counts[text] > 1
    }
    return out, twice


def table_from_grid(
    rows: list[tuple[int, list]],
    *,
    name: str,
    header_row: int | None = None,
    notes: bool = True,
) -> tuple[pd.DataFrame, dict]:
    """Cut the table out of a grid: header, data rows, and the totals and notes rows set aside.

    Parameters
    ----------
    rows
        (row number, cells) pairs from :func:`read_grid`.
    name
        How messages name the file (and sheet).
    header_row
        The header's row number; detected by :func:`detect_header` when None.
    notes
        Set trailing rows aside that fill a single cell with a note: "Source: ...",
        "* ...", or a phrase of three words or more (a lone id stays a row).

    Returns
    -------
    (DataFrame, dict)
        Text cells (None for blanks) indexed by raw row number, and a record of the
        header row, the title rows skipped and the totals and notes rows set aside.

    Raises
    ------
    SpreadsheetError
        No header, or blank or merged header cells over data.

    Notes
    -----
    A header that names a column twice (Typeform heads each multi-select's free-text
    column ``Other``) keeps both columns, each named by its position: see
    :func:`by_position`.
    """
    try:
        header_row = detect_header(rows) if header_row is None else int(header_row)
    except SpreadsheetError as error:
        raise SpreadsheetError(f"{name}: {error}") from None
    numbers = [n for n, _ in rows]
    if header_row not in numbers:
        raise SpreadsheetError(
            f"{name}: header_row {header_row} is beyond the last row ({numbers[-1] if numbers else 0})."
        )
    at = numbers.index(header_row)
    header = [None if c is None else str(c).strip() for c in rows[at][1]]
    sub = _sub_header(header, rows[at + 1][1]) if at + 1 < len(rows) else None
    top = at
    if sub is not None:  # two header rows: a question over its answer options
        header, at = sub, at + 1
    body = [(n, cells) for n, cells in rows[at + 1 :] if _filled(cells)]
    width = max([len(header)] + [len(cells) for _, cells in body])
    header += [None] * (width - len(header))
    used = [
        i
        for i in range(width)
        if header[i] is not None or any(i < len(c) and c[i] is not None for _, c in body)
    ]
    blank = [i for i in used if header[i] is None]
    if blank:
        from openpyxl.utils import get_column_letter

        letters = ", ".join(get_column_letter(i + 1) for i in blank)
        raise SpreadsheetError(
            f"{name}: column(s) {letters} hold data but no header in row {header_row} (e.g. a merged header "
            "cell over several columns); give each column its own name in the header row, or set "
            "source.header_row if the header is on another row."
        )
    names, twice = by_position([str(header[i]) for i in used], [i + 1 for i in used], name)
    record: dict[str, Any] = {
        "header_row": header_row,
        "header_rows": 2 if sub is not None else 1,
        "title_rows": [n for n, cells in rows[:top] if _filled(cells)],
        "totals_rows": [],
        "notes_rows": [],
    }
    if twice:
        record["duplicate_headers"] = twice
    kept = []
    after_totals = False
    names_at = {i: str(header[i]).casefold() for i in used}  # the header as written
    for n, cells in body:
        same = sum(
            i < len(cells) and cells[i] is not None and str(cells[i]).strip().casefold() == name
            for i, name in names_at.items()
        )
        if same >= max(2, 0.8 * len(names_at)):  # the header pasted again with a block of rows
            record.setdefault("repeated_header_rows", []).append(n)
            continue
        first = next((str(c) for c in cells if c is not None), "")
        if TOTALS.fullmatch(first):
            record["totals_rows"].append(n)
            after_totals = True
            continue
        if after_totals and notes and _filled(cells) == 1:  # the footer under a totals row
            record["notes_rows"].append(n)
            continue
        after_totals = False
        kept.append((n, cells))
    if notes:
        while kept and _filled(kept[-1][1]) == 1:
            text = str(next(c for c in kept[-1][1] if c is not None))
            if not NOTE.search(text):
                break
            record["notes_rows"].insert(0, kept.pop()[0])
    frame = pd.DataFrame(
        [[cells[i] if i < len(cells) else None for i in used] for _, cells in kept],
        columns=names,
        index=pd.Index([n for n, _ in kept], name="row"),
        dtype=object,
    )
    return frame, record
