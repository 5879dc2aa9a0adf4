"""Checks on the columns an analysis is asked to use, shared by every method module.

One way to say that a column is missing, that it is not numeric, and which rows
were left out, so each estimator's messages read alike and name the fix.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.core.errors import DataError

__all__ = [
    "check_numeric",
    "check_weights",
    "is_constant",
    "missing_values_note",
    "require_columns",
    "rows_text",
]


def rows_text(mask: pd.Series, limit: int = 5) -> str:
    """Return the index labels where ``mask`` is true, e.g. ``"3, 7, 12 and 4 more"``."""
    index = mask[mask].index.tolist()
    shown = ", ".join(map(str, index[:limit]))
    return shown + (f" and {len(index) - limit} more" if len(index) > limit else "")


def require_columns(
    data: pd.DataFrame,
    columns: Iterable[str | None],
    *,
    source: str | None = None,
    error: type[DataError] = DataError,
) -> None:
    """Raise ``error`` naming every column of ``columns`` (``None`` skipped) absent from ``data``.

    Parameters
    ----------
    data : DataFrame
    columns : iterable of str or None
        The columns the analysis uses; ``None`` stands for an optional role not given.
    source : str, optional
        What ``data`` is (a file name), put first in the message.
    error : type
        The :class:`DataError` subclass to raise.
    """
    missing = [c for c in dict.fromkeys(columns) if c is not None and c not in data.columns]
    if missing:
        prefix = f"{source}: " if source else ""
        raise error(
            f"{prefix}column(s) {', '.join(map(repr, missing))} not found; available: "
            f"{', '.join(map(str, data.columns))}.",
            file=source,
            column=missing[0],
        )


def is_constant(values: pd.Series) -> bool:
    """Return True when every value is the same (numeric values; numpy min/max, fast on large panels)."""
    array = values.to_numpy(dtype=float)
    return bool(array.min() == array.max())


def missing_values_note(incomplete: pd.DataFrame, reasons: dict[str, str] | None = None) -> str:
    """``"N of M rows were left out for missing values (k in column, ...)"`` from a ``DataFrame.isna()`` table.

    ``reasons`` adds why a column is missing (e.g. a lag before a unit's first period).
    """
    counts = incomplete.sum()
    reasons = reasons or {}
    detail = ", ".join(
        f"{counts[c]} in {c}" + (f", {reasons[c]}" if c in reasons else "")
        for c in counts.index
        if counts[c]
    )
    left_out = int(incomplete.any(axis=1).sum())
    return f"{left_out} of {len(incomplete)} rows were left out for missing values ({detail})."


def check_numeric(
    data: pd.DataFrame, column: str, role: str, *, error: type[DataError] = DataError
) -> pd.Series:
    """``data[column]`` as floats, or ``error`` naming the values and rows that are not numbers.

    Booleans and numeric categoricals are converted; numbers stored as text are
    converted when every entry parses. The advice depends on what the column holds:
    numbers with separators, mostly numbers with a few labels, or labels (for which
    dummy columns are suggested).
    """
    values = data[column]
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if isinstance(values.dtype, pd.CategoricalDtype):
        if pd.api.types.is_numeric_dtype(values.cat.categories):
            return values.astype(float)
        raise error(
            f"{role} column {column!r} is categorical (levels {list(values.cat.categories[:4])}...): "
            "regressions here take numbers. For a categorical control, pass its dummy columns, e.g. "
            f"pd.get_dummies(data[{column!r}], drop_first=True, dtype=float).",
            column=column,
        )
    if not pd.api.types.is_numeric_dtype(values):
        converted = pd.to_numeric(values, errors="coerce")
        bad = converted.isna() & values.notna()
        if not bad.any():  # numbers stored as text (e.g. read with dtype=str)
            return converted.astype(float)
        if values[bad].astype(str).str.fullmatch(r"\s*[-+]?[\d.,\s]*\d[\d.,\s]*").all():
            advice = (
                "Numbers written as text (separators, currency or decimal commas): convert the column "
                "with analysis.contracts.numbers.parse_numbers, which reads the decimal mark from the values "
                "and refuses to guess, or import the file through a codebook."
            )
        elif converted.notna().mean() >= 0.5:
            advice = "Mostly numbers: fix those entries, or leave a missing value empty (not 'n/a' or '-')."
        else:
            advice = (
                "It holds labels, not numbers: for a categorical control pass its dummy columns, e.g. "
                f"pd.get_dummies(data[{column!r}], drop_first=True, dtype=float)."
            )
        raise error(
            f"{role} column {column!r} must be numeric but has dtype {values.dtype}; "
            f"non-numeric values such as {values[bad].astype(str).unique()[:3].tolist()} on rows "
            f"{rows_text(bad)}. " + advice,
            column=column,
        )
    return values.astype(float)


def check_weights(
    data: pd.DataFrame, column: str, *, error: type[DataError] = DataError
) -> pd.Series:
    """``data[column]`` as positive finite floats, or ``error`` naming the rows that are not.

    Sampling or population weights say how many people a row stands for, so zero,
    negative, blank and infinite weights are refused rather than dropped: dropping
    them would silently change the population the estimate describes.
    """
    values = check_numeric(data, column, "weight", error=error)
    bad = values.isna() | ~values.between(0, float("inf"), inclusive="neither")
    if bad.any():
        raise error(
            f"weight column {column!r} must hold positive numbers; {int(bad.sum())} row(s) do not "
            f"(rows {rows_text(bad)}). Drop those rows or fix their weights.",
            column=column,
        )
    return values
