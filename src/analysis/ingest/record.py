"""The record ``workbench import`` keeps of each import, read without loading the data.

``<client>/imported/import_record.json`` holds the SHA-256 of the codebook, of each
raw file at import time and of each imported table as written. :func:`stale_imports` compares them with the files as they
are now (a render or validate refuses an outdated import), and
:func:`import_provenance` lists them in a report's provenance footer. Neither needs
pandas, so a render with nothing to do stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

from analysis.clients.files import file_sha256, inside_folder
from analysis.core.files import atomic_write
from analysis.core.strict import read_json

__all__ = [
    "RECORD_FILE",
    "import_provenance",
    "import_units",
    "stale_imports",
    "write_import_record",
]

#: The import record's name inside ``<client>/imported/``.
RECORD_FILE = "import_record.json"


def write_import_record(out_dir: str | Path, record: dict) -> Path:
    """Write ``<out_dir>/import_record.json`` whole or not at all; returns its path.

    The record goes to a temporary file beside it, is flushed to the disk and renamed
    into place (:func:`analysis.core.files.atomic_write`): on a full disk the previous
    record stays as it was, and :func:`stale_imports` then names any table that no
    longer matches it.

    Raises
    ------
    WriteError
        The disk refused the write; the message names the file and the previous record is kept.
    """
    path = Path(out_dir) / RECORD_FILE
    atomic_write(path, json.dumps(record, indent=2, default=str) + "\n")
    return path


def stale_imports(folder: str | Path) -> list[str]:
    """Why ``<folder>/imported/`` no longer matches the codebook and the raw files, if it does not.

    Compares the SHA-256 hashes kept in ``imported/import_record.json`` with the current
    codebook, source files and imported tables, so that a raw file replaced after
    ``workbench import`` is not analysed through its outdated import, and an imported
    table edited or overwritten afterwards is not reported as coming from the raw file.

    Returns
    -------
    list of str
        One message per changed or missing file; empty when the import is current or
        the client has no import record.
    """
    folder = Path(folder)
    record_path = folder / "imported" / "import_record.json"
    if not record_path.is_file():
        tables = sorted((folder / "imported").glob("*.parquet"))
        if not tables:
            return []
        return [
            (
                f"imported/ holds {', '.join(t.name for t in tables[:3])} but no import_record.json, so "
                "nothing shows which raw file they came from or that they are unchanged; run "
                f"`workbench import {folder.name}` again (tables made by hand belong outside imported/)."
            )
        ]
    try:
        record = read_json(record_path, "imported/import_record.json", inside=folder)
    except (OSError, ValueError):
        return [
            f"imported/import_record.json is unreadable; run `workbench import {folder.name}` again."
        ]
    rerun = f"run `workbench import {folder.name}` again"
    problems = []
    codebook = folder / "codebook.yml"
    if codebook.is_file() and file_sha256(codebook) != record.get("codebook_sha256"):
        problems.append(f"codebook.yml changed after the last import; {rerun}.")
        from analysis.ingest.codebook import codebook_problems  # imports this module

        problems += codebook_problems(folder)  # what that import would refuse, said now
    for name, table in (record.get("tables") or {}).items():
        imported = folder / "imported" / f"{name}.parquet"
        if table.get("sha256") and imported.is_file() and file_sha256(imported) != table["sha256"]:
            problems.append(
                f"imported/{name}.parquet is not the table `workbench import` wrote (it was edited "
                f"or replaced afterwards); correct the raw file or codebook.yml instead, and {rerun}."
            )
        for source in [table.get("source", {}), *(table.get("more_sources") or [])]:
            problems += _changed_source(folder, source, name, rerun)
    return list(dict.fromkeys(problems))


def _changed_source(folder: Path, source: dict, name: str, rerun: str) -> list[str]:
    """Why one raw file of an imported table no longer matches its import, if it does not."""
    path = inside_folder(folder, source.get("file", ""))
    if path is None or not path.is_file():
        return [
            f"{source.get('file')} (source of imported/{name}.parquet) is missing; restore it or {rerun}."
        ]
    if file_sha256(path) != source.get("sha256"):
        return [
            f"{source.get('file')} changed after it was imported into imported/{name}.parquet; {rerun}."
        ]
    return []


def import_provenance(path: str | Path) -> dict:
    """Where an imported table came from: its raw file and the codebook, with their SHA-256.

    For ``<client>/imported/<name>.parquet`` written by :func:`run_codebook`, reads
    ``imported/import_record.json``. Other files give an empty dict.

    Returns
    -------
    dict
        ``imported`` (the time of the import) and ``sources``: a list of ``file``,
        ``role`` and ``sha256`` (the hashes recorded at import time, which
        :func:`stale_imports` checks against the files as they are now).
    """
    path = Path(path)
    record_path = path.parent / "import_record.json"
    if path.parent.name != "imported" or not record_path.is_file():
        return {}
    try:
        record = read_json(record_path, "imported/import_record.json", inside=path.parent.parent)
    except (OSError, ValueError):
        return {}
    table = (record.get("tables") or {}).get(path.stem)
    if not table:
        return {}
    source = table.get("source", {})
    layout = table.get("layout") or {}
    set_aside = [
        f"{len(layout.get(k) or [])} {k.split('_')[0]}"
        for k in ("totals_rows", "notes_rows")
        if layout.get(k)
    ]
    header = layout.get("header_row")
    role = "raw file"
    if header and layout.get("header_rows", 1) > 1:
        role += f", header rows {header} to {header + layout['header_rows'] - 1}"
    elif header:
        role += f", header row {header}"
    role += f"; set aside: {', '.join(set_aside)} row(s)" if set_aside else ""
    events = _event_roles(table)  # tables built from deals, completions and a roster
    role += f"; {events[0]}" if events else ""
    sources = [
        {"file": str(source.get("file", "")), "role": role, "sha256": source.get("sha256", "")}
    ]
    extras = table.get("more_sources") or []
    for extra, said in zip(extras, [*events[1:], *[""] * len(extras)], strict=False):
        role = str(extra.get("role") or said)  # a stacked file says its role itself
        sources.append(
            {"file": str(extra.get("file", "")), "role": role, "sha256": extra.get("sha256", "")}
        )
    return {
        "imported": record.get("imported", ""),
        "sources": [
            *sources,
            {
                "file": "codebook.yml",
                "role": "codebook",
                "sha256": record.get("codebook_sha256", ""),
            },
        ],
    }


def _matched(match: dict) -> str:
    """A match report in a few words: counts only, never a name."""
    unmatched = match.get("unmatched_in_file") or []
    return (
        f"{match.get('matched_reps', 0)} of {match.get('roster_reps', 0)} reps matched by "
        f"{match.get('key', '?')} on {match.get('column', '?')}; unmatched: {len(unmatched)} in this "
        f"file ({sum(u.get('rows', 0) for u in unmatched)} rows), "
        f"{len(match.get('unmatched_in_roster') or [])} in the roster; "
        f"ambiguous: {len(match.get('ambiguous') or [])}"
    )


def _event_roles(table: dict) -> list[str]:
    """The roles of a table built by analysis.ingest.events: the table's own file first,
    then the LMS file (empty for an ordinary table)."""
    deals = table.get("from_deals")
    if deals:
        outside = deals.get("outside_active_months") or []
        said = (
            f"deals: {deals.get('won_deals', 0)} won ({', '.join(deals.get('won') or [])}), "
            f"{deals.get('lost_deals', 0)} lost, {deals.get('open_deals', 0)} open, summed per rep "
            f"and {deals.get('period', 'month')} from {' to '.join(deals.get('window') or [])}; "
            f"{_matched(deals.get('match') or {})}; "
            f"{sum(o.get('deals', 0) for o in outside)} deals outside a rep's active months"
        )
        return [said]
    if table.get("roster"):
        roles = [f"roster: {table['roster'].get('reps', 0)} reps"]
        done = table.get("from_completions")
        if done:
            roles.append(
                f"completions: training start = first completed programme row "
                f"({done.get('completed_programme_rows', 0)} rows, {done.get('trained_reps', 0)} "
                f"reps trained, {len(done.get('programme_not_completed') or [])} registered but "
                f"not completed); {_matched(done.get('match') or {})}"
            )
        return roles
    return []


def import_units(folder: str | Path) -> dict[str, dict[str, dict]]:
    """The units the codebook gave each imported column, as the import record keeps them.

    Reads ``<folder>/imported/import_record.json`` (the ``units`` of each table, e.g.
    ``{"panel": {"revenue": {"unit": "money", "currency": "GBP"}}}``). A table
    without units, an entry that is not a mapping, or a missing or unreadable record
    gives nothing for it: the units are evidence to use, never a reason to fail.

    Returns
    -------
    dict
        Table -> column -> the unit's entries (``unit``, and ``currency``, ``label``,
        ``scale`` where the codebook gave them).
    """
    record_path = Path(folder) / "imported" / "import_record.json"
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    tables = record.get("tables") if isinstance(record, dict) else None
    found: dict[str, dict[str, dict]] = {}
    for name, table in (tables or {}).items():
        units = table.get("units") if isinstance(table, dict) else None
        if isinstance(units, dict):
            found[str(name)] = {
                str(column): dict(unit)
                for column, unit in units.items()
                if isinstance(unit, dict) and isinstance(unit.get("unit"), str)
            }
    return found
