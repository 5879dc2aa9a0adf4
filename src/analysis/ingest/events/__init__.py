"""Study tables built from event rows: deals into the rep-period panel, LMS completions
into training starts, with the reps matched across files.

A client's CRM exports one row per opportunity and its LMS one row per learner and
course; neither is a rep-period panel or a reps table. Three codebook rules (see
:mod:`analysis.ingest.codebook` for the whole format) build them:

``match:`` (on the roster table)
    the table is the roster: one row per rep (several rows per rep that agree are
    reduced to one), with the columns other files name the reps by (``email``,
    ``name``, ``id``; the ``rep_id`` is always an id key) and the active months
    (``hired``, ``left``; blank = the whole window).
``from_completions:`` (on the roster table)
    ``training_start`` is the period of each rep's first completed row of the programme:
    ``programme`` names the courses (``titles``, ``starts_with`` or a ``pattern``) and
    ``completed`` the statuses that count. Reps without one stay untrained; reps with
    programme rows but no completion (registered, in progress) are listed.
``from_deals:`` (on the panel table)
    one row per rep and period (``month`` or ``quarter``) within the rep's active
    months: ``revenue`` (sum of won amounts), ``wins`` (won deals), ``opportunities``
    (deals closed, won or lost) and ``avg_deal_size`` (revenue / wins; blank without a
    win). A period without a deal is 0, not missing. Deals of a rep closing outside
    the rep's active months are reported (reps, periods, deals, amount), not counted.

:func:`apply_event_table` applies the rules (called by
:func:`analysis.ingest.codebook.run_codebook`; modules ``rules``, ``roster``, ``deals``,
``matching``); :func:`draft_event_rules` recognises an
opportunity or completion export and drafts its rule with ``# CHECK`` lines for the
choices only the client can make (which stages are won, which courses are the programme).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.ingest.events.deals import build_deals_table
from analysis.ingest.events.drafts import EventDraft, draft_event_rules, draft_roster_match
from analysis.ingest.events.matching import Roster
from analysis.ingest.events.roster import add_reps_from, build_roster_table
from analysis.ingest.events.rules import (
    EVENT_RULES,
    check_event_rules,
    is_event_table,
    read_event_dates,
)

__all__ = [
    "EVENT_RULES",
    "EventDraft",
    "add_reps_from",
    "apply_event_table",
    "build_deals_table",
    "build_roster_table",
    "check_event_rules",
    "draft_event_rules",
    "draft_roster_match",
    "is_event_table",
    "read_event_dates",
]


def apply_event_table(
    folder: Path,
    frame: pd.DataFrame,
    spec: dict,
    name: str,
    rosters: dict[str, Roster],
    apply_table,
) -> tuple[pd.DataFrame, dict, list[str]]:
    """Build one codebook table that has an event rule (the hook of ``run_codebook``).

    A roster table (``match:``) is registered in ``rosters`` under its name for the
    tables after it; a ``from_deals:`` table reads the roster it names from there.

    Returns
    -------
    (DataFrame, dict, list of str)
        The table, its import record, and warnings for the user (they name people, so
        they are printed, not written to the record).
    """
    if "from_deals" in spec:
        return build_deals_table(frame, spec, name, rosters, apply_table)
    table, record, roster, messages = build_roster_table(folder, frame, spec, name, apply_table)
    rosters[name] = roster
    return table, record, messages
