"""Reading client files: one reader for every study contract.

:func:`read_table` reads a CSV whatever its delimiter (comma, semicolon, tab or
pipe, detected from the first lines), in UTF-8 with or without a byte-order mark,
or in another encoding when asked (``encoding="latin-1"``). Problems become a
:class:`DataContractError` naming the file and the fix, never a parser traceback.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.core.errors import InputError

__all__ = [
    "DELIMITERS",
    "SOURCE_ROW",
    "DataContractError",
    "file_lines",
    "inside",
    "read_table",
    "sniff_delimiter",
    "source_name",
]

DELIMITERS = ",;\t|"


#: Column in which `workbench import` keeps each row's number in the raw file, so that
#: messages about an imported table name the rows the user has open.
SOURCE_ROW = "_source_row"


def source_name(path: str | Path) -> str:
    """How messages name a client file: an imported table by the raw file it came from."""
    import json

    path = Path(path)
    record = path.parent / "import_record.json"
    if path.suffix.lower() != ".parquet" or path.parent.name != "imported" or not record.is_file():
        return path.name
    try:
        raw = json.loads(record.read_text(encoding="utf-8"))["tables"][path.stem]["source"]["file"]
    except (OSError, ValueError, KeyError, TypeError):
        return path.name
    return f"{Path(str(raw)).name} (imported as {path.name})"


def sniff_delimiter(lines: list[str]) -> str:
    """Return the delimiter (comma, semicolon, tab or pipe) that splits lines most evenly.

    That is, the one giving the most lines the same number of fields. Unlike
    :class:`csv.Sniffer`, a semicolon file whose amounts carry decimal commas (``12918,17``)
    is not taken for a comma file: its header has no comma.
    """
    best, best_score = ",", (False, 0.0, 0)
    sample = [line for line in lines[:50] if line.strip()]
    for delimiter in DELIMITERS:
        counts = [len(fields) for fields in csv.reader(sample, delimiter=delimiter)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        score = (mode > 1, counts.count(mode) / len(counts), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def inside(folder: Path, relative: str | Path) -> Path | None:
    """``folder / relative`` resolved, or None if it points outside ``folder`` (path traversal)."""
    path = (Path(folder) / str(relative)).resolve()
    return path if Path(folder).resolve() in path.parents else None


def file_lines(rows: pd.Series | Iterable[float | None]) -> str:
    """File line numbers (header = line 1) of flagged rows: the first five, then a count.

    ``rows`` is a boolean Series (the flagged rows) or an iterable of 0-based row labels.
    """
    if isinstance(rows, pd.Series) and rows.dtype == bool:
        rows = rows[rows].index
    numbers = sorted({int(i) + 2 for i in rows if i is not None and not pd.isna(i)})
    shown = ", ".join(map(str, numbers[:5]))
    return shown + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")


def _undecodable(raw: bytes, codec: str) -> tuple[list[int], list[str]]:
    """File lines that do not decode in ``codec``, and the header columns they fall in."""
    rows = raw.splitlines()
    header = (
        rows[0].decode("latin-1") if rows else ""
    )  # latin-1 decodes any byte, one character each
    try:
        delimiter = csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ","
    names = next(csv.reader([header], delimiter=delimiter), [])
    lines, columns = [], []
    for number, row in enumerate(rows, start=1):
        try:
            row.decode(codec)
        except UnicodeDecodeError as error:
            lines.append(number)
            before = row[: error.start].decode("latin-1")
            field = len(next(csv.reader([before], delimiter=delimiter), [""])) - 1
            name = names[field] if 0 <= field < len(names) else f"field {field + 1}"
            if name not in columns:
                columns.append(name)
    return lines, columns


class DataContractError(InputError):
    """A client file does not match its study contract; the message says where and how to fix it."""


def read_table(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    dtype: Mapping[str, Any] | type[str] | None = None,
    raw_export: bool = False,
) -> pd.DataFrame:
    """Read a delimited text file (or an imported Parquet table) into a DataFrame with clear errors.

    Parameters
    ----------
    path : str or Path
    encoding : str
        Text encoding; UTF-8 (a byte-order mark is removed) by default. Files saved
        by older Excel versions on Windows are often ``"latin-1"``.
    dtype : mapping or str, optional
        Passed to :func:`pandas.read_csv` (e.g. ``{"rep_id": "string"}``, or ``str`` for
        every column); an imported Parquet table is cast the same way.
    raw_export : bool
        Read a raw Qualtrics export as it is (for the codebook importer); otherwise
        one is refused with the advice to import it through a codebook.

    Raises
    ------
    DataContractError
        File missing or empty, not decodable in ``encoding`` (with the byte offset
        and a suggestion), or not parseable as a table.
    """
    path = Path(path)
    if not path.is_file():
        raise DataContractError(
            f"{path.name}: file not found ({path}); check the path in client.yml."
        )
    if path.suffix.lower() == ".parquet":  # written by `workbench import`
        return _read_imported(path, dtype)
    text = _decoded(path, encoding)
    delimiter = sniff_delimiter(text.splitlines()[:50])
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=dtype, skipinitialspace=True)
    except pd.errors.ParserError as error:
        raise DataContractError(
            f"{path.name}: cannot be read as a table ({str(error).strip().splitlines()[0]})."
        ) from None
    except pd.errors.EmptyDataError:
        raise DataContractError(f"{path.name}: the file is empty; export it again.") from None
    _refuse_repeated_names(path, next(csv.reader(io.StringIO(text), delimiter=delimiter), []))
    if (
        not raw_export
        and len(frame) >= 2
        and frame.iloc[1].astype(str).str.contains('{"ImportId"', regex=False).any()
    ):
        raise DataContractError(
            f"{path.name}: a raw Qualtrics export (question texts and import ids under the header), "
            "not a study table. Describe it in codebook.yml (format: qualtrics; data/examples/codebook.yml "
            "is a worked example) and run `workbench import CLIENT`, then name imported/survey.parquet "
            "in client.yml."
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    return _strip_text(frame)


def _read_imported(path: Path, dtype: Mapping[str, Any] | type[str] | None) -> pd.DataFrame:
    """Read a table written by ``workbench import``, indexed by its raw file's rows."""
    frame = pd.read_parquet(path)
    if SOURCE_ROW in frame:  # the raw file's row numbers, kept by the import
        frame.index = pd.Index(frame.pop(SOURCE_ROW).astype(int) - 2, name=None)
    if isinstance(dtype, Mapping):
        frame = frame.astype({k: v for k, v in dtype.items() if k in frame.columns})
    elif dtype is not None:  # one type for every column, as pandas.read_csv takes it
        frame = frame.astype(dtype)
    if frame.empty:
        raise DataContractError(
            f"{path.name}: the table has no rows; check the codebook's drop_rows rules."
        )
    return _strip_text(frame)


def _decoded(path: Path, encoding: str) -> str:
    """Return the text of a delimited file; a binary file or an undecodable byte is refused."""
    raw = path.read_bytes()
    if not raw.strip():
        raise DataContractError(f"{path.name}: the file is empty; export it again.")
    utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff"))  # some survey tools export UTF-16
    kind = "" if utf16 else _binary_kind(raw)
    if kind:
        raise DataContractError(
            f"{path.name}: this is {kind}, not a CSV text file. Import it with a codebook "
            "(`workbench import CLIENT`, see README: A new client), or save "
            "the sheet as 'CSV UTF-8' and name that file in client.yml."
        )
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    if utf16 and codec == "utf-8-sig":
        codec = "utf-16"
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as error:
        lines, columns = _undecodable(raw, codec)
        shown = ", ".join(map(str, lines[:5])) + (
            f" and {len(lines) - 5} more" if len(lines) > 5 else ""
        )
        raise DataContractError(
            f"{path.name}: not valid {encoding} text (byte 0x{raw[error.start]:02x}; column(s) "
            f"{', '.join(columns) or '?'} on line(s) {shown}). "
            "If the file was saved by Excel on Windows, read it with encoding latin-1 (cp1252)."
        ) from None


def _refuse_repeated_names(path: Path, header: list[str]) -> None:
    """Refuse a header naming one column twice (compared ignoring case)."""
    names = [name.strip() for name in header]
    folded = [name.casefold() for name in names]
    twice = sorted(
        {name for name in names if name and folded.count(name.casefold()) > 1}, key=str.casefold
    )
    if not twice:
        return
    where = "; ".join(
        " and ".join(
            f"{other!r} in column {i + 1}"
            for i, other in enumerate(names)
            if other.casefold() == name.casefold()
        )
        for name in dict.fromkeys(name.casefold() for name in twice)
    )
    raise DataContractError(
        f"{path.name}: line 1 (the header) names a column twice: {where} (names are compared "
        "ignoring case). A reader would keep one and ignore or rename the other, so rename or "
        "remove the extra column so each name appears once."
    )


def _strip_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip the padding around ids and labels.

    Ids and labels then compare equal with or without padding, in every study and every
    file type (a CSV, or a table imported from a workbook whose cells carried spaces).
    """
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.StringDtype):
            frame[column] = frame[column].str.strip()
        elif frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: v.strip() if isinstance(v, str) else v)
    return frame


#: Leading bytes of files that are not delimited text.
_SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"%PDF": "a PDF document",
    b"PAR1": "a Parquet table",
}


def _binary_kind(raw: bytes) -> str:
    """Return what a binary file is (from its first bytes), or "" for text."""
    for signature, kind in _SIGNATURES.items():
        if raw.startswith(signature):
            return kind
    return "a binary file" if b"\x00" in raw[:4096] else ""
