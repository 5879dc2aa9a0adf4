"""The roster table (``match:``) and its training starts from LMS completions (``from_completions:``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.contracts.readers import SOURCE_ROW
from analysis.ingest.events.matching import (
    MAX_UNMATCHED,
    Roster,
    check_unmatched,
    full_names,
    guess_key_kind,
    match_people,
    normalise,
)
from analysis.ingest.events.rules import (
    EVENT_RULES,
    listed,
    period_labels,
    programme_test,
    read_event_dates,
    require_columns,
    source_name,
    to_periods,
)
from analysis.ingest.read.sources import CodebookError, read_source

__all__ = ["add_reps_from", "build_roster_table", "starts_from_completions"]


def _columns_needed(spec: dict, extra: list[str]) -> list[str]:
    """The raw columns a table's ordinary rules name, so nothing else is parsed."""
    rename = spec.get("rename") or {}
    back = {v: k for k, v in rename.items()}
    names = [r.get("column") for r in spec.get("drop_rows") or [] if isinstance(r, dict)]
    names += list(spec.get("keep_rows") or {})
    names += list(rename)
    for key in ("values", "dates", "numbers", "case", "multi_select", "flags"):
        names += [back.get(c, c) for c in spec.get(key) or {}]
    names += [back.get(c, c) for c in spec.get("text") or []]
    names += [back.get(c, c) for c in spec.get("keep") or [] if c != "training_start"]
    return list(dict.fromkeys(str(n) for n in names + extra if n is not None))


def build_roster_table(
    folder: Path, frame: pd.DataFrame, spec: dict, name: str, apply_table
) -> tuple[pd.DataFrame, dict, Roster, list[str]]:
    """The roster table: ordinary rules, one row per rep, its match keys, and training starts.

    Parameters
    ----------
    folder : Path
        The client folder (for ``from_completions.source``).
    frame : DataFrame
        The roster file as read, indexed by its raw lines.
    spec : dict
        The codebook table (with ``match:`` and optionally ``from_completions:``).
    name : str
        The table's name.
    apply_table : callable
        :func:`analysis.ingest.codebook.apply_codebook_table`, for the ordinary rules.

    Returns
    -------
    (DataFrame, dict, Roster, list of str)
        The table, its record, the roster for later tables, and warnings for the user.
    """
    where = source_name(spec)
    match = spec["match"]
    key_columns = {
        k: str(match[k]) for k in ("id", "email", "name", "hired", "left") if match.get(k)
    }
    mapped, record = _mapped_roster(frame, spec, name, apply_table, key_columns)
    keys = _roster_keys(mapped, spec, key_columns)
    _check_one_value_per_rep(mapped, keys, spec.get("rename") or {}, key_columns, where)
    first = ~mapped["rep_id"].duplicated()
    table, keys = mapped[first.to_numpy()].copy(), keys[first.to_numpy()].copy()
    keys["first"] = keys["hired"].dt.to_period("M")
    keys["last"] = keys["left"].dt.to_period("M")
    late = keys["last"].notna() & keys["first"].notna() & (keys["last"] < keys["first"])
    if late.any():
        raise CodebookError(
            f"{where}: the leaving date is before the hire date on lines "
            f"{', '.join(map(str, keys.index[late.to_numpy()][:5]))}; correct them in the roster."
        )
    keys["line"] = keys.index
    roster = Roster(reps=keys.reset_index(drop=True), where=where, columns=key_columns)
    record["roster"] = {
        "reps": len(table),
        "rows_per_rep_reduced": int((~first).sum()),
        "keys": {k: v for k, v in key_columns.items()},
        "with_hire_date": int(keys["hired"].notna().sum()),
        "with_leaving_date": int(keys["left"].notna().sum()),
    }
    messages: list[str] = []
    if "from_completions" in spec:
        starts, completion_record, messages, extra = starts_from_completions(
            folder, spec, roster, where
        )
        table["training_start"] = table["rep_id"].map(starts).astype(object)
        record["from_completions"] = completion_record
        record["more_sources"] = [extra]
    table = _kept_columns(table, spec.get("keep"), name)
    record["rows_out"] = len(table)
    return table.reset_index(drop=True), record, roster, messages


def _mapped_roster(
    frame: pd.DataFrame, spec: dict, name: str, apply_table, key_columns: dict[str, str]
) -> tuple[pd.DataFrame, dict]:
    """The roster rows after the table's ordinary rules, indexed by file line.

    Returns
    -------
    (DataFrame, dict)
        The rows (``rep_id`` stripped) and the table's record.

    Raises
    ------
    CodebookError
        A named column the file lacks, no ``rep_id`` column, or a blank ``rep_id``.
    """
    where = source_name(spec)
    rename = spec.get("rename") or {}
    require_columns(frame, list(key_columns.values()), where, "match")
    made = ["rep_id"] if spec.get("rep_ids") else []  # made from names before this step
    needed = _columns_needed(spec, [*made, *key_columns.values()])
    require_columns(
        frame, [c for c in needed if c not in rename.values()], where, "the table's rules"
    )
    core = {k: v for k, v in spec.items() if k not in (*EVENT_RULES, "keep")}
    core["text"] = list(
        dict.fromkeys(
            [*(core.get("text") or []), *[rename.get(c, c) for c in key_columns.values()]]
        )
    )
    mapped, record = apply_table(frame[[c for c in frame.columns if c in needed]], core, name)
    if "rep_id" not in mapped.columns:
        raise CodebookError(
            f"{where}: the roster table has no rep_id; rename its id column, e.g. rename: {{Employee ID: rep_id}}."
        )
    lines = mapped[SOURCE_ROW].astype(int)
    mapped.index = pd.Index(lines.to_numpy())
    blank = mapped["rep_id"].astype("string").str.strip().fillna("") == ""
    if blank.any():
        raise CodebookError(
            f"{where}: rep_id is blank on lines {', '.join(map(str, mapped.index[blank.to_numpy()][:5]))}; "
            "every roster row needs the rep's id (or drop the row with drop_rows)."
        )
    mapped["rep_id"] = mapped["rep_id"].astype(str).str.strip()
    return mapped, record


def _roster_keys(mapped: pd.DataFrame, spec: dict, key_columns: dict[str, str]) -> pd.DataFrame:
    """Each roster row's match keys (normalised id, email, name) and hire and leaving dates.

    Raises
    ------
    CodebookError
        A hire or leaving date that cannot be read.
    """
    where = source_name(spec)
    rename = spec.get("rename") or {}
    keys = pd.DataFrame({"rep_id": mapped["rep_id"]}, index=mapped.index)
    keys["id"] = normalise(
        mapped[rename.get(key_columns["id"], key_columns["id"])]
        if "id" in key_columns
        else mapped["rep_id"],
        "id",
    )
    for kind in ("email", "name"):
        keys[kind] = (
            normalise(mapped[rename.get(key_columns[kind], key_columns[kind])], kind)
            if kind in key_columns
            else None
        )
    formats = spec["match"].get("formats") or {}
    for end in ("hired", "left"):
        if end in key_columns:
            column = rename.get(key_columns[end], key_columns[end])
            dates = read_event_dates(
                mapped[column],
                column=key_columns[end],
                where=where,
                fmt=formats.get(key_columns[end]),
                rule="match",
            )
            keys[end] = dates
        else:
            keys[end] = pd.NaT
    return keys


def _check_one_value_per_rep(
    mapped: pd.DataFrame,
    keys: pd.DataFrame,
    rename: dict,
    key_columns: dict[str, str],
    where: str,
) -> None:
    """Check that a rep's repeated rows agree in every kept column and match key.

    Raises
    ------
    CodebookError
        A rep whose rows differ (the message names the columns and lines).
    """
    # one row per rep: an LMS file used as the roster repeats each rep on every course row
    # (a key column is compared by its normalised key: LEFEVRE Zoé and LEFÈVRE Zoé agree)
    written = {rename.get(c, c) for k, c in key_columns.items() if k in ("email", "name")}
    identity = [c for c in mapped.columns if c != SOURCE_ROW and c not in written]
    conflicts = (
        keys.assign(**{c: mapped[c].astype("string") for c in identity})
        .groupby("rep_id")
        .nunique(dropna=False)
    )
    conflicts = conflicts[(conflicts > 1).any(axis=1)]
    if not conflicts.empty:
        rep = conflicts.index[0]
        columns = [c for c in conflicts.columns if conflicts.loc[rep, c] > 1]
        rows = ", ".join(map(str, mapped.index[(mapped["rep_id"] == rep).to_numpy()][:5]))
        raise CodebookError(
            f"{where}: rep {rep} has rows that differ in {columns} (lines {rows}); a roster needs one "
            f"value per rep ({len(conflicts)} rep(s) differ). Keep one row per rep with drop_rows, or "
            "leave the differing column out of keep and match."
        )


def _kept_columns(table: pd.DataFrame, keep: list | None, name: str) -> pd.DataFrame:
    """The columns ``keep:`` lists, with the source line; all of them without ``keep:``.

    Raises
    ------
    CodebookError
        A kept column the mapped table lacks.
    """
    if not keep:
        return table
    absent = [c for c in keep if c not in table.columns]
    if absent:
        raise CodebookError(
            f"codebook table {name}: keep lists column(s) {absent} that the mapped table lacks."
        )
    return table[[*keep, SOURCE_ROW]]


def starts_from_completions(
    folder: Path, spec: dict, roster: Roster, roster_where: str
) -> tuple[dict[str, str], dict, list[str], dict]:
    """Each rep's training start: the period of the first completed programme row.

    Returns
    -------
    (dict, dict, list of str, dict)
        rep_id -> start label, the record (counts, match report, reps only registered),
        warnings for the user, and the LMS file's source entry for the import record.
    """
    rule = spec["from_completions"]
    source = rule.get("source") or spec["source"]
    where = source_name({"source": source})
    frame, layout = read_source(folder, source)
    course, date = str(rule["course"]), str(rule["date"])
    status = rule.get("status")
    require_columns(frame, [c for c in (course, date, status) if c], where, "from_completions")
    people = full_names(frame, rule["learner"], where=where, rule="from_completions.learner")
    learner = _learner_label(rule["learner"])
    programme = _programme_rows(frame, rule, where)
    completed_statuses = listed(rule.get("completed"))
    done = _completed_rows(frame, rule, completed_statuses, where)
    dates = read_event_dates(
        frame[date],
        column=date,
        where=where,
        fmt=(rule.get("formats") or {}).get(date),
        rule="from_completions",
    )
    kind = rule.get("key") or guess_key_kind(people)
    result = match_people(
        people, roster, kind, where=where, column=learner, aliases=rule.get("aliases")
    )
    counted = (programme & done).astype(float)
    messages = check_unmatched(
        result,
        counted=counted,
        what="programme completions",
        roster_side=False,
        limit=float(rule.get("max_unmatched", MAX_UNMATCHED)),
    )
    undated = programme & done & dates.isna()
    if undated.any():
        messages.append(
            f"{where}: {int(undated.sum())} completed programme row(s) have no {date} and give no "
            f"training start (lines {', '.join(map(str, frame.index[undated.to_numpy()][:5]))})."
        )
    rows = pd.DataFrame({"rep_id": result.rep_id, "date": dates})[
        (programme & done & dates.notna()).to_numpy()
    ]
    starts = _first_starts(rows, rule.get("period", "month"))
    not_completed, warnings = _registered_not_completed(
        frame, status, result.rep_id, programme, starts, where
    )
    counts = pd.Series(list(starts.values())).value_counts().sort_index()
    record = {
        "file": where,
        "programme": rule["programme"],
        "completed": completed_statuses,
        "rows": len(frame),
        "programme_rows": int(programme.sum()),
        "completed_programme_rows": int((programme & done).sum()),
        "trained_reps": len(starts),
        "untrained_reps": int(roster.reps["rep_id"].nunique() - len(starts)),
        "starts_by_period": {str(k): int(v) for k, v in counts.items()},
        "programme_not_completed": not_completed,
        "match": result.report,
    }
    return starts, record, messages + warnings, _completions_source(folder, source, layout)


def _learner_label(learner: dict | str) -> str:
    """How the learner column(s) are named in messages: one column, or last + first."""
    if isinstance(learner, dict):
        return f"{learner['last']} + {learner['first']}"
    return str(learner)


def _registered_not_completed(
    frame: pd.DataFrame,
    status: str | None,
    rep_ids: pd.Series,
    programme: pd.Series,
    starts: dict[str, str],
    where: str,
) -> tuple[list[dict], list[str]]:
    """The reps with programme rows but no completion, and a warning naming them.

    Returns
    -------
    (list of dict, list of str)
        One ``{rep_id, statuses}`` per such rep, and the warning (none if no rep).
    """
    seen = set(rep_ids[programme.to_numpy()].dropna())
    only_registered = sorted(seen - set(starts))
    status_of = _statuses_by_rep(frame, status, rep_ids, programme)
    not_completed = [{"rep_id": r, "statuses": list(status_of.get(r, []))} for r in only_registered]
    if not only_registered:
        return not_completed, []
    warning = (
        f"{where}: {len(only_registered)} rep(s) have programme rows but no completion and stay "
        f"untrained: {', '.join(only_registered[:10])}{' ...' if len(only_registered) > 10 else ''} "
        f"(statuses: {sorted({s for r in only_registered for s in status_of.get(r, [])})})."
    )
    return not_completed, [warning]


def _programme_rows(frame: pd.DataFrame, rule: dict, where: str) -> pd.Series:
    """Which LMS rows are a course of the programme that ``from_completions.programme`` names.

    Raises
    ------
    CodebookError
        No course title belongs to the programme (the message lists the titles).
    """
    course = str(rule["course"])
    in_programme = programme_test(rule["programme"], f"{where}: from_completions")
    titles = frame[course].astype("string").str.strip()
    programme = titles.map(lambda t: False if pd.isna(t) else in_programme(t)).astype(bool)
    if not programme.any():
        found = titles.value_counts().head(12)
        raise CodebookError(
            f"{where}: no title of column {course} is part of the programme as from_completions.programme "
            f"names it ({rule['programme']!r}); the titles are: "
            + "; ".join(f"{t!r} ({n})" for t, n in found.items())
        )
    return programme


def _completed_rows(
    frame: pd.DataFrame, rule: dict, completed_statuses: list[str], where: str
) -> pd.Series:
    """Which LMS rows are completions: by the status column if named, else by a date.

    Raises
    ------
    CodebookError
        A status in ``from_completions.completed`` that the status column never holds.
    """
    status = rule.get("status")
    if not status:
        return frame[str(rule["date"])].notna()
    states = frame[status].astype("string").str.strip()
    if completed_statuses:
        unknown = [
            s for s in completed_statuses if s.casefold() not in set(states.dropna().str.casefold())
        ]
        if unknown:
            raise CodebookError(
                f"{where}: from_completions.completed lists {unknown}, which column {status} never "
                f"holds; it holds {sorted(states.dropna().unique())}."
            )
    wanted = {s.casefold() for s in completed_statuses}
    return (
        states.str.casefold().isin(wanted).fillna(False).astype(bool) if wanted else states.notna()
    )


def _first_starts(rows: pd.DataFrame, period: str) -> dict[str, str]:
    """Each matched rep's first completion date, as the label of its period.

    Returns
    -------
    dict
        rep_id -> period label, for reps with a matched and dated completion.
    """
    rows = rows.dropna(subset=["rep_id"])
    first = rows.groupby("rep_id")["date"].min()
    return dict(zip(first.index, period_labels(to_periods(first, period)), strict=True))


def _statuses_by_rep(
    frame: pd.DataFrame, status: str | None, rep_ids: pd.Series, programme: pd.Series
) -> dict[str, list[str]]:
    """The statuses each matched rep's programme rows hold (empty without a status column).

    Returns
    -------
    dict
        rep_id -> sorted distinct statuses.
    """
    if not status:
        return {}
    programme_rows = pd.DataFrame({"rep_id": rep_ids, "status": frame[status]})[
        programme.to_numpy()
    ]
    grouped = programme_rows.dropna(subset=["rep_id"]).groupby("rep_id")["status"]
    return {str(r): sorted(set(map(str, s.dropna()))) for r, s in grouped}


def _completions_source(folder: Path, source: dict, layout) -> dict:
    """The LMS file's entry among the import record's sources.

    Returns
    -------
    dict
        ``file``, ``sha256`` (empty if the file is outside the client folder), ``role``
        and ``layout``.
    """
    from analysis.clients.files import file_sha256
    from analysis.contracts.readers import inside

    path = inside(folder, str(source["file"]))
    return {
        "file": str(source["file"]),
        "sha256": file_sha256(path) if path is not None else "",
        "role": "completions",
        "layout": layout,
    }


def add_reps_from(
    reps: pd.DataFrame, other: pd.DataFrame, name: str, other_name: str
) -> tuple[pd.DataFrame, dict]:
    """A list of the trained reps completed with the reps of ``other`` (the panel) it lacks.

    A training list names only those who took part; the study also needs the reps who
    never did (the comparison group), and the panel names them all. Ids are compared as
    ``match:`` compares them (case, inner spaces and the leading zeros of all-digit ids
    ignored: ``sd 0123`` = ``SD0123``) and written as ``other`` writes them; the reps
    added have no ``training_start`` (never trained) and are numbered on after the list's
    last line (the import record says they come from ``other``). A rep of the
    list that ``other`` lacks stays (validate names it). Returns the table and its record.

    Raises
    ------
    CodebookError
        ``other`` has no rep_id, or two of its ids differ only in how they are written.
    """
    if "rep_id" not in other.columns or "rep_id" not in reps.columns:
        raise CodebookError(
            f"codebook table {name}: add_reps_from: {other_name} needs a rep_id column in both tables."
        )
    spelled = pd.DataFrame({"rep_id": other["rep_id"].dropna().astype(str).str.strip()})
    spelled["key"] = normalise(spelled["rep_id"], "id")
    spelled = spelled.drop_duplicates()
    twice = spelled[spelled["key"].duplicated(keep=False)]
    if not twice.empty:
        raise CodebookError(
            f"codebook table {name}: add_reps_from: {other_name} writes one rep in two ways "
            f"({', '.join(sorted(twice['rep_id'])[:6])}); make them one (case: {{rep_id: upper}}) first."
        )
    written = dict(zip(spelled["key"], spelled["rep_id"], strict=True))
    keys = normalise(reps["rep_id"].astype("string").str.strip(), "id")
    respelled = keys.map(written)
    changed = respelled.notna() & (respelled != reps["rep_id"].astype("string").str.strip())
    table = reps.copy()
    table["rep_id"] = respelled.where(respelled.notna(), table["rep_id"])
    missing = [rep for key, rep in written.items() if key not in set(keys.dropna())]
    added = pd.DataFrame({"rep_id": missing})
    if SOURCE_ROW in table.columns:  # numbered on after the list's last line
        last = int(pd.to_numeric(table[SOURCE_ROW], errors="coerce").max() or 1)
        added[SOURCE_ROW] = range(last + 1, last + 1 + len(missing))
    table = pd.concat([table, added], ignore_index=True)
    record = {
        "from": other_name,
        "added_untrained": len(missing),
        "ids_rewritten": int(changed.sum()),
    }
    return table, record
