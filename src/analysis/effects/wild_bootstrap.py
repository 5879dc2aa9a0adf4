r"""Wild cluster bootstrap (restricted, WCR) p-values and intervals for few treated clusters.

With a handful of clusters holding trained rows, the cluster-robust t test rejects a
true null far too often, and its interval is too narrow (MacKinnon and Webb 2017).
The restricted wild cluster bootstrap keeps its level much better (Cameron, Gelbach
and Miller 2008; MacKinnon, Nielsen and Webb 2023). This module computes it for two
estimators of the package, both of them linear in the outcome:

- :func:`ols_wild_bootstrap`: one coefficient of least squares, possibly weighted, with
  unit, or unit and period, effects absorbed (:func:`analysis.effects.estimate`);
- :func:`imputation_wild_bootstrap`: the imputation ATT of Borusyak, Jaravel and Spiess
  (2024), Gardner's two-stage estimator (:func:`analysis.effects.staggered_att`).

Both reduce to the same algebra, :class:`_TestInversion`: the estimate is
:math:`\hat\beta = a^\top y` for a vector of weights :math:`a`, its residuals are a
linear map :math:`r = R(y)` of the outcome, and the cluster-robust variance is
:math:`\sum_h (a_h^\top r_h)^2`. Each bootstrap draw then costs a product with a
:math:`G \times G` matrix, or with a diagonal plus a low-rank matrix when the units are
nested in the clusters (Roodman et al. 2019), never a refit.

Why the interval inverts the test rather than taking percentiles of bootstrap t's: a
percentile-t interval has to come from the unrestricted bootstrap (WCU), since it centres
the draws at the estimate, and WCU over-rejects badly when few clusters are treated;
the restricted bootstrap (WCR) is the one whose level holds up (MacKinnon and Webb
2017; MacKinnon, Nielsen and Webb 2023, section 6). A WCR interval is the set of values
:math:`\beta_0` that its test does not reject, which is what Stata's ``boottest`` and R's
``fwildclusterboot`` report; as a bonus the interval and the p-value can never tell
different stories. It need not be symmetric, and with one or two treated clusters it can
be unbounded, which says honestly that the data cannot bound the effect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import product
from numbers import Integral
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.core.options import SEED, WILD_BOOTSTRAP_RESAMPLES

__all__ = [
    "WEBB_BELOW",
    "WEBB_POINTS",
    "Bootstrap",
    "Cross",
    "WildBootstrapResult",
    "WildWeights",
    "bootstrap_note",
    "check_resamples",
    "choose_weights",
    "imputation_wild_bootstrap",
    "ols_wild_bootstrap",
    "treated_clusters",
    "weight_blocks",
    "wild_weights",
]

WildWeights = Literal["rademacher", "webb"]
#: ``bootstrap=`` of the estimators: "auto" (only when few clusters hold treated rows),
#: "rademacher" or "webb" (always, with these weights), or "off" (never).
Bootstrap = Literal["auto", "rademacher", "webb", "off"]

#: With fewer clusters than this, "auto" draws Webb's six-point weights: Rademacher signs
#: give only :math:`2^{G-1}` distinct absolute t statistics (1,024 with 11 clusters).
WEBB_BELOW = 12

#: The six values of Webb's (2023) weights, each drawn with probability 1/6.
WEBB_POINTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])

#: Relative margin within which a bootstrap |t| counts as equal to the sample's: the draw of
#: all ones reproduces the sample (and all minus ones mirrors it), so under full enumeration
#: their |t| ties with the sample's up to rounding. Ties count as at least as extreme, as in a
#: randomization test, so the smallest enumerated p-value is 2 / 2^G, never 0.
_TIE = 1e-9


@dataclass(frozen=True)
class WildBootstrapResult:
    r"""The restricted wild cluster bootstrap of one coefficient.

    Attributes
    ----------
    term : str
    estimate : float
    p_value : float
        Share of bootstrap draws whose :math:`|t^*|` exceeds the sample's :math:`|t|`
        under :math:`H_0: \beta = 0`.
    conf_low, conf_high : float
        Every :math:`\beta_0` whose bootstrap p-value is at least ``1 - conf_level``;
        infinite when the data cannot bound the effect on that side.
    conf_level : float
    weights : {"rademacher", "webb"}
    draws : int
        Bootstrap draws used (:math:`2^G` when every sign vector was enumerated).
    enumerated : bool
        True when all :math:`2^G` Rademacher sign vectors were used instead of random draws.
    clusters : int
    t_stat : float
        The sample's t statistic under :math:`\beta = 0`, with the CRV1 small-sample
        factor :math:`\frac{G}{G-1}` (which cancels in the p-value).
    boot_t : array
        The draws' t statistics under :math:`\beta = 0`, on the scale of ``t_stat``.
    """

    term: str
    estimate: float
    p_value: float
    conf_low: float
    conf_high: float
    conf_level: float
    weights: str
    draws: int
    enumerated: bool
    clusters: int
    t_stat: float
    boot_t: np.ndarray = field(repr=False, compare=False)

    def draws_text(self) -> str:
        """How the draws were made, e.g. ``"Webb six-point weights, 9,999 draws"``."""
        if self.enumerated:
            return (
                f"Rademacher weights, all {self.draws:,} sign vectors of the "
                f"{self.clusters} clusters (full enumeration)"
            )
        label = "Webb six-point" if self.weights == "webb" else "Rademacher"
        return f"{label} weights, {self.draws:,} draws"


def weight_blocks(
    n_clusters: int, *, weights: WildWeights, n_resamples: int, seed: int
) -> tuple[Iterator[np.ndarray], bool]:
    r"""Return the bootstrap weights in blocks of draws, and whether they enumerate every vector.

    A block has one row per draw and one column per cluster; :func:`wild_weights` stacks
    the blocks.

    Rademacher weights are :math:`\pm 1` with probability 1/2. When :math:`2^G` is at
    most ``n_resamples``, every sign vector is used once instead (full enumeration, in
    the order of ``itertools.product``, as the ``wildboottest`` package), so the result
    does not depend on the seed. Webb's weights take the six values
    :math:`\pm\sqrt{1/2}, \pm 1, \pm\sqrt{3/2}` with probability 1/6 each: mean 0,
    variance 1, and :math:`6^G` distinct vectors (Webb 2023). Random draws come in blocks
    of at most about four million weights, so thousands of clusters never need the whole
    ``n_resamples`` x G matrix at once.

    Parameters
    ----------
    n_clusters : int
        :math:`G`.
    weights : {"rademacher", "webb"}
        The kind of weights.
    n_resamples : int
        Draws wanted (fewer when every Rademacher vector is enumerated).
    seed : int
        Seed of the random draws.

    Returns
    -------
    (iterator of ndarray, bool)
        The blocks, and whether they are a full enumeration.

    References
    ----------
    Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors.
    Canadian Journal of Economics 56, 839-858.
    """
    if weights == "rademacher" and 2**n_clusters <= n_resamples:
        signs = np.array(list(product((-1.0, 1.0), repeat=n_clusters)))
        return iter([signs]), True
    points = np.array([-1.0, 1.0]) if weights == "rademacher" else WEBB_POINTS
    rows = max(1, min(n_resamples, 2**22 // max(n_clusters, 1)))

    def blocks() -> Iterator[np.ndarray]:
        rng = np.random.default_rng(seed)
        for first in range(0, n_resamples, rows):
            yield rng.choice(points, size=(min(rows, n_resamples - first), n_clusters))

    return blocks(), False


def wild_weights(
    n_clusters: int, *, weights: WildWeights, n_resamples: int, seed: int
) -> tuple[np.ndarray, bool]:
    """All the bootstrap weights of :func:`weight_blocks` as one matrix; (weights, enumerated).

    Parameters
    ----------
    n_clusters : int
        :math:`G`.
    weights : {"rademacher", "webb"}
        The kind of weights.
    n_resamples : int
        Draws wanted.
    seed : int
        Seed of the random draws.

    Returns
    -------
    (ndarray, bool)
        The weights (one row per draw, one column per cluster), and whether they are a
        full enumeration.
    """
    blocks, enumerated = weight_blocks(
        n_clusters, weights=weights, n_resamples=n_resamples, seed=seed
    )
    return np.vstack(list(blocks)), enumerated


def choose_weights(n_clusters: int, bootstrap: Bootstrap) -> WildWeights:
    """Return the weights of a ``bootstrap`` option: Webb's below :data:`WEBB_BELOW` clusters under "auto".

    Parameters
    ----------
    n_clusters : int
        The number of clusters.
    bootstrap : {"auto", "rademacher", "webb"}
        The option given.

    Returns
    -------
    {"rademacher", "webb"}
        The weights to draw.

    References
    ----------
    Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors.
    Canadian Journal of Economics 56, 839-858.
    """
    if bootstrap in ("rademacher", "webb"):
        return bootstrap
    return "webb" if n_clusters < WEBB_BELOW else "rademacher"


# --------------------------------------------------------------------------- the algebra


#: How a residual map acts on clusters: (d, L, R) with K = diag(d) + L R^T (R None: K = L).
Cross = tuple[np.ndarray, np.ndarray, np.ndarray | None]


class _TestInversion:
    r"""Bootstrap t statistics of :math:`H_0: \beta = \beta_0` for every :math:`\beta_0` at once.

    Inputs are the estimate :math:`\hat\beta = a^\top y`, the unrestricted residuals
    :math:`\hat r`, the restricted residuals :math:`\tilde u(\beta_0) = \tilde u_0 +
    \beta_0 \tilde u_1` (the fit with :math:`\beta = \beta_0` imposed), how the
    estimator's residual map :math:`R` (linear, and zero on any outcome that the restricted
    model fits exactly) acts on each cluster's restricted residuals (``cross``), and the
    draws :math:`v`, in blocks of rows.

    A draw's outcome is :math:`y^* = \tilde y(\beta_0) + v_g \tilde u_g(\beta_0)` in
    cluster :math:`g`, where :math:`\tilde y` is the restricted fit, so

    .. math::
        \hat\beta^* - \beta_0 = \sum_g v_g c_g,\quad c_g = a_g^\top \tilde u_g,\qquad
        s^*_h = a_h^\top R(y^*)_h = \sum_g v_g K_{gh},\quad
        K_{gh} = a_h^\top R(\tilde u_{[g]})_h,

    with :math:`\tilde u_{[g]}` the restricted residuals of cluster *g* and zeros elsewhere,
    and :math:`t^* = (\hat\beta^* - \beta_0) / \sqrt{\sum_h s_h^{*2}}`. Both :math:`c`
    and :math:`K` are linear in :math:`\beta_0`, so each draw keeps five numbers and the
    p-value at any :math:`\beta_0` costs one pass over the draws. :math:`K` comes either
    whole (few clusters) or as a diagonal plus a low-rank part,
    :math:`K = \operatorname{diag}(d) + L R^\top`, when the units are nested in the
    clusters (Roodman et al. 2019, section 5), so that thousands of clusters cost
    :math:`O(BGr)` and never :math:`O(BG^2)`. The CRV1 factor
    :math:`\frac{G}{G-1}\frac{N-1}{N-k}` scales the sample's and every draw's t alike and
    is left out.
    """

    def __init__(
        self,
        *,
        estimate: float,
        a: np.ndarray,
        residuals: np.ndarray,
        restricted0: np.ndarray,
        restricted1: np.ndarray,
        cross: Callable[[np.ndarray], Cross],
        members: sparse.csc_matrix,
        draws: Iterator[np.ndarray],
    ) -> None:
        self.estimate = float(estimate)
        self.clusters = members.shape[1]
        scores = members.T @ (a * residuals)
        self.scale = float(np.sqrt(scores @ scores))  # the unadjusted cluster-robust s.e.
        c0 = members.T @ (a * restricted0)
        c1 = members.T @ (a * restricted1)
        k0, k1 = cross(restricted0), cross(restricted1)
        parts: dict[str, list[np.ndarray]] = {k: [] for k in ("n0", "n1", "d00", "d01", "d11")}
        for block in draws:
            s0, s1 = _scores(block, k0), _scores(block, k1)
            parts["n0"].append(block @ c0)
            parts["n1"].append(block @ c1)
            parts["d00"].append(np.einsum("bg,bg->b", s0, s0))
            parts["d01"].append(np.einsum("bg,bg->b", s0, s1))
            parts["d11"].append(np.einsum("bg,bg->b", s1, s1))
        self.num0, self.num1, self.d00, self.d01, self.d11 = (
            np.concatenate(parts[k]) for k in ("n0", "n1", "d00", "d01", "d11")
        )

    def t_stat(self, null: float) -> float:
        return (self.estimate - null) / self.scale

    def boot_t(self, null: float) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = self.d00 + 2 * null * self.d01 + null * null * self.d11
            return (self.num0 + null * self.num1) / np.sqrt(np.maximum(variance, 0.0))

    def p_value(self, null: float) -> float:
        r"""Return the share of draws with :math:`|t^*(\beta_0)| \ge |t(\beta_0)|`.

        Ties within rounding are included.
        """
        sample = abs(self.t_stat(null))
        boot = np.abs(self.boot_t(null))
        return float(np.mean(boot >= sample * (1 - _TIE)))

    def interval(self, conf_level: float) -> tuple[float, float]:
        r"""Return the set :math:`\{\beta_0: p(\beta_0) \ge 1 - \text{conf\_level}\}`, end by end."""
        alpha = 1 - conf_level
        return self._end(alpha, -1.0), self._end(alpha, 1.0)

    def _end(self, alpha: float, side: float) -> float:
        """Find where the p-value crosses the level, on one side of the estimate.

        Walk out from the estimate on a grid of quarter standard errors (then doubling
        steps) to the first rejected value, then bisect to the crossing.
        """
        step = self.scale if self.scale > 0 else max(abs(self.estimate), 1.0)
        inside, outside = self.estimate, None
        for k in range(1, 201):
            distance = 0.25 * k * step if k <= 80 else 20 * step * 2.0 ** (k - 80)
            candidate = self.estimate + side * distance
            if self.p_value(candidate) < alpha:
                outside = candidate
                break
            inside = candidate
        if outside is None:
            return side * np.inf
        tolerance = 1e-10 * max(step, abs(self.estimate))
        for _ in range(200):
            middle = 0.5 * (inside + outside)
            if self.p_value(middle) < alpha:
                outside = middle
            else:
                inside = middle
            if abs(outside - inside) <= tolerance:
                break
        return 0.5 * (inside + outside)

    def result(
        self, term: str, conf_level: float, weights: str, enumerated: bool
    ) -> WildBootstrapResult:
        low, high = self.interval(conf_level)
        factor = np.sqrt(self.clusters / (self.clusters - 1))
        return WildBootstrapResult(
            term=term,
            estimate=self.estimate,
            p_value=self.p_value(0.0),
            conf_low=float(low),
            conf_high=float(high),
            conf_level=conf_level,
            weights=weights,
            draws=len(self.num0),
            enumerated=enumerated,
            clusters=self.clusters,
            t_stat=float(self.t_stat(0.0) / factor),
            boot_t=self.boot_t(0.0) / factor,
        )


def _scores(block: np.ndarray, cross: Cross) -> np.ndarray:
    r"""Each draw's cluster scores :math:`s^*_h = \sum_g v_g K_{gh}` (one row per draw)."""
    diagonal, left, right = cross
    if right is None:
        return block @ left
    return block * diagonal + (block @ left) @ right.T


def _members(cluster: np.ndarray) -> sparse.csc_matrix:
    """Rows x clusters indicators, clusters in sorted order (the columns of the draws)."""
    codes, levels = pd.factorize(np.asarray(cluster), sort=True)
    n = len(codes)
    return sparse.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, len(levels))).tocsc()


def _dense_cross(
    members: sparse.csc_matrix,
    a: np.ndarray,
    residual_map: Callable[[np.ndarray], np.ndarray],
    block: int = 64,
) -> Callable[[np.ndarray], Cross]:
    """Return the whole :math:`K` from the residual map applied to each cluster's residuals.

    Clusters are taken in turn (blocks of clusters at a time): for units not nested in the clusters, which are few.
    """

    def cross(restricted: np.ndarray) -> Cross:
        n_clusters = members.shape[1]
        columns = []
        for first in range(0, n_clusters, block):
            split = members[:, first : first + block].multiply(restricted[:, None]).toarray()
            columns.append(np.asarray(members.T @ (a[:, None] * residual_map(split))).T)
        return np.zeros(n_clusters), np.vstack(columns), None

    return cross


def _low_rank_cross(
    members: sparse.csc_matrix, a: np.ndarray, psi: np.ndarray, features: np.ndarray
) -> Callable[[np.ndarray], Cross]:
    r"""Return :math:`K` as a diagonal plus a low-rank part.

    This is for a residual map that acts on cluster-split residuals as :math:`R(\tilde u \circ v) = \tilde u \circ v -
    \Psi F^\top(\tilde u \circ v)` (units nested in the clusters):
    :math:`K_{gh} = \delta_{gh} a_h^\top \tilde u_h - (F_g^\top \tilde u_g)^\top
    (\Psi_h^\top a_h)`.
    """
    weighted = np.asarray(members.T @ (a[:, None] * psi))  # G x r

    def cross(restricted: np.ndarray) -> Cross:
        diagonal = members.T @ (a * restricted)
        left = -np.asarray(members.T @ (features * restricted[:, None]))  # G x r
        return diagonal, left, weighted

    return cross


def _nested(unit: np.ndarray | None, cluster: np.ndarray) -> bool:
    """Return True when every unit lies within one cluster (or there are no unit effects)."""
    if unit is None:
        return True
    pairs = pd.DataFrame({"unit": np.asarray(unit), "cluster": np.asarray(cluster)})
    return bool((pairs.groupby("unit")["cluster"].nunique() <= 1).all())


# --------------------------------------------------------------------------- fixed effects


class _FixedEffects:
    r"""Weighted least squares on unit (and period) indicators, fitted on a subset of rows.

    The normal equations :math:`\begin{pmatrix} D_a & C \\ C^\top & D_b \end{pmatrix}
    \binom{\alpha}{\lambda} = \binom{g_a}{g_b}` are solved exactly: the factor with more
    levels (diagonal block :math:`D_a`) is eliminated, and the other solves its Schur
    complement :math:`S = D_b - C^\top D_a^{-1} C` by a pseudo-inverse. The effects are
    determined only up to a shift between the two factors (one per connected part of the
    panel); the minimum-norm solution fixes it, and fitted values do not depend on it.
    """

    def __init__(
        self, first: np.ndarray, second: np.ndarray | None, weights: np.ndarray, rows: np.ndarray
    ) -> None:
        self.codes = [pd.factorize(first)[0]]
        if second is not None:
            self.codes.append(pd.factorize(second)[0])
        sizes = [int(c.max()) + 1 for c in self.codes]
        self.swapped = len(sizes) == 2 and sizes[1] > sizes[0]
        if self.swapped:
            self.codes.reverse()  # eliminate the larger factor
            sizes.reverse()
        self.sizes = sizes
        self.groups = [
            sparse.csr_matrix((np.ones(len(c)), (c, np.arange(len(c)))), shape=(size, len(c)))
            for c, size in zip(self.codes, sizes, strict=True)
        ]
        self.rows = np.asarray(rows, bool)
        self.weights = np.asarray(weights, float)
        w = np.where(self.rows, self.weights, 0.0)
        per_a = np.bincount(self.codes[0], weights=w, minlength=sizes[0])
        self.inv_a = np.divide(1.0, per_a, out=np.zeros(sizes[0]), where=per_a > 0)
        if len(sizes) == 2:
            per_b = np.bincount(self.codes[1], weights=w, minlength=sizes[1])
            self.cross = sparse.csr_matrix((w, (self.codes[0], self.codes[1])), shape=tuple(sizes))
            schur = (
                np.diag(per_b) - (self.cross.T @ sparse.diags(self.inv_a) @ self.cross).toarray()
            )
            self.schur_inv = np.linalg.pinv(schur, rtol=1e-10, hermitian=True)

    def sums(self, values: np.ndarray) -> list[np.ndarray]:
        r""":math:`X_D^\top W v` over the fitted rows: weighted sums per level, per column."""
        w = np.where(self.rows, self.weights, 0.0)[:, None] * values
        return [np.asarray(groups @ w) for groups in self.groups]

    def totals(self, values: np.ndarray) -> list[np.ndarray]:
        r""":math:`X_D^\top v` over every row, unweighted: sums per level, per column."""
        return [np.asarray(groups @ values) for groups in self.groups]

    def ordered(self, first: np.ndarray, second: np.ndarray) -> list[np.ndarray]:
        """Per-level arrays of the two factors as given (unit, period) in the solver's order."""
        return [second, first] if self.swapped else [first, second]

    def solve(self, right: list[np.ndarray]) -> list[np.ndarray]:
        """Effects solving the normal equations for right-hand sides ``right`` (per level, per column)."""
        if len(self.codes) == 1:
            return [self.inv_a[:, None] * right[0]]
        second = self.schur_inv @ (right[1] - self.cross.T @ (self.inv_a[:, None] * right[0]))
        first = self.inv_a[:, None] * (right[0] - self.cross @ second)
        return [first, second]

    def predict(self, effects: list[np.ndarray]) -> np.ndarray:
        r""":math:`\alpha_i + \lambda_t` on every row."""
        return sum(e[codes] for e, codes in zip(effects, self.codes, strict=True))  # type: ignore[return-value]


class _FirstStage:
    r"""Unit and period effects plus covariates :math:`x`, by weighted least squares on ``rows``.

    The covariates are handled by block elimination on top of :class:`_FixedEffects`:
    :math:`(K - Q^\top F^{+} Q)\beta = g_x - Q^\top F^{+} g_F`, then
    :math:`\theta_F = F^{+}(g_F - Q\beta)`, with :math:`F` the effects' block,
    :math:`Q` its cross products with :math:`x` and :math:`K = x^\top W x`.
    """

    def __init__(
        self,
        unit: np.ndarray,
        time: np.ndarray | None,
        weights: np.ndarray,
        rows: np.ndarray,
        controls: np.ndarray | None = None,
    ) -> None:
        self.fe = _FixedEffects(unit, time, weights, rows)
        self.rows = np.asarray(rows, bool)
        self.weights = np.asarray(weights, float)
        self.x = None if controls is None or controls.size == 0 else np.asarray(controls, float)
        if self.x is not None:
            self.q = self.fe.sums(self.x)
            self.fq = self.fe.solve(self.q)
            xw = self.x * np.where(self.rows, self.weights, 0.0)[:, None]
            gram = self.x.T @ xw - sum(q.T @ f for q, f in zip(self.q, self.fq, strict=True))
            self.gram_inv = np.linalg.pinv(gram, rtol=1e-12, hermitian=True)

    def solve(
        self, right: list[np.ndarray], right_x: np.ndarray | None
    ) -> tuple[list[np.ndarray], np.ndarray | None]:
        effects = self.fe.solve(right)
        if self.x is None:
            return effects, None
        beta = self.gram_inv @ (
            right_x - sum(q.T @ e for q, e in zip(self.q, effects, strict=True))
        )
        effects = [e - f @ beta for e, f in zip(effects, self.fq, strict=True)]
        return effects, beta

    def predict(self, effects: list[np.ndarray], beta: np.ndarray | None) -> np.ndarray:
        fitted = self.fe.predict(effects)
        return fitted if beta is None else fitted + self.x @ beta

    def fit(self, values: np.ndarray) -> np.ndarray:
        """Fitted values on every row of the regression of ``values`` (n x m) on ``rows``."""
        right_x = None
        if self.x is not None:
            right_x = (self.x * np.where(self.rows, self.weights, 0.0)[:, None]).T @ values
        return self.predict(*self.solve(self.fe.sums(values), right_x))


# --------------------------------------------------------------------------- the estimators


def ols_wild_bootstrap(
    y: np.ndarray,
    x: np.ndarray,
    cluster: np.ndarray,
    *,
    columns: dict[str, int],
    unit: np.ndarray | None = None,
    time: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    bootstrap_weights: WildWeights | None = None,
    conf_level: float = 0.95,
    n_resamples: int = WILD_BOOTSTRAP_RESAMPLES,
    seed: int = SEED,
) -> dict[str, WildBootstrapResult]:
    r"""Restricted wild cluster bootstrap (WCR) of least-squares coefficients.

    Parameters
    ----------
    y : array (n,)
        Outcome.
    x : array (n, k)
        Regressors (with a column of ones for a cross-section; none when effects are absorbed).
    cluster : array (n,)
        Cluster labels.
    columns : dict
        Term label -> column of ``x`` to test, each in turn.
    unit, time : array (n,), optional
        Absorbed unit (and period) effects.
    weights : array (n,), optional
        Analytic weights: everything below is computed on :math:`\sqrt{w}`-scaled data.
    bootstrap_weights : {"rademacher", "webb"}, optional
        Default: Webb's below :data:`WEBB_BELOW` clusters, else Rademacher.
    conf_level : float
    n_resamples, seed : int
        Draws and the seed of their generator (Rademacher draws are enumerated when
        :math:`2^G \le` ``n_resamples``).

    Returns
    -------
    dict
        Term label -> :class:`WildBootstrapResult`.

    Notes
    -----
    With :math:`D` the absorbed indicators and :math:`M_D` the residual maker, the model is
    :math:`y = X\beta + D\alpha + u`; by Frisch-Waugh-Lovell the coefficient of column *j*
    is :math:`\hat\beta_j = a^\top \ddot y` with :math:`\ddot X = M_D X`,
    :math:`a = \ddot X(\ddot X^\top \ddot X)^{-1} e_j`. The null
    :math:`\beta_j = \beta_0` is imposed by regressing :math:`y - \beta_0 x_j` on the other
    columns and :math:`D`; its residuals :math:`\tilde u` are multiplied by one weight
    :math:`v_g` per cluster to give :math:`y^* = X\tilde\beta + D\tilde\alpha + v_g
    \tilde u_g`, and each draw's t uses the residuals of the full model,
    :math:`M_{[X, D]} y^*` (Cameron, Gelbach and Miller 2008, "wild cluster bootstrap-t with
    the null imposed"). The fixed effects stay in the bootstrap model: when they are not
    nested in the clusters (period effects with clusters of reps), the bootstrap residuals
    are swept of them again in every draw, as when the indicators are explicit regressors
    (pyfixest's ``Feols.wildboottest``). p-value: :math:`\frac{1}{B}\sum_b 1(|t^*_b| >
    |t|)`; interval: the values :math:`\beta_0` not rejected at level
    ``1 - conf_level``, by test inversion with the same draws for every :math:`\beta_0`
    (Roodman et al. 2019, section 3.5), so the interval and the p-value never disagree.

    References
    ----------
    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements for
    inference with clustered errors. Review of Economics and Statistics 90(3), 414-427.
    Roodman, D., MacKinnon, J. G., Nielsen, M. O. and Webb, M. D. (2019). Fast and wild:
    bootstrap inference in Stata using boottest. Stata Journal 19(1), 4-60.
    Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors.
    Canadian Journal of Economics 56(3), 839-858.
    MacKinnon, J. G., Nielsen, M. O. and Webb, M. D. (2023). Cluster-robust inference: a
    guide to empirical practice. Journal of Econometrics 232(2), 272-299.
    """
    y = np.asarray(y, float)
    x = np.asarray(x, float)
    n = len(y)
    root = np.ones(n) if weights is None else np.sqrt(np.asarray(weights, float))
    members = _members(cluster)
    sweep = _sweeper(unit, time, root)
    swept = sweep(np.column_stack([y, x]) * root[:, None])
    y_dd, x_dd = swept[:, 0], swept[:, 1:]
    gram_inv = np.linalg.pinv(x_dd.T @ x_dd, hermitian=True)
    beta = gram_inv @ (x_dd.T @ y_dd)
    residuals = y_dd - x_dd @ beta

    def residual_map(values: np.ndarray) -> np.ndarray:
        values = sweep(values)
        return values - x_dd @ (gram_inv @ (x_dd.T @ values))

    kind = bootstrap_weights or choose_weights(members.shape[1], "auto")
    out = {}
    for term, j in columns.items():
        others = np.delete(x_dd, j, axis=1)
        others_inv = np.linalg.pinv(others.T @ others, hermitian=True)

        def restrict(
            v: np.ndarray, others: np.ndarray = others, others_inv: np.ndarray = others_inv
        ) -> np.ndarray:
            """Residuals of the regression on every column but j (the null imposed)."""
            return v - others @ (others_inv @ (others.T @ v))

        a = x_dd @ gram_inv[:, j]
        draws, enumerated = weight_blocks(
            members.shape[1], weights=kind, n_resamples=n_resamples, seed=seed
        )
        inversion = _TestInversion(
            estimate=float(beta[j]),
            a=a,
            residuals=residuals,
            restricted0=restrict(y_dd),
            restricted1=-restrict(x_dd[:, j]),
            cross=_cross_for(
                a,
                x=x,
                unit=unit,
                time=time,
                cluster=cluster,
                root=root,
                members=members,
                residual_map=residual_map,
            ),
            members=members,
            draws=draws,
        )
        out[term] = inversion.result(term, conf_level, kind, enumerated)
    return out


def _sweeper(
    first: np.ndarray | None, second: np.ndarray | None, root: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    r"""Return :math:`M_D` for :math:`\sqrt{w}`-scaled columns, D the indicators of ``first`` (and ``second``).

    Parameters
    ----------
    first, second : array (n,), optional
        The absorbed effects (unit, and period); the identity when ``first`` is None.
    root : array (n,)
        The square roots of the analytic weights.

    Returns
    -------
    callable
        ``sweep(values)``: the residuals of the weighted regression of each column of
        ``values`` (n x m) on the indicators.
    """
    if first is None:
        return lambda values: values
    fe = _FixedEffects(first, second, root**2, np.ones(len(root), bool))
    return lambda values: (
        values - root[:, None] * fe.predict(fe.solve(fe.sums(values / root[:, None])))
    )


def _cross_for(
    a: np.ndarray,
    *,
    x: np.ndarray,
    unit: np.ndarray | None,
    time: np.ndarray | None,
    cluster: np.ndarray,
    root: np.ndarray,
    members: sparse.csc_matrix,
    residual_map: Callable[[np.ndarray], np.ndarray],
) -> Callable[[np.ndarray], Cross]:
    """Return the per-draw cross products of the bootstrap t, dense or low-rank.

    Parameters
    ----------
    a : array (n,)
        The coefficient's weights on the swept outcome.
    x : array (n, k)
        The regressors (unscaled).
    unit, time : array (n,), optional
        The absorbed effects.
    cluster : array (n,)
        Cluster labels.
    root : array (n,)
        The square roots of the analytic weights.
    members : sparse matrix
        Rows by clusters (:func:`_members`).
    residual_map : callable
        The residual maker of the full model.

    Returns
    -------
    callable
        :func:`_dense_cross`, or :func:`_low_rank_cross` when the units are nested in the
        clusters (sweeping the unit effects then leaves a cluster-split residual as it is,
        and the rest of the model is [x, period indicators] swept of unit effects).

    References
    ----------
    Roodman, D., MacKinnon, J. G., Nielsen, M. O. and Webb, M. D. (2019). Fast and wild:
    bootstrap inference in Stata using boottest. Stata Journal 19(1), 4-60.
    """
    if not _nested(unit, cluster):
        return _dense_cross(members, a, residual_map)
    design = x
    if time is not None:
        periods = pd.get_dummies(pd.factorize(time)[0]).to_numpy(float)[:, 1:]
        design = np.column_stack([x, periods])
    checked = _sweeper(unit, None, root)(design * root[:, None])
    psi = checked @ np.linalg.pinv(checked.T @ checked, hermitian=True)
    return _low_rank_cross(members, a, psi, checked)


def imputation_wild_bootstrap(
    y: np.ndarray,
    unit: np.ndarray,
    time: np.ndarray,
    treated: np.ndarray,
    cluster: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    controls: np.ndarray | None = None,
    bootstrap_weights: WildWeights | None = None,
    conf_level: float = 0.95,
    n_resamples: int = WILD_BOOTSTRAP_RESAMPLES,
    seed: int = SEED,
    term: str = "ATT",
) -> WildBootstrapResult:
    r"""Restricted wild cluster bootstrap of the imputation ATT (both stages re-run per draw).

    Parameters
    ----------
    y, unit, time, treated, cluster : arrays (n,)
        One entry per rep-period; ``treated`` marks the trained rep-periods, every one of
        which has its rep and its period observed untrained (as the staggered frame keeps).
    weights : array (n,), optional
        Positive weights of both stages.
    controls : array (n, k), optional
        Covariates of the first stage.
    bootstrap_weights, conf_level, n_resamples, seed
        As in :func:`ols_wild_bootstrap`.
    term : str
        Label of the result.

    Returns
    -------
    WildBootstrapResult
        The estimate, the bootstrap p-value of :math:`\tau = 0` and the interval by test
        inversion.

    Notes
    -----
    The estimator: fit :math:`y_{it} = \alpha_i + \lambda_t + x_{it}^\top\gamma +
    \varepsilon_{it}` on the untrained rep-periods :math:`\Omega_0` (first stage), impute
    :math:`\hat y_{it}(0)` everywhere, and average :math:`y_{it} - \hat y_{it}(0)` over the
    trained ones :math:`\Omega_1` with weights :math:`w_{it}` (second stage; Borusyak,
    Jaravel and Spiess 2024; Gardner 2022). It is linear in :math:`y`: :math:`\hat\tau =
    a^\top y`, with :math:`a_{it} = w_{it}/\sum_{\Omega_1} w` on trained rows and
    :math:`a_{it} = -w_{it} z_{it}^\top (Z_0^\top W Z_0)^{-1} \sum_{\Omega_1} a_{js} z_{js}`
    on untrained ones (:math:`z` the first stage's regressors), the imputation weights of
    Borusyak, Jaravel and Spiess (2024, Theorem 1).

    The bootstrap imposes :math:`H_0: \tau = \tau_0` on the two-stage model. The first
    stage does not involve :math:`\tau`, so the restricted fit keeps its effects and its
    residuals :math:`\hat\varepsilon` on :math:`\Omega_0`; on :math:`\Omega_1` the
    restricted residuals are :math:`y_{it} - \hat y_{it}(0) - \tau_0`, which carry the
    spread of the rep-period effects around :math:`\tau_0`. A draw is
    :math:`y^*_{it} = \hat y_{it}(0) + \tau_0 D_{it} + v_g \tilde u_{it}`, with one weight
    :math:`v_g` per cluster; both stages are re-estimated on :math:`y^*` and its t uses the
    two-stage (GMM) cluster-robust variance of :func:`analysis.effects.did2s.two_stage_vcov`,
    :math:`\sum_h (a_h^\top r^*_h)^2` with :math:`r^*` the first-stage residuals on
    :math:`\Omega_0` and the second-stage ones on :math:`\Omega_1`. This is the wild
    cluster bootstrap of Cameron, Gelbach and Miller (2008) applied to the whole two-step
    procedure, as Roodman et al. (2019) do for other multi-step linear estimators; no
    published package offers it for this estimator, so it is checked against a loop that
    literally re-runs the two stages on every draw. The algebra is that of
    :func:`ols_wild_bootstrap`; the p-value and the interval (test inversion) likewise.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs: robust
    and efficient estimation. Review of Economic Studies 91(6), 3253-3285.
    Gardner, J. (2022). Two-stage differences in differences. arXiv:2207.05943.
    Cameron, Gelbach and Miller (2008); Roodman, MacKinnon, Nielsen and Webb (2019);
    Webb (2023); MacKinnon, Nielsen and Webb (2023): see :func:`ols_wild_bootstrap`.
    """
    y = np.asarray(y, float)
    treated = np.asarray(treated, bool)
    n = len(y)
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    stage = _FirstStage(unit, time, w, ~treated, controls)
    target = np.where(treated, w, 0.0) / w[treated].sum()

    def two_stage(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(imputed untreated outcome, ATT) for each column of ``values``."""
        imputed = stage.fit(values)
        return imputed, target @ (values - imputed)

    def residual_map(values: np.ndarray) -> np.ndarray:
        imputed, att = two_stage(values)
        return values - imputed - treated[:, None] * att[None, :]

    imputed, att = two_stage(y[:, None])
    imputed, estimate = imputed[:, 0], float(att[0])
    right = stage.fe.totals(target[:, None])  # the trained rows' regressors, weighted by target
    right_x = None if stage.x is None else stage.x.T @ target[:, None]
    a = target - np.where(treated, 0.0, w) * stage.predict(*stage.solve(right, right_x))[:, 0]
    gaps = y - imputed  # restricted residuals at tau_0 = 0 (first-stage residuals on Omega_0)
    members = _members(cluster)
    if _nested(unit, cluster):
        psi, features = _imputation_low_rank(stage, treated, target)
        cross = _low_rank_cross(members, a, psi, features)
    else:
        cross = _dense_cross(members, a, residual_map)
    kind = bootstrap_weights or choose_weights(members.shape[1], "auto")
    draws, enumerated = weight_blocks(
        members.shape[1], weights=kind, n_resamples=n_resamples, seed=seed
    )
    inversion = _TestInversion(
        estimate=estimate,
        a=a,
        residuals=gaps - treated * estimate,
        restricted0=gaps,
        restricted1=-treated.astype(float),
        cross=cross,
        members=members,
        draws=draws,
    )
    return inversion.result(term, conf_level, kind, enumerated)


def _imputation_low_rank(
    stage: _FirstStage, treated: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return :math:`(\Psi, F)` of the two-stage residual map on cluster-split residuals.

    The units are nested in the clusters.

    Such a residual vector has zero sums within each rep's untrained rows (first-stage
    residuals, times one weight per cluster), so the first stage sees it only through its
    period sums and covariate sums, :math:`F_1^\top w`; the imputed outcome is then
    :math:`\Psi_1 F_1^\top w`, and the ATT :math:`\tau^\top(w - \Psi_1 F_1^\top w)`.
    """
    fe = stage.fe
    rows_weight = np.where(stage.rows, stage.weights, 0.0)
    n = len(treated)
    unit_level = fe.sizes[1] if fe.swapped else fe.sizes[0]
    parts_f, parts_psi = [], []
    if len(fe.codes) == 2:
        time_codes = fe.codes[0] if fe.swapped else fe.codes[1]
        n_times = fe.sizes[0] if fe.swapped else fe.sizes[1]
        indicator = sparse.csr_matrix(
            (np.ones(n), (np.arange(n), time_codes)), shape=(n, n_times)
        ).toarray()
        parts_f.append(indicator * rows_weight[:, None])
        right = fe.ordered(np.zeros((unit_level, n_times)), np.eye(n_times))
        zeros_x = None if stage.x is None else np.zeros((stage.x.shape[1], n_times))
        parts_psi.append(stage.predict(*stage.solve(right, zeros_x)))
    if stage.x is not None:
        k = stage.x.shape[1]
        parts_f.append(stage.x * rows_weight[:, None])
        right = [np.zeros((size, k)) for size in fe.sizes]
        parts_psi.append(stage.predict(*stage.solve(right, np.eye(k))))
    first_psi = np.column_stack(parts_psi) if parts_psi else np.zeros((n, 0))
    first_f = np.column_stack(parts_f) if parts_f else np.zeros((n, 0))
    psi = np.column_stack([first_psi - np.outer(treated, target @ first_psi), treated * 1.0])
    return psi, np.column_stack([first_f, target])


def bootstrap_note(results: list[WildBootstrapResult], column: str, treated_clusters: int) -> str:
    """Return the note under a table whose intervals come from the wild cluster bootstrap.

    Parameters
    ----------
    results : list of WildBootstrapResult
        The bootstrap results of the table's terms.
    column : str
        The cluster column, named in the note.
    treated_clusters : int
        How many clusters hold treated rows.

    Returns
    -------
    str
        The note.
    """
    first = results[0]
    terms = ", ".join(repr(r.term) for r in results)
    text = (
        f"the p-value and {first.conf_level:.0%} interval of {terms} come from a wild cluster "
        f"bootstrap with the null imposed (WCR; {first.draws_text()}, {first.clusters} clusters "
        f"of {column!r}, {treated_clusters} of them with trained rows), the interval by "
        "inverting the bootstrap test, because with so few treated clusters the cluster-robust "
        "t interval is too narrow (MacKinnon and Webb 2017; MacKinnon, Nielsen and Webb 2023); "
        "std_error is still the cluster-robust one."
    )
    unbounded = [r.term for r in results if not np.isfinite([r.conf_low, r.conf_high]).all()]
    if unbounded:
        text += (
            f" The interval of {', '.join(map(repr, unbounded))} is unbounded: the data of so few "
            "treated clusters cannot rule out effects of any size on that side."
        )
    return text


def check_resamples(n_resamples: int) -> int:
    """Check the number of bootstrap draws (a whole number of at least 99).

    Parameters
    ----------
    n_resamples : int
        The number of draws asked for.

    Returns
    -------
    int
        ``n_resamples``.

    Raises
    ------
    ValueError
        When it is not a whole number of at least 99.
    """
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, Integral) or n_resamples < 99:
        raise ValueError(
            f"n_resamples={n_resamples!r} must be a whole number of at least 99; 9999 keeps the "
            "Monte Carlo error of a p-value near 0.05 at about 0.002."
        )
    return int(n_resamples)


def treated_clusters(treated: np.ndarray, cluster: np.ndarray) -> int:
    """How many clusters hold at least one treated (non-zero) row.

    Parameters
    ----------
    treated : ndarray
        The treatment of each row (non-zero = treated; NaN counts as untreated).
    cluster : ndarray
        Each row's cluster.

    Returns
    -------
    int
        How many clusters hold at least one treated row.
    """
    treated = np.asarray(treated, float)
    return int(pd.unique(np.asarray(cluster)[np.nan_to_num(treated) != 0]).size)
