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

:func:`build_roster_table` and :func:`build_deals_table` apply the rules (called by
:func:`analysis.ingest.codebook.run_codebook`); :func:`draft_event_rules` recognises an
opportunity or completion export and drafts its rule with ``# CHECK`` lines for the
choices only the client can make (which stages are won, which courses are the programme).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd

from analysis.contracts.numbers import parse_numbers
from analysis.contracts.readers import SOURCE_ROW
from analysis.ingest.matching import (
    KEY_KINDS,
    MAX_UNMATCHED,
    Roster,
    check_unmatched,
    guess_key_kind,
    match_people,
    normalise,
)
from analysis.ingest.sources import CodebookError, likely_date_formats, read_source

__all__ = [
    "EVENT_RULES",
    "EventDraft",
    "apply_event_table",
    "build_deals_table",
    "build_roster_table",
    "check_event_rules",
    "draft_event_rules",
    "draft_roster_match",
    "is_event_table",
    "read_event_dates",
]

#: The table-level codebook keys this module handles.
EVENT_RULES = ("match", "from_completions", "from_deals")
PERIODS = ("month", "quarter")

_MATCH_KEYS = {"id", "email", "name", "hired", "left", "formats"}
_COMPLETION_KEYS = {
    "source",
    "learner",
    "key",
    "aliases",
    "course",
    "programme",
    "status",
    "completed",
    "date",
    "period",
    "formats",
    "max_unmatched",
}
_DEAL_KEYS = {
    "roster",
    "owner",
    "key",
    "aliases",
    "close_date",
    "stage",
    "won",
    "lost",
    "amount",
    "currency",
    "currency_column",
    "rates",
    "period",
    "periods",
    "formats",
    "max_unmatched",
}


def is_event_table(spec) -> bool:
    """Whether a codebook table uses one of :data:`EVENT_RULES`."""
    return isinstance(spec, dict) and any(k in spec for k in EVENT_RULES)


def _listed(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def check_event_rules(spec: dict, name: str) -> None:
    """Refuse an event rule with unknown keys or the wrong shape, naming the key and its form.

    Raises
    ------
    CodebookError
    """
    where = f"codebook table {name}"
    if "from_deals" in spec and ("match" in spec or "from_completions" in spec):
        raise CodebookError(
            f"{where}: from_deals builds a panel, match/from_completions a roster; put them in two tables."
        )
    if "from_completions" in spec and "match" not in spec:
        raise CodebookError(
            f"{where}: from_completions adds training_start to a roster; add match: (the roster's "
            "e-mail, name or id columns) to this table."
        )
    allowed = {"match": _MATCH_KEYS, "from_completions": _COMPLETION_KEYS, "from_deals": _DEAL_KEYS}
    for rule, keys in allowed.items():
        if rule not in spec:
            continue
        body = spec[rule]
        if not isinstance(body, dict):
            raise CodebookError(
                f"{where}: {rule} must be a mapping of its keys ({', '.join(sorted(keys))})."
            )
        unknown = sorted(str(k) for k in body if k not in keys)
        if unknown:
            raise CodebookError(
                f"{where}: {rule} has unknown key(s) {unknown}; it takes {', '.join(sorted(keys))}."
            )
        if body.get("key") is not None and body["key"] not in KEY_KINDS:
            raise CodebookError(
                f"{where}: {rule}.key must be one of {', '.join(KEY_KINDS)}, not {body['key']!r}."
            )
        if body.get("period", "month") not in PERIODS:
            raise CodebookError(
                f"{where}: {rule}.period must be month or quarter, not {body['period']!r}."
            )
        for key in ("aliases", "formats", "rates"):
            if body.get(key) is not None and not isinstance(body[key], dict):
                raise CodebookError(f"{where}: {rule}.{key} must be a mapping.")
        share = body.get("max_unmatched", MAX_UNMATCHED)
        if not isinstance(share, int | float) or not 0 <= share <= 1:
            raise CodebookError(
                f"{where}: {rule}.max_unmatched must be a share between 0 and 1, not {share!r}."
            )
    completions = spec.get("from_completions")
    if completions is not None:
        for key in ("learner", "course", "programme", "date"):
            if completions.get(key) is None:
                raise CodebookError(
                    f"{where}: from_completions needs {key}: (see the codebook format)."
                )
        _programme_test(completions["programme"], where)
    deals = spec.get("from_deals")
    if deals is not None:
        for key in ("owner", "close_date", "stage", "won", "amount"):
            if deals.get(key) is None:
                raise CodebookError(f"{where}: from_deals needs {key}: (see the codebook format).")


def _programme_test(programme, where: str):
    """A function telling whether a course title is part of the programme."""
    if isinstance(programme, str | list):
        programme = {"titles": _listed(programme)}
    if not isinstance(programme, dict) or len(programme) != 1:
        raise CodebookError(
            f"{where}: from_completions.programme must be one of titles: [exact titles], "
            "starts_with: 'title start' or pattern: 'regular expression'."
        )
    ((how, value),) = programme.items()
    if how == "titles":
        titles = {t.strip().casefold() for t in _listed(value)}
        return lambda title: str(title).strip().casefold() in titles
    if how == "starts_with":
        starts = [s.strip().casefold() for s in _listed(value)]
        return lambda title: any(str(title).strip().casefold().startswith(s) for s in starts)
    if how == "pattern":
        try:
            compiled = re.compile(str(value), re.IGNORECASE)
        except re.error as error:
            raise CodebookError(
                f"{where}: from_completions.programme.pattern is not a regular expression ({error})."
            ) from None
        return lambda title: bool(compiled.search(str(title)))
    raise CodebookError(
        f"{where}: from_completions.programme takes titles, starts_with or pattern, not {how!r}."
    )


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


# --------------------------------------------------------------------------- dates


def read_event_dates(
    values: pd.Series, *, column: str, where: str, fmt: str | None = None
) -> pd.Series:
    """Dates of an export column: ISO dates and date-times (as Excel cells are read) whatever
    ``fmt`` says, otherwise ``fmt`` or the one common format that reads every value.

    A time after the date (``6/3/2024 9:14:03``) is ignored. Day-first and month-first
    forms that both read every value are not guessed: the error asks for ``formats:``.

    Raises
    ------
    CodebookError
        Values no format reads (naming the lines), or two formats that both fit.
    """
    text = values.astype("string").str.strip()
    text = text.where(text != "")
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    iso = text.str.match(r"^\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    if iso.any():
        parsed[iso] = pd.to_datetime(text[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    rest = text.notna() & ~iso
    if rest.any():
        dates = text[rest].str.split().str[0]
        if fmt is None:
            fits = likely_date_formats(dates)
            if len(fits) > 1 and not {"%d/%m/%Y", "%m/%d/%Y"}.isdisjoint(fits):
                raise CodebookError(
                    f"{where}: column {column} reads as {' and as '.join(map(repr, fits))} (every day "
                    f"is 12 or less); name its format under the rule's formats: {{{column}: '%m/%d/%Y'}}."
                )
            fmt = fits[0] if fits else None
        if fmt is None:
            sample = dates.unique()[:3].tolist()
            raise CodebookError(
                f"{where}: column {column} holds dates in no common format (e.g. {sample}); name it "
                f"under the rule's formats: {{{column}: '%d.%m.%Y'}}."
            )
        parsed[rest] = pd.to_datetime(dates, format=fmt, errors="coerce")
    bad = text.notna() & parsed.isna()
    if bad.any():
        lines = ", ".join(str(i) for i in values.index[bad.to_numpy()][:5])
        raise CodebookError(
            f"{where}: column {column} has {int(bad.sum())} value(s) that are not dates on lines "
            f"{lines}, e.g. {text[bad].unique()[:3].tolist()}; correct them or name the format under formats:."
        )
    return parsed


def _label(periods: pd.Series) -> pd.Series:
    """Period labels as the contracts read them: 2025-03 (month), 2025-Q1 (quarter)."""
    return periods.map(
        lambda p: (
            None
            if pd.isna(p)
            else (
                f"{p.year}-Q{p.quarter}" if p.freqstr.startswith("Q") else f"{p.year}-{p.month:02d}"
            )
        )
    )


def _to_periods(dates: pd.Series, period: str) -> pd.Series:
    return dates.dt.to_period("Q" if period == "quarter" else "M")


# --------------------------------------------------------------------------- roster


def _source_name(spec: dict) -> str:
    source = spec.get("source") or {}
    sheet = f" (sheet {source['sheet']})" if source.get("sheet") is not None else ""
    return f"{source.get('file', '?')}{sheet}"


def _columns_needed(spec: dict, extra: list[str]) -> list[str]:
    """The raw columns a table's ordinary rules name, so nothing else is parsed."""
    rename = spec.get("rename") or {}
    back = {v: k for k, v in rename.items()}
    names = [r.get("column") for r in spec.get("drop_rows") or [] if isinstance(r, dict)]
    names += list(rename)
    for key in ("values", "dates", "numbers", "case", "multi_select", "flags"):
        names += [back.get(c, c) for c in spec.get(key) or {}]
    names += [back.get(c, c) for c in spec.get("text") or []]
    names += [back.get(c, c) for c in spec.get("keep") or [] if c != "training_start"]
    return list(dict.fromkeys(str(n) for n in names + extra if n is not None))


def _require(frame: pd.DataFrame, columns: list[str], where: str, rule: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CodebookError(
            f"{where}: {rule} names column(s) {missing} that the file lacks; it has "
            f"{', '.join(map(str, frame.columns[:14]))}."
        )


@dataclass
class _Built:
    """What a roster table leaves for the tables built after it."""

    roster: Roster
    messages: list[str] = field(default_factory=list)


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
    where = _source_name(spec)
    match = spec["match"]
    rename = spec.get("rename") or {}
    key_columns = {
        k: str(match[k]) for k in ("id", "email", "name", "hired", "left") if match.get(k)
    }
    _require(frame, list(key_columns.values()), where, "match")
    needed = _columns_needed(spec, list(key_columns.values()))
    _require(frame, [c for c in needed if c not in rename.values()], where, "the table's rules")
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
    formats = match.get("formats") or {}
    for end in ("hired", "left"):
        if end in key_columns:
            column = rename.get(key_columns[end], key_columns[end])
            dates = read_event_dates(
                mapped[column],
                column=key_columns[end],
                where=where,
                fmt=formats.get(key_columns[end]),
            )
            keys[end] = dates
        else:
            keys[end] = pd.NaT
    # one row per rep: an LMS file used as the roster repeats each rep on every course row
    identity = [c for c in mapped.columns if c != SOURCE_ROW]
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
    keep = spec.get("keep")
    if keep:
        absent = [c for c in keep if c not in table.columns]
        if absent:
            raise CodebookError(
                f"codebook table {name}: keep lists column(s) {absent} that the mapped table lacks."
            )
        table = table[[*keep, SOURCE_ROW]]
    record["rows_out"] = len(table)
    return table.reset_index(drop=True), record, roster, messages


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
    from analysis.clients.files import file_sha256
    from analysis.contracts.readers import inside

    rule = spec["from_completions"]
    source = rule.get("source") or spec["source"]
    where = _source_name({"source": source})
    frame, layout = read_source(folder, source)
    learner, course, date = str(rule["learner"]), str(rule["course"]), str(rule["date"])
    status = rule.get("status")
    _require(frame, [c for c in (learner, course, date, status) if c], where, "from_completions")
    in_programme = _programme_test(rule["programme"], f"{where}: from_completions")
    titles = frame[course].astype("string").str.strip()
    programme = titles.map(lambda t: False if pd.isna(t) else in_programme(t)).astype(bool)
    if not programme.any():
        found = titles.value_counts().head(12)
        raise CodebookError(
            f"{where}: no title of column {course} is part of the programme as from_completions.programme "
            f"names it ({rule['programme']!r}); the titles are: "
            + "; ".join(f"{t!r} ({n})" for t, n in found.items())
        )
    completed_statuses = _listed(rule.get("completed"))
    if status:
        states = frame[status].astype("string").str.strip()
        if completed_statuses:
            unknown = [
                s
                for s in completed_statuses
                if s.casefold() not in set(states.dropna().str.casefold())
            ]
            if unknown:
                raise CodebookError(
                    f"{where}: from_completions.completed lists {unknown}, which column {status} never "
                    f"holds; it holds {sorted(states.dropna().unique())}."
                )
        wanted = {s.casefold() for s in completed_statuses}
        done = (
            states.str.casefold().isin(wanted).fillna(False).astype(bool)
            if wanted
            else states.notna()
        )
    else:
        done = frame[date].notna()
    dates = read_event_dates(
        frame[date], column=date, where=where, fmt=(rule.get("formats") or {}).get(date)
    )
    kind = rule.get("key") or guess_key_kind(frame[learner])
    result = match_people(
        frame[learner], roster, kind, where=where, column=learner, aliases=rule.get("aliases")
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
    period = rule.get("period", "month")
    rows = pd.DataFrame({"rep_id": result.rep_id, "date": dates})[
        (programme & done & dates.notna()).to_numpy()
    ]
    rows = rows.dropna(subset=["rep_id"])
    first = rows.groupby("rep_id")["date"].min()
    starts = dict(zip(first.index, _label(_to_periods(first, period)), strict=True))
    seen = set(result.rep_id[programme.to_numpy()].dropna())
    only_registered = sorted(seen - set(starts))
    status_of: dict[str, list[str]] = {}
    if status:
        programme_rows = pd.DataFrame({"rep_id": result.rep_id, "status": frame[status]})[
            programme.to_numpy()
        ]
        grouped = programme_rows.dropna(subset=["rep_id"]).groupby("rep_id")["status"]
        status_of = {str(r): sorted(set(map(str, s.dropna()))) for r, s in grouped}
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
        "programme_not_completed": [
            {"rep_id": r, "statuses": list(status_of.get(r, []))} for r in only_registered
        ],
        "match": result.report,
    }
    if only_registered:
        messages.append(
            f"{where}: {len(only_registered)} rep(s) have programme rows but no completion and stay "
            f"untrained: {', '.join(only_registered[:10])}{' ...' if len(only_registered) > 10 else ''} "
            f"(statuses: {sorted({s for r in only_registered for s in status_of.get(r, [])})})."
        )
    path = inside(folder, str(source["file"]))
    extra = {
        "file": str(source["file"]),
        "sha256": file_sha256(path) if path is not None else "",
        "role": "completions",
        "layout": layout,
    }
    return starts, record, messages, extra


# --------------------------------------------------------------------------- deals


def build_deals_table(
    frame: pd.DataFrame, spec: dict, name: str, rosters: dict[str, Roster], apply_table
) -> tuple[pd.DataFrame, dict, list[str]]:
    """The rep-period panel from one row per deal (see the module docstring).

    Returns
    -------
    (DataFrame, dict, list of str)
        The panel (``rep_id, period, revenue, wins, opportunities, avg_deal_size``), its
        record (deals by kind, match report, deals outside active months, window) and
        warnings for the user.

    Raises
    ------
    CodebookError
        A roster table not built before this one, a won or lost stage the file never
        holds, a won deal without an amount, an amount in another currency without a
        stated rate, or more unmatched reps than ``max_unmatched``.
    """
    where = _source_name(spec)
    rule = spec["from_deals"]
    roster_name = str(rule.get("roster", "reps"))
    if roster_name not in rosters:
        raise CodebookError(
            f"codebook table {name}: from_deals.roster names {roster_name!r}, which is not a roster "
            "table listed above this one; list the roster (a table with match:) first."
        )
    roster = rosters[roster_name]
    owner, close, stage, amount = (str(rule[k]) for k in ("owner", "close_date", "stage", "amount"))
    currency_column = rule.get("currency_column")
    used = [c for c in (owner, close, stage, amount, currency_column) if c]
    _require(frame, used, where, "from_deals")
    drops = [str(r.get("column")) for r in spec.get("drop_rows") or [] if isinstance(r, dict)]
    _require(frame, drops, where, "drop_rows")
    core = {
        "source": spec["source"],
        "drop_rows": spec.get("drop_rows") or [],
        "text": [c for c in used if c != amount],
        "keep": used,
    }
    if spec.get("numbers"):
        core["numbers"] = spec["numbers"]
    deals, record = apply_table(frame[list(dict.fromkeys(used + drops))], core, name)
    deals.index = pd.Index(deals.pop(SOURCE_ROW).astype(int).to_numpy())
    stages = deals[stage].astype("string").str.strip()
    won, lost = _listed(rule.get("won")), _listed(rule.get("lost"))
    present = set(stages.dropna().str.casefold())
    absent = [s for s in won + lost if s.casefold() not in present]
    if absent:
        raise CodebookError(
            f"{where}: from_deals names stage(s) {absent} that column {stage} never holds; its stages "
            f"are {sorted(stages.dropna().unique())}."
        )
    is_won = stages.str.casefold().isin({s.casefold() for s in won}).fillna(False).astype(bool)
    is_lost = stages.str.casefold().isin({s.casefold() for s in lost}).fillna(False).astype(bool)
    closed = is_won | is_lost
    values = deals[amount]
    if values.dtype == object or str(values.dtype) == "string":
        values, _ = parse_numbers(values, column=amount, where=where)
    values = pd.to_numeric(values, errors="coerce")
    missing = is_won & values.isna()
    if missing.any():
        raise CodebookError(
            f"{where}: {int(missing.sum())} won deal(s) have no {amount} (lines "
            f"{', '.join(map(str, deals.index[missing.to_numpy()][:5]))}); fill it in the export, or "
            "drop the rows with drop_rows if they are not sales."
        )
    values = _convert(values, deals, rule, is_won, where, amount)
    dates = read_event_dates(
        deals[close], column=close, where=where, fmt=(rule.get("formats") or {}).get(close)
    )
    undated = closed & dates.isna()
    if undated.any():
        raise CodebookError(
            f"{where}: {int(undated.sum())} closed deal(s) have no {close} (lines "
            f"{', '.join(map(str, deals.index[undated.to_numpy()][:5]))}); a closed deal needs its close date."
        )
    period = rule.get("period", "month")
    periods = _to_periods(dates, period)
    kind = rule.get("key") or guess_key_kind(deals[owner])
    result = match_people(
        deals[owner], roster, kind, where=where, column=owner, aliases=rule.get("aliases")
    )
    messages = check_unmatched(
        result,
        counted=values.where(is_won, 0.0).fillna(0.0).astype(float),
        what="won revenue",
        roster_side=True,
        limit=float(rule.get("max_unmatched", MAX_UNMATCHED)),
    )
    window = _window(rule, periods[closed], period, where)
    rows = pd.DataFrame(
        {
            "rep_id": result.rep_id,
            "period": periods,
            "won": is_won,
            "closed": closed,
            "amount": values.where(is_won, 0.0),
        }
    )[closed.to_numpy()]
    rows = rows.dropna(subset=["rep_id"])
    active = _active_periods(roster, window, period, set(rows["rep_id"]))
    inside_mask = pd.Series(
        [(r, p) in active for r, p in zip(rows["rep_id"], rows["period"], strict=True)],
        index=rows.index,
        dtype=bool,
    )
    outside = rows[~inside_mask]
    outside_record = _outside(outside)
    if outside_record:
        reps_out = sorted({o["rep_id"] for o in outside_record})
        messages.append(
            f"{where}: {len(outside)} closed deal(s) of {len(reps_out)} rep(s) close outside the rep's "
            f"active months (hire to leaving date in {roster.where}, within {window[0]} to {window[1]}) "
            f"and are not counted ({outside['won'].sum()} won, {outside['amount'].sum():,.2f}): "
            + "; ".join(
                f"{o['rep_id']} {o['period']} ({o['deals']} deals)" for o in outside_record[:8]
            )
            + (" ..." if len(outside_record) > 8 else "")
            + ". Correct the dates in the roster or the CRM if these deals belong in the study."
        )
    rows = rows[inside_mask]
    grid = pd.DataFrame(sorted(active), columns=["rep_id", "period"])
    sums = rows.groupby(["rep_id", "period"]).agg(
        revenue=("amount", "sum"), wins=("won", "sum"), opportunities=("closed", "sum")
    )
    panel = grid.merge(sums.reset_index(), on=["rep_id", "period"], how="left")
    panel[["revenue", "wins", "opportunities"]] = panel[
        ["revenue", "wins", "opportunities"]
    ].fillna(0)
    panel["wins"] = panel["wins"].astype(int)
    panel["opportunities"] = panel["opportunities"].astype(int)
    panel["revenue"] = panel["revenue"].astype(float).round(2)
    panel["avg_deal_size"] = (panel["revenue"] / panel["wins"].where(panel["wins"] > 0)).round(2)
    panel["period"] = _label(panel["period"])
    record.update(
        {
            "rows_out": len(panel),
            "from_deals": {
                "file": where,
                "won": won,
                "lost": lost,
                "open_stages": sorted(set(stages.dropna()) - set(stages[closed].dropna())),
                "deals": len(deals),
                "won_deals": int(is_won.sum()),
                "lost_deals": int(is_lost.sum()),
                "open_deals": int((~closed).sum()),
                "period": period,
                "window": [str(window[0]), str(window[1])],
                "reps": int(panel["rep_id"].nunique()),
                "rep_periods": len(panel),
                "revenue": round(float(panel["revenue"].sum()), 2),
                "wins": int(panel["wins"].sum()),
                "currency": rule.get("currency"),
                "outside_active_months": outside_record,
                "match": result.report,
            },
        }
    )
    return panel, record, messages


def _convert(
    values: pd.Series, deals: pd.DataFrame, rule: dict, is_won: pd.Series, where: str, amount: str
) -> pd.Series:
    """Amounts in the study's currency: rows in another currency need a stated rate."""
    column = rule.get("currency_column")
    if not column:
        return values
    currency = rule.get("currency")
    if not currency:
        raise CodebookError(
            f"{where}: from_deals.currency_column is {column}; name the study's currency too "
            "(currency: USD), so that amounts in others are converted with rates:."
        )
    codes = deals[column].astype("string").str.strip().str.upper()
    rates = {str(k).upper(): v for k, v in (rule.get("rates") or {}).items()}
    rates[str(currency).upper()] = 1.0
    other = is_won & ~codes.isin(list(rates)).fillna(False).astype(bool)
    if other.any():
        found = codes[other].fillna("blank").value_counts()
        raise CodebookError(
            f"{where}: {int(other.sum())} won deal(s) have {amount} in another currency than {currency} "
            f"({', '.join(f'{c}: {n}' for c, n in found.items())}; lines "
            f"{', '.join(map(str, deals.index[other.to_numpy()][:5]))}). Use a column the CRM already "
            f"converted (HubSpot's 'Amount in company currency', Salesforce's 'Amount (converted)') as "
            f"amount: and drop currency_column:, or state each rate as {currency} per unit: "
            f"rates: {{{found.index[0]}: 0.73}}. Amounts are never added across currencies."
        )
    factor = codes.map(rates).astype(float)
    return values * factor.where(factor.notna(), 1.0)


def _window(
    rule: dict, closed_periods: pd.Series, period: str, where: str
) -> tuple[pd.Period, pd.Period]:
    """The study window: ``periods: {from:, to:}`` or the first to the last period with a closed deal."""
    declared = rule.get("periods") or {}
    freq = "Q" if period == "quarter" else "M"
    if closed_periods.dropna().empty:
        raise CodebookError(
            f"{where}: no deal is closed (won or lost stages); check from_deals.won and lost."
        )
    start = (
        pd.Period(str(declared["from"]), freq=freq)
        if declared.get("from")
        else closed_periods.min()
    )
    end = pd.Period(str(declared["to"]), freq=freq) if declared.get("to") else closed_periods.max()
    if end < start:
        raise CodebookError(f"{where}: from_deals.periods ends ({end}) before it starts ({start}).")
    return start, end


def _active_periods(
    roster: Roster, window, period: str, reps: set[str]
) -> set[tuple[str, pd.Period]]:
    """(rep, period) pairs inside both the window and the rep's months of employment."""
    freq = "Q" if period == "quarter" else "M"
    pairs: set[tuple[str, pd.Period]] = set()
    hired: Any
    left: Any
    for rep, hired, left in zip(
        roster.reps["rep_id"], roster.reps["first"], roster.reps["last"], strict=True
    ):
        if rep not in reps:
            continue
        first = window[0] if pd.isna(hired) else max(window[0], hired.asfreq(freq))
        last = window[1] if pd.isna(left) else min(window[1], left.asfreq(freq))
        if first <= last:
            pairs.update((str(rep), p) for p in pd.period_range(first, last, freq=freq))
    return pairs


def _outside(outside: pd.DataFrame) -> list[dict]:
    if outside.empty:
        return []
    groups = outside.groupby(["rep_id", "period"]).agg(
        deals=("closed", "size"), won=("won", "sum"), amount=("amount", "sum")
    )
    return [
        {
            "rep_id": str(r),
            "period": str(p),
            "deals": int(g.deals),
            "won": int(g.won),
            "amount": round(float(g.amount), 2),
        }
        for (r, p), g in cast(Any, groups).iterrows()
    ]


# --------------------------------------------------------------------------- drafting


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
