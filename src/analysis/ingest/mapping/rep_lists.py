"""The reps table from a sheet drafted as another table: a list of the trained with their start.

An academy's workbook often keeps one sheet per wave of training: one row per trained rep,
with the rep's id, the date of the session, the ratings of the feedback form and the test
scores. The drafter gives that sheet the table its columns fill best (reactions), and no
file is left for the reps table. :func:`rep_list` looks again at the sheets already
drafted: one whose values show a rep list with a training start (an identifier with one
distinct value on every row, and a date or period column that ``training_start`` fits)
feeds the reps table as well, drafted with the id and the start only. Its other columns
(a region, a facilitator) describe the session as much as the rep, so a team is never
mapped from them: they are named in a CHECK. Two such sheets are a CHECK naming both; a
start the values leave open is the usual CHECK of the role (no guess).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.ingest.mapping.roles import Decision
from analysis.ingest.mapping.tables import draft_frame

if TYPE_CHECKING:
    from analysis.ingest.drafting import SourceDraft

__all__ = ["rep_list"]


def _where(source: SourceDraft) -> str:
    return source.file + (f" sheet {source.sheet!r}" if source.fmt == "xlsx" else "")


def _fits(options: list, profiles: dict) -> dict[str, Decision] | None:
    """The reps decisions of a table with one row per rep and a start, or None."""
    for _, table, decisions in options:
        if table != "reps":
            continue
        rep, start = decisions.get("rep_id"), decisions.get("training_start")
        if rep is None or not rep.column or start is None:
            return None
        profile = profiles[rep.column]
        one_row_each = profile.missing == 0 and profile.unique == profile.n
        dated = [c for c, _, _ in start.candidates if profiles[c].kind in ("date", "period")]
        return decisions if one_row_each and (start.column or dated) else None
    return None


def rep_list(
    sources: list[SourceDraft],
    ranked: dict[int, tuple[pd.DataFrame, dict, list]],
    used: dict[str, Any],
    frames: dict[int, pd.DataFrame],
) -> list[str]:
    """Draft the reps table from a sheet already drafted as another table, when its values
    show a list of reps with a training start (see the module docstring).

    ``sources[i]`` is the draft of the ``i``-th table read (``ranked[i]``: its frame,
    profiles and the contract tables it could fill). The new source is appended to
    ``sources``, registered in ``used`` and ``frames``. Returns CHECK lines for the whole
    delivery (two sheets that could both be the list).
    """
    from analysis.ingest.drafting import SourceDraft

    if "reps" in used:
        return []
    found = _rep_list_candidates(sources, ranked)
    if len(found) > 1:
        shown = "; ".join(
            f"{_where(s)} ({d['rep_id'].column!r}, {d['training_start'].column!r})"
            for s, _, _, d in found
        )
        ask = (
            f"reps: {len(found)} sheets drafted as other tables hold one row per rep with a "
            f"date: {shown}; draft the one that lists each rep's training start as reps "
            "(rep_id, training_start)"
        )
        return [ask]
    if not found:
        return []
    source, frame, profiles, decisions = found[0]
    tdraft = _reps_from_list(source, frame, profiles, decisions)
    reps = SourceDraft(source.file, source.sheet, tdraft, dict(source.layout), source.fmt)
    sources.append(reps)
    used["reps"] = reps
    frames[id(reps)] = frame
    return []


def _rep_list_candidates(
    sources: list[SourceDraft], ranked: dict[int, tuple[pd.DataFrame, dict, list]]
) -> list[tuple]:
    """The sources drafted as another table whose values fit a list of reps.

    Returns
    -------
    list of tuple
        ``(source, frame, profiles, decisions)`` for each, in source order.
    """
    found = []
    for index, source in enumerate(list(sources)):
        tdraft = source.draft
        if tdraft is None or tdraft.commented or not tdraft.table or index not in ranked:
            continue
        frame, profiles, options = ranked[index]
        decisions = _fits(options, profiles)
        if decisions is not None:
            found.append((source, frame, profiles, decisions))
    return found


def _reps_from_list(source: SourceDraft, frame: pd.DataFrame, profiles: dict, decisions: dict):
    """The reps table's draft from a sheet drafted as another table, with notes on both.

    Only rep_id and training_start are taken; the other roles stay open. A note is added
    to the other table's draft too.
    """
    assert source.draft is not None
    other = source.draft.table
    mine = {
        role: decision
        if role in ("rep_id", "training_start")
        else Decision(role, candidates=decision.candidates)
        for role, decision in decisions.items()
    }
    tdraft = draft_frame(frame, "reps", mine, profiles)
    start = mine["training_start"].column
    said = f"training_start {start!r}" if start else "training_start (see below)"
    read_there = set(source.draft.mapped.values())
    measured = [
        c
        for c, p in profiles.items()
        if p.kind in ("money", "share", "score", "count") and c not in tdraft.mapped.values()
    ]
    tdraft.checks = [c for c in tdraft.checks if not c.startswith("left out (")]
    tdraft.checks.insert(
        0,
        f"also the reps table: drafted as {other} above, this sheet has one row per rep "
        f"({mine['rep_id'].column!r}, {profiles[mine['rep_id'].column].unique} reps) and "
        f"{said}; a team is not taken from it (its columns may describe the session)"
        + (
            f"; its measures are for other tables ({other} reads "
            f"{', '.join(repr(c) for c in measured if c in read_there) or 'none'}; not read: "
            f"{', '.join(repr(c) for c in measured if c not in read_there) or 'none'})"
            if measured
            else ""
        ),
    )
    source.draft.checks.append(
        f"also the reps table (rep_id {mine['rep_id'].column!r}, {said}): drafted as reps below"
    )
    return tdraft
