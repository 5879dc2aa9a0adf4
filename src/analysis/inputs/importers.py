"""Importing a client's own files through a codebook.

A codebook (``data/clients/<id>/codebook.yml``) says, for each table a study needs,
where it comes from and how to map it to the study contract::

    tables:
      survey:                                  # written to imported/survey.parquet
        source: {file: raw/export.csv, format: qualtrics}    # csv | qualtrics | xlsx | parquet
        drop_rows:                             # test or incomplete responses
          - {column: Status, equals: Survey Preview}
          - {column: Finished, equals: "0"}
        rename: {ResponseId: respondent_id, Q2: industry}
        values:                                # per column: source value -> contract value
          effectiveness: {"1": not effective, "2": somewhat effective, "3": effective, "4": very effective}
        multi_select:                          # one delimited column -> one true/false column per option
          Q7:
            separator: ","
            options: {Mobile learning: tool_mobile_learning, Gamification: tool_gamification}
        dates: {period: "%m/%Y"}               # parse with this format, store as 2025-03
        keep: [respondent_id, industry, ...]   # optional: columns to keep, in order

Raw files are never modified. :func:`run_codebook` writes the imported tables next to
them in ``imported/`` as Parquet, plus ``imported/import_record.json`` with the
codebook's and every source file's SHA-256 and the rows dropped by each rule.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import yaml

from analysis.inputs.readers import DataContractError, file_sha256, inside, read_table

FORMATS = ("csv", "qualtrics", "xlsx", "parquet")


class CodebookError(DataContractError):
    """The codebook or a source file cannot be applied; the message says where and how to fix it."""


def read_qualtrics(path: Path, *, encoding: str = "utf-8") -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a Qualtrics CSV export: three header rows (ids, question texts, import ids).

    Returns
    -------
    (DataFrame, dict)
        The responses with the question ids as columns, and id -> question text.

    Raises
    ------
    CodebookError
        If the second and third rows do not look like a Qualtrics export.
    """
    frame = read_table(path, encoding=encoding, dtype=str)
    if len(frame) < 2 or not frame.iloc[1].astype(str).str.contains("ImportId", na=False).any():
        raise CodebookError(
            f"{path.name}: not a Qualtrics export with three header rows (ids, question texts, import ids); "
            "export 'CSV' with 'Use choice text' or set format: csv in the codebook."
        )
    texts = frame.iloc[0].astype(str).to_dict()
    return frame.iloc[2:].reset_index(drop=True), texts


def read_source(folder: Path, source: dict) -> pd.DataFrame:
    """Read one source file as described by a codebook ``source`` entry."""
    if not isinstance(source, dict) or "file" not in source:
        raise CodebookError("each table needs source: {file: ..., format: csv|qualtrics|xlsx|parquet}.")
    path = inside(folder, source["file"])
    if path is None:
        raise CodebookError(f"source {source['file']!r} lies outside the client folder.")
    fmt = source.get("format", path.suffix.lstrip(".").lower() or "csv")
    if fmt not in FORMATS:
        raise CodebookError(f"{path.name}: format {fmt!r} is not one of {', '.join(FORMATS)}.")
    if not path.is_file():
        raise CodebookError(f"{path.name}: source file not found in the client folder.")
    encoding = source.get("encoding", "utf-8")
    if fmt == "qualtrics":
        return read_qualtrics(path, encoding=encoding)[0]
    if fmt == "csv":
        return read_table(path, encoding=encoding, dtype=str)
    if fmt == "parquet":
        return pd.read_parquet(path)
    sheet = source.get("sheet", 0)
    try:
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str)
    except ValueError as error:  # unknown sheet
        raise CodebookError(f"{path.name}: {error}; name the sheet with source.sheet.") from None
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:")]
    if unnamed:
        raise CodebookError(
            f"{path.name} (sheet {sheet!r}): {len(unnamed)} column(s) have no header, e.g. merged header cells; "
            "unmerge them so that every column has one header in the first row."
        )
    return frame


def apply_codebook_table(frame: pd.DataFrame, spec: dict, name: str) -> tuple[pd.DataFrame, dict]:
    """Apply one table's rules (drop rows, rename, values, multi-select, dates, keep).

    Returns
    -------
    (DataFrame, dict)
        The mapped table and a record of what each rule did (rows dropped, values mapped).
    """
    record: dict = {"rows_in": len(frame), "dropped": []}
    for rule in spec.get("drop_rows", []) or []:
        column = rule.get("column")
        if column not in frame.columns:
            raise CodebookError(f"codebook table {name}: drop_rows column {column!r} is not in the source.")
        mask = frame[column].astype(str) == str(rule.get("equals"))
        record["dropped"].append({"rule": rule, "rows": int(mask.sum())})
        frame = frame[~mask]
    rename = spec.get("rename", {}) or {}
    missing = [c for c in rename if c not in frame.columns]
    if missing:
        raise CodebookError(f"codebook table {name}: rename names source column(s) {missing} that the file lacks; "
                            f"the file has {', '.join(map(str, frame.columns[:12]))}...")
    frame = frame.rename(columns=rename)
    for column, mapping in (spec.get("multi_select", {}) or {}).items():
        if column not in frame.columns:
            raise CodebookError(f"codebook table {name}: multi_select column {column!r} is not in the source.")
        separator = mapping.get("separator", ",")
        chosen = frame[column].fillna("").astype(str).str.split(separator)
        known = set(mapping["options"])
        unknown = sorted({c.strip() for choices in chosen for c in choices if c.strip() and c.strip() not in known})
        if unknown:
            raise CodebookError(f"codebook table {name}: column {column} has option(s) {unknown[:5]} not listed under "
                                "multi_select options; add them (or map them to a column).")
        for option, target in mapping["options"].items():
            frame[target] = chosen.map(lambda choices, o=option: o in [c.strip() for c in choices])
        frame = frame.drop(columns=column)
    for column, mapping in (spec.get("values", {}) or {}).items():
        if column not in frame.columns:
            raise CodebookError(f"codebook table {name}: values given for column {column!r}, which is not in the table.")
        text = frame[column].astype("string").str.strip()
        mapped = text.map({str(k): v for k, v in mapping.items()})
        unmapped = text.notna() & mapped.isna() & ~text.isin([str(v) for v in mapping.values()])
        record.setdefault("unmapped", {})[column] = sorted(set(text[unmapped].dropna()))[:10]
        frame[column] = mapped.where(mapped.notna(), text)
    for column, fmt in (spec.get("dates", {}) or {}).items():
        if column not in frame.columns:
            raise CodebookError(f"codebook table {name}: dates given for column {column!r}, which is not in the table.")
        parsed = pd.to_datetime(frame[column], format=fmt, errors="coerce")
        bad = parsed.isna() & frame[column].notna()
        if bad.any():
            sample = frame.loc[bad, column].astype(str).unique()[:3].tolist()
            raise CodebookError(f"codebook table {name}: column {column} has {int(bad.sum())} value(s) not in format "
                                f"{fmt!r}, e.g. {sample}.")
        frame[column] = parsed.dt.to_period("M").astype(str).where(parsed.notna())
    keep = spec.get("keep")
    if keep:
        absent = [c for c in keep if c not in frame.columns]
        if absent:
            raise CodebookError(f"codebook table {name}: keep lists column(s) {absent} that the mapped table lacks.")
        frame = frame[keep]
    record["rows_out"] = len(frame)
    return frame.reset_index(drop=True), record


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
        raise CodebookError(f"{folder.name}/codebook.yml is missing; `workbench new-client` writes a template.")
    try:
        codebook = yaml.safe_load(codebook_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise CodebookError(f"codebook.yml is not valid YAML: {error}") from None
    tables = codebook.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise CodebookError("codebook.yml needs a 'tables' mapping: output name -> source and rules.")
    out_dir = folder / "imported"
    out_dir.mkdir(exist_ok=True)
    record = {"imported": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "codebook_sha256": file_sha256(codebook_path), "tables": {}}
    results = {}
    for name, spec in tables.items():
        source_path = (folder / str(spec.get("source", {}).get("file", ""))).resolve()
        frame, table_record = apply_codebook_table(read_source(folder, spec.get("source")), spec, name)
        table_record["source"] = {"file": str(spec["source"]["file"]), "sha256": file_sha256(source_path)}
        results[name] = frame
        record["tables"][name] = table_record
    for name, frame in results.items():  # write only when every table imported
        frame.to_parquet(out_dir / f"{name}.parquet", index=False)
    (out_dir / "import_record.json").write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    return record
