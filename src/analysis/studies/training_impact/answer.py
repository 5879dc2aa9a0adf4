"""The first screen of the training report: the answer, the findings and the headline figures."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from analysis.core import formats
from analysis.core.conclusions import direction
from analysis.core.results import Headline, interval_record
from analysis.studies.training_impact.estimates import TrainingEstimates
from analysis.studies.training_impact.words import MEASURE_NAMES, SEGMENT_NAMES, trimmed

__all__ = ["TrainingAnswer"]


class TrainingAnswer(TrainingEstimates):
    """The sentences of the first screen (and the findings the body repeats)."""

    @property
    def margin_words(self) -> str:
        """Name the margin as a sentence does.

        That is "a 30% margin" when the client stated it, else "an assumed 35% margin — the
        client has not given its own".
        """
        shown = formats.percent(100 * self.p.margin)
        if "margin" in self.p.model_fields_set:
            return f"a {shown} margin"
        return f"an assumed {shown} margin — the client has not given its own"

    def roi_clause(self, *, level: str | None = None) -> str:
        """Whether the training paid, as far as the ROI interval allows.

        "it has paid for itself", "it has not yet paid for itself" (the benefits counted
        over the periods observed fell short, the whole range below break-even) or "the
        data cannot tell yet whether it has paid for itself", with the return and its range
        (``level`` before "range": the confidence level unless the sentence named it).
        """
        r = self.returns
        low, high = r.intervals.get("roi_percent", (float("nan"), float("nan")))
        roi = formats.percent(r.figures["roi_percent"])
        bounds = formats.interval(low, high, "percent")
        named = self.level if level is None else level
        ranged = f"({named} range {bounds})" if named else f"(range {bounds})"
        verdict = direction(low, high)
        assumed = (
            "" if "margin" in self.p.model_fields_set else f" at {self.margin_words}"
        )  # the verdict rests on a margin the client never gave: said where it is given
        if verdict == "above":
            return f"it has paid for itself: return {roi} {ranged}{assumed}"
        if verdict == "below":
            return f"it has not yet paid for itself: return {roi} {ranged}{assumed}"
        if bounds == "not computable":
            return (
                f"whether it paid cannot be told: return {roi}, no range could be computed{assumed}"
            )
        return f"the data cannot tell yet whether it has paid for itself: return {roi} {ranged}{assumed}"

    def answer(self) -> str:
        """Write the first sentence: did training change the client's results, and did it pay.

        For example "Training raised bookings by about EUR 1,900 per rep and month (95%
        range EUR 780 to 2,980), but has not yet paid for itself: return −5% (range −61%
        to −2%)": the effect in the client's currency and period, then, when costs were
        given, whether it paid; neither verdict stronger than its range.
        """
        text = self._effect_phrase(self.effect, self.p.outcome)
        text = text[0].upper() + text[1:]
        if self.returns is None:
            return text + "."
        moved = direction(self.effect["conf_low"], self.effect["conf_high"])
        roi_moved = direction(*self.returns.intervals.get("roi_percent", (None, None)))
        joiner = ", and " if (moved == "above") == (roi_moved == "above") else ", but "
        clause = self.roi_clause(level="")
        if moved == "unclear":
            joiner = "; "
            clause = clause.replace(
                "the data cannot tell yet whether it has", "nor can it tell yet whether it", 1
            )
        elif roi_moved != "unclear":
            clause = clause.removeprefix("it ")  # "Training raised ..., and has paid for itself"
        return text + joiner + clause + "."

    def behaviour_sentence(self) -> str | None:
        """Say how training changed what reps do (None when behaviour was not measured)."""
        row = self.behaviour
        if row is None:
            return None
        text = self._effect_phrase(row, self.behaviour_col)
        text = text[0].upper() + text[1:]
        planned = row.get("planned") if hasattr(row, "get") else None
        if planned is not None and not pd.isna(planned):
            versus = direction(row["conf_low"], row["conf_high"], null=float(planned))
            target = self.amount(float(planned), self.behaviour_col, decimals=trimmed(planned))
            text += {
                "above": f", more than the {target} the plan expected",
                "below": f", short of the {target} the plan expected",
                "unclear": f"; whether it reached the {target} the plan expected, the data cannot tell",
            }[versus]
        return text + "."

    def plan_sentence(self) -> str | None:
        """Set the outcome against the plan's expected effect."""
        row = self._plan_row(self.p.outcome)
        if row is None or row.get("planned") is None or pd.isna(row.get("planned")):
            return None
        planned = float(row["planned"])
        target = self.amount(planned, self.p.outcome, decimals=trimmed(planned))
        versus = direction(row["conf_low"], row["conf_high"], null=planned)
        return {
            "above": f"That is more than the {target} {self.per} the measurement plan expected.",
            "below": f"That falls short of the {target} {self.per} the measurement plan expected.",
            "unclear": f"Whether it reached the {target} {self.per} the measurement plan expected, "
            "the data cannot tell.",
        }[versus]

    def segment_finding(self) -> str | None:
        """Name the segment where the effect clearly differs, with what it means for targeting."""
        if self.segments is None:
            return None
        shown = self.segment_rows
        rows = shown[shown["estimate"].notna()]
        if len(rows) < 2:
            return None
        differs = self.segments.differs()
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
        """Say whether the training paid for itself (None without an ROI)."""
        r = self.returns
        if r is None:
            return None
        low, high = r.intervals.get("roi_percent", (float("nan"), float("nan")))
        costs = self.money(r.figures["costs"])
        benefits = self.money(r.figures["benefits"])
        even = self.amount(r.break_even_effect(), self.p.outcome)
        head = (
            f"The programme cost {costs} in all and brought about {benefits} in profit "
            f"contribution at {self.margin_words}; it breaks even at "
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
        """Say how reps rated the training and what they learned (None without either)."""
        parts = []
        if self.reaction is not None:
            means = self.reaction.means.set_index("term")
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
        found.extend(
            finding
            for finding in (self.segment_finding(), self.roi_finding(), self.learning_finding())
            if finding
        )
        plan = self.plan_sentence()
        if plan and len(found) < 5:
            found.insert(0, plan)
        return found[:5]

    def _record(
        self, name: str, label: str, row: Any, unit: str, *, n: Any = None, card: bool = True
    ) -> Headline:
        """One headline record: money records carry the currency and how it is written."""
        money = (
            {"currency": self.currency, "currency_style": self.units.currency_style}
            if unit == "currency" and self.currency
            else {}
        )
        record = interval_record(name, label, row, unit, n=False)
        return dataclasses.replace(record, n=n, card=card, extra=money)

    def records(self) -> list[Headline]:
        """Return the headline figures (cards, the index and results.json): one per quantity.

        The last record (``units``, never a card) holds :meth:`Units.record` and the
        sentence the appendix prints about the units.
        """
        unit = "currency" if self.measure(self.p.outcome).unit == "currency" else "number"
        label = f"Effect on {self.outcome_name} {self.per}"
        records = [self._record("effect", label, self.effect, unit, n=self.effect.get("n"))]
        if self.returns is not None:
            figures = self.returns.tidy().set_index("term")
            records += [
                self._record(
                    "roi_percent",
                    "Return on the programme (ROI)",
                    figures.loc["roi_percent"],
                    "percent",
                ),
                self._record(
                    "bcr",
                    f"Profit contribution {self.units.per_one()} spent",
                    figures.loc["bcr"],
                    "ratio",
                ),
            ]
        if self.behaviour is not None:
            b = self.measure(self.behaviour_col)
            label = f"Change in {MEASURE_NAMES.get(self.behaviour_col, b.name)}"
            b_unit = "currency" if b.unit == "currency" else "number"
            records.append(self._record("behaviour_effect", label, self.behaviour, b_unit))
        from analysis.effects.compare import naive_clearly_differs

        naive = self.comparison.set_index("term").loc["naive difference"]
        label = (  # as the appendix says it: misleading only when it clearly differs
            "Naive trained-vs-untrained difference (misleading here: it clearly differs from "
            "the reported effect; see the appendix)"
            if naive_clearly_differs(self.comparison)
            else "Naive trained-vs-untrained difference (not the reported effect; whether it "
            "would mislead here, the data cannot tell; see the appendix)"
        )
        records.append(self._record("naive_difference", label, naive, unit, card=False))
        return [*records, self.units_record()]

    def units_record(self) -> Headline:
        """Return the units of every figure, for results.json (the appendix prints ``text``)."""
        return Headline(
            name="units",
            label="Units of the figures",
            estimate=None,
            unit="text",
            card=False,
            extra={"text": self.units.statement(), **self.units.record()},
        )

    def caveats(self) -> list[str]:
        """Return what the first screen must say beside the answer.

        That is a measurement plan edited after its freeze or never frozen, an outcome the
        plan did not name, and the plan's primary outcome when the report's outcome is not it.
        """
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
        """Publish the report's first screen: the answer, the findings and the headline figures."""
        from analysis.report.display import publish_summary

        return publish_summary(
            self.records(),
            answer=self.answer(),
            sentences=self.caveats(),
            findings=self.findings(),
            currency=self.currency,
            conf_level=self.conf_level,
        )
