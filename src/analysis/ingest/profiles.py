"""What a raw column's values are: the evidence a drafted codebook maps roles from.

:func:`profile_column` reads the values of one raw column (text cells or typed numbers)
and says what they are, as a :class:`ColumnProfile`:

* ``money``: amounts with a currency (a symbol or ISO code in the values, or in the
  header such as ``Cost (£)``), with the decimal mark, Indian digit grouping, a ``k``
  suffix (thousands) or a trailing minus noted;
* ``count``: non-negative whole numbers; ``number``: other numbers (an amount without a
  currency, a duration); ``share``: fractions from 0 to 1 or percentages; ``score``:
  whole numbers or decimals on a scale the header states (``(1-5)``, ``(0-100)``);
* ``period`` (months or quarters: ``Jan-24``, ``janv. 2025``, ``001.2025``, ``FY25 Q1``,
  Excel serial month ends, first-of-month dates) or ``date`` (day-level dates and
  times), each with the format that reads it (see :data:`DATE_FORMATS_NAMED`);
* ``identifier`` (codes, zero-padded numbers, record ids, integers that repeat evenly
  like a rep number in a panel), ``category`` (few values, repeated), ``text`` (free
  text), ``multi_select`` (options joined by ``;`` or ``,``), ``boolean``;
* ``personal``: e-mail addresses, person or organisation names, IP addresses, phone
  numbers, locations and device fingerprints.

The kind comes from the values; the header only supports it (a currency in
``Amount (₹)``, a scale in ``Relevance (1-5)``, a name column headed ``Nom``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.contracts.numbers import currencies_in, looks_like_periods, split_number
from analysis.contracts.periods import fiscal_quarter, month_number, posting_period, read_label

__all__ = [
    "DATE_FORMATS_NAMED",
    "KINDS",
    "ColumnProfile",
    "notes_under_header",
    "profile_column",
    "profile_frame",
]

KINDS = (
    "money",
    "count",
    "number",
    "share",
    "score",
    "period",
    "date",
    "identifier",
    "category",
    "text",
    "multi_select",
    "boolean",
    "personal",
    "empty",
)
#: Period formats that strftime cannot express, by name (the codebook's ``dates`` rule).
DATE_FORMATS_NAMED = ("excel_serial", "sap_period", "fiscal_quarter", "month_name")

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
IPV4 = re.compile(r"(\d{1,3}\.){3}\d{1,3}")
IPV6 = re.compile(r"[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}", re.IGNORECASE)
PHONE = re.compile(r"\+?[\d\s().-]{7,20}")
NAME_WORD = r"[^\W\d_][^\W\d_'’.-]*(?:['’.-][^\W\d_]+)*\.?"
PERSON = re.compile(rf"{NAME_WORD},?(\s+{NAME_WORD}){{1,3}}")
LAST_FIRST = re.compile(rf"{NAME_WORD}(\s+{NAME_WORD})?,\s*{NAME_WORD}(\s+{NAME_WORD})?")
ID_HEADER = re.compile(
    r"(\bid\b|nr\b\.?|\bno\b\.?|number|#|\bcode\b|nummer|matricule)", re.IGNORECASE
)
ORGANISATION = re.compile(
    r"\b(inc|llc|llp|ltd|limited|plc|gmbh|ag|sa|sas|sarl|bv|nv|corp|corporation|co|group|"
    r"holdings|partners|pvt)\b\.?$",
    re.IGNORECASE,
)
CODE = re.compile(r"[A-Za-z]{0,4}[-_ ]?\d{2,}[A-Za-z0-9]*|[A-Za-z0-9_]*\d[A-Za-z0-9_]{7,}")
SCALE_IN_HEADER = re.compile(r"\(?\b(0|1)\s*[-–to]+\s*(4|5|7|10|100)\b\)?")
BOOLEAN_WORDS = {"true", "false", "yes", "no", "y", "n", "oui", "non", "ja", "nein", "x"}
NAME_HEADER = re.compile(
    r"\b(name|nom|prénom|prenom|vorname|nachname|surname|first|last|owner|learner|manager|"
    r"facilitator|trainer|contact|recipient)",
    re.IGNORECASE,
)
LOCATION_HEADER = re.compile(r"latitude|longitude|\blat\b|\blon(g)?\b|location", re.IGNORECASE)
#: A header that says its column holds dates or times (supporting evidence for day numbers).
DATE_HEADER = re.compile(
    r"date|\bday\b|time|datum|fecha|\bdata\b|\bdatu|month|period|when|\bon$|\bat$|"
    r"complet|start|\bend|closed?\b|clos(e|ing)|hired?\b|joined|created|modified|updated",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ColumnProfile:
    """What one raw column holds.

    Attributes
    ----------
    column : str
        The raw column's name.
    kind : str
        One of :data:`KINDS`.
    n, missing, unique : int
        Non-blank values, blank cells, distinct values.
    samples : tuple of str
        Up to three distinct values as written.
    minimum, median, maximum : float or None
        Of the numbers read (money after its ``k`` suffix, shares as fractions).
    currencies : tuple of str
        ISO 4217 codes found in the values or the header (money only).
    decimal : str or None
        The decimal mark of numbers written as text.
    date_format : str or None
        strftime format or a name from :data:`DATE_FORMATS_NAMED`.
    personal : str or None
        email, name, organisation, ip, phone, location, device, free text.
    scale : tuple of float or None
        A score's scale.
    notes : tuple of str
        Findings a reviewer should know (Indian grouping, special periods, ``$``).
    """

    column: str
    kind: str
    n: int
    missing: int
    unique: int
    samples: tuple[str, ...] = ()
    minimum: float | None = None
    median: float | None = None
    maximum: float | None = None
    currencies: tuple[str, ...] = ()
    decimal: str | None = None
    date_format: str | None = None
    personal: str | None = None
    scale: tuple[float, float] | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def unit(self) -> str:
        """The unit found, in words: ``GBP``, ``% (0-1)``, ``scale 1-5``, ``Jan-24 months``."""
        if self.kind == "money":
            return "/".join(self.currencies) or "no currency"
        if self.kind == "share":
            return "share 0-1"
        if self.kind == "score" and self.scale:
            return f"scale {self.scale[0]:g}-{self.scale[1]:g}"
        if self.kind in ("period", "date") and self.date_format:
            return f"format {self.date_format}"
        if self.kind == "personal":
            return self.personal or ""
        return ""

    def describe(self) -> str:
        """One line of evidence: kind, unit, sample values, min/median/max, n and blanks."""
        shown = ", ".join(repr(s) for s in self.samples)
        parts = [self.kind + (f" ({self.unit})" if self.unit else ""), f"e.g. {shown}"]
        if self.minimum is not None:
            parts.append(
                f"min {_fmt(self.minimum)}, median {_fmt(self.median)}, max {_fmt(self.maximum)}"
            )
        parts.append(f"n {self.n}, {self.missing} blank, {self.unique} distinct")
        return "; ".join(parts + list(self.notes))


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def profile_frame(
    frame: pd.DataFrame, notes: dict[str, str] | None = None
) -> dict[str, ColumnProfile]:
    """A profile for every column of ``frame`` (see :func:`profile_column`); ``notes``:
    column -> the text a notes row under the header writes for it (its unit)."""
    notes = notes or {}
    return {
        str(c): profile_column(frame[c], header=str(c), note=notes.get(str(c), ""))
        for c in frame.columns
    }


def notes_under_header(frame: pd.DataFrame) -> tuple[Any, dict[str, str]] | None:
    """The first data row, when it is a row of notes under the header rather than data.

    Some workbooks write under each column's name what it holds (``USD k, net of
    returns``, ``count``, ``share of full time``). Such a row is all text (at least two
    cells), and in at least two columns whose other values are numbers, periods or dates
    its cell is none of these: a row of data would fit its columns. Read as data, it
    would turn every one of those columns into a category.

    Returns
    -------
    (row label, dict) or None
        The row's index label and column -> its text, or None when the first row is data.
    """
    if len(frame) < 4:
        return None
    first = frame.iloc[0]
    cells = {
        str(c): str(v).strip()
        for c, v in first.items()
        if v is not None and not pd.isna(v) and str(v).strip()
    }
    if len(cells) < 2 or not all(
        isinstance(first[c], str) for c in frame.columns if str(c) in cells
    ):
        return None
    foreign = 0
    for column, text in cells.items():
        rest = profile_column(frame[column].iloc[1:], header=column)
        if rest.kind not in ("money", "count", "number", "share", "score", "period", "date"):
            continue
        alone = profile_column(pd.Series([text] * 3), header=column)
        if alone.kind == rest.kind or split_number(text) is not None:
            return None  # the cell fits its column: a row of data
        foreign += 1
    return (frame.index[0], cells) if foreign >= 2 else None


def profile_column(values: pd.Series, *, header: str = "", note: str = "") -> ColumnProfile:
    """What ``values`` are: kind, unit, format and evidence (see the module docstring).

    Parameters
    ----------
    values : Series
        The raw column: text cells, or numbers typed into spreadsheet cells.
    header : str
        The column's name, used only as supporting evidence (a currency, a scale).
    note : str
        What a notes row under the header says of the column (``USD k``): evidence
        like the header's.
    """
    evidence = f"{header} ({note})" if note else header
    present = values.dropna()
    text = present.map(lambda v: v if isinstance(v, str) else format(v, ".15g")).astype(str)
    text = text.str.strip()
    text = text[text != ""]
    base: dict[str, Any] = {
        "column": header,
        "n": len(text),
        "missing": len(values) - len(text),
        "unique": int(text.nunique()),
        "samples": tuple(text.drop_duplicates().head(3)),
    }
    if text.empty:
        return ColumnProfile(kind="empty", **base)
    counts = text.value_counts(sort=False)  # the detectors read each distinct value once
    distinct = pd.Series(counts.index.astype(str), index=counts.index)
    for detect in (_contact, _boolean, _period, _personal, _number, _text_kind):
        found = detect(distinct, evidence, counts)
        if found is not None:
            return ColumnProfile(**base, **found)
    return ColumnProfile(kind="text", **base)


# ----------------------------------------------------------------------------- detectors


def _share_of(text: pd.Series, pattern: re.Pattern[str]) -> float:
    return float(text.map(lambda t: bool(pattern.fullmatch(t))).mean())


def _contact(text: pd.Series, header: str, counts: pd.Series) -> dict | None:
    """E-mail and IP addresses."""
    if _share_of(text, EMAIL) >= 0.2:
        return {"kind": "personal", "personal": "email"}
    if _share_of(text, IPV4) >= 0.8 or (
        _share_of(text, IPV6) >= 0.8 and text.str.contains(":").all()
    ):
        return {"kind": "personal", "personal": "ip"}
    return None


def _personal(text: pd.Series, header: str, counts: pd.Series) -> dict | None:
    """Phone numbers, locations, person or organisation names."""
    digits = text.str.count(r"\d")
    if (
        _share_of(text, PHONE) >= 0.9
        and (digits >= 7).mean() >= 0.9
        and text.str.contains(r"[\s()\-+]").mean() >= 0.9
        and split_number(str(text.iloc[0])) is None
    ):
        return {"kind": "personal", "personal": "phone"}
    if LOCATION_HEADER.search(header) and pd.to_numeric(text, errors="coerce").notna().all():
        return {"kind": "personal", "personal": "location"}
    distinct = pd.Series(text.unique())
    if _share_of(distinct, LAST_FIRST) >= 0.9 and len(distinct) >= 2:
        return {"kind": "personal", "personal": "name"}
    named = _share_of(distinct, PERSON)
    if named >= 0.8 and len(distinct) >= 8 and not distinct.str.contains(r"\d").any():
        orgs = distinct.map(lambda t: bool(ORGANISATION.search(t))).mean()
        kind = "organisation" if orgs >= 0.3 else "name"
        if kind == "organisation" or _looks_like_people(distinct, header):
            return {"kind": "personal", "personal": kind}
    single = _share_of(distinct, re.compile(NAME_WORD))
    if single >= 0.9 and len(distinct) >= 8 and NAME_HEADER.search(header):
        return {"kind": "personal", "personal": "name"}
    return None


def _looks_like_people(distinct: pd.Series, header: str) -> bool:
    """Person names rather than category labels: two or three words each, and more
    distinct values than a category has (or a header that names people)."""
    words = distinct.str.replace(",", " ").str.split().map(len)
    return words.median() <= 3 and (len(distinct) > 25 or bool(NAME_HEADER.search(header)))


def _boolean(text: pd.Series, header: str, counts: pd.Series) -> dict | None:
    words = set(text.str.casefold())
    if words <= BOOLEAN_WORDS or (words <= {"0", "1"} and len(words) == 2):
        return {"kind": "boolean"}
    return None


def _period(text: pd.Series, header: str, counts: pd.Series) -> dict | None:
    """Month labels, fiscal quarters, SAP posting periods, dates and date-times."""
    distinct = pd.Series(text.unique())
    if distinct.map(lambda t: fiscal_quarter(t, 1) is not None).all():
        return {
            "kind": "period",
            "date_format": "fiscal_quarter",
            "notes": ("fiscal quarters: the month the fiscal year starts is not in the values",),
        }
    if distinct.map(lambda t: posting_period(t) is not None).all():
        special = sorted({t for t in distinct if (posting_period(t) or (0, 0))[1] > 12})
        notes = (f"special periods {special[:4]} (13-16 are not months)",) if special else ()
        return {"kind": "period", "date_format": "sap_period", "notes": notes}
    if looks_like_periods(distinct) and distinct.str.fullmatch(r"\d{1,2}[./]\d{4}").all():
        return {"kind": "period", "date_format": "%m.%Y" if "." in distinct.iloc[0] else "%m/%Y"}
    forms = distinct.map(lambda t: (read_label(t) or ("", None))[0])
    if forms.isin(["month name"]).all() and not distinct.map(_english_month).all():
        return {"kind": "period", "date_format": "month_name"}
    if forms.isin(["month", "quarter", "spelled quarter", "year.month", "month name"]).all():
        fmt = _strftime_month(distinct)
        return {"kind": "period", "date_format": fmt}
    serial = _excel_serial(text, header, counts)
    if serial is not None:
        return serial
    return _dates(distinct)


def _english_month(label: str) -> bool:
    found = re.fullmatch(r"([A-Za-z]{3,9})\.?[\s\-/']*(\d{2}|\d{4})", label)
    return found is not None and month_number(found[1]) is not None and found[1].isascii()


def _strftime_month(distinct: pd.Series) -> str | None:
    """The strftime format of English month labels (``Jan-24`` is ``%b-%y``); None when
    the contract reads the labels as they are (``2025-03``, ``2025-Q1``)."""
    for fmt in ("%b-%y", "%b %Y", "%B %Y", "%b-%Y", "%b %y"):
        if pd.to_datetime(distinct, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


def _excel_serial(
    text: pd.Series, header: str = "", counts: pd.Series | None = None
) -> dict | None:
    """Excel serial day numbers stored as plain numbers (45230 = 2023-10-31).

    Whole numbers between 25,000 and 60,000 are days only with date-like evidence: a
    header that speaks of dates, or a spread that days have. A header naming a number
    or id (``Employee number``) without a date word, or a run of consecutive numbers each
    on one row (40100, 40101, ... : employee numbers handed out in turn), is not dates.
    """
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.isna().any() or (numbers % 1 != 0).any():
        return None
    if not numbers.between(25_000, 60_000).all() or numbers.max() - numbers.min() > 7_300:
        return None
    dated = bool(DATE_HEADER.search(header))
    if ID_HEADER.search(header) and not dated:
        return None
    rows = int(counts.sum()) if counts is not None else len(numbers)
    span = numbers.max() - numbers.min() + 1
    if not dated and len(numbers) >= 5 and rows == len(numbers) and span <= 1.2 * len(numbers):
        return None  # consecutive numbers, one per row: ids handed out in turn
    days = pd.to_datetime(numbers, unit="D", origin="1899-12-30")
    monthly = len(days) >= 3 and bool(days.dt.is_month_end.all() or (days.dt.day == 1).all())
    if not monthly and (numbers % 10 == 0).mean() > 0.3:  # round amounts, not days
        return None
    return {
        "kind": "period" if monthly else "date",
        "date_format": "excel_serial",
        "notes": (f"Excel serial day numbers ({int(numbers.iloc[0])} = {days.iloc[0]:%Y-%m-%d})",),
    }


def _dates(distinct: pd.Series) -> dict | None:
    """Dates and date-times, telling day-first from month-first by the values."""
    iso = distinct.str.fullmatch(r"\d{4}([-/])\d{2}\1\d{2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?")
    if iso.all():
        mark = distinct.iloc[0][4]
        days = pd.to_datetime(distinct.str[:10], format=f"%Y{mark}%m{mark}%d", errors="coerce")
        if days.isna().any():
            return None
        monthly = bool((days.dt.day == 1).all() or days.dt.is_month_end.all()) and len(distinct) > 1
        fmt = f"%Y{mark}%m{mark}%d"
        if mark == "/" and distinct.str.contains(":").all():
            fmt += " %H:%M:%S" if distinct.str.count(":").min() == 2 else " %H:%M"
        return {"kind": "period" if monthly else "date", "date_format": fmt}
    named = _day_month_name(distinct)
    if named is not None:
        return named
    slashed = distinct.str.extract(
        r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
    )
    if slashed[0].isna().any():
        return None
    first, second, mark = slashed[0].astype(int), slashed[2].astype(int), slashed[1].iloc[0]
    times = (
        " %H:%M:%S"
        if distinct.str.count(":").max() == 2
        else " %H:%M"
        if distinct.str.contains(":").any()
        else ""
    )
    if first.max() > 12 and second.max() <= 12:
        order, notes = ("%d", "%m"), ("day first (a day above 12 comes first)",)
    elif second.max() > 12 and first.max() <= 12:
        order, notes = ("%m", "%d"), ("month first (a day above 12 comes second)",)
    elif mark == ".":
        order, notes = ("%d", "%m"), ("dotted: day first",)
    else:
        order, notes = ("%d", "%m"), ("day or month first cannot be told from the values",)
    fmt = f"{order[0]}{mark}{order[1]}{mark}%Y"
    if times and not distinct.str.contains(":").all():
        return None
    days = pd.to_datetime(distinct.str.split().str[0], format=fmt, errors="coerce")
    monthly = len(distinct) > 1 and bool((days.dt.day == 1).all() or days.dt.is_month_end.all())
    return {"kind": "period" if monthly else "date", "date_format": fmt + times, "notes": notes}


DAY_MONTH_NAME = re.compile(r"(\d{1,2})([-\s./]+)([^\W\d_]{3,10}\.?)([-\s./]+)(\d{4}|\d{2})")


def _day_month_name(distinct: pd.Series) -> dict | None:
    """Days written with the month's name between day and year (``15-Mar-2025``,
    ``3 janv. 2025``, ``07.Mär.24``), in any language :func:`month_number` knows.

    The strftime format is given when one reads every value (English month names);
    otherwise the kind is still a date, with a note that no strftime format reads them.
    """
    found = distinct.str.extract(DAY_MONTH_NAME.pattern)
    if found[0].isna().any():
        return None
    if not found[2].map(lambda w: month_number(w) is not None).all():
        return None
    if not found[0].astype(int).between(1, 31).all():
        return None
    english = found[2].map(lambda w: w.isascii()).all()
    years = "%Y" if found[4].str.len().eq(4).all() else "%y"
    for mark in dict.fromkeys(found[1].tolist()):
        for month in ("%b", "%B"):
            fmt = f"%d{mark}{month}{mark}{years}"
            if english and pd.to_datetime(distinct, format=fmt, errors="coerce").notna().all():
                return {"kind": "date", "date_format": fmt, "notes": ("day, month name, year",)}
    return {
        "kind": "date",
        "notes": ("day, month name, year; the month names are not English: no strftime format",),
    }


def _number(text: pd.Series, header: str, counts: pd.Series) -> dict | None:
    """Money, counts, shares, scores and other numbers (values all read as numbers)."""
    if looks_like_periods(text):
        return None
    parts = [split_number(t) for t in text]
    if any(p is None for p in parts):
        return None
    numbers = _read(text, parts)
    if numbers is None:
        return None
    if len(numbers) != len(counts):
        return None
    numbers = pd.Series(numbers.to_numpy().repeat(counts.to_numpy()))  # every row, for the median
    found = {
        "minimum": float(numbers.min()),
        "median": float(numbers.median()),
        "maximum": float(numbers.max()),
    }
    codes = tuple(dict.fromkeys(c for p in parts if p for c in p["currencies"]))
    in_header = currencies_in(header.replace("#", ""))
    notes = _number_notes(text, parts)
    if any(p and p["percent"] for p in parts):
        return {"kind": "share", "notes": notes, **found}
    if codes or in_header:
        currencies = codes or in_header
        if any(c == "USD" for c in currencies) and "$" in "".join(text.head(50)) + header:
            notes += ("'$' read as USD (also CAD, AUD, ...)",)
        return {"kind": "money", "currencies": currencies, "notes": notes, **found}
    whole = bool((numbers % 1 == 0).all())
    ident = _identifier_numbers(text, counts, numbers, whole, header)
    if ident is not None:
        return {**ident, **found}
    scale = SCALE_IN_HEADER.search(header)
    if scale and numbers.min() >= float(scale[1]) and numbers.max() <= float(scale[2]):
        return {
            "kind": "score",
            "scale": (float(scale[1]), float(scale[2])),
            "notes": notes,
            **found,
        }
    if (
        not whole
        and numbers.min() >= 0
        and numbers.max() <= 1.0
        or ("%" in header and numbers.min() >= 0 and numbers.max() <= 3)
    ):
        return {"kind": "share", "notes": notes + ("fractions (0.87 = 87%)",), **found}
    if whole and numbers.min() >= 0 and numbers.max() < 10_000:
        return {"kind": "count", "notes": notes, **found}
    return {"kind": "number", "notes": notes, **found}


def _read(text: pd.Series, parts: list) -> pd.Series | None:
    """The numbers, reading the decimal mark from the column (``.`` when it cannot tell)."""
    from analysis.contracts.numbers import CURRENCY, NumberFormatError, parse_numbers

    text = text.reset_index(drop=True)
    if len({c for p in parts if p for c in p["currencies"]}) > 1:  # read each as it is written
        text = text.str.replace(CURRENCY, "", regex=True)
    try:
        numbers, _ = parse_numbers(text, column="", where="")
    except NumberFormatError:
        try:
            numbers, _ = parse_numbers(text, column="", where="", decimal=".")
        except NumberFormatError:
            return None
    return numbers.dropna()


def _number_notes(text: pd.Series, parts: list) -> tuple[str, ...]:
    notes = []
    if any(p and p["thousand"] for p in parts):
        notes.append("'k' suffix: thousands")
    if text.str.contains(r"\d,\d\d,\d\d\d").any():
        notes.append("Indian digit grouping (lakh, crore)")
    if text.str.contains(r"\d-$").any():
        notes.append("trailing minus")
    if text.str.contains("[\u00a0\u202f]").any():
        notes.append("no-break-space thousands")
    if text.str.contains(r"\d,\d{1,2}\b").any() and not text.str.contains(r"\.\d{1,2}\b").any():
        notes.append("decimal comma")
    return tuple(notes)


def _identifier_numbers(
    text: pd.Series, counts: pd.Series, numbers: pd.Series, whole: bool, header: str
) -> dict | None:
    """Numbers that are ids: zero-padded, ten digits or more, or whole numbers that repeat
    evenly (a rep number in a rep-period panel) or are all distinct in a long column."""
    if not whole:
        return None
    padded = text.str.fullmatch(r"0\d+").mean() >= 0.2 and text.str.len().nunique() == 1
    if padded or numbers.min() >= 1e9:
        return {"kind": "identifier", "notes": ("zero-padded codes",) if padded else ()}
    unround = (numbers % 10 != 0).mean() >= 0.8 and numbers.min() >= 1000
    if unround and (text.str.len().nunique() == 1 or ID_HEADER.search(header)):
        return {"kind": "identifier", "notes": ("whole numbers of one length, not rounded",)}
    n = int(counts.sum())
    if len(counts) >= 10 and n >= 20:
        if len(counts) == n and numbers.min() >= 0:
            return {"kind": "identifier", "notes": ("every value distinct",)}
        even = counts.std() <= 0.1 * counts.mean() and counts.mean() >= 2
        if even:
            return {"kind": "identifier", "notes": (f"each value on {counts.mean():.0f} rows",)}
    return None


def _text_kind(text: pd.Series, header: str, counts: pd.Series) -> dict | None:
    """Identifiers, multi-selects, categories and free text."""
    distinct = pd.Series(text.unique())
    codes = _share_of(distinct, CODE)
    if codes >= 0.9 and len(distinct) >= 10:
        return {"kind": "identifier"}
    short = distinct.str.fullmatch(r"[^\s,;]{1,20}") & distinct.str.contains(r"\d")
    if (ID_HEADER.search(header) or re.search(r"\brep\b", header, re.IGNORECASE)) and short.all():
        return {"kind": "identifier", "notes": ("codes under an id header",)}
    if _multi_select(text):
        return {"kind": "multi_select"}
    words = text.str.split().map(len)
    n = int(counts.sum())
    if len(distinct) <= 25 and (len(distinct) <= 0.5 * n or n <= 12):
        long_text = words.mean() >= 6
        if not long_text:
            return {"kind": "category"}
    if len(distinct) >= 0.9 * n and n >= 20 and words.max() == 1:
        return {"kind": "identifier"}
    return {"kind": "text", "notes": ("free text",) if words.mean() >= 3 else ()}


def _multi_select(text: pd.Series) -> bool:
    """Options joined by ``;`` (a trailing one allowed) or by ``,`` in one cell: at least
    three pieces each appear in two or more different cells (free text does not recur,
    ``Last, First`` names always pair the same two pieces)."""
    distinct = pd.Series(text.unique())
    for separator in (";", ","):
        if distinct.str.contains(separator, regex=False).mean() < 0.2:
            continue
        pieces = distinct.str.split(separator).explode().str.strip()
        counts = pieces[pieces != ""].value_counts()
        if len(counts) <= 40 and (counts >= 2).sum() >= 3:
            return True
    return False
