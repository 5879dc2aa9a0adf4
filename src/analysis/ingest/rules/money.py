"""One money column written in several currencies, converted at the client's rates.

A hand-kept sheet may write most amounts in pounds and one office's in euros, in the
same column (``£48.3k`` beside ``€52.1k``). Summing them as they stand would be wrong,
and the rate is the client's choice (the one their finance team uses), never guessed.
The ``numbers`` rule of the column says which currency the table is in and the rate of
each other currency found::

    numbers:
      revenue:
        currency: GBP          # ISO 4217: the table's currency (as units.revenue says)
        rates: {EUR: 0.85}     # GBP per EUR: a value in EUR is multiplied by 0.85

Each value is read with its own symbol or code (``£``, ``€``, ``EUR``...). A value in
``currency`` is kept, one in a currency with a rate is multiplied by it, and the import
stops on a value in a currency without a rate or with no currency at all (a bare number
could be either), naming the file's lines. The import record says how many values of
each currency were read and the rates used.
"""

from __future__ import annotations

import pandas as pd

from analysis.contracts.numbers import CURRENCY, currencies_in, parse_numbers
from analysis.ingest.read.sources import CodebookError
from analysis.ingest.rules.units import ISO_4217

__all__ = [
    "check_declared_currency",
    "check_money_rules",
    "check_rates",
    "has_rates",
    "read_money",
]

#: The currencies a symbol may stand for: ``$`` is the US dollar, but also the Canadian,
#: Australian or Singapore dollar and several pesos; ``kr`` is the Swedish, Norwegian,
#: Danish or Icelandic krona. A declared currency among them agrees with the symbol.
_SYMBOL_MAY_BE = {
    "$": frozenset(
        {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "ARS", "CLP", "COP", "BRL"}
        | {"UYU", "JMD", "BSD", "BBD", "BZD", "BMD", "KYD", "TTD", "XCD", "FJD", "NAD", "LRD"}
    ),
    "£": frozenset({"GBP", "GIP", "FKP", "SHP", "EGP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "kr": frozenset({"SEK", "NOK", "DKK", "ISK"}),
    "rs": frozenset({"INR", "PKR", "LKR", "NPR", "MUR", "SCR"}),
}


def has_rates(options) -> bool:
    """Whether a column's ``numbers`` entry converts currencies (``currency`` or ``rates``)."""
    return isinstance(options, dict) and ("rates" in options or "currency" in options)


def check_rates(options: dict, where: str) -> tuple[str, dict[str, float]]:
    """The table's currency and the rate of each other currency, checked.

    Raises
    ------
    CodebookError
        ``currency`` missing or not an ISO 4217 code, ``rates`` not a mapping of codes
        to positive numbers, or a rate given for the table's own currency.
    """
    currency = options.get("currency")
    if not isinstance(currency, str) or currency not in ISO_4217:
        raise CodebookError(
            f"{where}: currency must be the ISO 4217 code the column is converted to (GBP, EUR, "
            f"USD, ...), not {currency!r}; rates then gives the rate of each other currency."
        )
    rates = options.get("rates") or {}
    if not isinstance(rates, dict):
        raise CodebookError(
            f"{where}: rates must map each other currency to its rate, e.g. {{EUR: 0.85}}."
        )
    for code, rate in rates.items():
        if str(code) not in ISO_4217:
            raise CodebookError(
                f"{where}: rates.{code}: {code!r} is not an ISO 4217 code (write EUR, USD, GBP, ...)."
            )
        if str(code) == currency:
            raise CodebookError(
                f"{where}: rates.{code}: the column is converted to {currency}, so its own rate is 1; "
                "remove the line."
            )
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0:
            got = "a CHECK placeholder" if str(rate).startswith("CHECK") else repr(rate)
            raise CodebookError(
                f"{where}: rates.{code} must be a positive number ({currency} per {code}, the rate "
                f"the client converts at), not {got}."
            )
    unknown = sorted(set(options) - {"currency", "rates", "decimal"})
    if unknown:
        raise CodebookError(
            f"{where}: unknown key(s) {unknown}; a money column takes currency, rates, decimal."
        )
    return currency, {str(k): float(v) for k, v in rates.items()}


def read_money(
    values: pd.Series,
    options: dict,
    *,
    column: str,
    where: str,
    decimal: str | None = None,
    fallback: str | None = None,
) -> tuple[pd.Series, dict]:
    """Read a money column in several currencies, converted to ``options['currency']``.

    Parameters
    ----------
    values : Series
        Text cells, indexed by the raw file's lines (used in messages).
    options : dict
        The column's ``numbers`` entry: ``currency``, ``rates``, optionally ``decimal``.
    column, where
        The column's name and the file it comes from, for messages.
    decimal, fallback
        As for :func:`analysis.contracts.numbers.parse_numbers`.

    Returns
    -------
    (Series, dict)
        The amounts in the table's currency, and what was read (the decimal mark, each
        currency's values and rate).

    Raises
    ------
    CodebookError
        A value in a currency that has no rate, a value with no currency, or one that
        is not a number (each naming the lines and the fix).
    """
    currency, rates = check_rates(options, f"{where}: numbers.{column}")
    text = values.astype("string").str.strip()
    written = [currencies_in(t) if isinstance(t, str) and t else () for t in text.tolist()]
    blank = text.isna() | (text == "")
    several = pd.Series([len(found) > 1 for found in written], index=values.index)
    if several.any():
        raise CodebookError(
            f"{where}: column {column!r} has values with two currencies on line(s) "
            f"{_lines(values.index[several.to_numpy()])}; correct them in the raw file."
        )
    code = pd.Series([found[0] if found else "" for found in written], index=values.index)
    bare = ~blank & (code == "")
    if bare.any() and rates:  # with no other currency, a bare amount is in the declared one
        raise CodebookError(
            f"{where}: column {column!r} mixes currencies, but {int(bare.sum())} value(s) carry no "
            f"currency sign on line(s) {_lines(values.index[bare.to_numpy()])} (e.g. "
            f"{text[bare].iloc[0]!r}): write the sign in the raw file, since a bare amount could be "
            f"in {currency} or in {', '.join(rates) or 'another currency'}."
        )
    unrated = ~blank & ~code.isin(["", currency, *rates])
    if unrated.any():
        found = sorted(set(code[unrated]))
        none_declared = not (code == currency).any()
        raise CodebookError(
            f"{where}: column {column!r} has values in {', '.join(found)} on line(s) "
            f"{_lines(values.index[unrated.to_numpy()])} (e.g. {text[unrated].iloc[0]!r}), but "
            f"numbers.{column} declares {currency} and gives no rate for {' or '.join(found)}; "
            + (
                f"if the column is in {found[0]}, write currency: {found[0]} in numbers.{column} "
                f"(and in units.{column}); if some amounts are in {currency}, add "
                if none_declared
                else "add "
            )
            + f"rates: {{{found[0]}: <{currency} per {found[0]}>}}, the rate the client converts at."
        )
    bare_text = text.map(lambda t: CURRENCY.sub("", t).strip() if isinstance(t, str) else t)
    amounts, info = parse_numbers(
        bare_text,
        column=column,
        where=where,
        decimal=options.get("decimal", decimal),
        fallback=fallback,
    )
    factor = code.map(lambda c: 1.0 if c in ("", currency) else rates[c]).astype(float)
    counts = code[~blank].value_counts()
    info = {
        **info,
        "currency": True,
        "currencies": sorted(counts.index),
        "converted_to": currency,
        "values": {str(c): int(n) for c, n in counts.items()},
        "rates": {c: r for c, r in rates.items() if c in counts.index},
    }
    return amounts * factor, info


def check_declared_currency(
    values: pd.Series,
    declared: str,
    *,
    column: str,
    where: str,
    declared_in: str,
    several: str = "",
) -> None:
    """Refuse amounts whose currency sign or code contradicts the currency the codebook declares.

    ``€ 12.345,67`` in a column declared USD would otherwise lose its sign and be
    reported as dollars. A value without any sign is taken to be in ``declared``; a
    sign that may stand for several currencies (``$``, ``kr``) agrees with each of them.

    Parameters
    ----------
    values : Series
        The raw cells, indexed by the raw file's lines (used in the message).
    declared : str
        The ISO 4217 code the codebook gives the column.
    column, where
        The column as the message names it (quoted, with its raw name) and the raw file.
    declared_in : str
        Where the codebook declares it (``units.revenue``, ``from_deals.currency``).
    several : str
        What to write instead when the column truly holds several currencies.

    Raises
    ------
    CodebookError
        Naming the file, the column, the lines, the currency found, the one declared and
        the fix.
    """
    declared = str(declared).strip().upper()
    found: dict[str, list] = {}  # each contradicting currency and its lines
    signs: dict[str, str] = {}
    for line, cell in values.items():
        if not isinstance(cell, str) or not cell.strip():
            continue  # numbers stored as numbers, blanks: nothing says another currency
        for match in CURRENCY.finditer(cell):
            token = match.group(0)
            may_be = _SYMBOL_MAY_BE.get(token.casefold()) or {currencies_in(token)[0]}
            if declared in may_be:
                continue
            code = currencies_in(token)[0]
            found.setdefault(code, []).append(line)
            signs.setdefault(code, cell.strip())
    if not found:
        return
    code, lines = max(found.items(), key=lambda item: len(item[1]))
    others = (
        "; also "
        + ", ".join(f"{c} on line(s) {_lines(pd.Index(r))}" for c, r in found.items() if c != code)
        if len(found) > 1
        else ""
    )
    dollar = " (or the dollar the client uses: CAD, AUD, ...)" if code == "USD" else ""
    raise CodebookError(
        f"{where}: column {column} is declared in {declared} ({declared_in}), but "
        f"{len(lines)} value(s) are written in {code} on line(s) {_lines(pd.Index(lines))} (e.g. "
        f"{signs[code]!r}){others}. The import never converts amounts on its own: if the amounts "
        f"are in {code}, write {code}{dollar} in {declared_in}; if the sign in the raw file is "
        "wrong, correct the file" + (f"; {several}" if several else "") + "."
    )


def _lines(index: pd.Index) -> str:
    shown = ", ".join(map(str, index[:5]))
    return shown + (f" and {len(index) - 5} more" if len(index) > 5 else "")


def check_money_rules(spec: dict, where: str) -> None:
    """Each ``numbers`` entry with rates checked, and agreeing with the column's ``units``.

    Raises
    ------
    CodebookError
        A malformed ``currency``/``rates`` entry, or one whose currency differs from
        ``units.<column>.currency`` (the reports would name the wrong one).
    """
    units: dict = spec["units"] if isinstance(spec.get("units"), dict) else {}
    for column, options in (spec.get("numbers") or {}).items():
        if not has_rates(options):
            continue
        currency, _ = check_rates(options, f"{where}: numbers.{column}")
        unit: dict = units[column] if isinstance(units.get(column), dict) else {}
        if unit.get("currency") not in (None, currency):
            raise CodebookError(
                f"{where}: numbers.{column} converts to {currency} but units.{column} says "
                f"{unit['currency']}; the amounts are in the currency they are converted to, so "
                "write the same code in both."
            )
