"""Study 4 as the client reads it: whether the planned evaluation can show training pays.

:class:`PlanReport` computes the plan's power, break-even, smallest design and simulated
rollouts once and shows them in two registers: the body answers in plain words, in the
outcome's currency and period (one figure per quantity: the exact chances, never the
simulated ones beside them); the appendix ("Methods and checks") holds the standard
error, the outcome's variation, the simulation's check of the exact figures, the data
checks and a glossary.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis import planning
from analysis.core import formats, plots
from analysis.core.results import Headline
from analysis.report.blocks import Section, checks_and_glossary, paragraph, subheading
from analysis.report.display import (
    figure,
    not_measured,
    publish_summary,
    table,
)

if TYPE_CHECKING:
    from analysis.studies import StudyInputs

__all__ = ["GLOSSARY", "PlanReport"]

GLOSSARY = {
    "Power": "the chance that a rollout of this design tells an effect of a given size apart "
    "from no effect (its 95% range excludes zero).",
    "Chance of showing that it paid": "the chance that the 95% range of the estimated effect "
    "lies wholly above break-even, if training works as planned.",
    "Minimum detectable effect": "the smallest effect the design tells apart from no effect "
    "with the target power.",
    "Break-even effect": "the effect per trained rep and period at which the profit "
    "contribution equals the budget.",
    "Standard error": "how much the estimate would vary from one rollout to another.",
    "Residual SD and autocorrelation": "how much the outcome varies around each rep's own "
    "level from period to period, and how alike a rep's consecutive periods are.",
    "Simulated rollouts": "whole rollouts of the planned design drawn with the expected effect "
    "planted and analysed as planned (rep and period effects, errors clustered by rep).",
}


class PlanReport:
    """The measurement plan's power, break-even and smallest design, as the client reads them.

    Parameters
    ----------
    inputs : StudyInputs
        The checked inputs (:func:`analysis.studies.load_study`).

    The tidy tables (``powered``, ``smallest``, ``draws``, ``spread``) are attributes for
    the researcher, computed when first used.
    """

    def __init__(self, inputs: StudyInputs):
        from analysis.clients.parameters import EvaluationPlan

        assert inputs.plan is not None
        assert isinstance(inputs.params, EvaluationPlan)
        self.inputs, self.plan = inputs, inputs.plan.plan
        self.p: EvaluationPlan = inputs.params
        extras = inputs.extras
        self.design, self.break_even = extras["design"], extras["break_even"]
        self.unit: Any = extras["display_unit"]
        self.currency = extras.get("currency") if self.unit == "currency" else None
        self.period = extras.get("period", "month")
        self.per = f"per rep and {self.period}"
        self.outcome = extras["outcome_label"]
        self.level = inputs.conf_label
        self.target = float(self.p.power_target)
        self.residual_sd = float(extras["residual_sd"])
        self.autocorrelation = float(extras["autocorrelation"])

    # ------------------------------------------------------------------ figures
    def amount(self, value: float) -> str:
        """Write an effect per rep and period in the outcome's unit: ``EUR 1,361`` or ``1,361``."""
        return formats.value(value, self.unit, currency=self.currency)

    @cached_property
    def powered(self) -> pd.DataFrame:
        """Return the power table of the planned design."""
        return planning.power_table(
            self.design,
            expected_effect=self.plan.expected_effect,
            break_even=self.break_even,
            conf_level=self.p.conf_level,
            power=self.target,
            residual_sd=self.residual_sd,
            autocorrelation=self.autocorrelation,
        )

    def figure_of(self, start: str) -> float | None:
        """Return the power table's figure whose name starts with ``start`` (None: not computed)."""
        rows = self.powered[self.powered["term"].str.startswith(start)]
        return None if rows.empty else float(rows["estimate"].iloc[0])

    @cached_property
    def smallest(self) -> pd.DataFrame | None:
        """Return the smallest design that shows the programme pays, or None when left out."""
        if not (self.inputs.runs("break_even") and self.inputs.runs("smallest_design")):
            return None
        return planning.smallest_design(
            self.design,
            budget=self.plan.budget,
            margin=self.plan.margin,
            value_per_unit=self.plan.value_per_unit or 1.0,
            conf_level=self.p.conf_level,
            power=self.target,
            residual_sd=self.residual_sd,
            autocorrelation=self.autocorrelation,
        )

    @cached_property
    def draws(self) -> pd.DataFrame:
        """Return the simulated rollouts of the planned design."""
        return planning.simulate_rollout(
            self.design,
            effect=self.plan.expected_effect,
            conf_level=self.p.conf_level,
            n_resamples=self.inputs.extras["n_draws"],
            seed=self.p.seed,
            residual_sd=self.residual_sd,
            autocorrelation=self.autocorrelation,
        )

    @cached_property
    def spread(self) -> pd.DataFrame:
        """Return the spread of the simulated rollouts' estimates."""
        return planning.summarise_draws(
            self.draws, expected=self.plan.expected_effect, break_even=self.break_even
        )

    def _spread(self, term: str) -> float:
        values = self.spread.set_index("term")["estimate"]
        return float(values.loc[term])

    # ------------------------------------------------------------------ sentences
    def answer(self) -> str:
        """Write the first sentence: whether the planned rollout can show training pays."""
        expected = self.amount(self.plan.expected_effect)
        planned = f"if training works as planned ({self.outcome} up {expected} {self.per})"
        low, high = (
            self._spread("5th percentile of the estimate"),
            self._spread("95th percentile of the estimate"),
        )
        spread = (
            f"one rollout would estimate the effect between {self.amount(low)} and "
            f"{self.amount(high)} in 90% of cases"
        )
        works = formats.power(self.figure_of("power against no effect at the expected"))
        if self.break_even is None:
            return (
                f"The planned rollout would show that training works in {works} of rollouts "
                f"{planned}, and {spread}; whether it pays cannot be told, as the plan puts no "
                "money value on the outcome."
            )
        even = self.amount(self.break_even)
        if self.plan.expected_effect <= self.break_even:
            return (
                f"No: by the plan's own figures the programme would not pay for itself, since "
                f"the expected effect of {expected} {self.per} is not above break-even "
                f"({even}); {spread}."
            )
        chance = self.figure_of("chance the interval clears break-even")
        wanted = formats.share(self.target)
        if chance is not None and chance >= self.target:
            return (
                f"Yes: {planned}, the planned rollout would show that it paid for itself in "
                f"{formats.power(chance)} of cases ({wanted} wanted; break-even {even} "
                f"{self.per}), and {spread}."
            )
        return (
            f"Not reliably: even {planned}, the planned rollout would show that it paid for "
            f"itself in only {formats.power(chance)} of cases ({wanted} wanted; break-even "
            f"{even} {self.per}), though it would show that training works in {works}; "
            f"{spread}."
        )

    def detect_finding(self) -> str:
        """Say which effect the planned rollout can tell apart from none."""
        mde = self.figure_of("minimum detectable effect")
        works = formats.power(self.figure_of("power against no effect at the expected"))
        verdict = (
            "so it would very likely show that training works"
            if (mde or 0) <= self.plan.expected_effect
            else "so it could easily miss the expected effect: a result without a clear effect "
            "would then say little"
        )
        return (
            f"The planned rollout tells an effect of {self.amount(mde or float('nan'))} "
            f"{self.per} or more apart from no effect with {formats.share(self.target)} power; "
            f"the plan expects {self.amount(self.plan.expected_effect)}, {verdict} (power "
            f"{works})."
        )

    def break_even_finding(self) -> str | None:
        """Say how likely the rollout shows a break-even effect (None without one)."""
        if self.break_even is None:
            return None
        at_even = self.figure_of("power against no effect at the break-even")
        counted = self.design.counted_rep_periods()
        return (
            f"The programme pays for itself from an effect of {self.amount(self.break_even)} "
            f"{self.per}: the budget of {formats.money(self.plan.budget, self.currency)} over "
            f"{formats.count(counted)} trained rep-{self.period}s counted, at "
            + (
                f"a {formats.percent(100 * self.plan.margin)} margin"
                if "margin" in self.plan.model_fields_set
                else f"an assumed {formats.percent(100 * self.plan.margin)} margin — the plan "
                "does not give the client's own"
            )
            + ". An effect just that large "
            f"would be told apart from no effect with only {formats.power(at_even)} power."
        )

    def smallest_finding(self) -> str | None:
        """Say which smallest design would show the programme pays (None when left out)."""
        if self.smallest is None:
            return None
        if self.smallest.empty:
            return (
                "No design of up to 100,000 reps in the planned timing would show that the "
                f"programme pays with {formats.share(self.target)} power: the break-even "
                "effect is too small against how much the outcome varies."
            )
        best = self.smallest[self.smallest["recommended"]].iloc[0]
        reps = int(best["reps"])
        more = "more" if reps > self.design.n_reps else "fewer"
        return (
            f"A rollout of {formats.plural(reps, 'rep')} ({formats.share(best['untrained_share'])} "
            f"left untrained) over {formats.plural(int(best['periods']), self.period)} would show "
            f"whether it pays with {formats.share(self.target)} power, against the "
            f"{formats.count(self.design.n_reps)} planned: {more} reps, or a longer "
            "observation, is the way to a conclusive evaluation."
        )

    def spread_finding(self) -> str:
        """Say how widely the simulated rollouts' estimates spread."""
        low, mid, high = (
            self._spread("5th percentile of the estimate"),
            self._spread("median estimate"),
            self._spread("95th percentile of the estimate"),
        )
        return (
            f"Even if training works exactly as planned, one rollout would estimate the effect "
            f"between {self.amount(low)} and {self.amount(high)} {self.per} in 90% of cases "
            f"(median {self.amount(mid)}): a result somewhat below the plan need not mean that "
            "the training under-delivered."
        )

    def variation_finding(self) -> str | None:
        """Say that the outcome's variation is assumed, not measured (None with a baseline)."""
        if "baseline" in self.inputs.tables:
            return None
        return (
            "How much the outcome varies comes from the plan's own assumptions, not from the "
            "client's data: a year of results per rep before training would make these "
            "figures firmer."
        )

    def findings(self) -> list[str]:
        """Return the first screen's findings."""
        found = [
            self.smallest_finding(),
            self.detect_finding(),
            self.break_even_finding(),
            self.variation_finding(),
        ]
        return [f for f in found if f][:5]

    def records(self) -> list[Headline]:
        """Return the headline figures: the exact ones (the appendix's simulation checks them)."""
        shown = [
            (
                "mde",
                "minimum detectable effect",
                f"Smallest effect told apart from none {self.per}",
            ),
            ("expected_effect", "expected effect", f"Expected effect (the plan) {self.per}"),
            (
                "power_expected",
                "power against no effect at the expected",
                "Chance of showing that training works",
            ),
            ("break_even", "break-even effect", f"Break-even effect {self.per}"),
            (
                "chance_pays",
                "chance the interval clears break-even",
                "Chance of showing that it paid",
            ),
        ]
        records = []
        for name, start, label in shown:
            rows = self.powered[self.powered["term"].str.startswith(start)]
            if rows.empty:
                continue
            row = rows.iloc[0]
            unit = self.unit if row["unit"] == "outcome" else row["unit"]
            records.append(Headline(name=name, label=label, estimate=row["estimate"], unit=unit))
        return records

    def first_screen(self):
        """Publish the report's first screen."""
        status = self.inputs.plan
        caveats = (
            status.sentences()
            if status and (status.edited_after_first_freeze or not status.frozen)
            else []
        )
        return publish_summary(
            self.records(),
            answer=self.answer(),
            sentences=caveats,
            findings=self.findings(),
            currency=self.currency,
            conf_level=self.p.conf_level,
        )

    # ------------------------------------------------------------------ body sections
    def _figures(self, frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
        kept = frame[frame["term"].map(lambda t: any(t.startswith(k) for k in names))]
        return kept.assign(
            term=kept["term"].map(lambda t: next(v for k, v in names.items() if t.startswith(k))),
            unit=kept["unit"].replace({"outcome": self.unit}),
        )

    def power_section(self) -> Section:
        """Show whether the planned rollout can show that training works, and that it pays."""
        names = {
            "minimum detectable effect": f"Smallest effect told apart from none "
            f"({formats.share(self.target)} power)",
            "expected effect": "Expected effect (the plan)",
            "power against no effect at the expected": "Chance of showing that training works",
            "break-even effect": "Break-even effect",
            "power against no effect at the break-even": "Chance of telling an effect at "
            "break-even apart from none",
            "chance the interval clears break-even": "Chance of showing that it paid",
        }
        return Section(
            paragraph(self.answer()),
            table(
                self._figures(self.powered, names),
                caption=f"What the planned rollout can show, for {self.outcome} {self.per} "
                "(chances if training works as planned)",
                columns=["term", "estimate"],
                display_names={"term": "Figure", "estimate": "Value"},
                row_unit="unit",
                currency=self.currency,
            ),
            paragraph(self.detect_finding()),
            paragraph(self.break_even_finding() or ""),
        )

    def smallest_section(self) -> Section:
        """Show the smallest design that would show the programme pays (empty when left out)."""
        if self.smallest is None:
            return Section()
        return Section(
            paragraph(self.smallest_finding() or ""),
            table(
                planning.best_per_length(self.smallest),
                caption=f"Fewest reps that would show whether the programme pays, with "
                f"{formats.share(self.target)} power, for each study length (the cost per "
                "trained rep as planned, so a longer study lowers the break-even effect)",
                columns=["periods", "untrained_share", "reps", "target", "power"],
                display_names={
                    "periods": f"{self.period.capitalize()}s observed",
                    "untrained_share": "Left untrained",
                    "reps": "Reps",
                    "target": f"Break-even effect {self.per}",
                    "power": "Power",
                },
                units={
                    "untrained_share": "share",
                    "periods": "count",
                    "reps": "count",
                    "target": self.unit,
                    "power": "power",
                },
                currency=self.currency,
            ),
        )

    def rollout_section(self) -> Section:
        """Show what the simulated rollouts estimate."""
        n = self.inputs.extras["n_draws"]
        names = {
            "5th percentile": "Lowest 5% of rollouts estimate below",
            "median estimate": "Median estimate",
            "95th percentile": "Highest 5% of rollouts estimate above",
        }
        return Section(
            paragraph(self.spread_finding()),
            figure(
                plots.plot_estimate_distribution(
                    self.draws,
                    expected=self.plan.expected_effect,
                    break_even=self.break_even,
                    xlabel=f"Estimated effect on {self.outcome} {self.per}",
                    unit=self.unit,
                    currency=self.currency,
                ),
                caption=f"Estimates from {formats.count(n)} simulated rollouts of the planned "
                "design with the expected effect planted; the lines mark the planted effect, "
                "break-even and zero.",
            ),
            table(
                self._figures(self.spread, names),
                caption=f"What one rollout would estimate, {self.per}",
                columns=["term", "estimate"],
                display_names={"term": "Figure", "estimate": "Value"},
                row_unit="unit",
                currency=self.currency,
            ),
        )

    def plan_section(self) -> Section:
        """Show the plan as agreed, in the report's words."""
        overview = self.plan.overview()
        words = {"period": self.period, "_": " "}

        def plain(text: Any) -> Any:
            if not isinstance(text, str):
                return text
            for old, new in words.items():
                text = text.replace(old, new)
            return text

        return Section(
            table(
                overview.assign(
                    term=overview["term"].map(plain), value=overview["value"].map(plain)
                ),
                caption=" ".join(self.inputs.plan_sentences),
                display_names={"term": "Item", "value": "Plan"},
            ),
            table(
                self.plan.rollout_table(),
                caption=f"Rollout over {formats.plural(self.plan.rollout.periods, self.period)} "
                f"from {self.plan.rollout.first_period}",
                display_names={"group": "Group", "start": "Training starts", "reps": "Reps"},
                units={"reps": "count"},
            ),
        )

    def not_measured(self):
        """Return the line naming what was not measured."""
        if self.inputs.runs("break_even"):
            return not_measured([])
        return not_measured(
            ["whether the programme pays"],
            "the money value of one unit of the outcome in the plan",
        )

    # ------------------------------------------------------------------ appendix
    def appendix(self) -> Section:
        """Build the appendix: how the figures were computed."""
        section = Section(subheading("How the figures were computed"))
        se = self.figure_of("standard error")
        sd, rho = self.residual_sd, self.autocorrelation
        section.add(
            paragraph(
                "The planned analysis compares each rep with itself before training and with "
                "reps not yet trained (two-way fixed effects: rep and period effects, errors "
                "clustered by rep), counting the effect "
                f"{formats.counted_from(self.plan.effect_from).replace('period', self.period)}. "
                f"Its standard error is {self.amount(se or float('nan'))} {self.per}, from a "
                f"residual SD of {self.amount(sd)} and a period-to-period correlation of "
                f"{formats.number(rho, 2)}, taken from {self.inputs.extras['variation_source']}. "
                f"Power is for a two-sided test at the {self.level} level."
            )
        )
        if self.break_even is not None:
            section.add(
                paragraph(
                    "The break-even effect here is the plan's: its budget over the trained "
                    "rep-periods the planned rollout counts. The results report computes its own "
                    "from the actual costs and the reps actually trained, so the two differ."
                )
            )
        section.add(subheading("The simulation checks the exact figures"))
        exact = {
            "rollouts whose interval shows an effect": self.figure_of(
                "power against no effect at the expected"
            ),
            "rollouts whose interval lies above break-even": self.figure_of(
                "chance the interval clears break-even"
            ),
        }
        rows = [
            {
                "term": term[0].upper() + term[1:],
                "estimate": self._spread(term),
                "exact": value,
            }
            for term, value in exact.items()
            if term in set(self.spread["term"])
        ]
        section.add(
            table(
                pd.DataFrame(rows),
                caption=f"Shares of {formats.count(self.inputs.extras['n_draws'])} simulated "
                "rollouts against the exact chances",
                display_names={"term": "Figure", "estimate": "Simulated", "exact": "Exact"},
                units={"estimate": "power", "exact": "power"},
            )
        )
        paid = self.break_even is not None  # no break-even: nothing is said about paying
        terms = {
            term: text
            for term, text in GLOSSARY.items()
            if paid or term not in ("Chance of showing that it paid", "Break-even effect")
        }
        section.add(*checks_and_glossary(self.inputs.warnings, self.inputs.skipped.values(), terms))
        return section
