"""The outcome's variation among untrained rep-periods: what the power of a plan rests on."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from analysis.core.results import FormerShape, TidyResult, figure_rows
from analysis.planning.design import _ar1, residualize

__all__ = ["BaselineVariance", "baseline_variance"]


@dataclass
class BaselineVariance(FormerShape, TidyResult):
    """The outcome's residual SD and lag-one autocorrelation among untrained rep-periods.

    Parameters
    ----------
    residual_sd : float
        SD of the outcome's residuals after rep and period means.
    autocorrelation : float
        Lag-one correlation of a rep's residuals (bias-corrected).
    reps, periods : int
        The rep x period grid the figures come from.
    n : int
        Untrained rep-periods used.

    Notes
    -----
    Reading it as the former dict (``result["residual_sd"]``) still works, with a
    FutureWarning.
    """

    residual_sd: float
    autocorrelation: float
    reps: int
    periods: int
    n: int

    former: ClassVar[tuple[str, ...]] = ("residual_sd", "autocorrelation", "reps", "periods", "n")
    former_kind: ClassVar[str] = "dict"

    def tidy(self) -> pd.DataFrame:
        """Return the residual SD and the autocorrelation as rows, with ``n``."""
        return figure_rows(
            {"residual_sd": self.residual_sd, "autocorrelation": self.autocorrelation},
            n=self.n,
            reps=self.reps,
            periods=self.periods,
        )

    def caption(self) -> str:
        """Say what the table shows."""
        return "Variation of the outcome among untrained rep-periods"


def baseline_variance(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, treatment: str
) -> BaselineVariance:
    r"""Residual SD and lag-one autocorrelation of the outcome among untrained rep-periods.

    The untrained rows are put on a rep x period grid and freed of rep and period
    means (:func:`residualize`). Demeaning a short AR(1) series biases its
    autocorrelation down (Nickell 1981), so :math:`\rho` is the value whose expected
    demeaned lag-one correlation, :math:`\sum_i \sum_t (MRM)_{t,t+1} / \sum_i \mathrm{tr}(MRM)`
    with :math:`M = I - 11'/T_i`, equals the observed one; then
    :math:`\hat\sigma^2 = \sum e^2 / \sum_i \mathrm{tr}(M R(\hat\rho) M)`.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel of a baseline (or of the study so far).
    outcome, unit, time : str
        Columns of the outcome, the rep and the period.
    treatment : str
        Column that is 1 on trained rep-periods; only the untrained ones are used.

    Returns
    -------
    BaselineVariance
        ``.residual_sd, .autocorrelation, .reps, .periods, .n`` (untrained rep-periods
        used).

    References
    ----------
    Nickell, S. (1981). Biases in dynamic models with fixed effects. Econometrica 49,
    1417-1426.
    """
    from scipy.optimize import brentq

    from analysis.contracts.periods import time_order

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
    return BaselineVariance(
        residual_sd=math.sqrt(squares / trace) if trace > 0 else math.nan,
        autocorrelation=rho,
        reps=int(values.shape[0]),
        periods=int(values.shape[1]),
        n=n_obs,
    )
