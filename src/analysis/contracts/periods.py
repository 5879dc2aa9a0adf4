"""Period labels in time order: one rule for the estimators, the KPI checks and validate.

Labels come as numbers, dates, pandas Periods or text ("2025-03", "2025-Q1",
"Jan 2025", "10"). Sorting text alphabetically would put "Feb" before "Jan" and
"10" before "9", so every comparison of periods goes through :func:`time_order`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.errors import DataError

__all__ = [
    "FORMS",
    "fiscal_quarter",
    "month_number",
    "parse_periods",
    "period_index",
    "posting_period",
    "read_label",
    "time_order",
]

#: Text forms of a period label and the parts, as (year, month or quarter, day), that
#: put them in time order. Day-first dotted dates are day.month.year (European), never
#: month-first; slashed dates are ambiguous and not read here.
_SORT_FORMS: tuple[tuple[str, re.Pattern[str], tuple[int, int, int]], ...] = (
    ("month", re.compile(r"(\d{4})-(\d{1,2})"), (1, 2, 0)),
    ("year.month", re.compile(r"(\d{4})\.(\d{2})"), (1, 2, 0)),
    ("month.year", re.compile(r"(\d{1,2})[./](\d{4})"), (2, 1, 0)),
    ("quarter", re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE), (1, 2, 0)),
    ("spelled quarter", re.compile(r"Q([1-4])[\s\-/]*(\d{4})", re.IGNORECASE), (2, 1, 0)),
    ("year quarter", re.compile(r"(\d{4})[\s\-/]+Q([1-4])", re.IGNORECASE), (1, 2, 0)),
    (
        "date",
        re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?"),
        (1, 2, 3),
    ),
    ("day.month.year", re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), (3, 2, 1)),
)


def _sort_keys(text: pd.Series) -> np.ndarray | None:
    """Sort keys for labels all written in one of :data:`_SORT_FORMS` (or month names)."""
    for _, pattern, (y, m, d) in _SORT_FORMS:
        found = [pattern.fullmatch(label.strip()) for label in text]
        if all(found):
            return np.array(
                [
                    int(f[y]) * 10_000 + int(f[m]) * 100 + (int(f[d]) if d else 0)
                    for f in found
                    if f is not None
                ]
            )
    named = [read_label(label) for label in text]
    if all(n is not None and n[0] == "month name" and n[1] for n in named):
        return np.array([int(n[1].replace("-", "")) for n in named if n is not None and n[1]])
    return None


def time_order(labels: Iterable[Any], *, error: type[DataError] = DataError) -> pd.Index:
    """Return the distinct period labels in time order.

    Numbers, dates and pandas Periods sort as they are. Text labels sort as whole
    numbers (``"1"``, ``"2"``, ``"10"``), or, when all are written one way, by the period
    they name: months (``2025-03``, ``2025.03``, ``03.2025``, ``Mar 2025``), quarters
    (``2025-Q1``, ``Q1 2025``) or dates (``2025-03-31``, and ``31.03.2025`` read day
    first). Other text is an ``error``: sorting it alphabetically would put ``"Feb"``
    before ``"Jan"``, and reading ``03/04/2025`` would have to guess which is the month.
    """
    index = pd.Index(pd.unique(pd.Series(labels).dropna()))
    if not (pd.api.types.is_object_dtype(index.dtype) or pd.api.types.is_string_dtype(index.dtype)):
        return index.sort_values()
    text = pd.Series(index.astype(str))
    if text.str.fullmatch(r"\s*-?\d+\s*").all():
        return index[np.argsort(text.astype("int64").to_numpy(), kind="stable")]
    keys = _sort_keys(text)
    if keys is not None:
        return index[np.argsort(keys, kind="stable")]
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().all() and not text.str.fullmatch(r"\s*\d{4}\.\d{1,2}\s*").any():
        # decimals sort as numbers; 2025.1 next to 2025.10 is a month that lost its zero
        return index[np.argsort(numbers.to_numpy(), kind="stable")]
    unclear = text[~text.str.contains(r"[./]", regex=True)] if len(text) else text
    if len(unclear) == len(text):  # no dotted or slashed label, whose order would be a guess
        with warnings.catch_warnings():
            # "could not infer format": expected, each label is parsed on its own
            warnings.filterwarnings("ignore", message=".*infer format.*", category=UserWarning)
            dates = pd.to_datetime(text, errors="coerce", format="mixed")
        if dates.notna().all():
            return index[np.argsort(dates.to_numpy(), kind="stable")]
    raise error(
        f"period labels such as {text.tolist()[:3]} cannot be put in time order; write them all one "
        "way: numbers, months (2025-03), quarters (2025-Q1) or dates (2025-03-31)."
    )


def period_index(times: pd.Series, *, error: type[DataError] = DataError) -> pd.Series:
    """Map period labels to 0, 1, 2, ... in time order (see :func:`time_order`)."""
    order = time_order(times, error=error)
    return pd.Series(order.get_indexer(pd.Index(times)), index=times.index, dtype="int64").where(
        times.notna()
    )


# ------------------------------------------------------------- period labels in data files

#: Month names and abbreviations (English, French, German, Spanish, Italian, Dutch,
#: Portuguese), lower case without the trailing dot: ``janv.``, ``Mär``, ``okt``.
_MONTH_WORDS = (
    (
        "jan",
        "january",
        "janv",
        "janvier",
        "januar",
        "jän",
        "jänner",
        "ene",
        "enero",
        "gen",
        "gennaio",
        "januari",
        "janeiro",
    ),
    (
        "feb",
        "february",
        "févr",
        "fév",
        "fevr",
        "février",
        "februar",
        "febrero",
        "febbraio",
        "februari",
        "fev",
        "fevereiro",
    ),
    ("mar", "march", "mars", "märz", "mär", "marz", "marzo", "maart", "mrt", "março"),
    ("apr", "april", "avr", "avril", "abr", "abril", "aprile"),
    ("may", "mai", "mayo", "mag", "maggio", "mei", "maio"),
    ("jun", "june", "juin", "juni", "junio", "giu", "giugno", "junho"),
    ("jul", "july", "juil", "juillet", "juli", "julio", "lug", "luglio", "julho"),
    ("aug", "august", "août", "aout", "ago", "agosto", "augustus"),
    ("sep", "sept", "september", "septembre", "sep", "septiembre", "set", "settembre", "setembro"),
    ("oct", "october", "octobre", "okt", "oktober", "octubre", "ott", "ottobre", "out", "outubro"),
    ("nov", "november", "novembre", "noviembre", "novembro"),
    (
        "dec",
        "december",
        "déc",
        "décembre",
        "dez",
        "dezember",
        "dic",
        "diciembre",
        "dicembre",
        "dezembro",
    ),
)
_MONTH_NAMES = {
    name: number for number, names in enumerate(_MONTH_WORDS, start=1) for name in names
}


def month_number(word: str) -> int | None:
    """Return the month (1-12) a month name or abbreviation stands for, or None.

    Any language of :data:`_MONTH_WORDS` is read (``janv.``, ``Mär``, ``Oct``), or None.
    """
    return _MONTH_NAMES.get(word.strip().rstrip(".").casefold())


_FISCAL = re.compile(
    r"(?:FY\s*'?(\d{2}|\d{4})\s*[-/ ]?\s*Q([1-4]))|(?:Q([1-4])\s*[-/ ]?\s*FY\s*'?(\d{2}|\d{4}))",
    re.IGNORECASE,
)


def fiscal_quarter(label: str, start_month: int, named: str = "end") -> str | None:
    """Return the calendar quarter (``2024-Q2``) a fiscal-quarter label names, or None.

    ``FY25 Q1`` (also ``FY2025 Q1``, ``Q1 FY25``, ``FY25-Q1``) is the first quarter of
    fiscal year 25. Companies name a fiscal year two ways: by the calendar year it ENDS
    in (``named="end"``, the more common: India's FY25 runs April 2024 to March 2025)
    or by the year it STARTS in (``named="start"``: FY25 runs April 2025 to March 2026).
    With ``start_month`` 1 the fiscal year is the calendar year either way. Only a start
    on the first month of a calendar quarter (1, 4, 7, 10) keeps fiscal quarters equal to
    calendar quarters; other starts are refused by the caller.
    """
    found = _FISCAL.fullmatch(label.strip())
    if not found:
        return None
    year_text = found[1] or found[4]
    quarter = int(found[2] or found[3])
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    first_year = year - 1 if start_month > 1 and named == "end" else year
    first = first_year * 12 + (start_month - 1)  # months since year 0
    month = first + 3 * (quarter - 1)
    return f"{month // 12}-Q{month % 12 // 3 + 1}"


def posting_period(label: str) -> tuple[int, int] | None:
    """Return (year, period) of an SAP posting period ``PPP.YYYY`` (``001.2025``), or None.

    Periods 13 to 16 are year-end special periods, not months: the caller decides.
    """
    found = re.fullmatch(r"(\d{3})\.(\d{4})", label.strip())
    return (int(found[2]), int(found[1])) if found else None


#: The ways of writing a period that are read, each with an example (used in messages).
FORMS = {
    "month": "2025-03",
    "year.month": "2025.03",
    "month.year": "03.2025",
    "month name": "Mar 2025",
    "quarter": "2025-Q1",
    "spelled quarter": "Q1 2025",
    "date": "2025-03-31",
    "day.month.year": "31.03.2025",
}
_ACCEPTED = (
    "write every period one way: 2025-03 or Mar 2025 (month), 2025-Q1 or Q1 2025 (quarter), "
    "or a date (2025-03-31 or 31.03.2025)"
)


def _month(year: int, month: int) -> str | None:
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None


def _day(year: int, month: int, day: int) -> str | None:
    import datetime

    try:
        datetime.date(year, month, day)
    except ValueError:
        return None
    return _month(year, month)


def read_label(label: str) -> tuple[str, str | None] | None:
    """How one period label is written, and the period it names (``2025-03`` or ``2025Q1``).

    Returns ``(form, period)``, with ``period`` None for an impossible month or date
    (``2025-13``, ``31.02.2025``), or None when the label is written in no known form.
    The forms are :data:`FORMS`; a month name may be English, French, German, Spanish,
    Italian, Dutch or Portuguese (``Jan``, ``janv.``, ``Mär``).
    """
    text = label.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        return "month", _month(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})[./](\d{2})", text):
        return "year.month", _month(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{1,2})[./](\d{4})", text):  # 03.2025, 03/2025: the year is plain
        return "month.year", _month(int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", text, re.IGNORECASE):
        return "quarter", f"{m[1]}Q{m[2]}"
    if m := re.fullmatch(r"Q([1-4])[\s\-/]*(\d{4})|(\d{4})[\s\-/]+Q([1-4])", text, re.IGNORECASE):
        return "spelled quarter", f"{m[2] or m[3]}Q{m[1] or m[4]}"
    if m := re.fullmatch(r"([^\W\d_]{3,9})\.?[\s\-/']*(\d{4}|\d{2})", text):
        number = month_number(m[1])
        if number is None:
            return None
        year = (
            int(m[2]) if len(m[2]) == 4 else int(m[2]) + (2000 if int(m[2]) < 69 else 1900)
        )  # as %y
        return "month name", _month(year, number)
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", text):
        return "date", _day(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
        return "day.month.year", _day(int(m[3]), int(m[2]), int(m[1]))
    return None


def _hint(labels: list[str]) -> str:
    """Return what unread labels look like, and how to write them."""

    def every(pattern: str, flags: int = 0) -> bool:
        return all(re.fullmatch(pattern, v, flags) for v in labels)

    if every(r"\d{1,2}/\d{4}"):
        return (
            "; these look like month/year (format %m/%Y): write them as 2025-03, or, when the file "
            "goes through a codebook, give dates: {column: '%m/%Y'}"
        )
    if every(r"\d{1,2}/\d{1,2}/\d{2,4}"):
        first = max(int(v.split("/")[0]) for v in labels)
        second = max(int(v.split("/")[1]) for v in labels)
        order = (
            "day/month/year"
            if first > 12
            else "month/day/year"
            if second > 12
            else "day/month/year or month/day/year (the file cannot tell which)"
        )
        return f"; these look like {order}: write them as ISO dates (2025-03-31)"
    if every(r".*\bFY.*", re.IGNORECASE):
        return (
            "; these are fiscal-year labels, and which calendar months they cover depends on when the "
            "client's fiscal year starts: convert them to calendar months (2025-03) or quarters (2025-Q1)"
        )
    if every(r"\d{4}[./]\d"):
        return (
            "; a month written with one digit after the year (2025.1) may be January or October that "
            "lost its zero when the file was saved as a number: write months as 2025-01 or 2025-10"
        )
    if every(r"\d{5}(\.0)?"):
        return (
            "; these look like Excel date numbers: format the column as dates in Excel before saving "
            "the CSV, or write the months as 2025-03"
        )
    if every(r"[^\W\d_]{3,}\.?[\s\-/']*\d{2,4}"):
        return "; write month names in English (Jan, March) or the months as 2025-03"
    return ""


def parse_periods(values: pd.Series) -> tuple[pd.Series, str | None]:
    """Parse the period labels of a data file into ``2025-03`` (month) or ``2025Q1`` (quarter).

    Every label must be written in one of the :data:`FORMS` (see :func:`read_label`),
    and all of them in the same one: a column mixing two ways of writing is refused,
    naming the rows written the less common way. Unread labels are named with their
    file lines and, where they look like something known (month/year, fiscal years,
    Excel date numbers, month names in another language), what to write instead.

    Returns
    -------
    (Series, str or None)
        Normalised labels and an error message, or the labels as given and the message.
    """
    from analysis.contracts.readers import file_lines

    text = values.astype("string").str.strip().str.replace(r"^(\d{4})\.0$", r"\1", regex=True)
    present = text.dropna()
    if present.empty:
        return text, None
    if present.str.fullmatch(r"\d{4}").all():
        return text, (
            f"holds years ({', '.join(present.unique()[:3])}), but the panel needs months (2025-03) or "
            "quarters (2025-Q1): annual data leave too few periods to compare before and after training; "
            "ask the client for monthly or quarterly figures"
        )
    read = {label: read_label(label) for label in present.unique()}
    form_of = {label: found[0] if found else "" for label, found in read.items()}
    period_of = {label: found[1] if found else None for label, found in read.items()}
    unread = present.map(period_of).isna().astype(bool)
    forms = present.map(form_of).astype(str)

    def written(form: str) -> str:
        example = present[forms == form].iloc[0]
        return f"{form}s such as {example}" if form != "month" else f"months such as {example}"

    if unread.any():
        bad = present[unread].unique()[:3].tolist()
        impossible = [v for v in bad if form_of[v]]
        months = all(
            form_of[v] in ("month", "year.month", "month.year", "month name") for v in impossible
        )
        message = (
            f"unreadable period(s) {bad} on lines {file_lines(unread)}"
            if len(impossible) < len(bad)
            else f"impossible month(s) {impossible} on lines {file_lines(unread)}; months run from 01 "
            "to 12: correct them in the file"
            if months
            else f"impossible date(s) {impossible} on lines {file_lines(unread)} (no such day): correct "
            "them in the file"
        )
        others = sorted(set(forms[~unread]) - set(forms[unread]))
        if others:
            message += f"; the column mixes formats (the other lines hold {', '.join(map(written, others))})"
        if len(impossible) < len(bad):
            message += _hint([v for v in bad if not form_of[v]]) + f"; {_ACCEPTED}"
        return text, message
    if forms.nunique() > 1:
        counts = forms.value_counts()
        most = counts[counts == counts.max()].index
        usual = forms.iloc[0] if forms.iloc[0] in most else most[0]
        odd = (forms != usual).astype(bool)
        examples = present[odd].unique()[:3].tolist()
        kinds = ", ".join(sorted(set(forms[odd])))
        return text, (
            f"the column mixes formats: {examples} on lines {file_lines(odd)} are written as {kinds}, "
            f"the other lines as {written(usual)}; write them all one way"
        )
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    out[present.index] = present.map(period_of).astype("string")
    return out, None
