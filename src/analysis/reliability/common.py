"""What the reliability coefficients share.

The result object, the tidy columns and the checks of item and rating columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from analysis.core.errors import DataError
from analysis.core.results import TidyResult

__all__ = ["COLUMNS", "MissingItems", "ReliabilityResult"]


MissingItems = Literal["listwise", "pairwise"]

#: The columns every table of this module starts with (the workbench's tidy shape plus ``k``).
COLUMNS = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n", "k"]


@dataclass
class ReliabilityResult(TidyResult):
    """A table of reliability coefficients with their intervals.

    Attributes
    ----------
    table : DataFrame
        ``term, estimate, std_error, conf_low, conf_high, p_value, n, k`` and, for
        some methods, further columns (see the function that made it).
    title : str
        The caption: what was estimated, on how many rows.
    conf_level : float
        Confidence level of ``conf_low`` and ``conf_high``.
    mean_squares : dict of str to float
        The analysis-of-variance mean squares behind an ICC (empty for alpha).
    notes : list of str
        What was done to the data on the way (rows left out, negative coefficients).
    """

    table: pd.DataFrame
    title: str
    conf_level: float
    mean_squares: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        """Return a copy of the table: one row per coefficient."""
        return self.table.copy()

    def caption(self) -> str:
        """Return the result's title."""
        return self.title


# ------------------------------------------------------------------ checking the data


def _shown(labels: Sequence[object], limit: int = 5) -> str:
    """Up to ``limit`` labels joined by commas, then how many more there are."""
    labels = list(labels)
    text = ", ".join(map(str, labels[:limit]))
    return text + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _require(data: pd.DataFrame, columns: Sequence[str], role: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise DataError(
            f"{role} column(s) {absent} not found in the data; the columns are "
            f"{_shown(list(data.columns), 12)}. Check the spelling or rename the column.",
            column=str(absent[0]),
        )


def _as_numbers(values: pd.Series, column: str, role: str) -> pd.Series:
    """``values`` as floats, or a :class:`DataError` naming the entries that are not numbers."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if isinstance(values.dtype, pd.CategoricalDtype):
        if pd.api.types.is_numeric_dtype(values.cat.categories):
            return values.astype(float)
        values = values.astype(object)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() & values.notna()
    if not bad.any():
        return converted.astype(float)
    examples = list(dict.fromkeys(values[bad].astype(str)))
    raise DataError(
        f"{role} column {column!r} holds text, not scores: {_shown([repr(e) for e in examples], 4)} "
        f"(rows {_shown(list(values.index[bad]))}). Turn each answer into its number first, e.g. "
        f"data[{column!r}] = data[{column!r}].map({{'Disagree': 1, 'Neutral': 2, 'Agree': 3}}), "
        "and leave unanswered items empty (NaN).",
        column=column,
    )


def _item_frame(data: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """Return the item columns as floats, checked: at least two distinct, existing, numeric items."""
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise TypeError(
            f"items must be a list of column names, e.g. items=['q1', 'q2', 'q3'], not {items!r}."
        )
    items = list(items)
    repeated = [c for c in dict.fromkeys(items) if items.count(c) > 1]
    if repeated:
        raise DataError(
            f"item column(s) {repeated} are listed more than once in items; list each item once.",
            column=str(repeated[0]),
        )
    if len(items) < 2:
        raise DataError(
            f"Reliability needs at least 2 items; items={items} has {len(items)}. "
            "Pass every item of the scale, e.g. items=['q1', 'q2', 'q3'].",
            column=str(items[0]) if items else None,
        )
    _require(data, items, "item")
    return pd.DataFrame({c: _as_numbers(data[c], c, "item") for c in items}, index=data.index)


def _check_varies(frame: pd.DataFrame, where: str) -> None:
    """Raise for an item that has the same value for every respondent in ``frame``."""
    for column in frame.columns:
        answered = frame[column].dropna()
        if answered.nunique() < 2:
            value = answered.iloc[0] if len(answered) else "no answer"
            raise DataError(
                f"item column {column!r} has the same value ({value}) for every respondent "
                f"{where}: it cannot tell respondents apart, so it adds nothing to a reliability "
                "coefficient. Drop it from items (or check that the right column was read).",
                column=str(column),
            )


# ------------------------------------------------------------------ Cronbach's alpha
