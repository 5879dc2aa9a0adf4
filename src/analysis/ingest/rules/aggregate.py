"""Several raw rows per key summed into one table row: the ``aggregate`` rule of a codebook table.

An ERP report has one row per rep, period and billing type (an invoice, a credit memo, a
cancellation); a training list has one row per rep and course registration. A study
needs one row per rep and period (the panel) or per rep (the reps table), so the rule
says how the rows of one key become one::

    aggregate:
      by: [rep_id, period]        # the key (contract names, after rename): one row per value pair
      sum: [revenue, wins]        # added up: money and counts (signed lines net out)
      same: [team]                # one value within a key (refused where a key has two)
      earliest: [training_start]  # the smallest value: the first period or date
      line_types:                 # optional: which kinds of row count
        column: FArt              # the raw (or renamed) column telling the rows apart
        include: [F2, G2, L2, S1] # only these count ... (or exclude: [...]: all but these)

The rule runs after the rows are dropped, renamed, their dates and numbers read, and
before ``keep``: every kept column must be the key or named under ``sum``, ``same`` or
``earliest`` (a column with no rule would otherwise take one row's value silently); a
column named there that the table lacks (a drafted suggestion left commented) is skipped
and listed in the import record. ``earliest`` takes numbers, dates, periods and ISO dates
as written; other date text must be read by ``dates`` first (``08/04/2024`` does not sort).
A column that is not additive is never summed: a unit ``rate`` or ``score`` (``units``),
a column read from percentages, or an average or share of the contract (``win_rate``,
``avg_deal_size``, ``cycle_days``, ``call_score``); the import stops naming it.
Blank cells of a summed column are skipped; a key whose cells are all blank stays blank.
Rows of a type not counted are left out, and the import record lists every type with
its rows and whether it counted. Each output row keeps the first raw line of its key
(messages point there).
"""

from __future__ import annotations

import pandas as pd

from analysis.contracts.training import MEASURE_UNITS
from analysis.ingest.read.sources import CodebookError

__all__ = ["AGGREGATE_KEYS", "NOT_ADDITIVE", "aggregate_rows", "check_aggregate"]

#: The keys the rule takes.
AGGREGATE_KEYS = ("by", "sum", "same", "earliest", "line_types")
_HOWS = ("sum", "same", "earliest")
#: Contract columns that are averages, shares or scores: a sum of them means nothing.
NOT_ADDITIVE = frozenset(
    {c for c, unit in MEASURE_UNITS.items() if unit in ("rate", "score")}
    | {"avg_deal_size", "cycle_days", "quota_attainment", "rating", "relevance"}
)
_EXAMPLE = "aggregate: {by: [rep_id, period], sum: [revenue]}"


def check_aggregate(rule, where: str) -> None:
    """Refuse an ``aggregate`` rule of the wrong shape, naming the key and its form.

    Raises
    ------
    CodebookError
        Not a mapping, an unknown key, ``by`` missing, a list that is not a list of
        column names, a column under two rules, ``line_types`` without its column or
        with both (or neither of) ``include`` and ``exclude``.
    """
    line = f"{where}: aggregate"
    if not isinstance(rule, dict):
        raise CodebookError(f"{line} must be a mapping such as {_EXAMPLE}.")
    unknown = sorted(str(k) for k in rule if k not in AGGREGATE_KEYS)
    if unknown:
        raise CodebookError(
            f"{line}: unknown key(s) {unknown}; aggregate takes {', '.join(AGGREGATE_KEYS)}."
        )
    for key in ("by", *_HOWS):
        value = rule.get(key)
        if value is None and key != "by":
            continue
        if not (isinstance(value, list) and value and all(isinstance(c, str) for c in value)):
            raise CodebookError(
                f"{line}.{key} must be a list of column names, e.g. {_EXAMPLE}; got {value!r}."
            )
    named: dict[str, str] = {}
    for key in ("by", *_HOWS):
        for column in rule.get(key) or []:
            if column in named:
                raise CodebookError(
                    f"{line}: column {column!r} is under both {named[column]} and {key}; "
                    "give each column one rule."
                )
            named[column] = key
    types = rule.get("line_types")
    if types is None:
        return
    if not isinstance(types, dict) or not isinstance(types.get("column"), str):
        raise CodebookError(
            f"{line}.line_types must name the column that tells the rows apart and the types "
            "that count, e.g. {column: Billing type, include: [F2, G2]}."
        )
    extra = sorted(str(k) for k in types if k not in ("column", "include", "exclude"))
    if extra:
        raise CodebookError(
            f"{line}.line_types: unknown key(s) {extra}; it takes column, include or exclude."
        )
    given = [k for k in ("include", "exclude") if k in types]
    if len(given) != 1:
        raise CodebookError(
            f"{line}.line_types needs exactly one of include (the types that count) or exclude "
            f"(the types left out), not {'both' if given else 'neither'}."
        )
    listed = types[given[0]]
    if not isinstance(listed, list) or not all(isinstance(v, str | int) for v in listed):
        raise CodebookError(
            f"{line}.line_types.{given[0]} must be a list of the column's values, e.g. [F2, G2]."
        )


def aggregate_rows(
    frame: pd.DataFrame,
    spec: dict,
    name: str,
    record: dict,
    kept: list[str] | None,
    percent: set[str] | frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Apply a table's ``aggregate`` rule (see the module docstring); a table without one
    is returned as it is.

    Parameters
    ----------
    frame : DataFrame
        The table after drop_rows, rename, dates and numbers, indexed by raw lines.
    spec : dict
        The codebook table.
    name : str
        The table's name, for messages.
    record : dict
        The table's import record; ``aggregate`` is added (rows in and out, keys with
        several rows, each line type's rows and whether it counted).
    kept : list of str or None
        The columns ``keep`` keeps (None: the columns the rule names).
    percent : set of str
        Columns whose numbers were read from percentages (never summed).

    Returns
    -------
    DataFrame
        One row per key, indexed by the first raw line of the key.

    Raises
    ------
    CodebookError
        A column the rule names that the table lacks, a kept column with no rule, a
        column that is not additive under ``sum``, text under ``sum``, a blank key, or
        two values of a ``same`` column within one key (each naming the file's lines).
    """
    rule = spec.get("aggregate")
    if rule is None:
        return frame
    where = f"{(spec.get('source') or {}).get('file', name)} (codebook table {name})"
    check_aggregate(rule, f"codebook table {name}")
    by = list(rule["by"])
    named = {c: how for how in _HOWS for c in rule.get(how) or []}
    absent = [c for c in by if c not in frame.columns]
    if absent:
        raise CodebookError(
            f"{where}: aggregate.by names column(s) {absent} that the table lacks; map them under "
            "rename (the rule uses the contract names) or take them out of the rule."
        )
    # a role the draft named before its CHECK was answered (a suggestion left commented)
    hows = {c: how for c, how in named.items() if c in frame.columns}
    loose = [c for c in kept or [] if c not in by and c not in hows]
    if loose:
        raise CodebookError(
            f"{where}: column(s) {loose} are kept but have no aggregate rule, so one row's value "
            "would stand for the key's; list each under sum (added up), same (one value per key) "
            "or earliest (the first), or take it out of keep."
        )
    _refuse_not_additive([c for c, h in hows.items() if h == "sum"], spec, where, percent)
    rows_in = len(frame)
    frame, types = _line_types(frame, rule.get("line_types"), where)
    _refuse_blank_keys(frame, by, where)
    summed = {c: _as_numbers(frame[c], c, where) for c, h in hows.items() if h == "sum"}
    frame = frame.assign(**summed)
    for column in (c for c, h in hows.items() if h == "earliest"):
        _refuse_unsorted(frame[column], column, where)
    _refuse_differing(frame, by, [c for c, h in hows.items() if h == "same"], where)
    keys = [frame[c] for c in by]
    parts: dict[str, pd.Series] = {}
    for column, how in hows.items():
        grouped = frame[column].groupby(keys, sort=False)
        parts[column] = (
            grouped.sum(min_count=1)
            if how == "sum"
            else grouped.first()
            if how == "same"
            else grouped.min()
        )
    lines = pd.Series(frame.index, index=frame.index).groupby(keys, sort=False)
    out = pd.DataFrame({"__line": lines.min(), **parts}).reset_index()
    out = out.set_index("__line")
    out.index.name = frame.index.name
    sizes = lines.size()
    record["aggregate"] = {
        "by": by,
        "rows_in": rows_in,
        "rows_counted": len(frame),
        "rows_out": len(out),
        "keys_with_several_rows": int((sizes > 1).sum()),
        **({"line_types": types} if types else {}),
        **({"not_in_table": [c for c in named if c not in hows]} if len(named) > len(hows) else {}),
    }
    return out[[*by, *hows]]


def _refuse_not_additive(columns: list[str], spec: dict, where: str, percent) -> None:
    units = spec.get("units") or {}
    for column in columns:
        unit = (units.get(column) or {}).get("unit") if isinstance(units, dict) else None
        why = (
            f"its unit is {unit}"
            if unit in ("rate", "score")
            else "its values are percentages"
            if column in percent
            else "it is an average, share or score"
            if column in NOT_ADDITIVE
            else ""
        )
        if why:
            raise CodebookError(
                f"{where}: aggregate.sum names column {column!r}, but {why}: a sum of it means "
                "nothing. Sum the parts it is made of instead (wins and opportunities, not the "
                "win rate), list it under same if it is one value per key, or take it out."
            )


def _line_types(frame: pd.DataFrame, types: dict | None, where: str) -> tuple[pd.DataFrame, dict]:
    """The rows of the types that count, and each type's rows and whether it counted."""
    if not types:
        return frame, {}
    column = types["column"]
    if column not in frame.columns:
        raise CodebookError(
            f"{where}: aggregate.line_types.column {column!r} is not a column of the file; "
            "name the column that tells the kinds of row apart (as the file writes it)."
        )
    text = frame[column].astype("string").str.strip().fillna("")
    include = "include" in types
    listed = {str(v).strip() for v in types["include" if include else "exclude"]}
    counts = listed.__contains__ if include else (lambda v: v not in listed)
    found = text.value_counts(sort=False)
    summary = {str(v): {"rows": int(n), "counted": bool(counts(str(v)))} for v, n in found.items()}
    mask = text.map(counts).astype(bool)
    return frame[mask.to_numpy()], summary


def _refuse_blank_keys(frame: pd.DataFrame, by: list[str], where: str) -> None:
    blank = frame[by].astype("string").apply(lambda c: c.str.strip().fillna("") == "").any(axis=1)
    if blank.any():
        lines = ", ".join(map(str, frame.index[blank.to_numpy()][:5]))
        raise CodebookError(
            f"{where}: {int(blank.sum())} row(s) have a blank {' or '.join(by)} (lines {lines}), "
            "so they belong to no key; fill them in the raw file or drop the rows (drop_rows)."
        )


def _as_numbers(values: pd.Series, column: str, where: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values) or not (
        pd.api.types.is_numeric_dtype(values) or values.dtype == object or values.dtype == "string"
    ):
        raise CodebookError(
            f"{where}: aggregate.sum names column {column!r}, which holds {values.dtype} values, "
            "not amounts or counts; list it under same or earliest instead."
        )
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna() & (values.astype("string").str.strip() != "")
    if bad.any():
        lines = ", ".join(map(str, values.index[bad.to_numpy()][:5]))
        sample = values[bad].astype(str).iloc[0]
        raise CodebookError(
            f"{where}: aggregate.sum: column {column!r} has values that are not numbers on "
            f"line(s) {lines} (e.g. {sample!r}); correct them in the raw file, or list the column "
            "under same if it is text."
        )
    return numbers


def _refuse_differing(frame: pd.DataFrame, by: list[str], same: list[str], where: str) -> None:
    for column in same:
        values = frame[column].astype("string")
        several = values.groupby([frame[c] for c in by], sort=False, dropna=False).transform(
            "nunique"
        )
        if (several > 1).any():
            lines = ", ".join(map(str, frame.index[(several > 1).to_numpy()][:6]))
            raise CodebookError(
                f"{where}: aggregate.same: column {column!r} has two or more values within one "
                f"{', '.join(by)} (lines {lines}); correct the raw file, or list the column "
                "under sum or earliest if that is what it means."
            )


_SORTABLE = r"\d{4}-(\d{2}(-\d{2}([ T].*)?)?|Q[1-4])"


def _refuse_unsorted(values: pd.Series, column: str, where: str) -> None:
    """``earliest`` of text: only periods and ISO dates sort as written (08/04/2024 does not)."""
    if not (values.dtype == object or values.dtype == "string"):
        return
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    bad = ~text.str.fullmatch(_SORTABLE)
    if bad.any():
        raise CodebookError(
            f"{where}: aggregate.earliest: column {column!r} holds {text[bad].iloc[0]!r} (line "
            f"{text.index[bad.to_numpy()][0]}), which does not sort as written; give the column's "
            f"format under dates (e.g. {column}: '%d/%m/%Y'), so that it is read as a month first."
        )
