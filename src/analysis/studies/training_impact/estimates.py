"""Every estimate of one client's training study, computed once (:class:`TrainingEstimates`).

The first screen, the body and the appendix all read the same attributes, so one quantity
has one number everywhere. The names and units of the measures, and the sentences' pieces
(an amount, an estimate with its range, an effect phrase), live here too.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, cast

import pandas as pd

from analysis.core import formats
from analysis.core.conclusions import direction
from analysis.studies.training_impact.words import (
    MEASURE_NAMES,
    REACTION_ITEMS,
    Measure,
    plain_label,
)

if TYPE_CHECKING:
    from analysis.kirkpatrick import ReactionSummary
    from analysis.studies import StudyInputs
    from analysis.studies.training_impact.units import Units

__all__ = ["TrainingEstimates", "isolated_row"]


_ESTIMATORS: tuple[tuple[str, Literal["twfe", "imputation"]], ...] = (
    ("Imputation", "imputation"),
    ("Two-way fixed effects", "twfe"),
)


def isolated_row(comparison: pd.DataFrame) -> pd.Series:
    """Return the row of the isolating estimator in a comparison table."""
    from analysis.effects import isolated_term

    return cast(pd.Series, comparison.set_index("term").loc[isolated_term(comparison)])


class TrainingEstimates:
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
        #: The estimators' caveats (few clusters, a bootstrap interval, ...): the appendix's,
        #: never a note in the body beside a plain sentence.
        self.method_notes: list[str] = []
        label = getattr(self.p, "outcome_label", None)
        units = inputs.units
        if units is None:  # inputs put together by hand: the units from the parameters
            from analysis.studies.training_impact.units import study_units

            units = study_units(self.p, self.data, inputs.extras.get("outcome_unit"))
        self.units: Units = units
        self.currency = units.currency
        self.symbol = units.symbol
        self.period = units.period or "period"
        self.per = units.per
        self.outcome_name = (
            plain_label(label) if label else MEASURE_NAMES.get(self.p.outcome, self.p.outcome)
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

    def money(self, value: float, *, decimals: int | None = None) -> str:
        """Write an amount in the client's currency and style: ``EUR 2,400`` or ``€2,400``."""
        return self.units.money(value, decimals=decimals)

    def amount(self, value: float, column: str, *, decimals: int | None = None) -> str:
        """Write a change in ``column`` as a sentence does: ``EUR 4,642``, ``0.47 deals won``.

        Money carries the currency, a count its unit (the client's label for the
        outcome, else the measure's name), a score "points", a rate percentage points.
        """
        m = self.measure(column)
        if m.unit == "currency":
            return self.money(value, decimals=decimals)
        if m.unit == "points":
            return formats.points(value, decimals or 0)
        text = formats.number(value, decimals)
        if m.kind == "score":
            return f"{text} points"
        if m.kind == "count":
            noun = m.name if column == self.p.outcome else MEASURE_NAMES.get(column, m.name)
            return f"{text} {noun}"
        return text

    def ranged(self, row: Any, column: str) -> tuple[str, str]:
        """Write an estimate and its range with shared decimals.

        For example (``EUR 4,642``, ``EUR 3,343 to 5,941``).
        """
        est, low, high = float(row["estimate"]), float(row["conf_low"]), float(row["conf_high"])
        m = self.measure(column)
        places = formats.decimals_for(est, low, high) if m.unit != "points" else 0
        if m.unit == "currency":
            bounds = formats.interval(
                low, high, "currency", currency=self.currency, decimals=places, symbol=self.symbol
            )
        elif m.unit == "points":
            bounds = f"{formats.number(100 * low, 0)} to {formats.number(100 * high, 0, plus=low < 0 < high)}"
        else:
            bounds = formats.interval(low, high, "number", decimals=places)
        return self.amount(est, column, decimals=places), bounds

    def _effect_phrase(self, row: Any, column: str, *, what: str | None = None) -> str:
        """Write the effect as a phrase.

        For example "raised revenue by about EUR 4,642 per rep and month (95% range EUR 3,343
        to 5,941)".
        """
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
        if self.measure(column).kind == "count":  # the unit once: "0.45 more deals won"
            more = "more" if moved == "above" else "fewer"
            return (
                f"training brought about {size.replace(' ', f' {more} ', 1)} {self.per} "
                f"({self.level} range {bounds})"
            )
        return f"training {verb} {what} by about {size} {self.per} ({self.level} range {bounds})"

    # ------------------------------------------------------------------ estimates
    @contextmanager
    def _caveats_to_appendix(self) -> Iterator[None]:
        """Keep the caveats an estimate warns about for the appendix (:attr:`method_notes`).

        Other warnings (deprecations) pass on as they are.
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for found in caught:
            if issubclass(found.category, (UserWarning, RuntimeWarning)):
                text = " ".join(str(found.message).split())
                if text and text not in self.method_notes:
                    self.method_notes.append(text)
            else:
                warnings.warn_explicit(found.message, found.category, found.filename, found.lineno)

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

        with self._caveats_to_appendix():
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
        return isolated_row(self.comparison)

    @property
    def effect_source(self) -> str:
        """How the reported effect was estimated, in a plain line."""
        if self._plan_row(self.p.outcome) is not None:
            plan = self.inputs.plan.plan  # type: ignore[union-attr]
            return (
                "as the measurement plan set it: counted "
                f"{formats.counted_from(plan.effect_from).replace('period', self.period)}, "
                "each trained rep compared with what the same rep would have had untrained"
            )
        from analysis.effects import isolated_term

        term = isolated_term(self.comparison)
        if term == "regression adjusted":  # a cross-section: one row per rep, no rep seen twice
            if not self.covariates:
                return (
                    "trained reps compared with untrained reps, one row per rep, with nothing "
                    "held equal between them"
                )
            held = [self.measure(c).name for c in self.covariates]
            listed = held[0] if len(held) == 1 else ", ".join(held[:-1]) + " and " + held[-1]
            return (
                f"trained reps compared with untrained reps of the same {listed}, one row per "
                "rep, so only what that measures is held equal"
            )
        if term == "unit fixed effects":
            return "each trained rep compared with the same rep before training"
        if term == "two-way fixed effects":
            return (
                "each trained rep compared with the same rep before training and with reps "
                f"trained later or never, {self.period} by {self.period}"
            )
        return "each trained rep compared with what the same rep would have had untrained"

    def method_sentence(self) -> str:
        """How the reported effect separates training from who was trained, for the design used.

        A rep-period panel compares each trained rep with itself untrained; a cross-section
        (one row per rep) can only compare trained with untrained reps, holding equal what
        its covariates measure, and says that the rest may remain in the effect.
        """
        lead = "The effect of training on the client's results: "
        if self.panel:
            return (
                lead + "each trained rep is compared with what the same rep would have achieved "
                "untrained, so the effect is not confused with who was chosen for training."
            )
        if not self.covariates:
            return (
                lead + "trained reps are compared with untrained reps as they are (the data hold "
                "one row per rep, so no rep is seen both before and after training); the effect "
                "may still include how the trained reps differed from the others to begin with."
            )
        held = [self.measure(c).name for c in self.covariates]
        listed = held[0] if len(held) == 1 else ", ".join(held[:-1]) + " and " + held[-1]
        return (
            lead + f"trained reps are compared with untrained reps of the same {listed} (the "
            "data hold one row per rep, so no rep is seen both before and after training); "
            "whatever else sets the trained reps apart may remain in the effect."
        )

    @cached_property
    def behaviour(self) -> pd.Series | None:
        """The one reported effect on behaviour, with the same estimator as the results."""
        if not self.inputs.runs("behaviour"):
            return None
        planned = self._plan_row(self.behaviour_col)
        if planned is not None:
            return planned
        from analysis import effects

        with self._caveats_to_appendix():
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
    def reaction(self) -> ReactionSummary | None:
        """Return the reps' reaction ratings, or None when the section is left out."""
        if not self.inputs.runs("reaction"):
            return None
        from analysis import kirkpatrick

        return kirkpatrick.reaction_summary(
            self.tables["reactions"], list(REACTION_ITEMS), conf_level=self.conf_level
        )

    @cached_property
    def learning(self) -> pd.DataFrame | None:
        """Return the learning gain, or None when the section is left out."""
        if not self.inputs.runs("learning"):
            return None
        from analysis import kirkpatrick

        return kirkpatrick.learning_gain(self.tables["assessments"], conf_level=self.conf_level)

    @cached_property
    def event_studies(self) -> dict[str, Any] | None:
        """Return the event studies by label, or None when the section is left out."""
        if not self.inputs.runs("event_study"):
            return None
        from analysis import effects

        with self._caveats_to_appendix():
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

    def _headline_data(self) -> tuple[pd.DataFrame, list[str]]:
        """Return the rows and covariates the reported effect was estimated from.

        With a plan, the plan's ramp-up periods are left out and no covariates enter
        (:func:`analysis.planning.planned_effects`); otherwise the whole panel with the
        study's covariates (:func:`analysis.effects.compare_estimators`).
        """
        if self._plan_row(self.p.outcome) is None:
            return self.data, self.covariates
        from analysis.contracts.periods import period_index
        from analysis.effects import first_treated_index

        plan = self.inputs.plan.plan  # type: ignore[union-attr]
        since = period_index(self.data[self.time]) - first_treated_index(
            self.data, unit=self.p.unit, time=self.time, start=self.start
        )
        ramp = (since >= 0) & (since < plan.effect_from)
        return self.data.loc[~ramp.fillna(False)], []

    @cached_property
    def segments(self) -> Any:
        """The effect by segment (:class:`analysis.effects.SegmentEffects`), None if not run.

        The same imputation estimator, rows and covariates as the reported effect, so the
        segments' effects, weighted by their trained rep-periods, average back to it.
        """
        if not self.inputs.runs("segments"):
            return None
        from analysis import effects

        data, covariates = self._headline_data()
        with self._caveats_to_appendix():
            return effects.segment_effects(
                data,
                outcome=self.p.outcome,
                by=self.segment_col,
                unit=self.p.unit,
                time=self.time,
                start=self.start,
                covariates=covariates,
                cluster=self.p.cluster,
                conf_level=self.conf_level,
            )

    @property
    def segment_rows(self) -> pd.DataFrame:
        """The segments' effects as shown: groups under ``min_cell_size`` reps suppressed."""
        from analysis.survey import suppress_small_cells

        return suppress_small_cells(
            self.segments.tidy(), count="n_units", min_cell_size=self.p.min_cell_size
        )

    @cached_property
    def chain(self) -> pd.DataFrame | None:
        """Return the learning-behaviour-results chain, or None when it is left out."""
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
        """Return the fully loaded costs, or None when the ROI is left out."""
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

        with self._caveats_to_appendix():
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

        isolated = isolated_row(self.comparison)
        return power.design_check(
            std_error=float(isolated["std_error"]),
            break_even=self.returns.break_even_effect(),
            conf_level=self.conf_level,
            df=self.returns.n_clusters - 1,
            unit=self.measure(self.p.outcome).unit,
            effect=float(isolated["estimate"]),
        )
