"""Study contracts as pandera schemas, and readable messages from their failures.

One definition per table serves loading (the loaders validate with it), validation
(``workbench validate``) and the documentation (:func:`schema_markdown` writes the
tables in ``data/README.md``; a test keeps them in step).

:func:`failures` turns pandera's failure cases into messages that name the file, the
column, the lines (header = line 1; the first five, then a count), the bad values, what
was expected, and a suggestion where one is obvious (a near-miss level name).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import pandas as pd
import pandera.pandas as pa

from analysis.contracts import numbers
from analysis.contracts.readers import file_lines

__all__ = [
    "TRUE_FALSE",
    "boolean",
    "failures",
    "formatted_number_hint",
    "levels",
    "number",
    "schema_markdown",
    "validate",
]

TRUE_FALSE = ("true", "false", "yes", "no", "1", "0")


def formatted_number_hint(sample: list[str]) -> str:
    """Advice for numbers written as text, in the locale the values show (never a guess)."""
    parts = [numbers.split_number(v) for v in sample]
    if not parts or any(p is None for p in parts):
        return ""
    marks = {numbers.decimal_evidence(p["core"]) for p in parts if p}
    locale = " with decimal commas" if "," in marks else ""
    return (
        f" (numbers written as text{locale}, such as {sample[0]!r}: describe the file in codebook.yml and "
        "run `workbench import`, which reads currency, thousands separators and decimal commas and asks "
        "when a value could be read two ways)"
    )


def levels(
    values: Iterable[str], *, required: bool = True, description: str = "", shown: str = ""
) -> pa.Column:
    """Return a text column restricted to ``values`` (matched after trimming and lower-casing).

    ``shown`` replaces the list of ``values`` in messages (e.g. "View 1 or View 2" for
    several accepted spellings).
    """
    return pa.Column(
        str,
        pa.Check.isin(list(values)),
        nullable=not required,
        required=required,
        description=description or f"one of: {', '.join(values)}",
        metadata={"levels": list(values), "shown": shown},
    )


def boolean(description: str, *, required: bool = True) -> pa.Column:
    """Return a true/false text column (the spellings of :data:`TRUE_FALSE`).

    Parameters
    ----------
    description : str
        What the column holds, for data/README.md and messages.
    required : bool, default True
        Whether a file must have the column.

    Returns
    -------
    pandera.Column
        The column's schema.
    """
    return pa.Column(
        str,
        pa.Check.isin(list(TRUE_FALSE)),
        nullable=False,
        required=required,
        description=description,
        metadata={"levels": list(TRUE_FALSE), "boolean": True},
    )


def number(
    low: float | None = None,
    high: float | None = None,
    *,
    required: bool = True,
    nullable: bool = True,
    whole: bool = False,
    description: str = "",
) -> pa.Column:
    """Return a numeric column, coerced to float, optionally bounded and whole.

    Parameters
    ----------
    low, high : float, optional
        Inclusive bounds; either may be left open.
    required : bool, default True
        Whether a file must have the column.
    nullable : bool, default True
        Whether a value may be missing.
    whole : bool, default False
        Whether every value must be a whole number (a count).
    description : str, default ""
        What the column holds, for data/README.md and messages.

    Returns
    -------
    pandera.Column
        The column's schema.
    """
    checks = []
    if low is not None and high is not None:
        checks.append(pa.Check.in_range(low, high))
    elif low is not None:
        checks.append(pa.Check.ge(low))
    if whole:
        checks.append(
            pa.Check(lambda s: s.dropna() % 1 == 0, element_wise=False, name="whole_number")
        )
    return pa.Column(
        float,
        checks,
        coerce=True,
        required=required,
        nullable=nullable,
        description=description,
        metadata={"low": low, "high": high},
    )


def failures(error: pa.errors.SchemaErrors, schema: pa.DataFrameSchema, source: str) -> list[str]:
    """Readable messages, one per column and kind of failure.

    Parameters
    ----------
    error : pandera.errors.SchemaErrors
        The lazy validation's failures.
    schema : pandera.DataFrameSchema
        The contract, whose column metadata give levels and bounds for the messages.
    source : str
        How the messages name the file (the raw file the user has open).

    Returns
    -------
    list of str
        One message per missing-column set and per column and kind of failure, each
        naming the file lines and the fix.
    """
    cases = error.failure_cases
    messages = []
    missing = (
        cases.loc[cases["check"] == "column_in_dataframe", "failure_case"].astype(str).tolist()
    )
    if missing:
        messages.append(
            f"{source}: missing column(s) {', '.join(missing)}; add them (see data/README.md)."
        )
    for column, part in cases[cases["column"].notna()].groupby("column", sort=False):
        spec = schema.columns.get(column)
        meta = (spec.metadata or {}) if spec is not None else {}
        messages += _column_messages(f"{source}: column {column}", str(column), part, meta)
    return messages


def _column_messages(where: str, column: str, part: pd.DataFrame, meta: dict) -> list[str]:
    """Return the messages for one column's failure cases (``where`` names file and column)."""
    checks = part["check"].astype(str)
    messages = []
    if checks.str.contains("not_nullable").any():
        rows = part.loc[checks.str.contains("not_nullable"), "index"]
        messages.append(f"{where} is empty on lines {file_lines(rows)}.")
    if checks.eq("field_uniqueness").any():
        rows = part.loc[checks.eq("field_uniqueness"), "index"]
        messages.append(
            f"{where} has duplicated values on lines {file_lines(rows)}; "
            f"each row needs its own {column}."
        )
    isin = checks.str.startswith("isin")
    if isin.any():
        messages.append(_unknown_values(where, column, part[isin], meta))
        if meta.get("boolean"):
            return messages
    coerce = checks.str.startswith("coerce_dtype") | checks.str.startswith("dtype")
    if coerce.any():
        rows = part.loc[coerce, "index"]
        sample = sorted(set(part.loc[coerce, "failure_case"].astype(str)))[:3]
        hint = formatted_number_hint(sample)
        messages.append(f"{where} is not numeric on lines {file_lines(rows)}: {sample}{hint}.")
        return messages
    messages += _out_of_bounds(where, part, checks, meta)
    if checks.eq("whole_number").any():
        messages.append(f"{where} must hold whole numbers.")
    return messages


def _unknown_values(where: str, column: str, part: pd.DataFrame, meta: dict) -> str:
    """Return the message for values outside a column's levels, with a did-you-mean hint."""
    rows = part["index"]
    values = sorted(set(part["failure_case"].astype(str)))
    if meta.get("boolean"):
        return f"{where} must be true/false; bad values {values[:5]} on lines {file_lines(rows)}."
    allowed = meta.get("levels", [])
    hints = []
    for value in values if not meta.get("shown") else []:
        close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.75)
        if close:
            hints.append(f" Did you mean {close[0]!r} for {value!r}?")
    if column == "effectiveness" and all(re.fullmatch(r"[1-4]", v) for v in values):
        hints.append(" It looks coded 1-4: map 1-4 to the labels in order (1 = not effective).")
    shown = ", ".join(map(repr, values[:5]))
    return (
        f"{where} has unknown value(s) {shown} on lines {file_lines(rows)}; "
        f"allowed: {meta.get('shown') or ', '.join(allowed)}.{''.join(hints)}"
    )


def _out_of_bounds(where: str, part: pd.DataFrame, checks: pd.Series, meta: dict) -> list[str]:
    """Return the messages for values at or beyond a column's bounds."""
    messages = []
    strict = checks.str.match(r"greater_than\(")
    if strict.any():
        found = re.search(r"\((.*)\)", checks[strict].iloc[0])
        bound = found.group(1) if found else "the bound"
        messages.append(
            f"{where} must be greater than {bound}; bad on lines "
            f"{file_lines(part.loc[strict, 'index'])}."
        )
    ranged = checks.str.startswith(("in_range", "greater_than_or_equal", "less_than"))
    if ranged.any():
        low, high = meta.get("low"), meta.get("high")
        bounds = f"{low if low is not None else '-inf'} to {high if high is not None else 'inf'}"
        fix = (
            ": correct the sign, or net a refund or credit against the row it reverses"
            if low == 0 and high is None
            else ""
        )
        messages.append(
            f"{where} is outside {bounds} on lines {file_lines(part.loc[ranged, 'index'])}{fix}."
        )
    return messages


def validate(
    frame: pd.DataFrame, schema: pa.DataFrameSchema, source: str
) -> tuple[pd.DataFrame | None, list[str]]:
    """Validate ``frame`` lazily; return (validated frame or None, messages)."""
    try:
        return schema.validate(frame, lazy=True), []
    except pa.errors.SchemaErrors as error:
        return None, failures(error, schema, source)


def schema_markdown(schema: pa.DataFrameSchema) -> str:
    """Return the schema as a Markdown table (column, required, description) for data/README.md."""
    rows = ["| column | required | contents |", "| --- | --- | --- |"]
    for name, column in schema.columns.items():
        rows.append(
            f"| `{name}` | {'yes' if column.required else 'optional'} | {column.description or ''} |"
        )
    return "\n".join(rows)
