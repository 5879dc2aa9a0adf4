"""Effects within segments (tenure band, team, ...) and a test that they differ.

:func:`segment_effects` splits the imputation estimate that the report's headline uses
(:func:`analysis.effects.staggered_att`) over the segments of the trained rep-periods, so
the segment effects average back to the headline. :func:`effects_by_segment`, the former
two-way fixed-effects segment model, is kept for existing code and warns.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.contracts.columns import check_numeric, require_columns
from analysis.core.conclusions import direction
from analysis.core.options import (
    SEED,
    WILD_BOOTSTRAP_RESAMPLES,
    check_conf_level,
    check_option,
    renamed,
)
from analysis.core.results import TidyResult
from analysis.effects.did2s import did2s_keeping_singletons
from analysis.effects.estimate import EffectDataError
from analysis.effects.staggered import _cluster_notes, _imputation_bootstrap, _staggered_frame
from analysis.effects.tidy import (
    TIDY_COLUMNS,
    captured_notes,
    emit,
    selector,
    tidy_fit,
    wald_f,
)
from analysis.effects.wild_bootstrap import Bootstrap, check_resamples

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["SegmentEffects", "effects_by_segment", "segment_effects"]


@dataclass
class SegmentEffects(TidyResult):
    """Effects of training within each segment, from the headline's imputation estimator.

    Attributes
    ----------
    by : str
        The segment column.
    table : DataFrame
        One row per segment: ``term, estimate, std_error, conf_low, conf_high, p_value, n``
        plus ``n_treated`` (trained rep-periods averaged), ``n_units`` (reps with rows in
        the segment) and ``weight`` (the segment's share of the trained rep-periods, by
        weight when the estimate is weighted).
    overall : float
        The effect over all trained rep-periods: the weighted mean of the segment effects,
        equal to :func:`~analysis.effects.staggered_att` on the same data.
    test_statistic, test_df, test_p_value : float, int, float
        The Wald F-test that all segment effects are equal.
    conf_level : float
        Confidence level of the intervals.
    n : int
        Rep-periods used.
    notes : list of str
        Caveats of the estimate (rows left out, few clusters, bootstrap intervals).
    """

    by: str
    table: pd.DataFrame
    overall: float
    test_statistic: float
    test_df: int
    test_p_value: float
    conf_level: float
    n: int
    notes: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        """Return one row per segment.

        Returns
        -------
        DataFrame
            ``term, estimate, std_error, conf_low, conf_high, p_value, n, n_treated,
            n_units, weight``.
        """
        return self.table.copy()

    def test(self) -> pd.DataFrame:
        """Return the Wald F-test that the segments' effects are equal.

        Returns
        -------
        DataFrame
            One row: ``test, statistic, df, p_value, n``.
        """
        return pd.DataFrame(
            [
                {
                    "test": "equal effects across segments",
                    "statistic": self.test_statistic,
                    "df": self.test_df,
                    "p_value": self.test_p_value,
                    "n": self.n,
                }
            ]
        )

    def differs(self) -> bool:
        """Whether the segments' effects clearly differ (the test rejects at ``1 - conf_level``).

        Returns
        -------
        bool
            True when the test of equal effects rejects.
        """
        return bool(self.test_p_value < 1 - self.conf_level)

    def finding(self) -> str:
        """Return one plain sentence on how the effect varies between the segments.

        Where the segments clearly differ and the weakest segment's interval includes
        zero, the gain is said to come from the others ("the gain comes from new hire");
        where they differ otherwise, the largest is named; else the sentence says they do
        not clearly differ.

        Returns
        -------
        str
            The sentence.
        """
        rows = self.table.dropna(subset=["estimate"]).sort_values("estimate", ascending=False)
        level = f"{self.conf_level:.0%}"
        records = rows.to_dict("records")
        parts = "; ".join(
            f"{r['term']} {float(r['estimate']):,.4g} ({level} interval "
            f"{float(r['conf_low']):,.4g} to {float(r['conf_high']):,.4g})"
            for r in records
        )
        if not self.differs() or len(records) < 2:
            return f"The effect does not clearly differ by {self.by}: {parts}."
        moved = {str(r["term"]): direction(r["conf_low"], r["conf_high"]) for r in records}
        gains = [term for term, way in moved.items() if way == "above"]
        if gains and len(gains) < len(moved) and "below" not in moved.values():
            return (
                f"The effect clearly differs by {self.by}: the gain comes from "
                f"{', '.join(gains)} ({parts})."
            )
        return (
            f"The effect clearly differs by {self.by}: it is largest for "
            f"{records[0]['term']} ({parts})."
        )

    def summary(self) -> pd.DataFrame:
        """Return the tidy table with ``attrs`` caption, notes and the plain finding.

        Returns
        -------
        DataFrame
            :meth:`tidy`, with ``attrs["caption"]``, ``attrs["notes"]`` and
            ``attrs["finding"]`` (:meth:`finding`).
        """
        table = super().summary()
        table.attrs["finding"] = self.finding()
        return table

    def caption(self) -> str:
        """Return one line naming the estimator and the segments.

        Returns
        -------
        str
            The caption.
        """
        return (
            f"Effect by {self.by} (imputation estimator, {self.conf_level:.0%} intervals; "
            f"overall {self.overall:,.4g}, n = {self.n:,})"
        )

    def plot(self, *, title: str | None = None, **kwargs: Any) -> Figure:
        """Each segment's effect with its interval, beside zero.

        Parameters
        ----------
        title : str, optional
            The figure's title (the caption otherwise).
        **kwargs
            Passed to :func:`analysis.core.plots.plot_forest`.

        Returns
        -------
        Figure
            The matplotlib figure.
        """
        kwargs.setdefault("xlabel", "Effect")
        return super().plot(title=title, **kwargs)


def segment_effects(
    data: pd.DataFrame,
    *,
    outcome: str,
    by: str,
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
) -> SegmentEffects:
    r"""Effect of training within each segment, by the imputation estimator of the headline.

    The first stage is that of :func:`~analysis.effects.staggered_att`, on the same rows
    with the same ``covariates``, ``weights`` and ``cluster``: rep and period effects fitted
    on all untreated rep-periods. Each trained rep-period's effect is its outcome minus
    the imputed untreated outcome, and a segment's effect is the mean of those effects
    over the segment's trained rep-periods (Borusyak, Jaravel and Spiess 2024 aggregate
    the same imputed effects with other weights). The segment is read on each trained
    rep-period, so a rep whose tenure band changes counts in the band of each period.
    Because the segments partition the trained rep-periods, the mean of the segment
    effects weighted by their trained rep-periods (``weight``) is the headline ATT.

    Standard errors are the two-stage (GMM) cluster-robust ones of the headline, with
    intervals and p-values on the t distribution with ``G - 1`` degrees of freedom. As for
    the headline, a segment whose trained rep-periods fall in fewer than 10 clusters
    (``bootstrap="auto"``) takes its p-value and interval from the restricted wild
    cluster bootstrap of both stages instead: the other segments' trained rows do not
    enter that segment's estimate, so the bootstrap of the headline on the untreated rows
    and the segment's trained rows is the segment's bootstrap.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    outcome : str
        Column of the outcome.
    by : str
        Column of the segment (read on each trained rep-period).
    unit, time : str
        Columns of the unit and the period.
    start : str
        Column of each unit's first treated period (missing if never).
    covariates : sequence of str, optional
        Time-varying controls of the first stage.
    weights : str, optional
        Column of positive weights.
    cluster : str, optional
        Column to cluster the errors by (the unit otherwise).
    conf_level : float, default 0.95
        Confidence level of the intervals.
    bootstrap : {"auto", "rademacher", "webb", "off"}, default "auto"
        When to use the wild cluster bootstrap, as in :func:`~analysis.effects.staggered_att`.
    n_resamples : int, default 9999
        Bootstrap draws.
    seed : int, default SEED
        Seed of the bootstrap.

    Returns
    -------
    SegmentEffects
        ``tidy()`` (one row per segment), ``test()`` (equal effects), ``summary()``,
        ``finding()`` and ``plot()``.

    Raises
    ------
    EffectDataError
        When the segment column is missing, or fewer than two segments hold trained
        rep-periods.

    Notes
    -----
    With :math:`\Omega_{1s}` the trained rep-periods of segment :math:`s` and
    :math:`\hat\tau_{it} = y_{it} - \hat y_{it}(0)`,
    :math:`\hat\tau_s = \sum_{\Omega_{1s}} w_{it}\hat\tau_{it} / \sum_{\Omega_{1s}} w_{it}`
    and :math:`\hat\tau = \sum_s \pi_s \hat\tau_s` with
    :math:`\pi_s = \sum_{\Omega_{1s}} w / \sum_{\Omega_1} w`. The test of equal effects is
    the Wald F of :func:`analysis.effects.tidy.wald_f` on the second stage's two-stage
    variance, referred to :math:`F(m, G - 1)`.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs:
    robust and efficient estimation. Review of Economic Studies 91, 3253-3285.

    Gardner, J. (2022). Two-stage differences in differences. arXiv:2207.05943.

    Examples
    --------
    >>> from analysis.datasets.training import generate_training_client
    >>> from analysis.contracts.training import training_panel
    >>> panel = training_panel(generate_training_client(seed=1))
    >>> result = segment_effects(
    ...     panel, outcome="revenue", by="tenure_band", unit="rep_id", time="period",
    ...     start="training_start",
    ... )  # doctest: +SKIP
    >>> result.tidy()[["term", "estimate", "conf_low", "conf_high"]]  # doctest: +SKIP
    """
    conf_level = check_conf_level(conf_level)
    bootstrap = check_option("bootstrap", bootstrap, Bootstrap)
    n_resamples = check_resamples(n_resamples)
    notes: list[str] = []
    frame = _segment_frame(
        data,
        outcome=outcome,
        by=by,
        unit=unit,
        time=time,
        start=start,
        covariates=covariates,
        weights=weights,
        cluster=cluster,
        notes=notes,
    )
    trained = frame["treated"] == 1
    levels, regressors = _segment_regressors(frame, trained, by, notes)
    columns = [f"d_{i}" for i in range(len(levels))]
    controls = [c for c in frame.columns if re.fullmatch(r"x\d+", str(c))]
    with captured_notes(notes):
        fit = did2s_keeping_singletons(
            frame,
            second_stage="~ " + " + ".join(regressors),
            weights="w" if weights else None,
            controls=controls,
        )
    clusters = int(frame["cluster" if "cluster" in frame else "unit"].nunique())
    weight = frame["w"] if "w" in frame else pd.Series(1.0, index=frame.index)
    table = _segment_table(fit, frame, levels, weight, conf_level=conf_level, df=clusters - 1)
    notes += _bootstrap_segments(
        table,
        frame,
        levels,
        column=cluster or unit,
        controls=controls,
        bootstrap=bootstrap,
        n_resamples=n_resamples,
        seed=seed,
        conf_level=conf_level,
    )
    statistic, df, p_value = wald_f(
        fit, _equal_effects(len(columns)) @ selector(fit.coef().index, columns), n_clusters=clusters
    )
    overall = _overall_effect(fit.coef(), frame, regressors, weight)
    emit(notes)
    return SegmentEffects(
        by=by,
        table=table[[*TIDY_COLUMNS, "n_treated", "n_units", "weight"]],
        overall=overall,
        test_statistic=statistic,
        test_df=df,
        test_p_value=p_value,
        conf_level=conf_level,
        n=len(frame),
        notes=list(dict.fromkeys(notes)),
    )


def _segment_frame(
    data: pd.DataFrame,
    *,
    outcome: str,
    by: str,
    unit: str,
    time: str,
    start: str,
    covariates: Sequence[str] | None,
    weights: str | None,
    cluster: str | None,
    notes: list[str],
) -> pd.DataFrame:
    """Return the staggered frame of the headline with the segment, and note its caveats.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    outcome, by, unit, time, start, covariates, weights, cluster
        As :func:`segment_effects` takes them.
    notes : list of str
        Receives the notes on rows left out and on the clusters.

    Returns
    -------
    DataFrame
        :func:`~analysis.effects.staggered._staggered_frame` with ``segment``.

    Raises
    ------
    EffectDataError
        When the segment column is missing.
    """
    if by not in data.columns:
        raise EffectDataError(
            f"segment column {by!r} not found; available: {', '.join(map(str, data.columns))}.",
            column=by,
        )
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
        segment=by,
    )
    notes += _cluster_notes(frame, cluster or unit)
    return frame


def _segment_regressors(
    frame: pd.DataFrame, trained: pd.Series, by: str, notes: list[str]
) -> tuple[list[Any], list[str]]:
    """Add one indicator per segment of the trained rep-periods (``d_0``, ``d_1``, ...).

    Trained rep-periods with no segment get an indicator of their own (``d_rest``), so
    the weighted segment effects still add up to the overall effect, and a note.

    Parameters
    ----------
    frame : DataFrame
        The staggered frame with ``segment``; changed in place.
    trained : Series
        Boolean: the trained rep-periods.
    by : str
        The segment column, for the messages.
    notes : list of str
        Receives the note on rep-periods with no segment.

    Returns
    -------
    (list, list of str)
        The segments in order and the second stage's regressors.

    Raises
    ------
    EffectDataError
        When fewer than two segments hold trained rep-periods.
    """
    unlabelled = trained & frame["segment"].isna()
    if unlabelled.any():
        notes.append(
            f"{int(unlabelled.sum())} of {int(trained.sum())} trained rep-periods have no {by}: "
            "they count in the overall effect but in no segment's."
        )
    levels = sorted(frame.loc[trained & ~unlabelled, "segment"].unique(), key=str)
    if len(levels) < 2:
        raise EffectDataError(
            f"segment {by!r} has {len(levels)} level(s) among the trained rep-periods used; "
            "nothing to compare.",
            column=by,
        )
    regressors = [f"d_{i}" for i in range(len(levels))]
    for c, level in zip(regressors, levels, strict=True):
        frame[c] = (trained & (frame["segment"] == level)).astype(float)
    if unlabelled.any():  # their own mean, so the weighted segment effects still add up
        frame["d_rest"] = unlabelled.astype(float)
        regressors.append("d_rest")
    return levels, regressors


def _segment_table(
    fit: Any,
    frame: pd.DataFrame,
    levels: list[Any],
    weight: pd.Series,
    *,
    conf_level: float,
    df: int,
) -> pd.DataFrame:
    """Return the tidy segment effects with their trained rep-periods, reps and weights.

    Parameters
    ----------
    fit : pyfixest fit
        The second stage with one indicator per segment.
    frame : DataFrame
        The staggered frame with the indicators ``d_0``, ``d_1``, ...
    levels : list
        The segments, in the order of the indicators.
    weight : Series
        The rep-periods' weights (1 when unweighted).
    conf_level : float
        Confidence level.
    df : int
        Degrees of freedom of the t intervals (clusters - 1).

    Returns
    -------
    DataFrame
        One row per segment: the tidy columns, ``n_treated``, ``n_units`` and ``weight``.
    """
    columns = [f"d_{i}" for i in range(len(levels))]
    trained = frame["treated"] == 1
    members = {c: frame[c] == 1 for c in columns}
    in_segment = {c: frame["segment"] == level for c, level in zip(columns, levels, strict=True)}
    return tidy_fit(
        fit,
        dict(zip(columns, levels, strict=True)),
        conf_level=conf_level,
        n={c: int(mask.sum()) for c, mask in in_segment.items()},
        extra={
            c: {
                "n_treated": int(members[c].sum()),
                "n_units": int(frame.loc[in_segment[c], "unit"].nunique()),
                "weight": float(weight[members[c]].sum() / weight[trained].sum()),
            }
            for c in columns
        },
        df=df,
    )


def _bootstrap_segments(
    table: pd.DataFrame,
    frame: pd.DataFrame,
    levels: list[Any],
    *,
    column: str,
    controls: list[str],
    bootstrap: Bootstrap,
    n_resamples: int,
    seed: int,
    conf_level: float,
) -> list[str]:
    """Replace a segment's interval and p-value by the wild cluster bootstrap where it is due.

    Parameters
    ----------
    table : DataFrame
        The segment effects (:func:`_segment_table`); changed in place.
    frame : DataFrame
        The staggered frame with the indicators ``d_0``, ``d_1``, ...
    levels : list
        The segments, in the order of the indicators.
    column : str
        The cluster column, named in the notes.
    controls : list of str
        The first stage's covariates.
    bootstrap, n_resamples, seed, conf_level
        As :func:`segment_effects` takes them.

    Returns
    -------
    list of str
        The bootstrap's notes, each naming its segment.

    References
    ----------
    MacKinnon, J. G. and Webb, M. D. (2017). Wild bootstrap inference for wildly
    different cluster sizes. Journal of Applied Econometrics 32, 233-254.
    """
    trained = frame["treated"] == 1
    notes: list[str] = []
    for i in range(len(levels)):
        # the segment's estimate sees only the untreated rows and its own trained rows
        sub = frame[~trained | (frame[f"d_{i}"] == 1)].reset_index(drop=True)
        told: list[str] = []
        result = _imputation_bootstrap(
            sub,
            column=column,
            controls=controls,
            bootstrap=bootstrap,
            n_resamples=n_resamples,
            seed=seed,
            conf_level=conf_level,
            notes=told,
        )
        if result is not None:
            table.loc[i, ["conf_low", "conf_high", "p_value"]] = [
                result.conf_low,
                result.conf_high,
                result.p_value,
            ]
            notes += [note.replace("'ATT'", repr(levels[i])) for note in told]
    return notes


def _overall_effect(
    coef: pd.Series, frame: pd.DataFrame, regressors: list[str], weight: pd.Series
) -> float:
    r"""Return the overall effect: the segment effects weighted by their trained rep-periods.

    Parameters
    ----------
    coef : Series
        The second stage's coefficients.
    frame : DataFrame
        The staggered frame with the indicators.
    regressors : list of str
        The indicators (``d_rest`` included when some trained rep-periods have no segment).
    weight : Series
        The rep-periods' weights (1 when unweighted).

    Returns
    -------
    float
        :math:`\hat\tau = \sum_s \pi_s \hat\tau_s`, the imputation ATT.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs:
    robust and efficient estimation. Review of Economic Studies 91, 3253-3285.
    """
    trained = frame["treated"] == 1
    return float(
        sum(
            coef[c] * weight[frame[c] == 1].sum() / weight[trained].sum()
            for c in regressors
            if c in coef.index
        )
    )


def _equal_effects(k: int) -> np.ndarray:
    """Return the contrasts of equal effects: each segment's effect minus the first one's.

    Parameters
    ----------
    k : int
        The number of segments.

    Returns
    -------
    ndarray
        ``k - 1`` rows and ``k`` columns, 1 in the first column and -1 in the segment's.
    """
    contrast = np.zeros((k - 1, k))
    contrast[:, 0] = 1
    contrast[np.arange(k - 1), np.arange(1, k)] = -1
    return contrast


@renamed(segment="by")
def effects_by_segment(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    by: str,
    unit: str,
    time: str,
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Two-way fixed-effects estimates within each segment (former API; use :func:`segment_effects`).

    Deprecated: it warns (FutureWarning) and will be removed. :func:`segment_effects`
    returns a :class:`SegmentEffects` from the imputation estimator of the report's
    headline, whose segment effects average back to it; this function's two-way fixed
    effects do not, under a staggered rollout.

    One regression with the treatment interacted with segment indicators (unit and
    period effects absorbed, errors clustered by unit, or by ``cluster``, e.g. an office
    whose reps share shocks: the test of equal effects then refers F to G - 1 cluster
    degrees of freedom as well).

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    outcome, treatment : str
        Columns of the outcome and of the treatment (0/1).
    by : str
        Column of the segment (constant within a unit).
    unit, time : str
        Columns of the unit and the period.
    cluster : str, optional
        Column to cluster the errors by (the unit otherwise).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    (DataFrame, DataFrame)
        Effects: ``term`` (segment), ``estimate, std_error, conf_low, conf_high,
        p_value, n, n_units`` (rep-periods and reps in the segment); and the Wald F-test that
        all segment effects are equal (``statistic, df, p_value``).

    Notes
    -----
    The test of equal effects is the Wald F of :func:`analysis.effects.tidy.wald_f`:
    :math:`F = (Rb)^\top (R V R^\top)^{-1} (Rb) / m` on :math:`F(m, G - 1)`.

    References
    ----------
    Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. Journal of Human Resources 50, 317-372.
    """
    import pyfixest as pf

    warnings.warn(
        "effects_by_segment() (two-way fixed effects, a tuple of tables) will be removed; "
        "segment_effects(data, outcome=..., by=..., unit=..., time=..., start=...) returns a "
        "SegmentEffects from the imputation estimator the headline uses (tidy(), test()).",
        FutureWarning,
        stacklevel=3,  # past the keyword-renaming wrapper
    )
    conf_level = check_conf_level(conf_level)
    frame = _segment_panel(
        data, outcome=outcome, treatment=treatment, by=by, unit=unit, time=time, cluster=cluster
    )
    levels = sorted(frame["seg"].unique())
    if len(levels) < 2:
        raise EffectDataError(
            f"segment {by!r} has a single level in the data used; nothing to compare."
        )
    columns = _segment_treatments(frame, levels)
    notes: list[str] = []
    with captured_notes(notes):
        fit = pf.feols(
            f"y ~ {' + '.join(columns)} | unit + t",
            data=frame,
            vcov={"CRV1": "g"},
            fixef_rm="none",
        )
    emit(notes)
    in_segment = {c: frame["seg"] == level for level, c in zip(levels, columns, strict=True)}
    effects = tidy_fit(
        fit,
        dict(zip(columns, levels, strict=True)),
        conf_level=conf_level,
        n={c: int(mask.sum()) for c, mask in in_segment.items()},
        extra={
            c: {"n_units": int(frame.loc[mask, "unit"].nunique())} for c, mask in in_segment.items()
        },
    )
    # equal effects: differences from the first segment are all zero
    wald, df, p_value = wald_f(
        fit,
        _equal_effects(len(columns)) @ selector(fit.coef().index, columns),
        n_clusters=int(frame["g"].nunique()),
    )
    test = pd.DataFrame(
        [
            {
                "test": "equal effects across segments",
                "statistic": wald,
                "df": df,
                "p_value": p_value,
                "n": len(frame),
            }
        ]
    )
    return effects, test


def _segment_panel(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    by: str,
    unit: str,
    time: str,
    cluster: str | None,
) -> pd.DataFrame:
    """Return the complete rows of the former segment model as ``y, d, unit, t, seg, g``.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    outcome, treatment, by, unit, time, cluster
        As :func:`effects_by_segment` takes them.

    Returns
    -------
    DataFrame
        Unit, period and cluster as integer codes; rows missing any of them are left out
        with a warning.
    """
    needed = (outcome, treatment, by, unit, time, *([cluster] if cluster else []))
    require_columns(data, needed, error=EffectDataError)
    frame = pd.DataFrame(
        {
            "y": check_numeric(data, outcome, "outcome"),
            "d": check_numeric(data, treatment, "treatment"),
            "unit": pd.factorize(data[unit])[0],
            "t": pd.factorize(data[time])[0],  # order not needed
            "seg": data[by].astype(object),
            "g": pd.factorize(data[cluster if cluster else unit])[0],
        }
    )
    frame = frame[
        frame.notna().all(axis=1) & (frame["unit"] >= 0) & (frame["t"] >= 0) & (frame["g"] >= 0)
    ]  # factorize codes NaN as -1
    if len(frame) < len(data):
        warnings.warn(
            f"{len(data) - len(frame)} of {len(data)} rows were left out of the segment effects for a missing "
            f"{outcome}, {treatment}, {by}, {unit} or {time}.",
            UserWarning,
            stacklevel=3,
        )
    return frame


def _segment_treatments(frame: pd.DataFrame, levels: list[Any]) -> list[str]:
    """Add the treatment within each segment (``d_0``, ``d_1``, ...) to the former model's rows.

    Parameters
    ----------
    frame : DataFrame
        From :func:`_segment_panel`; changed in place.
    levels : list
        The segments, sorted.

    Returns
    -------
    list of str
        The new columns.

    Raises
    ------
    EffectDataError
        When a segment has no treated or no untreated rep-periods.
    """
    columns = []
    for i, level in enumerate(levels):
        frame[f"d_{i}"] = frame["d"] * (frame["seg"] == level)
        if frame.loc[frame["seg"] == level, "d"].nunique() < 2:
            raise EffectDataError(
                f"segment {level!r} has no treated (or no untreated) rep-periods; its effect is not estimable."
            )
        columns.append(f"d_{i}")
    return columns
