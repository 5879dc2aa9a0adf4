r"""Power, the minimum detectable effect, and whether a design could show that training paid.

For an estimate with standard error :math:`s` and a two-sided test at level
:math:`\alpha = 1 - ` ``conf_level`` (critical value :math:`c`, from the normal or,
with ``df``, the t distribution), the power against a true effect :math:`\delta` is

.. math:: P = 1 - F(c - |\delta|/s) + F(-c - |\delta|/s)

(with ``df``, the noncentral t with noncentrality :math:`|\delta|/s`), and the
minimum detectable effect at power :math:`1 - \beta` is
:math:`\mathrm{MDE} = (c + q_{1-\beta})\, s` (Bloom 1995), or with ``df`` the effect
at which the noncentral-t power is exactly :math:`1 - \beta`. The standard error
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
from analysis.core.options import check_conf_level, renamed

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
    r"""Return the power of the two-sided test of no effect when the truth is ``effect``.

    Parameters
    ----------
    effect : float
        The true effect, in the estimate's units.
    std_error : float
        The estimate's standard error.
    conf_level : float, default 0.95
        Confidence level; the test is at ``1 - conf_level``.
    df : float, optional
        Degrees of freedom of the t distribution (e.g. clusters - 1 for cluster-robust
        errors, as the intervals use); None for the normal distribution.

    Returns
    -------
    float
        The probability that the test rejects no effect; NaN when ``std_error`` is not
        positive.

    Notes
    -----
    With critical value :math:`c` and :math:`\delta` = ``effect``, :math:`s` =
    ``std_error``: :math:`P = 1 - F(c - |\delta|/s) + F(-c - |\delta|/s)` for the
    normal distribution; with ``df`` the noncentral t with noncentrality
    :math:`|\delta|/s`, as statsmodels' ``ttest_power`` (Cohen 1988, ch. 2).

    References
    ----------
    Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
    Lawrence Erlbaum.
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


#: :func:`power` under a name that a ``power=`` argument does not hide.
_power_of = power


def minimum_detectable_effect(
    std_error: float,
    *,
    conf_level: float = 0.95,
    power: float = 0.8,
    df: float | None = None,
) -> float:
    r"""Return the smallest true effect detected with probability ``power``.

    Parameters
    ----------
    std_error : float
        The estimate's standard error.
    conf_level : float, default 0.95
        Confidence level; the test is two-sided at ``1 - conf_level``.
    power : float, default 0.8
        The power wanted, strictly between 0 and 1.
    df : float, optional
        Degrees of freedom of the t distribution; None for the normal distribution.

    Returns
    -------
    float
        The minimum detectable effect, in the estimate's units.

    Raises
    ------
    ValueError
        If ``power`` is not strictly between 0 and 1.

    Notes
    -----
    With the normal distribution, :math:`\mathrm{MDE} = (c + q_{power})\,s` (Bloom
    1995). With ``df``, the effect at which :func:`power` (noncentral t) equals
    ``power`` exactly, found by root-finding: the same formula with t quantiles is
    slightly too small (power 0.79 instead of 0.80 with 4 degrees of freedom), because
    the noncentral t is not a shifted central t.

    References
    ----------
    Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the
    statistical power of experimental designs. Evaluation Review 19, 547-556.
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
    r"""Return the effect per trained rep-period (in outcome units) at which ROI is 0.

    Parameters
    ----------
    costs : float
        Fully loaded programme costs.
    treated_periods : float
        Trained rep-periods over which the effect is counted.
    margin : float
        Share of the outcome that is profit (e.g. 0.35).
    value_per_unit : float, default 1.0
        Money per unit of the outcome (1 when the outcome is money already).

    Returns
    -------
    float
        ``costs / (treated_periods * margin * value_per_unit)``.

    Notes
    -----
    ROI is (monetary benefit - costs) / costs (Phillips 1997), and the benefit of an
    effect :math:`\beta` is :math:`\beta \times` trained rep-periods :math:`\times`
    margin :math:`\times` value per unit, so ROI is zero at the returned effect.

    References
    ----------
    Phillips, J. J. (1997). Return on Investment in Training and Performance
    Improvement Programs. Gulf Publishing.
    """
    return costs / (treated_periods * margin * value_per_unit)


def power_against(
    effect: float,
    reference: float,
    std_error: float,
    *,
    conf_level: float = 0.95,
    df: float | None = None,
) -> float:
    r"""Return the probability that the interval excludes ``reference`` when the truth is ``effect``.

    :func:`power` with the test's null moved from 0 to ``reference``: against
    break-even, the chance that the report can say whether the programme paid for
    itself (its interval lies wholly above or wholly below the break-even effect).
    It is ``1 - conf_level`` when the effect is the reference itself.

    Parameters
    ----------
    effect : float
        The true effect.
    reference : float
        The value the interval should exclude (e.g. the break-even effect).
    std_error : float
        The estimate's standard error.
    conf_level : float, default 0.95
        Confidence level of the interval.
    df : float, optional
        Degrees of freedom of the t distribution; None for the normal distribution.

    Returns
    -------
    float
        The probability, in [0, 1]; NaN when ``std_error`` is not positive.

    Notes
    -----
    :math:`P = 1 - F(c - |\delta - \theta|/s) + F(-c - |\delta - \theta|/s)` with
    :math:`\theta` = ``reference`` (Cohen 1988, ch. 2, with the null moved).

    References
    ----------
    Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
    Lawrence Erlbaum.
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
    r"""Return the probability that the interval lies wholly above ``reference``.

    The chance, when the truth is ``effect``, that the report can say the programme
    paid for itself (``reference`` = break-even).

    Parameters
    ----------
    effect : float
        The true effect.
    reference : float
        The value the interval's lower bound should clear.
    std_error : float
        The estimate's standard error.
    conf_level : float, default 0.95
        Confidence level of the interval.
    df : float, optional
        Degrees of freedom of the t distribution; None for the normal distribution.

    Returns
    -------
    float
        The probability, in [0, 1]; NaN when ``std_error`` is not positive and finite.

    Notes
    -----
    :math:`P(\hat\beta - c\,s > \theta) = 1 - F(c - (\beta - \theta)/s)` with the
    central t (``df``) or normal distribution :math:`F`.
    """
    conf_level = check_conf_level(conf_level)
    if not (math.isfinite(std_error) and std_error > 0):
        return math.nan
    from scipy import stats

    c = _quantile(1 - (1 - conf_level) / 2, df)
    shift = (effect - reference) / std_error
    return float(stats.t.sf(c - shift, df) if df else stats.norm.sf(c - shift))


@renamed(power_target="power")
def design_check(
    *,
    std_error: float,
    break_even: float,
    effect: float | None = None,
    effect_source: str = "estimated",
    conf_level: float = 0.95,
    power: float = 0.8,
    df: float | None = None,
    unit: str = "number",
) -> pd.DataFrame:
    r"""Could the design show whether the programme paid for itself? Power against break-even.

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
    conf_level, power, df : optional
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
    mde = minimum_detectable_effect(std_error, conf_level=conf_level, power=power, df=df)
    rows = [
        {
            "term": f"minimum detectable effect ({power:.0%} power against no effect)",
            "estimate": mde,
            "unit": "outcome",
        },
        {"term": "break-even effect", "estimate": break_even, "unit": unit},
        {
            "term": "power against no effect at the break-even effect",
            "estimate": _power_of(break_even, std_error, conf_level=conf_level, df=df),
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


@renamed(power_target="power")
def describe_design(
    check: pd.DataFrame,
    *,
    conf_low: float,
    conf_high: float,
    power: float = 0.8,
    currency: str | None = None,
    symbol: bool = False,
) -> str:
    """Say in one sentence whether this design did (or could) show that the programme paid.

    ``conf_low, conf_high`` is the interval of the effect; ``check`` the output of
    :func:`design_check` (made with the same ``power``, and with ``effect`` for
    the power against break-even). "Could show whether it paid" is decided by the power
    against break-even at the planned or estimated effect, never by the power against
    no effect, which the sentence names as such. ``currency`` (an outcome in money) is
    written on every effect: ``USD 972``, or ``$972`` with ``symbol``.

    Parameters
    ----------
    check : DataFrame
        The output of :func:`design_check`.
    conf_low, conf_high : float
        The interval of the estimated effect.
    power : float, default 0.8
        The power a conclusive design needs.
    currency : str, optional
        ISO code of a money outcome.
    symbol : bool, default False
        Write the currency's symbol instead of its code.

    Returns
    -------
    str
        The sentence.
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
        f"(power against break-even; target {power:.0%})"
    )
    if chance >= power:
        return (
            f"This design could have shown whether the programme paid for itself ({odds}), "
            f"but this study's interval includes break-even. {versus_zero}"
        )
    return (
        f"This design could not have shown whether the programme paid for itself: {odds}. "
        f"{versus_zero}"
    )


def _percent(share: float) -> str:
    """Write a power as the design table does (:func:`analysis.core.formats.power`)."""
    if not math.isfinite(share):
        return "not computable"
    return formats.power(share)
