"""Study 2 as the client reads it: the first screen, the body sections and the appendix.

:class:`TrainingReport` computes every estimate of a client's training-impact study once
and shows it in two registers:

* the body speaks the client's language: one estimate per quantity (the plan's where
  the client agreed a plan, otherwise the imputation estimator of a staggered rollout,
  for behaviour as for results), its 95% range, the currency and the period, and
  verdicts no stronger than the interval (:mod:`analysis.core.conclusions`);
* the appendix ("Methods and checks") holds the alternative estimators, the naive
  comparison, tests, p-values, the data checks and a glossary.

The notebook calls one method per section; a section the client supplied nothing for
shows nothing (its heading collapses) and is named in :meth:`TrainingReport.not_measured`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, cast

import pandas as pd

from analysis.core import formats
from analysis.core.conclusions import direction
from analysis.report.display import glossary, not_measured, note, notes, table

if TYPE_CHECKING:
    from analysis.studies import StudyInputs

__all__ = [
    "GLOSSARY",
    "MEASURE_NAMES",
    "REACTION_ITEMS",
    "Section",
    "TrainingReport",
    "currency_of",
    "period_word",
]

#: Display names of the panel measures (the client's own label replaces the outcome's).
MEASURE_NAMES = {
    "revenue": "revenue",
    "wins": "wins",
    "opportunities": "opportunities",
    "meetings": "meetings",
    "calls": "calls",
    "pipeline": "pipeline",
    "win_rate": "win rate",
    "avg_deal_size": "average deal size",
    "cycle_days": "sales cycle (days)",
    "coaching_sessions": "coaching sessions",
    "call_score": "call score",
}
#: Display names of the reaction survey's items.
REACTION_ITEMS = {
    "rating": "Overall rating",
    "relevance": "Relevance to the job",
    "intent_to_apply": "Intent to apply",
}
#: Display names of the segment columns a client may name.
SEGMENT_NAMES = {
    "tenure_band": "tenure band",
    "team": "team",
    "region": "region",
    "market_segment": "market segment",
}
#: What the appendix's statistical terms mean, in a line each.
GLOSSARY = {
    "95% range (confidence interval)": "the values the data are consistent with; a verdict "
    "such as 'raised' is given only when the whole range lies on one side of no change.",
    "Imputation estimator": "compares each rep's results after training with what the same "
    "rep would have had untrained, predicted from untrained rep-months; robust to a rollout "
    "in waves and to effects that grow over time.",
    "Two-way fixed effects": "a regression that removes each rep's level and each month's "
    "level; with a rollout in waves and growing effects it can be pulled away from the true "
    "effect.",
    "Naive difference": "trained minus untrained reps' averages; it mixes the training's "
    "effect with how the reps chosen first differ from the others.",
    "p-value": "how often a difference at least this large would arise by chance if training "
    "had no effect.",
    "Holm adjustment": "a correction of the p-values of several secondary outcomes tested "
    "together.",
    "Pre-trend test": "a check that trained and untrained reps moved alike before training.",
    "Wald / F test": "a test that several effects (for example per segment) are equal.",
    "Hedges' g_z": "the learning gain in standard deviations of the individual gains.",
    "Mediation": "how much of the link from learning to results runs through behaviour.",
    "Bootstrap": "the ROI's range, from re-computing it on resampled reps.",
}

#: What each section needs from the client, in plain words, and how to add it.
MISSING_WHAT = {
    "reaction": "reaction to the training",
    "learning": "learning (assessments before and after)",
    "behaviour": "behaviour on the job",
    "event_study": "effects month by month",
    "segments": "effects by group of reps",
    "roi": "return on investment",
}
MISSING_HOW = {
    "reaction": "a short rating survey of the trained reps",
    "learning": "assessment scores before and after training",
    "behaviour": "a behaviour measure recorded each period, such as a call score",
    "event_study": "results for several periods before and after training",
    "segments": "a grouping of reps such as tenure or team",
    "roi": "the programme's costs (and, for results not in money, their value per unit)",
}


_ESTIMATORS: tuple[tuple[str, Literal["twfe", "imputation"]], ...] = (
    ("Imputation", "imputation"),
    ("Two-way fixed effects", "twfe"),
)


def _isolated(comparison: pd.DataFrame) -> pd.Series:
    """The row of the isolating estimator in a comparison table."""
    from analysis.effects import isolated_term

    return cast(pd.Series, comparison.set_index("term").loc[isolated_term(comparison)])


class Section:
    """Display objects shown together as one output (nothing when empty)."""

    def __init__(self, *parts: Any):
        self.parts = [part for part in parts if part is not None]

    def add(self, *parts: Any) -> Section:
        self.parts += [part for part in parts if part is not None]
        return self

    def __bool__(self) -> bool:
        return bool(self.parts)

    def _repr_html_(self) -> str | None:
        if not self.parts:
            return None
        return "".join(_html(part) for part in self.parts)

    def __repr__(self) -> str:
        return "\n".join(repr(part) for part in self.parts)

    def _ipython_display_(self) -> None:
        """Show the parts as one HTML output; an empty section shows nothing at all, so
        the report drops its heading (a section the client supplied nothing for)."""
        if not self.parts:
            return
        from IPython.display import HTML, display

        display(HTML(self._repr_html_()))


def _html(part: Any) -> str:
    if isinstance(part, str):
        return part
    if hasattr(part, "to_html"):
        return part.to_html()
    return part._repr_html_() or ""


def _paragraph(text: str) -> str:
    import html

    return f"<p>{html.escape(formats.minus_signs(text))}</p>"


def _heading(text: str) -> str:
    import html

    return f"<h3>{html.escape(text)}</h3>"


def currency_of(params: Any, label: str | None = None) -> str | None:
    """The client's currency: the ``currency`` parameter where the study has one, else a
    code or symbol the client wrote into the outcome's label ("Bookings, USD")."""
    given = getattr(params, "currency", None)
    if given:
        return str(given).strip().upper()
    return formats.currency_from_label(label)


def period_word(params: Any, periods: pd.Series | None) -> str:
    """``month``, ``quarter`` or ``period``: what one period of the client's panel is."""
    given = getattr(params, "period", None)
    if isinstance(given, str) and given.lower() in ("month", "quarter", "week", "year"):
        return given.lower()
    if periods is None or not len(periods):
        return "period"
    labels = pd.Series(periods).dropna().astype(str)
    if labels.str.fullmatch(r"\d{4}-\d{2}").all():
        return "month"
    if labels.str.fullmatch(r"\d{4}-?Q[1-4]", case=False).all():
        return "quarter"
    return "period"


def _trimmed(value: float) -> int | None:
    """No decimals for a whole number a client wrote (a planned change of 3), else by size."""
    return 0 if float(value).is_integer() else None


def _plain_label(label: str) -> str:
    """The outcome's label for a sentence: the currency left out ("Bookings, USD" -> "bookings")."""
    text = re.sub(r"\s*[,(]\s*([A-Z]{3}|[€£$¥₹])\s*\)?\s*$", "", label.strip())
    if text and not text[:2].isupper():
        text = text[0].lower() + text[1:]
    return text or label


@dataclass(frozen=True)
class Measure:
    """How one measure is written: its name, its unit in tables and its phrase in sentences."""

    name: str
    unit: str  # "currency", "number" or "points" (a rate's change)
    kind: str | None  # money, count, rate, score or None


class TrainingReport:
    """Every estimate of one client's training-impact study, shown as the client reads it.

    Parameters
    ----------
    inputs : StudyInputs
        The checked inputs (:func:`analysis.studies.load_study`).

    Attributes hold the tidy tables for the researcher (``comparison``, ``against``,
    ``returns``, ``by_segment``, ...), computed when first used.
    """

    def __init__(self, inputs: StudyInputs):
        from analysis.clients.parameters import TrainingImpact

        assert isinstance(inputs.params, TrainingImpact), type(inputs.params)
        self.inputs = inputs
        self.p: TrainingImpact = inputs.params
        self.time: str = self.p.time or ""  # empty for a cross-section
        self.behaviour_col: str = self.p.behaviour or ""
        self.segment_col: str = self.p.segment or ""
        self.tables = inputs.tables
        self.data = inputs.tables["data"]
        self.panel = bool(inputs.extras["panel_design"])
        self.start = inputs.extras["start"]
        self.covariates = list(inputs.extras["covariates"])
        self.conf_level = float(self.p.conf_level)
        self.level = inputs.conf_label
        label = getattr(self.p, "outcome_label", None)
        self.currency = currency_of(self.p, label)
        self.period = (
            period_word(self.p, self.data[self.time]) if self.panel and self.time else "period"
        )
        self.per = f"per rep and {self.period}" if self.panel else "per rep"
        self.outcome_name = (
            _plain_label(label) if label else MEASURE_NAMES.get(self.p.outcome, self.p.outcome)
        )
        if not label and self.outcome_name == self.p.outcome:
            self.outcome_name = self.p.outcome.replace("_", " ")

    # ------------------------------------------------------------------ names and units
    def measure(self, column: str) -> Measure:
        """Name and unit of a panel measure (the outcome in the client's own words)."""
        if column == self.p.outcome:
            kind = self.inputs.extras.get("outcome_unit")
            name = self.outcome_name
        else:
            from analysis.contracts.training import MEASURE_UNITS

            kind = MEASURE_UNITS.get(column)
            name = self._behaviour_name(column) or MEASURE_NAMES.get(
                column, column.replace("_", " ")
            )
        unit = {"money": "currency", "rate": "points"}.get(kind or "", "number")
        return Measure(name, unit, kind)

    def _behaviour_name(self, column: str) -> str | None:
        plan = self.inputs.plan.plan if self.inputs.plan is not None else None
        for behaviour in getattr(plan, "behaviours", None) or []:
            if behaviour.measure == column and behaviour.description:
                base = MEASURE_NAMES.get(column, column.replace("_", " "))
                described = re.sub(r"\s*\(([^)]*)\)", r", \1", str(behaviour.description))
                return f"{base} ({described})"
        return None

    def amount(self, value: float, column: str, *, decimals: int | None = None) -> str:
        """A change in ``column`` as a sentence writes it: ``EUR 4,642`` or ``0.47 wins``."""
        m = self.measure(column)
        if m.unit == "currency":
            return formats.money(value, self.currency, decimals=decimals)
        if m.unit == "points":
            return formats.points(value, decimals or 0)
        text = formats.number(value, decimals)
        if m.kind == "score":
            return f"{text} points"
        if m.kind == "count":
            return f"{text} {MEASURE_NAMES.get(column, m.name)}"
        return text

    def ranged(self, row: Any, column: str) -> tuple[str, str]:
        """An estimate and its range, with shared decimals: (``EUR 4,642``, ``EUR 3,343 to 5,941``)."""
        est, low, high = float(row["estimate"]), float(row["conf_low"]), float(row["conf_high"])
        m = self.measure(column)
        places = formats.decimals_for(est, low, high) if m.unit != "points" else 0
        if m.unit == "currency":
            bounds = formats.interval(
                low, high, "currency", currency=self.currency, decimals=places
            )
        elif m.unit == "points":
            bounds = f"{formats.number(100 * low, 0)} to {formats.number(100 * high, 0, plus=low < 0 < high)}"
        else:
            bounds = formats.interval(low, high, "number", decimals=places)
        return self.amount(est, column, decimals=places), bounds

    def _effect_phrase(self, row: Any, column: str, *, what: str | None = None) -> str:
        """ "raised revenue by about EUR 4,642 per rep and month (95% range EUR 3,343 to 5,941)"."""
        what = what or self.measure(column).name
        shown, bounds = self.ranged(row, column)
        moved = direction(row["conf_low"], row["conf_high"])
        if moved == "unclear":
            return (
                f"the data cannot tell whether training changed {what} "
                f"(95% range {bounds} {self.per})".replace("95%", self.level)
            )
        verb = "raised" if moved == "above" else "lowered"
        size = shown.lstrip(formats.MINUS)
        if self.measure(column).unit == "currency" and self.currency:
            size = shown.replace(formats.MINUS, "")
        return f"training {verb} {what} by about {size} {self.per} ({self.level} range {bounds})"

    # ------------------------------------------------------------------ estimates
    @cached_property
    def against(self) -> pd.DataFrame | None:
        """Effects as the measurement plan set them (None without a plan)."""
        if not self.inputs.runs("plan"):
            return None
        from analysis import planning

        plan = self.inputs.plan.plan  # type: ignore[union-attr]
        return planning.planned_effects(
            self.data,
            plan,
            unit=self.p.unit,
            time=self.time,
            start=self.start,
            outcomes=[self.p.outcome],
            only=[*self.inputs.extras["plan_measures"], self.p.outcome],
            cluster=self.p.cluster,
            conf_level=self.conf_level,
        )

    @cached_property
    def comparison(self) -> pd.DataFrame:
        """The naive difference next to the estimators that isolate the effect."""
        from analysis import effects

        return effects.compare_estimators(
            self.data,
            outcome=self.p.outcome,
            treatment=self.p.treatment,
            unit=self.p.unit if self.panel else None,
            time=self.p.time,
            start=self.start,
            covariates=self.covariates,
            cluster=self.p.cluster,
            conf_level=self.conf_level,
        )

    def _plan_row(self, column: str) -> pd.Series | None:
        if self.against is None:
            return None
        rows = self.against[self.against["term"] == column]
        return None if rows.empty else rows.iloc[0]

    @cached_property
    def effect(self) -> pd.Series:
        """The one reported effect on the outcome: the plan's, else the declared estimator's."""
        planned = self._plan_row(self.p.outcome)
        if planned is not None:
            return planned
        return _isolated(self.comparison)

    @property
    def effect_source(self) -> str:
        """How the reported effect was estimated, in a plain line."""
        if self._plan_row(self.p.outcome) is not None:
            plan = self.inputs.plan.plan  # type: ignore[union-attr]
            return (
                f"as the measurement plan set it: counted {formats.counted_from(plan.effect_from).replace('period', self.period)}, "
                "each trained rep compared with what the same rep would have had untrained"
            )
        from analysis.effects import isolated_term

        term = isolated_term(self.comparison)
        if term == "regression adjusted":
            return "trained and untrained reps compared with their earlier results held equal"
        return "each trained rep compared with what the same rep would have had untrained"

    @cached_property
    def behaviour(self) -> pd.Series | None:
        """The one reported effect on behaviour, with the same estimator as the results."""
        if not self.inputs.runs("behaviour"):
            return None
        planned = self._plan_row(self.behaviour_col)
        if planned is not None:
            return planned
        from analysis import effects

        return effects.staggered_att(
            self.data,
            outcome=self.behaviour_col,
            unit=self.p.unit,
            time=self.time,
            start=self.start,
            cluster=self.p.cluster,
            conf_level=self.conf_level,
        ).iloc[0]

    @cached_property
    def reaction(self) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        if not self.inputs.runs("reaction"):
            return None
        from analysis import kirkpatrick

        return kirkpatrick.reaction_summary(
            self.tables["reactions"], list(REACTION_ITEMS), conf_level=self.conf_level
        )

    @cached_property
    def learning(self) -> pd.DataFrame | None:
        if not self.inputs.runs("learning"):
            return None
        from analysis import kirkpatrick

        return kirkpatrick.learning_gain(self.tables["assessments"], conf_level=self.conf_level)

    @cached_property
    def event_studies(self) -> dict[str, Any] | None:
        if not self.inputs.runs("event_study"):
            return None
        from analysis import effects

        return {
            label: effects.event_study(
                self.data,
                outcome=self.p.outcome,
                unit=self.p.unit,
                time=self.time,
                start=self.start,
                window=(int(self.p.event_window[0]), int(self.p.event_window[1])),
                estimator=estimator,
                cluster=self.p.cluster,
                conf_level=self.conf_level,
            )
            for label, estimator in _ESTIMATORS
        }

    @cached_property
    def segments(self) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        if not self.inputs.runs("segments"):
            return None
        from analysis import effects
        from analysis.survey import suppress_small_cells

        by_segment, test = effects.effects_by_segment(
            self.data,
            outcome=self.p.outcome,
            treatment=self.p.treatment,
            by=self.segment_col,
            unit=self.p.unit,
            time=self.time,
            cluster=self.p.cluster,
            conf_level=self.conf_level,
        )
        shown = suppress_small_cells(
            by_segment, count="n_units", min_cell_size=self.p.min_cell_size
        )
        return shown, test

    @cached_property
    def chain(self) -> pd.DataFrame | None:
        if not self.inputs.runs("chain"):
            return None
        from analysis import kirkpatrick

        links = kirkpatrick.chain_table(
            self.data,
            self.tables["assessments"],
            unit=self.p.unit,
            time=self.time,
            start=self.tables["reps"].set_index(self.p.unit)[self.start],
            behaviour=self.behaviour_col,
            outcome=self.p.outcome,
        )
        mediated = kirkpatrick.mediation(
            links,
            treatment="learning_gain",
            mediator="behaviour_change",
            outcome="results_change",
            conf_level=self.conf_level,
        )
        mediated.attrs["reps"] = len(links)
        return mediated

    @cached_property
    def total_costs(self) -> float | None:
        if not self.inputs.runs("roi"):
            return None
        from analysis import roi

        return float(roi.fully_loaded_costs(self.tables["costs"]))

    @cached_property
    def returns(self) -> Any:
        """The ROI (:class:`analysis.roi.RoiResult`), None without costs."""
        if self.total_costs is None:
            return None
        from analysis import roi

        return roi.programme_roi(
            self.data,
            outcome=self.p.outcome,
            unit=self.p.unit,
            time=self.p.time,
            start=self.start,
            treatment=self.p.treatment,
            costs=self.total_costs,
            margin=self.p.margin,
            covariates=tuple(self.covariates),
            conf_level=self.conf_level,
            conservative=self.p.conservative_roi,
            intangibles=self.p.intangibles,
            value_per_unit=self.p.value_per_unit or 1.0,
            cluster=self.p.cluster,
        )

    @cached_property
    def design(self) -> pd.DataFrame | None:
        """Minimum detectable and break-even effect of this client's design."""
        if self.returns is None:
            return None
        from analysis import power

        isolated = _isolated(self.comparison)
        return power.design_check(
            std_error=float(isolated["std_error"]),
            break_even=self.returns.break_even_effect(),
            conf_level=self.conf_level,
            df=self.returns.n_clusters - 1,
            unit=self.measure(self.p.outcome).unit,
            effect=float(isolated["estimate"]),
        )

    # ------------------------------------------------------------------ sentences
    def roi_clause(self) -> str:
        """Whether the training paid, as far as the ROI interval allows."""
        r = self.returns
        low, high = r.intervals.get("roi_percent", (float("nan"), float("nan")))
        roi = formats.percent(r.figures["roi_percent"])
        bounds = formats.interval(low, high, "percent")
        verdict = direction(low, high)
        if verdict == "above":
            return f"it has paid for itself: return {roi} ({self.level} range {bounds})"
        if verdict == "below":
            return f"it has not paid for itself: return {roi} ({self.level} range {bounds})"
        if bounds == "not computable":
            return f"whether it paid cannot be told: return {roi}, no range could be computed"
        return (
            f"the data cannot tell yet whether it paid for itself: return {roi} "
            f"({self.level} range {bounds})"
        )

    def answer(self) -> str:
        """The first sentence: did training change the client's results, and did it pay?"""
        text = self._effect_phrase(self.effect, self.p.outcome)
        text = text[0].upper() + text[1:]
        if self.returns is None:
            return text + "."
        moved = direction(self.effect["conf_low"], self.effect["conf_high"])
        roi_moved = direction(*self.returns.intervals.get("roi_percent", (None, None)))
        joiner = ", and " if (moved == "above") == (roi_moved == "above") else ", but "
        clause = self.roi_clause()
        if moved == "unclear":
            joiner = "; "
            clause = clause.replace("the data cannot tell yet", "nor can it tell yet", 1)
        return text + joiner + clause + "."

    def behaviour_sentence(self) -> str | None:
        row = self.behaviour
        if row is None:
            return None
        text = self._effect_phrase(row, self.behaviour_col)
        text = text[0].upper() + text[1:]
        planned = row.get("planned") if hasattr(row, "get") else None
        if planned is not None and not pd.isna(planned):
            versus = direction(row["conf_low"], row["conf_high"], null=float(planned))
            target = self.amount(float(planned), self.behaviour_col, decimals=_trimmed(planned))
            text += {
                "above": f", more than the {target} the plan expected",
                "below": f", short of the {target} the plan expected",
                "unclear": f"; whether it reached the {target} the plan expected, the data cannot tell",
            }[versus]
        return text + "."

    def plan_sentence(self) -> str | None:
        """The outcome against the plan's expected effect."""
        row = self._plan_row(self.p.outcome)
        if row is None or row.get("planned") is None or pd.isna(row.get("planned")):
            return None
        planned = float(row["planned"])
        target = self.amount(planned, self.p.outcome, decimals=_trimmed(planned))
        versus = direction(row["conf_low"], row["conf_high"], null=planned)
        return {
            "above": f"That is more than the {target} {self.per} the measurement plan expected.",
            "below": f"That falls short of the {target} {self.per} the measurement plan expected.",
            "unclear": f"Whether it reached the {target} {self.per} the measurement plan expected, "
            "the data cannot tell.",
        }[versus]

    def segment_finding(self) -> str | None:
        """The segment where the effect clearly differs, with what it means for targeting."""
        if self.segments is None:
            return None
        shown, test = self.segments
        rows = shown[shown["estimate"].notna()]
        if len(rows) < 2 or test.empty:
            return None
        differs = float(test["p_value"].iloc[0]) < 1 - self.conf_level
        name = SEGMENT_NAMES.get(self.segment_col, self.segment_col.replace("_", " "))
        ordered = rows.sort_values("estimate", ascending=False)
        parts = []
        for _, row in ordered.iterrows():
            shown_value, bounds = self.ranged(row, self.p.outcome)
            parts.append(f"{row['term']} {shown_value} ({self.level} range {bounds})")
        if not differs:
            return (
                f"The effect does not clearly differ by {name}: "
                + "; ".join(parts)
                + f" {self.per}."
            )
        best, worst = ordered.iloc[0], ordered.iloc[-1]
        tail = direction(worst["conf_low"], worst["conf_high"])
        if tail == "unclear":
            meaning = (
                f"the gain comes from the {best['term']} group; for the {worst['term']} group the "
                "data cannot tell "
                "whether the training helps, so the next cohort could be chosen accordingly"
            )
        else:
            meaning = (
                f"the training does most for the {best['term']} group, which is where a further "
                "rollout would pay most"
            )
        return (
            f"The effect clearly differs by {name}: "
            + "; ".join(parts)
            + f" {self.per}. So {meaning}."
        )

    def roi_finding(self) -> str | None:
        r = self.returns
        if r is None:
            return None
        low, high = r.intervals.get("roi_percent", (float("nan"), float("nan")))
        costs = formats.money(r.figures["costs"], self.currency)
        benefits = formats.money(r.figures["benefits"], self.currency)
        even = self.amount(r.break_even_effect(), self.p.outcome)
        head = (
            f"The programme cost {costs} in all and brought about {benefits} in profit "
            f"contribution at a {formats.percent(100 * self.p.margin)} margin; it breaks even at "
            f"an effect of {even} {self.per}."
        )
        verdict = direction(low, high)
        if verdict == "above":
            payback = r.figures.get("payback_periods")
            if payback is not None and pd.notna(payback) and payback >= 0.05:
                head += (
                    f" It paid back its cost in about {formats.number(payback, 1)} {self.period}s."
                )
            return (
                head
                + " Extending it to reps not yet trained can be expected to pay if they respond alike."
            )
        if verdict == "below":
            return (
                head
                + " At these costs it does not pay; a cheaper delivery or a larger effect is needed."
            )
        mde = float(self.design.iloc[0]["estimate"]) if self.design is not None else float("nan")
        return (
            head
            + f" This evaluation can only tell apart effects of about {self.amount(mde, self.p.outcome)} "
            "or more, so a longer or larger evaluation is needed before deciding on a wider rollout."
        )

    def learning_finding(self) -> str | None:
        parts = []
        if self.reaction is not None:
            means = self.reaction[0].set_index("term")
            rating = means.loc["rating"]
            places = formats.decimals_for(
                rating["estimate"], rating["conf_low"], rating["conf_high"]
            )
            parts.append(
                f"Trained reps rated the programme {formats.number(rating['estimate'], places)} of 5 "
                f"on average ({formats.share(rating['top_box'], 1)} gave 4 or 5)"
            )
        if self.learning is not None:
            row = self.learning.iloc[0]
            moved = direction(row["conf_low"], row["conf_high"])
            places = formats.decimals_for(row["estimate"], row["conf_low"], row["conf_high"])
            bounds = formats.interval(row["conf_low"], row["conf_high"], decimals=places)
            if moved == "unclear":
                parts.append(
                    f"the data cannot tell whether assessment scores changed ({self.level} range {bounds} points)"
                )
            else:
                verb = "rose" if moved == "above" else "fell"
                parts.append(
                    f"their assessment scores {verb} by {formats.number(abs(row['estimate']), places)} "
                    f"points ({self.level} range {bounds})"
                )
        if not parts:
            return None
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."

    def findings(self) -> list[str]:
        """Three to five findings with their ranges and what they mean for the next decision."""
        found = []
        behaviour = self.behaviour_sentence()
        if behaviour:
            found.append(
                behaviour[:-1] + ": managers can watch this measure as the early sign of results."
            )
        for finding in (self.segment_finding(), self.roi_finding(), self.learning_finding()):
            if finding:
                found.append(finding)
        plan = self.plan_sentence()
        if plan and len(found) < 5:
            found.insert(0, plan)
        return found[:5]

    def records(self) -> list[dict[str, Any]]:
        """The headline figures (cards, the index and results.json): one per quantity."""
        m = self.measure(self.p.outcome)
        unit = "currency" if m.unit == "currency" else "number"
        records = [
            {
                "name": "effect",
                "label": f"Effect on {self.outcome_name} {self.per}",
                "estimate": self.effect["estimate"],
                "conf_low": self.effect["conf_low"],
                "conf_high": self.effect["conf_high"],
                "n": self.effect.get("n"),
                "unit": unit,
            }
        ]
        if self.returns is not None:
            figures = self.returns.tidy().set_index("term")
            for name, label, fig_unit in (
                ("roi_percent", "Return on the programme (ROI)", "percent"),
                (
                    "bcr",
                    f"Profit contribution per {self.currency + ' ' if self.currency else ''}1 spent",
                    "ratio",
                ),
            ):
                row = figures.loc[name]
                records.append(
                    {
                        "name": name,
                        "label": label,
                        "estimate": row["estimate"],
                        "conf_low": row["conf_low"],
                        "conf_high": row["conf_high"],
                        "unit": fig_unit,
                    }
                )
        if self.behaviour is not None:
            b = self.measure(self.behaviour_col)
            records.append(
                {
                    "name": "behaviour_effect",
                    "label": f"Change in {MEASURE_NAMES.get(self.behaviour_col, b.name)}",
                    "estimate": self.behaviour["estimate"],
                    "conf_low": self.behaviour["conf_low"],
                    "conf_high": self.behaviour["conf_high"],
                    "unit": "currency" if b.unit == "currency" else "number",
                }
            )
        naive = self.comparison.set_index("term").loc["naive difference"]
        records.append(
            {
                "name": "naive_difference",
                "label": "Naive trained-vs-untrained difference (misleading; see the appendix)",
                "estimate": naive["estimate"],
                "conf_low": naive["conf_low"],
                "conf_high": naive["conf_high"],
                "unit": unit,
                "card": False,
            }
        )
        return records

    def caveats(self) -> list[str]:
        """What the first screen must say beside the answer: a measurement plan edited after
        its freeze or never frozen, an outcome the plan did not name, and the plan's primary
        outcome when the report's outcome is not it."""
        said: list[str] = []
        status = self.inputs.plan
        if status is not None and (status.edited_after_first_freeze or not status.frozen):
            said += status.sentences()
        said += self.inputs.extras.get("role_sentences", [])
        if self.against is not None:
            primary = self.against[self.against["role"] == "primary"]
            if not primary.empty and primary.iloc[0]["term"] != self.p.outcome:
                row = primary.iloc[0]
                phrase = self._effect_phrase(row, str(row["term"]))
                said.insert(
                    0,
                    f"The plan's primary outcome is {self.measure(str(row['term'])).name}: {phrase}.",
                )
        return said

    def first_screen(self):
        """The report's first screen: the answer, the findings and the headline figures."""
        from analysis.report.display import publish_summary

        return publish_summary(
            self.records(),
            answer=self.answer(),
            sentences=self.caveats(),
            findings=self.findings(),
            currency=self.currency,
            conf_level=self.conf_level,
        )

    # ------------------------------------------------------------------ body sections
    def results_section(self) -> Section:
        """What changed in the results: one effect per outcome, with the plan's expectation."""
        section = Section(_paragraph(self.answer()))
        plan = self.plan_sentence()
        if plan:
            section.add(_paragraph(plan))
        rows = []
        if self.against is not None:
            for _, row in self.against[self.against["role"] != "behaviour"].iterrows():
                rows.append({**self._effect_row(row, str(row["term"])), "role": row["role"]})
        else:
            rows.append(self._effect_row(self.effect, self.p.outcome))
        role_note = str(self.inputs.extras.get("role_note", ""))
        section.add(
            table(
                pd.DataFrame(rows),
                caption=f"Effect of training on {self.outcome_name}{role_note} and the other "
                f"measures, {self.per} ({self.level} range)"
                if len(rows) > 1
                else f"Effect of training on {self.outcome_name}{role_note} {self.per} ({self.level} range)",
                columns=[
                    "measure",
                    *(["role"] if self.against is not None else []),
                    "estimate",
                    "conf_low",
                    "conf_high",
                    "planned",
                ],
                display_names={
                    "role": "In the plan",
                    "measure": "Measure",
                    "estimate": "Effect",
                    "conf_low": "From",
                    "conf_high": "To",
                    "planned": "The plan expected",
                },
                row_unit="unit",
                currency=self.currency,
            )
        )
        return section

    def _effect_row(self, row: Any, column: str) -> dict[str, Any]:
        m = self.measure(column)
        scale = 100.0 if m.unit == "points" else 1.0
        planned = row.get("planned") if hasattr(row, "get") else None
        name = m.name if column == self.p.outcome else MEASURE_NAMES.get(column, m.name)
        return {
            "measure": name[0].upper() + name[1:],
            "estimate": float(row["estimate"]) * scale,
            "conf_low": float(row["conf_low"]) * scale,
            "conf_high": float(row["conf_high"]) * scale,
            "planned": None if planned is None or pd.isna(planned) else float(planned) * scale,
            "unit": "currency" if m.unit == "currency" else "number",
        }

    def behaviour_section(self) -> Section:
        """What reps do differently (nothing when no behaviour was measured)."""
        sentence = self.behaviour_sentence()
        return Section(_paragraph(sentence)) if sentence else Section()

    def reaction_learning_section(self) -> Section:
        """How reps rated the training and what they learned."""
        section = Section()
        if self.reaction is not None:
            from analysis.core import plots

            means, distribution = self.reaction
            section.add(
                table(
                    means,
                    caption="How trained reps rated the programme (1 = poor, 5 = excellent)",
                    columns=["term", "estimate", "conf_low", "conf_high", "top_box", "n"],
                    display_names={
                        "term": "Question",
                        "estimate": "Average",
                        "conf_low": "From",
                        "conf_high": "To",
                        "top_box": "Rated 4 or 5",
                        "n": "Reps answering",
                        **REACTION_ITEMS,
                    },
                    unit="number",
                    units={"top_box": "share"},
                )
            )
            from analysis.report.display import figure

            section.add(
                figure(
                    plots.plot_shares(
                        distribution.assign(
                            conf_low=distribution["estimate"],
                            conf_high=distribution["estimate"],
                            term=distribution["term"].map(REACTION_ITEMS),
                        ),
                        label="level",
                        by="term",
                    ),
                    caption="Share of trained reps giving each rating, from 1 (poor) to 5 (excellent), "
                    "for each question of the table above.",
                )
            )
        finding = self.learning_finding()
        if finding and self.learning is not None:
            section.add(_paragraph(finding))
        return section

    def time_and_groups_section(self) -> Section:
        """When the effect shows (month by month) and for whom (by segment)."""
        section = Section()
        if self.event_studies is not None:
            from analysis.core import plots
            from analysis.report.display import figure

            study = self.event_studies["Imputation"].tidy()
            m = self.measure(self.p.outcome)
            fig = plots.plot_event_study(
                {"Effect": study},
                ylabel=f"Effect on {self.outcome_name} {self.per}"
                + (f" ({self.currency})" if m.unit == "currency" and self.currency else ""),
                xlabel=f"{self.period.capitalize()}s since training started (−1: the {self.period} before)",
                formatter=formats.axis_formatter(m.unit),
                legend=False,
            )
            section.add(
                figure(
                    fig,
                    caption=f"Effect of training on {self.outcome_name} {self.period} by {self.period} "
                    f"from the start of training, with {self.level} ranges; before training the "
                    "effect should be close to zero.",
                )
            )
        if self.segments is not None:
            shown, _ = self.segments
            name = SEGMENT_NAMES.get(self.segment_col, self.segment_col.replace("_", " "))
            finding = self.segment_finding()
            if finding:
                section.add(_paragraph(finding))
            unit: Any = "currency" if self.measure(self.p.outcome).unit == "currency" else "number"
            section.add(
                table(
                    shown,
                    caption=f"Effect of training on {self.outcome_name} {self.per}, by {name} "
                    f"({self.level} range; groups under {self.p.min_cell_size} reps suppressed)",
                    columns=["term", "estimate", "conf_low", "conf_high", "n_units"],
                    display_names={
                        "term": name[0].upper() + name[1:],
                        "estimate": "Effect",
                        "conf_low": "From",
                        "conf_high": "To",
                        "n_units": "Reps",
                    },
                    unit=unit,
                    currency=self.currency,
                )
            )
        return section

    def roi_section(self) -> Section:
        """Did training pay: costs, benefits, ROI, payback and what the design can tell."""
        if self.returns is None:
            return Section()
        r = self.returns
        costs = self.tables["costs"]
        section = Section(
            _paragraph("The programme " + self.roi_clause().removeprefix("it ") + ".")
        )
        section.add(
            table(
                costs,
                caption=f"Programme costs, fully loaded (total {formats.money(self.total_costs, self.currency)})",
                columns=[c for c in ("item", "category", "amount") if c in costs.columns],
                display_names={"item": "Item", "category": "Category", "amount": "Amount"},
                units={"amount": "currency"},
                currency=self.currency,
            )
        )
        tidy = r.tidy()
        tidy.loc[tidy["term"] == "payback_periods", "unit"] = "duration"  # one decimal
        per_one = f"per {self.currency} 1 spent" if self.currency else "per 1 spent"
        names = {
            "benefits": "Profit contribution from the effect",
            "costs": "Costs",
            "net_benefits": "Net benefit",
            "bcr": f"Profit contribution {per_one}",
            "roi_percent": "Return on the programme (ROI)",
            "payback_periods": f"Payback ({self.period}s)",
        }
        section.add(
            table(
                tidy,
                caption=f"Return at a {formats.percent(100 * self.p.margin)} margin ({self.level} range)",
                columns=["term", "estimate", "conf_low", "conf_high"],
                display_names={
                    "term": "Figure",
                    "estimate": "Value",
                    "conf_low": "From",
                    "conf_high": "To",
                    **names,
                },
                row_unit="unit",
                currency=self.currency,
            )
        )
        if r.intangibles:
            section.add(note("Benefits not converted to money: " + "; ".join(r.intangibles) + "."))
        finding = self.roi_finding()
        if finding:
            section.add(_paragraph(finding))
        return section

    def not_measured(self):
        """One line naming what this client did not measure, and how to add it."""
        missing = [s for s in MISSING_WHAT if not self.inputs.runs(s)]
        if not self.panel:
            missing = [s for s in missing if s not in ("behaviour", "event_study", "segments")]
            missing.append("behaviour and effects over time")
            how = "a rep-by-period panel of results and behaviour; " + "; ".join(
                MISSING_HOW[s] for s in missing if s in MISSING_HOW
            )
            words = [MISSING_WHAT.get(s, s) for s in missing]
            return not_measured(words, how)
        return not_measured(
            [MISSING_WHAT[s] for s in missing], "; ".join(MISSING_HOW[s] for s in missing)
        )

    # ------------------------------------------------------------------ appendix
    def appendix(self) -> Section:
        """Methods and checks: the alternative estimators, tests, data checks and a glossary."""
        from analysis import effects, planning, power, roi
        from analysis.report.display import DISPLAY_TIDY

        section = Section()
        outcome = self.outcome_name
        unit: Any = "currency" if self.measure(self.p.outcome).unit == "currency" else "number"
        section.add(_heading("How the effect was estimated"))
        section.add(
            _paragraph(
                f"The report gives one effect on {outcome}: {self.effect_source}. The other "
                "estimates below answer slightly different questions ("
                + (f"every {self.period} after training, or " if self.panel else "")
                + "without removing who was chosen first), which is why they differ."
            )
        )
        names = {
            **DISPLAY_TIDY,
            "term": "Estimator",
            "naive difference": "Naive: trained minus untrained",
            "two-way fixed effects": "Two-way fixed effects",
            "regression adjusted": "Regression adjusted",
            "staggered (imputation)": "Imputation, every period after training",
            "unit fixed effects": "Rep fixed effects",
        }
        section.add(
            table(
                self.comparison,
                caption=f"Estimates of the effect on {outcome} {self.per} "
                f"({self.level} intervals, {self.inputs.extras['errors_note']})",
                display_names=names,
                unit=unit,
                currency=self.currency,
            )
        )
        section.add(
            notes(
                effects.explain_comparison(
                    self.comparison, outcome_label=outcome, unit_label=self.per
                )
            )
        )
        if self.against is not None:
            plan = self.inputs.plan.plan  # type: ignore[union-attr]
            section.add(_heading("Held to the measurement plan"))
            section.add(
                table(
                    self.against.assign(
                        term=self.against["term"].map(lambda t: MEASURE_NAMES.get(t, t))
                    ),
                    caption=f"Effects as the plan set them, counted {formats.counted_from(plan.effect_from)} "
                    f"({self.level} intervals; secondary outcomes Holm-adjusted)",
                    columns=[
                        "term",
                        "role",
                        "estimate",
                        "conf_low",
                        "conf_high",
                        "p_value",
                        "p_value_adjusted",
                        "planned",
                        "n",
                    ],
                    display_names={
                        "term": "Measure",
                        "role": "Role in the plan",
                        "estimate": "Effect",
                        "conf_low": "Lower bound",
                        "conf_high": "Upper bound",
                        "p_value": "p-value",
                        "p_value_adjusted": "p-value (Holm)",
                        "planned": "Planned",
                        "n": "Rep-periods",
                    },
                    unit="number",
                    units={"p_value_adjusted": "p_value"},
                )
            )
            section.add(
                notes(
                    [
                        *planning.describe_against_plan(
                            self.against,
                            labels={self.p.outcome: outcome},
                            effect_from=plan.effect_from,
                            conf_level=self.conf_level,
                        ),
                        *self.inputs.extras["rollout_sentences"],
                    ]
                )
            )
        if self.behaviour is not None:
            from analysis.effects import estimate

            twfe = estimate(
                self.data,
                outcome=self.behaviour_col,
                treatment=self.p.treatment,
                unit=self.p.unit,
                time=self.time,
                cluster=self.p.cluster,
                conf_level=self.conf_level,
            ).tidy()
            behaviour = pd.concat(
                [
                    pd.DataFrame([self.behaviour]).assign(term="Reported (as for the results)"),
                    twfe.iloc[[0]].assign(term="Two-way fixed effects"),
                ]
            )[["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n"]]
            section.add(_heading("Behaviour"))
            section.add(
                table(
                    behaviour,
                    caption=f"Effect on {MEASURE_NAMES.get(self.behaviour_col, self.behaviour_col)} "
                    f"({self.level} intervals)",
                    display_names={**DISPLAY_TIDY, "term": "Estimator"},
                    unit="number",
                )
            )
        if self.learning is not None:
            section.add(_heading("Learning"))
            section.add(
                table(
                    self.learning,
                    caption=f"Learning gain in assessment points (paired t-test, {self.level} interval)",
                    columns=[
                        "term",
                        "estimate",
                        "conf_low",
                        "conf_high",
                        "p_value",
                        "hedges_gz",
                        "n",
                    ],
                    display_names={
                        "term": "Measure",
                        "estimate": "Mean gain",
                        "conf_low": "Lower bound",
                        "conf_high": "Upper bound",
                        "p_value": "p-value",
                        "hedges_gz": "Hedges' g_z",
                        "n": "Reps",
                        "learning gain": "Assessment score",
                    },
                    unit="number",
                )
            )
        if self.event_studies is not None:
            section.add(_heading("Trends before training"))
            section.add(
                table(
                    pd.concat([v.pretrend().assign(test=k) for k, v in self.event_studies.items()]),
                    caption="Pre-trend test: are the effects before training jointly zero? "
                    "(a small p-value warns of different trends before training)",
                    display_names={
                        "test": "Estimator",
                        "statistic": "F statistic",
                        "df": "Leads",
                        "p_value": "p-value",
                        "n": "n",
                    },
                    units={"statistic": "number", "df": "count"},
                )
            )
        if self.segments is not None:
            section.add(_heading("Segments"))
            section.add(
                table(
                    self.segments[1],
                    caption="Do the effects differ between segments? (Wald test; segment "
                    "effects by two-way fixed effects)",
                    display_names={
                        "test": "Test",
                        "statistic": "F statistic",
                        "df": "df",
                        "p_value": "p-value",
                        "n": "n",
                    },
                    units={"statistic": "number", "df": "count"},
                )
            )
        if self.chain is not None:
            section.add(_heading("From learning to behaviour to results"))
            section.add(
                table(
                    self.chain,
                    caption=f"Mediation: effect of one more assessment point on the change in "
                    f"{outcome} ({self.level} intervals, {self.chain.attrs['reps']} trained reps)",
                    display_names={
                        "term": "Path",
                        "estimate": "Estimate",
                        "conf_low": "Lower bound",
                        "conf_high": "Upper bound",
                        "p_value": "p-value",
                        "n": "Reps",
                        "indirect": "Indirect, through behaviour",
                        "direct": "Direct",
                        "total": "Total",
                        "proportion mediated": "Share through behaviour",
                    },
                    unit="number",
                )
            )
        if self.returns is not None:
            section.add(_heading("Return on investment"))
            section.add(
                _paragraph(
                    "The return uses the imputation estimate over every trained rep-period "
                    "(ramp-up included), since the costs buy every trained period; its range "
                    "comes from a bootstrap over reps."
                )
            )
            section.add(notes(roi.describe(self.returns)))
            if self.design is not None:
                isolated = _isolated(self.comparison)
                section.add(
                    table(
                        self.design.replace({"unit": {"outcome": unit}}),
                        caption=f"Could this design show whether training paid? Effects on {outcome} {self.per}",
                        display_names={"term": "Figure", "estimate": "Value"},
                        row_unit="unit",
                        currency=self.currency,
                    )
                )
                section.add(
                    note(
                        power.describe_design(
                            self.design,
                            conf_low=float(isolated["conf_low"]),
                            conf_high=float(isolated["conf_high"]),
                        )
                    )
                )
        checks = [
            *self.inputs.plan_sentences,
            *self.inputs.extras.get("role_sentences", []),
            *self.inputs.warnings,
            *(f"Left out: {reason}" for reason in self.inputs.skipped.values()),
        ]
        if checks:
            section.add(_heading("Data checks and sections left out"))
            section.add(notes(checks))
        section.add(_heading("Glossary"))
        section.add(glossary(GLOSSARY))
        return section
