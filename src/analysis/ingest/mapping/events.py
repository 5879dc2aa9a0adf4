"""Drafting from CRM and LMS exports: which table a deal or completion export feeds, the
roster's ``match:`` keys, and a list of the trained completed from the panel.

:func:`wire_events` gives an opportunity export the panel (``from_deals:``) and an LMS
completion export the roster's training starts (``from_completions:``, with the LMS file
as ``source:``, or the LMS export as the roster itself when no HR export is there); the
roster gets the keys the two name the reps by (:func:`analysis.ingest.events.draft_roster_match`).
:func:`untrained_from_panel` drafts ``add_reps_from: panel`` for a reps file that lists
only part of the panel's reps. The drafter's sources are passed in
(:class:`analysis.ingest.drafting.SourceDraft`); nothing here reads a file.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from analysis.ingest.events import EventDraft, draft_roster_match
from analysis.ingest.events.matching import normalise, normalise_id
from analysis.ingest.mapping.roles import Decision
from analysis.ingest.mapping.tables import TableDraft

if TYPE_CHECKING:
    from analysis.ingest.drafting import SourceDraft

__all__ = ["event_table", "facts", "untrained_from_panel", "wire_events"]


def facts(profiles: dict) -> dict[str, dict]:
    """What the event drafts need to know of each column from its profile."""
    return {
        c: {
            "kind": p.personal or p.kind,
            "currencies": list(p.currencies),
            "unit": p.unit,
            "date_format": p.date_format,
        }
        for c, p in profiles.items()
    }


def event_table(event: EventDraft, profiles: dict) -> TableDraft:
    """The draft of a deal or completion export: the roles its rule reads, and those it builds."""
    built: tuple[str, ...]
    if event.kind == "deals":
        roles = {"period": event.rule["close_date"], "revenue": event.rule["amount"]}
        built = ("rep_id", "wins", "opportunities", "avg_deal_size")
        table = "panel"
    else:
        roles = {"training_start": event.rule["date"]}
        built = ("rep_id",)
        table = "reps"
    decisions = {role: Decision(role, column=column) for role, column in roles.items()}
    return TableDraft(table, {}, decisions=decisions, profiles=profiles, built=built)


def wire_events(
    sources: list[SourceDraft], used: dict[str, SourceDraft], frames: dict[int, pd.DataFrame]
) -> list[str]:
    """Give the deal export the panel and the completion export the roster's training
    starts; the roster gets the ``match:`` keys they name the reps by. Returns CHECK lines."""
    checks: list[str] = []
    deals = [s for s in sources if s.event is not None and s.event.kind == "deals"]
    lms = [s for s in sources if s.event is not None and s.event.kind == "completions"]
    for extra in deals[1:] + lms[1:]:
        assert extra.draft is not None
        assert extra.event is not None
        extra.draft.commented = True
        extra.draft.table_checks.append(
            f"a second {extra.event.kind} export: one source per table; if it has the first "
            "one's columns, list both under the first table's source.files: [first, second]"
        )
    roster = used.get("reps")
    if roster is None and lms:  # the LMS export names every rep: it is the roster
        roster = lms[0]
        event = roster.event
        assert event is not None
        assert roster.draft is not None
        if event.rule["key"] == "id":
            roster.draft.spec["rename"] = {event.rule["learner"]: "rep_id"}
            roster.draft.decisions["rep_id"] = Decision("rep_id", column=event.rule["learner"])
        else:
            roster.draft.table_checks.append(
                f"rep_id: no roster; the LMS export names the reps by {event.rule['key']} only "
                f"({event.rule['learner']!r}): a roster with an id column is needed (an HR export)"
            )
        roster.draft.spec["keep"] = ["rep_id", "training_start"]
        groups = [
            f"{c!r} [{p.describe()}]"
            for c, p in roster.draft.profiles.items()
            if p.kind == "category"
            and not p.personal
            and 1 < p.unique <= 20
            and c not in event.rule.values()
        ]
        if groups:
            roster.draft.checks.append(
                "team: the LMS export is the roster; if one of its columns is the rep's team, add it "
                f"under rename and keep (none is drafted): {'; '.join(groups[:4])}"
            )
        roster.draft.comments["keep"] = [
            "only these columns are imported: names, e-mails and free text stay out"
        ]
    if roster is None:
        if deals:
            checks.append(
                "no roster: from_deals needs a table of the reps (one row per rep, with the "
                "e-mail, name or id the deals name them by); add the HR export to the files"
            )
        for source in deals:
            source.draft.table = "panel"  # type: ignore[union-attr]
        return checks
    assert roster.draft is not None
    used["reps"] = roster
    match = draft_roster_match(frames[id(roster)], facts(roster.draft.profiles))
    _draft_role_filter(roster.draft, frames[id(roster)], match)
    roster.draft.spec["match"] = match
    roster.draft.comments["match"] = [
        (
            "how the other files name these reps (rep_id is always an id key); hired/left bound "
            "each rep's months in the panel"
        )
    ]
    if lms:
        carried = lms[0]
        roster.carries.append(carried)
        if carried is not roster:
            carried.attached_to = "reps"
            _drop_training_start(roster.draft)
        roster.draft.spec.setdefault("keep", [])
        if "training_start" not in roster.draft.spec["keep"]:
            roster.draft.spec["keep"].append("training_start")
    for source in deals:
        used["panel"] = source
    for source in [*deals, *lms[:1]]:
        event = source.event
        assert event is not None
        key = event.rule["key"]
        if key != "id" and key not in match:
            checks.append(
                f"{event.name}.key: {event.rule.get('owner') or event.rule.get('learner')!r} names "
                f"the reps by {key}, which the roster has no column for: name it under match: "
                f"({key}: <column>) or pick another key"
            )
    return checks


def untrained_from_panel(used: dict[str, SourceDraft], frames: dict[int, pd.DataFrame]) -> None:
    """A reps file that lists only part of the panel's reps (the trained): draft
    ``add_reps_from: panel``, so the others are added as never trained, with a CHECK."""
    reps, panel = used.get("reps"), used.get("panel")
    if reps is None or panel is None or reps.draft is None or panel.draft is None:
        return
    rep_column, panel_column = reps.draft.mapped.get("rep_id"), panel.draft.mapped.get("rep_id")
    if rep_column is None or panel_column is None:
        return
    listed = set(normalise(frames[id(reps)][rep_column], "id").dropna())
    named = set(normalise(frames[id(panel)][panel_column], "id").dropna())
    if not listed or not named or not listed < named:
        return
    raw = frames[id(reps)][rep_column].dropna().astype(str).str.strip()
    respelled = sum(
        normalise_id(v) in named and v not in set(frames[id(panel)][panel_column].astype(str))
        for v in raw
    )
    reps.draft.spec["add_reps_from"] = "panel"
    reps.draft.checks.append(
        f"add_reps_from: {len(named - listed)} of the panel's {len(named)} reps are not in this "
        f"list of {len(listed)}: drafted as never trained (the comparison group)"
        + (
            f"; {respelled} ids written otherwise (case, spaces) are taken as the panel writes them"
            if respelled
            else ""
        )
        + "; remove the line if the list is not everyone who trained"
    )


#: A roster column that says what each person does (who is a rep and who is not).
_ROLE = re.compile(r"job ?(title|profile|role|function|family)|\brole\b|position", re.IGNORECASE)


def _draft_role_filter(tdraft: TableDraft, frame: pd.DataFrame, match: dict) -> None:
    """A roster whose role column holds several values: draft ``keep_rows`` with all of them
    and a CHECK, so leaving out the people who are not reps (managers) is one answer."""
    for column in frame.columns:
        profile = tdraft.profiles.get(column)
        if not _ROLE.search(str(column)) or column in match.values():
            continue
        if profile is not None and profile.personal:
            continue
        values = frame[column].astype("string").str.strip().dropna()
        counts = values[values != ""].value_counts()
        if not 1 < len(counts) <= 20:
            continue
        tdraft.spec = {"keep_rows": {str(column): [str(v) for v in counts.index]}, **tdraft.spec}
        found = "; ".join(f"{v!r} ({n} rows)" for v, n in counts.items())
        tdraft.checks.append(
            f"keep_rows: {column} holds {len(counts)} values ({found}); keep only the values "
            "of people who are reps (all are kept as drafted: remove managers or support roles)"
        )
        return


def _drop_training_start(tdraft: TableDraft) -> None:
    """The roster's training start comes from the LMS export: no column of its own."""
    decision = tdraft.decisions.get("training_start")
    if decision is not None and decision.column:
        (tdraft.spec.get("rename") or {}).pop(decision.column, None)
    # a format written for a mapped or a suggested column alike: the rule builds the column
    (tdraft.spec.get("dates") or {}).pop("training_start", None)
    if "dates" in tdraft.spec and not tdraft.spec["dates"]:
        tdraft.spec.pop("dates")
    tdraft.decisions["training_start"] = Decision("training_start")
    tdraft.built = (*tdraft.built, "training_start")
