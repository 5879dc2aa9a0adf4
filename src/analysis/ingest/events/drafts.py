"""Recognising an opportunity or completion export and drafting its rule with CHECK lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.ingest.events.matching import KEY_KINDS, guess_key_kind

__all__ = ["EventDraft", "draft_event_rules", "draft_roster_match"]


@dataclass
class EventDraft:
    """A drafted event rule: which kind of export, the rule, and its YAML with CHECK lines.

    Attributes
    ----------
    kind : {"deals", "completions", "roster"}
    rule : dict
        The rule as a mapping (placeholders start with ``CHECK``, so import stops on them).
    yaml : str
        The rule as codebook lines (indented for a table), each choice with its evidence
        and the ``# CHECK`` ones saying what to decide.
    """

    kind: str
    rule: dict
    yaml: str


_OWNER = re.compile(
    r"owner|sales ?rep|account executive|salesperson|seller|verk[aä]ufer|commercial", re.IGNORECASE
)
_CLOSE = re.compile(r"close|closing|won date|abschluss", re.IGNORECASE)
_STAGE = re.compile(r"stage|phase|status", re.IGNORECASE)
_AMOUNT = re.compile(r"amount|value|revenue|betrag|montant|umsatz", re.IGNORECASE)
_LEARNER = re.compile(r"learner|user|employee|participant|person|email|e-mail", re.IGNORECASE)
_COURSE = re.compile(r"title|course|content|training|learning object|module", re.IGNORECASE)
_DONE_DATE = re.compile(r"complet|finish|passed|attended", re.IGNORECASE)
_EMAIL = re.compile(r"e-?mail|login|user id", re.IGNORECASE)
_NAME = re.compile(r"name|learner", re.IGNORECASE)
_HIRED = re.compile(r"hire|start date|joined|entry", re.IGNORECASE)
_LEFT = re.compile(r"termination|leav|left|exit|end date", re.IGNORECASE)


def _dates_share(values: pd.Series) -> float:
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return 0.0
    iso = text.str.match(r"^\d{4}-\d{2}-\d{2}")
    slash = text.str.split().str[0].str.fullmatch(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}")
    return float((iso | slash).mean())


def _pick(frame: pd.DataFrame, pattern: re.Pattern, test=None) -> list[str]:
    return [
        str(c) for c in frame.columns if pattern.search(str(c)) and (test is None or test(frame[c]))
    ]


def _money_like(values: pd.Series) -> bool:
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    return (
        not text.empty
        and text.str.fullmatch(r"[-(]?[$€£¥₹]?\s?[\d.,' ]+\)?(\s?[A-Z]{3})?").mean() >= 0.95
    )


def _yaml_list(items: list[str]) -> str:
    import json

    return "[" + ", ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"


def draft_event_rules(frame: pd.DataFrame, facts: dict | None = None) -> EventDraft | None:
    """Recognise an opportunity export or an LMS completion export and draft its rule.

    An opportunity export has an owner, a close date, an amount (money) and a stage
    whose values include a won one; a completion export has a learner, a course title,
    a status (or a completion date) and a date. Column names are the first hint and the
    values decide: a close date must hold dates, an amount numbers.

    Parameters
    ----------
    frame : DataFrame
        The raw table as read (text cells).
    facts : dict, optional
        Known facts about the columns from the draft's column profiles, e.g.
        ``{"Owner Email": {"kind": "email"}}``; used for the match key.

    Returns
    -------
    EventDraft or None
        None when the table is neither kind of export.
    """
    facts = facts or {}
    deals = _draft_deals(frame, facts)
    if deals is not None:
        return deals
    return _draft_completions(frame, facts)


def _key_of(frame: pd.DataFrame, column: str, facts: dict) -> str:
    kind = (facts.get(column) or {}).get("kind")
    if kind in KEY_KINDS:
        return str(kind)
    if kind in ("person name", "person_name"):
        return "name"
    return guess_key_kind(frame[column])


def _draft_deals(frame: pd.DataFrame, facts: dict) -> EventDraft | None:
    owners = _pick(frame, _OWNER)
    closes = _pick(frame, _CLOSE, lambda v: _dates_share(v) >= 0.9)
    stages = _pick(frame, _STAGE, lambda v: 1 < v.nunique() <= 40)
    amounts = _pick(frame, _AMOUNT, _money_like)
    if not (owners and closes and stages and amounts):
        return None
    stage = stages[0]
    values = frame[stage].astype("string").str.strip().value_counts()
    if not any("won" in str(v).casefold() or "gewonnen" in str(v).casefold() for v in values.index):
        return None
    owner = next((c for c in owners if guess_key_kind(frame[c]) == "email"), owners[0])
    key = _key_of(frame, owner, facts)
    won = [
        str(v) for v in values.index if re.search(r"\bwon\b|gewonnen|gagn", str(v), re.IGNORECASE)
    ]
    lost = [
        str(v) for v in values.index if re.search(r"\blost\b|verloren|perdu", str(v), re.IGNORECASE)
    ]
    converted = [
        c
        for c in amounts
        if re.search(r"company currency|converted|home currency", c, re.IGNORECASE)
    ]
    currencies = [
        c
        for c in frame.columns
        if re.fullmatch(r"(deal )?currency( code)?|w[aä]hrung|devise", str(c), re.IGNORECASE)
    ]
    amount = converted[0] if converted else amounts[0]
    stage_list = ", ".join(f"{s} ({n})" for s, n in values.items())
    lines = [
        "from_deals:                 # one row per deal -> rep-period panel",
        "  roster: reps              # the table with match: (the reps and their active months)",
        f"  owner: {owner!r}",
        f"  key: {key}                # matched to the roster by {key}",
        f"  close_date: {closes[0]!r}",
        "  period: month",
        f"  stage: {stage!r}           # stages: {stage_list}",
        f"  won: CHECK {_yaml_list(won)}   # CHECK: which stages are won deals? (write the list without CHECK)",
        f"  lost: {_yaml_list(lost)}   # closed but not won; every other stage is open and not counted",
        f"  amount: {amount!r}",
    ]
    rule: dict[str, Any] = {
        "roster": "reps",
        "owner": owner,
        "key": key,
        "close_date": closes[0],
        "period": "month",
        "stage": stage,
        "won": f"CHECK {won}",
        "lost": lost,
        "amount": amount,
    }
    if len(amounts) > 1:
        lines[-1] += f"   # CHECK: amount columns: {', '.join(amounts)}"
    if currencies and not converted:
        codes = frame[currencies[0]].astype("string").str.strip().value_counts()
        lines.append(
            f"  currency_column: {currencies[0]!r}   # CHECK: currencies {dict(codes)}: state rates: for the others"
        )
        lines.append(f"  currency: CHECK {codes.index[0]}")
        rule.update({"currency_column": currencies[0], "currency": f"CHECK {codes.index[0]}"})
    yaml = "\n".join(lines) + "\n"
    return EventDraft(kind="deals", rule=rule, yaml=yaml)


def _draft_completions(frame: pd.DataFrame, facts: dict) -> EventDraft | None:
    learners = _pick(frame, _LEARNER)
    courses = _pick(frame, _COURSE, lambda v: v.nunique() > 1)
    statuses = _pick(frame, re.compile(r"status", re.IGNORECASE), lambda v: 1 < v.nunique() <= 20)
    dates = [
        c for c in _pick(frame, _DONE_DATE, lambda v: _dates_share(v) >= 0.9) if c not in statuses
    ]
    if not (learners and courses and dates):
        return None
    learner = next(
        (
            c
            for c in learners
            if re.search(r"id\b|number|no\.?$", c, re.IGNORECASE)
            and guess_key_kind(frame[c]) != "name"
        ),
        learners[0],
    )
    key = _key_of(frame, learner, facts)
    course = next((c for c in courses if c not in learners), courses[0])
    titles = frame[course].astype("string").str.strip().value_counts()
    lines = [
        "from_completions:           # training_start = period of the first completed programme row",
        f"  learner: {learner!r}",
        f"  key: {key}                # matched to the roster by {key}",
        f"  course: {course!r}",
        "  programme: CHECK          # CHECK: titles: [...], starts_with: '...' or pattern: '...'; titles found:",
        *[f"    #   {t!r} ({n} rows)" for t, n in titles.head(20).items()],
        f"  date: {dates[0]!r}",
        "  period: month",
    ]
    rule: dict[str, Any] = {
        "learner": learner,
        "key": key,
        "course": course,
        "programme": "CHECK",
        "date": dates[0],
        "period": "month",
    }
    if statuses:
        states = frame[statuses[0]].astype("string").str.strip().value_counts()
        completed = [
            str(s)
            for s in states.index
            if re.fullmatch(
                r"complete[d]?|passed|attended|teilgenommen|termin[ée]", str(s), re.IGNORECASE
            )
        ]
        lines.insert(
            4,
            f"  status: {statuses[0]!r}      # statuses: {', '.join(f'{s} ({n})' for s, n in states.items())}",
        )
        lines.insert(
            5,
            f"  completed: {_yaml_list(completed)}"
            + ("" if completed else "   # CHECK: which statuses are completions?"),
        )
        rule.update({"status": statuses[0], "completed": completed or "CHECK"})
    return EventDraft(kind="completions", rule=rule, yaml="\n".join(lines) + "\n")


def draft_roster_match(frame: pd.DataFrame) -> dict:
    """The ``match:`` keys of a roster: its e-mail, full-name, hire and leaving date columns."""
    match: dict = {}
    emails = [c for c in _pick(frame, _EMAIL) if guess_key_kind(frame[c]) == "email"]
    names = [c for c in _pick(frame, _NAME) if guess_key_kind(frame[c]) == "name"]
    hired = _pick(frame, _HIRED, lambda v: _dates_share(v) >= 0.9)
    left = _pick(frame, _LEFT, lambda v: v.dropna().empty or _dates_share(v) >= 0.9)
    if emails:
        match["email"] = emails[0]
    if names:
        match["name"] = names[0]
    if hired:
        match["hired"] = hired[0]
    if left:
        match["left"] = left[0]
    return match
