"""The ``units`` and named ``dates`` rules of a codebook table.

``units`` says what each measured column holds, so that reports can name it::

    units:
      revenue: {unit: money, currency: GBP}      # ISO 4217 code
      wins: {unit: count, label: deals won}
      quota_attainment: {unit: rate}             # a share between 0 and 1
      call_score: {unit: score, scale: [0, 100]}

:func:`check_units` refuses an unknown unit, a currency that is not an ISO 4217 code,
a scale that is not two numbers; the import writes the checked units into
``imported/import_record.json`` under the table.

A ``dates`` entry is a strftime format (``'%m/%Y'``) or, for what strftime cannot read,
a mapping naming the format (:func:`read_named_periods`)::

    dates:
      period: {format: fiscal_quarter, fiscal_year_start: 4}   # FY25 Q1 = 2024-Q2
      period: {format: fiscal_quarter, fiscal_year_start: 4, fiscal_year_named: start}
                                                               # FY25 Q1 = 2025-Q2
      period: {format: sap_period, special_periods: drop}      # 001.2025 = 2025-01
      period: {format: excel_serial}                           # 45230 = 2023-10
      period: {format: month_name}                             # janv. 2025, Mär 2024
"""

from __future__ import annotations

import pandas as pd

from analysis.contracts.numbers import excel_serial_dates
from analysis.contracts.periods import fiscal_quarter, posting_period, read_label
from analysis.ingest.read.sources import CodebookError

__all__ = [
    "FISCAL_YEAR_NAMED",
    "ISO_4217",
    "NAMED_FORMATS",
    "UNITS",
    "check_named_format",
    "check_units",
    "read_named_periods",
]

UNITS = ("money", "count", "rate", "score", "number")
_ISO_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
    BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
    LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX
    USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
    """
#: Active ISO 4217 currency codes.
ISO_4217 = frozenset(_ISO_CODES.split())
NAMED_FORMATS = {
    "excel_serial": (),
    "month_name": (),
    "sap_period": ("special_periods",),
    "fiscal_quarter": ("fiscal_year_start", "fiscal_year_named"),
}
#: How a fiscal year is named: by the calendar year it ends in (FY24 = April 2023 to
#: March 2024 with an April start; the default) or the year it starts in.
FISCAL_YEAR_NAMED = ("end", "start")
_SYMBOL_CODES = {"$": "USD (or CAD, AUD, ...)", "£": "GBP", "€": "EUR", "₹": "INR", "¥": "JPY"}


def check_units(units, where: str) -> dict:
    """The ``units`` rule, checked; raises :class:`CodebookError` naming the line and the fix."""
    if units is None:
        return {}
    if not isinstance(units, dict):
        raise CodebookError(
            f"{where}: units must map each column to {{unit: money, currency: EUR}} and the like."
        )
    for column, entry in units.items():
        line = f"{where}: units.{column}"
        if not isinstance(entry, dict) or entry.get("unit") not in UNITS:
            got = entry.get("unit") if isinstance(entry, dict) else entry
            raise CodebookError(
                f"{line}: unit {got!r} is not one of {', '.join(UNITS)}; write e.g. "
                f"{column}: {{unit: money, currency: EUR}} or {{unit: count, label: deals won}}."
            )
        currency = entry.get("currency")
        if currency is not None and str(currency) not in ISO_4217:
            hint = _SYMBOL_CODES.get(str(currency).strip())
            raise CodebookError(
                f"{line}: currency {currency!r} is not an ISO 4217 code; write the three-letter code"
                + (f" ({hint})" if hint else " (EUR, USD, GBP, INR, CAD, ...)")
                + "."
            )
        if currency is not None and entry["unit"] != "money":
            raise CodebookError(f"{line}: a currency belongs to unit money, not {entry['unit']}.")
        scale = entry.get("scale")
        if scale is not None and not (
            isinstance(scale, list)
            and len(scale) == 2
            and all(isinstance(v, int | float) for v in scale)
            and scale[0] < scale[1]
        ):
            raise CodebookError(f"{line}: scale must be [low, high], e.g. [0, 100], not {scale!r}.")
        unknown = set(entry) - {"unit", "currency", "label", "scale"}
        if unknown:
            raise CodebookError(
                f"{line}: unknown key(s) {sorted(unknown)}; a unit takes unit, currency, label, scale."
            )
    return units


def check_named_format(rule: dict, where: str) -> None:
    """Refuse a named ``dates`` format that is unknown or lacks what it needs."""
    fmt = rule.get("format")
    if fmt not in NAMED_FORMATS:
        raise CodebookError(
            f"{where}: format {fmt!r} is not one of {', '.join(NAMED_FORMATS)}; or give a strftime "
            "format such as '%m/%Y' instead of a mapping."
        )
    extra = set(rule) - {"format", *NAMED_FORMATS[fmt]}
    if extra:
        raise CodebookError(f"{where}: {sorted(extra)} do not apply to format {fmt}.")
    if fmt == "fiscal_quarter":
        start = rule.get("fiscal_year_start")
        if isinstance(start, bool) or start not in (1, 4, 7, 10):
            raise CodebookError(
                f"{where}: fiscal_quarter needs fiscal_year_start: the month the client's fiscal year "
                "starts, 1, 4, 7 or 10 (4 for April: FY25 Q1 = April-June 2024), not "
                f"{start!r}. Other starts do not give calendar quarters."
            )
        if rule.get("fiscal_year_named", "end") not in FISCAL_YEAR_NAMED:
            raise CodebookError(
                f"{where}: fiscal_year_named must be end (FY24 ends in 2024) or start (FY24 "
                f"starts in 2024), not {rule['fiscal_year_named']!r}."
            )
    if fmt == "sap_period" and rule.get("special_periods", "refuse") not in ("drop", "refuse"):
        raise CodebookError(f"{where}: special_periods must be drop or refuse.")


def read_named_periods(values: pd.Series, rule: dict, where: str) -> tuple[pd.Series, pd.Series]:
    """Period labels (``2025-03`` or ``2024-Q2``) for a named format, and the rows to drop
    (SAP special periods with ``special_periods: drop``). Unread values are NA."""
    fmt = rule["format"]
    text = values.map(lambda v: v if isinstance(v, str) or pd.isna(v) else format(v, ".15g"))
    text = text.astype("string").str.strip()
    drop = pd.Series(False, index=values.index)
    if fmt == "excel_serial":
        days = excel_serial_dates(text)
        return days.dt.to_period("M").astype(str).where(days.notna()), drop
    if fmt == "month_name":
        return text.map(
            lambda t: (read_label(t) or ("", None))[1] if isinstance(t, str) else None
        ), drop
    if fmt == "fiscal_quarter":
        start, named = int(rule["fiscal_year_start"]), rule.get("fiscal_year_named", "end")
        return text.map(
            lambda t: fiscal_quarter(t, start, named) if isinstance(t, str) else None
        ), drop
    parts = text.map(lambda t: posting_period(t) if isinstance(t, str) else None)
    special = parts.map(lambda p: p is not None and 13 <= p[1] <= 16).astype(bool)
    if special.any() and rule.get("special_periods", "refuse") != "drop":
        rows = ", ".join(map(str, values.index[special][:5]))
        raise CodebookError(
            f"{where}: {int(special.sum())} row(s) fall in SAP special periods 13-16 (year-end postings, not "
            f"months), e.g. rows {rows}; add special_periods: drop to the rule, or post them to period 012 in SAP."
        )
    labels = parts.map(
        lambda p: f"{p[0]:04d}-{p[1]:02d}" if p is not None and 1 <= p[1] <= 12 else None
    )
    return labels, special
