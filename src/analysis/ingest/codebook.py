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
          header_row: 3                        # optional: the header's row (detected under title rows)
          decimal: ","                         # optional: the decimal mark of numbers written as text
          encoding: cp1252                     # optional: a CSV not in UTF-8
        drop_rows:                             # test or incomplete responses
          - {column: Status, equals: Survey Preview}
          - {column: Finished, equals: "0"}
        rename: {ResponseId: respondent_id, Q2: industry}
        values:                                # per column: source value -> contract value
          effectiveness: {"1": not effective, "2": somewhat effective, "3": effective, "4": very effective}
        flags: {Q7_1: tool_mobile_learning}    # per-option columns: any answer = true, blank = false
        multi_select:                          # one delimited column -> one true/false column per option
          Q7:
            separator: ","
            options: {Mobile learning: tool_mobile_learning, Gamification: tool_gamification}
        dates: {period: "%m/%Y"}               # parse with this format, store as 2025-03
        numbers: {amount: {decimal: ","}}      # a column's decimal mark, where the file's differs
        text: [zip_code]                       # columns kept as text though they look numeric
        case: {rep_id: upper}                  # ids written KF-001 in one sheet and kf-001 in another
        row_ids: respondent_id                 # a tool without response ids: one per raw row
        identical_rows: drop                   # rows alike in every column: error (with row_ids) | drop | keep
        keep: [respondent_id, industry, ...]   # optional: columns to keep, in order

Raw files are never modified. :func:`run_codebook` writes the imported tables next to
them in ``imported/`` as Parquet, plus ``imported/import_record.json`` with the
codebook's and every source file's SHA-256 and the rows dropped by each rule.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis.clients.files import file_sha256
from analysis.contracts.numbers import (
    column_evidence,
    looks_formatted,
    looks_numeric,
    parse_numbers,
)
from analysis.contracts.readers import SOURCE_ROW
from analysis.ingest.record import import_provenance, stale_imports, write_import_record
from analysis.ingest.sources import (  # re-exported: the importer's public names
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

__all__ = [
    "DATE_FORMATS",
    "FORMATS",
    "CodebookError",
    "apply_codebook_table",
    "check_questions",
    "check_table_name",
    "check_table_spec",
    "import_provenance",
    "likely_date_formats",
    "read_dates",
    "read_qualtrics",
    "read_source",
    "run_codebook",
    "stale_imports",
]


def _placeholders(node, path: str = "") -> list[str]:
    """Keys and values still marked CHECK by `workbench draft-codebook`."""
    if isinstance(node, dict):
        found = [f"{path}{k}" for k in node if str(k).startswith("CHECK")]
        for key, value in node.items():
            found += _placeholders(value, f"{path}{key}.")
        return found
    if isinstance(node, list):
        return [p for i, item in enumerate(node) for p in _placeholders(item, f"{path}{i}.")]
    return (
        [f"{path.rstrip('.')}: {node}"]
        if isinstance(node, str) and node.startswith("CHECK")
        else []
    )


#: The rules a codebook table may hold (anything else is refused, not ignored).
TABLE_KEYS = (
    "source",
    "drop_rows",
    "rename",
    "values",
    "multi_select",
    "flags",
    "dates",
    "numbers",
    "text",
    "case",
    "row_ids",
    "identical_rows",
    "keep",
)

TABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def check_table_name(name) -> None:
    """Refuse a codebook table name that is not a plain file name inside ``imported/``.

    The name becomes ``imported/<name>.parquet``, so a name with a path separator or
    ``..`` would write into another folder (another client's, or the reports). Names
    start with a letter and hold letters, digits, ``_`` and ``-`` (at most 64).

    Raises
    ------
    CodebookError
        A name still marked CHECK by ``draft-codebook``, or one that is not a plain name.
    """
    text = str(name)
    if text.startswith("CHECK"):
        raise CodebookError(
            f"codebook table {text}: the drafted codebook still names this table CHECK...; "
            "rename it to what the table holds (survey, reps, panel, costs, ...)."
        )
    if not isinstance(name, str) or not TABLE_NAME.fullmatch(name):
        raise CodebookError(
            f"codebook table name {text!r} is not a plain name: it becomes imported/<name>.parquet, "
            "so use letters, digits, _ and - only, starting with a letter (e.g. panel, reps_2025)."
        )


def check_table_spec(spec, name: str) -> None:
    """Refuse a codebook table whose rules have the wrong shape, naming the key and its form.

    Raises
    ------
    CodebookError
        A table or source that is not a mapping, drop_rows that is not a list of
        ``{column, equals}``, values or multi_select entries without their mapping,
        a date format that strftime cannot read, keep or text that is not a list.
    """
    where = f"codebook table {name}"
    left = _placeholders(spec)
    if left:
        raise CodebookError(
            f"{where}: the drafted codebook still has {len(left)} CHECK placeholder(s) ({'; '.join(left[:3])}); "
            "replace each with the column or value it should be, or remove the line."
        )
    if not isinstance(spec, dict):
        raise CodebookError(
            f"{where}: must be a mapping with source: {{file: ...}} and its rules, not {spec!r}."
        )
    if not isinstance(spec.get("source"), dict):
        raise CodebookError(
            f"{where}: source must be a mapping such as {{file: export.csv, format: csv}}."
        )
    unknown = [str(k) for k in spec if k not in TABLE_KEYS]
    if unknown:
        close = {k: difflib.get_close_matches(k, TABLE_KEYS, n=1, cutoff=0.6) for k in unknown}
        hints = "; ".join(f"{k!r}: did you mean {c[0]!r}?" for k, c in close.items() if c)
        raise CodebookError(
            f"{where}: unknown rule(s) {unknown} ({hints or 'not a codebook rule'}); a table takes "
            f"{', '.join(TABLE_KEYS)}. An unknown rule would be ignored, so the import stops."
        )
    for column, how in (spec.get("case") or {}).items():
        if how not in ("upper", "lower"):
            raise CodebookError(
                f"{where}: case.{column} must be upper or lower (the case ids are written in), not {how!r}."
            )
    if spec.get("identical_rows", "error") not in ("error", "drop", "keep"):
        raise CodebookError(
            f"{where}: identical_rows must be error, drop or keep, not {spec['identical_rows']!r}."
        )
    shapes = {
        "rename": "a mapping of source column -> contract column",
        "values": "a mapping of column -> {source value: contract value}",
        "multi_select": "a mapping of column -> {separator: ',', options: {option text: column}}",
        "dates": "a mapping of column -> date format such as '%m/%Y'",
        "numbers": "a mapping of column -> {decimal: '.' or ','}",
        "flags": "a mapping of per-option column -> true/false column (blank = not selected)",
        "case": "a mapping of column -> upper or lower",
    }
    for key, shape in shapes.items():
        if spec.get(key) is not None and not isinstance(spec[key], dict):
            raise CodebookError(f"{where}: {key} must be {shape}.")
    for key in ("keep", "text", "drop_rows"):
        if spec.get(key) is not None and not isinstance(spec[key], list):
            raise CodebookError(f"{where}: {key} must be a list (one '- ' line per entry).")
    for rule in spec.get("drop_rows") or []:
        if not isinstance(rule, dict) or "column" not in rule or "equals" not in rule:
            raise CodebookError(
                f"{where}: each drop_rows entry needs column and equals, e.g. {{column: Status, equals: Survey Preview}}."
            )
    for column, mapping in (spec.get("values") or {}).items():
        if not isinstance(mapping, dict) or not mapping:
            raise CodebookError(
                f"{where}: values.{column} must map each source value to a contract value (e.g. '1': not effective)."
            )
    for column, mapping in (spec.get("multi_select") or {}).items():
        if (
            not isinstance(mapping, dict)
            or not isinstance(mapping.get("options"), dict)
            or not mapping["options"]
        ):
            raise CodebookError(
                f"{where}: multi_select.{column} needs options: {{option text: true/false column}}."
            )
    for column, fmt in (spec.get("dates") or {}).items():
        try:
            ok = isinstance(fmt, str) and "%" in fmt
            if ok:
                pd.to_datetime(pd.Series(["2025-01-01"]), format=fmt, errors="coerce")
        except ValueError:
            ok = False
        if not ok:
            raise CodebookError(
                f"{where}: dates.{column} must be a date format such as '%m/%Y' or '%d.%m.%Y', not {fmt!r}."
            )


def apply_codebook_table(frame: pd.DataFrame, spec: dict, name: str) -> tuple[pd.DataFrame, dict]:
    """Apply one table's rules (drop rows, rename, values, multi-select, dates, keep).

    ``frame``'s index holds the source's line (or sheet row) numbers, as
    :func:`read_source` sets it, so that messages point at the rows to fix.

    Returns
    -------
    (DataFrame, dict)
        The mapped table and a record of what each rule did (rows dropped, values mapped).
    """
    check_table_spec(spec, name)
    record: dict = {"rows_in": len(frame), "dropped": []}
    for rule in spec.get("drop_rows", []) or []:
        column = rule.get("column")
        if column not in frame.columns:
            raise CodebookError(
                f"codebook table {name}: drop_rows column {column!r} is not in the source."
            )
        equals = "" if rule.get("equals") is None else str(rule.get("equals"))
        text = frame[column].astype("string").str.strip()
        mask = (text == equals).fillna(False) | (text.isna() if equals == "" else False)
        record["dropped"].append({"rule": rule, "rows": int(mask.sum())})
        frame = frame[~mask]
    rename = spec.get("rename", {}) or {}
    missing = [c for c in rename if c not in frame.columns]
    if missing:
        raise CodebookError(
            f"codebook table {name}: rename names source column(s) {missing} that the file lacks; "
            f"the file has {', '.join(map(str, frame.columns[:12]))}..."
        )
    frame = frame.rename(columns=rename)
    for column, how in (spec.get("case") or {}).items():  # ids written KF-001 and kf-001
        if column not in frame.columns:
            raise CodebookError(
                f"codebook table {name}: case names column {column!r}, which it lacks."
            )
        text = frame[column].astype("string").str.strip()
        frame[column] = text.str.upper() if how == "upper" else text.str.lower()
    for column, mapping in (spec.get("multi_select", {}) or {}).items():
        if column not in frame.columns:
            raise CodebookError(
                f"codebook table {name}: multi_select column {column!r} is not in the source."
            )
        separator = mapping.get("separator", ",")
        known = set(mapping["options"])
        chosen = (
            frame[column]
            .fillna("")
            .astype(str)
            .map(lambda text, s=separator, k=known: split_answers(text, s, k))
        )
        unknown = sorted(
            {
                c.strip()
                for choices in chosen
                for c in choices
                if c.strip() and c.strip() not in known
            }
        )
        if unknown:
            rows = chosen.map(
                lambda choices, unknown=unknown: any(c.strip() in unknown for c in choices)
            )
            lines = ", ".join(map(str, frame.index[rows.to_numpy()][:5]))
            raise CodebookError(
                f"codebook table {name}: column {column} has option(s) {unknown[:5]} not listed under "
                f"multi_select options (rows {lines}); add them (or map them to a column)."
            )
        for option, target in mapping["options"].items():
            frame[target] = chosen.map(lambda choices, o=option: o in [c.strip() for c in choices])
        frame = frame.drop(columns=column)
    for column, target in (spec.get("flags", {}) or {}).items():
        if column not in frame.columns:
            raise CodebookError(
                f"codebook table {name}: flags column {column!r} is not in the source."
            )
        text = frame[column].astype("string").str.strip()
        frame[target] = (text.notna() & (text != "") & (text != "0")).astype(bool)
        if target != column:
            frame = frame.drop(columns=column)
    for column, mapping in (spec.get("values", {}) or {}).items():
        if column not in frame.columns:
            raise CodebookError(
                f"codebook table {name}: values given for column {column!r}, which is not in the table."
            )
        text = frame[column].astype("string").str.strip()
        mapped = text.map({str(k): v for k, v in mapping.items()})
        unmapped = text.notna() & mapped.isna() & ~text.isin([str(v) for v in mapping.values()])
        record.setdefault("unmapped", {})[column] = sorted(set(text[unmapped].dropna()))[:10]
        frame[column] = mapped.where(mapped.notna(), text)
    for column, fmt in (spec.get("dates", {}) or {}).items():
        if column not in frame.columns:
            raise CodebookError(
                f"codebook table {name}: dates given for column {column!r}, which is not in the table."
            )
        parsed = read_dates(frame[column], fmt)
        bad = parsed.isna() & frame[column].notna()
        if bad.any():
            sample = frame.loc[bad, column].astype(str).unique()[:3].tolist()
            lines = ", ".join(map(str, frame.index[bad][:5])) + (
                f" and {int(bad.sum()) - 5} more" if bad.sum() > 5 else ""
            )
            fits = likely_date_formats(frame.loc[bad, column])
            hint = f" They read as {' or '.join(map(repr, fits))}." if fits else ""
            raise CodebookError(
                f"codebook table {name}: column {column} has {int(bad.sum())} value(s) not in format "
                f"{fmt!r} on rows {lines}, e.g. {sample}.{hint} Fix them in the source file, or change "
                "the format if the whole column uses another one (one format per column)."
            )
        frame[column] = parsed.dt.to_period("M").astype(str).where(parsed.notna())
    source = spec.get("source") or {}
    where = str(source.get("file", name))
    declared = spec.get("numbers", {}) or {}
    if not isinstance(declared, dict):
        raise CodebookError(
            f"codebook table {name}: numbers must map column names to {{decimal: '.' or ','}}."
        )
    text_columns = spec.get("text", []) or []
    if not isinstance(text_columns, list):
        raise CodebookError(
            f"codebook table {name}: text must be a list of columns to keep as text."
        )
    skip = set(spec.get("values", {}) or {}) | set(spec.get("dates", {}) or {}) | set(text_columns)
    numeric = [
        c
        for c in frame.columns
        if c in declared or (c not in skip and frame[c].dtype == object and looks_numeric(frame[c]))
    ]
    marks = (
        set().union(*(column_evidence(frame[c], strong=True) for c in numeric))
        if numeric
        else set()
    )
    fallback = source.get("decimal") or (marks.pop() if len(marks) == 1 else None)
    for column in numeric:
        options = declared.get(column) or {}
        decimal = options.get("decimal", source.get("decimal"))
        if decimal not in (None, ".", ","):
            raise CodebookError(
                f"codebook table {name}: decimal for {column!r} must be '.' or ','."
            )
        text = frame[column].dropna().astype(str)
        if (
            column in declared
            or looks_formatted(frame[column])
            or (fallback == "," and text.str.contains(".", regex=False).any())
        ):
            frame[column], info = parse_numbers(
                frame[column], column=column, where=where, decimal=decimal, fallback=fallback
            )
            record.setdefault("numbers", {})[column] = info
    absent = [c for c in declared if c not in frame.columns]
    if absent:
        raise CodebookError(
            f"codebook table {name}: numbers names column(s) {absent} that the table lacks."
        )
    if spec.get("row_ids"):  # a survey tool that gives no response id (Google Forms)
        column = str(spec["row_ids"])
        if column in frame.columns:
            raise CodebookError(
                f"codebook table {name}: row_ids names {column!r}, which the table already has."
            )
        frame = _identical_rows(frame, spec.get("identical_rows", "error"), name, record)
        frame.insert(0, column, [f"row-{i}" for i in frame.index])
    elif spec.get("identical_rows") == "drop":  # a row exported twice, asked for by name
        frame = _identical_rows(frame, "drop", name, record)
    keep = spec.get("keep")
    if keep:
        absent = [c for c in keep if c not in frame.columns]
        if absent:
            raise CodebookError(
                f"codebook table {name}: keep lists column(s) {absent} that the mapped table lacks."
            )
        frame = frame[keep]
    record["rows_out"] = len(frame)
    frame = frame.assign(**{SOURCE_ROW: [int(i) for i in frame.index]})
    return frame.reset_index(drop=True), record


def _identical_rows(frame: pd.DataFrame, choice: str, name: str, record: dict) -> pd.DataFrame:
    """Responses identical in every column, before ``row_ids`` would make them distinct.

    A form submitted twice (same timestamp, same e-mail, same answers) would count as
    two respondents once each row gets its own id. ``identical_rows: error`` (the
    default) stops the import naming the raw rows; ``drop`` keeps the first of each
    set (recorded); ``keep`` keeps them all, for anonymous forms where two people may
    answer alike.
    """
    copies = frame.duplicated(keep="first")
    if not copies.any() or choice == "keep":
        return frame
    if choice == "drop":
        record["identical_rows_dropped"] = [int(i) for i in frame.index[copies]]
        return frame[~copies]
    twins = frame.duplicated(keep=False)
    rows = ", ".join(str(i) for i in frame.index[twins][:6])
    more = f" and {int(twins.sum()) - 6} more" if twins.sum() > 6 else ""
    raise CodebookError(
        f"codebook table {name}: rows {rows}{more} are identical in every column (a response "
        "submitted twice?), and row_ids would count each as another respondent. Delete the copies "
        "in the raw file, or add identical_rows: drop (keep the first of each) or identical_rows: "
        "keep (different people who answered alike) to the table in codebook.yml."
    )


def run_codebook(folder: str | Path) -> dict:
    """Import every table of ``<folder>/codebook.yml`` into ``<folder>/imported/``.

    Returns
    -------
    dict
        The import record (also written to ``imported/import_record.json``).
    """
    folder = Path(folder)
    codebook_path = folder / "codebook.yml"
    if not codebook_path.is_file():
        raise CodebookError(
            f"{folder.name}/codebook.yml is missing; `workbench new-client` writes a template."
        )
    try:
        codebook = yaml.safe_load(codebook_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise CodebookError(f"codebook.yml is not valid YAML: {error}") from None
    tables = codebook.get("tables")
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
    out_dir = folder / "imported"
    record: dict[str, Any] = {
        "imported": datetime.now(UTC).isoformat(timespec="seconds"),
        "codebook_sha256": file_sha256(codebook_path),
        "tables": {},
    }
    results = {}
    for name, spec in tables.items():
        check_table_name(name)
        check_table_spec(spec, name)
        source_path = (folder / str(spec.get("source", {}).get("file", ""))).resolve()
        frame, layout = read_source(folder, spec.get("source"))
        try:
            frame, table_record = apply_codebook_table(frame, spec, name)
        except CodebookError as error:
            raise CodebookError(f"{spec['source']['file']}: {error}") from None
        table_record["layout"] = layout
        table_record["source"] = {
            "file": str(spec["source"]["file"]),
            "sha256": file_sha256(source_path),
        }
        results[name] = frame
        record["tables"][name] = table_record
    _check_output_folder(folder, out_dir)
    out_dir.mkdir(exist_ok=True)
    for name, frame in results.items():  # write only when every table imported
        target = out_dir / f"{name}.parquet"
        _replace(target, lambda path, frame=frame: frame.to_parquet(path, index=False))
        record["tables"][name]["sha256"] = file_sha256(target)
    write_import_record(out_dir, record)
    return record


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


def _replace(target: Path, write) -> None:
    """Write ``target`` through a temporary file and rename it into place: a symbolic link
    left at ``target`` is replaced, never written through (it could lead to another
    client's folder), and a crash leaves the previous file whole."""
    import os
    import tempfile

    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
