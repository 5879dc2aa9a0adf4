"""Power, the minimum detectable effect, and whether a design could show that training paid.

For an estimate with standard error :math:`s` and a two-sided test at level
:math:`\\alpha = 1 - ` ``conf_level`` (critical value :math:`c`, from the normal or,
with ``df``, the t distribution), the power against a true effect :math:`\\delta` is

.. math:: P = 1 - F(c - |\\delta|/s) + F(-c - |\\delta|/s)

(with ``df``, the noncentral t with noncentrality :math:`|\\delta|/s`), and the
minimum detectable effect at power :math:`1 - \\beta` is
:math:`\\mathrm{MDE} = (c + q_{1-\\beta})\\, s` (Bloom 1995), or with ``df`` the effect
at which the noncentral-t power is exactly :math:`1 - \\beta`. The standard error
comes from the client's own data and estimator, so the design (reps, periods,
rollout timing, clustering by rep) and the outcome's residual variance are all in it.

The break-even effect is the effect per trained rep-period at which ROI is 0:
costs / (trained rep-periods x margin x value per unit). When the MDE exceeds it, the
design could not have shown whether the programme paid for itself.

References
----------
Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the
statistical power of experimental designs. Evaluation Review 19, 547-556.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.core.conclusions import direction
from analysis.core.options import check_conf_level

__all__ = [
    "break_even_effect",
    "describe_design",
    "design_check",
    "minimum_detectable_effect",
    "power",
]


def _quantile(p: float, df: float | None) -> float:
    from scipy import stats

    return float(stats.t.ppf(p, df) if df else stats.norm.ppf(p))


def _cdf(x: float, df: float | None) -> float:
    from scipy import stats

    return float(stats.t.cdf(x, df) if df else stats.norm.cdf(x))


def power(
    effect: float, std_error: float, *, conf_level: float = 0.95, df: float | None = None
) -> float:
    """Probability that the two-sided test at ``1 - conf_level`` rejects no effect when the truth is ``effect``.

    ``df`` uses the t distribution (e.g. clusters - 1 for cluster-robust errors, as
    the intervals do); None the normal.
    """
    conf_level = check_conf_level(conf_level)
    if not std_error > 0:
        return math.nan
    from scipy import stats

    c = _quantile(1 - (1 - conf_level) / 2, df)
    shift = abs(effect) / std_error
    if df:  # noncentral t, as statsmodels' ttest_power
        value = float(stats.nct.sf(c, df, shift) + stats.nct.cdf(-c, df, shift))
        if math.isfinite(value):
            return value
        # scipy's noncentral t gives nan far in the tail (shift ~ 10+ SE): power is then ~1,
        # and the normal approximation with the t critical value is exact to many digits
        return float(stats.norm.sf(c - shift) + stats.norm.cdf(-c - shift))
    return 1 - _cdf(c - shift, df) + _cdf(-c - shift, df)


_power = power  # the function, under a name that the argument ``power`` does not shadow


def minimum_detectable_effect(
    std_error: float,
    *,
    conf_level: float = 0.95,
    power: float = 0.8,
    df: float | None = None,
) -> float:
    """Smallest true effect detected with probability ``power``.

    With the normal distribution, :math:`(c + q_{power})\\,s` (Bloom 1995). With ``df``,
    the effect at which :func:`power` (noncentral t) equals ``power`` exactly, found by
    root-finding: the same formula with t quantiles is slightly too small (power 0.79
    instead of 0.80 with 4 degrees of freedom), because the noncentral t is not a
    shifted central t.
    """
    conf_level = check_conf_level(conf_level)
    target = power
    if not 0 < target < 1:
        raise ValueError(f"power={target!r} must lie strictly between 0 and 1, e.g. 0.8.")
    approximate = (_quantile(1 - (1 - conf_level) / 2, df) + _quantile(target, df)) * std_error
    if not df or not std_error > 0:
        return approximate
    from scipy.optimize import brentq

    def gap(effect: float) -> float:
        return _power(effect, std_error, conf_level=conf_level, df=df) - target

    high = approximate
    while gap(high) < 0:
        high *= 1.5
    return float(brentq(gap, 0.0, high, xtol=1e-12 * std_error, rtol=1e-12))


def break_even_effect(
    costs: float, *, treated_periods: float, margin: float, value_per_unit: float = 1.0
) -> float:
    """Effect per trained rep-period (in outcome units) at which ROI is 0."""
    return costs / (treated_periods * margin * value_per_unit)


def design_check(
    *,
    std_error: float,
    break_even: float,
    conf_level: float = 0.95,
    power_target: float = 0.8,
    df: float | None = None,
    unit: str = "number",
) -> pd.DataFrame:
    """The minimum detectable effect beside the break-even effect, and the power at break-even.

    Returns
    -------
    DataFrame
        ``term, estimate, unit``: ``minimum detectable effect``, ``break-even effect``
        (outcome units per trained rep-period, shown in ``unit``) and ``power at the
        break-even effect`` (share).
    """
    mde = minimum_detectable_effect(std_error, conf_level=conf_level, power=power_target, df=df)
    return pd.DataFrame(
        [
            {
                "term": f"minimum detectable effect ({power_target:.0%} power)",
                "estimate": mde,
                "unit": "outcome",
            },
            {"term": "break-even effect", "estimate": break_even, "unit": unit},
            {
                "term": "power at the break-even effect",
                "estimate": power(break_even, std_error, conf_level=conf_level, df=df),
                "unit": "share",
            },
        ]
    )


def describe_design(
    check: pd.DataFrame, *, conf_low: float, conf_high: float, power_target: float = 0.8
) -> str:
    """One sentence: could this design show whether the programme paid for itself?

    ``conf_low, conf_high`` is the interval of the effect; ``check`` the output of
    :func:`design_check` (made with the same ``power_target``).
    """
    rows = check.set_index("term")["estimate"]
    mde, even = float(rows.iloc[0]), float(rows.loc["break-even effect"])
    at_even = float(rows.loc["power at the break-even effect"])
    detects = f"it detects effects of {mde:,.4g} or more with {power_target:.0%} power"
    if mde > even and direction(conf_low - even, conf_high - even) == "unclear":
        return (
            f"This design could not have shown whether the programme paid for itself: {detects}, "
            f"while the effect at which ROI is zero is {even:,.4g} (power {at_even:.0%} there). "
            "More reps, more periods or a longer untrained group would be needed."
        )
    if mde > even:
        return (
            f"The design was weak ({detects}, above the break-even effect of {even:,.4g}), yet "
            "the interval of the effect lies clear of break-even."
        )
    return (
        f"The design could show whether the programme paid for itself: {detects}, at or "
        f"below the break-even effect of {even:,.4g} (power {at_even:.0%} there)."
    )
