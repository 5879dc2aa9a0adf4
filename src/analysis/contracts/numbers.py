"""Numbers written as text: currency, thousands separators, decimal commas, percentages.

Spreadsheets and exports write ``$12,345.67``, ``12.345,67 €``, ``(1,200)``,
``1'234.50``, ``45%``, ``£48.3k`` (thousands), ``₹38,45,210`` (Indian digit grouping:
lakh and crore), ``46 390,79`` (no-break space) or ``3.412,80-`` (SAP's trailing
minus). :func:`parse_numbers` reads a whole column of them; a column that mixes two
currencies (``£`` and ``€``) is refused, since adding them up would be wrong. A column
of month labels (``01.2024``, ``001.2025``) is never numeric (:func:`looks_like_periods`). The
decimal separator is declared (``decimal: ","``) or read from the column itself,
and never guessed: ``1,234`` or ``1.234`` alone could be either a thousand or a
number with three decimals, so a column holding only such values, with no other
evidence, is an error asking for the separator.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from analysis.contracts.readers import DataContractError

__all__ = [
    "AS_TEXT",
    "CURRENCY",
    "NumberFormatError",
    "column_evidence",
    "currencies_in",
    "decimal_evidence",
    "excel_serial_dates",
    "looks_formatted",
    "looks_like_periods",
    "looks_numeric",
    "parse_numbers",
    "split_number",
]

CURRENCY = re.compile(
    r"[$€£¥₹]|\b(USD|EUR|GBP|CHF|JPY|CAD|AUD|NZD|SEK|NOK|DKK|INR|CNY|Rs)\b|\bkr\b",
    re.IGNORECASE,
)
#: Currency symbols and the ISO 4217 code each stands for (``$`` is also CAD, AUD, ...:
#: callers say so where it matters).
SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "rs": "INR", "kr": "SEK"}
#: After currency, spaces and apostrophes are removed: an optional sign or bracket, digits and separators.
_CORE = re.compile(
    r"^(?P<open>\(?)(?P<sign>[-+\u2212]?)(?P<core>\d[\d.,]*|[.,]\d+)(?P<k>[kK]?)(?P<pct>%?)"
    r"(?P<close>\)?)(?P<trail>-?)$"
)
#: Month labels that a number reader would take for decimals: 01.2024, 10/2020, 001.2025.
_PERIOD_LIKE = re.compile(r"\d{1,3}[./](19|20)\d\d")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
#: Appended to messages: how to keep a column that only looks numeric as text.
AS_TEXT = (
    " If the column is not an amount (codes, outline numbers), list it under text: in the codebook."
)


class NumberFormatError(DataContractError):
    """A column of formatted numbers cannot be read without a guess; the message says what to declare."""


def split_number(text: str) -> dict | None:
    """Return a formatted number's parts, or None if ``text`` is not one."""
    if _DATE_LIKE.fullmatch(text.strip()):
        return None  # 31.01.2025, 1/2/25: a date, for the codebook's dates
    currency = bool(CURRENCY.search(text))
    kept = CURRENCY.sub("", text).strip()
    for digits in re.findall(r"\d[\d\s\u00a0\u202f']*\d", kept):
        groups = _SPACES.split(digits)
        if len(groups) > 1 and (
            not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])
        ):
            return None  # "555 123 4567", "114 55": a phone number or a code, not a grouped number
    bare = _SPACES.sub("", kept)
    match = _CORE.match(bare)
    if not match or bool(match["open"]) != bool(match["close"]):
        return None
    return {
        "core": match["core"],
        "negative": bool(match["open"]) or match["sign"] in ("-", "\u2212") or bool(match["trail"]),
        "percent": bool(match["pct"]),
        "currency": currency,
        "currencies": currencies_in(text),
        "thousand": bool(match["k"]),
        "formatted": decimal_evidence(match["core"]) == "?"
        or currency
        or bool(match["k"])
        or bool(match["pct"])
        or bool(match["open"])
        or "," in match["core"]
        or match["core"].count(".") > 1
        or bare != kept,
    }


def currencies_in(text: str) -> tuple[str, ...]:
    """Return the ISO 4217 codes that the currency symbols and codes in ``text`` stand for."""
    found = []
    for match in CURRENCY.finditer(str(text)):
        token = match.group(0)
        found.append(SYMBOLS.get(token.casefold(), SYMBOLS.get(token, token.upper())))
    return tuple(dict.fromkeys(found))


def looks_like_periods(values: pd.Series) -> bool:
    """Tell whether every non-blank value is a month label a number reader would misread.

    Such labels are ``01.2024``, ``10/2020``, SAP's ``001.2025``): such a column is never numeric.
    """
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    return not text.empty and bool(text.map(lambda t: bool(_PERIOD_LIKE.fullmatch(t))).all())


def _grouped(groups: list[str]) -> bool:
    """Thousands groups of three (12,345,678) or Indian lakh/crore groups (1,23,45,678)."""
    if len(groups) < 2:
        return True
    western = 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    indian = (
        len(groups) >= 3
        and 1 <= len(groups[0]) <= 2
        and all(len(g) == 2 for g in groups[1:-1])
        and len(groups[-1]) == 3
    )
    return western or indian


def decimal_evidence(core: str) -> str | None:
    """Return the decimal separator ``core`` implies ("." or ",").

    None if it has no separator, or "?" when it is ambiguous (one separator followed by exactly three digits).
    """
    dots, commas = core.count("."), core.count(",")
    if dots and commas:
        return "." if core.rfind(".") > core.rfind(",") else ","
    for mark, other in ((",", "."), (".", ",")):
        count = core.count(mark)
        if count > 1:
            return other  # repeated: a thousands separator
        if count == 1:
            whole = core[: core.index(mark)]
            grouped = len(core) - len(whole) - 1 == 3 and 1 <= len(whole) <= 3 and whole != "0"
            return "?" if grouped else mark
    return None


def _value(core: str, decimal: str) -> float | None:
    thousands = "," if decimal == "." else "."
    whole, _, fraction = core.partition(decimal)
    if thousands in fraction or fraction.count(decimal):
        return None
    groups = whole.split(thousands)
    if not _grouped(groups):
        return None  # "12,34,5" is not a grouped number
    digits = "".join(groups)
    return float(f"{digits or '0'}.{fraction or '0'}")


def looks_numeric(values: pd.Series) -> bool:
    """Whether every non-blank value reads as a (possibly formatted) number."""
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if looks_like_periods(text):
        return False
    return not text.empty and all(split_number(t) is not None for t in text)


def looks_formatted(values: pd.Series) -> bool:
    """Tell whether every non-blank value is a number and at least one carries formatting.

    Formatting is a (currency, separators, a percent sign, accounting brackets).
    """
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty or looks_like_periods(text):
        return False
    parts = [split_number(t) for t in text]
    return all(p is not None for p in parts) and any(
        p is not None and p["formatted"] for p in parts
    )


def column_evidence(values: pd.Series, *, strong: bool = False) -> set[str]:
    """Return the decimal marks ("." or ",") that a column of numbers shows unambiguously.

    With ``strong``, only values that could not be anything but a formatted amount
    count: both separators (``1.234,50``), a currency sign, or one separator followed
    by exactly two digits (cents). Evidence for the rest of a file must be strong: a
    column of answer codes such as ``1,2`` must not decide how amounts are read.
    """
    marks = set()
    for text in values.dropna().astype(str):
        part = split_number(text.strip())
        if part is None or (mark := decimal_evidence(part["core"])) not in (".", ","):
            continue
        core = part["core"]
        cents = len(core) - core.rfind(mark) - 1 == 2 and core.count(mark) == 1
        if not strong or part["currency"] or ("." in core and "," in core) or cents:
            marks.add(mark)
    return marks


def parse_numbers(
    values: pd.Series,
    *,
    column: str,
    where: str,
    decimal: str | None = None,
    fallback: str | None = None,
) -> tuple[pd.Series, dict]:
    """Read a column of formatted numbers.

    Parameters
    ----------
    values : Series
        Text cells, indexed by the raw file's row numbers (used in messages).
    column, where
        The column's name and the file (and sheet) it comes from, for messages.
    decimal : {".", ",", None}
        The decimal separator when declared; otherwise read from the values.
    fallback : {".", ",", None}
        The separator the rest of the file shows, used when this column's values
        cannot tell (every separator followed by exactly three digits).

    Returns
    -------
    (Series, dict)
        Floats (percentages divided by 100, bracketed or minus-signed values negative)
        and what was read: the decimal separator, whether currency or percent signs
        were removed.

    Raises
    ------
    NumberFormatError
        A value that is not a number, a column that mixes percentages with plain
        numbers, or uses both separators as the decimal mark, or whose separator
        cannot be told (``1,234`` with nothing else to go on).
    """
    stripped = values.astype("string").str.strip()
    text: dict[Any, str] = {i: str(t) for i, t in stripped.items() if not pd.isna(t) and str(t)}
    found = {i: split_number(t) for i, t in text.items()}
    bad = [i for i, p in found.items() if p is None]
    if bad:
        rows = ", ".join(map(str, bad[:5]))
        raise NumberFormatError(
            f"{where}: column {column!r} has value(s) that are not numbers on row(s) {rows}, "
            f"e.g. {text[bad[0]]!r}; correct them in the raw file."
        )
    parts: dict[Any, dict] = {i: p for i, p in found.items() if p is not None}
    percent = {i for i, p in parts.items() if p["percent"]}
    if percent and len(percent) < len(parts):
        plain = [i for i in parts if i not in percent][:5]
        raise NumberFormatError(
            f"{where}: column {column!r} mixes percentages with plain numbers (rows {', '.join(map(str, plain))} "
            "have no % sign); write all of them one way in the raw file."
        )
    _refuse_mixed_currencies(parts, column, where)
    evidence = {i: decimal_evidence(p["core"]) for i, p in parts.items()}
    seen = {e for e in evidence.values() if e in (".", ",")}
    if decimal is None:
        if len(seen) > 1:
            by = {mark: [i for i, e in evidence.items() if e == mark][:3] for mark in seen}
            raise NumberFormatError(
                f"{where}: column {column!r} uses both '.' (rows {by['.']}) and ',' (rows {by[',']}) as the "
                "decimal mark; correct the rows that differ in the raw file." + AS_TEXT
            )
        if seen:
            decimal = seen.pop()
        elif fallback is not None:
            decimal = fallback
        elif "?" in evidence.values():
            example = next(text[i] for i, e in evidence.items() if e == "?")
            raise NumberFormatError(
                f"{where}: column {column!r} cannot be read without knowing the locale: {example!r} could be "
                f"{example.replace(',', '').replace('.', '')} or a number with three decimals. Declare the "
                "decimal separator in the codebook (source.decimal: '.' for 1,234.5, ',' for 1.234,5)."
            )
        else:
            decimal = "."
    out: dict[Any, float] = {}
    for i, p in parts.items():
        number = _value(p["core"], decimal)
        if number is None:
            raise NumberFormatError(
                f"{where}: column {column!r} row {i}: {text[i]!r} is not a number with decimal mark "
                f"{decimal!r}; correct it in the raw file or declare source.decimal." + AS_TEXT
            )
        number *= 1000 if p["thousand"] else 1
        out[i] = (-number if p["negative"] else number) / (100 if p["percent"] else 1)
    info = {
        "decimal": decimal,
        "currency": any(p["currency"] for p in parts.values()),
        "percent": bool(percent),
        "thousands_suffix": any(p["thousand"] for p in parts.values()),
        "currencies": sorted({c for p in parts.values() for c in p["currencies"]}),
    }
    return pd.Series(out, dtype=float).reindex(values.index), info


def _refuse_mixed_currencies(parts: dict[Any, dict], column: str, where: str) -> None:
    """Two currencies in one column (``£48.3k`` beside ``€52.1k``) cannot be added up."""
    by: dict[str, list] = {}
    for i, p in parts.items():
        for code in p["currencies"]:
            by.setdefault(code, []).append(i)
    if len(by) > 1:
        shown = "; ".join(
            f"{code} on rows {', '.join(map(str, rows[:3]))}" for code, rows in by.items()
        )
        raise NumberFormatError(
            f"{where}: column {column!r} mixes currencies ({shown}); summing them would be wrong. "
            "Convert the rows to one currency before the import (at a stated rate), or split the file."
        )


def excel_serial_dates(values: pd.Series) -> pd.Series:
    """Read Excel serial day numbers (e.g. 45658 = 2025-01-01, 1900 date system) as timestamps.

    Other values give NaT. Only whole numbers from 10000 to 99999 (1927 to 2173) count.
    """
    numeric = pd.to_numeric(values, errors="coerce")
    serial = numeric.where((numeric % 1 == 0) & numeric.between(10_000, 99_999))
    return pd.to_datetime(serial, unit="D", origin="1899-12-30", errors="coerce")
