"""Importing a client's own files through a codebook.

A codebook (``data/clients/<id>/codebook.yml``) says, for each table a study needs,
where it comes from and how to map it to the study contract::

    tables:
      survey:                                  # written to imported/survey.parquet
        source:
          file: raw/export.csv
          format: qualtrics                    # csv | qualtrics | xlsx | parquet
          questions:                           # Qualtrics only: the wording the mapping was written for
            Q2: Which industry is your company in?
          sheet: Activity                      # xlsx: the sheet (name or 0-based position)
          # sheets: [North, South, East]       # xlsx: sheets with the same columns, stacked
          # sheet_column: region               #   optional: each row's sheet name, as a column
          # files: [jan.csv, feb.csv]          # instead of file: files with the same columns,
          # file_column: export                #   stacked; optional: each row's file name
          header_row: 3                        # optional: the header's row (detected under title rows)
          decimal: ","                         # optional: the decimal mark of numbers written as text
          encoding: cp1252                     # optional: a CSV not in UTF-8
        drop_rows:                             # rows that are not usable responses (raw names)
          - {column: Status, equals: Survey Preview}
          - {column: Finished, equals: "0"}
          - {column: Q3, blank: true}          # the key answer skipped (item nonresponse)
          - {column: Q_RecaptchaScore, below: 0.5}   # or above: a threshold on a number
        rename: {ResponseId: respondent_id, Q2: industry}
        values:                                # per column: source value -> contract value
          effectiveness: {"1": not effective, "2": somewhat effective, "3": effective, "4": very effective}
        flags: {Q7_1: tool_mobile_learning}    # per-option columns: any answer = true, blank = false
        multi_select:                          # one delimited column -> one true/false column per option
          Q7:
            separator: ","
            options: {Mobile learning: tool_mobile_learning, Gamification: tool_gamification}
        dates:                                 # parse with this format, store as 2025-03
          period: "%m/%Y"
          training_start: {format: excel_serial}   # named formats: see below
        numbers: {amount: {decimal: ","}}      # a column's decimal mark, where the file's differs
          # revenue: {currency: GBP, rates: {EUR: 0.85}}   # one column in two currencies (below)
        units:                                 # what each measured column holds (reports name it)
          revenue: {unit: money, currency: GBP}    # ISO 4217 code
          wins: {unit: count, label: deals won}
          quota_attainment: {unit: rate}           # a share between 0 and 1
          call_score: {unit: score, scale: [0, 100]}
        text: [zip_code]                       # columns kept as text though they look numeric
        case: {rep_id: upper}                  # ids written KF-001 in one sheet and kf-001 in another
        row_ids: respondent_id                 # a tool without response ids: one per raw row
        identical_rows: drop                   # rows alike in every column: error (with row_ids) | drop | keep
        keep: [respondent_id, industry, ...]   # optional: columns to keep, in order
        add_reps_from: panel                   # reps: a list of the trained; the panel's other reps
                                               # are added untrained (ids as match: compares them)
        aggregate:                             # several rows per key summed into one (below)
          by: [rep_id, period]
          sum: [revenue]
          line_types: {column: FArt, include: [F2, G2, L2, S1]}
        rep_ids: {from: Sales rep, key: name}  # no id column: a pseudonymous rep_id from each name
                                               # (from: {first: ..., last: ...} for two columns)

Stacked sources (:mod:`analysis.ingest.read.stacking`): ``sheets`` (instead of ``sheet``)
reads each listed sheet as a table of its own (header, title, totals and notes rows
found per sheet, or ``header_row`` in every sheet) and puts the rows one under another
in the order listed; ``files`` (instead of ``file``) does the same with whole files.
The sheets must have the same column names (in any order): where they differ the import
stops, naming the sheets and the columns each lacks. ``sheet_column`` (``file_column``)
adds a column holding each row's sheet (file) name, such as the region of a workbook
with one sheet per region. Rows keep their own sheet's row numbers in messages.
``draft-codebook`` stacks the sheets of a workbook that share one header by itself.

A header that names two columns alike (Typeform heads each multi-select's free-text
column ``Other``) is read with every such column named by its position, counted from 1
at the left: ``Other (column 13)`` and ``Other (column 17)``
(:func:`analysis.ingest.read.spreadsheets.by_position`); a rule naming the plain ``Other``
stops the import, listing the positioned names to use instead.

``drop_rows`` (:mod:`analysis.ingest.rules.drops`): one test per entry, applied in order
before ``rename``; ``below``/``above`` are strict and keep blank cells, a cell that is not
a number stops the import naming its lines. The import record counts the rows each rule
dropped and lists their lines.

``keep`` is applied before any number is read: a column that is not kept (an IP
address, a comment) is never parsed and cannot stop the import. Columns that
``rename`` maps are kept even when ``keep`` omits them (uncommenting a drafted
``raw: role`` suggestion is enough).

Named ``dates`` formats, for periods strftime cannot read (:mod:`analysis.ingest.rules.units`):

* ``{format: excel_serial}``: Excel serial day numbers stored as numbers (45230 = 2023-10-31,
  read as its month);
* ``{format: month_name}``: month names in English, French, German, Spanish, Italian,
  Dutch or Portuguese with the year (``Jan-24``, ``janv. 2025``, ``Mär 2024``);
* ``{format: sap_period, special_periods: drop}``: SAP posting periods ``PPP.YYYY``
  (``001.2025`` = 2025-01); the year-end special periods 013-016 are refused unless
  ``special_periods: drop`` drops their rows (recorded in the import record);
* ``{format: fiscal_quarter, fiscal_year_start: 4}``: fiscal quarters ``FY25 Q1``, the
  fiscal year starting in month 1, 4, 7 or 10 and named by the calendar year it ends in
  (with 4, FY25 Q1 = April-June 2024 = ``2024-Q2``), or by the year it starts in with
  ``fiscal_year_named: start`` (FY25 Q1 = April-June 2025). The panel stays quarterly.

``rep_ids`` is for files that name the reps only by their names (no employee number in
any file): each name, compared without accents, case or word order (``LEFEVRE Zoé`` =
``Zoé Lefèvre``), becomes an id such as ``R3F09A1C22B`` made with the client's key
(``pseudonyms.key``, written by the first import), so the names never reach
``imported/``; two names made of the same words in another order, or one name twice in a
period, are refused (see :mod:`analysis.ingest.rules.pseudonyms`). A ``from_completions:``
rule's ``learner`` may name two columns the same way (``{first: Prénom, last: Nom}``).

Several rows per key (:mod:`analysis.ingest.rules.aggregate`): an ERP report with one row per
rep, period and billing type, or a training list with one row per registration, becomes
one row per key. ``by`` is the key (contract names); each other column the table keeps
is listed under ``sum`` (money and counts; signed lines net out), ``same`` (one value per
key, refused where a key has two) or ``earliest`` (the first period or date); a kept
column with no rule is refused. A share, score, percentage or average (``units`` rate or
score, a column read from ``%``, ``win_rate``, ``avg_deal_size``, ``cycle_days``,
``call_score``) is never summed: the import stops naming it. ``line_types`` says which
kinds of row count: ``column`` (as the file names it) and ``include`` (only these) or
``exclude`` (all but these); the import record lists each type's rows and whether it
counted. The rule runs after ``dates`` and ``numbers``, before ``keep``;
each output row keeps the first raw line of its key. A row that copies another in every
raw column is never added to it silently: ``identical_rows: drop`` drops the copies before
the sum (their lines recorded), ``keep`` sums them as separate lines, and without either the
import stops naming the lines. On a costs table, ``aggregate: {by:
[item], sum: [amount]}`` nets credits against the costs of their kind.

One money column in several currencies (:mod:`analysis.ingest.rules.money`)::

    numbers:
      revenue:
        currency: GBP            # the table's currency (units.revenue says the same)
        rates: {EUR: 0.85}       # GBP per EUR, the client's rate: a value in EUR x 0.85

Each value is converted by its own symbol or code; a value in a currency without a rate,
or with no currency at all, stops the import naming the lines. The rates used and the
values of each currency are written to the import record.

Money written as text is read with its thousands style (``1,234.50``, ``1.234,50``,
``46 390,79`` with no-break spaces, Indian ``₹38,45,210``), a ``k`` suffix (x 1000) and
a trailing minus (``3.412,80-``); a column mixing two currencies is refused unless its
``numbers`` entry gives the rates (above). A currency sign or code that contradicts the
currency the codebook declares (``units``, a ``numbers`` money rule, ``from_deals.currency``)
stops the import naming the lines; an amount with no sign is in the declared currency. The
contract's numeric columns (counts, money, scores) and any column with ``units`` are written
to ``imported/`` as numbers (a value that is not one stops the import), and text is trimmed. The
``units`` of each table are written to ``imported/import_record.json`` under the table.

Tables built from event rows (:mod:`analysis.ingest.events`): a CRM export has one row per
deal and an LMS export one row per learner and course, so the reps table and the panel are
built from them and a roster, with the reps matched across the files
(:mod:`analysis.ingest.events.matching`; tables are built in the order listed, roster first)::

    tables:
      reps:                                    # the roster: one row per rep
        source: {file: Sales_Roster.csv}
        rename: {Employee ID: rep_id, Region: team}
        match:                                 # how other files name these reps (rep_id is always an id key)
          email: Work Email                    # compared trimmed, without case
          name: Employee Name                  # accents, case, spacing ignored; "Last, First" = "First Last"
          hired: Hire Date                     # first active month (optional)
          left: Termination Date               # last active month; blank = still there (optional)
        from_completions:                      # training_start = period of the first completed programme row
          source: {file: LMS_Transcript.xlsx}  # default: the table's own source
          learner: User ID
          key: email                           # id | email | name
          course: Training Title
          programme: {starts_with: "Value Selling Foundations:"}   # or titles: [...], or pattern: regex
          status: Status
          completed: [Completed]               # reps with programme rows but no completion are listed
          date: Completion Date
          period: month                        # month | quarter
        keep: [rep_id, team, training_start]
      panel:                                   # rep-period panel from one row per deal
        source: {file: Opportunities.csv, encoding: latin-1}
        drop_rows: [{column: Pipeline, equals: Renewals}]   # optional, as for any table
        from_deals:
          roster: reps                         # the roster table above
          owner: Owner Email
          key: email
          aliases: {Alex Novak: "25660"}       # optional: a person the file names differently
          close_date: Close Date
          stage: Stage
          won: [Closed Won]                    # revenue and wins
          lost: [Closed Lost]                  # closed, not won; other stages are open, not counted
          amount: Amount
          currency: USD
          currency_column: Currency            # optional: amounts in the deal's currency ...
          rates: {CAD: 0.75}                   # ... each other currency needs its rate (USD per CAD)
          period: month                        # month | quarter
          periods: {from: 2024-01, to: 2025-12}   # optional: default first to last closed deal
          formats: {Close Date: "%m/%d/%Y"}    # optional: where day and month could be swapped
          max_unmatched: 0.10                  # optional: see events.matching.MAX_UNMATCHED

The panel has ``rep_id, period, revenue, wins, opportunities, avg_deal_size``, one row per
rep and period within the rep's active months (0 where nothing closed); deals closing
outside them, unmatched and ambiguous people are reported, never guessed, and the import
record keeps the match counts (ids and lines, no names).

Raw files are never modified. :func:`run_codebook` writes the imported tables next to
them in ``imported/`` as Parquet, plus ``imported/import_record.json`` with the
codebook's and every source file's SHA-256 and the rows dropped by each rule.
"""

from __future__ import annotations

import functools
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.clients.files import file_sha256
from analysis.core.files import atomic_replace
from analysis.core.strict import read_json, read_yaml
from analysis.ingest import events
from analysis.ingest.read import stacking
from analysis.ingest.read.headers import check_named_twice
from analysis.ingest.read.sources import (  # re-exported: the importer's public names
    DATE_FORMATS,
    FORMATS,
    CodebookError,
    check_questions,
    likely_date_formats,
    read_dates,
    read_qualtrics,
    read_source,
    split_answers,
)
from analysis.ingest.record import (
    RECORD_FILE,
    import_provenance,
    stale_imports,
    write_import_record,
)
from analysis.ingest.rules import apply_codebook_table, pseudonyms
from analysis.ingest.rules.checks import (
    TABLE_KEYS,
    check_codebook,
    check_table_name,
    check_table_spec,
    rules_reference,
)

if __doc__ is not None:  # the rules and their keys, written from the model (python -OO drops it)
    __doc__ += (
        "\nEvery rule and key, from the model (:mod:`analysis.ingest.rules.model`; "
        "(required) where a table or a rule needs it)::\n\n"
        + textwrap.indent(rules_reference(depth=2), "    ")
        + "\n"
    )

#: Largest codebook.yml read (bytes): one with every rule for a dozen tables is about 20 KB.
CODEBOOK_BYTES = 1024 * 1024

__all__ = [
    "CODEBOOK_BYTES",
    "DATE_FORMATS",
    "FORMATS",
    "TABLE_KEYS",
    "CodebookError",
    "apply_codebook_table",
    "check_codebook",
    "check_questions",
    "check_table_name",
    "check_table_spec",
    "codebook_problems",
    "import_provenance",
    "likely_date_formats",
    "read_dates",
    "read_qualtrics",
    "read_source",
    "run_codebook",
    "split_answers",
    "stale_imports",
]


def run_codebook(folder: str | Path) -> dict:
    """Import every table of ``<folder>/codebook.yml`` into ``<folder>/imported/``.

    Returns
    -------
    dict
        The import record (also written to ``imported/import_record.json``).
    """
    folder = Path(folder)
    tables = _codebook_tables(folder)
    out_dir = folder / "imported"
    record: dict[str, Any] = {
        "imported": datetime.now(UTC).isoformat(timespec="seconds"),
        "codebook_sha256": file_sha256(folder / "codebook.yml"),
        "tables": {},
    }
    results: dict[str, Any] = {}
    rosters: dict = {}  # roster tables (match:) for the from_deals tables after them
    messages: list[str] = []
    for name, spec in tables.items():
        results[name], record["tables"][name] = _import_table(
            folder, name, spec, results, rosters, messages
        )
    _check_output_folder(folder, out_dir)
    out_dir.mkdir(exist_ok=True)
    for name, frame in results.items():  # write only when every table imported
        target = out_dir / f"{name}.parquet"
        # through a temporary file, synced and renamed: a link left at target is replaced,
        # never written through, and a crash leaves the previous table whole
        atomic_replace(target, functools.partial(_write_parquet, frame))
        record["tables"][name]["sha256"] = file_sha256(target)
    messages += _drop_former_tables(folder, out_dir, results)
    write_import_record(out_dir, record)
    record["warnings"] = messages  # they name people: shown to the user, not written to the record
    return record


def _codebook_tables(folder: Path) -> dict:
    """The tables of ``<folder>/codebook.yml``, its rules checked before any raw file is read.

    Raises
    ------
    CodebookError
        No codebook.yml, a malformed one, or one listing no tables.
    """
    if not (folder / "codebook.yml").is_file():
        raise CodebookError(
            f"{folder.name}/codebook.yml is missing; `workbench new-client` writes a template."
        )
    codebook = _read_codebook(folder)
    check_codebook(codebook)  # every table's name and rules, before any raw file is read
    tables = codebook.get("tables") if isinstance(codebook, dict) else None
    if not isinstance(tables, dict) or not tables:
        draft = (
            " codebook.draft.yml is there: review it and rename it to codebook.yml."
            if (folder / "codebook.draft.yml").is_file()
            else ""
        )
        raise CodebookError(
            "codebook.yml lists no tables (output name -> source and rules); draft one from the raw "
            f"files with `workbench draft-codebook {folder.name} FILE...`.{draft}"
        )
    return tables


def _import_table(
    folder: Path, name: str, spec: Any, results: dict, rosters: dict, messages: list[str]
) -> tuple[pd.DataFrame, dict]:
    """Read and map one codebook table (not yet written).

    Parameters
    ----------
    results : dict
        The tables mapped so far, for ``add_reps_from``.
    rosters : dict
        The roster tables so far; a roster table adds itself.
    messages : list of str
        Warnings for the user; this table's are appended.

    Returns
    -------
    (DataFrame, dict)
        The table and its record.
    """
    frame, layout = read_source(folder, spec.get("source"))
    check_named_twice(spec, layout, name, ", ".join(stacking.source_files(spec["source"])))
    made = None
    if spec.get("rep_ids"):  # reps named only by name: a pseudonymous id from each name
        frame, made = pseudonyms.add_rep_ids(folder, frame, spec, name)
    if events.is_event_table(spec):  # tables built from deals, completions and a roster
        frame, table_record, said = events.apply_event_table(
            folder, frame, spec, name, rosters, apply_codebook_table
        )
        messages += said
    else:
        try:
            frame, table_record = apply_codebook_table(frame, spec, name)
        except CodebookError as error:
            files = ", ".join(stacking.source_files(spec["source"]))
            raise CodebookError(f"{files}: {error}") from None
    if spec.get("add_reps_from"):  # reps never trained: those of the panel the list lacks
        other = str(spec["add_reps_from"])
        if other not in results:
            raise CodebookError(
                f"codebook table {name}: add_reps_from names {other!r}, which is not a table "
                "listed above this one; list it first."
            )
        frame, table_record["add_reps_from"] = events.add_reps_from(
            frame, results[other], name, other
        )
        table_record["rows_out"] = len(frame)
    if made is not None:
        table_record["rep_ids"] = made
    table_record["layout"] = layout
    frame = stacking.repeated_rows(frame, layout)  # sheets whose row numbers repeat
    table_record["source"], stacked = stacking.source_record(folder, spec["source"])
    if stacked:  # the further files of source.files
        table_record["more_sources"] = [*(table_record.get("more_sources") or []), *stacked]
    return frame, table_record


def _read_codebook(folder: Path) -> Any:
    """Return codebook.yml as YAML reads it (strictly: bounded size, no anchors; {} if empty)."""
    return (
        read_yaml(
            folder / "codebook.yml",
            f"{folder.name}/codebook.yml",
            max_bytes=CODEBOOK_BYTES,
            error=CodebookError,
            inside=folder,
            what="codebook",
        )
        or {}
    )


def codebook_problems(folder: str | Path) -> list[str]:
    """Return what ``workbench import`` would refuse in codebook.yml before reading a raw file.

    Its YAML, then each table's name and rules (:func:`check_codebook`).

    Parameters
    ----------
    folder : str or Path
        The client's folder.

    Returns
    -------
    list of str
        One message per problem; empty when the codebook is well formed (or absent).
    """
    folder = Path(folder)
    if not (folder / "codebook.yml").is_file():
        return []
    try:
        check_codebook(_read_codebook(folder))
    except CodebookError as error:
        return error.problems
    return []


def _drop_former_tables(folder: Path, out_dir: Path, written: dict) -> list[str]:
    """Remove the tables the previous import wrote that this one no longer writes.

    A table dropped from or renamed in codebook.yml would otherwise stay in ``imported/``
    and could still be read as if current. Only tables the previous import record lists
    (and whose bytes are still the ones it wrote) are removed: a file the user put there is
    named, never deleted.
    """
    try:
        before = read_json(out_dir / RECORD_FILE, "imported/import_record.json", inside=folder)
    except (OSError, ValueError):
        return []
    said = []
    for name, table in ((before or {}).get("tables") or {}).items():
        path = out_dir / f"{name}.parquet"
        if name in written or not path.is_file() or path.is_symlink():
            continue
        if table.get("sha256") and file_sha256(path) == table["sha256"]:
            path.unlink()
            said.append(
                f"imported/{name}.parquet removed: codebook.yml no longer lists table {name!r}."
            )
        else:
            said.append(
                f"imported/{name}.parquet is no longer written by codebook.yml and was changed "
                "by hand; it is kept, but no study should read it: delete it or list the table "
                "in codebook.yml again."
            )
    return said


def _check_output_folder(folder: Path, out_dir: Path) -> None:
    """``imported/`` must be a real folder of this client: never a link to another one."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise CodebookError(
            f"{folder.name}/imported is a symbolic link or a file, not a folder of this client; "
            "remove it (import writes only inside the client's own folder) and run the import again."
        )
    if out_dir.exists() and out_dir.resolve().parent != folder.resolve():
        raise CodebookError(
            f"{folder.name}/imported leads outside the client's folder; remove it and import again."
        )


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as Parquet to ``path`` (the temporary file of an atomic replace)."""
    frame.to_parquet(path, index=False)
