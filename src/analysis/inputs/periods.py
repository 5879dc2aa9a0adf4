"""Period labels in time order: one rule for the estimators, the KPI checks and validate.

Labels come as numbers, dates, pandas Periods or text ("2025-03", "2025-Q1",
"Jan 2025", "10"). Sorting text alphabetically would put "Feb" before "Jan" and
"10" before "9", so every comparison of periods goes through :func:`time_order`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analysis.inputs.errors import DataError

# zero-padded labels whose text order is time order
_SORTABLE_LABEL = r"\d{4}-\d{2}(-\d{2})?|\d{4}-?Q[1-4]"


def time_order(labels, *, error: type[DataError] = DataError) -> pd.Index:
    """The distinct period labels in time order.

    Numbers, dates and pandas Periods sort as they are; text labels sort as numbers
    (``"1"``, ``"2"``, ``"10"``), as zero-padded ``2025-03`` / ``2025-Q1`` labels, or as
    the dates they spell (``"Jan 2025"``). Text that is none of these is an ``error``,
    because sorting it alphabetically would put ``"Feb"`` before ``"Jan"``.
    """
    index = pd.Index(pd.unique(pd.Series(labels).dropna()))
    if not (pd.api.types.is_object_dtype(index.dtype) or pd.api.types.is_string_dtype(index.dtype)):
        return index.sort_values()
    text = pd.Series(index.astype(str))
    numbers = pd.to_numeric(text, errors="coerce")
    if numbers.notna().all():
        return index[np.argsort(numbers.to_numpy(), kind="stable")]
    if text.str.fullmatch(_SORTABLE_LABEL).all():
        return index.sort_values()
    with warnings.catch_warnings():
        # "could not infer format": expected, each label is parsed on its own
        warnings.filterwarnings("ignore", message=".*infer format.*", category=UserWarning)
        dates = pd.to_datetime(text, errors="coerce", format="mixed")
    if dates.notna().all():
        return index[np.argsort(dates.to_numpy(), kind="stable")]
    raise error(
        f"period labels such as {text[dates.isna()].tolist()[:3]} cannot be put in time order; use "
        "numbers, dates, or labels like 2025-03 (month) or 2025-Q1 (quarter)."
    )


def period_index(times: pd.Series, *, error: type[DataError] = DataError) -> pd.Series:
    """Map period labels to 0, 1, 2, ... in time order (see :func:`time_order`)."""
    order = time_order(times, error=error)
    return pd.Series(order.get_indexer(pd.Index(times)), index=times.index, dtype="int64").where(
        times.notna()
    )
