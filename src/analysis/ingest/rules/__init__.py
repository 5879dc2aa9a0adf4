"""The rules of one codebook table, applied in order (see :mod:`analysis.ingest.codebook`).

:func:`apply_codebook_table` drops rows, renames, normalises case, splits multi-selects,
reads per-option flags, then (on the columns ``keep`` keeps only) maps values, reads
dates and periods, reads numbers written as text, adds row ids and keeps the columns.
Each step is a function of its own, so that a message names the rule that failed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.contracts.numbers import (
    column_evidence,
    looks_formatted,
    looks_numeric,
    parse_numbers,
)
from analysis.contracts.readers import SOURCE_ROW
from analysis.contracts.training import PANEL_MEASURES
from analysis.ingest.read.sources import (
    CodebookError,
    likely_date_formats,
    read_dates,
    split_answers,
)
from analysis.ingest.rules import drops
from analysis.ingest.rules.aggregate import aggregate_rows
from analysis.ingest.rules.checks import check_table_spec
from analysis.ingest.rules.money import check_declared_currency, has_rates, read_money
from analysis.ingest.rules.units import check_units, read_named_periods

__all__ = ["apply_codebook_table"]

#: A column held only while the rules run: each raw row's hash over every raw column.
_RAW = "__raw_row__"
#: The numeric columns of each contract table: imported as numbers, never as text.
NUMERIC_COLUMNS = {
    "panel": frozenset(PANEL_MEASURES),
    "costs": frozenset({"amount"}),
    "reactions": frozenset({"rating", "relevance", "intent_to_apply"}),
    "assessments": frozenset({"score_before", "score_after"}),
    "survey": frozenset({"weight"}),
}


def apply_codebook_table(frame: pd.DataFrame, spec: dict, name: str) -> tuple[pd.DataFrame, dict]:
    """Apply one table's rules (drop rows, rename, values, multi-select, dates, keep).

    ``frame``'s index holds the source's line (or sheet row) numbers, as
    :func:`analysis.ingest.read.sources.read_source` sets it, so that messages point at the
    rows to fix. Only the columns ``keep`` keeps (with those ``rename`` maps) are read
    as numbers: a column left out can never stop the import.

    Returns
    -------
    (DataFrame, dict)
        The mapped table and a record of what each rule did (rows dropped, values
        mapped, numbers read, units).
    """
    check_table_spec(spec, name)
    record: dict = {"rows_in": len(frame), "dropped": []}
    # each raw row's fingerprint over every raw column, before any rule changes a cell
    fingerprint = pd.util.hash_pandas_object(frame.astype("string"), index=False)
    frame = frame.assign(**{_RAW: fingerprint.to_numpy()})
    for step in (_drop_rows, _rename, _declared_currencies, _multi_select, _flags):
        frame = step(frame, spec, name, record)
    kept = _kept(spec, frame)
    for step in (_values, _dates):
        frame = step(frame, spec, name, record)
    frame = _numbers(frame, spec, name, record, kept)
    frame = _contract_numbers(frame, spec, name, kept)
    percent = {c for c, info in (record.get("numbers") or {}).items() if info.get("percent")}
    frame = _raw_copies(frame, spec, name, record)
    frame = aggregate_rows(frame, spec, name, record, kept, percent)
    frame = _ids_and_keep(frame, spec, name, record, kept)
    record["units"] = check_units(spec.get("units"), f"codebook table {name}")
    record["rows_out"] = len(frame)
    frame = frame.assign(**{SOURCE_ROW: [int(i) for i in frame.index]})
    return frame.reset_index(drop=True), record


def _drop_rows(frame: pd.DataFrame, spec: dict, name: str, record: dict) -> pd.DataFrame:
    """Rows that are not data: test, preview, unfinished or bot responses, blank key answers
    (:mod:`analysis.ingest.rules.drops`), and rows outside the values a column must hold
    (``keep_rows``: a roster's reps, not its managers)."""
    decimal = (spec.get("source") or {}).get("decimal")
    raw = frame
    frame, entries = drops.drop_rows(
        frame, spec.get("drop_rows", []) or [], f"codebook table {name}", decimal
    )
    for entry in entries:  # what the report may print of the rule (never a personal value)
        entry.update(drops.column_facts(raw, spec, entry["rule"]["column"]))
    record["dropped"] += entries
    for column, values in (spec.get("keep_rows") or {}).items():  # e.g. reps, not managers
        if column not in frame.columns:
            raise CodebookError(
                f"codebook table {name}: keep_rows column {column!r} is not in the source."
            )
        kept = {str(v).strip() for v in values}
        text = frame[column].astype("string").str.strip()
        mask = ~text.isin(kept).fillna(False)
        record["dropped"].append(
            {
                "rule": {"column": column, "keep": [str(v) for v in values]},
                "rows": int(mask.sum()),
                **drops.column_facts(raw, spec, column),
            }
        )
        frame = frame[~mask.to_numpy()]
    return frame


def _rename(frame: pd.DataFrame, spec: dict, name: str, record: dict) -> pd.DataFrame:
    """Raw names to contract names; ids in one case."""
    rename = spec.get("rename", {}) or {}
    missing = [c for c in rename if c not in frame.columns]
    if missing:
        raise CodebookError(
            f"codebook table {name}: rename names source column(s) {missing} that the file lacks; "
            f"the file has {', '.join(map(str, frame.columns.drop(_RAW, errors='ignore')[:12]))}..."
        )
    frame = frame.rename(columns=rename)
    for column, how in (spec.get("case") or {}).items():  # ids written KF-001 and kf-001
        if column not in frame.columns:
            raise CodebookError(
                f"codebook table {name}: case names column {column!r}, which it lacks."
            )
        text = frame[column].astype("string").str.strip()
        frame[column] = text.str.upper() if how == "upper" else text.str.lower()
    return frame


def _declared_currencies(frame: pd.DataFrame, spec: dict, name: str, record: dict) -> pd.DataFrame:
    """Amounts whose sign (``£``, ``€``, ``EUR``) contradicts the currency ``units`` declares.

    A column whose ``numbers`` entry converts currencies is checked by
    :func:`analysis.ingest.rules.money.read_money` instead.
    """
    units: dict = spec["units"] if isinstance(spec.get("units"), dict) else {}
    numbers: dict = spec["numbers"] if isinstance(spec.get("numbers"), dict) else {}
    raw = {str(v): str(k) for k, v in (spec.get("rename") or {}).items()}
    for column, unit in units.items():
        declared = unit.get("currency") if isinstance(unit, dict) else None
        if not declared or column not in frame.columns or has_rates(numbers.get(column)):
            continue
        shown = f"{raw[column]!r} ({column})" if column in raw else repr(column)
        check_declared_currency(
            frame[column],
            str(declared),
            column=shown,
            where=f"codebook table {name}",
            declared_in=f"units.{column}",
            several=(
                f"a column in several currencies needs numbers.{column}: {{currency: "
                f"{declared}, rates: {{<other>: <{declared} per unit>}}}}"
            ),
        )
    return frame


def _multi_select(frame: pd.DataFrame, spec: dict, name: str, record: dict) -> pd.DataFrame:
    """One delimited column to one true/false column per option (two options may share one)."""
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
        made: set[str] = set()
        for option, target in mapping["options"].items():  # two options may name one column
            ticked = chosen.map(lambda choices, o=option: o in [c.strip() for c in choices])
            frame[target] = (frame[target] | ticked) if target in made else ticked
            made.add(target)
        frame = frame.drop(columns=column)
    return frame


def _flags(frame: pd.DataFrame, spec: dict, name: str, record: dict) -> pd.DataFrame:
    """Per-option columns: any answer is true, a blank is false."""
    for column, target in (spec.get("flags", {}) or {}).items():
        if column not in frame.columns:
            raise CodebookError(
                f"codebook table {name}: flags column {column!r} is not in the source."
            )
        text = frame[column].astype("string").str.strip()
        frame[target] = (text.notna() & (text != "") & (text != "0")).astype(bool)
        if target != column:
            frame = frame.drop(columns=column)
    return frame


def _values(frame: pd.DataFrame, spec: dict, name: str, record: dict) -> pd.DataFrame:
    """Source values to contract values."""
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
    return frame


def _dates(frame: pd.DataFrame, spec: dict, name: str, record: dict) -> pd.DataFrame:
    """Dates and periods in their declared format, stored as months (or quarters)."""
    for column, fmt in (spec.get("dates", {}) or {}).items():
        if column not in frame.columns:
            raise CodebookError(
                f"codebook table {name}: dates given for column {column!r}, which is not in the table."
            )
        if isinstance(fmt, dict):
            frame = _named_dates(frame, column, fmt, name, record)
            continue
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
    return frame


def _numbers(
    frame: pd.DataFrame, spec: dict, name: str, record: dict, kept: list[str] | None
) -> pd.DataFrame:
    """Numbers written as text, in the kept columns only."""
    source = spec.get("source") or {}
    declared, text_columns = _number_rules(spec, name)
    numeric = _numeric_columns(frame, spec, declared, text_columns, kept)
    marks = (
        set().union(*(column_evidence(frame[c], strong=True) for c in numeric))
        if numeric
        else set()
    )
    fallback = source.get("decimal") or (marks.pop() if len(marks) == 1 else None)
    for column in numeric:
        _read_number_column(frame, column, spec, name, record, fallback)
    absent = [c for c in declared if c not in frame.columns]
    if absent:
        raise CodebookError(
            f"codebook table {name}: numbers names column(s) {absent} that the table lacks."
        )
    return frame


def _number_rules(spec: dict, name: str) -> tuple[dict, list]:
    """The table's ``numbers:`` mapping and ``text:`` list, checked for their shape.

    Raises
    ------
    CodebookError
        ``numbers`` is not a mapping or ``text`` is not a list.
    """
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
    return declared, text_columns


def _numeric_columns(
    frame: pd.DataFrame, spec: dict, declared: dict, text_columns: list, kept: list[str] | None
) -> list[str]:
    """The columns to read as numbers: those declared, and kept text columns that look numeric.

    Columns with ``values``, ``dates`` or ``text`` rules are left alone unless declared.
    """
    skip = set(spec.get("values", {}) or {}) | set(spec.get("dates", {}) or {}) | set(text_columns)
    return [
        c
        for c in frame.columns
        if c in declared
        or (
            c not in skip
            and (kept is None or c in kept)  # a column not kept is never read as a number
            and frame[c].dtype == object
            and looks_numeric(frame[c])
        )
    ]


def _read_number_column(
    frame: pd.DataFrame, column: str, spec: dict, name: str, record: dict, fallback: str | None
) -> None:
    """Read one column's numbers in place (money at stated rates, or plain numbers).

    What was read is noted under ``record["numbers"][column]``; a column that is already
    plain numbers in text and not declared is left as it is.

    Raises
    ------
    CodebookError
        A decimal mark other than ``.`` or ``,``, or values that are not numbers.
    """
    source = spec.get("source") or {}
    where = str(source.get("file", name))
    declared = spec.get("numbers", {}) or {}
    options = declared.get(column) or {}
    decimal = options.get("decimal", source.get("decimal"))
    if decimal not in (None, ".", ","):
        raise CodebookError(f"codebook table {name}: decimal for {column!r} must be '.' or ','.")
    if has_rates(options):  # one money column in several currencies, at the client's rates
        frame[column], info = read_money(
            frame[column],
            options,
            column=column,
            where=where,
            decimal=decimal,
            fallback=fallback,
        )
        record.setdefault("numbers", {})[column] = info
        return
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


def _contract_numbers(
    frame: pd.DataFrame, spec: dict, name: str, kept: list[str] | None
) -> pd.DataFrame:
    """Counts, money and scores written as plain text (``3``, ``12.5``) as numbers.

    The columns are the contract's numeric columns of the table (:data:`NUMERIC_COLUMNS`)
    and those ``units`` gives a unit, among the kept ones; ``imported/`` then holds what
    the reports read. Whole numbers without a blank are stored as integers. A value that
    is not a number stops the import naming its lines.
    """
    units: dict = spec["units"] if isinstance(spec.get("units"), dict) else {}
    wanted = NUMERIC_COLUMNS.get(name, frozenset()) | set(units)
    raw = {str(v): str(k) for k, v in (spec.get("rename") or {}).items()}
    for column in [c for c in frame.columns if c in wanted and (kept is None or c in kept)]:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or not (
            values.dtype == object or pd.api.types.is_string_dtype(values)
        ):
            continue
        text = values.astype("string").str.strip()
        numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = (numbers.isna() & text.notna() & (text != "")).to_numpy()
        if bad.any():
            shown = f"{raw[column]!r} ({column})" if column in raw else repr(column)
            lines = ", ".join(map(str, frame.index[bad][:5]))
            more = f" and {int(bad.sum()) - 5} more" if bad.sum() > 5 else ""
            raise CodebookError(
                f"codebook table {name}: column {shown} is a number in the study, but "
                f"{int(bad.sum())} value(s) are not numbers on line(s) {lines}{more} (e.g. "
                f"{str(text[bad].iloc[0])!r}); correct them in the raw file (leave a cell blank "
                "where the number is unknown), or map the column to another role."
            )
        whole = numbers.notna().all() and bool((numbers % 1 == 0).all())
        frame = frame.assign(**{column: numbers.astype("int64" if whole else "float64").to_numpy()})
    return frame


def _ids_and_keep(
    frame: pd.DataFrame, spec: dict, name: str, record: dict, kept: list[str] | None
) -> pd.DataFrame:
    """Row ids for tools without response ids, identical rows, and the kept columns."""
    if spec.get("row_ids"):  # a survey tool that gives no response id (Google Forms)
        column = str(spec["row_ids"])
        if column in frame.columns:
            raise CodebookError(
                f"codebook table {name}: row_ids names {column!r}, which the table already has."
            )
        frame = _identical_rows(
            frame, spec.get("identical_rows", "error"), name, record, answers=kept
        )
        frame.insert(0, column, [f"row-{i}" for i in frame.index])
    if kept is not None:
        absent = [c for c in kept if c not in frame.columns]
        if absent:
            raise CodebookError(
                f"codebook table {name}: keep lists column(s) {absent} that the mapped table lacks."
            )
        frame = frame[kept]
    text = [c for c in frame.columns if frame[c].dtype == object or frame[c].dtype == "string"]
    return frame.assign(  # 'R017 ' is R017, as the reports read it
        **{c: frame[c].map(lambda v: v.strip() if isinstance(v, str) else v) for c in text}
    )


def _raw_copies(frame: pd.DataFrame, spec: dict, name: str, record: dict) -> pd.DataFrame:
    """Rows that are copies of another row over every raw column, before any sum.

    ``identical_rows: drop`` keeps the first of each (their lines recorded); without a
    choice, an ``aggregate`` rule that would add a row to its own copy stops the import
    naming the lines: a row exported twice would be counted twice. ``keep`` (separate
    lines that happen to be alike) sums them. The fingerprint column is removed here.
    """
    raw = frame.pop(_RAW)
    if "row_ids" in spec or spec.get("identical_rows") == "keep":
        return frame  # with row_ids, compared over the answers kept (_ids_and_keep)
    copies = raw.duplicated(keep="first")
    if not copies.any():
        return frame
    if spec.get("identical_rows") == "drop":  # a row exported twice, asked for by name
        record["identical_rows_dropped"] = [int(i) for i in frame.index[copies.to_numpy()]]
        return frame[~copies.to_numpy()]
    if spec.get("aggregate") is None:
        return frame  # nothing is summed: the contract's key checks name any repeated key
    lines = frame.index.to_numpy()
    first = pd.Series(lines).groupby(raw.to_numpy()).transform("first").to_numpy()
    pairs = [f"{lines[p]} = {first[p]}" for p in np.flatnonzero(copies.to_numpy())[:5]]
    more = f" and {int(copies.sum()) - 5} more" if copies.sum() > 5 else ""
    raise CodebookError(
        f"codebook table {name}: aggregate would add up {int(copies.sum())} row(s) that are copies of another "
        f"row in every column of the raw file (lines {', '.join(pairs)}{more}; line = the line "
        "it copies), so a row exported twice would be counted twice. Add identical_rows: drop "
        "to the table if they are copies (the first of each is kept, the lines dropped are "
        "recorded), or identical_rows: keep if they are truly separate lines that belong in "
        "the sum."
    )


def _kept(spec: dict, frame: pd.DataFrame) -> list[str] | None:
    """The columns ``keep`` keeps (with every column ``rename`` maps), None without ``keep``."""
    keep = spec.get("keep")
    if keep is None:
        return None  # no keep rule: every column (an empty list keeps only what rename maps)
    renamed = [str(v) for v in (spec.get("rename") or {}).values() if v in frame.columns]
    extra = ([str(spec["row_ids"])] if spec.get("row_ids") else []) + renamed
    return list(keep) + [c for c in dict.fromkeys(extra) if c not in keep]


def _named_dates(
    frame: pd.DataFrame, column: str, rule: dict, name: str, record: dict
) -> pd.DataFrame:
    """A period column in a named format (:func:`analysis.ingest.rules.units.read_named_periods`)."""
    labels, drop = read_named_periods(frame[column], rule, f"codebook table {name}: dates.{column}")
    if drop.any():
        record["dropped"].append(
            {"rule": {"column": column, "special_periods": "drop"}, "rows": int(drop.sum())}
        )
        frame, labels = frame[~drop], labels[~drop]
    bad = labels.isna() & frame[column].notna()
    if bad.any():
        sample = frame.loc[bad, column].astype(str).unique()[:3].tolist()
        lines = ", ".join(map(str, frame.index[bad][:5]))
        raise CodebookError(
            f"codebook table {name}: column {column} has {int(bad.sum())} value(s) that format "
            f"{rule['format']} cannot read on rows {lines}, e.g. {sample}; correct them in the raw "
            "file, or give the format the whole column is written in."
        )
    frame = frame.copy()
    frame[column] = labels.astype("string")
    return frame


def _identical_rows(
    frame: pd.DataFrame,
    choice: str,
    name: str,
    record: dict,
    answers: list[str] | None = None,
) -> pd.DataFrame:
    """Responses identical in every kept column, before ``row_ids`` would make them distinct.

    A form submitted twice (the same answers seconds apart) would count as two
    respondents once each row gets its own id. The comparison is over the columns the
    table keeps (``answers``; every column without ``keep``), so a second timestamp or a
    dropped e-mail column does not hide a copy. ``identical_rows: error`` (the default)
    stops the import naming the raw rows; ``drop`` keeps the first of each set
    (recorded); ``keep`` keeps them all, for anonymous forms where two people may answer
    alike.
    """
    compared = frame[[c for c in answers if c in frame.columns]] if answers else frame
    copies = compared.duplicated(keep="first")
    if not copies.any() or choice == "keep":
        return frame
    if choice == "drop":
        record["identical_rows_dropped"] = [int(i) for i in frame.index[copies]]
        return frame[~copies]
    twins = compared.duplicated(keep=False)
    rows = ", ".join(str(i) for i in frame.index[twins][:6])
    more = f" and {int(twins.sum()) - 6} more" if twins.sum() > 6 else ""
    said = "every answer the table keeps" if answers else "every column"
    raise CodebookError(
        f"codebook table {name}: rows {rows}{more} are identical in {said} (a response "
        "submitted twice?), and row_ids would count each as another respondent. Delete the copies "
        "in the raw file, or add identical_rows: drop (keep the first of each) or identical_rows: "
        "keep (different people who answered alike) to the table in codebook.yml."
    )
