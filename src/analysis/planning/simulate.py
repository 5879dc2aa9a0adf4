"""Simulated rollouts of a planned design, fitted with the planned estimator.

Each draw is a whole panel (rep levels, a period trend, AR(1) residuals and the
planted effect); the planned estimate (two-way fixed effects on the kept
rep-periods, CR1 errors by rep) is computed for all draws at once from the
linear form in :mod:`analysis.planning.design`. One draw, fitted by
:func:`analysis.effects.estimate` (pyfixest), gives the same estimate and standard
error (a test), so the simulation checks the analytic power of the design.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.core.options import SEED, SIMULATION_DRAWS, check_conf_level, renamed
from analysis.planning.design import RolloutDesign, residualize

__all__ = ["CELLS_PER_BATCH", "describe_draws", "draw_panel", "simulate_rollout", "summarise_draws"]

#: Rep-period cells simulated at once (about 40 MB per array): memory stays bounded for any design.
CELLS_PER_BATCH = 5_000_000


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


def simulate_rollout(
    design: RolloutDesign,
    *,
    effect: float,
    residual_sd: float,
    autocorrelation: float = 0.0,
    conf_level: float = 0.95,
    n_resamples: int = SIMULATION_DRAWS,
    seed: int = SEED,
    batch: int = 100,
) -> pd.DataFrame:
    r"""Draw whole panels of the design with ``effect`` planted and fit the planned estimate.

    Each draw has rep levels, a period trend and AR(1) residuals; the estimate is
    two-way fixed effects on the kept rep-periods with CR1 errors clustered by rep
    (small-sample factor :math:`\frac{G}{G-1}\frac{N-1}{N-K}`, K = 1 + periods,
    as pyfixest's default), and the interval uses t with G - 1 degrees of freedom.

    Parameters
    ----------
    design : RolloutDesign
        The rollout.
    effect : float
        The effect planted on trained rep-periods.
    residual_sd : float
        SD of the AR(1) residuals.
    autocorrelation : float, default 0.0
        Lag-one correlation of the residuals within a rep.
    conf_level : float, default 0.95
        Confidence level of the intervals.
    n_resamples : int, default 1000 (:data:`analysis.core.options.SIMULATION_DRAWS`)
        Panels drawn.
    seed : int, default 12345 (:data:`analysis.core.options.SEED`)
        Seed of the draws.
    batch : int, default 100
        Draws fitted at once (memory stays bounded by :data:`CELLS_PER_BATCH`).

    Returns
    -------
    DataFrame
        One row per draw: ``estimate, std_error, conf_low, conf_high, p_value``.

    References
    ----------
    Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. Journal of Human Resources 50, 317-372.
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
    batch = max(1, min(batch, CELLS_PER_BATCH // (g * design.periods)))  # bounded memory
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


def draw_panel(
    design: RolloutDesign,
    *,
    effect: float,
    residual_sd: float,
    autocorrelation: float = 0.0,
    seed: int = SEED,
) -> pd.DataFrame:
    """One simulated panel of the design, long: the first draw of :func:`simulate_rollout` with ``seed``.

    Columns ``rep_id, period, outcome, trained`` (1 from ``effect_from`` after the
    start), ``training_start`` (period index, missing if never) and ``kept`` (False in
    the ramp-up periods the planned estimate leaves out).

    Parameters
    ----------
    design : RolloutDesign
        The rollout.
    effect : float
        The effect planted on trained rep-periods.
    residual_sd : float
        SD of the AR(1) residuals.
    autocorrelation : float, default 0.0
        Lag-one correlation of the residuals within a rep.
    seed : int, default 12345 (:data:`analysis.core.options.SEED`)
        Seed of the draw.

    Returns
    -------
    DataFrame
        ``rep_id, period, outcome, trained, training_start, kept``, one row per rep-period.
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


@renamed(break_even_effect="break_even")
def summarise_draws(
    draws: pd.DataFrame, *, expected: float, break_even: float | None = None
) -> pd.DataFrame:
    """Return what a client should expect from the planned rollout, from :func:`simulate_rollout`.

    Parameters
    ----------
    draws : DataFrame
        The output of :func:`simulate_rollout`.
    expected : float
        The planted effect.
    break_even : float, optional
        The effect at which ROI is 0.

    Returns
    -------
    DataFrame
        ``term, estimate, unit``: the 5th, 50th and 95th percentiles of the estimate,
        the share of rollouts whose interval shows an effect, and (with
        ``break_even``) the share whose interval lies above break-even, i.e.
        that would show the programme paid.
    """
    q05, q50, q95 = draws["estimate"].quantile([0.05, 0.5, 0.95])
    rows = [
        ("planted effect", expected, "outcome"),
        ("5th percentile of the estimate", q05, "outcome"),
        ("median estimate", q50, "outcome"),
        ("95th percentile of the estimate", q95, "outcome"),
        (
            "rollouts whose interval shows an effect",
            float(
                (draws["conf_low"] > 0).mean() if expected >= 0 else (draws["conf_high"] < 0).mean()
            ),
            "share",
        ),
    ]
    if break_even is not None:
        rows.append(
            (
                "rollouts whose interval lies above break-even",
                float((draws["conf_low"] > break_even).mean()),
                "share",
            )
        )
    table = pd.DataFrame(rows, columns=["term", "estimate", "unit"])
    table["n"] = len(draws)
    return table


def describe_draws(table: pd.DataFrame) -> str:
    """One sentence on what share of planned rollouts would show the effect, and that it paid.

    Shares are of the simulated rollouts: none or all of them is said as such, never as a
    certainty ("0%", "100%") the simulation cannot give.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`summarise_draws`.

    Returns
    -------
    str
        The sentence.
    """
    from analysis.planning.design import number, percent

    values = table.set_index("term")["estimate"]
    n = int(table["n"].iloc[0])

    def share(value: float) -> str:
        if value == 0:
            return f"none of the {n:,} simulated rollouts"
        if value == 1:
            return f"all {n:,} simulated rollouts"
        return f"{percent(value)} of {n:,} simulated rollouts"

    text = (
        f"If training works as planned (an effect of {number(values.loc['planted effect'])}), "
        f"{share(values.loc['rollouts whose interval shows an effect'])} show an effect"
    )
    above = "rollouts whose interval lies above break-even"
    if above in values.index:
        text += f", and {share(values.loc[above])} show that the programme paid for itself"
    return text + "."
