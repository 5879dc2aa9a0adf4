"""Gardner's two-stage estimator on pyfixest's stages, with a variance that stays sparse.

This module is the one place that reaches into pyfixest's internals, and why:

- ``pyfixest.did2s`` (0.60.0, the current release) fits its first stage with feols'
  default ``fixef_rm="singleton"``. A rep observed untrained in a single period is then
  dropped from the first stage, its effect cannot be imputed, and the variance step
  fails on arrays of different lengths. The imputation estimator keeps such reps
  (Borusyak, Jaravel and Spiess 2024), so the first stage here keeps singletons,
  matching :func:`analysis.effects.imputation_att_point`. The test
  ``test_pyfixest_did2s_still_drops_single_period_reps`` fails once a pyfixest release
  fixes this.
- Its variance (``_did2s_vcov``) builds the first stage's rep and period indicators
  as a *dense* matrix (rows x (reps + periods)) and then selects each cluster's rows by
  comparing the whole cluster column, so memory and time grow with the square of the
  panel: 0.8 GB for 1,000 reps x 20 months, 4.5 GB for 3,000, and a dead kernel at
  10,000. :func:`two_stage_vcov` computes the same GMM variance with sparse indicators
  and per-cluster sums (tested equal to pyfixest's on small panels), linear in the rows.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["did2s_keeping_singletons", "two_stage_vcov"]

_LOCK = threading.Lock()  # the first stage's feols is swapped for the duration of one call


def did2s_keeping_singletons(
    frame: pd.DataFrame,
    *,
    second_stage: str,
    weights: str | None = None,
    controls: Sequence[str] = (),
) -> Any:
    r"""Fit Gardner's two stages on a frame with columns ``y, unit, t, treated``.

    Errors are clustered by the frame's ``cluster`` column (integer codes) where it has one, else by unit.
    ``controls`` are covariate columns of the first stage (Borusyak, Jaravel and Spiess
    2024: :math:`y_{it} = \alpha_i + \lambda_t + x_{it}'\beta` on untreated rows).

    The two stages are pyfixest's (``_did2s_estimate``, first stage keeping
    singletons); the clustered variance is :func:`two_stage_vcov`. Tested on
    Wooldridge's jtrain (19 firms are observed untrained once) against the point
    estimate of :func:`analysis.effects.imputation_att_point`, and against
    ``pyfixest.did2s``'s variance where that one runs.

    Parameters
    ----------
    frame : DataFrame
        Columns ``y, unit, t, treated`` (integer codes for unit and period), optionally
        ``cluster``, the weights column and the controls.
    second_stage : str
        The second stage's formula, e.g. ``"~ treated"`` or event-time indicators.
    weights : str, optional
        Column of positive weights of both stages.
    controls : sequence of str, default ()
        Covariate columns of the first stage.

    Returns
    -------
    pyfixest Feols
        The second stage's fit, with the two-stage clustered variance.

    References
    ----------
    Gardner, J. (2022). Two-stage differences in differences. arXiv:2207.05943.

    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs:
    robust and efficient estimation. Review of Economic Studies 91, 3253-3285.
    """
    # the module: pyfixest.did.did2s is also the name of a function
    stages: Any = importlib.import_module("pyfixest.did.did2s")
    library_feols = stages.feols

    def feols_keeping_singletons(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("fixef_rm", "none")
        return library_feols(*args, **kwargs)

    data = frame.copy()
    with _LOCK:
        stages.feols = feols_keeping_singletons
        try:
            fit, first_u, second_u = stages._did2s_estimate(
                data=data,
                yname="y",
                _first_stage=f"~{'+'.join(controls) or '0'}|unit+t",
                _second_stage=second_stage.replace(" ", ""),
                treatment="treated",
                weights=weights,
            )
        finally:
            stages.feols = library_feols
    clusters = data["cluster" if "cluster" in data else "unit"].to_numpy()
    second_x = np.asarray(fit._X, dtype=float)
    if weights is not None and fit._has_weights:  # pyfixest keeps X scaled by sqrt(w)
        second_x = second_x / np.sqrt(data[weights].to_numpy(float))[:, None]
    fit._vcov = two_stage_vcov(
        unit=data["unit"].to_numpy(),
        time=data["t"].to_numpy(),
        untreated=~data["treated"].astype(bool).to_numpy(),
        second_x=second_x,
        first_u=np.asarray(first_u, dtype=float),
        second_u=np.asarray(second_u, dtype=float),
        cluster=clusters,
        weights=None if weights is None else data[weights].to_numpy(float),
        controls=data[list(controls)].to_numpy(float) if controls else None,
    )
    fit._G = [int(pd.unique(clusters).size)]
    fit.get_inference()
    fit._vcov_type = "CRV1"
    fit._vcov_type_detail = "CRV1 (GMM)"
    fit._method = "did2s"
    return fit


def two_stage_vcov(
    *,
    unit: np.ndarray,
    time: np.ndarray,
    untreated: np.ndarray,
    second_x: np.ndarray,
    first_u: np.ndarray,
    second_u: np.ndarray,
    cluster: np.ndarray,
    weights: np.ndarray | None = None,
    controls: np.ndarray | None = None,
) -> np.ndarray:
    r"""Cluster-robust GMM variance of the second stage of Gardner's two-stage estimator.

    With :math:`X_1` the first stage's unit and period indicators, :math:`X_{10}` the
    same with the treated rows set to zero, :math:`X_2` the second stage's design and
    :math:`u_1, u_2` the two stages' residuals (all scaled by :math:`\sqrt{w}` with
    weights),

    .. math::
        V = B \Big(\sum_g W_g W_g^\top\Big) B,\quad
        W_g = X_{2g}^\top u_{2g} - \Gamma X_{10g}^\top u_{1g},\quad
        \Gamma = X_2^\top X_1 (X_{10}^\top X_{10})^{-1},\quad B = (X_2^\top X_2)^{-1}

    (Gardner 2022, section 3; Butts and Gardner 2022, the R package ``did2s``), with
    ``controls`` appended to :math:`X_1` as dense columns when the first stage has
    covariates; the
    formula of ``pyfixest.did2s``. Here :math:`X_1` is a sparse matrix, the sums over
    cluster *g* are one sparse product with the cluster indicators, and
    :math:`(X_{10}^\top X_{10})^{-1}` is applied by a sparse solve, so memory and time
    are linear in the number of rows.

    Parameters
    ----------
    unit, time : ndarray
        Integer codes of each row's unit and period.
    untreated : ndarray of bool
        The rows of the first stage.
    second_x : ndarray
        The second stage's design :math:`X_2`.
    first_u, second_u : ndarray
        The residuals of the first and the second stage.
    cluster : ndarray
        Integer codes of each row's cluster.
    weights : ndarray, optional
        Positive weights of both stages.
    controls : ndarray, optional
        Covariates of the first stage.

    Returns
    -------
    ndarray
        :math:`V`, the covariance of the second stage's coefficients.

    References
    ----------
    Gardner, J. (2022). Two-stage differences in differences. arXiv:2207.05943.
    Butts, K. and Gardner, J. (2022). did2s: Two-Stage Difference-in-Differences.
    The R Journal 14(3), 162-173.
    """
    from scipy import sparse
    from scipy.sparse.linalg import splu

    n = len(unit)
    root = np.ones(n) if weights is None else np.sqrt(weights)
    unit_codes, unit_levels = pd.factorize(unit, sort=True)
    time_codes, time_levels = pd.factorize(time, sort=True)
    n_units, n_times = len(unit_levels), len(time_levels)
    # all unit indicators and the period indicators but the first: full rank, as pyfixest
    keep = time_codes > 0
    rows = np.concatenate([np.arange(n), np.flatnonzero(keep)])
    columns = np.concatenate([unit_codes, n_units + time_codes[keep] - 1])
    values = root[rows]
    shape = (n, n_units + n_times - 1)
    first_x = sparse.csr_matrix((values, (rows, columns)), shape=shape)
    if controls is not None and controls.size:  # first-stage covariates: dense columns
        first_x = sparse.hstack([first_x, sparse.csr_matrix(controls * root[:, None])]).tocsr()
    first_x0 = sparse.diags(untreated.astype(float)) @ first_x
    second_xw = second_x * root[:, None]
    gram0 = (first_x0.T @ first_x0).tocsc()
    cross = np.asarray(first_x.T @ second_xw)  # (reps + periods) x k
    gamma = splu(gram0).solve(cross).T  # k x (reps + periods)
    cluster_codes, cluster_levels = pd.factorize(cluster)
    members = sparse.csr_matrix(
        (np.ones(n), (np.arange(n), cluster_codes)), shape=(n, len(cluster_levels))
    )
    second_sums = (second_xw * (second_u * root)[:, None]).T @ members  # k x G
    first_sums = first_x0.multiply((first_u * root)[:, None]).T @ members  # (reps + periods) x G
    scores = np.asarray(second_sums) - np.asarray(first_sums.T @ gamma.T).T  # k x G
    bread = np.linalg.inv(second_xw.T @ second_xw)
    meat = scores @ scores.T
    return bread @ meat @ bread
