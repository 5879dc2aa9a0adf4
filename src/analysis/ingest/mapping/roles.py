"""Which raw column plays which contract role: drafted only where name and values agree.

For each contract column of a table (:func:`analysis.ingest.drafting.contract_columns`),
the candidates are the raw columns whose :class:`~analysis.ingest.profiles.ColumnProfile`
fits the role (:func:`fit`: money for revenue and amounts, counts for wins and meetings,
periods or dates for period and training_start, identifiers for ids, categories for
team and for answers whose wording matches the contract's levels). The column's name
(:func:`name_score`: the contract name, synonyms, words, question wording, close
spellings) ranks the candidates; it never decides alone. A role is assigned when one
candidate fits its values and its name clearly; otherwise the decision is a ``CHECK``
naming every candidate with its evidence. No role is taken first come, first served: a
column that two roles want goes to neither unless its name settles it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from analysis.contracts.survey import NOMINAL, ORDERED
from analysis.ingest.profiles import ColumnProfile

__all__ = [
    "COUNT_ROLES",
    "MONEY_ROLES",
    "QUESTION_WORDS",
    "SYNONYMS",
    "Decision",
    "decide_roles",
    "fit",
    "level_of",
    "name_score",
    "norm",
]

#: Other names clients give contract columns (normalised: lower case, words joined by _).
#: A hint that ranks candidates whose values fit; never a decision on its own.
SYNONYMS = {
    "rep_id": (
        "rep",
        "rep_id",
        "seller_id",
        "employee_id",
        "sales_rep",
        "rep_code",
        "employee",
        "seller",
        "employee_no",
        "employee_number",
        "emp_id",
        "emp_no",
        "emp_code",
        "sales_rep_id",
        "user_id",
        "mitarbeiter",
        "mitarbeiter_id",
        "verkaufer",
        "verkaufer_id",
        "personalnummer",
        "personalnr",
    ),
    "respondent_id": ("responseid", "response_id", "respondent", "id"),
    "period": (
        "month",
        "period",
        "date",
        "reporting_month",
        "monat",
        "fiscal_month",
        "month_year",
        "zeitraum",
        "periode",
        "quarter",
        "mois",
    ),
    "training_start": (
        "trained",
        "training_date",
        "start",
        "training_month",
        "trained_in",
        "cohort_start",
        "training_completed",
        "training_completed_date",
        "enablement_completed_date",
        "enablement_date",
        "completion_date",
        "schulungsbeginn",
        "schulung",
        "trainingsbeginn",
        "training_start",
    ),
    "revenue": (
        "revenue",
        "bookings",
        "sales",
        "net_sales",
        "umsatz",
        "closed_won",
        "closed_won_amount",
        "won_amount",
        "booked_revenue",
        "net_revenue",
    ),
    "team": (
        "team",
        "region",
        "territory",
        "area",
        "sales_region",
        "sales_team",
        "region_name",
        "gebiet",
        "vertriebsgebiet",
    ),
    "meetings": ("meetings", "appointments", "customer_meetings"),
    "opportunities": ("opportunities", "opps", "opportunities_created"),
    "wins": ("wins", "won", "deals_won", "won_deals", "closed_won_count"),
    "amount": ("amount", "cost", "costs", "value", "total", "betrag", "kosten"),
    "item": ("item", "cost_item", "description", "line_item", "posten", "kostenart", "position"),
    "call_score": ("call_score", "call_review_score", "call_quality"),
    "tenure_band": ("tenure",),
}
#: Question wording -> survey column.
QUESTION_WORDS = {
    "industry": "industry",
    "effective": "effectiveness",
    "customized": "solution_type",
    "off-the-shelf": "solution_type",
    "senior sales leadership": "leadership_meetings",
    "how often": "leadership_meetings",
    "initiative": "top_initiative",
    "how many sellers": "size_band",
    "weight": "weight",
}
MONEY_ROLES = ("revenue", "pipeline", "avg_deal_size", "amount")
COUNT_ROLES = ("meetings", "calls", "opportunities", "wins", "coaching_sessions")
CATEGORY_ROLES = ("team", "tenure_band", "market_segment", "industry")
LEVELS = {**ORDERED, **NOMINAL}


@dataclass
class Decision:
    """The outcome for one contract role: the raw column assigned, or why not.

    ``check`` is the CHECK line (empty when the role is settled); ``candidates`` the raw
    columns whose values fit, each with its name score.
    """

    role: str
    column: str | None = None
    check: str = ""
    candidates: list[tuple[str, float, float]] = field(default_factory=list)
    suggestion: str | None = None


def norm(text: object) -> str:
    """Lower case, accents folded (Verkäufer-ID -> verkaufer_id), other characters as _."""
    folded = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "_", plain).strip("_")


def name_score(raw: str, role: str, question: str = "") -> float:
    """How strongly a raw column's name (or question wording) points at ``role``, 0 to 1."""
    name = norm(raw)
    if name == role:
        return 1.0
    words = f"_{name}_"
    synonyms = SYNONYMS.get(role, ())
    if name in synonyms:
        return 0.9
    if any(f"_{s}_" in words for s in (role, *synonyms)):
        return 0.85
    text = (question or (raw if " " in raw else "")).casefold()
    if text and any(w in text and c == role for w, c in QUESTION_WORDS.items()):
        return 0.8
    close = max(
        (difflib.SequenceMatcher(None, name, s).ratio() for s in (role, *synonyms)), default=0.0
    )
    return round(close * 0.9, 2) if close >= 0.8 else 0.0


def _stems(text: str) -> set[str]:
    return {w[:4] for w in re.findall(r"[a-z]+", norm(text).replace("_", " ")) if len(w) > 2}


def level_of(answer: str, levels: tuple[str, ...]) -> tuple[str | None, float]:
    """The contract level an answer's wording names, with a score (1 = the same words).

    Exact (ignoring case and spacing) scores 1; otherwise the numbers the two share
    (``Fewer than 100`` and ``under 100 sellers``) and then their word stems decide.
    """
    plain = norm(answer)
    for level in levels:
        if plain == norm(level):
            return level, 1.0
    numbers = set(re.findall(r"\d+", answer))
    mine = _stems(answer) - {"main", "than", "our", "the", "for", "and", "every"}
    scores = {}
    for level in levels:
        theirs_n = set(re.findall(r"\d+", level))
        theirs = _stems(level)
        by_number = len(numbers & theirs_n) / len(numbers | theirs_n) if numbers | theirs_n else 0
        by_word = len(mine & theirs) / max(len(theirs), 1)
        scores[level] = by_number + by_word + 0.1 * len(mine & theirs)
    ranked = sorted(scores.values(), reverse=True)
    best = max(scores, key=lambda k: scores[k])
    if ranked[0] >= 0.5 and (len(ranked) < 2 or ranked[0] > ranked[1]):
        return best, round(min(ranked[0], 0.95), 2)
    return None, 0.0


def _wording(profile: ColumnProfile, role: str, answers: list[str]) -> float:
    levels = LEVELS[role]
    if not answers or len(answers) > len(levels) + 2:
        return 0.0
    hits = [level_of(a, levels)[0] for a in answers]
    known = [h for h in hits if h]
    if len(known) >= 0.8 * len(answers) and len(set(known)) == len(known):
        return 1.0
    return 0.0


def fit(profile: ColumnProfile, role: str, table: str, answers: list[str] | None = None) -> float:
    """How well a column's values fit ``role``: 1 (they are what the role holds), 0.5
    (they could be: numbers with no currency for money, codes for survey answers), 0."""
    kind = profile.kind
    if role in ("rep_id", "respondent_id"):
        if kind != "identifier":
            return 0.0
        distinct = profile.unique == profile.n and profile.missing == 0
        if table == "panel":  # a rep repeats over periods; a record id does not
            return 0.0 if distinct and profile.n > 50 else 1.0
        return 1.0 if distinct else 0.5
    if role in ("period", "training_start"):
        return 1.0 if kind in ("period", "date") else 0.0
    if role in MONEY_ROLES:
        return {"money": 1.0, "number": 0.5}.get(kind, 0.0)
    if role in COUNT_ROLES:
        return 1.0 if kind == "count" else 0.0
    if role == "win_rate":
        return 1.0 if kind == "share" else 0.0
    if role in ("call_score", "score_before", "score_after"):
        top = profile.maximum or 0
        if kind == "score" and profile.scale and profile.scale[1] == 100:
            return 1.0
        return 0.5 if kind in ("number", "count", "share") and 0 <= top <= 100 else 0.0
    if role in ("rating", "relevance", "intent_to_apply"):
        if kind == "score" and profile.scale and profile.scale[1] == 5:
            return 1.0
        return 0.5 if kind == "count" and (profile.maximum or 9) <= 5 else 0.0
    if role in LEVELS:
        if kind == "category" and _wording(profile, role, answers or []):
            return 1.0
        codes = kind in ("count", "boolean") and (profile.maximum or 99) <= len(LEVELS[role])
        return 0.5 if codes and (profile.minimum or 0) >= 1 else 0.0
    if role in CATEGORY_ROLES:
        return 1.0 if kind == "category" else 0.5 if kind == "text" and role == "industry" else 0.0
    if role == "item":
        return 1.0 if kind in ("text", "category") and profile.personal is None else 0.0
    if role in ("weight", "cycle_days"):
        return 0.5 if kind in ("number", "count") else 0.0
    return 0.0


def _line(column: str, profile: ColumnProfile, score: float) -> str:
    return f"{column!r} [{profile.describe()}; name {score:.0%}]"


def decide_roles(
    profiles: dict[str, ColumnProfile],
    roles: list[str],
    table: str,
    *,
    questions: dict[str, str] | None = None,
    answers: dict[str, list[str]] | None = None,
) -> dict[str, Decision]:
    """A :class:`Decision` for every role of ``table`` (see the module docstring)."""
    questions, answers = questions or {}, answers or {}
    decisions = {}
    for role in roles:
        scored = [
            (c, name_score(c, role, questions.get(c, "")), fit(p, role, table, answers.get(c)))
            for c, p in profiles.items()
        ]
        decisions[role] = _decide(role, [s for s in scored if s[2] > 0], scored, profiles)
    decisions = _settle_conflicts(decisions, profiles)
    taken = {d.column for d in decisions.values() if d.column}
    for role, decision in decisions.items():  # a second look without the columns now taken
        if decision.column or not decision.candidates:
            continue
        left = [c for c in decision.candidates if c[0] not in taken]
        if len(left) < len(decision.candidates):
            again = _decide(
                role, left, [c for c in decision.candidates if c[0] not in taken], profiles
            )
            if again.column:
                decisions[role] = again
                taken.add(again.column)
    return decisions


def _decide(role, candidates, scored, profiles) -> Decision:
    named = sorted((c for c in candidates if c[1] >= 0.75), key=lambda c: -c[1] * c[2])
    strong = [c for c in named if c[2] == 1.0 or c[1] >= 0.9 or (role in LEVELS and c[1] >= 0.8)]
    worded = [c for c in candidates if role in LEVELS and c[2] == 1.0]
    if not named and len(worded) == 1:  # answers worded as the contract's levels say it
        return Decision(role, column=worded[0][0], candidates=candidates)
    decision = Decision(role, candidates=candidates)
    gap = len(named) < 2 or named[0][1] * named[0][2] - named[1][1] * named[1][2] >= 0.1
    if strong and gap:
        decision.column = strong[0][0] if strong[0] == named[0] else None
    if decision.column is not None:
        return decision
    disagree = [c for c in scored if c[1] >= 0.85 and c[2] == 0]
    if not candidates and not disagree:
        return decision  # nothing in this file holds the role
    shown = "; ".join(_line(c, profiles[c], n) for c, n, _ in (named or candidates)[:4])
    # named like the role with values that fit only in part (an "ID" that repeats), while
    # another column's values fit fully (a response token headed "#"): name both
    fitting = [c for c in candidates if c[2] == 1.0 and c not in named]
    if named and fitting and all(c[2] < 1.0 for c in named):
        decision.check = (
            f"{role}: {shown}: named like {role}, but its values fit only in part; "
            + "; ".join(_line(c, profiles[c], n) for c, n, _ in fitting[:3])
            + f": the values fit, the name does not say {role}; uncomment the line below if it is right"
        )
        decision.suggestion = fitting[0][0] if len(fitting) == 1 else None
        return decision
    if len(named) > 1:
        decision.check = f"{role}: {len(named)} columns compete: {shown}; keep the right one"
    elif disagree and not candidates:
        names = "; ".join(_line(c, profiles[c], n) for c, n, _ in disagree[:3])
        decision.check = (
            f"{role}: the name points at {names}, but its values are not what {role} holds; "
            "map the column whose values are, or leave the role out"
        )
    else:
        decision.check = (
            f"{role}: {shown}: the values fit, the name does not say {role}; "
            "uncomment the line below if it is right"
        )
        if disagree:
            decision.check += "; " + "; ".join(
                f"{_line(c, profiles[c], n)} is named like {role}, but its values are not what "
                f"{role} holds"
                for c, n, _ in disagree[:2]
            )
        decision.suggestion = (named or candidates)[0][0] if len(candidates) == 1 or named else None
        if decision.suggestion is None and len(candidates) > 1:  # nothing to uncomment
            decision.check = decision.check.replace(
                "the values fit, the name does not say",
                f"the values of these {len(candidates)} columns fit, no name says",
            ).replace("uncomment the line below if it is right", "write the right one under rename")
    return decision


def _settle_conflicts(
    decisions: dict[str, Decision], profiles: dict[str, ColumnProfile]
) -> dict[str, Decision]:
    """A raw column assigned to two roles keeps the role its name points at more strongly;
    with equal names both become CHECK lines."""
    by_column: dict[str, list[Decision]] = {}
    for decision in decisions.values():
        if decision.column:
            by_column.setdefault(decision.column, []).append(decision)
    for column, claims in by_column.items():
        if len(claims) < 2:
            continue
        score = {d.role: max(n for c, n, _ in d.candidates if c == column) for d in claims}
        ranked = sorted(claims, key=lambda d: -score[d.role])
        tie = score[ranked[0].role] - score[ranked[1].role] < 0.1
        for loser in ranked if tie else ranked[1:]:
            loser.column = None
            loser.check = (
                f"{loser.role}: {column!r} is also wanted by "
                f"{', '.join(d.role for d in claims if d is not loser)} "
                f"[{profiles[column].describe()}]; decide which role it plays"
            )
    return decisions
