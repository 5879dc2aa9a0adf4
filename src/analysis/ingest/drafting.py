"""Draft a codebook from a client's raw files, for the user to review before `workbench import`.

:func:`draft_codebook` reads each raw file the way the importer will
(:mod:`analysis.ingest.read.spreadsheets`) and writes a commented ``codebook.yml``:

* the format (Qualtrics's three header rows, another CSV, each Excel sheet, Parquet),
  the header row and the title, totals, notes and repeated header rows it found;
* for every raw column, what its values are (:mod:`analysis.ingest.profiles`: money
  with its currency, counts, shares, scores, periods and dates with their format,
  identifiers, categories, free text, personal data);
* which contract table the file (or sheet) feeds and which raw column plays each role,
  drafted only where the name and the values agree (:mod:`analysis.ingest.mapping.roles`),
  with the evidence beside every mapping (sample values, min/median/max, unit found);
  a role whose candidates compete or whose name and values disagree is a ``# CHECK``
  line naming every candidate with its profile, and a commented suggestion;
* ``keep``: only the mapped columns, so e-mails, names, IP addresses, phones and free
  text never reach ``imported/``; ``units`` for every measured column; ``dates`` in the
  format the values show (Excel serials, SAP periods, fiscal quarters, month names);
  survey answers mapped to the contract's levels by wording; drop rules from the
  export's own values (previews, unfinished, test rows);
* an opportunity export (owner, close date, amount, a stage with a won value) becomes the
  panel through a ``from_deals:`` rule, and an LMS completion export (learner, course,
  status, completion date) the training starts of the roster through
  ``from_completions:`` (:mod:`analysis.ingest.events`); the roster gets the ``match:``
  keys the two name the reps by. The choices only the client can make (which stages are
  won, which courses are the programme) are ``CHECK`` placeholders listing what the
  file holds. Another table that is one row per billing line or learning record is
  drafted with an ``aggregate`` rule, the kinds of row that count a CHECK
  (:mod:`analysis.ingest.mapping.rows`); a money column in two currencies gets the
  client's rate as a CHECK;
* reps named only by their names (no id column in any file) get ``rep_ids:``, a
  pseudonymous id from each name, with one CHECK to confirm; a panel so keyed gets a
  reps table built from its names, and a list of registrations whose names match them
  its training starts (:mod:`analysis.ingest.mapping.people`);
* sheets of one workbook with the same header stacked into one table (``sheets:``,
  ``sheet_column:``; :mod:`analysis.ingest.read.stacking`), and a list of the trained kept in a
  sheet of feedback ratings drafted as the reps table as well
  (:mod:`analysis.ingest.mapping.rep_lists`); rows the contract would refuse at
  ``validate`` are dropped or asked about (:mod:`analysis.ingest.mapping.consistency`).

Every line that needs a human decision carries ``# CHECK``. File names are taken as the
user types them: relative to the client's folder, to the project root or to the
working directory, and refused when they lie outside the client's folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.contracts.readers import DataContractError
from analysis.contracts.survey import survey_schema
from analysis.contracts.training import REQUIRED, training_schemas
from analysis.ingest.events import EventDraft, draft_event_rules
from analysis.ingest.mapping.consistency import cross_column, unanswered_rows
from analysis.ingest.mapping.events import event_table, facts, untrained_from_panel, wire_events
from analysis.ingest.mapping.people import name_keyed
from analysis.ingest.mapping.recodes import labels_for, read_recodes
from analysis.ingest.mapping.rep_lists import rep_list
from analysis.ingest.mapping.roles import QUESTION_WORDS, SYNONYMS, name_score
from analysis.ingest.mapping.tables import (
    TableDraft,
    draft_frame,
    grain,
    rank_tables,
    transactions,
)
from analysis.ingest.mapping.writing import table_lines
from analysis.ingest.profiles import notes_under_header, profile_frame
from analysis.ingest.read import spreadsheets, stacking

__all__ = [
    "EXTRA",
    "QUALTRICS_META",
    "QUESTION_WORDS",
    "SYNONYMS",
    "Draft",
    "SourceDraft",
    "contract_columns",
    "draft",
    "draft_codebook",
    "match_column",
    "resolve_file",
]

EXTRA = {"reps": ("team", "tenure_band", "market_segment")}
#: Columns every Qualtrics export carries about the response, not about the questions.
QUALTRICS_META = {
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
}


def contract_columns() -> dict[str, list[str]]:
    """Contract table -> its columns (the survey and the training-impact tables)."""
    tables = {"survey": list(survey_schema().columns)}
    for name, schema in training_schemas().items():
        tables[name] = [*schema.columns, *EXTRA.get(name, ())]
    return tables


def match_column(raw: str, columns: list[str], question: str = "") -> tuple[str | None, float]:
    """The contract column ``raw``'s name points at most, with the name score (0 to 1).

    A hint only: the draft maps a column when its values fit the role as well
    (:func:`analysis.ingest.mapping.roles.decide_roles`).
    """
    scores = {c: name_score(raw, c, question) for c in columns}
    best = max(scores, key=lambda c: scores[c], default=None)
    return (best, scores[best]) if best is not None and scores[best] > 0 else (None, 0.0)


@dataclass
class SourceDraft:
    """One raw file (or sheet) and its draft."""

    file: str
    sheet: Any
    draft: TableDraft | None
    layout: dict = field(default_factory=dict)
    fmt: str = "csv"
    note: str = ""
    event: EventDraft | None = None
    #: the table an event rule of this source is written into (a roster's from_completions)
    attached_to: str = ""
    #: the sources whose event rule this table carries (the roster's LMS export)
    carries: list[SourceDraft] = field(default_factory=list)


@dataclass
class Draft:
    """Every source's draft and the CHECK lines that concern the whole delivery."""

    sources: list[SourceDraft]
    checks: list[str]


def _read(path: Path, sheet: Any) -> tuple[pd.DataFrame, dict, dict[str, str], str]:
    """The table, its layout, the question texts (Qualtrics) and the format name."""
    kind = spreadsheets.sniff(path)
    spreadsheets.refuse_unreadable(path, kind)
    if kind == "parquet":
        return pd.read_parquet(path), {}, {}, "parquet"
    encoding = _text_encoding(path) if kind == "text" else "utf-8"
    if kind in ("text", "gzip"):
        from analysis.ingest.codebook import read_qualtrics

        try:
            frame, texts = read_qualtrics(path, encoding=encoding)
            layout = {"header_row": 1, "encoding": encoding}
            return frame, layout, texts, "qualtrics"
        except DataContractError:
            pass  # not a Qualtrics export (or not one table a CSV reader can read)
    rows, grid_kind = spreadsheets.read_grid(path, sheet=sheet, encoding=encoding)
    frame, layout = spreadsheets.table_from_grid(rows, name=path.name)
    layout["encoding"] = encoding
    return spreadsheets.settle_types(frame), layout, {}, grid_kind


def _text_encoding(path: Path) -> str:
    """UTF-8 when the file decodes as UTF-8 (with or without a byte-order mark, or UTF-16
    with one); else cp1252, the Windows encoding that older Excel versions save CSVs in
    (every byte decodes, so accented names are the thing to check after the import)."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-8"  # UTF-16 with a byte-order mark: the readers detect it
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def resolve_file(folder: Path, typed: str) -> str:
    """A raw file name as the user typed it, as a path relative to the client's folder.

    Tried in order: relative to the client's folder, to the working directory, to the
    project root (``data/clients/acme/raw.csv``), or absolute. A file outside the client's
    folder is refused: the codebook may only name files the client delivered.

    Raises
    ------
    DataContractError
        The file is outside the client's folder, or found nowhere.
    """
    from analysis.core import paths

    folder = folder.resolve()
    given = Path(typed).expanduser()
    tries = [folder / given] if not given.is_absolute() else [given]
    tries += [Path.cwd() / given, paths.PROJECT_ROOT / given] if not given.is_absolute() else []
    for path in (t.resolve() for t in tries):
        if path.is_file():
            if folder not in path.parents:
                raise DataContractError(
                    f"{typed}: this file is outside the client's folder {folder.name}/; copy it into "
                    f"data/clients/{folder.name}/ first (a codebook names only the client's own files)."
                )
            return path.relative_to(folder).as_posix()
    raise DataContractError(
        f"{typed}: no such file in the client folder {folder.name}/ (nor relative to the project root)."
    )


def _sheets(path: Path, notes: list[str], file: str) -> list[Any]:
    if spreadsheets.sniff(path) != "xlsx":
        return [0]
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    hidden = [ws.title for ws in book.worksheets if ws.sheet_state != "visible"]
    notes += [f"{file}: hidden sheet {name!r} left out" for name in hidden]
    return [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]


def _questions(frame: pd.DataFrame, texts: dict[str, str]) -> dict[str, str]:
    return {
        str(c): texts.get(str(c), "") or (str(c) if " " in str(c) else "") for c in frame.columns
    }


def _read_all(folder: Path, files: list[str], checks: list[str]) -> list[tuple]:
    """(file, sheet, frame, layout, texts, format) for every readable table, and a
    SourceDraft note for every file or sheet that holds none."""
    read: list[tuple[Any, ...]] = []
    for typed in files:
        file = resolve_file(folder, typed)
        path = folder / file
        for sheet in _sheets(path, checks, file):
            try:
                frame, layout, texts, fmt = _read(path, sheet)
                if fmt != "qualtrics":
                    frame = _set_notes_row_aside(frame, layout)
                read.append((file, sheet, frame, layout, texts, fmt))
            except DataContractError as error:  # a cover or notes sheet: say so and go on
                listing = read_recodes(path) if spreadsheets.sniff(path) == "text" else {}
                # the line names the file already: the message names the sheet instead
                said = str(error).removeprefix(f"{path.name} (sheet {sheet!r}): ")
                said = said.removeprefix(f"{path.name}: ")
                note = (
                    f"a printed survey listing the answer codes of {', '.join(listing)}: read for "
                    "the value mappings, not imported itself"
                    if listing
                    else f"no table drafted ({said})"
                )
                read.append((file, sheet, None, {"recodes": listing}, {}, note))
    return read


def _set_notes_row_aside(frame: pd.DataFrame, layout: dict) -> pd.DataFrame:
    """The table without a notes row under its header (``USD k``, ``count`` under each
    column: :func:`analysis.ingest.profiles.notes_under_header`); the layout keeps the
    row's number and texts, which support the columns' profiles as their headers do."""
    found = notes_under_header(frame)
    if found is None:
        return frame
    row, cells = found
    layout["header_notes"] = {"row": int(row), "cells": cells}
    return frame.drop(index=row)


def _drop_notes_row(source: SourceDraft) -> None:
    """A drop rule for the notes row under the header, so the import leaves it out too:
    the row's text in a column whose other values are measured (it is in no data row)."""
    notes = source.layout.get("header_notes")
    tdraft = source.draft
    if not notes or tdraft is None or tdraft.commented or source.attached_to or source.event:
        return
    measured = ("money", "count", "number", "share", "score", "period", "date")
    column = next(
        (c for c in notes["cells"] if c in tdraft.profiles and tdraft.profiles[c].kind in measured),
        None,
    )
    if column is None:
        return
    rule = {"column": column, "equals": notes["cells"][column]}
    tdraft.spec = {"drop_rows": [rule, *(tdraft.spec.get("drop_rows") or [])], **tdraft.spec}
    said = "; ".join(f"{c}: {t!r}" for c, t in list(notes["cells"].items())[:5])
    tdraft.comments["drop_rows"] = [
        (
            f"row {notes['row']} under the header is a notes row, not data ({said}): left "
            "out; its texts are read as the columns' units"
        ),
        *tdraft.comments.get("drop_rows", []),
    ]


def draft(folder: str | Path, files: list[str]) -> Draft:
    """The structured draft of ``files`` (see :func:`draft_codebook` for the text).

    Every file (and sheet) is scored against every contract table first; tables then go
    to sources best score first, so a file's place in the list does not decide its table.
    """
    folder = Path(folder)
    checks: list[str] = []
    read = stacking.stack_sheets(_read_all(folder, files, checks))  # sheets with one header
    ranked, found = _rank_sources(read, contract_columns())
    chosen = _assign(ranked)
    sources: list[SourceDraft] = []
    used: dict[str, SourceDraft] = {}
    for index, (file, sheet, frame, layout, _, fmt) in enumerate(read):
        if frame is None:
            kind = "xlsx" if isinstance(sheet, str) else "csv"  # a sheet is named in the notes
            sources.append(SourceDraft(file, sheet, None, layout, kind, note=fmt))
            continue
        if index in found:
            source = SourceDraft(file, sheet, None, layout, fmt, event=found[index])
            source.draft = event_table(found[index], ranked[index][1])
            sources.append(source)
            continue
        sources.append(_table_source(read, index, ranked[index], chosen, used))
    frames = {id(s): read[i][2] for i, s in enumerate(sources) if read[i][2] is not None}
    if not found:  # a list of the trained drafted as reactions is the reps table too
        checks += rep_list(sources, ranked, used, frames)
    if found:
        checks += wire_events(sources, used, frames)
    else:
        untrained_from_panel(used, frames)
    checks += name_keyed(sources, used, frames)  # reps named only by name: pseudonymous ids
    checks += _missing_tables(used, sources)
    for source in sources:
        _drop_notes_row(source)
    return Draft(sources, checks)


def _rank_sources(
    read: list[tuple], tables: dict
) -> tuple[dict[int, tuple], dict[int, EventDraft]]:
    """Each readable source's frame, profiles and contract tables by score, or its event rule.

    Returns
    -------
    (dict, dict)
        Source index -> (frame, profiles, ranked options), and source index -> the
        event rule drafted for it (its options then empty). When deals are found, no
        source is offered as the panel: the deals feed it.
    """
    ranked = {}
    found: dict[int, EventDraft] = {}
    for index, (_, _, frame, layout, texts, fmt) in enumerate(read):
        if frame is None:
            continue
        if fmt == "qualtrics":
            frame = frame.drop(
                columns=sorted(set(frame.columns) & (QUALTRICS_META - {"Status", "Finished"}))
            )
        profiles = profile_frame(frame, (layout.get("header_notes") or {}).get("cells"))
        options = (
            []
            if transactions(frame, profiles)
            else rank_tables(frame, profiles, tables, _questions(frame, texts))
        )
        survey = fmt == "qualtrics" or (options and options[0][1] == "survey")
        event = None if survey else draft_event_rules(frame, facts(profiles))
        if event is not None:
            found[index], options = event, []
        ranked[index] = (frame, profiles, options)
    if any(e.kind == "deals" for e in found.values()):  # the deals feed the panel
        ranked = {
            i: (f, p, [o for o in opts if o[1] != "panel"]) for i, (f, p, opts) in ranked.items()
        }
    return ranked, found


def _table_source(
    read: list[tuple],
    index: int,
    ranking: tuple,
    chosen: dict[int, tuple[str, dict]],
    used: dict[str, SourceDraft],
) -> SourceDraft:
    """The source draft of one file (or sheet) mapped to a contract table, or left commented.

    A source that takes a table is entered in ``used``; one that takes none is told why
    its best table did not fit.
    """
    file, sheet, _, layout, texts, fmt = read[index]
    frame, profiles, options = ranking
    table, decisions = chosen.get(index, (None, {}))
    if index not in chosen and transactions(frame, profiles):
        table = "panel"
    tdraft = draft_frame(
        frame,
        table,
        decisions,
        profiles,
        questions=_questions(frame, texts),
        qualtrics=fmt == "qualtrics",
        labels=_labels(read, frame, _questions(frame, texts)),
    )
    unanswered_rows(tdraft, frame)  # rows the contract would refuse at validate
    cross_column(tdraft, frame)
    source = SourceDraft(file, sheet, tdraft, layout, fmt)
    if layout.get("sheets"):
        _stacked(tdraft, layout)
    if fmt == "qualtrics":
        source.layout["questions"] = {
            q: t for q, t in texts.items() if re.fullmatch(r"Q\d+(_\d+)?", q)
        }
    if tdraft.table and not tdraft.commented:
        used[tdraft.table] = source
    elif options and not tdraft.table:
        best_table, best_decisions = options[0][1], options[0][2]
        why = grain(best_table, frame, profiles, best_decisions)
        tdraft.table_checks = [_stack_note(frame, used, best_table)] + ([why] if why else [])
    return source


def _labels(read: list[tuple], frame: pd.DataFrame, questions: dict[str, str]) -> dict:
    """Column -> (its codes' labels, the listing's file) from the printed surveys delivered."""
    labels = {}
    for file, _, table, layout, _, _ in read:
        if table is None and layout.get("recodes"):
            found = labels_for(layout["recodes"], list(map(str, frame.columns)), questions)
            labels.update({c: (codes, file) for c, codes in found.items() if c not in labels})
    return labels


def _assign(ranked: dict[int, tuple]) -> dict[int, tuple[str, dict]]:
    """Contract tables to sources, the best-scoring pair first (one source per table)."""
    pairs = sorted(
        (
            (score, -index, index, table, decisions)
            for index, (_, _, options) in ranked.items()
            for score, table, decisions in options
        ),
        key=lambda p: (p[0], p[1]),
        reverse=True,
    )
    chosen: dict[int, tuple[str, dict]] = {}
    taken: set[str] = set()
    shapes = {index: frozenset(profiles) for index, (_, profiles, _) in ranked.items()}
    for _, _, index, table, decisions in pairs:
        twin = any(shapes[other] == shapes[index] for other in chosen)  # sheets to stack
        if index not in chosen and table not in taken and not twin:
            chosen[index] = (table, decisions)
            taken.add(table)
    return chosen


def _stack_note(frame: pd.DataFrame, used: dict[str, SourceDraft], table: str) -> str:
    """A source that fits a table another source already feeds (five region sheets)."""
    twin = used.get(table)
    where = (
        "another source"
        if twin is None
        else twin.file + (f" sheet {twin.sheet!r}" if twin.fmt == "xlsx" else "")
    )
    same = (
        twin is not None
        and twin.draft is not None
        and set(twin.draft.profiles) == set(map(str, frame.columns))
    )
    if same and twin is not None and twin.draft is not None:
        note = (
            "other files hold the same columns: the table is their union; list them all under "
            "source.files (instead of file) to stack them"
        )
        if note not in twin.draft.table_checks:
            twin.draft.table_checks.append(note)
    if same:
        return f"same columns as {table} like {where}: stack the files with source.files"
    return (
        f"also fits {table} like {where}, with other columns: one source per table (sheets or "
        "files are stacked only with the same columns; give them one header, or leave one out)"
    )


def _stacked(tdraft: TableDraft, layout: dict) -> None:
    """Sheets stacked into one table: the sheet column is kept, and the source says why."""
    column = layout["sheet_column"]
    if not tdraft.commented and "keep" in tdraft.spec:
        tdraft.spec["keep"].append(column)
    sheets = ", ".join(map(repr, layout["sheets"]))
    said = (
        f"sheets {sheets} have the same columns: stacked into one table; sheet_column "
        f"{column} holds each row's sheet (rename it to what the sheets are, such as region)"
    )
    tdraft.comments["source"] = [said]


def _missing_tables(used: dict[str, SourceDraft], sources: list[SourceDraft]) -> list[str]:
    """A CHECK for each table a study needs that no source feeds."""
    drafted = {s.draft.table for s in sources if s.draft and s.draft.table}
    if "survey" in drafted or not drafted:
        return []
    needed = ("reps", "panel", "costs")
    return [
        f"no source feeds {table} ({', '.join(REQUIRED[table])}): it needs a file the draft could "
        f"not place, or a table built from the files ({_BUILT[table]})"
        for table in needed
        if table not in used
    ]


#: How each table can be built from files that are not the table itself (see codebook.py).
_BUILT = {
    "reps": "an HR roster with match:, training starts from an LMS export with "
    "from_completions:, names made ids with rep_ids:",
    "panel": "one row per deal with from_deals:, several rows per rep and month with aggregate:",
    "costs": "cost lines netted per item with aggregate: {by: [item], sum: [amount]}",
}


def _source_entry(source: SourceDraft) -> dict[str, Any]:
    entry: dict[str, Any] = {"file": source.file, "format": source.fmt}
    if source.layout.get("sheets"):  # stacked: the sheets that share one header
        entry["sheets"] = source.layout["sheets"]
        entry["sheet_column"] = source.layout["sheet_column"]
    elif source.fmt == "xlsx":
        entry["sheet"] = source.sheet
    if source.layout.get("header_row", 1) != 1 and not source.layout.get("header_per_sheet"):
        entry["header_row"] = source.layout["header_row"]
    if source.layout.get("encoding", "utf-8") != "utf-8":
        entry["encoding"] = source.layout["encoding"]
    if source.layout.get("questions"):
        entry["questions"] = source.layout["questions"]
    return entry


def _heading(source: SourceDraft, name: str, rows: int) -> str:
    layout = source.layout
    where = source.file + (f" sheet {source.sheet!r}" if source.fmt == "xlsx" else "")
    if layout.get("sheets"):
        where = f"{source.file} sheets {', '.join(map(repr, layout['sheets']))}"
    text = f"  # {where} -> {name}: header in row {layout.get('header_row', 1)}, {rows} data rows"
    for key in ("title_rows", "totals_rows", "notes_rows", "repeated_header_rows"):
        by_sheet = {
            s: rows for s, one in (layout.get("by_sheet") or {}).items() if (rows := one.get(key))
        }
        if by_sheet:  # stacked sheets: each sheet's own row numbers
            text += f"; {key.replace('_', ' ')} " + ", ".join(
                f"{s} {r}" for s, r in by_sheet.items()
            )
        elif layout.get(key):
            text += f"; {key.replace('_', ' ')} {layout[key]}"
    if layout.get("header_notes"):
        text += f"; notes row {layout['header_notes']['row']} under the header (left out)"
    for raw, named in (layout.get("duplicate_headers") or {}).items():  # by position
        text += f"; the header names {raw!r} {len(named)} times: read as {', '.join(named)}"
    if layout.get("encoding", "utf-8") != "utf-8":
        text += f"; not UTF-8, read as {layout['encoding']} (Windows): look over accented names after the import"
    return text.replace("\n", " ")


def _source_lines(source: SourceDraft, names: set[str]) -> tuple[list[str], list[str]]:
    """The YAML lines of one source and its CHECK notes."""
    where = source.file + (f" sheet {source.sheet!r}" if source.fmt == "xlsx" else "")
    where = where.replace("\n", " ")
    if source.draft is None and source.layout.get("recodes"):
        return [f"  # {where}: {source.note}"], []
    if source.draft is None:
        return [f"  # CHECK {where}: {source.note}"], [f"{where}: {source.note}"]
    if source.attached_to:
        line = (
            f"  # {where} -> {source.attached_to}: one row per learner and course; read by the "
            f"from_completions rule of {source.attached_to} (training starts), not imported itself"
        )
        return [line], []
    tdraft = source.draft
    name = tdraft.table or "CHECK_table"
    if name in names:
        name = f"{name}_{len(names)}"
    names.add(name)
    open_roles = [(r, [d.check], d.suggestion) for r, d in tdraft.decisions.items() if d.check]
    checks = tdraft.table_checks + [c for _, [c], _ in open_roles] + tdraft.checks
    spec = {"source": _source_entry(source), **tdraft.spec}
    body = table_lines(
        name, spec, comments=tdraft.comments, evidence=tdraft.evidence, open_roles=open_roles
    )
    events = [source] if source.event is not None and source not in source.carries else []
    for carried in [*events, *source.carries]:
        assert carried.event is not None
        first = None if carried is source else {"source": _source_entry(carried)}
        body += carried.event.lines(4, first=first)
        checks += carried.event.checks
    rows = sum(p.n + p.missing for p in list(tdraft.profiles.values())[:1])
    lines = [_heading(source, name, rows)]
    lines += [f"  # CHECK {c}" for c in tdraft.table_checks]
    lines += [f"  # CHECK {c}" for c in tdraft.checks]
    if tdraft.commented:
        lines += ["  # (not imported until the CHECK above is settled)"] + [
            "  # " + line[2:] for line in body
        ]
    else:
        lines += body
    return lines, [f"{where}: {c}" for c in checks]


def draft_codebook(folder: str | Path, files: list[str]) -> tuple[str, list[str]]:
    """A commented draft ``codebook.yml`` for ``files`` (as the user types them).

    Returns
    -------
    (str, list of str)
        The YAML text and the review notes, one per line that needs a decision.
    """
    result = draft(folder, files)
    blocks = [
        "# Drafted by `workbench draft-codebook`: review every CHECK, then run `workbench import`.",
        "# Beside each mapping: what the raw column's values are (kind, unit, samples, min/median/max).",
        "tables:",
    ]
    notes = list(result.checks)
    names: set[str] = set()

    def order(source: SourceDraft) -> int:  # a roster before the panel; a list of the
        spec = source.draft.spec if source.draft else {}  # trained after the panel it completes
        return 0 if source.carries or "match" in spec else 2 if "add_reps_from" in spec else 1

    rosters_first = sorted(result.sources, key=order)
    for source in rosters_first:
        lines, found = _source_lines(source, names)
        blocks += lines
        notes += found
    blocks += [f"# CHECK {c}" for c in result.checks]
    if not any(line.startswith("  ") and not line.startswith("  #") for line in blocks):
        blocks[blocks.index("tables:")] = "tables: {}"
    return "\n".join(blocks) + "\n", notes
