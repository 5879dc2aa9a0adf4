"""What an interval lets a sentence say: clearly above, clearly below, or the data cannot tell.

Every computed sentence about an effect, a ratio or a return goes through
:func:`direction`, so no sentence claims more than its confidence interval supports.
An estimate is called higher (lower) than the reference value only when the whole
interval lies above (below) it; when the interval contains the reference (no effect,
a ratio of 1, break-even), the sentence says the data cannot tell. An interval that
could not be computed (missing or infinite bounds) also cannot tell.
"""

from __future__ import annotations

import math
from typing import Literal

__all__ = ["Direction", "bound", "direction", "phrase"]

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
    """The phrase among ``above``, ``below`` and ``unclear`` that the interval supports."""
    return {"above": above, "below": below, "unclear": unclear}[direction(low, high, null=null)]


def bound(value: float, *, null: float = 0.0, decimals: int = 1, suffix: str = "") -> str:
    """A confidence bound written with enough decimals not to look like ``null``.

    A ratio's lower bound of 1.04 printed as "1.0" beside "the interval excludes no
    difference" reads as a contradiction; this adds decimals (up to four more) until
    the printed bound is on the same side of ``null`` as the value. Thousands are
    separated; ``suffix`` follows the number (``"%"``).
    """
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(value):
        return "n/a"
    places = decimals
    text = f"{value:,.{places}f}"
    while value != null and float(text.replace(",", "")) == null and places < decimals + 4:
        places += 1
        text = f"{value:,.{places}f}"
    return text + suffix
