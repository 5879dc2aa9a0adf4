"""Drafting for deliveries that name the reps only by their names (no id column in any file).

A CRM report lists ``LEFEVRE Zoé`` on each rep-month row and the training department's
list writes ``Lefèvre`` and ``Zoé`` in two columns; no file has an employee number the
others share. :func:`name_keyed` drafts what :mod:`analysis.ingest.rules.pseudonyms` imports:

* every drafted reps or panel table (never a survey export:
  :func:`analysis.ingest.mapping.tables.looks_like_survey`) whose rep key is a column of
  people's full names (mostly two words or more: :data:`FULL_NAMES`) gets
  ``rep_ids: {from: <column>, key: name}`` (a pseudonymous id from each normalised name;
  the names stay out of ``keep``), and ``rep_id`` counts as built, not mapped;
* a panel so keyed, with no reps table, gets one built from its own names
  (``match: {name: <column>}``): every rep of the panel, untrained unless a training
  list says otherwise;
* a list of registrations or attendance (several rows per person, a date) whose names
  match the panel's becomes that reps table's ``from_completions:``. Nothing is taken
  from the headers (they may be in any language): the learner is the column, or the
  pair of columns read as ``Last, First``, whose names match most of the panel's; the
  course is the category each of whose values has one date (a session); the status the
  category that differs between rows of one person; each with its evidence, and every
  choice only the client can make (which courses, which statuses count) is a CHECK
  listing what the file holds.

The client confirms the pseudonymous ids once, on the first table the codebook lists
(``from: CHECK <column>``): the import stops until the column is written there without
``CHECK``. A table keyed by a real id elsewhere in the delivery cannot be joined by names
this way, so nothing is drafted then (the table's CHECK says the rep key is missing).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.ingest.events import EventDraft
from analysis.ingest.events.matching import full_names, normalise
from analysis.ingest.mapping.events import event_table
from analysis.ingest.mapping.roles import Decision
from analysis.ingest.mapping.tables import TableDraft, looks_like_survey

if TYPE_CHECKING:
    from analysis.ingest.drafting import SourceDraft

__all__ = ["full_name_columns", "learner_columns", "name_keyed"]

#: The share of a list's people whose names must match the panel's to read it as the
#: panel's reps (a list of other people matches almost none).
MIN_MATCHED = 0.5
#: The share of a column's distinct names that must have two words or more for the column
#: to name people in full (``Zoé Lefèvre``, ``LEFEVRE Zoé``): a column of first names alone
#: (``Ana``, ``João``) gives one id to every Ana, never an id per person.
FULL_NAMES = 0.7


def _names(tdraft: TableDraft) -> list[str]:
    return [c for c, p in tdraft.profiles.items() if p.personal == "name"]


def full_name_columns(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The ``columns`` whose names are mostly full names (two words or more each)."""
    found = []
    for column in columns:
        text = frame[column].dropna().astype(str).str.strip()
        distinct = pd.Series(text[text != ""].unique(), dtype="string")
        words = distinct.str.replace(",", " ").str.split().map(len)
        if len(words) and (words >= 2).mean() >= FULL_NAMES:
            found.append(column)
    return found


def name_keyed(
    sources: list[SourceDraft], used: dict[str, SourceDraft], frames: dict[int, pd.DataFrame]
) -> list[str]:
    """Draft ``rep_ids`` (and a reps table with its training starts) where names are the
    only rep key (see the module docstring); ``sources`` and ``used`` gain the reps table
    built from the panel. Returns CHECK lines for the whole delivery."""
    keyed: dict[str, tuple[SourceDraft, list[str]]] = {}
    for table in ("reps", "panel"):
        source = used.get(table)
        if source is None or source.draft is None or source.draft.commented:
            continue
        frame = frames[id(source)]
        if looks_like_survey(frame, source.draft.profiles):
            continue  # respondents are not reps, whatever their names
        decision = source.draft.decisions.get("rep_id")
        names = full_name_columns(frame, _names(source.draft))
        if decision is not None and not decision.column and names:
            keyed[table] = (source, names)
    ided = [s for s in used.values() if s.draft is not None and s.draft.mapped.get("rep_id")]
    if not keyed or ided:
        return []
    derived = None
    if "panel" in keyed and "reps" not in used:
        panel, names = keyed["panel"]
        derived = _reps_from(panel, names, frames[id(panel)])
        sources.append(derived)
        used["reps"] = derived
        frames[id(derived)] = frames[id(panel)]
        _attach_registrations(derived, sources, frames, names[0] if len(names) == 1 else None)
    # the placeholder goes on the table written first (the reps), the same rule on the others
    order = ([derived] if derived is not None else []) + [
        keyed[t][0] for t in ("reps", "panel") if t in keyed
    ]
    names_of = {id(s): names for s, names in keyed.values()}
    for position, source in enumerate(order):
        assert source.draft is not None
        names = names_of.get(id(source)) or keyed["panel"][1]
        _write_rule(source.draft, names, confirm=position == 0)
    return []


def _write_rule(tdraft: TableDraft, names: list[str], *, confirm: bool) -> None:
    """``rep_ids`` on one table, its CHECK (once), and rep_id counted as built."""
    profiles = tdraft.profiles
    shown = "; ".join(f"{c!r} [{profiles[c].describe()}]" for c in names[:3])
    single = len(names) == 1
    if confirm or not single:
        value = f"CHECK {names[0]}" if single else "CHECK"
        text = (
            f"rep_ids: no file has a rep id; {shown} names the reps: import makes a "
            "pseudonymous id of each name (accents, case and LAST First / Last, First "
            "ignored; names never reach imported/); confirm that one name is one rep in "
            f"every file by writing from: {names[0]}"
            if single
            else f"rep_ids: no file has a rep id and {len(names)} columns hold people's names "
            f"({shown}): write the one that names the rep as from: (import makes a "
            "pseudonymous id of each name)"
        )
        if tdraft.table_checks:  # a table built from names: one line says both
            tdraft.table_checks[0] = f"{tdraft.table_checks[0]}; {text}"
        else:
            tdraft.checks.insert(0, text)
    else:
        value = names[0]
    rule = {"from": value, "key": "name"}
    tdraft.spec = {"rep_ids": rule, **{k: v for k, v in tdraft.spec.items() if k != "rep_ids"}}
    tdraft.comments["rep_ids"] = [
        "no id column: rep_id is made from each name with the client's key (pseudonyms.key)"
    ]
    keep = [c for c in tdraft.spec.get("keep") or [] if c != "rep_id"]
    tdraft.spec["keep"] = ["rep_id", *keep]
    decision = tdraft.decisions.get("rep_id")
    if decision is not None:
        decision.check, decision.suggestion = "", None
    if "rep_id" not in tdraft.built:
        tdraft.built = (*tdraft.built, "rep_id")


def _reps_from(panel: SourceDraft, names: list[str], frame: pd.DataFrame) -> SourceDraft:
    """A reps table read from the panel's own file: one row per name."""
    from analysis.ingest.drafting import SourceDraft

    assert panel.draft is not None
    profiles = panel.draft.profiles
    spec: dict[str, Any] = {"keep": ["rep_id"]}
    if len(names) == 1:
        spec = {"match": {"name": names[0]}, **spec}
    tdraft = TableDraft("reps", spec, profiles=profiles, built=("rep_id",))
    tdraft.comments["match"] = ["the panel's names: the other files name the reps the same way"]
    where = panel.file + (f" sheet {panel.sheet!r}" if panel.fmt == "xlsx" else "")
    tdraft.table_checks.append(
        f"reps: built from the names of {where} (every rep of the panel, untrained unless the "
        "training list below says otherwise)"
    )
    if len(names) == 1:
        teams = _constant_per_person(frame, profiles, names[0])
        if teams:
            shown = "; ".join(f"{c!r} [{profiles[c].describe()}]" for c in teams[:3])
            tdraft.checks.append(
                f"team: one value per rep in {shown}; if one is the rep's team, add it under "
                "rename (<column>: team) and to keep"
            )
    return SourceDraft(panel.file, panel.sheet, tdraft, dict(panel.layout), panel.fmt)


def _constant_per_person(frame: pd.DataFrame, profiles: dict, person: str) -> list[str]:
    """Category columns with one value per person (a branch, a team)."""
    found = []
    for column, profile in profiles.items():
        if profile.kind != "category" or profile.personal or column not in frame.columns:
            continue
        per = frame.groupby(frame[person].astype("string"))[column].nunique(dropna=True)
        if len(per) and (per <= 1).all() and profile.unique > 1:
            found.append(column)
    return found


# ------------------------------------------------------------------ registrations


def learner_columns(
    frame: pd.DataFrame, roster: set[str], candidates: list[str]
) -> tuple[Any, int, int] | None:
    """The column (or ``{first, last}`` pair) whose names match the most of ``roster``.

    Parameters
    ----------
    frame : DataFrame
        The list as read.
    roster : set of str
        The reps' names, normalised (:func:`analysis.ingest.events.matching.normalise_name`).
    candidates : list of str
        Columns that may hold names or parts of names (text without digits).

    Returns
    -------
    (column or dict, int, int) or None
        The learner as a ``from_completions`` rule names it, the people matched and the
        people in the list; None when no choice matches :data:`MIN_MATCHED` of them.
    """
    options: list[Any] = list(candidates)
    options += [{"first": b, "last": a} for a, b in itertools.permutations(candidates[:8], 2)]
    best = None
    for given in options:
        keys = normalise(full_names(frame, given, where="", rule=""), "name").dropna()
        people = set(keys)
        if not people:
            continue
        matched = len(people & roster)
        if best is None or matched > best[1]:
            best = (given, matched, len(people))
    if best is None or best[1] < MIN_MATCHED * best[2]:
        return None
    return best


def _attach_registrations(
    reps: SourceDraft,
    sources: list[SourceDraft],
    frames: dict[int, pd.DataFrame],
    person: str | None,
) -> None:
    """A training list whose people are the panel's: the reps table's ``from_completions``."""
    if person is None:
        return
    roster = set(normalise(frames[id(reps)][person], "name").dropna())
    for source in sources:
        if source is reps or source.event is not None or source.draft is None:
            continue
        if source.draft.table and not source.draft.commented:
            continue  # a table of its own (the costs)
        frame = frames.get(id(source))
        if frame is None:
            continue
        event = _registration_rule(frame, source.draft.profiles, roster, person, reps.file)
        if event is None:
            continue
        source.event = event
        source.draft = event_table(event, source.draft.profiles)
        if event.rule["date"] == "CHECK":  # no date settled: the role stays open
            source.draft.decisions["training_start"] = Decision("training_start")
        source.attached_to = "reps"
        reps.carries.append(source)
        assert reps.draft is not None
        reps.draft.spec["keep"] = [*reps.draft.spec["keep"], "training_start"]
        reps.draft.built = (*reps.draft.built, "training_start")
        return


def _registration_rule(
    frame: pd.DataFrame, profiles: dict, roster: set[str], person: str, where: str
) -> EventDraft | None:
    """The ``from_completions`` rule of a list of registrations, read from its values."""
    dates = [c for c, p in profiles.items() if p.kind in ("date", "period")]
    texts = [
        c
        for c, p in profiles.items()
        if c not in dates
        and p.kind in ("personal", "identifier", "text", "category")
        and p.personal in (None, "name")
        and not frame[c].dropna().astype(str).str.contains(r"\d").any()
    ]
    found = learner_columns(frame, roster, texts) if dates and texts else None
    if found is None:
        return None
    given, matched, people = found
    learner_cols = list(given.values()) if isinstance(given, dict) else [given]
    keys = normalise(full_names(frame, given, where="", rule=""), "name")
    rule: dict[str, Any] = {"learner": given, "key": "name"}
    shown = _learner_shown(given)
    notes = {
        "learner": (
            f"{shown}: {matched} of its {people} people match a name of {person!r} in {where} "
            "(accents, case and order ignored)"
        )
    }
    listings: dict[str, list[str]] = {}
    date = dates[0] if len(dates) == 1 else "CHECK"
    categories = [
        c
        for c, p in profiles.items()
        if p.kind == "category" and not p.personal and c not in learner_cols
    ]
    course = _course(frame, categories, date)
    status = _status(frame, profiles, categories, keys, course)
    rule["course"] = course or "CHECK"
    if course:
        titles = frame[course].astype("string").str.strip().value_counts()
        notes["course"] = f"each of its {len(titles)} values has one {date!r}: the sessions"
        listings["programme"] = [f"{t!r}: {n} rows" for t, n in titles.head(30).items()]
    else:
        notes["course"] = "CHECK: the column naming the course or session; " + _listed(
            profiles, categories
        )
    rule["programme"] = "CHECK"
    notes["programme"] = (
        "CHECK: which courses are the programme? titles: [...], starts_with: '...' or "
        "pattern: '...'" + ("; the titles found are listed below" if course else "")
    )
    if status:
        states = frame[status].astype("string").str.strip().value_counts()
        rule["status"], rule["completed"] = status, "CHECK"
        notes["status"] = f"differs between rows of one person: {', '.join(states.index[:8])}"
        notes["completed"] = "CHECK: which of them mean trained? " + ", ".join(
            f"{s} ({n})" for s, n in states.items()
        )
    elif len(categories) > (1 if course else 0):
        notes["date"] = "every row with a date counts as trained unless status: says which do"
    _add_registration_date(profiles, dates, date, rule, notes)
    rule["period"] = "month"
    return EventDraft(kind="completions", rule=rule, notes=notes, listings=listings)


def _add_registration_date(
    profiles: dict, dates: list[str], date: str, rule: dict, notes: dict
) -> None:
    """Add the training date (or its CHECK), its format and their notes to a drafted rule."""
    rule["date"] = date
    if date == "CHECK":
        notes["date"] = "CHECK: the date of the training; " + _listed(profiles, dates)
        return
    fmt = profiles[date].date_format
    if fmt and fmt.startswith("%"):
        rule["formats"] = {date: fmt}
    told = [n for n in profiles[date].notes if "cannot be told" in n]
    notes["date"] = notes.get("date") or (
        f"{profiles[date].describe()}; training_start = the month of the first row that counts"
    )
    if told:
        rule["formats"] = {date: f"CHECK {fmt}"}
        notes["formats"] = f"CHECK: {told[0]}; write the format that reads them"


def _learner_shown(given: dict | str) -> str:
    """The learner column(s) as a note names them: one column, or last + first."""
    if isinstance(given, dict):
        return f"{given['last']!r} + {given['first']!r} read as Last, First"
    return repr(given)


def _listed(profiles: dict, columns: list[str]) -> str:
    return "candidates: " + (
        "; ".join(f"{c!r} [{profiles[c].describe()}]" for c in columns[:4]) or "none"
    )


def _course(frame: pd.DataFrame, categories: list[str], date: str) -> str | None:
    """The one category each of whose values has a single date (a session's label)."""
    if date == "CHECK":
        return None
    tied = [
        c
        for c in categories
        if frame[c].notna().all()
        and (frame.groupby(frame[c].astype("string"))[date].nunique() == 1).all()
    ]
    return tied[0] if len(tied) == 1 else None


def _status(
    frame: pd.DataFrame,
    profiles: dict,
    categories: list[str],
    keys: pd.Series,
    course: str | None,
) -> str | None:
    """The one category without blanks (2 to 8 values) that differs between one person's rows."""
    found = []
    for column in categories:
        if column == course or frame[column].isna().any() or not 2 <= profiles[column].unique <= 8:
            continue
        per = frame[column].astype("string").groupby(keys).nunique()
        if (per > 1).any():
            found.append(column)
    return found[0] if len(found) == 1 else None
