"""What an interval lets a sentence say: clearly above, clearly below, or the data cannot tell.

Every computed sentence about an effect, a ratio or a return goes through
:func:`direction`, so no sentence claims more than its confidence interval supports.
An estimate is called higher (lower) than the reference value only when the whole
interval lies above (below) it; when the interval contains the reference (no effect,
a ratio of 1, break-even), the sentence says the data cannot tell. An interval that
could not be computed (missing or infinite bounds) also cannot tell.

Every number printed beside such a verdict goes through :func:`bound` (or the helpers
built on it: :func:`interval_text`, :func:`magnitude`, :func:`share_text`), which
rounds a number without moving it across a reference value: a lower bound of 0.4
beside "raised" is printed as 0.4, never as 0, and -0.3 never as -0. The verdict
and the number beside it then always agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

__all__ = [
    "Direction",
    "bound",
    "direction",
    "interval_text",
    "magnitude",
    "phrase",
    "share_text",
    "width_decimals",
]

Direction = Literal["above", "below", "unclear"]


def direction(low: float, high: float, *, null: float = 0.0) -> Direction:
    """Where the interval ``[low, high]`` lies relative to ``null``.

    Parameters
    ----------
    low, high : float
        Confidence bounds.
    null : float
        The value of "no difference": 0 for an effect or an ROI (break-even), 1 for a
        ratio.

    Returns
    -------
    str
        ``"above"`` when ``low > null``, ``"below"`` when ``high < null``, else
        ``"unclear"`` (including missing or infinite bounds).
    """
    try:
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        return "unclear"
    if not (math.isfinite(low) and math.isfinite(high)):
        return "unclear"
    if low > null:
        return "above"
    if high < null:
        return "below"
    return "unclear"


def phrase(
    low: float, high: float, *, above: str, below: str, unclear: str, null: float = 0.0
) -> str:
    """Return the phrase among ``above``, ``below`` and ``unclear`` that the interval supports.

    Parameters
    ----------
    low, high : float
        The interval.
    above, below, unclear : str
        The phrase for an interval wholly above ``null``, wholly below it, or holding it.
    null : float, default 0.0
        The reference value.

    Returns
    -------
    str
        One of ``above``, ``below`` and ``unclear``.
    """
    return {"above": above, "below": below, "unclear": unclear}[direction(low, high, null=null)]


def _references(null: float | Iterable[float]) -> tuple[float, ...]:
    if isinstance(null, Iterable):
        return tuple(float(r) for r in null if r is not None and math.isfinite(float(r)))
    return (float(null),)


def _side(x: float, reference: float) -> int:
    return (x > reference) - (x < reference)


def bound(
    value: float,
    *,
    null: float | Iterable[float] = 0.0,
    decimals: int = 1,
    suffix: str = "",
) -> str:
    """Return a number written with enough decimals to stay on its side of every reference value.

    The one way a sentence prints a confidence bound, an estimate or a size beside a
    verdict. Rounding to ``decimals`` places can carry a number onto or across a
    reference: 0.4 becomes "0" beside "raised", -0.3 becomes "-0", a ratio's 1.04
    becomes "1.0" beside "the interval excludes no difference", a bound of 450.4
    becomes "450" beside "more than the planned 450.3". Decimals are added (up to 12
    more) until the printed number lies on the same side of each reference in
    ``null`` as the number itself, both as it is and as the sentence would print it at
    those decimals (so 449.6 and a plan of 450.3 are not both "450"), and a printed
    zero never carries a minus sign.

    Parameters
    ----------
    value : float
        The number.
    null : float or iterable of float
        The reference value(s) the sentence compares with: 0 for an effect or an ROI
        (break-even), 1 for a ratio, a planned effect, a break-even effect.
    decimals : int
        Decimals wanted (thousands are separated).
    suffix : str
        Written after the number, e.g. ``"%"``.

    Returns
    -------
    str
        The number, or ``"n/a"`` when it is missing or infinite.

    Examples
    --------
    >>> bound(0.4, decimals=0), bound(-0.3, decimals=0), bound(1.04, null=1.0)
    ('0.4', '-0.3', '1.04')
    >>> bound(450.4, null=(0, 450.3), decimals=0)
    '450.4'
    """
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(value):
        return "n/a"
    references = _references(null)
    decimals = max(0, int(decimals))
    text = f"{value:,.{decimals}f}"
    for places in range(decimals, decimals + 13):
        text = f"{value:,.{places}f}"
        printed = float(text.replace(",", ""))
        # compared with the reference as it would be printed too, so that two figures of
        # one sentence (a bound and the plan it is held to) never print as equal
        if all(
            _side(printed, r) == _side(value, r) == _side(printed, float(f"{r:.{places}f}"))
            for r in references
        ):
            break
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text + suffix


def interval_text(
    low: float,
    high: float,
    *,
    null: float | Iterable[float] = 0.0,
    decimals: int = 1,
    suffix: str = "",
    joiner: str = " to ",
) -> str:
    """Return an interval as a sentence writes it, "0.4 to 899.6", each bound through :func:`bound`.

    Parameters
    ----------
    low, high : float
        The bounds.
    null : float or iterable of float, default 0.0
        Reference values that no bound may be rounded onto.
    decimals : int, default 1
        The fewest decimals shown.
    suffix : str, default ""
        Written after each bound (e.g. "%").
    joiner : str, default " to "
        Written between the bounds.

    Returns
    -------
    str
        The interval as text.
    """
    return (
        f"{bound(low, null=null, decimals=decimals, suffix=suffix)}{joiner}"
        f"{bound(high, null=null, decimals=decimals, suffix=suffix)}"
    )


def magnitude(value: Any, *, decimals: int = 1, suffix: str = "") -> str:
    """Return the size of a change whose direction the verb already says: "lowered ... by 450".

    The absolute value through :func:`bound`, so a change of -0.3 is "0.3", never "-0.3"
    after "lowered" (a double negative) nor "0" (no change at all).

    Parameters
    ----------
    value : float
        The change, of either sign.
    decimals : int, default 1
        The fewest decimals shown.
    suffix : str, default ""
        Written after the number.

    Returns
    -------
    str
        The absolute value as text.
    """
    try:
        value = abs(float(value))
    except (TypeError, ValueError):
        return "n/a"
    return bound(value, null=0.0, decimals=decimals, suffix=suffix)


def share_text(value: Any, *, decimals: int = 0) -> str:
    """Return a share (0 to 1) as a percentage that is 0% or 100% only when it is exactly that.

    0.004 is "0.4%", not "0%" (nobody); 0.996 is "99.6%", not "100%" (everybody).

    Parameters
    ----------
    value : float
        A share in [0, 1].
    decimals : int, default 0
        The fewest decimals shown.

    Returns
    -------
    str
        The percentage, e.g. "37%".
    """
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "n/a"
    return bound(100 * value, null=(0.0, 100.0), decimals=decimals, suffix="%")


def width_decimals(low: float, high: float, *, digits: int = 3, most: int = 4) -> int:
    """Decimals an interval's width warrants: about ``digits`` significant digits of the width.

    An interval 900 wide gets 0 decimals (3,982), one 0.7 wide gets 3 (-0.331); never
    more than ``most``. Missing or empty widths get 0. :func:`bound` adds more where a
    bound would otherwise land on a reference value.

    Parameters
    ----------
    low, high : float
        The interval.
    digits : int, default 3
        Significant digits of the width to show.
    most : int, default 4
        The most decimals given.

    Returns
    -------
    int
        The number of decimals.
    """
    try:
        width = float(high) - float(low)
    except (TypeError, ValueError):
        return 0
    if not (math.isfinite(width) and width > 0):
        return 0
    return int(min(most, max(0, digits - 1 - math.floor(math.log10(width)))))
