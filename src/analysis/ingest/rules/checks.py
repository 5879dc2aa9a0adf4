"""The shape of a codebook table, checked before anything is read.

:func:`check_table_name` keeps an output name a plain file name inside ``imported/``;
:func:`check_table_spec` refuses a rule that is unknown, of the wrong shape, or still a
``CHECK`` placeholder left by ``workbench draft-codebook``, naming the key and the fix.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from analysis.ingest import events
from analysis.ingest.read.sources import CodebookError
from analysis.ingest.rules.aggregate import check_aggregate
from analysis.ingest.rules.drops import check_drop_rule
from analysis.ingest.rules.money import check_money_rules
from analysis.ingest.rules.pseudonyms import check_rep_ids
from analysis.ingest.rules.units import check_named_format, check_units

__all__ = ["TABLE_KEYS", "check_table_name", "check_table_spec"]


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
    "keep_rows",
    "rename",
    "values",
    "multi_select",
    "flags",
    "dates",
    "numbers",
    "units",
    "text",
    "case",
    "row_ids",
    "identical_rows",
    "keep",
    # several rows per key summed into one (analysis.ingest.rules.aggregate)
    "aggregate",
    # built from event rows by analysis.ingest.events (a roster, deals, LMS completions)
    "match",
    "from_completions",
    "from_deals",
    # the reps of another table (the panel) that a list of the trained lacks, added untrained
    "add_reps_from",
    # a pseudonymous rep_id made from people's names (analysis.ingest.rules.pseudonyms)
    "rep_ids",
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
        ``{column, equals | blank | below | above}``, values or multi_select entries without their mapping,
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
        if "formats" in unknown:  # it belongs to the rule that reads the dates
            hints += ("; " if hints else "") + (
                "formats: goes inside match:, from_completions: or from_deals:, e.g. from_deals: "
                "{..., formats: {Close Date: '%d-%b-%Y'}}; a plain table reads dates with dates:"
            )
        raise CodebookError(
            f"{where}: unknown rule(s) {unknown} ({hints or 'not a codebook rule'}); a table takes "
            f"{', '.join(TABLE_KEYS)}. An unknown rule would be ignored, so the import stops."
        )
    if events.is_event_table(spec):
        events.check_event_rules(spec, name)
    check_rep_ids(spec, name)
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
        "dates": "a mapping of column -> date format such as '%m/%Y' or {format: excel_serial}",
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
        check_drop_rule(rule, where)
    keep_rows = spec.get("keep_rows")
    if keep_rows is not None and (
        not isinstance(keep_rows, dict)
        or not all(isinstance(v, list) and v for v in keep_rows.values())
    ):
        raise CodebookError(
            f"{where}: keep_rows maps a column to the values whose rows are kept, e.g. "
            "{Job Profile: [Account Executive, Senior Account Executive]}."
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
    check_units(spec.get("units"), where)
    if spec.get("aggregate") is not None:
        if events.is_event_table(spec):
            raise CodebookError(
                f"{where}: aggregate does not combine with match, from_deals or from_completions, "
                "which build their table from the rows themselves; use one or the other."
            )
        check_aggregate(spec["aggregate"], where)
    check_money_rules(spec, where)
    for column, fmt in (spec.get("dates") or {}).items():
        if isinstance(fmt, dict):
            check_named_format(fmt, f"{where}: dates.{column}")
            continue
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
