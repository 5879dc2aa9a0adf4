r"""The planned rollout: its standard error, power, break-even effect and the smallest design.

The planned analysis is the two-way fixed effects estimate of training on the
outcome, counting the effect from ``effect_from`` periods after each rep's training
start and leaving out the ramp-up periods in between (rep and period effects,
errors clustered by rep). For a rollout where every rep of a cohort starts at the
same period, the estimate is linear in the outcome,

.. math:: \hat\beta = \sum_{it} \tilde D_{it} Y_{it} / \sum_{it} \tilde D_{it}^2,

with :math:`\tilde D` the treatment indicator net of rep and period means over the
kept rep-periods (Frisch-Waugh-Lovell). Reps of one cohort share one row of
:math:`\tilde D`, so it is computed on the cohort-by-period table weighted by cohort
size. With residuals :math:`e_{it}` that follow a stationary AR(1) within a rep (SD
:math:`\sigma`, lag-one correlation :math:`\rho`; a rep's own level is absorbed),

.. math:: \operatorname{Var}(\hat\beta) = \sigma^2 \sum_c n_c\, \tilde d_c' R(\rho)\, \tilde d_c
          \big/ \big(\sum_c n_c\, \tilde d_c'\tilde d_c\big)^2,\quad R_{st} = \rho^{|s-t|}

(the sandwich the cluster-robust estimator targets; Bertrand, Duflo and
Mullainathan 2004 on serial correlation in difference-in-differences). Power and the
minimum detectable effect follow :mod:`analysis.power` with the t distribution on
reps - 1 degrees of freedom, as the cluster-robust intervals use.
:func:`simulate_rollout` draws whole panels and fits the same estimator with CR1
standard errors, which is how the analytic power is checked.

References
----------
Bertrand, M., Duflo, E. and Mullainathan, S. (2004). How much should we trust
differences-in-differences estimates? Quarterly Journal of Economics 119, 249-275.
Bloom, H. S. (1995). Minimum detectable effects. Evaluation Review 19, 547-556.
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
Scandinavian Journal of Statistics 6, 65-70.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from analysis.core import formats
from analysis.core.conclusions import bound
from analysis.core.formats import figure
from analysis.core.options import renamed
from analysis.core.results import FormerShape, TidyResult, figure_rows
from analysis.power import minimum_detectable_effect
from analysis.power import power as power_at

__all__ = [
    "DesignPower",
    "RolloutDesign",
    "best_per_length",
    "break_even",
    "clears",
    "describe_power",
    "describe_smallest",
    "design_power",
    "design_std_error",
    "number",
    "percent",
    "power_table",
    "residualize",
    "smallest_design",
]


@dataclass(frozen=True)
class RolloutDesign:
    """Who is trained when.

    ``cohorts`` are ``(start period index, reps)`` of the trained cohorts; ``untrained``
    reps stay untrained until ``untrained_until`` (a period index; None: to the end).
    ``effect_from`` periods after its start a rep counts as trained; the periods in
    between (ramp-up) are left out of the planned estimate.

    Attributes
    ----------
    periods : int
        Length of the study in periods.
    cohorts : tuple of (int, int)
        ``(start period index, reps)`` of each trained cohort.
    untrained : int, default 0
        Reps left untrained.
    untrained_until : int, optional
        Period index at which the untrained reps are trained after all; None: never
        during the study.
    effect_from : int, default 0
        Periods after its start from which a rep counts as trained.
    """

    periods: int
    cohorts: tuple[tuple[int, int], ...]
    untrained: int = 0
    untrained_until: int | None = None
    effect_from: int = 0

    @classmethod
    def from_plan(cls, plan: Any) -> RolloutDesign:
        """Return the design a :class:`analysis.clients.plan.Plan` describes."""
        schedule = plan.rollout.schedule()
        until = schedule[-1][0] if plan.rollout.untrained else None
        trained = schedule[:-1] if plan.rollout.untrained else schedule
        return cls(
            plan.rollout.periods,
            tuple((int(s), n) for s, n in trained if s is not None),
            plan.rollout.untrained,
            until,
            plan.effect_from,
        )

    @property
    def groups(self) -> list[tuple[int | None, int]]:
        """Every group of reps as ``(start or None, reps)``, the untrained last."""
        rows: list[tuple[int | None, int]] = list(self.cohorts)
        if self.untrained:
            rows.append((self.untrained_until, self.untrained))
        return rows

    @property
    def n_reps(self) -> int:
        """Return the number of reps, trained and untrained."""
        return sum(n for _, n in self.groups)

    @property
    def untrained_share(self) -> float:
        """Return the share of reps left untrained."""
        return self.untrained / self.n_reps

    def cells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per group: treatment (groups x periods), kept cells, and group sizes."""
        t = np.arange(self.periods)
        starts = np.array([np.inf if s is None else s for s, _ in self.groups])[:, None]
        event = t[None, :] - starts
        treated = (event >= self.effect_from).astype(float)
        kept = ~((event >= 0) & (event < self.effect_from))
        return treated, kept, np.array([n for _, n in self.groups], dtype=float)

    def counted_rep_periods(self) -> float:
        """Trained rep-periods from ``effect_from`` on: where the planned benefit accrues."""
        treated, kept, sizes = self.cells()
        return float((sizes[:, None] * treated * kept).sum())

    def resized(
        self, n_reps: int, *, untrained_share: float | None = None, periods: int | None = None
    ) -> RolloutDesign:
        """Return the same rollout timing for ``n_reps`` reps (trained cohorts in the planned proportions)."""
        share = self.untrained_share if untrained_share is None else untrained_share
        untrained = round(n_reps * share)
        total = sum(n for _, n in self.cohorts)
        sizes = _apportion(n_reps - untrained, [n / total for _, n in self.cohorts])
        cohorts = tuple((s, k) for (s, _), k in zip(self.cohorts, sizes, strict=True) if k > 0)
        return replace(self, periods=periods or self.periods, cohorts=cohorts, untrained=untrained)


def _apportion(total: int, shares: list[float]) -> list[int]:
    """Whole numbers summing to ``total`` in the given shares (largest remainders)."""
    raw = np.array(shares) * total
    whole = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - whole))[: total - int(whole.sum())]:
        whole[i] += 1
    return [int(v) for v in whole]


def residualize(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    r"""``values`` net of row and column effects (weighted least squares), exactly.

    ``values`` is ``(..., rows, periods)`` and ``weights`` ``(rows, periods)``, shared by
    every leading index (e.g. every simulated draw); cells with weight 0 are left out
    and come back as 0. Eliminating the row effects :math:`\alpha_i` leaves the
    periods' normal equations :math:`A\lambda = b` with
    :math:`A = \operatorname{diag}(\sum_i w_{it}) - \sum_i w_i w_i' / W_i` and
    :math:`b_t = \sum_i w_{it}(y_{it} - \bar y_i)` (the reduced system of
    Guimaraes and Portugal 2010). :math:`A` (periods x periods) depends on the weights
    only, so one pseudo-inverse serves every draw: the cost is linear in the cells,
    where alternating projections on an unbalanced panel need many passes.

    Parameters
    ----------
    values : ndarray
        Shape ``(..., rows, periods)``.
    weights : ndarray
        Shape ``(rows, periods)``, non-negative; 0 leaves a cell out.

    Returns
    -------
    ndarray
        The residuals, shaped as ``values`` (0 in cells with weight 0).

    References
    ----------
    Guimaraes, P. and Portugal, P. (2010). A simple feasible procedure to fit models with
    high-dimensional fixed effects. Stata Journal 10, 628-649.
    """
    w = np.asarray(weights, dtype=float)
    row_total = w.sum(axis=1)
    inverse = np.divide(1.0, row_total, out=np.zeros_like(row_total), where=row_total > 0)
    y = np.where(w > 0, values, 0.0)
    row_mean = (y * w).sum(axis=-1) * inverse
    system = np.diag(w.sum(axis=0)) - (w.T * inverse) @ w
    rhs = ((y - row_mean[..., None]) * w).sum(axis=-2)
    # the constant direction (rows up, periods down) is a null space: cut it off firmly
    periods = rhs @ np.linalg.pinv(system, rcond=1e-9, hermitian=True)
    rows = ((y - periods[..., None, :]) * w).sum(axis=-1) * inverse
    return np.where(w > 0, y - rows[..., None] - periods[..., None, :], 0.0)


def _ar1(periods: int, rho: float) -> np.ndarray:
    lags = np.abs(np.subtract.outer(np.arange(periods), np.arange(periods)))
    return rho**lags


def design_std_error(design: RolloutDesign, *, residual_sd: float, autocorrelation: float) -> float:
    r"""Return the standard error of the planned estimate (see the module docstring); inf when not identified.

    Parameters
    ----------
    design : RolloutDesign
        The rollout.
    residual_sd : float
        SD :math:`\sigma` of the outcome's residuals.
    autocorrelation : float
        Lag-one correlation :math:`\rho` of the residuals within a rep.

    Returns
    -------
    float
        :math:`\sqrt{\operatorname{Var}(\hat\beta)}` of the module docstring; inf when the
        design identifies no effect.

    References
    ----------
    Bertrand, M., Duflo, E. and Mullainathan, S. (2004). How much should we trust
    differences-in-differences estimates? Quarterly Journal of Economics 119, 249-275.
    """
    treated, kept, sizes = design.cells()
    weights = sizes[:, None] * kept
    d = residualize(treated, weights)
    denominator = float((weights * d**2).sum())
    if denominator < 1e-9 * design.n_reps:
        return math.inf
    r = _ar1(design.periods, autocorrelation)
    numerator = float(np.einsum("c,ct,ts,cs->", sizes, d, r, d))
    return residual_sd * math.sqrt(numerator) / denominator


@dataclass
class DesignPower(FormerShape, TidyResult):
    """The planned design's standard error, degrees of freedom, power and minimum detectable effect.

    Parameters
    ----------
    std_error : float
        Standard error of the planned estimate.
    df : int
        Degrees of freedom of its t test (reps - 1).
    power : float
        Power against no effect at the assumed effect.
    mde : float
        Minimum detectable effect at the power wanted.

    Notes
    -----
    Reading it as the former dict (``result["power"]``) still works, with a
    FutureWarning.
    """

    std_error: float
    df: int
    power: float
    mde: float

    former: ClassVar[tuple[str, ...]] = ("std_error", "df", "power", "mde")
    former_kind: ClassVar[str] = "dict"

    def tidy(self) -> pd.DataFrame:
        """Return the power and the minimum detectable effect as rows, with ``df``."""
        return figure_rows(
            {
                "power": self.power,
                "minimum_detectable_effect": self.mde,
                "std_error_of_estimate": self.std_error,
            },
            df=self.df,
        )

    def caption(self) -> str:
        """Say what the table shows."""
        return "Power and minimum detectable effect of the planned design"


@renamed(power_target="power")
def design_power(
    design: RolloutDesign,
    *,
    effect: float,
    residual_sd: float,
    autocorrelation: float = 0.0,
    conf_level: float = 0.95,
    power: float = 0.8,
) -> DesignPower:
    r"""Return the standard error, degrees of freedom, power at ``effect`` and the minimum detectable effect.

    Parameters
    ----------
    design : RolloutDesign
        The rollout.
    effect : float
        The true effect to assume.
    residual_sd : float
        SD :math:`\sigma` of the outcome's residuals (:func:`baseline_variance`).
    autocorrelation : float, default 0.0
        Lag-one correlation :math:`\rho` of the residuals within a rep.
    conf_level : float, default 0.95
        Confidence level of the test.
    power : float, default 0.8
        The power at which the minimum detectable effect is given.

    Returns
    -------
    DesignPower
        ``.std_error``, ``.df`` (reps - 1), ``.power`` (at ``effect``) and ``.mde``; power
        0 and an infinite MDE when the design identifies no effect.

    References
    ----------
    Bloom, H. S. (1995). Minimum detectable effects. Evaluation Review 19, 547-556.
    """
    se = design_std_error(design, residual_sd=residual_sd, autocorrelation=autocorrelation)
    df = design.n_reps - 1
    if not math.isfinite(se):
        return DesignPower(std_error=se, df=df, power=0.0, mde=math.inf)
    return DesignPower(
        std_error=se,
        df=df,
        power=power_at(effect, se, conf_level=conf_level, df=df),
        mde=minimum_detectable_effect(se, conf_level=conf_level, power=power, df=df),
    )


def break_even(
    design: RolloutDesign, *, budget: float, margin: float, value_per_unit: float = 1.0
) -> float:
    r"""Effect per counted trained rep-period at which the programme's ROI is 0.

    :math:`C / (\text{counted rep-periods} \times \text{margin} \times \text{value per unit})`,
    with the rep-periods from ``effect_from`` after each start to the end of the study.

    Parameters
    ----------
    design : RolloutDesign
        The rollout.
    budget : float
        Programme costs :math:`C`.
    margin : float
        Share of the outcome that is profit.
    value_per_unit : float, default 1.0
        Money per unit of the outcome.

    Returns
    -------
    float
        The break-even effect, in outcome units per rep and period.

    References
    ----------
    Phillips, J. J. (1997). Return on Investment in Training and Performance
    Improvement Programs. Gulf Publishing.
    """
    counted = design.counted_rep_periods()
    return budget / (counted * margin * value_per_unit) if counted > 0 else math.inf


@renamed(power_target="power")
def smallest_design(
    design: RolloutDesign,
    *,
    residual_sd: float,
    autocorrelation: float = 0.0,
    effect: float | None = None,
    budget: float | None = None,
    margin: float = 1.0,
    value_per_unit: float = 1.0,
    conf_level: float = 0.95,
    power: float = 0.8,
    untrained_shares: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5, 0.6),
    extra_periods: tuple[int, ...] = (0, 3, 6, 12),
    min_reps: int = 20,
    max_reps: int = 100_000,
) -> pd.DataFrame:
    """Fewest reps that detect the target effect with ``power``, per layout.

    A layout keeps the planned timing (cohort starts, ``effect_from``), runs the study
    ``extra_periods`` longer and leaves a share of reps untrained. The target is
    ``effect``, or, with ``budget``, each layout's own break-even effect: the cost per
    trained rep stays as planned, so a layout that trains fewer reps costs less, and a
    longer study counts more trained rep-periods (:func:`break_even`). The break-even
    effect of a layout does not depend on its size, and the variance falls as 1/reps,
    which gives a first guess; the count is then raised until the exact power (cohort
    sizes rounded to whole reps) reaches the target. Designs under ``min_reps`` reps
    (the clusters cluster-robust errors need) are not proposed.

    Parameters
    ----------
    design : RolloutDesign
        The planned rollout, whose timing every layout keeps.
    residual_sd : float
        SD of the outcome's residuals.
    autocorrelation : float, default 0.0
        Lag-one correlation of the residuals within a rep.
    effect : float, optional
        The effect to detect (without ``budget``).
    budget : float, optional
        Programme costs; the target is then each layout's break-even effect.
    margin : float, default 1.0
        Share of the outcome that is profit.
    value_per_unit : float, default 1.0
        Money per unit of the outcome.
    conf_level : float, default 0.95
        Confidence level of the test.
    power : float, default 0.8
        The power wanted.
    untrained_shares : tuple of float
        Shares of reps left untrained to try.
    extra_periods : tuple of int
        Periods to add to the study's length to try.
    min_reps, max_reps : int
        The smallest design proposed, and where the search stops.

    Returns
    -------
    DataFrame
        ``untrained_share, periods, reps, target, power, std_error, recommended`` (the
        fewest reps, then the fewest periods), sorted by reps.
    """
    from scipy import stats

    if (effect is None) == (budget is None):
        raise ValueError("give either effect or budget (with margin and value_per_unit).")
    trained = design.n_reps - design.untrained
    z = float(stats.norm.ppf(0.5 + conf_level / 2) + stats.norm.ppf(power))
    rows = []
    for share in untrained_shares:
        for extra in extra_periods:
            base = design.resized(1000, untrained_share=share, periods=design.periods + extra)
            target = effect
            if budget is not None:
                cost = budget / trained * (base.n_reps - base.untrained)
                target = break_even(base, budget=cost, margin=margin, value_per_unit=value_per_unit)
            se0 = design_std_error(base, residual_sd=residual_sd, autocorrelation=autocorrelation)
            if target is None or not (math.isfinite(se0) and math.isfinite(target) and target > 0):
                continue
            n = max(min_reps, math.ceil(1000 * (se0 * z / target) ** 2))
            while n <= max_reps:
                trial = design.resized(n, untrained_share=share, periods=design.periods + extra)
                figures = design_power(
                    trial,
                    effect=target,
                    residual_sd=residual_sd,
                    autocorrelation=autocorrelation,
                    conf_level=conf_level,
                )
                if figures.power >= power:
                    rows.append(
                        {
                            "untrained_share": share,
                            "periods": trial.periods,
                            "reps": trial.n_reps,
                            "target": target,
                            "power": figures.power,
                            "std_error": figures.std_error,
                        }
                    )
                    break
                n = max(n + 1, math.ceil(n * 1.01))
    columns = ["untrained_share", "periods", "reps", "target", "power", "std_error"]
    table = pd.DataFrame(rows, columns=columns).sort_values(
        ["reps", "periods", "untrained_share"], ignore_index=True
    )
    table["recommended"] = table.index == 0
    return table


def best_per_length(table: pd.DataFrame) -> pd.DataFrame:
    """Return the fewest reps for each study length, from :func:`smallest_design` (shortest first).

    Parameters
    ----------
    table : DataFrame
        The output of :func:`smallest_design`.

    Returns
    -------
    DataFrame
        One row per study length (``periods``): its design with the fewest reps.
    """
    best = table.sort_values(["periods", "reps"]).groupby("periods", as_index=False).head(1)
    return best.reset_index(drop=True)


@renamed(power_target="power", break_even_effect="break_even")
def power_table(
    design: RolloutDesign,
    *,
    expected_effect: float,
    break_even: float | None,
    residual_sd: float,
    autocorrelation: float = 0.0,
    conf_level: float = 0.95,
    power: float = 0.8,
) -> pd.DataFrame:
    """Return the planned design's standard error, minimum detectable effect and power, tidy.

    Parameters
    ----------
    design : RolloutDesign
        The rollout.
    expected_effect : float
        The plan's expected effect.
    break_even : float or None
        The effect at which ROI is 0 (:func:`break_even`); None without costs.
    residual_sd : float
        SD of the outcome's residuals.
    autocorrelation : float, default 0.0
        Lag-one correlation of the residuals within a rep.
    conf_level : float, default 0.95
        Confidence level of the test.
    power : float, default 0.8
        The power at which the minimum detectable effect is given.

    Returns
    -------
    DataFrame
        ``term, estimate, unit``: the standard error and the minimum detectable effect
        (outcome units per rep and period), the expected and the break-even effect, and
        the power at each (unit ``power``: written by :func:`analysis.core.formats.power`).
    """
    at_expected = design_power(
        design,
        effect=expected_effect,
        residual_sd=residual_sd,
        autocorrelation=autocorrelation,
        conf_level=conf_level,
        power=power,
    )
    rows = [
        ("standard error of the planned estimate", at_expected.std_error, "outcome"),
        (f"minimum detectable effect ({power:.0%} power)", at_expected.mde, "outcome"),
        ("expected effect (the plan)", expected_effect, "outcome"),
        ("power against no effect at the expected effect", at_expected.power, "power"),
    ]
    if break_even is not None:
        at_even = design_power(
            design,
            effect=break_even,
            residual_sd=residual_sd,
            autocorrelation=autocorrelation,
            conf_level=conf_level,
        )
        rows += [
            ("break-even effect", break_even, "outcome"),
            ("power against no effect at the break-even effect", at_even.power, "power"),
            (
                "chance the interval clears break-even (expected effect)",
                clears(
                    expected_effect - break_even,
                    at_expected.std_error,
                    df=at_expected.df,
                    conf_level=conf_level,
                ),
                "power",
            ),
        ]
    return pd.DataFrame(rows, columns=["term", "estimate", "unit"])


def clears(margin_over: float, std_error: float, *, df: float, conf_level: float = 0.95) -> float:
    r"""Chance that the interval's lower bound lies above a threshold the truth exceeds by ``margin_over``.

    :math:`P(\hat\beta - c\,s > \theta) = 1 - F_{t,df}(c - (\beta - \theta)/s)`: the
    probability that the report can say the programme paid for itself (threshold =
    break-even) when the true effect is the expected one.

    Parameters
    ----------
    margin_over : float
        How far the true effect exceeds the threshold (:math:`\beta - \theta`).
    std_error : float
        Standard error of the estimate.
    df : float
        Degrees of freedom of the t distribution.
    conf_level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    float
        The probability, in [0, 1].
    """
    from scipy import stats

    if not (math.isfinite(std_error) and std_error > 0):
        return 0.0
    c = float(stats.t.ppf(0.5 + conf_level / 2, df))
    return float(stats.t.sf(c - margin_over / std_error, df))


def percent(share: float) -> str:
    """Write a power or a chance as every table does (:func:`analysis.core.formats.power`).

    0.998 -> "99.8%", 0.9996 -> ">99.9%", 0.025 -> "2.5%".

    Parameters
    ----------
    share : float
        The power or chance, between 0 and 1.

    Returns
    -------
    str
        The share as text, or "not computable" when it is not finite.
    """
    if not math.isfinite(share):
        return "not computable"
    return formats.power(share)


@renamed(power_target="power")
def describe_power(table: pd.DataFrame, *, power: float = 0.8) -> list[str]:
    """Say, in sentences that follow the numbers, whether this design can show that it pays.

    "Can show that it pays" means: if training works as planned, the interval of the
    effect lies above break-even in at least ``power`` of rollouts. When the
    expected effect is at or below break-even, the plan's own figures say it does not pay.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`power_table`.
    power : float, default 0.8
        The power wanted.

    Returns
    -------
    list of str
        The sentences.
    """
    values = table.set_index("term")["estimate"]
    mde = float(values.iloc[1])
    at_expected = float(values.loc["power against no effect at the expected effect"])
    expected = float(values.loc["expected effect (the plan)"])
    first = (
        f"The planned design tells an effect of {number(mde)} per rep and period or more apart "
        f"from no effect with {power:.0%} power; at the expected effect of "
        f"{number(expected)} its power against no effect is {percent(at_expected)}."
    )
    sentences = [first]
    if "break-even effect" in values.index:
        even = float(values.loc["break-even effect"])
        at_even = float(values.loc["power against no effect at the break-even effect"])
        chance = float(values.loc["chance the interval clears break-even (expected effect)"])
        if expected <= even:
            # the two figures printed so that their order shows (1,360.1 and 1,360.5, not 1,360 twice)
            places = 0 if min(abs(expected), abs(even)) >= 100 else 2
            shown = bound(expected, null=(0.0, even), decimals=places)
            shown_even = bound(even, null=(0.0, expected), decimals=places)
            sentences.append(
                f"By the plan's own figures the programme would not pay for itself: the expected "
                f"effect ({shown}) is at or below the break-even effect ({shown_even} per "
                "rep and period). No design can show that it pays unless the effect is larger than "
                "planned or the budget smaller."
            )
        elif chance >= power:
            sentences.append(
                f"This design can show that the programme pays for itself: if training works as "
                f"planned, the interval of the effect lies above break-even ({number(even)} per rep "
                f"and period) in {percent(chance)} of rollouts."
            )
        else:
            sentences.append(
                f"This design cannot reliably show whether the programme pays for itself: even if "
                f"training works as planned, the interval of the effect lies above break-even "
                f"({number(even)} per rep and period) in only {percent(chance)} of rollouts "
                f"(target {power:.0%})."
            )
        sentences.append(
            f"An effect just large enough to pay would be told apart from no effect with "
            f"{percent(at_even)} power."
        )
    if at_expected < power:
        sentences.append(
            "Even if training works as expected, the planned design would often fail to show it: "
            "a result without a clear effect would then say little."
        )
    return sentences


@renamed(power_target="power")
def describe_smallest(table: pd.DataFrame, planned: RolloutDesign, *, power: float = 0.8) -> str:
    """Sentences naming the recommended design from :func:`smallest_design`, and the planned length's.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`smallest_design`.
    planned : RolloutDesign
        The planned design, whose length is named.
    power : float, default 0.8
        The power wanted.

    Returns
    -------
    str
        The sentences, as one paragraph.
    """
    if table.empty:
        return (
            "No design of up to 100,000 reps in the planned timing detects the break-even effect "
            f"with {power:.0%} power: it is too small against the outcome's variation."
        )
    best = table[table["recommended"]].iloc[0]
    text = (
        f"The smallest design that detects its break-even effect ({number(best['target'])} per rep "
        f"and period) with {power:.0%} power has {int(best['reps']):,} reps observed for "
        f"{int(best['periods'])} periods with {best['untrained_share']:.0%} left untrained (planned: "
        f"{planned.n_reps:,} reps, {planned.periods} periods, {planned.untrained_share:.0%} untrained)."
    )
    same = table[table["periods"] == planned.periods]
    if int(best["periods"]) != planned.periods and not same.empty:
        row = same.sort_values("reps").iloc[0]
        text += (
            f" Keeping the planned {planned.periods} periods needs {int(row['reps']):,} reps "
            f"({row['untrained_share']:.0%} untrained)."
        )
    return text


#: Figures in sentences are written as the plan table writes them.
number = figure
