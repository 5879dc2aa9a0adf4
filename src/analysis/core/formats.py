"""Numbers and counts as sentences write them: one formatter for the whole workbench."""

from __future__ import annotations

import math

__all__ = ["counted_from", "figure", "ordinal"]


def figure(value: float) -> str:
    """A figure for a sentence: thousands separated, no exponent, about four significant digits.

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
