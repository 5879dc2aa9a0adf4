"""The training report's words: display names, the glossary, what is missing and how to add it.

Also the small pieces every part of the report writes with (:class:`Section`, paragraphs,
headings, the client's currency and period, :class:`Measure`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.report.blocks import Section, paragraph
from analysis.report.blocks import subheading as heading

__all__ = [
    "CROSS_SECTION_TERMS",
    "GLOSSARY",
    "MEASURE_NAMES",
    "MISSING_HOW",
    "MISSING_WHAT",
    "PANEL_TERMS",
    "REACTION_ITEMS",
    "SEGMENT_NAMES",
    "Measure",
    "Section",
    "heading",
    "paragraph",
    "plain_label",
    "trimmed",
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
    "Regression adjustment": "compares trained with untrained reps, one row per rep, holding "
    "equal what the named measures (such as earlier results) record; whatever else sets the "
    "trained reps apart stays in the estimate.",
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

#: Glossary terms that only a rep-period panel's report uses (a cross-section has one row per rep).
PANEL_TERMS = ("Imputation estimator", "Two-way fixed effects", "Pre-trend test")

#: Glossary terms that only a cross-section's report uses.
CROSS_SECTION_TERMS = ("Regression adjustment",)

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
    "roi": "the programme's costs",
}


def trimmed(value: float) -> int | None:
    """No decimals for a whole number a client wrote (a planned change of 3), else by size."""
    return 0 if float(value).is_integer() else None


def plain_label(label: str) -> str:
    """Return the outcome's label for a sentence, no currency ("Bookings, USD" -> "bookings")."""
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
