"""Power before rollout: the planned design's standard error, its simulation, the smallest design.

The planned analysis is the two-way fixed effects estimate of training on the
outcome, counting the effect from ``effect_from`` periods after each rep's training
start and leaving out the ramp-up periods in between (rep and period effects,
errors clustered by rep). For a rollout where every rep of a cohort starts at the
same period, the estimate is linear in the outcome,

.. math:: \\hat\\beta = \\sum_{it} \\tilde D_{it} Y_{it} / \\sum_{it} \\tilde D_{it}^2,

with :math:`\\tilde D` the treatment indicator net of rep and period means over the
kept rep-periods (Frisch-Waugh-Lovell). Reps of one cohort share one row of
:math:`\\tilde D`, so it is computed on the cohort-by-period table weighted by cohort
size. With residuals :math:`e_{it}` that follow a stationary AR(1) within a rep (SD
:math:`\\sigma`, lag-one correlation :math:`\\rho`; a rep's own level is absorbed),

.. math:: \\operatorname{Var}(\\hat\\beta) = \\sigma^2 \\sum_c n_c\\, \\tilde d_c' R(\\rho)\\, \\tilde d_c
          \\big/ \\big(\\sum_c n_c\\, \\tilde d_c'\\tilde d_c\\big)^2,\\quad R_{st} = \\rho^{|s-t|}

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
from typing import Any

import numpy as np
import pandas as pd

from analysis.options import check_conf_level
from analysis.power import minimum_detectable_effect, power


@dataclass(frozen=True)
class RolloutDesign:
    """Who is trained when.

    ``cohorts`` are ``(start period index, reps)`` of the trained cohorts; ``untrained``
    reps stay untrained until ``untrained_until`` (a period index; None: to the end).
    ``effect_from`` periods after its start a rep counts as trained; the periods in
    between (ramp-up) are left out of the planned estimate.
    """

    periods: int
    cohorts: tuple[tuple[int, int], ...]
    untrained: int = 0
    untrained_until: int | None = None
    effect_from: int = 0

    @classmethod
    def from_plan(cls, plan: Any) -> RolloutDesign:
        """The design a :class:`analysis.inputs.plan.Plan` describes."""
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
        return sum(n for _, n in self.groups)

    @property
    def untrained_share(self) -> float:
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
        """The same rollout timing for ``n_reps`` reps (trained cohorts in the planned proportions)."""
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


def residualize(
    values: np.ndarray, weights: np.ndarray, *, tol: float = 1e-11, max_iter: int = 2000
) -> np.ndarray:
    """``values`` net of row and column means (weighted), by alternating projections.

    ``values`` is ``(..., rows, periods)``; cells with weight 0 are left out (and come
    back as 0). For a balanced table one pass is exact; otherwise the projections
    converge geometrically (Guimaraes and Portugal 2010).
    """
    w = np.broadcast_to(weights, values.shape)
    out = np.where(w > 0, values, 0.0).astype(float)
    row_w = w.sum(axis=-1, keepdims=True)
    col_w = w.sum(axis=-2, keepdims=True)
    row_w = np.where(row_w > 0, row_w, 1.0)
    col_w = np.where(col_w > 0, col_w, 1.0)
    scale = max(float(np.abs(out).max()), 1e-300)
    for _ in range(max_iter):
        row_mean = (w * out).sum(axis=-1, keepdims=True) / row_w
        out = np.where(w > 0, out - row_mean, 0.0)
        col_mean = (w * out).sum(axis=-2, keepdims=True) / col_w
        out = np.where(w > 0, out - col_mean, 0.0)
        if max(float(np.abs(row_mean).max()), float(np.abs(col_mean).max())) < tol * scale:
            break
    return out


def _ar1(periods: int, rho: float) -> np.ndarray:
    lags = np.abs(np.subtract.outer(np.arange(periods), np.arange(periods)))
    return rho**lags


def design_std_error(design: RolloutDesign, *, residual_sd: float, autocorrelation: float) -> float:
    """Standard error of the planned estimate (see the module docstring); inf when not identified."""
    treated, kept, sizes = design.cells()
    weights = sizes[:, None] * kept
    d = residualize(treated, weights)
    denominator = float((weights * d**2).sum())
    if denominator < 1e-9 * design.n_reps:
        return math.inf
    r = _ar1(design.periods, autocorrelation)
    numerator = float(np.einsum("c,ct,ts,cs->", sizes, d, r, d))
    return residual_sd * math.sqrt(numerator) / denominator


def design_power(
    design: RolloutDesign,
    *,
    effect: float,
    residual_sd: float,
    autocorrelation: float = 0.0,
    conf_level: float = 0.95,
    power_target: float = 0.8,
) -> dict[str, float]:
    """Standard error, degrees of freedom, power at ``effect`` and the minimum detectable effect."""
    se = design_std_error(design, residual_sd=residual_sd, autocorrelation=autocorrelation)
    df = design.n_reps - 1
    if not math.isfinite(se):
        return {"std_error": se, "df": df, "power": 0.0, "mde": math.inf}
    return {
        "std_error": se,
        "df": df,
        "power": power(effect, se, conf_level=conf_level, df=df),
        "mde": minimum_detectable_effect(se, conf_level=conf_level, power=power_target, df=df),
    }


def break_even(
    design: RolloutDesign, *, budget: float, margin: float, value_per_unit: float = 1.0
) -> float:
    """Effect per counted trained rep-period at which the programme's ROI is 0.

    :math:`C / (\\text{counted rep-periods} \\times \\text{margin} \\times \\text{value per unit})`,
    with the rep-periods from ``effect_from`` after each start to the end of the study.
    """
    counted = design.counted_rep_periods()
    return budget / (counted * margin * value_per_unit) if counted > 0 else math.inf


def simulate_rollout(
    design: RolloutDesign,
    *,
    effect: float,
    residual_sd: float,
    autocorrelation: float = 0.0,
    conf_level: float = 0.95,
    n_resamples: int = 500,
    seed: int = 2024,
    batch: int = 100,
) -> pd.DataFrame:
    """Draw whole panels of the design with ``effect`` planted and fit the planned estimate.

    Each draw has rep levels, a period trend and AR(1) residuals; the estimate is
    two-way fixed effects on the kept rep-periods with CR1 errors clustered by rep
    (small-sample factor :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}`, K = 1 + periods,
    as pyfixest's default), and the interval uses t with G - 1 degrees of freedom.

    Returns
    -------
    DataFrame
        One row per draw: ``estimate, std_error, conf_low, conf_high, p_value``.
    """
    from scipy import stats

    conf_level = check_conf_level(conf_level)
    treated, kept, sizes = design.cells()
    reps = np.repeat(np.arange(len(sizes)), sizes.astype(int))
    d_rep, keep = treated[reps], kept[reps].astype(float)
    d_tilde = residualize(d_rep, keep)
    denominator = float((keep * d_tilde**2).sum())
    n_obs, g = float(keep.sum()), len(reps)
    factor = g / (g - 1) * (n_obs - 1) / (n_obs - design.periods - 1)
    crit = float(stats.t.ppf(0.5 + conf_level / 2, g - 1))
    rng = np.random.default_rng(seed)
    rows = []
    for start in range(0, n_resamples, batch):
        s = min(batch, n_resamples - start)
        y = _outcomes(rng, s, d_rep, effect, residual_sd, autocorrelation)
        beta = (keep * d_tilde * y).sum(axis=(1, 2)) / denominator
        resid = residualize(y, keep) - beta[:, None, None] * d_tilde
        scores = (keep * d_tilde * resid).sum(axis=2)
        se = np.sqrt(factor * (scores**2).sum(axis=1)) / denominator
        p = 2 * stats.t.sf(np.abs(beta / se), g - 1)
        rows.append(
            pd.DataFrame(
                {
                    "estimate": beta,
                    "std_error": se,
                    "conf_low": beta - crit * se,
                    "conf_high": beta + crit * se,
                    "p_value": p,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _outcomes(
    rng: np.random.Generator,
    draws: int,
    treated: np.ndarray,
    effect: float,
    residual_sd: float,
    autocorrelation: float,
) -> np.ndarray:
    """``draws`` panels (draws x reps x periods): rep levels, a trend, AR(1) noise, the effect."""
    g, periods = treated.shape
    noise = np.empty((draws, g, periods))
    noise[..., 0] = rng.standard_normal((draws, g))
    scale = math.sqrt(1 - autocorrelation**2)
    for t in range(1, periods):
        noise[..., t] = autocorrelation * noise[..., t - 1] + scale * rng.standard_normal(
            (draws, g)
        )
    levels = rng.normal(0, residual_sd, (draws, g, 1))
    trend = np.linspace(0, residual_sd, periods)
    return levels + trend + residual_sd * noise + effect * treated


def draw_panel(
    design: RolloutDesign,
    *,
    effect: float,
    residual_sd: float,
    autocorrelation: float = 0.0,
    seed: int = 2024,
) -> pd.DataFrame:
    """One simulated panel of the design, long: the first draw of :func:`simulate_rollout` with ``seed``.

    Columns ``rep_id, period, outcome, trained`` (1 from ``effect_from`` after the
    start), ``training_start`` (period index, missing if never) and ``kept`` (False in
    the ramp-up periods the planned estimate leaves out).
    """
    treated, kept, sizes = design.cells()
    reps = np.repeat(np.arange(len(sizes)), sizes.astype(int))
    y = _outcomes(
        np.random.default_rng(seed), 1, treated[reps], effect, residual_sd, autocorrelation
    )
    g, periods = len(reps), design.periods
    starts = pd.array([design.groups[c][0] for c in reps], dtype="Int64")
    return pd.DataFrame(
        {
            "rep_id": np.repeat([f"rep-{i + 1:05d}" for i in range(g)], periods),
            "period": np.tile(np.arange(periods), g),
            "outcome": y[0].ravel(),
            "trained": treated[reps].ravel().astype(int),
            "training_start": np.repeat(starts, periods),
            "kept": kept[reps].ravel(),
        }
    )


def smallest_design(
    design: RolloutDesign,
    *,
    effect: float,
    residual_sd: float,
    autocorrelation: float = 0.0,
    conf_level: float = 0.95,
    power_target: float = 0.8,
    untrained_shares: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5, 0.6),
    extra_periods: tuple[int, ...] = (0, 3, 6, 12),
    max_reps: int = 100_000,
) -> pd.DataFrame:
    """Fewest reps that detect ``effect`` with ``power_target``, per untrained share and length.

    The planned timing is kept (cohort starts, ``effect_from``); the study runs
    ``extra_periods`` longer and leaves each share of reps untrained. The variance
    falls as 1/reps at fixed shares, which gives a first guess; the count is then
    raised until the exact power (cohort sizes rounded to whole reps) reaches the
    target.

    Returns
    -------
    DataFrame
        ``untrained_share, periods, reps, power, std_error, recommended`` (the fewest
        reps, then the fewest periods), sorted by reps.
    """
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + conf_level / 2) + stats.norm.ppf(power_target))
    rows = []
    for share in untrained_shares:
        for extra in extra_periods:
            base = design.resized(1000, untrained_share=share, periods=design.periods + extra)
            se0 = design_std_error(base, residual_sd=residual_sd, autocorrelation=autocorrelation)
            if not math.isfinite(se0) or effect <= 0:
                continue
            n = max(8, math.ceil(1000 * (se0 * z / effect) ** 2))
            while n <= max_reps:
                trial = design.resized(n, untrained_share=share, periods=design.periods + extra)
                figures = design_power(
                    trial,
                    effect=effect,
                    residual_sd=residual_sd,
                    autocorrelation=autocorrelation,
                    conf_level=conf_level,
                )
                if figures["power"] >= power_target:
                    rows.append(
                        {
                            "untrained_share": share,
                            "periods": trial.periods,
                            "reps": trial.n_reps,
                            "power": figures["power"],
                            "std_error": figures["std_error"],
                        }
                    )
                    break
                n = max(n + 1, math.ceil(n * 1.01))
    table = pd.DataFrame(
        rows, columns=["untrained_share", "periods", "reps", "power", "std_error"]
    ).sort_values(["reps", "periods", "untrained_share"], ignore_index=True)
    table["recommended"] = table.index == 0
    return table


def baseline_variance(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, treatment: str
) -> dict[str, float]:
    """Residual SD and lag-one autocorrelation of the outcome among untrained rep-periods.

    The untrained rows are put on a rep x period grid and freed of rep and period
    means (:func:`residualize`). Demeaning a short AR(1) series biases its
    autocorrelation down (Nickell 1981), so :math:`\\rho` is the value whose expected
    demeaned lag-one correlation, :math:`\\sum_i \\sum_t (MRM)_{t,t+1} / \\sum_i \\mathrm{tr}(MRM)`
    with :math:`M = I - 11'/T_i`, equals the observed one; then
    :math:`\\hat\\sigma^2 = \\sum e^2 / \\sum_i \\mathrm{tr}(M R(\\hat\\rho) M)`.

    Returns
    -------
    dict
        ``residual_sd, autocorrelation, reps, periods, n`` (untrained rep-periods used).
    """
    from scipy.optimize import brentq

    from analysis.inputs.periods import time_order

    rows = data.loc[(data[treatment] == 0) & data[outcome].notna(), [unit, time, outcome]]
    order = time_order(data[time])
    grid = rows.pivot_table(index=unit, columns=time, values=outcome, aggfunc="mean").reindex(
        columns=order
    )
    grid = grid[grid.notna().sum(axis=1) >= 2]
    values = grid.to_numpy(dtype=float)
    mask = ~np.isnan(values)
    resid = residualize(np.nan_to_num(values), mask.astype(float))
    pairs = mask[:, 1:] & mask[:, :-1]
    lag_products = float((resid[:, 1:] * resid[:, :-1] * pairs).sum())
    squares = float((resid**2).sum())
    lengths = np.unique(mask.sum(axis=1), return_counts=True)

    def moments(rho: float) -> tuple[float, float]:
        off, trace = 0.0, 0.0
        for length, count in zip(*lengths, strict=True):
            m = np.eye(int(length)) - 1.0 / int(length)
            mrm = m @ _ar1(int(length), rho) @ m
            off += count * float(np.trace(mrm, offset=1))
            trace += count * float(np.trace(mrm))
        return off, trace

    observed = lag_products / squares if squares > 0 else 0.0
    low, high = -0.5, 0.95

    def gap(rho: float) -> float:
        off, trace = moments(rho)
        return off / trace - observed

    if gap(low) >= 0:
        rho = low
    elif gap(high) <= 0:
        rho = high
    else:
        rho = float(brentq(gap, low, high, xtol=1e-6))
    n_obs = int(mask.sum())
    trace = moments(rho)[1] * max(n_obs - (values.shape[1] - 1), 1) / n_obs
    return {
        "residual_sd": math.sqrt(squares / trace) if trace > 0 else math.nan,
        "autocorrelation": rho,
        "reps": int(values.shape[0]),
        "periods": int(values.shape[1]),
        "n": n_obs,
    }


def holm(data: pd.DataFrame, *, p_value: str = "p_value") -> pd.Series:
    """Holm-adjusted p-values of the rows of ``data`` (statsmodels' ``multipletests``)."""
    from statsmodels.stats.multitest import multipletests

    p = data[p_value].to_numpy(dtype=float)
    out = np.full(len(p), np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return pd.Series(out, index=data.index, name="p_value_adjusted")
