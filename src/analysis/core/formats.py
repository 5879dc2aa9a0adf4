"""Numbers as a report writes them: the one unit-aware formatter of the workbench.

Every figure a client reads (report body, tables, the index, chart axes) goes
through these functions, so one quantity looks the same wherever it appears:

* money carries the client's currency, as a code (``EUR 2,400``) or a symbol
  (``€2,400``), with thousands separated;
* a share (0.26) is written in percent (``26%``), a value already in percent
  (an ROI of -37) as ``−37%``, and a difference of two shares in percentage points
  (``4 percentage points``), never as ``%``;
* negative numbers get a real minus sign (U+2212), not a hyphen;
* an estimate and its interval share their decimals, chosen from their size
  (:func:`decimals_for`), and an interval is written ``−66% to −9%``;
* chart axes use the same rules (:func:`axis_formatter`).

The older helpers :func:`figure`, :func:`ordinal` and :func:`counted_from` keep their
behaviour for the sentences that use them.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = [
    "CURRENCY_SYMBOLS",
    "MINUS",
    "axis_formatter",
    "count",
    "counted_from",
    "currency_from_label",
    "decimals_for",
    "estimate_with_range",
    "figure",
    "interval",
    "minus_signs",
    "money",
    "number",
    "ordinal",
    "percent",
    "plural",
    "points",
    "power",
    "ratio",
    "share",
    "value",
    "with_currency",
    "with_currency_range",
]

#: The minus sign (U+2212): a hyphen is shorter than a plus sign and breaks lines.
MINUS = "\u2212"
#: What a missing figure shows.
MISSING = "–"

#: Symbols of common ISO 4217 currencies, for the symbol style (``€2,400``).
CURRENCY_SYMBOLS = {
    "EUR": "€",
    "USD": "$",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "KRW": "₩",
    "BRL": "R$",
    "AUD": "A$",
    "CAD": "C$",
    "NZD": "NZ$",
    "SGD": "S$",
    "HKD": "HK$",
    "MXN": "MX$",
}
_CODES = {
    *CURRENCY_SYMBOLS,
    *[
        "CHF",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "ZAR",
        "TRY",
        "AED",
        "SAR",
        "ILS",
        "THB",
        "MYR",
        "IDR",
        "PHP",
        "CLP",
        "COP",
        "PEN",
        "ARS",
        "RON",
    ],
}
_SYMBOL_CODES = {"€": "EUR", "£": "GBP", "$": "USD", "₹": "INR", "¥": "JPY", "₩": "KRW"}


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def minus_signs(text: str) -> str:
    """``text`` with each hyphen that starts a number (``-37%``, ``(-66``) as a minus sign."""
    return re.sub(r"(?<![\w.\-])-(?=[\d.]*\d)", MINUS, text)


def decimals_for(*values: Any) -> int:
    """Decimals for figures of one quantity, from the largest of them.

    100 and more: none (4,642); 10 to 100: one (56.3); 1 to 10: two (5.56); below 1:
    two significant digits of the largest (0.47, 0.033). An estimate and its interval
    are written with the same decimals, so 0.466 (0.247 to 0.684) reads 0.47 (0.25 to
    0.68), never 0.466 next to 0.25.
    """
    sizes = [abs(v) for v in map(_finite, values) if v is not None and v != 0]
    if not sizes:
        return 0
    largest = max(sizes)
    if largest >= 100:
        return 0
    if largest >= 10:
        return 1
    if largest >= 1:
        return 2
    return min(6, 1 - math.floor(math.log10(largest)))


def number(value: Any, decimals: int | None = None, *, plus: bool = False) -> str:
    """Write a plain number: thousands separated, a real minus sign, ``+`` when ``plus``.

    ``decimals`` None chooses them from the value (:func:`decimals_for`). A value that
    rounds to zero is written without a sign.
    """
    x = _finite(value)
    if x is None:
        if value is not None and isinstance(value, (int, float)) and math.isinf(value):
            return "∞" if value > 0 else f"{MINUS}∞"
        return MISSING
    places = decimals_for(x) if decimals is None else decimals
    text = f"{abs(x):,.{places}f}"
    if float(text.replace(",", "")) == 0:
        return text
    if x < 0:
        return MINUS + text
    return ("+" + text) if plus else text


def money(
    value: Any,
    currency: str | None = None,
    *,
    decimals: int | None = None,
    symbol: bool = False,
    plus: bool = False,
) -> str:
    """Write money in the client's currency: ``EUR 2,400`` or, with ``symbol``, ``€2,400``.

    A loss is ``EUR −259`` (code) or ``−€259`` (symbol).
    Whole units from 100 on; smaller amounts (an effect per rep on a rate) keep two
    significant digits. Without a currency the number alone is written.
    """
    x = _finite(value)
    if x is None:
        return number(value)
    places = decimals if decimals is not None else decimals_for(x)
    digits = number(abs(x), places)
    sign = (
        MINUS if x < 0 and float(digits.replace(",", "")) != 0 else ("+" if plus and x > 0 else "")
    )
    if not currency:
        return sign + digits
    code = currency.strip().upper()
    if symbol and code in CURRENCY_SYMBOLS:
        return f"{sign}{CURRENCY_SYMBOLS[code]}{digits}"
    return f"{code} {sign}{digits}"


def with_currency(text: str, currency: str | None, *, symbol: bool = False) -> str:
    """Write as money a number a sentence already printed (``3,982``, ``-259``).

    ``USD 3,982`` and ``USD −259`` (code), ``$3,982`` and ``−$259`` (``symbol``, where the
    currency has a common one); the text unchanged without a currency. For sentences
    whose digits come from :func:`analysis.core.conclusions.bound`.
    """
    if not currency:
        return text
    code = currency.strip().upper()
    sign = text[0] if text[:1] in ("-", MINUS, "+") else ""
    digits = text[len(sign) :]
    sign = MINUS if sign == "-" else sign
    if symbol and code in CURRENCY_SYMBOLS:
        return f"{sign}{CURRENCY_SYMBOLS[code]}{digits}"
    return f"{code} {sign}{digits}"


def with_currency_range(low: str, high: str, currency: str | None, *, symbol: bool = False) -> str:
    """Two printed bounds as a range of money: ``USD 2,839 to 5,126`` or ``$2,839 to $5,126``.

    As :func:`interval` writes them: a code once, before the first bound; a symbol before each.
    """
    if not currency:
        return f"{low} to {high}"
    if symbol and currency.strip().upper() in CURRENCY_SYMBOLS:
        high = with_currency(high, currency, symbol=True)
    return f"{with_currency(low, currency, symbol=symbol)} to {high}"


def percent(value: Any, decimals: int = 0, *, plus: bool = False) -> str:
    """Write a value already in percent (an ROI of -37.2) as ``−37%``."""
    text = number(value, decimals, plus=plus)
    return text if text in (MISSING, "∞", f"{MINUS}∞") else text + "%"


def share(value: Any, decimals: int = 0) -> str:
    """Write a share between 0 and 1 in percent: 0.264 -> ``26%``.

    Never rounded to a certainty it does not have: 0.9996 is ``>99.9%`` and 0.0004
    ``<0.1%`` (with ``decimals`` 0: ``>99%`` and ``<1%``).
    """
    x = _finite(value)
    if x is None:
        return MISSING
    top = 100 - 10**-decimals
    if 0 < x < 1 and 100 * x > top:
        return f">{top:.{decimals}f}%"
    if 0 < x < 1 and 100 * x < 10**-decimals:
        return f"<{10**-decimals:.{decimals}f}%"
    return percent(100 * x, decimals)


def power(value: Any) -> str:
    """Write a power or a chance (0-1) in percent with one decimal, the one way a report does.

    A computed power is never a certainty, even where the arithmetic returns exactly 1
    or 0: 0.9996 and 1.0 are ``>99.9%``, 0.0004 and 0.0 are ``<0.1%``; 0.754 is ``75.4%``.
    So a table never shows "100%" beside a sentence's ">99.9%".
    """
    x = _finite(value)
    if x is None:
        return MISSING
    return share(min(max(x, 1e-9), 1 - 1e-9), 1)


def points(value: Any, decimals: int = 0, *, plus: bool = False) -> str:
    """Write a difference of two shares (0.04) in percentage points: ``4 percentage points``."""
    x = _finite(value)
    if x is None:
        return MISSING
    text = number(100 * x, decimals, plus=plus)
    return f"{text} percentage point{'' if text in ('1', '+1', f'{MINUS}1') else 's'}"


def count(value: Any) -> str:
    """Write a count: ``1,234``."""
    x = _finite(value)
    return MISSING if x is None else number(round(x), 0)


def ratio(value: Any, decimals: int = 2) -> str:
    """Write a ratio (benefit-cost, risk ratio): ``2.50``."""
    return number(value, decimals)


def plural(n: float, singular: str, plural_form: str | None = None) -> str:
    """``1 KPI target``, ``2 KPI targets``: the count and the noun that agrees with it."""
    noun = singular if n == 1 else (plural_form or singular + "s")
    return f"{count(n)} {noun}"


def value(
    x: Any,
    unit: str = "number",
    *,
    currency: str | None = None,
    decimals: int | None = None,
    symbol: bool = False,
    plus: bool = False,
) -> str:
    """One figure in its unit.

    ``unit``: ``currency`` or ``money`` (:func:`money`), ``share`` (0-1, :func:`share`),
    ``power`` (a power or chance, :func:`power`), ``percent`` (already in percent),
    ``points`` (a difference of shares), ``count``,
    ``ratio``, ``duration`` (periods, one decimal), ``number``; anything else is written
    as a number.
    """
    if unit in ("currency", "money"):
        return money(x, currency, decimals=decimals, symbol=symbol, plus=plus)
    if unit == "share":
        return share(x, 0 if decimals is None else decimals)
    if unit == "power":
        return power(x)
    if unit == "percent":
        return percent(x, 0 if decimals is None else decimals, plus=plus)
    if unit == "points":
        return points(x, 0 if decimals is None else decimals, plus=plus)
    if unit == "count":
        return count(x)
    if unit == "ratio":
        return ratio(x, 2 if decimals is None else decimals)
    if unit == "duration":
        return number(x, 1 if decimals is None else decimals)
    return number(x, decimals, plus=plus)


def interval(
    low: Any,
    high: Any,
    unit: str = "number",
    *,
    currency: str | None = None,
    decimals: int | None = None,
    symbol: bool = False,
) -> str:
    """Write an interval: ``−66% to −9%``, ``EUR 780 to 2,980``, ``−61% to +62%`` across zero.

    Both bounds share their decimals. A currency code is written once, before the
    first bound; a symbol before each.
    """
    if _finite(low) is None or _finite(high) is None:
        return "not computable"
    places = decimals if decimals is not None else _decimals(unit, low, high)
    across = float(low) < 0 < float(high)
    first = value(low, unit, currency=currency, decimals=places, symbol=symbol)
    second = value(high, unit, currency=currency, decimals=places, symbol=symbol, plus=across)
    if (
        unit in ("currency", "money")
        and currency
        and not (symbol and currency.upper() in CURRENCY_SYMBOLS)
    ):
        second = money(high, None, decimals=places, plus=across)
    return f"{first} to {second}"


def _decimals(unit: str, *values: Any) -> int | None:
    """Shared decimals of an estimate and its bounds (None: the unit's own rule)."""
    if unit in ("currency", "money", "number"):
        return decimals_for(*values)
    return None


def estimate_with_range(
    estimate: Any,
    low: Any,
    high: Any,
    unit: str = "number",
    *,
    currency: str | None = None,
    conf_level: float = 0.95,
    symbol: bool = False,
    plus: bool = False,
) -> str:
    """Write an estimate with its interval, one set of decimals.

    For example ``EUR 1,900 (95% range EUR 780 to 2,980)``.
    """
    places = _decimals(unit, estimate, low, high)
    shown = value(estimate, unit, currency=currency, decimals=places, symbol=symbol, plus=plus)
    if _finite(low) is None or _finite(high) is None:
        return shown
    bounds = interval(low, high, unit, currency=currency, decimals=places, symbol=symbol)
    return f"{shown} ({conf_level:.0%} range {bounds})"


def axis_formatter(unit: str = "number", *, currency: str | None = None, symbol: bool = False):
    """Return a matplotlib tick formatter that writes ticks as :func:`value` writes figures.

    Thousands separated, real minus signs, shares in percent, money with its currency
    (a symbol when the client uses one, else the code); decimals only where the ticks
    need them.
    """
    from matplotlib.ticker import FuncFormatter

    def tick(x: float, _pos: Any = None) -> str:
        if unit == "share":
            return percent(100 * x, 0 if abs(100 * x - round(100 * x)) < 1e-9 else 1)
        if unit == "percent":
            return percent(x, 0 if abs(x - round(x)) < 1e-9 else 1)
        places = 0 if abs(x - round(x)) < 1e-9 else decimals_for(x)
        if unit in ("currency", "money"):
            return money(x, currency, decimals=places, symbol=symbol)
        return number(x, places)

    return FuncFormatter(tick)


def currency_from_label(label: str | None) -> str | None:
    """Return the currency a client wrote into an outcome's label, if any.

    ``"Bookings, USD"`` -> ``USD``; ``"Umsatz (€)"`` -> ``EUR``; ``"Revenue"`` -> None. Only
    a listed ISO 4217 code written on its own, or a currency symbol, counts.
    """
    if not label:
        return None
    for word in re.findall(r"\b[A-Z]{3}\b", label):
        if word in _CODES:
            return word
    for sign, code in _SYMBOL_CODES.items():
        if sign in label:
            return code
    return None


def figure(value: float) -> str:
    """Write a figure for a sentence: thousands separated, no exponent, about 4 significant digits.

    200000 -> "200,000", 2.5 -> "2.5", 0.01234 -> "0.0123"; not finite -> "not computable".
    """
    value = float(value)
    if not math.isfinite(value):
        return "not computable"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) >= 1 else f"{value:.3g}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def counted_from(effect_from: int) -> str:
    """Where a plan's effect window starts, in words (one phrasing for every report)."""
    if not effect_from:
        return "from the period training starts"
    return f"from the {ordinal(effect_from + 1)} period after training"
