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

from analysis.core import formats
from analysis.core.formats import with_currency
from analysis.core.options import check_conf_level

__all__ = [
    "break_even_effect",
    "clears",
    "describe_design",
    "design_check",
    "minimum_detectable_effect",
    "power",
    "power_against",
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


def power_against(
    effect: float,
    reference: float,
    std_error: float,
    *,
    conf_level: float = 0.95,
    df: float | None = None,
) -> float:
    """Probability that the interval excludes ``reference`` when the truth is ``effect``.

    :func:`power` with the test's null moved from 0 to ``reference``: against
    break-even, the chance that the report can say whether the programme paid for
    itself (its interval lies wholly above or wholly below the break-even effect).
    It is ``1 - conf_level`` when the effect is the reference itself.
    """
    return power(effect - reference, std_error, conf_level=conf_level, df=df)


def clears(
    effect: float,
    reference: float,
    std_error: float,
    *,
    conf_level: float = 0.95,
    df: float | None = None,
) -> float:
    r"""Probability that the interval's lower bound lies above ``reference`` when the truth is ``effect``.

    :math:`P(\hat\beta - c\,s > \theta) = 1 - F(c - (\beta - \theta)/s)` with the
    central t (``df``) or normal distribution: the chance that the report can say the
    programme paid for itself (``reference`` = break-even).
    """
    conf_level = check_conf_level(conf_level)
    if not (math.isfinite(std_error) and std_error > 0):
        return math.nan
    from scipy import stats

    c = _quantile(1 - (1 - conf_level) / 2, df)
    shift = (effect - reference) / std_error
    return float(stats.t.sf(c - shift, df) if df else stats.norm.sf(c - shift))


def design_check(
    *,
    std_error: float,
    break_even: float,
    effect: float | None = None,
    effect_source: str = "estimated",
    conf_level: float = 0.95,
    power_target: float = 0.8,
    df: float | None = None,
    unit: str = "number",
) -> pd.DataFrame:
    """Could the design show whether the programme paid for itself? Power against break-even.

    Parameters
    ----------
    std_error : float
        Standard error of the effect (outcome units per trained rep-period).
    break_even : float
        The effect at which ROI is zero (:func:`break_even_effect`).
    effect : float, optional
        The true effect to assume: the planned effect, or the estimate. Without it only
        the figures against no effect are given.
    effect_source : str
        Where ``effect`` comes from, named in the rows: ``"estimated"`` or ``"planned"``.
    conf_level, power_target, df : optional
        Confidence level, the power wanted and the t degrees of freedom (clusters - 1).
    unit : str
        Unit of the effect rows.

    Returns
    -------
    DataFrame
        ``term, estimate, unit``: the ``minimum detectable effect`` (against no effect),
        the ``break-even effect``, the ``power against no effect at the break-even
        effect`` (can an effect just large enough to pay be told apart from none?); and
        with ``effect``: that effect, the ``power against break-even at the ... effect``
        (the chance that the interval excludes break-even: the design can show whether
        the programme paid) and the ``chance the interval clears break-even`` (lies
        wholly above it: the programme is shown to have paid).

    Notes
    -----
    Power against zero answers "could the design show that training did anything?";
    whether it paid is a test against the break-even effect :math:`\theta`:
    :math:`P = 1 - F(c - |\beta - \theta|/s) + F(-c - |\beta - \theta|/s)`
    (:func:`power_against`). A design with 94% power against zero at the break-even
    effect can have an 11% chance of an interval clear of break-even at the true effect.
    """
    mde = minimum_detectable_effect(std_error, conf_level=conf_level, power=power_target, df=df)
    rows = [
        {
            "term": f"minimum detectable effect ({power_target:.0%} power against no effect)",
            "estimate": mde,
            "unit": "outcome",
        },
        {"term": "break-even effect", "estimate": break_even, "unit": unit},
        {
            "term": "power against no effect at the break-even effect",
            "estimate": power(break_even, std_error, conf_level=conf_level, df=df),
            "unit": "power",
        },
    ]
    if effect is not None and math.isfinite(float(effect)):
        rows += [
            {"term": f"{effect_source} effect", "estimate": float(effect), "unit": unit},
            {
                "term": f"power against break-even at the {effect_source} effect",
                "estimate": power_against(
                    float(effect), break_even, std_error, conf_level=conf_level, df=df
                ),
                "unit": "power",
            },
            {
                "term": f"chance the interval clears break-even ({effect_source} effect)",
                "estimate": clears(
                    float(effect), break_even, std_error, conf_level=conf_level, df=df
                ),
                "unit": "power",
            },
        ]
    return pd.DataFrame(rows)


def describe_design(
    check: pd.DataFrame,
    *,
    conf_low: float,
    conf_high: float,
    power_target: float = 0.8,
    currency: str | None = None,
    symbol: bool = False,
) -> str:
    """One sentence: did (or could) this design show whether the programme paid for itself?

    ``conf_low, conf_high`` is the interval of the effect; ``check`` the output of
    :func:`design_check` (made with the same ``power_target``, and with ``effect`` for
    the power against break-even). "Could show whether it paid" is decided by the power
    against break-even at the planned or estimated effect, never by the power against
    no effect, which the sentence names as such. ``currency`` (an outcome in money) is
    written on every effect: ``USD 972``, or ``$972`` with ``symbol``.
    """
    from analysis.core.conclusions import bound, direction

    rows = check.set_index("term")["estimate"]
    even = float(rows.loc["break-even effect"])
    at_even = float(rows.loc["power against no effect at the break-even effect"])
    against = next((t for t in rows.index if t.startswith("power against break-even")), None)
    digits = 0 if abs(even) >= 100 else 2

    def number(value: float) -> str:  # kept on its side of zero and of break-even
        return with_currency(
            bound(value, null=(0.0, even), decimals=digits), currency, symbol=symbol
        )

    source = against.rsplit(" at the ", 1)[1].removesuffix(" effect") if against else None
    effect = float(rows.loc[f"{source} effect"]) if source else math.nan
    others = (conf_low, conf_high, effect)
    even_text = with_currency(
        bound(even, null=(0.0, *others), decimals=digits), currency, symbol=symbol
    )
    side = direction(conf_low, conf_high, null=even)
    versus_zero = (
        f"(Its power against no effect at the break-even effect, {_percent(at_even)}, says only "
        "whether an effect that large could be told apart from none.)"
    )
    if side != "unclear":
        return (
            f"The interval of the effect lies wholly {side} the break-even effect of "
            f"{even_text}, so this design was precise enough to tell whether the programme "
            f"paid for itself. {versus_zero}"
        )
    if against is None:
        return (
            f"The interval of the effect includes the break-even effect of {even_text}, so this "
            f"study cannot tell whether the programme paid for itself. {versus_zero}"
        )
    chance = float(rows.loc[against])
    odds = (
        f"if the true effect were the {source} {number(effect)}, an interval would exclude the "
        f"break-even effect of {even_text} in {_percent(chance)} of studies like this one "
        f"(power against break-even; target {power_target:.0%})"
    )
    if chance >= power_target:
        return (
            f"This design could have shown whether the programme paid for itself ({odds}), "
            f"but this study's interval includes break-even. {versus_zero}"
        )
    return (
        f"This design could not have shown whether the programme paid for itself: {odds}. "
        f"{versus_zero}"
    )


def _percent(share: float) -> str:
    """A power as text, as the design table writes it (:func:`analysis.core.formats.power`)."""
    if not math.isfinite(share):
        return "not computable"
    return formats.power(share)
