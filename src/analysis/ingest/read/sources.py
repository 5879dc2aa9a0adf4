"""Reading a codebook's source files: Qualtrics exports, CSV and Excel sheets, Parquet, dates.

:func:`read_source` reads one ``source`` entry of a codebook table (see
:mod:`analysis.ingest.codebook`) into text cells indexed by the raw file's row
numbers; :func:`check_questions` holds a Qualtrics export to the wording the codebook
was written for; :func:`read_dates` reads a date column in its declared format.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pandas as pd

from analysis.contracts.numbers import excel_serial_dates
from analysis.contracts.readers import DataContractError, inside, read_table
from analysis.ingest.read import spreadsheets

__all__ = [
    "DATE_FORMATS",
    "FORMATS",
    "CodebookError",
    "check_questions",
    "likely_date_formats",
    "read_dates",
    "read_qualtrics",
    "read_source",
    "split_answers",
]

FORMATS = ("csv", "qualtrics", "xlsx", "parquet")


class CodebookError(DataContractError):
    """The codebook or a source file cannot be applied; the message says where and how to fix it."""


def read_qualtrics(path: Path, *, encoding: str = "utf-8") -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a Qualtrics CSV export: three header rows (ids, question texts, import ids).

    Returns
    -------
    (DataFrame, dict)
        The responses with the question ids as columns, and id -> question text.

    Raises
    ------
    CodebookError
        If the second and third rows do not look like a Qualtrics export.
    """
    frame = read_table(path, encoding=encoding, dtype=str, raw_export=True)
    if len(frame) < 2 or not frame.iloc[1].astype(str).str.contains("ImportId", na=False).any():
        raise CodebookError(
            f"{path.name}: not a Qualtrics export with three header rows (ids, question texts, import ids); "
            "export 'CSV' with 'Use choice text' or set format: csv in the codebook."
        )
    texts = {str(k): str(v) for k, v in frame.iloc[0].items()}
    return frame.iloc[2:].reset_index(drop=True), texts


def _wording(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def check_questions(path: Path, texts: dict[str, str], expected: dict) -> None:
    """Check that each question id still asks what the codebook was written for.

    A survey edited between waves can keep an id with new wording, or move a
    question to a new id; either way the codebook's value maps would be applied to
    the wrong answers without a word. Wording is compared ignoring case and spacing.

    Raises
    ------
    CodebookError
        Listing every question that vanished or changed, with the export's wording
        and, for a moved question, the id it now has.
    """
    if not isinstance(expected, dict):
        raise CodebookError(
            f"{path.name}: source.questions must map question ids to their wording."
        )
    found = {_wording(text): qid for qid, text in texts.items()}
    problems = []
    for qid, wording in expected.items():
        qid = str(qid)
        if qid in texts and _wording(texts[qid]) == _wording(wording):
            continue
        moved = found.get(_wording(wording))
        if moved is not None:
            problems.append(
                f"{qid} ({wording!r}) is now asked as {moved}: change {qid} to {moved} in the codebook"
            )
        elif qid not in texts:
            problems.append(
                f"{qid} ({wording!r}) is not in the export: remove it from the codebook or map its replacement"
            )
        else:
            close = difflib.SequenceMatcher(None, _wording(wording), _wording(texts[qid])).ratio()
            problems.append(
                f"{qid} changed wording ({close:.0%} similar): the codebook expects {wording!r}, the export asks "
                f"{texts[qid]!r}; if the meaning and answer codes are unchanged, update questions.{qid}, otherwise "
                "map the new question separately"
            )
    if problems:
        raise CodebookError(
            f"{path.name}: {len(problems)} question(s) differ from the codebook: "
            + "; ".join(problems)
            + "."
        )


def read_source(folder: Path, source: dict) -> tuple[pd.DataFrame, dict]:
    """Read one source file as described by a codebook ``source`` entry.

    A source listing ``sheets`` or ``files`` is read sheet by sheet (file by file) and
    stacked (:mod:`analysis.ingest.read.stacking`). The file's kind comes from its content (an .xlsx named .csv is read as a
    workbook; gzip is decompressed), the format key only tells a Qualtrics export
    from a plain CSV. The table is cut out of the sheet by
    :func:`analysis.ingest.read.spreadsheets.table_from_grid`: header row (``header_row``
    or detected), title rows above it, totals and notes rows below the data.

    Returns
    -------
    (DataFrame, dict)
        Text cells indexed by the raw file's row numbers (sheet rows or file lines),
        and a record of the rows set aside.

    Raises
    ------
    CodebookError
        A file outside the client folder or missing, a format the codebook does not
        know, or a Qualtrics question whose wording differs from ``source.questions``.
    SpreadsheetError
        A file that holds no readable table (password-protected, an image, ...),
        formula cells without saved results, a blank or duplicated header.
    """
    from analysis.ingest.read import stacking

    if stacking.is_stacked(source):  # sheets: or files: with the same columns, stacked
        return stacking.read_stacked(folder, source, read_source)
    if not isinstance(source, dict) or "file" not in source:
        raise CodebookError(
            "each table needs source: {file: ..., format: csv|qualtrics|xlsx|parquet}."
        )
    path = inside(folder, source["file"])
    if path is None:
        raise CodebookError(f"source {source['file']!r} lies outside the client folder.")
    if not path.is_file():
        raise CodebookError(f"{path.name}: source file not found in the client folder.")
    fmt = source.get("format", path.suffix.lstrip(".").lower() or "csv")
    if fmt not in FORMATS:
        raise CodebookError(f"{path.name}: format {fmt!r} is not one of {', '.join(FORMATS)}.")
    encoding = source.get("encoding", "utf-8")
    if "questions" in source and fmt != "qualtrics":
        raise CodebookError(f"{path.name}: source.questions applies to format qualtrics only.")
    kind = spreadsheets.sniff(path)
    spreadsheets.refuse_unreadable(path, kind)
    if fmt == "qualtrics" and kind in ("text", "gzip"):
        frame, texts = read_qualtrics(path, encoding=encoding)
        if "questions" in source:
            check_questions(path, texts, source["questions"])
        frame.index = frame.index + 4  # file lines: three header rows, then data from line 4
        return frame, {"header_row": 1}
    if kind == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as error:  # noqa: BLE001 - pyarrow raises many types for a damaged Parquet file
            raise CodebookError(
                f"{path.name}: not a readable Parquet file ({type(error).__name__}: {error})."
            ) from None
        frame.index = pd.RangeIndex(1, len(frame) + 1)  # row numbers
        return frame, {}
    sheet = source.get("sheet", 0)
    rows, kind = spreadsheets.read_grid(path, sheet=sheet, encoding=encoding)
    name = f"{path.name} (sheet {sheet!r})" if kind == "xlsx" else path.name
    header_row = source.get("header_row")
    if header_row is not None and (
        isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1
    ):
        raise CodebookError(
            f"{path.name}: source.header_row must be a row number (1 = the first row), not {header_row!r}."
        )
    frame, record = spreadsheets.table_from_grid(rows, name=name, header_row=header_row)
    return spreadsheets.settle_types(frame), record


DATE_FORMATS = (
    "%Y-%m",
    "%m/%Y",
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%b %Y",
    "%B %Y",
)


def likely_date_formats(values: pd.Series) -> list[str]:
    """The common date formats (:data:`DATE_FORMATS`) that read every one of ``values``."""
    text = values.dropna().astype(str).str.strip()
    if text.empty:
        return []
    return [
        fmt
        for fmt in DATE_FORMATS
        if pd.to_datetime(text, format=fmt, errors="coerce").notna().all()
    ]


def read_dates(values: pd.Series, fmt: str) -> pd.Series:
    """Dates in the declared format; ISO 8601 dates (as .xlsx date cells are read) and Excel
    serial day numbers are unambiguous and read whatever the format."""
    values = values.map(lambda v: v if isinstance(v, str) or pd.isna(v) else format(v, "g"))
    parsed = pd.to_datetime(values, format=fmt, errors="coerce")
    rest = parsed.isna() & values.notna()
    if rest.any():
        iso = pd.to_datetime(values[rest], format="ISO8601", errors="coerce")
        iso = iso.where(values[rest].astype(str).str.match(r"^\d{4}-\d{2}-\d{2}"))
        parsed[rest] = iso
        rest = parsed.isna() & values.notna()
        parsed[rest] = excel_serial_dates(values[rest])
    return parsed


def split_answers(text: str, separator: str = ",", known: set[str] | None = None) -> list[str]:
    """The options in one multi-select answer, split at ``separator``.

    An option that itself holds the separator ("Reinforcement (e.g., refreshers)") stays
    whole: pieces are joined back, with the text that separated them, while their
    brackets are unbalanced or while they are the start of a ``known`` option.
    """
    parts = re.split(f"({re.escape(separator)}\\s*)", str(text))
    options: list[str] = []
    current = ""
    for index in range(0, len(parts), 2):
        joiner = parts[index - 1] if index else ""
        current = f"{current}{joiner}{parts[index]}" if current else parts[index]
        candidate = current.strip()
        balanced = candidate.count("(") == candidate.count(")")
        partial = (
            known is not None
            and candidate not in known
            and any(k.startswith(candidate + separator) for k in known)
        )
        if balanced and not partial:
            if candidate:
                options.append(candidate)
            current = ""
    if current.strip():
        options.append(current.strip())
    return options
