"""Study 1's sentences: the answer, the findings and the headline records.

Each is no stronger than its range (:mod:`analysis.core.conclusions`).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analysis.core.conclusions import direction
from analysis.core.results import Headline
from analysis.report.display import publish_summary
from analysis.studies.org_effectiveness.estimates import (
    SurveyEstimates,
    _listed,
    _pct,
    _phrase,
    _range,
    _times,
)

__all__ = ["CARD_LABELS", "SurveySentences"]

CARD_LABELS = {
    "respondents": "Learning leaders who answered",
    "industries": "Industries",
    "share_effective_or_better": "Rate their training organisation effective or very effective",
    "share_very_effective": "Rate it very effective",
    "customized_risk_ratio": "Very effective organisations buy customized solutions: times as "
    "often as ineffective ones",
    "share_value_proposition": "Name a new value proposition as the initiative needing most "
    "support",
}
#: What each section needs, in plain words, and how to add it.


class SurveySentences(SurveyEstimates):
    """The first screen of the survey report: one answer, three to five findings, the cards."""

    # ------------------------------------------------------------------ sentences
    def _clear(self, side: str = "above") -> pd.DataFrame:
        """Practices whose range lies wholly above (or below) 1, largest (smallest) first."""
        if self.comparison is None:
            return pd.DataFrame(columns=["term", "estimate", "conf_low", "conf_high"])
        rows = self.comparison.dropna(subset=["estimate", "conf_low", "conf_high"])
        keep = [
            direction(low, high, null=1.0) == side
            for low, high in zip(rows["conf_low"], rows["conf_high"], strict=True)
        ]
        return rows[keep].sort_values("estimate", ascending=side != "above")

    def rating_sentence(self) -> str:
        """How many rate their organisation effective or better, with the range."""
        rated = self._record("share_effective_or_better")
        assert rated is not None
        if self.weighted:
            who = "An estimated " + _pct(rated["estimate"]) + " of organisations (weighted to "
            who += "the population the survey stands for)"
        else:
            who = f"{_pct(rated['estimate'])} of the learning leaders surveyed"
        return (
            f"{who} rate their sales-training organisation effective or very effective "
            f"({self.level} range {_range(rated['conf_low'], rated['conf_high'])})"
        )

    def apart_sentence(self) -> str | None:
        """Say what most clearly sets the very effective apart (None: not compared)."""
        if self.comparison is None:
            return None
        above = self._clear("above")
        if above.empty:
            return (
                "The survey cannot tell which practice sets the very effective organisations "
                "apart: none is clearly more common among them than among ineffective ones"
            )
        top = above.iloc[0]
        ratio, bounds = _times(top)
        return (
            f"What most clearly sets the very effective organisations apart: "
            f"{_phrase(str(top['term']))}, {ratio} times as often as among ineffective "
            f"ones ({self.level} range {bounds})"
        )

    def answer(self) -> str:
        """Write the first sentence: how effective they are, what sets the very effective apart."""
        apart = self.apart_sentence()
        if apart is None:
            return self.rating_sentence() + "."
        return f"{self.rating_sentence()}; {apart[0].lower()}{apart[1:]}."

    def practices_finding(self) -> str | None:
        """Name the other practices that clearly differ and what they mean for the next decision."""
        if self.comparison is None:
            return None
        above, below = self._clear("above").iloc[1:4], self._clear("below").head(3)
        if above.empty and below.empty:
            return None

        def listed(rows: pd.DataFrame) -> str:
            parts = []
            for _, row in rows.iterrows():
                ratio, bounds = _times(row)
                parts.append(f"{_phrase(str(row['term']))} ({ratio} times, range {bounds})")
            return _listed(parts)

        text = ""
        if not above.empty:
            text = f"Also clearly more common among very effective organisations: {listed(above)}."
        if not below.empty:
            text += f" Clearly less common among them: {listed(below)}."
        return (
            text.strip() + " These are the practices to examine first when deciding what to "
            "change; the survey shows that they go together with effectiveness, not that they "
            "cause it."
        )

    def cadence_finding(self) -> str | None:
        """Say how meeting cadence differs between the groups (None when not measured)."""
        if self.cadence is None:
            return None
        shares, test = self.cadence
        never = shares[(shares["level"] == "never") & shares["estimate"].notna()]
        never = never.set_index("effectiveness_group")
        differs = not test.empty and float(test["p_value"].iloc[0]) < 1 - self.conf_level
        head = (
            "How often learning leaders meet senior sales leadership clearly differs between "
            "very effective and ineffective organisations"
            if differs
            else "The survey cannot tell whether very effective and ineffective organisations "
            "meet senior sales leadership at a different rhythm"
        )
        parts: list[str] = []
        for group in ("ineffective", "very effective"):
            if group in never.index:
                row = never.loc[group]
                who = f"{group} ones" if parts else f"{group} organisations never meet them"
                parts.append(
                    f"{_pct(row['estimate'])} of {who} "
                    f"(range {_range(row['conf_low'], row['conf_high'])})"
                )
        text = head + (": " + ", against ".join(parts) if parts else "") + "."
        if differs:
            text += " A standing meeting with sales leadership is a cheap first step."
        return text

    def model_finding(self) -> str | None:
        """Say what goes with a higher rating, from the ordinal model, in plain words."""
        if self.models is None:
            return None
        ordinal = self.models[self.models["model"] == "ordinal"]
        clear, unclear = [], []
        for _, row in ordinal.iterrows():
            term = str(row["term"])
            if term.endswith("_practices"):  # a count of practices in place
                what = f"each further {term.split('_')[0]} practice in place"
            else:
                what = _phrase(term)
            verdict = direction(row["conf_low"], row["conf_high"], null=1.0)
            if verdict == "unclear":
                unclear.append(what)
                continue
            ratio, bounds = _times(row)
            word = "higher" if verdict == "above" else "lower"
            clear.append(
                f"{what} goes with {ratio} times the odds of a {word} rating (range {bounds})"
            )
        text = ""
        if clear:
            text = "Taking every other practice as equal, " + _listed(clear) + "."
        if unclear:
            text += (
                f" Whether {_listed(unclear)} goes with a higher rating, the survey cannot tell."
            )
        if clear:
            text += " Building up practices, not one alone, goes with a better rating."
        return text.strip() or None

    def initiative_finding(self) -> str | None:
        """Name the initiative named most often (None when not measured)."""
        if self.initiatives is None:
            return None
        rows = self.initiatives.dropna(subset=["estimate"])
        if rows.empty:
            return None
        top = rows.iloc[0]
        return (
            f"The initiative named most often as needing support from training: "
            f"{str(top['level']).lower()} ({_pct(top['estimate'])}, range "
            f"{_range(top['conf_low'], top['conf_high'])}): the training plan should make room "
            "for it."
        )

    def profile_finding(self) -> str | None:
        """Say what the highlighted organisation has and lacks (None without one)."""
        if self.profile is None:
            return None
        has = self.profile[self.profile["this_organisation"].fillna(False).astype(bool)]
        lacks = self.profile[
            ~self.profile["this_organisation"].fillna(False).astype(bool)
            & (self.profile["share_group"] > 0.5)
        ]
        text = (
            f"Organisation {self.p.highlight} has {len(has)} of the {len(self.profile)} "
            "alignment and sustainment practices"
        )
        if lacks.empty:
            return text + "; it lacks none that most very effective organisations have."
        missing = _listed([_phrase(str(t)) for t in lacks["term"]])
        return (
            text + f"; it lacks {missing}, which most very effective organisations have: "
            "these are its nearest next steps."
        )

    def findings(self) -> list[str]:
        """Three to five findings with their ranges and what they mean for the next decision."""
        found = [
            self.practices_finding(),
            self.cadence_finding(),
            self.model_finding(),
            self.initiative_finding(),
            self.profile_finding(),
        ]
        return [f for f in found if f][:5]

    def records(self) -> list[Headline]:
        """Return the headline figures (cards, index, results.json), labelled for the client."""
        return [
            replace(Headline.of(r), label=CARD_LABELS.get(r["name"], r["label"]))
            for r in self.headline[0]
        ]

    def first_screen(self):
        """Publish the report's first screen: the answer, the findings and the headline figures."""
        return publish_summary(
            self.records(),
            answer=self.answer(),
            sentences=self.inputs.plan_sentences,
            findings=self.findings(),
            conf_level=self.conf_level,
        )
