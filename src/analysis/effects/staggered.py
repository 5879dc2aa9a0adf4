"""Staggered rollouts: event studies, the imputation ATT, and the checks they need.

Reps start training in different periods. Two-way fixed effects can then mix
already-trained reps into the comparison (Goodman-Bacon 2021); the event study
shows effects by periods since training, and the imputation estimator (Gardner
2022; Borusyak, Jaravel and Spiess 2024) compares trained rep-periods only with
untrained ones.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from analysis.contracts.columns import check_numeric, check_weights, missing_values_note, rows_text
from analysis.contracts.periods import period_index, time_order
from analysis.core.options import SEED, WILD_BOOTSTRAP_RESAMPLES, check_conf_level, check_option
from analysis.core.results import TidyResult
from analysis.effects.did2s import did2s_keeping_singletons
from analysis.effects.estimate import MIN_CLUSTERS, EffectDataError
from analysis.effects.panel import check_panel, index_as_columns
from analysis.effects.tidy import (
    MIN_TREATED_CLUSTERS,
    captured_notes,
    clusters_note,
    emit,
    selector,
    tidy_fit,
    wald_f,
)
from analysis.effects.wild_bootstrap import (
    Bootstrap,
    WildBootstrapResult,
    bootstrap_note,
    check_resamples,
    imputation_wild_bootstrap,
    treated_clusters,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "EventStudyResult",
    "check_absorbing",
    "event_study",
    "first_treated_index",
    "imputation_att_arrays",
    "imputation_att_point",
    "staggered_att",
]


def first_treated_index(
    data: pd.DataFrame,
    *,
    unit: str,  # noqa: ARG001 (unused; callers in studies/ and roi pass it: drop it with them)
    time: str,
    start: str,
) -> pd.Series:
    """Period index (0, 1, ...) at which each row's unit starts treatment; missing if never.

    ``start`` holds the unit's first training period in the same labels as ``time``
    (missing = never trained). A start that is not one of the panel's periods is an error.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    unit : str
        Column of the unit (unused; kept for the callers).
    time, start : str
        Columns of the period and of the unit's first treated period.

    Returns
    -------
    Series
        The period index of each row's start, missing when the unit is never treated.

    Raises
    ------
    EffectDataError
        When a start is not one of the panel's periods.
    """
    order = time_order(data[time], error=EffectDataError)
    starts = data[start]
    unknown = starts.notna() & ~starts.isin(order)
    if unknown.any():
        odd = [str(v) for v in starts[unknown].unique()[:3]]
        never = (
            " A start of 0 or inf meaning never trained (R's did, Stata's csdid) is written "
            "as a missing value here: set those starts to NaN."
            if set(odd) & {"0", "0.0", "inf"}
            else ""
        )
        raise EffectDataError(
            f"{start!r} has period(s) {odd} that are not in {time!r} (rows {rows_text(unknown)}); "
            f"use the same period labels, e.g. {str(order[0])!r}.{never}"
        )
    return pd.Series(order.get_indexer(pd.Index(starts)), index=data.index, dtype="int64").where(
        starts.notna()
    )


def check_absorbing(
    data: pd.DataFrame, *, treatment: str, unit: str, time: str, start: str
) -> None:
    """Check that ``treatment`` is 0 before each unit's ``start`` and 1 from it on.

    The event study and the staggered estimators assume training, once started, stays
    on for the rest of the panel; a treatment column that switches off again (or is on
    before the recorded start) contradicts that.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    treatment, unit, time, start : str
        Columns of the treatment, the unit, the period and the unit's first treated period.

    Raises
    ------
    EffectDataError
        Naming the units and rows that disagree.
    """
    g = first_treated_index(data, unit=unit, time=time, start=start)
    t = period_index(data[time], error=EffectDataError)
    implied = ((t >= g) & g.notna()).astype(float)
    actual = check_numeric(data, treatment, "treatment")
    bad = actual.notna() & (actual != implied)
    if bad.any():
        units = data.loc[bad, unit].astype(str).unique()[:3].tolist()
        raise EffectDataError(
            f"treatment {treatment!r} disagrees with {start!r} on rows {rows_text(bad)} "
            f"(units {units}): it switches off "
            f"after training started, or is on before it. The event study and staggered estimators assume training, "
            f"once started, stays on; fix {treatment!r} or {start!r}, or use estimate() for a treatment that switches."
        )


def _staggered_frame(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    start: str,
    window: tuple[int, int],
    weights: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] | None = None,
    notes: list[str] | None = None,
    segment: str | None = None,
) -> pd.DataFrame:
    """Return the checked rep-period frame of the staggered estimators.

    Its columns are ``y, unit, time, t, g, treated, rel`` (plus ``w``, ``cluster``,
    covariates ``x0, x1, ...`` and ``segment``, the column ``segment`` as it is, when given).

    Rows missing the outcome or a covariate are left out, with a note in ``notes``.
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or ())
    data = index_as_columns(data, unit, time, cluster)
    _check_frame_columns(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        start=start,
        weights=weights,
        cluster=cluster,
        segment=segment,
        covariates=covariates,
    )
    frame = pd.DataFrame(
        {"y": check_numeric(data, outcome, "outcome"), "unit": data[unit], "time": data[time]}
    )
    if frame["unit"].isna().any():
        raise EffectDataError(
            f"unit {unit!r} is missing on rows {rows_text(frame['unit'].isna())}."
        )
    if weights:
        frame["w"] = check_weights(data, weights)
    if segment is not None:
        frame["segment"] = data[segment]
    roles = [outcome, unit, time, start, *covariates]
    repeated = sorted({c for c in covariates if roles.count(c) > 1})
    if repeated:
        raise EffectDataError(
            f"covariate(s) {repeated} are also the outcome, unit, time or start, or named twice; "
            "name each column in one role.",
            column=repeated[0],
        )
    for i, column in enumerate(covariates):
        frame[f"x{i}"] = check_numeric(data, column, "covariate", error=EffectDataError)
    if cluster is not None and cluster != unit:
        if data[cluster].isna().any():
            raise EffectDataError(
                f"cluster {cluster!r} is missing on rows {rows_text(data[cluster].isna())}.",
                column=cluster,
            )
        frame["cluster"] = pd.factorize(data[cluster])[0]
    frame["unit"] = pd.factorize(frame["unit"])[0]  # plain integer codes for pyfixest
    _add_timing(frame, data, unit=unit, time=time, start=start, window=window)
    frame = _complete_rows(frame, outcome, covariates, notes)
    kept = _comparable(frame, time_labels=data[time], unit_labels=data[unit])
    return kept.reset_index(drop=True)  # pyfixest's did2s aligns its stages by position


def _check_frame_columns(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    start: str,
    weights: str | None,
    cluster: str | None,
    segment: str | None,
    covariates: list[str],
) -> None:
    """Refuse weights that share a column with another role, and columns that are missing.

    Parameters
    ----------
    data : DataFrame
        The panel, index levels as columns.
    outcome, unit, time, start, weights, cluster, segment, covariates
        As :func:`_staggered_frame` takes them.

    Raises
    ------
    EffectDataError
        Naming the column and what to do.
    """
    if weights is not None and weights in (outcome, unit, time, start):
        raise EffectDataError(
            f"weights={weights!r} is also the {'outcome' if weights == outcome else 'unit, time or start'} "
            "column; weights need a column of their own (e.g. a headcount or a sampling weight).",
            column=weights,
        )
    missing = [
        c
        for c in (outcome, unit, time, start, weights, cluster, segment, *covariates)
        if c and c not in data.columns
    ]
    if missing:
        raise EffectDataError(
            f"column(s) {missing} not found; available: {', '.join(map(str, data.columns))}."
        )


def _add_timing(
    frame: pd.DataFrame,
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    start: str,
    window: tuple[int, int],
) -> None:
    """Add the period index ``t``, first trained period ``g``, ``treated`` and event time ``rel``.

    Parameters
    ----------
    frame : DataFrame
        The staggered frame being built; changed in place.
    data : DataFrame
        The panel it is built from.
    unit, time, start : str
        The rep, period and training-start columns.
    window : (int, int)
        First and last event time; event times outside are binned into the ends.

    Raises
    ------
    EffectDataError
        When no rep is trained within the panel, or all are throughout.
    ValueError
        When the window lacks a lead (<= -2) or event time 0.
    """
    frame["t"] = period_index(frame["time"], error=EffectDataError)
    frame["g"] = first_treated_index(data, unit=unit, time=time, start=start)
    check_panel(
        frame.assign(d=((frame["t"] >= frame["g"]) & frame["g"].notna()).astype(float)),
        treatment="d",
        unit="unit",
        time="time",
        notes=[],
    )
    frame["treated"] = ((frame["t"] >= frame["g"]) & frame["g"].notna()).astype(float)
    if frame["treated"].nunique() < 2:
        raise EffectDataError(
            "no rep is trained within the panel (or all are trained throughout): nothing to compare."
        )
    lo, hi = window
    if not (lo <= -2 and hi >= 0):
        raise ValueError(
            f"window={window!r} must include at least one lead (<= -2) and event time 0, e.g. (-4, 6)."
        )
    rel = (frame["t"] - frame["g"]).clip(lo, hi)
    frame["rel"] = rel.where(frame["g"].notna(), -1.0).astype(float)


def _complete_rows(
    frame: pd.DataFrame, outcome: str, covariates: list[str], notes: list[str] | None
) -> pd.DataFrame:
    """Leave out the rows missing the outcome or a covariate, with a note saying how many.

    Parameters
    ----------
    frame : DataFrame
        The staggered frame (``y``, ``x0``, ``x1``, ...).
    outcome : str
        The outcome's column name, for the note.
    covariates : list of str
        The covariates' column names, for the note.
    notes : list of str, optional
        Receives the note.

    Returns
    -------
    DataFrame
        The complete rows.
    """
    measured = ["y", *(f"x{i}" for i in range(len(covariates)))]
    incomplete = frame[measured].isna()
    if incomplete.to_numpy().any():
        named = incomplete.rename(
            columns={"y": outcome, **{f"x{i}": c for i, c in enumerate(covariates)}}
        )
        if notes is not None:
            notes.append(missing_values_note(named))
        frame = frame[~incomplete.any(axis=1)]
    return frame


def _cluster_notes(frame: pd.DataFrame, column: str) -> list[str]:
    """Return caveats about the clusters of a staggered frame.

    Fewer than two is an error; few in all, or few holding trained rows, make the cluster-robust intervals optimistic.
    """
    codes = frame["cluster" if "cluster" in frame else "unit"].to_numpy()
    total = int(pd.unique(codes).size)
    if total < 2:
        raise EffectDataError(
            f"cluster {column!r} has {total} value in the rows used: cluster-robust errors need "
            "several clusters; cluster by rep instead.",
            column=column,
        )
    if "cluster" in frame and total < MIN_CLUSTERS:
        return [
            (
                f"only {total} clusters of {column!r}: cluster-robust standard errors are too "
                f"small with fewer than about {MIN_CLUSTERS} clusters (Cameron and Miller 2015), "
                "so treat the intervals as optimistic."
            )
        ]
    note = clusters_note(frame["treated"].to_numpy() > 0, codes, column)
    return [note] if note else []


def _comparable(
    frame: pd.DataFrame, *, time_labels: pd.Series, unit_labels: pd.Series
) -> pd.DataFrame:
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
            "group would be needed for later periods.",
            UserWarning,
            stacklevel=4,
        )
    always = frame.loc[~frame["unit"].isin(untreated["unit"]), "unit"].unique()
    if len(always):
        names = pd.unique(unit_labels[frame.index[frame["unit"].isin(always)]].astype(str))
        warnings.warn(
            f"{len(always)} rep(s) are trained from the first period ({', '.join(names[:3])}"
            f"{' ...' if len(names) > 3 else ''}): with no untrained period to compare, they are left out.",
            UserWarning,
            stacklevel=4,
        )
    kept = frame[keep]
    if not (kept["treated"] == 1).any():
        raise EffectDataError(
            "no trained rep-period can be compared with untrained ones: every rep is trained in the same periods. "
            "The staggered and event-study estimators need not-yet-trained or never-trained reps."
        )
    return kept


@dataclass
class EventStudyResult(TidyResult):
    """Event-time effects relative to the period before training (event time -1).

    Attributes
    ----------
    estimator : str
        ``"twfe"`` or ``"imputation"``.
    table : DataFrame
        The tidy event-time rows.
    pretrend_statistic, pretrend_df, pretrend_p_value : float, int, float
        The joint test that the leads (event times before -1) are zero.
    conf_level : float
        Confidence level of the intervals.
    n : int
        Rep-periods used.
    notes : list of str
        Caveats of the estimate.
    """

    estimator: str
    table: pd.DataFrame
    pretrend_statistic: float
    pretrend_df: int
    pretrend_p_value: float
    conf_level: float
    n: int
    notes: list[str] = field(default_factory=list)

    def caption(self) -> str:
        """Return one line naming the estimator and the outcome."""
        label = {"twfe": "two-way fixed effects", "imputation": "imputation (two-stage)"}
        return (
            f"Effects by periods since training, {label.get(self.estimator, self.estimator)}, "
            f"{self.conf_level:.0%} intervals, n = {self.n:,}"
        )

    def plot(self, *, title: str | None = None, ylabel: str = "Effect", **kwargs: Any) -> Figure:
        """Event-time estimates with their intervals (reference period -1 at zero); returns the Figure."""
        from analysis.core.plots import plot_event_study

        fig = plot_event_study({self.estimator: self.tidy()}, ylabel=ylabel, **kwargs)
        if title:
            fig.axes[0].set_title(title)
        return fig

    def tidy(self) -> pd.DataFrame:
        """``term, estimate, std_error, conf_low, conf_high, p_value, n`` plus ``event_time``.

        Terms are ``event_<k>``; event time -1 is the reference (estimate 0). The end
        points of the window bin all earlier or later periods.
        """
        return self.table.copy()

    def pretrend(self) -> pd.DataFrame:
        """Joint Wald test that all leads (event time <= -2) are zero."""
        return pd.DataFrame(
            [
                {
                    "test": "no pre-trend (all leads = 0)",
                    "statistic": self.pretrend_statistic,
                    "df": self.pretrend_df,
                    "p_value": self.pretrend_p_value,
                    "n": self.n,
                }
            ]
        )


def event_study(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    start: str,
    window: tuple[int, int] = (-4, 6),
    estimator: Literal["twfe", "imputation"] = "twfe",
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> EventStudyResult:
    r"""Effects by periods since training (leads and lags), with a pre-trend test.

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
    weights : str, optional
        Column of positive weights, constant or not within a rep: every regression
        (both stages of the imputation estimator) is weighted least squares, so the
        event-time effects are weighted means over rep-periods.
    covariates : sequence of str, optional
        Time-varying control columns: regressors of the TWFE regression, or of the
        first stage of the imputation estimator (fitted on untreated rep-periods only).
    cluster : str, optional
        Column to cluster the standard errors by (default: ``unit``), e.g. a team when
        reps in a team share shocks.
    conf_level : float

    Returns
    -------
    EventStudyResult
        ``tidy()`` and ``pretrend()``; errors are clustered by ``cluster`` (default: the
        unit), and intervals and p-values use the t distribution with ``G - 1`` degrees
        of freedom for ``G`` clusters, for both estimators (as Stata and R's fixest do
        for clustered errors).

    Notes
    -----
    TWFE: :math:`y_{it} = \alpha_i + \lambda_t + \sum_{k \ne -1} \beta_k 1[t - G_i = k] + \varepsilon_{it}`.
    With staggered timing and changing effects, these :math:`\beta_k` mix cohorts and
    can be contaminated (Sun and Abraham 2021); the imputation estimator is not.
    The pre-trend test is a Wald test of :math:`\beta_k = 0` for all :math:`k \le -2`,
    F-distributed with (number of leads, clusters - 1) degrees of freedom.

    References
    ----------
    Sun, L. and Abraham, S. (2021). Estimating dynamic treatment effects in event
    studies with heterogeneous treatment effects. J Econometrics 225, 175-199.
    Gardner, J. (2022). Two-stage differences in differences. arXiv:2207.05943.
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs. REStud.
    """
    conf_level = check_conf_level(conf_level)
    estimator = check_option("estimator", estimator, Literal["twfe", "imputation"])
    notes: list[str] = []
    frame = _staggered_frame(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        start=start,
        window=window,
        weights=weights,
        cluster=cluster,
        covariates=covariates,
        notes=notes,
    )
    controls = [c for c in frame.columns if re.fullmatch(r"x\d+", str(c))]
    notes += _cluster_notes(frame, cluster or unit)
    with captured_notes(notes):
        fit = _event_fit(frame, estimator, controls=controls, weighted=bool(weights))
    coef = fit.coef()
    event_time = {
        name: int(float(str(name).split("::")[1])) for name in coef.index if "::" in str(name)
    }
    clusters = int(frame["cluster" if "cluster" in frame else "unit"].nunique())
    table = _event_table(
        fit,
        event_time,
        conf_level=conf_level,
        n=len(frame),
        df=clusters - 1 if estimator == "imputation" else None,
    )
    leads = [name for name, k in event_time.items() if k <= -2]
    wald, df, p_value = wald_f(fit, selector(coef.index, leads), n_clusters=clusters)
    emit(notes)
    return EventStudyResult(
        estimator, table, wald, df, p_value, conf_level, len(frame), list(dict.fromkeys(notes))
    )


def _event_fit(
    frame: pd.DataFrame,
    estimator: Literal["twfe", "imputation"],
    *,
    controls: list[str],
    weighted: bool,
) -> Any:
    r"""Fit the event-time effects by TWFE or by Gardner's two-stage imputation.

    Parameters
    ----------
    frame : DataFrame
        The staggered frame (:func:`_staggered_frame`).
    estimator : {"twfe", "imputation"}
        The estimator.
    controls : list of str
        The covariate columns (``x0``, ``x1``, ...).
    weighted : bool
        Weight by the frame's ``w``.

    Returns
    -------
    pyfixest fit
        With one coefficient per event time but -1.

    References
    ----------
    Gardner, J. (2022). Two-stage differences in differences. arXiv:2207.05943.
    """
    import pyfixest as pf

    if estimator == "twfe":
        return pf.feols(
            "y ~ i(rel, ref=-1.0)" + "".join(f" + {c}" for c in controls) + " | unit + t",
            data=frame,
            vcov={"CRV1": "cluster" if "cluster" in frame else "unit"},
            fixef_rm="none",
            weights="w" if weighted else None,
        )
    return did2s_keeping_singletons(
        frame,
        second_stage="~ i(rel, ref=-1.0)",
        weights="w" if weighted else None,
        controls=controls,
    )


def _event_table(
    fit: Any, event_time: dict[str, int], *, conf_level: float, n: int, df: int | None
) -> pd.DataFrame:
    """Return the tidy event-time effects with the reference period -1 (zero) in its place.

    Parameters
    ----------
    fit : pyfixest fit
        From :func:`_event_fit`.
    event_time : dict
        Coefficient name -> event time.
    conf_level : float
        Confidence level.
    n : int
        Rep-periods used.
    df : int, optional
        Degrees of freedom of the t intervals (clusters - 1 for the imputation estimator).

    Returns
    -------
    DataFrame
        Tidy rows ``event_k`` sorted by ``event_time``.
    """
    table = tidy_fit(
        fit,
        {name: f"event_{k}" for name, k in event_time.items()},
        conf_level=conf_level,
        n=n,
        extra={name: {"event_time": k} for name, k in event_time.items()},
        df=df,
    )
    reference = {
        "term": "event_-1",
        "estimate": 0.0,
        "std_error": 0.0,
        "conf_low": 0.0,
        "conf_high": 0.0,
        "p_value": np.nan,
        "n": n,
        "event_time": -1,
    }
    table = pd.concat([table, pd.DataFrame([reference])], ignore_index=True)
    return table.sort_values("event_time").reset_index(drop=True)


def staggered_att(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    start: str,
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    conf_level: float = 0.95,
    bootstrap: Bootstrap = "auto",
    n_resamples: int = WILD_BOOTSTRAP_RESAMPLES,
    seed: int = SEED,
) -> pd.DataFrame:
    r"""Average effect on trained rep-periods, robust to staggered timing (imputation estimator).

    Unit and period effects are estimated on untreated rep-periods only (never
    trained, and trained reps before they start); each trained rep-period's effect
    is its outcome minus the imputed untreated outcome; the ATT is their mean
    (Gardner's two-stage estimator, numerically the imputation estimator of
    Borusyak, Jaravel and Spiess), with standard errors clustered by unit that
    account for the first stage (pyfixest ``did2s``); ``cluster`` names another column
    to cluster by (a team). ``covariates`` are time-varying controls of the first stage
    (:math:`y_{it} = \alpha_i + \lambda_t + x_{it}'\beta` fitted on untreated rep-periods,
    Borusyak, Jaravel and Spiess 2024), so the imputed untreated outcome accounts for them.
    The interval and p-value use the t distribution with ``G - 1`` degrees of freedom for
    ``G`` clusters, like every other clustered estimate of the package (pyfixest's
    ``did2s`` gives a normal interval).

    With ``weights`` (a column of positive weights) both stages are weighted least
    squares, so the ATT is the weighted mean of the imputed effects: the population
    average when the weights are inverse sampling probabilities.

    When fewer than 10 clusters (``MIN_TREATED_CLUSTERS``) hold trained rep-periods
    (``bootstrap="auto"``), the p-value and the interval come from a restricted wild
    cluster bootstrap of both stages instead
    (:func:`~analysis.effects.wild_bootstrap.imputation_wild_bootstrap`): Webb's six-point
    weights below 12 clusters, Rademacher signs from 12 on, ``n_resamples`` draws from
    ``seed``, the interval by inverting the bootstrap test. ``bootstrap="rademacher"`` or
    ``"webb"`` asks for it whatever the number of clusters, ``"off"`` never. A note in
    ``attrs["notes"]`` says when it was used.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    outcome, unit, time : str
        Columns of the outcome, the unit and the period.
    start : str
        Column of each unit's first treated period (missing if never).
    covariates : sequence of str, default ()
        Time-varying controls of the first stage.
    weights : str, optional
        Column of positive weights.
    cluster : str, optional
        Column to cluster the errors by (the unit otherwise).
    conf_level : float, default 0.95
        Confidence level of the interval.
    bootstrap : {"auto", "rademacher", "webb", "off"}, default "auto"
        When to use the wild cluster bootstrap, and with which weights.
    n_resamples : int, default 9999
        Bootstrap draws.
    seed : int, default SEED
        Seed of the bootstrap.

    Returns
    -------
    DataFrame
        One row, term ``ATT``: ``term, estimate, std_error, conf_low, conf_high, p_value, n``.

    Notes
    -----
    With :math:`\Omega_0` the untreated and :math:`\Omega_1` the trained rep-periods,
    :math:`y_{it} = \alpha_i + \lambda_t + x_{it}^\top\gamma + \varepsilon_{it}` is fitted
    on :math:`\Omega_0`, and :math:`\hat\tau = \sum_{\Omega_1} w_{it}(y_{it} - \hat
    y_{it}(0)) / \sum_{\Omega_1} w_{it}`.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs:
    robust and efficient estimation. Review of Economic Studies 91, 3253-3285.

    Gardner, J. (2022). Two-stage differences in differences. arXiv:2207.05943.

    Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors.
    Canadian Journal of Economics 56, 839-858.
    """
    conf_level = check_conf_level(conf_level)
    bootstrap = check_option("bootstrap", bootstrap, Bootstrap)
    n_resamples = check_resamples(n_resamples)
    notes: list[str] = []
    frame = _staggered_frame(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        start=start,
        window=(-2, 0),
        weights=weights,
        cluster=cluster,
        covariates=covariates,
        notes=notes,
    )
    notes += _cluster_notes(frame, cluster or unit)
    controls = [c for c in frame.columns if re.fullmatch(r"x\d+", str(c))]
    with captured_notes(notes):
        fit = did2s_keeping_singletons(
            frame,
            second_stage="~ treated",
            weights="w" if weights else None,
            controls=controls,
        )
    wild = _imputation_bootstrap(
        frame,
        column=cluster or unit,
        controls=controls,
        bootstrap=bootstrap,
        n_resamples=n_resamples,
        seed=seed,
        conf_level=conf_level,
        notes=notes,
    )
    emit(notes)
    clusters = int(frame["cluster" if "cluster" in frame else "unit"].nunique())
    table = tidy_fit(fit, {"treated": "ATT"}, conf_level=conf_level, n=len(frame), df=clusters - 1)
    if wild is not None:
        # pyfixest sweeps the effects out to a tolerance; the bootstrap solves them exactly
        reported, std_error = (
            float(table[c].to_numpy(float)[0]) for c in ("estimate", "std_error")
        )
        if abs(wild.estimate - reported) > 1e-3 * std_error:
            raise RuntimeError(  # a bug: the bootstrap must refit exactly the reported estimator
                f"the wild bootstrap's ATT {wild.estimate!r} differs from the two-stage fit's "
                f"{reported!r}."
            )
        table.loc[0, ["conf_low", "conf_high", "p_value"]] = [
            wild.conf_low,
            wild.conf_high,
            wild.p_value,
        ]
    table.attrs["notes"] = list(dict.fromkeys(notes))
    return table


def _imputation_bootstrap(
    frame: pd.DataFrame,
    *,
    column: str,
    controls: list[str],
    bootstrap: str,
    n_resamples: int,
    seed: int,
    conf_level: float,
    notes: list[str],
) -> WildBootstrapResult | None:
    """Return the wild cluster bootstrap of the imputation ATT on the staggered frame.

    It runs when asked for or when few clusters hold trained rep-periods (None otherwise).
    """
    if bootstrap == "off":
        return None
    codes = frame["cluster" if "cluster" in frame else "unit"].to_numpy()
    treated = treated_clusters(frame["treated"].to_numpy(float), codes)
    if bootstrap == "auto" and treated >= MIN_TREATED_CLUSTERS:
        return None
    wild = imputation_wild_bootstrap(
        frame["y"].to_numpy(float),
        frame["unit"].to_numpy(),
        frame["t"].to_numpy(),
        frame["treated"].to_numpy() == 1,
        codes,
        weights=frame["w"].to_numpy(float) if "w" in frame else None,
        controls=frame[controls].to_numpy(float) if controls else None,
        bootstrap_weights=None if bootstrap == "auto" else bootstrap,  # type: ignore[arg-type]
        conf_level=conf_level,
        n_resamples=n_resamples,
        seed=seed,
    )
    notes.append(bootstrap_note([wild], column, treated))
    return wild


def imputation_att_point(
    data: pd.DataFrame, *, outcome: str, unit: str, time: str, start: str
) -> float:
    """Point estimate of the imputation ATT only (no standard error), for resampling loops.

    Builds the checked rep-period frame of :func:`staggered_att` and returns
    :func:`imputation_att_arrays` on it; equals the point estimate of
    :func:`staggered_att` (tested) at a fraction of its cost.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    outcome, unit, time, start : str
        Columns of the outcome, the unit, the period and the unit's first treated period.

    Returns
    -------
    float
        The ATT.
    """
    frame = _staggered_frame(
        data, outcome=outcome, unit=unit, time=time, start=start, window=(-2, 0)
    )
    return imputation_att_arrays(
        frame["unit"].to_numpy(),
        frame["t"].to_numpy(),
        frame["y"].to_numpy(float),
        frame["treated"].to_numpy() == 1,
    )


def imputation_att_arrays(
    unit: np.ndarray, time: np.ndarray, y: np.ndarray, treated: np.ndarray
) -> float:
    r"""Return the imputation ATT from plain arrays: one entry per rep-period, ``y`` NaN if missing.

    Unit and period effects :math:`y_{it} = \alpha_i + \lambda_t` are fitted by least
    squares on the untreated rep-periods, exactly: the unit effects are eliminated
    (a diagonal block), the period effects solve the small :math:`T \times T` Schur
    complement :math:`(D_t - C^\top D_u^{-1} C)\lambda = b_t - C^\top D_u^{-1} b_u`
    (:math:`C` the rep-by-period counts), and :math:`\alpha = D_u^{-1}(b_u - C\lambda)`.
    The ATT is the mean of :math:`y - \hat\alpha_i - \hat\lambda_t` over trained
    rep-periods whose rep and period both appear untreated. Linear in the rows, no
    iteration: a cluster bootstrap of 200 resamples of 10,000 reps x 24 months takes
    seconds.

    Parameters
    ----------
    unit, time : ndarray
        Integer codes of each rep-period's rep and period.
    y : ndarray
        The outcome (NaN where missing).
    treated : ndarray
        1 on trained rep-periods.

    Returns
    -------
    float
        The ATT; NaN when no trained rep-period can be imputed.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs:
    robust and efficient estimation. Review of Economic Studies 91, 3253-3285.
    """
    from scipy import sparse

    keep = ~np.isnan(y)
    unit, time, y, treated = unit[keep], time[keep], y[keep], np.asarray(treated, bool)[keep]
    unit_codes, unit_levels = pd.factorize(unit)
    time_codes, time_levels = pd.factorize(time)
    n_units, n_times = len(unit_levels), len(time_levels)
    untreated = ~treated
    unit_seen = np.bincount(unit_codes[untreated], minlength=n_units) > 0
    time_seen = np.bincount(time_codes[untreated], minlength=n_times) > 0
    target = treated & unit_seen[unit_codes] & time_seen[time_codes]
    if not target.any():
        raise EffectDataError("no trained rep-period can be compared with untreated ones.")
    u, t, values = unit_codes[untreated], time_codes[untreated], y[untreated]
    per_unit = np.bincount(u, minlength=n_units).astype(float)
    per_time = np.bincount(t, minlength=n_times).astype(float)
    unit_sums = np.bincount(u, weights=values, minlength=n_units)
    time_sums = np.bincount(t, weights=values, minlength=n_times)
    counts = sparse.csr_matrix((np.ones(len(u)), (u, t)), shape=(n_units, n_times))
    inverse = np.divide(1.0, per_unit, out=np.zeros(n_units), where=per_unit > 0)
    schur = np.diag(per_time) - (counts.T @ sparse.diags(inverse) @ counts).toarray()
    right = time_sums - counts.T @ (inverse * unit_sums)
    # the effects are identified up to a shift between reps and periods: the minimum-norm
    # solution fixes it, and the imputed outcomes alpha_i + lambda_t do not depend on it
    period_effect = np.linalg.lstsq(schur, right, rcond=None)[0]
    unit_effect = inverse * (unit_sums - counts @ period_effect)
    imputed = unit_effect[unit_codes[target]] + period_effect[time_codes[target]]
    return float(np.mean(y[target] - imputed))
