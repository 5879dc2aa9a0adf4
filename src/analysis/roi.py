"""Return on training investment (Phillips methodology).

Monetary benefit = the isolated effect x the number of trained rep-periods x the
profit margin (never raw revenue); costs are fully loaded (design, delivery,
participants' time, reinforcement, evaluation). Intangibles are listed, not
converted to money.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from analysis.core.conclusions import bound, direction, interval_text, phrase
from analysis.core.errors import DataError
from analysis.core.formats import with_currency
from analysis.core.options import BOOTSTRAP_RESAMPLES, SEED, check_conf_level, renamed
from analysis.core.results import FormerShape, Headline, TidyResult, figure_rows, interval_record
from analysis.effects.estimate import MIN_CLUSTERS
from analysis.effects.wild_bootstrap import Bootstrap

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "RoiFigures",
    "RoiResult",
    "describe",
    "fully_loaded_costs",
    "programme_roi",
    "roi_figures",
    "training_roi",
]


def _check_margin(margin: float) -> float:
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin <= 1:
        raise ValueError(
            f"margin={margin!r} must be the profit contribution per unit of the outcome, "
            "between 0 and 1 (e.g. 0.35 for a 35% gross margin); ROI on raw revenue overstates "
            "the return."
        )
    return float(margin)


def fully_loaded_costs(costs: pd.DataFrame, *, amount: str = "amount", item: str = "item") -> float:
    """Return the net programme cost: the sum of all cost items.

    A negative item (funding received, a refund) is netted against the others, as a
    subsidy lowers what the client paid; the net must stay above zero.

    Parameters
    ----------
    costs : DataFrame
        One row per cost item.
    amount, item : str
        The columns holding each item's amount and name.

    Returns
    -------
    float
        The net cost.

    Raises
    ------
    DataError
        A missing column, a missing or non-numeric amount (naming the items), or a net
        cost of zero or less.
    """
    missing = [c for c in (amount, item) if c not in costs.columns]
    if missing:
        raise DataError(
            f"costs table lacks column(s) {missing}; it needs one row per item with an amount."
        )
    values = pd.to_numeric(costs[amount], errors="coerce")
    bad = values.isna()
    if bad.any():
        raise DataError(
            f"cost amounts must be numbers; check item(s) {costs.loc[bad, item].tolist()}."
        )
    total = float(values.sum())
    if total <= 0:
        raise DataError(
            "the programme costs net to zero or less (negative items: "
            f"{costs.loc[values < 0, item].tolist()}); ROI is undefined."
        )
    return total


@dataclass
class RoiFigures(FormerShape, TidyResult):
    """Benefits, costs, net benefits, benefit-cost ratio, ROI % and payback (point figures).

    Parameters
    ----------
    benefits, costs, net_benefits : float
        Monetary benefits, fully loaded costs and their difference.
    bcr : float
        Benefit-cost ratio.
    roi_percent : float
        Return on investment in percent.
    payback_periods : float, optional
        Periods until the costs are paid back; None when not computed.

    Notes
    -----
    Reading it as the former dict (``result["roi_percent"]``) still works, with a
    FutureWarning.
    """

    benefits: float
    costs: float
    net_benefits: float
    bcr: float
    roi_percent: float
    payback_periods: float | None = None

    former: ClassVar[tuple[str, ...]] = (
        "benefits",
        "costs",
        "net_benefits",
        "bcr",
        "roi_percent",
        "payback_periods",
    )
    former_kind: ClassVar[str] = "dict"

    def to_dict(self) -> dict[str, float]:
        """Return the figures as a dict (without ``payback_periods`` when not computed)."""
        return {p: getattr(self, p) for p in self.former if getattr(self, p) is not None}

    def tidy(self) -> pd.DataFrame:
        """Return one row per figure (``term`` its name), without intervals."""
        return figure_rows(self.to_dict())

    def caption(self) -> str:
        """Say what the table shows."""
        return "Return on investment: point figures"


def roi_figures(
    benefits: float, costs: float, *, benefit_per_period: float | None = None
) -> RoiFigures:
    r"""Compute the benefit-cost ratio, ROI % and payback period from benefits and costs.

    Parameters
    ----------
    benefits : float
        Monetary benefits (profit contribution) of the programme.
    costs : float
        Fully loaded programme costs (positive).
    benefit_per_period : float, optional
        Benefits per calendar period, for the payback period.

    Returns
    -------
    RoiFigures
        ``.benefits, .costs, .net_benefits, .bcr, .roi_percent`` and
        ``.payback_periods`` (None without ``benefit_per_period``).

    Notes
    -----
    :math:`BCR = B / C`, :math:`ROI\% = (B - C) / C \times 100`; payback (in periods)
    = :math:`C / (B / \text{periods})` when the benefit per period is given (Phillips
    and Phillips 2007).

    Examples
    --------
    >>> roi_figures(350_000, 200_000).roi_percent
    75.0
    """
    if costs <= 0:
        raise ValueError("costs must be positive.")
    payback = None
    if benefit_per_period is not None:
        payback = float(costs / benefit_per_period) if benefit_per_period > 0 else float("inf")
    return RoiFigures(
        benefits=float(benefits),
        costs=float(costs),
        net_benefits=float(benefits - costs),
        bcr=float(benefits / costs),
        roi_percent=float((benefits - costs) / costs * 100),
        payback_periods=payback,
    )


@dataclass
class RoiResult(TidyResult):
    """ROI with a cluster-bootstrap interval. ``tidy()`` gives one row per figure."""

    figures: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    conf_level: float
    conservative: bool
    n_clusters: int
    intangibles: list[str] = field(default_factory=list)
    treated_periods: float = float("nan")
    margin: float = float("nan")
    value_per_unit: float = 1.0
    resampled: str = "reps"
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Accept the point figures as :class:`RoiFigures` too (kept as a dict)."""
        if isinstance(self.figures, RoiFigures):
            self.figures = self.figures.to_dict()

    UNITS: ClassVar[dict[str, str]] = {
        "benefits": "currency",
        "costs": "currency",
        "net_benefits": "currency",
        "bcr": "ratio",
        "roi_percent": "percent",
        "payback_periods": "number",
    }

    def tidy(self) -> pd.DataFrame:
        """Return ``term, estimate, conf_low, conf_high, n, unit``, one row per figure.

        ``n`` is the number of reps resampled.

        The payback period is left out unless the whole ROI interval lies above
        break-even, as in :func:`describe`.
        """
        rows = []
        low_roi, high_roi = self.intervals.get("roi_percent", (np.nan, np.nan))
        for name, value in self.figures.items():
            low, high = self.intervals.get(name, (np.nan, np.nan))
            if name == "payback_periods" and direction(low_roi, high_roi) != "above":
                continue  # a payback period only when the benefits clearly covered the costs
            rows.append(
                {
                    "term": name,
                    "estimate": value,
                    "conf_low": low,
                    "conf_high": high,
                    "n": self.n_clusters,
                    "unit": self.UNITS.get(name, "number"),
                }
            )
        return pd.DataFrame(rows)

    def caption(self) -> str:
        """Say what the table shows and how its intervals were found."""
        basis = "lower confidence bound of the effect" if self.conservative else "point estimate"
        return (
            f"Return on the training ({basis}; {self.conf_level:.0%} cluster-bootstrap intervals "
            f"over {self.n_clusters:,} {self.resampled})"
        )

    def break_even_effect(self) -> float:
        """Return the effect per trained rep-period (outcome units) at which ROI is 0.

        See :func:`analysis.power.break_even_effect`.
        """
        from analysis.power import break_even_effect

        return break_even_effect(
            self.figures["costs"],
            treated_periods=self.treated_periods,
            margin=self.margin,
            value_per_unit=self.value_per_unit,
        )

    def headline(self) -> list[Headline]:
        """Summary records: ROI and the benefit-cost ratio with their intervals."""
        figures = self.tidy().set_index("term")
        return [
            interval_record(name, label, figures.loc[name], unit, n=False)
            for name, label, unit in (
                ("roi_percent", "ROI", "percent"),
                ("bcr", "Benefit-cost ratio", "ratio"),
            )
        ]

    def plot(self, *, title: str | None = None, **kwargs: Any) -> Figure:
        """ROI (%) with its interval; returns the Figure."""
        from analysis.core.plots import plot_forest

        table = self.tidy()
        table = table[table["term"] == "roi_percent"].dropna(subset=["conf_low", "conf_high"])
        options: dict[str, Any] = {"reference": 0.0, "log_scale": False, "xlabel": "ROI (%)"}
        options.update(kwargs)
        return plot_forest(table, title=title or self.caption(), **options)


@renamed(n_boot="n_resamples")
def training_roi(
    data: pd.DataFrame,
    *,
    effect: Callable[[pd.DataFrame], tuple[float, ...]],
    point: Callable[[pd.DataFrame], float] | None = None,
    point_rows: Callable[[np.ndarray, np.ndarray], float] | None = None,
    treated_periods: float,
    costs: float,
    margin: float,
    cluster: str,
    unit: str | None = None,
    periods: float | None = None,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = SEED,
    conf_level: float = 0.95,
    conservative: bool = False,
    intangibles: list[str] | None = None,
) -> RoiResult:
    r"""Estimate the ROI of a programme with a cluster-bootstrap confidence interval.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel the effect is estimated on.
    effect : callable
        ``effect(data) -> (estimate, conf_low)`` or ``(estimate, conf_low, conf_high)``:
        the isolated effect per trained rep-period and its interval (e.g. from
        :func:`analysis.effects.staggered_att`). With ``conf_high``, the ROI intervals are
        never narrower than the effect's own interval carried through the ROI formula.
    point : callable, optional
        ``point(data) -> estimate``, re-run on every bootstrap sample (default: the
        first element of ``effect``); a cheaper point-only estimator speeds it up.
    point_rows : callable, optional
        ``point_rows(rows, clusters) -> estimate`` on the bootstrap sample given as row
        positions of ``data`` and the sample's cluster ids (a rep drawn twice gets two
        ids): the same estimate as ``point`` without building a DataFrame per sample,
        for large panels. Used instead of ``point`` when given.
    treated_periods : float
        Number of trained rep-periods the benefit accrues over.
    costs : float
        Fully loaded programme costs (:func:`fully_loaded_costs`).
    margin : float
        Profit contribution per unit of outcome (0-1): benefits are profit, not revenue.
    cluster : str
        Column whose units (reps, or teams of reps) are resampled with replacement.
    unit : str, optional
        The rep column, when ``cluster`` is a coarser one (a team): a rep in a team
        drawn twice counts as two reps. Default: the cluster is the rep.
    periods : float, optional
        Number of calendar periods the benefits cover, for the payback period.
    n_resamples : int, default 200
        Bootstrap replications (:data:`analysis.core.options.BOOTSTRAP_RESAMPLES`).
    conservative : bool
        Use the lower confidence bound of the effect instead of the estimate
        (Phillips' guiding principle: choose the most conservative alternative).
    intangibles : list of str, optional
        Benefits reported but not converted to money.

    Returns
    -------
    RoiResult

    Notes
    -----
    Benefits :math:`B = \hat\tau \times N_{treated} \times m`. The interval resamples
    whole reps (clusters) with replacement, re-estimates :math:`\hat\tau` and takes
    percentiles of BCR and ROI% (Cameron, Gelbach and Miller 2008). ROI is linear in
    :math:`\hat\tau`, so the effect's interval maps exactly onto an ROI interval; the
    reported interval spans both, so the ROI verdict is never stronger than the effect's
    (a percentile bootstrap over few clusters is too narrow).
    """
    conf_level = check_conf_level(conf_level)
    margin = _check_margin(margin)
    if cluster not in data.columns:
        raise DataError(f"cluster column {cluster!r} not found.")
    found = effect(data)
    estimate, lower = found[0], found[1]
    upper = found[2] if len(found) > 2 else None
    used = lower if conservative else estimate
    benefits = used * treated_periods * margin
    per_period = benefits / periods if periods else None
    figures = roi_figures(benefits, costs, benefit_per_period=per_period).to_dict()
    draws, n_clusters, by_rep = _cluster_bootstrap(
        data,
        estimator=(lambda frame: effect(frame)[0]) if point is None else point,
        point_rows=point_rows,
        cluster=cluster,
        unit=unit,
        n_resamples=n_resamples,
        seed=seed,
    )
    notes = []
    if n_clusters < MIN_CLUSTERS:
        notes.append(
            f"the ROI interval resamples only {n_clusters} clusters of {cluster!r}: a bootstrap "
            f"over fewer than about {MIN_CLUSTERS} clusters gives intervals that are too narrow, "
            "so the intervals shown also span the effect's own interval."
        )
    scale = {"treated_periods": treated_periods, "margin": margin, "costs": costs}
    intervals = {}
    if len(draws) < 0.9 * n_resamples and upper is not None:
        # too few resamples could be estimated: the effect's own interval, carried through
        intervals = _carried_intervals(lower, upper, **scale)
        notes.append(
            f"only {len(draws)} of {n_resamples} bootstrap resamples could be estimated, so "
            "the ROI interval is the effect's interval carried through the ROI formula."
        )
    if len(draws) >= 0.9 * n_resamples:
        intervals = _percentile_intervals(draws, lower, upper, alpha=1 - conf_level, **scale)
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    return RoiResult(
        figures,
        intervals,
        conf_level,
        conservative,
        n_clusters,
        list(intangibles or []),
        treated_periods=float(treated_periods),
        margin=margin,
        resampled="reps" if by_rep else f"clusters of {cluster!r}",
        notes=notes,
    )


def _cluster_bootstrap(
    data: pd.DataFrame,
    *,
    estimator: Callable[[pd.DataFrame], float],
    point_rows: Callable[[np.ndarray, np.ndarray], float] | None,
    cluster: str,
    unit: str | None,
    n_resamples: int,
    seed: int,
) -> tuple[np.ndarray, int, bool]:
    """Re-estimate the effect on resamples of whole clusters drawn with replacement.

    Parameters
    ----------
    data : DataFrame
        The panel.
    estimator : callable
        ``estimator(frame) -> estimate`` on a resampled panel.
    point_rows : callable, optional
        ``point_rows(rows, ids) -> estimate`` on row positions; used instead of
        ``estimator`` when given (see :func:`training_roi`).
    cluster : str
        The column whose values are resampled.
    unit : str, optional
        The rep column when ``cluster`` is coarser.
    n_resamples, seed : int
        Resamples and the seed of their draws.

    Returns
    -------
    (ndarray, int, bool)
        The estimates of the resamples that could be estimated (a ``ValueError`` skips
        one), the number of clusters, and whether each cluster is one rep.

    References
    ----------
    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements
    for inference with clustered errors. Review of Economics and Statistics 90, 414-427.
    """
    rng = np.random.default_rng(seed)
    codes, keys = pd.factorize(data[cluster])
    positions = [np.flatnonzero(codes == k) for k in range(len(keys))]
    reps = None if unit is None or unit == cluster else pd.factorize(data[unit])[0]
    draws = []
    for _ in range(n_resamples):
        sample = rng.integers(0, len(keys), size=len(keys))
        rows = np.concatenate([positions[k] for k in sample])
        # a rep (or a team of reps) drawn twice counts as two
        ids = np.repeat(np.arange(len(sample)), [len(positions[k]) for k in sample])
        if reps is not None:
            ids = ids * (int(reps.max()) + 1) + reps[rows]
        try:
            with (
                warnings.catch_warnings()
            ):  # the full-data estimate above already gave the data's caveats once
                warnings.simplefilter("ignore")
                if point_rows is not None:
                    draws.append(point_rows(rows, ids))
                    continue
                sample_frame = data.iloc[rows].reset_index(drop=True)
                sample_frame[unit if reps is not None else cluster] = ids
                draws.append(estimator(sample_frame))
        except ValueError:
            continue
    return np.asarray(draws, float), len(keys), reps is None


def _carried_intervals(
    lower: float, upper: float, *, treated_periods: float, margin: float, costs: float
) -> dict[str, tuple[float, float]]:
    """Return the effect's own interval carried through the benefit, BCR and ROI formulas.

    Parameters
    ----------
    lower, upper : float
        The effect's interval per trained rep-period.
    treated_periods, margin, costs : float
        As :func:`training_roi` takes them.

    Returns
    -------
    dict
        ``benefits``, ``bcr`` and ``roi_percent`` -> (low, high).

    References
    ----------
    Phillips, J. J. and Phillips, P. P. (2007). Show Me the Money: How to Determine ROI
    in People, Projects, and Programs. Berrett-Koehler.
    """
    carried = np.array([lower, upper], float) * treated_periods * margin
    roi_ends = (carried - costs) / costs * 100
    return {
        "benefits": (float(carried[0]), float(carried[1])),
        "bcr": (float(carried[0] / costs), float(carried[1] / costs)),
        "roi_percent": (float(roi_ends[0]), float(roi_ends[1])),
    }


def _percentile_intervals(
    draws: np.ndarray,
    lower: float,
    upper: float | None,
    *,
    alpha: float,
    treated_periods: float,
    margin: float,
    costs: float,
) -> dict[str, tuple[float, float]]:
    """Return percentile intervals of the bootstrap, widened to span the effect's own interval.

    Parameters
    ----------
    draws : ndarray
        The bootstrap estimates of the effect.
    lower, upper : float
        The effect's interval (``upper`` None when the effect gave none).
    alpha : float
        One minus the confidence level.
    treated_periods, margin, costs : float
        As :func:`training_roi` takes them.

    Returns
    -------
    dict
        ``benefits``, ``bcr`` and ``roi_percent`` -> (low, high).
    """
    benefit_draws = draws * treated_periods * margin
    mapped = (
        np.array([lower, upper], float) * treated_periods * margin
        if upper is not None
        else np.array([np.nan, np.nan])
    )
    intervals = {}
    for name, values, effect_ends in (
        ("benefits", benefit_draws, mapped),
        ("bcr", benefit_draws / costs, mapped / costs),
        ("roi_percent", (benefit_draws - costs) / costs * 100, (mapped - costs) / costs * 100),
    ):
        low_end = float(np.quantile(values, alpha / 2))
        high_end = float(np.quantile(values, 1 - alpha / 2))
        if np.isfinite(effect_ends).all():
            low_end = min(low_end, float(effect_ends.min()))
            high_end = max(high_end, float(effect_ends.max()))
        intervals[name] = (low_end, high_end)
    return intervals


@renamed(panel="data", n_boot="n_resamples")
def programme_roi(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str | None,
    start: str | None,
    treatment: str,
    costs: float,
    margin: float,
    covariates: Sequence[str] | None = None,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    conf_level: float = 0.95,
    conservative: bool = False,
    intangibles: list[str] | None = None,
    seed: int = SEED,
    value_per_unit: float = 1.0,
    cluster: str | None = None,
) -> RoiResult:
    """Estimate a programme's ROI from a client's panel or cross-section, bootstrapping reps.

    ``cluster`` names a coarser column (a team) whose values are resampled instead of
    single reps, as the effect's standard errors are clustered by it.

    The effect is the staggered (imputation) ATT for a panel with training starts, or
    the regression-adjusted effect for a cross-section; benefits accrue over the
    trained rep-periods (or trained reps) in the data. An outcome that is not money
    (wins, calls) is converted with ``value_per_unit`` (money per unit of the outcome,
    e.g. revenue per win) before the margin is applied.
    """
    from analysis import effects

    if isinstance(value_per_unit, bool) or not value_per_unit > 0:
        raise ValueError(f"value_per_unit={value_per_unit!r} must be a positive amount of money.")
    from analysis.effects.panel import index_as_columns

    data = index_as_columns(data, unit, time, cluster)
    if time is not None and start is not None:
        # the benefits count the rep-periods `treatment` marks as trained: it must follow `start`
        effects.check_absorbing(data, treatment=treatment, unit=unit, time=time, start=start)
    effect, point = _effect_estimators(
        outcome=outcome,
        unit=unit,
        time=time,
        start=start,
        treatment=treatment,
        covariates=covariates,
        cluster=cluster,
        conf_level=conf_level,
        value_per_unit=value_per_unit,
    )
    treated = float(pd.to_numeric(data[treatment], errors="coerce").fillna(0).gt(0).sum())
    n_periods = data[time].nunique() if time is not None else None
    point_rows = None
    if time is not None and start is not None and not covariates:
        point_rows = _imputation_on_rows(
            data, outcome=outcome, time=time, unit=unit, start=start, scale=value_per_unit
        )
    result = training_roi(
        data,
        effect=effect,
        point=point,
        point_rows=point_rows,
        treated_periods=treated,
        costs=costs,
        margin=margin,
        cluster=cluster or unit,
        unit=unit,
        periods=n_periods,
        n_resamples=n_resamples,
        seed=seed,
        conf_level=conf_level,
        conservative=conservative,
        intangibles=intangibles,
    )
    result.value_per_unit = value_per_unit
    return result


def _effect_estimators(
    *,
    outcome: str,
    unit: str,
    time: str | None,
    start: str | None,
    treatment: str,
    covariates: Sequence[str] | None,
    cluster: str | None,
    conf_level: float,
    value_per_unit: float,
) -> tuple[Callable[[pd.DataFrame], tuple[float, float, float]], Callable[[pd.DataFrame], float]]:
    """Return the effect (with its interval) and the point-only estimator for :func:`programme_roi`.

    Parameters
    ----------
    outcome, unit, time, start, treatment, covariates, cluster, conf_level, value_per_unit
        As :func:`programme_roi` takes them.

    Returns
    -------
    (callable, callable)
        ``effect(frame) -> (estimate, conf_low, conf_high)`` in money per trained
        rep-period: the staggered (imputation) ATT for a panel with training starts, else
        the regression-adjusted effect; and ``point(frame) -> estimate`` for resamples.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs:
    robust and efficient estimation. Review of Economic Studies 91, 3253-3285.
    """
    from analysis import effects

    def effect(frame: pd.DataFrame, bootstrap: Bootstrap = "auto") -> tuple[float, float, float]:
        if time is not None and start is not None:
            row = effects.staggered_att(
                frame,
                outcome=outcome,
                unit=unit,
                time=time,
                start=start,
                covariates=covariates,
                cluster=cluster,
                conf_level=conf_level,
                bootstrap=bootstrap,
            ).iloc[0]
        else:
            row = (
                effects.estimate(
                    frame,
                    outcome=outcome,
                    treatment=treatment,
                    covariates=covariates,
                    cluster=cluster,
                    conf_level=conf_level,
                    bootstrap=bootstrap,
                )
                .tidy()
                .iloc[0]
            )
        return (
            float(row["estimate"]) * value_per_unit,
            float(row["conf_low"]) * value_per_unit,
            float(row["conf_high"]) * value_per_unit,
        )

    def point(frame: pd.DataFrame) -> float:
        if time is not None and start is not None and not covariates:
            return value_per_unit * effects.imputation_att_point(
                frame, outcome=outcome, unit=unit, time=time, start=start
            )
        # a resample needs the estimate only: the wild cluster bootstrap of its interval
        # (run by default when fewer than 10 clusters are trained) would be discarded
        return effect(frame, bootstrap="off")[0]

    return effect, point


def describe(result: RoiResult, *, currency: str | None = None, symbol: bool = False) -> list[str]:
    """Plain-language ROI sentences, each no stronger than the ROI interval allows.

    ``currency`` names what was invested ("per USD 1 invested"; "per $1" with ``symbol``).

    The verdict (benefits covered the costs, did not, or the data cannot tell) follows
    the interval for ROI against break-even (0%; :func:`analysis.core.conclusions.direction`).
    The payback period is given only when the whole interval lies above break-even.
    """
    f = result.figures
    # the point figures read as estimates, never as facts; each printed on its side of
    # break-even (a benefit-cost ratio of 1, an ROI of 0%)
    returned = bound(f["bcr"], null=1.0, decimals=2)
    roi_point = bound(f["roi_percent"], decimals=0, suffix="%")
    one = with_currency("1", currency, symbol=symbol)
    if result.conservative:
        sentence = (
            f"At the lower confidence bound of the effect, a conservative {returned} was returned "
            f"in profit contribution per {one} invested (ROI {roi_point})"
        )
    else:
        sentence = (
            f"An estimated {returned} was returned in profit contribution per {one} invested "
            f"(estimated ROI {roi_point})"
        )
    low, high = result.intervals.get("roi_percent", (np.nan, np.nan))
    if not (np.isfinite(low) and np.isfinite(high)):
        return [
            sentence + ".",
            (
                "No interval for ROI could be computed, so the data cannot tell whether the "
                "programme paid for itself."
            ),
            *(f"Caveat: {n[0].upper()}{n[1:]}" for n in result.notes),
        ]
    sentence += (
        f"; the {result.conf_level:.0%} interval for ROI runs from "
        f"{interval_text(low, high, decimals=0, suffix='%')}"
    )
    sentences = [sentence + "."]
    sentences.append(
        phrase(
            low,
            high,
            above="The benefits covered the costs over the periods observed: the whole "
            "interval for ROI lies above break-even.",
            below="The benefits did not cover the costs over the periods observed: the whole "
            "interval for ROI lies below break-even.",
            unclear="The data cannot tell whether the programme paid for itself: the interval "
            "for ROI includes break-even (0%).",
        )
    )
    payback = f.get("payback_periods", np.nan)
    if direction(low, high) == "above" and np.isfinite(payback):
        at = (
            "At the lower confidence bound of the effect"
            if result.conservative
            else ("At the estimated effect")
        )
        when = f"in about {payback:.1f} periods" if payback >= 0.05 else "within its first period"
        sentences.append(f"{at}, the programme paid for itself {when}.")
    sentences += [f"Caveat: {n[0].upper()}{n[1:]}" for n in result.notes]
    return sentences


def _imputation_on_rows(
    data: pd.DataFrame, *, outcome: str, time: str, unit: str, start: str, scale: float
) -> Callable[[np.ndarray, np.ndarray], float]:
    """Return a function giving the imputation ATT of a bootstrap sample.

    A sample is given by row positions (see ``point_rows``).

    The outcome, period index and training start of every row are computed once; each
    sample then costs one exact solve (:func:`analysis.effects.imputation_att_arrays`)
    instead of re-checking a resampled DataFrame. Equal to
    :func:`analysis.effects.imputation_att_point` on the same sample (tested).
    """
    from analysis.contracts.periods import period_index
    from analysis.effects.staggered import first_treated_index, imputation_att_arrays

    values = pd.to_numeric(data[outcome], errors="coerce").to_numpy(float)
    period = period_index(data[time]).to_numpy(float)
    first = first_treated_index(data, unit=unit, time=time, start=start).to_numpy(float)
    trained = ~np.isnan(first) & (period >= first)
    values = np.where(np.isnan(period), np.nan, values)

    def point_rows(rows: np.ndarray, clusters: np.ndarray) -> float:
        return scale * imputation_att_arrays(clusters, period[rows], values[rows], trained[rows])

    return point_rows
