"""KPI gaming check: whether an activity target inflated the activity as its conversion fell.

The source articles warn that a measured activity KPI gets gamed: "have more
meetings" inflates meetings, a pipeline target inflates pipelines, while what the
activity should produce does not follow. For each KPI target (a metric, a start
period and the reps it applies to) this module estimates, around the start:

* the change in the activity (e.g. meetings per rep and period), and
* the change in its conversion (e.g. opportunities per meeting),

as a difference-in-differences against untargeted reps when there are any
(:func:`analysis.effects.estimate`, rep and period effects), or else as an
interrupted time series (rep effects, a common linear trend, a level change and a
trend change at the start; errors clustered by rep). A target is flagged as
gamed when the activity rose and its conversion fell, both with confidence
intervals that exclude zero.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from analysis.contracts.periods import period_index, time_order
from analysis.core.options import check_conf_level, renamed
from analysis.core.results import FormerShape, TidyResult
from analysis.effects import TIDY_COLUMNS, estimate

__all__ = ["DEFAULT_CONVERSIONS", "GamingCheck", "gaming_check", "target_problems"]


def _its(frame: pd.DataFrame, outcome: str, unit: str, conf_level: float) -> pd.Series:
    """Interrupted time series on a rep-period panel: level change at the start."""
    import pyfixest as pf

    data = frame[[outcome, unit, "t", "post"]].dropna().copy()
    data["unit_code"] = pd.factorize(data[unit])[0]
    start = data.loc[data["post"] == 1, "t"].min()
    data["since"] = np.where(data["post"] == 1, data["t"] - start, 0.0)
    data = data.rename(columns={outcome: "y"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols("y ~ t + post + since | unit_code", data=data, vcov={"CRV1": "unit_code"})
    ci = fit.confint(alpha=1 - conf_level)
    return pd.Series(
        {
            "estimate": float(fit.coef()["post"]),
            "std_error": float(fit.se()["post"]),
            "conf_low": float(ci.loc["post"].iloc[0]),
            "conf_high": float(ci.loc["post"].iloc[1]),
            "p_value": float(fit.pvalue()["post"]),
            "n": int(fit._N),
        }
    )


def _in_scope(frame: pd.DataFrame, scope: str, team: str) -> pd.Series:
    if scope.strip().lower() == "all":
        return pd.Series(True, index=frame.index)
    teams = [t.strip() for t in scope.split(";") if t.strip()]
    return frame[team].astype(str).isin(teams)


DEFAULT_CONVERSIONS = {
    "meetings": ("opportunities", "meetings"),
    "pipeline": ("revenue", "pipeline"),
    "calls": ("meetings", "calls"),
    "opportunities": ("wins", "opportunities"),
}


@renamed(panel="data")
def target_problems(
    data: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    time: str = "period",
    team: str = "team",
    conversions: dict[str, tuple[str, str]] | None = None,
    source: str = "kpi_targets.csv",
    panel_source: str = "kpi_panel.csv",
) -> list[str]:
    """Every reason :func:`gaming_check` cannot run on these targets (empty when it can).

    Names the targets file, the column, the line (header = line 1) and the fix.

    Parameters
    ----------
    data : DataFrame
        The activity panel, one row per rep (or team) and period.
    targets : DataFrame
        The KPI targets: ``metric``, ``start_period`` and ``scope`` per target.
    time : str, default "period"
        Period column of ``data``.
    team : str, default "team"
        Team column of ``data`` (the scope of a team target).
    conversions : dict, optional
        Each metric's conversion as ``metric -> (numerator, denominator)`` columns; the
        built-in conversions when None.
    source, panel_source : str
        File names of the targets and the panel, named in the messages.

    Returns
    -------
    list of str
        One message per problem, each naming the file, column, line and fix; empty when
        :func:`gaming_check` can run.
    """
    conversions = conversions or DEFAULT_CONVERSIONS
    missing = [c for c in ("metric", "start_period", "scope") if c not in targets.columns]
    if missing:
        return [
            f"{source}: missing column(s) {', '.join(missing)}; one row per target with metric, start_period and scope."
        ]
    absent = [c for c in (time, team) if c not in data.columns]
    if absent:
        return [
            f"{panel_source}: missing column(s) {', '.join(absent)}; the gaming check needs {time} and {team}."
        ]
    periods = [str(t) for t in time_order(data[time].dropna().astype(str))]  # in time order
    teams = sorted(data[team].dropna().astype(str).unique())
    files = {"source": source, "panel_source": panel_source}
    problems: list[str] = []
    for row, target in targets.iterrows():
        metric, start, scope = (
            str(target["metric"]).strip(),
            str(target["start_period"]).strip(),
            str(target["scope"]),
        )
        where = (
            f"line {row + 2}" if isinstance(row, (int, np.integer)) else f"row {row!r}"
        )  # header is line 1
        found = (
            _metric_problem(metric, data.columns, conversions, where, **files),
            _start_problem(start, periods, where, **files),
            _scope_problem(scope, teams, team, where, **files),
        )
        problems.extend(problem for problem in found if problem is not None)
    return problems


def _metric_problem(
    metric: str,
    columns: pd.Index,
    conversions: dict[str, tuple[str, str]],
    where: str,
    *,
    source: str,
    panel_source: str,
) -> str | None:
    """Say why a target's metric cannot be checked (no column or no conversion), or None.

    Parameters
    ----------
    metric : str
        The target's metric.
    columns : Index
        The panel's columns.
    conversions : dict
        Each metric's conversion as ``metric -> (numerator, denominator)``.
    where : str
        The target's line in the targets file.
    source, panel_source : str
        File names of the targets and the panel.

    Returns
    -------
    str or None
        The message, naming the file, column, line and fix.
    """
    known = [k for k in conversions if k in columns]
    if metric not in conversions or metric not in columns:
        return (
            f"{source}: column metric, {where}: metric {metric!r} needs a column in {panel_source} and a "
            f"conversion rate; known: {', '.join(known) or 'none'}."
        )
    if any(c not in columns for c in conversions[metric]):
        return (
            f"{source}: column metric, {where}: the conversion of {metric} needs column(s) "
            f"{', '.join(c for c in conversions[metric] if c not in columns)} in {panel_source}."
        )
    return None


def _start_problem(
    start: str, periods: list[str], where: str, *, source: str, panel_source: str
) -> str | None:
    """Say why a target's start period cannot be used (unknown or the first period), or None.

    Parameters
    ----------
    start : str
        The target's start period.
    periods : list of str
        The panel's periods in time order.
    where : str
        The target's line in the targets file.
    source, panel_source : str
        File names of the targets and the panel.

    Returns
    -------
    str or None
        The message, naming the file, column, line and fix.
    """
    if start not in periods:
        span = f"{periods[0]} to {periods[-1]}" if periods else "none"
        return f"{source}: column start_period, {where}: {start!r} is not a period of {panel_source} ({span})."
    if start == periods[0]:
        return (
            f"{source}: column start_period, {where}: {start!r} is the first period of "
            f"{panel_source}, so there is nothing before the target to compare with; the "
            "check needs periods before the start (move the start or add earlier months)."
        )
    return None


def _scope_problem(
    scope: str, teams: list[str], team: str, where: str, *, source: str, panel_source: str
) -> str | None:
    """Say which teams of a target's scope the panel does not know, with close matches, or None.

    Parameters
    ----------
    scope : str
        ``all`` or team names separated by ``;``.
    teams : list of str
        The panel's teams, sorted.
    team : str
        The panel's team column.
    where : str
        The target's line in the targets file.
    source, panel_source : str
        File names of the targets and the panel.

    Returns
    -------
    str or None
        The message, naming the file, column, line and fix.
    """
    listed = (
        [] if scope.strip().lower() == "all" else [t.strip() for t in scope.split(";") if t.strip()]
    )
    unknown = [t for t in listed if t not in teams]
    if not unknown:
        return None
    hints = [
        f"{t!r}: did you mean {close[0]!r}?"
        for t in unknown
        if (close := difflib.get_close_matches(t, teams, n=1, cutoff=0.6))
    ]
    return (
        f"{source}: column scope, {where}: {', '.join(map(repr, unknown))} "
        f"{'is not a' if len(unknown) == 1 else 'are not'} {team}(s) of {panel_source}, so "
        f"{'it' if len(unknown) == 1 else 'they'} would silently count as untargeted; teams: "
        f"{', '.join(teams[:10])}. {' '.join(hints)}".rstrip()
    )


@dataclass
class GamingCheck(FormerShape, TidyResult):
    """Each KPI target's effect on its activity and on the activity's conversion, and a verdict.

    Parameters
    ----------
    effects : DataFrame
        ``target, measure, design, term, estimate, std_error, conf_low, conf_high,
        p_value, n, relative``.
    flags : DataFrame
        ``target, activity_change, conversion_change, gamed, verdict``.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Notes
    -----
    Unpacking it as the former tuple ``(effects, flags)`` still works, with a
    FutureWarning.
    """

    effects: pd.DataFrame
    flags: pd.DataFrame
    conf_level: float = 0.95

    former: ClassVar[tuple[str, ...]] = ("effects", "flags")

    def tidy(self) -> pd.DataFrame:
        """Return the effects, the standard columns first."""
        rest = [c for c in self.effects.columns if c not in TIDY_COLUMNS]
        return self.effects[[*TIDY_COLUMNS, *rest]]

    def caption(self) -> str:
        """Say what the table shows."""
        return (
            f"Change in each targeted activity and its conversion rate "
            f"({self.conf_level:.0%} confidence interval)"
        )

    @property
    def gamed(self) -> bool:
        """True when any target shows signs of gaming."""
        return bool(self.flags["gamed"].any()) if len(self.flags) else False


@renamed(panel="data")
def gaming_check(
    data: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    unit: str = "rep_id",
    time: str = "period",
    team: str = "team",
    conversions: dict[str, tuple[str, str]] | None = None,
    conf_level: float = 0.95,
) -> GamingCheck:
    """Check every KPI target for gaming.

    Parameters
    ----------
    data : DataFrame
        Rep-period data with the activity columns, ``unit``, ``time`` and ``team``.
    targets : DataFrame
        One row per target: ``metric`` (an activity column, e.g. ``meetings``),
        ``start_period`` (same labels as ``time``) and ``scope``: ``all``, a team name,
        or several separated by ``;``. Reps under another target on the same metric
        are left out of the comparison group.
    conversions : dict, optional
        Activity -> (numerator, denominator) of its conversion rate. Default:
        ``meetings`` -> opportunities / meetings, ``pipeline`` -> revenue / pipeline,
        ``calls`` -> meetings / calls, ``opportunities`` -> wins / opportunities.
    conf_level : float

    Returns
    -------
    GamingCheck
        ``.effects``: ``target, measure, design, term, estimate, std_error, conf_low,
        conf_high, p_value, n, relative`` (relative = estimate / pre-target mean of the
        targeted reps); ``.flags``: ``target, activity_change, conversion_change,
        gamed, verdict``.
    """
    conf_level = check_conf_level(conf_level)
    conversions = conversions or DEFAULT_CONVERSIONS
    problems = target_problems(data, targets, time=time, team=team, conversions=conversions)
    if problems:
        from analysis.effects import EffectDataError

        raise EffectDataError(problems)
    effects_rows, flags = [], []
    for _, target in targets.iterrows():
        metric, start, scope = str(target["metric"]), target["start_period"], str(target["scope"])
        name = f"{metric} target from {start} ({scope})"
        frame, targeted = _target_frame(
            data, targets, target, time=time, team=team, conversion=conversions[metric]
        )
        pre = frame[targeted & (frame["post"] == 0)]
        comparison = bool((~targeted).any())
        for measure, column in (("activity", metric), ("conversion", "conversion")):
            fitted, design = _change_at_start(
                frame, column, unit=unit, time=time, conf_level=conf_level, comparison=comparison
            )
            base = float(pre[column].mean())
            effects_rows.append(
                {
                    "target": name,
                    "measure": measure,
                    "design": design,
                    "term": column,
                    **{k: fitted[k] for k in TIDY_COLUMNS if k != "term"},
                    "relative": float(fitted["estimate"] / base) if base else np.nan,
                }
            )
        flags.append(_gaming_flag(name, activity=effects_rows[-2], conversion=effects_rows[-1]))
    return GamingCheck(pd.DataFrame(effects_rows), pd.DataFrame(flags), conf_level)


def _target_frame(
    data: pd.DataFrame,
    targets: pd.DataFrame,
    target: pd.Series,
    *,
    time: str,
    team: str,
    conversion: tuple[str, str],
) -> tuple[pd.DataFrame, pd.Series]:
    """Return the panel as one target's check reads it, and which rows the target covers.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    targets : DataFrame
        All targets (reps under another target on the same metric are left out).
    target : Series
        The target checked (a row of ``targets``).
    time, team : str
        The period and team columns.
    conversion : tuple of str
        The numerator and denominator columns of the activity's conversion.

    Returns
    -------
    (DataFrame, Series)
        The panel with ``t`` (period index), ``post``, ``targeted_post`` and
        ``conversion``; and the boolean mask of targeted rows.
    """
    metric, start, scope = str(target["metric"]), target["start_period"], str(target["scope"])
    numerator, denominator = conversion
    frame = data.copy()
    frame["t"] = period_index(frame[time]).astype(float)
    order = time_order(frame[time])  # period labels in time order, not as text
    frame["post"] = (frame["t"] >= order.get_loc(start)).astype(float)
    targeted = _in_scope(frame, scope, team)
    other_targets = targets[(targets["metric"] == metric) & (targets.index != target.name)]
    for other in other_targets["scope"].astype(str):
        contaminated = _in_scope(frame, other, team) & ~targeted
        frame, targeted = frame[~contaminated], targeted[~contaminated]
    frame["targeted_post"] = (targeted & (frame["post"] == 1)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["conversion"] = np.where(
            frame[denominator] > 0, frame[numerator] / frame[denominator], np.nan
        )
    return frame, targeted


def _change_at_start(
    frame: pd.DataFrame,
    column: str,
    *,
    unit: str,
    time: str,
    conf_level: float,
    comparison: bool,
) -> tuple[pd.Series, str]:
    """Estimate the change in ``column`` when the target starts, and name the design.

    Parameters
    ----------
    frame : DataFrame
        The panel from :func:`_target_frame`.
    column : str
        The activity or ``conversion``.
    unit, time : str
        The rep and period columns.
    conf_level : float
        Confidence level.
    comparison : bool
        Untargeted reps exist: a difference-in-differences against them; else an
        interrupted time series.

    Returns
    -------
    (Series, str)
        The tidy row of the change and the design's name.

    References
    ----------
    Angrist, J. D. and Pischke, J.-S. (2009). Mostly Harmless Econometrics, ch. 5.
    Princeton University Press.
    """
    if not comparison:
        return _its(frame, column, unit, conf_level), "interrupted time series"
    with (
        warnings.catch_warnings()
    ):  # rep-periods with no activity have no conversion rate, by design
        warnings.filterwarnings(
            "ignore",
            message=r".* rows were left out for missing values \(\d+ in conversion\)",
        )
        fitted = (
            estimate(
                frame,
                outcome=column,
                treatment="targeted_post",
                unit=unit,
                time=time,
                conf_level=conf_level,
            )
            .tidy()
            .iloc[0]
        )
    return fitted, "difference-in-differences vs untargeted reps"


def _gaming_flag(name: str, *, activity: dict, conversion: dict) -> dict[str, object]:
    """Return a target's verdict: gamed when the activity rose and its conversion fell.

    Parameters
    ----------
    name : str
        The target.
    activity, conversion : dict
        The effect rows of the activity and of its conversion.

    Returns
    -------
    dict
        ``target, activity_change, conversion_change, gamed, verdict``.
    """
    gamed = activity["conf_low"] > 0 and conversion["conf_high"] < 0
    verdict = (
        "possible gaming: the activity rose while its conversion fell"
        if gamed
        else "no sign of gaming: the activity and its conversion did not move in opposite directions"
    )
    return {
        "target": name,
        "activity_change": activity["relative"],
        "conversion_change": conversion["estimate"],
        "gamed": bool(gamed),
        "verdict": verdict,
    }
