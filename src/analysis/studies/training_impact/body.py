"""The body of the training report: one section per question, in the client's words."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.core import formats
from analysis.report.display import not_measured, note, table
from analysis.studies.training_impact.answer import TrainingAnswer
from analysis.studies.training_impact.words import (
    MEASURE_NAMES,
    MISSING_HOW,
    MISSING_WHAT,
    REACTION_ITEMS,
    SEGMENT_NAMES,
    Section,
    paragraph,
)

__all__ = ["TrainingBody"]


class TrainingBody(TrainingAnswer):
    """The body sections and the one line naming what was not measured.

    The sections: what changed, what reps do, reaction and learning, when and for whom,
    did it pay.
    """

    def results_section(self) -> Section:
        """Show what changed: how, then one effect per outcome, with the plan's expectation."""
        section = Section(paragraph(self.method_sentence()), paragraph(self.answer()))
        plan = self.plan_sentence()
        if plan:
            section.add(paragraph(plan))
        rows = []
        if self.against is not None:
            for _, row in self.against[self.against["role"] != "behaviour"].iterrows():
                rows.append({**self._effect_row(row, str(row["term"])), "role": row["role"]})
        else:
            rows.append(self._effect_row(self.effect, self.p.outcome))
        role_note = str(self.inputs.extras.get("role_note", ""))
        planned = any(row["planned"] is not None for row in rows)  # no plan: no empty column
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
                    *(["planned"] if planned else []),
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
                symbol=self.symbol,
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
        """Show what reps do differently (nothing when no behaviour was measured)."""
        sentence = self.behaviour_sentence()
        return Section(paragraph(sentence)) if sentence else Section()

    def reaction_learning_section(self) -> Section:
        """How reps rated the training and what they learned."""
        section = Section()
        if self.reaction is not None:
            from analysis.core import plots

            means, distribution = self.reaction.means, self.reaction.distribution
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
            section.add(paragraph(finding))
        return section

    def time_and_groups_section(self) -> Section:
        """When the effect shows (month by month) and for whom (by segment)."""
        section = Section()
        if self.event_studies is not None:
            section.add(self._event_chart())
        if self.segments is not None:
            finding = self.segment_finding()
            section.add(paragraph(finding) if finding else None, self._segment_table())
        return section

    def _event_chart(self) -> Any:
        """Plot the effect period by period from the start of training, in the outcome's unit."""
        from analysis.core import plots
        from analysis.report.display import figure

        study = self.event_studies["Imputation"].tidy()  # type: ignore[index]
        money = self.measure(self.p.outcome).unit == "currency"
        fig = plots.plot_event_study(
            {"Effect": study},
            ylabel=f"Effect on {self.outcome_name} {self.per}",
            xlabel=f"{self.period.capitalize()}s since training started (−1: the {self.period} before)",
            formatter=formats.axis_formatter(
                "currency" if money else "number", currency=self.currency, symbol=self.symbol
            ),
            legend=False,
        )
        return figure(
            fig,
            caption=f"Effect of training on {self.outcome_name} {self.period} by {self.period} "
            f"from the start of training, with {self.level} ranges; before training the "
            "effect should be close to zero.",
        )

    def _segment_table(self) -> Any:
        """Show the effect by segment (small groups suppressed)."""
        shown = self.segment_rows
        name = SEGMENT_NAMES.get(self.segment_col, self.segment_col.replace("_", " "))
        unit: Any = "currency" if self.measure(self.p.outcome).unit == "currency" else "number"
        return table(
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
            symbol=self.symbol,
        )

    def roi_section(self) -> Section:
        """Did training pay: costs, benefits, ROI, payback and what the design can tell."""
        if self.returns is None:
            return Section()
        clause = self.roi_clause().replace("it", "the programme", 1)
        section = Section(paragraph(clause[0].upper() + clause[1:] + "."))
        section.add(self._costs_table(), self._return_table())
        if self.returns.intangibles:
            intangibles = "; ".join(self.returns.intangibles)
            section.add(note(f"Benefits not converted to money: {intangibles}."))
        finding = self.roi_finding()
        if finding:
            section.add(paragraph(finding))
        return section

    def _costs_table(self) -> Any:
        """Show the programme's costs; costs stated in another currency also as stated."""
        costs = self.tables["costs"]
        columns = [c for c in ("item", "category", "amount") if c in costs.columns]
        names = {"item": "Item", "category": "Category", "amount": "Amount"}
        stated = self.units.costs_currency
        if self.units.costs_converted and stated:
            column = f"amount_{stated.lower()}"
            costs = costs.assign(
                **{column: [formats.money(x, stated, symbol=self.symbol) for x in costs[column]]}
            )
            columns.append(column)
            names.update(amount=f"Amount ({self.currency})", **{column: "As stated"})
        return table(
            costs,
            caption=f"Programme costs, fully loaded (total {self.money(self.total_costs)})",  # type: ignore[arg-type]
            columns=columns,
            display_names=names,
            units={"amount": "currency"},
            currency=self.currency,
            symbol=self.symbol,
        )

    def _return_table(self) -> Any:
        """Benefits, costs, net benefit, benefit per unit spent, ROI and payback."""
        tidy = self.returns.tidy()
        tidy.loc[tidy["term"] == "payback_periods", "unit"] = "duration"  # one decimal
        return table(
            tidy,
            caption=f"Return at {self.margin_words} ({self.level} range)",
            columns=["term", "estimate", "conf_low", "conf_high"],
            display_names={
                "term": "Figure",
                "estimate": "Value",
                "conf_low": "From",
                "conf_high": "To",
                "benefits": "Profit contribution from the effect",
                "costs": "Costs",
                "net_benefits": "Net benefit",
                "bcr": f"Profit contribution {self.units.per_one()} spent",
                "roi_percent": "Return on the programme (ROI)",
                "payback_periods": f"Payback ({self.period}s)",
            },
            row_unit="unit",
            currency=self.currency,
            symbol=self.symbol,
        )

    def _roi_how(self) -> str:
        """Say what the return on investment still needs, in the client's words.

        That is the costs, the money value of a result that is not money, or the rate the
        costs convert at.
        """
        if self.tables.get("costs") is None:
            return MISSING_HOW["roi"]
        units = self.units
        if self.inputs.extras.get("outcome_unit") != "money" and self.p.value_per_unit is None:
            return (
                f"the money value per unit of {self.outcome_name} (for example the average "
                "revenue of one), since the results are not in money"
            )
        if units.costs_currency and units.currency is None:
            return f"the currency of {self.outcome_name}, since the costs are in {units.costs_currency}"
        if units.costs_currency and units.exchange_rate is None:
            return (
                f"the exchange rate from {units.costs_currency} to {units.currency} (with its "
                f"source and date), since the costs are in {units.costs_currency} and "
                f"{self.outcome_name} in {units.currency}"
            )
        return "the programme's costs (those sent add up to zero)"

    def not_measured(self):
        """One line naming what this client did not measure, and how to add it."""
        missing = [s for s in MISSING_WHAT if not self.inputs.runs(s)]
        how = {**MISSING_HOW, "roi": self._roi_how()}
        if not self.panel:
            missing = [s for s in missing if s not in ("behaviour", "event_study", "segments")]
            missing.append("behaviour and effects over time")
            said = "a rep-by-period panel of results and behaviour; " + "; ".join(
                how[s] for s in missing if s in how
            )
            words = [MISSING_WHAT.get(s, s) for s in missing]
            return not_measured(words, said)
        return not_measured([MISSING_WHAT[s] for s in missing], "; ".join(how[s] for s in missing))
