"""The appendix of the training report ("Methods and checks").

It holds the alternative estimators, the plan's tests, the data checks and a glossary.

:meth:`TrainingAppendix.appendix` joins one block per method; a block whose section did
not run for the client is left out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.core import formats
from analysis.report.display import DISPLAY_TIDY, glossary, note, notes, table
from analysis.studies.training_impact.body import TrainingBody
from analysis.studies.training_impact.estimates import isolated_row
from analysis.studies.training_impact.words import (
    CROSS_SECTION_TERMS,
    GLOSSARY,
    MEASURE_NAMES,
    PANEL_TERMS,
    Section,
    heading,
    paragraph,
)

__all__ = ["ESTIMATOR_NAMES", "TrainingAppendix"]

#: The estimators of the comparison table as the appendix names them.
ESTIMATOR_NAMES = {
    **DISPLAY_TIDY,
    "term": "Estimator",
    "naive difference": "Naive: trained minus untrained",
    "two-way fixed effects": "Two-way fixed effects",
    "regression adjusted": "Regression adjusted",
    "staggered (imputation)": "Imputation, every period after training",
    "unit fixed effects": "Rep fixed effects",
}
#: Headings of the tests' tables (pre-trends and segments).
TEST_NAMES = {"statistic": "F statistic", "p_value": "p-value", "n": "n"}


class TrainingAppendix(TrainingBody):
    """The "Methods and checks" appendix, one block per method."""

    def appendix(self) -> Section:
        """Methods and checks: the alternative estimators, tests, data checks and a glossary."""
        section = Section()
        for block in (
            self._units_block,
            self._estimators_block,
            self._plan_block,
            self._behaviour_block,
            self._learning_block,
            self._trends_block,
            self._segments_block,
            self._chain_block,
            self._returns_block,
            self._checks_block,
        ):
            section.add(*block())
        section.add(heading("Glossary"), glossary(self._glossary()))
        return section

    def _glossary(self) -> dict[str, str]:
        """Return the glossary's terms that this report uses.

        No panel estimator for a cross-section, no Holm without a plan, no mediation
        without the chain, ...
        """
        left_out = set(CROSS_SECTION_TERMS if self.panel else PANEL_TERMS)
        used = {
            "Holm adjustment": self.against is not None,
            "Pre-trend test": self.event_studies is not None,
            "Wald / F test": self.event_studies is not None or self.segments is not None,
            "Hedges' g_z": self.learning is not None,
            "Mediation": self.chain is not None,
            "Bootstrap": self.returns is not None,
        }
        left_out |= {term for term, shown in used.items() if not shown}
        return {term: text for term, text in GLOSSARY.items() if term not in left_out}

    @property
    def _outcome_unit(self) -> Any:
        """The table unit of the outcome's figures: ``currency`` for money, else ``number``."""
        return "currency" if self.measure(self.p.outcome).unit == "currency" else "number"

    @property
    def _money(self) -> dict[str, Any]:
        """How the method sentences write money: the outcome's currency (when it is money)."""
        currency = self.currency if self._outcome_unit == "currency" else None
        return {"currency": currency, "symbol": self.symbol}

    def _units_block(self) -> list[Any]:
        """Say what the figures are measured in: the period, the currency and the stated rate."""
        return [heading("Units"), paragraph(self.units.statement())]

    def _estimators_block(self) -> list[Any]:
        """How the effect was estimated, and the other estimators beside it."""
        from analysis import effects

        outcome = self.outcome_name
        return [
            heading("How the effect was estimated"),
            paragraph(
                f"The report gives one effect on {outcome}: {self.effect_source}. The other "
                "estimates below answer slightly different questions ("
                + (f"every {self.period} after training, or " if self.panel else "")
                + "without removing who was chosen first), which is why they differ."
            ),
            table(
                self.comparison,
                caption=f"Estimates of the effect on {outcome} {self.per} "
                f"({self.level} intervals, {self.inputs.extras['errors_note']})",
                display_names=ESTIMATOR_NAMES,
                unit=self._outcome_unit,
                currency=self.currency,
                symbol=self.symbol,
            ),
            notes(
                effects.explain_comparison(
                    self.comparison, outcome_label=outcome, unit_label=self.per, **self._money
                )
            ),
        ]

    def _plan_block(self) -> list[Any]:
        """Show the effects as the measurement plan set them, with its tests."""
        if self.against is None:
            return []
        from analysis import planning

        plan = self.inputs.plan.plan  # type: ignore[union-attr]
        columns = {
            "term": "Measure",
            "role": "Role in the plan",
            "estimate": "Effect",
            "conf_low": "Lower bound",
            "conf_high": "Upper bound",
            "p_value": "p-value",
            "p_value_adjusted": "p-value (Holm)",
            "planned": "Planned",
            "n": "Rep-periods",
        }
        money = [t for t in self.against["term"] if self.measure(str(t)).unit == "currency"]
        sentences = planning.describe_against_plan(
            self.against,
            labels={self.p.outcome: self.outcome_name},
            effect_from=plan.effect_from,
            conf_level=self.conf_level,
            currencies={str(t): self.currency for t in money if self.currency},
            symbol=self.symbol,
        )
        shown = self.against.assign(
            term=self.against["term"].map(lambda t: MEASURE_NAMES.get(t, t)),
            unit=["currency" if t in money else "number" for t in self.against["term"]],
        )
        return [
            heading("Held to the measurement plan"),
            table(
                shown,
                caption=f"Effects as the plan set them, counted {formats.counted_from(plan.effect_from)} "
                f"({self.level} intervals; secondary outcomes Holm-adjusted)",
                columns=list(columns),
                display_names=columns,
                units={"p_value_adjusted": "p_value"},
                row_unit="unit",
                currency=self.currency,
                symbol=self.symbol,
            ),
            notes([*sentences, *self.inputs.extras["rollout_sentences"]]),
        ]

    def _behaviour_block(self) -> list[Any]:
        """Show the reported behaviour effect beside two-way fixed effects."""
        if self.behaviour is None:
            return []
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
        return [
            heading("Behaviour"),
            table(
                behaviour,
                caption=f"Effect on {MEASURE_NAMES.get(self.behaviour_col, self.behaviour_col)} "
                f"({self.level} intervals)",
                display_names={**DISPLAY_TIDY, "term": "Estimator"},
                unit="number",
            ),
        ]

    def _learning_block(self) -> list[Any]:
        """Show the learning gain's test."""
        if self.learning is None:
            return []
        columns = {
            "term": "Measure",
            "estimate": "Mean gain",
            "conf_low": "Lower bound",
            "conf_high": "Upper bound",
            "p_value": "p-value",
            "hedges_gz": "Hedges' g_z",
            "n": "Reps",
        }
        return [
            heading("Learning"),
            table(
                self.learning,
                caption=f"Learning gain in assessment points (paired t-test, {self.level} interval)",
                columns=list(columns),
                display_names={**columns, "learning gain": "Assessment score"},
                unit="number",
            ),
        ]

    def _trends_block(self) -> list[Any]:
        """Show the pre-trend tests of both event studies."""
        if self.event_studies is None:
            return []
        return [
            heading("Trends before training"),
            table(
                pd.concat([v.pretrend().assign(test=k) for k, v in self.event_studies.items()]),
                caption="Pre-trend test: are the effects before training jointly zero? "
                "(a small p-value warns of different trends before training)",
                display_names={"test": "Estimator", "df": "Leads", **TEST_NAMES},
                units={"statistic": "number", "df": "count"},
            ),
        ]

    def _segments_block(self) -> list[Any]:
        """Show the test that the segments' effects are equal."""
        if self.segments is None:
            return []
        return [
            heading("Segments"),
            table(
                self.segments.test(),
                caption="Do the effects differ between segments? (Wald test; segment "
                "effects by the imputation estimator of the reported effect)",
                display_names={"test": "Test", "df": "df", **TEST_NAMES},
                units={"statistic": "number", "df": "count"},
            ),
        ]

    def _chain_block(self) -> list[Any]:
        """Show the mediation from learning through behaviour to results."""
        if self.chain is None:
            return []
        shares = self.chain["term"] == "proportion mediated"
        return [
            heading("From learning to behaviour to results"),
            table(
                self.chain.assign(unit=self._outcome_unit).assign(
                    unit=lambda t: t["unit"].where(~shares, "share")
                ),
                caption=f"Mediation: effect of one more assessment point on the change in "
                f"{self.outcome_name} ({self.level} intervals, {self.chain.attrs['reps']} trained reps)",
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
                row_unit="unit",
                currency=self.currency,
                symbol=self.symbol,
            ),
        ]

    def _returns_block(self) -> list[Any]:
        """How the return was computed, and whether the design could tell if it paid."""
        if self.returns is None:
            return []
        from analysis import power, roi

        parts: list[Any] = [
            heading("Return on investment"),
            paragraph(
                "The return uses the imputation estimate over every trained rep-period "
                "(ramp-up included), since the costs buy every trained period; its range "
                "comes from a bootstrap over reps."
            ),
            notes(roi.describe(self.returns, currency=self.currency, symbol=self.symbol)),
        ]
        if self.design is None:
            return parts
        isolated = isolated_row(self.comparison)
        return [
            *parts,
            table(
                self.design.replace({"unit": {"outcome": self._outcome_unit}}),
                caption=f"Could this design show whether training paid? Effects on {self.outcome_name} {self.per}",
                display_names={"term": "Figure", "estimate": "Value"},
                row_unit="unit",
                currency=self.currency,
                symbol=self.symbol,
            ),
            note(
                power.describe_design(
                    self.design,
                    conf_low=float(isolated["conf_low"]),
                    conf_high=float(isolated["conf_high"]),
                    **self._money,
                )
            ),
        ]

    def _checks_block(self) -> list[Any]:
        """Show the data checks, the estimators' caveats and the sections left out, with why."""
        said = " ".join(
            [
                *self.comparison.attrs.get("notes", []),
                *(self.returns.notes if self.returns is not None else []),
            ]
        )  # the caveats the estimators' sentences above already give
        checks = [
            *self.inputs.plan_sentences,
            *self.inputs.extras.get("role_sentences", []),
            *self.inputs.warnings,
            *(f"Method caveat: {n}" for n in self.method_notes if n not in said),
            *(f"Left out: {reason}" for reason in self.inputs.skipped.values()),
        ]
        if not checks:
            return []
        return [heading("Data checks and sections left out"), notes(checks)]
