"""Panel helpers shared by the estimators: key and treatment checks, and lagged columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.contracts.columns import rows_text
from analysis.contracts.periods import period_index
from analysis.core.errors import DataError

__all__ = ["add_lags", "check_panel", "index_as_columns"]


def index_as_columns(data: pd.DataFrame, *names: str | None) -> pd.DataFrame:
    """Return ``data`` with those of ``names`` that are index levels (not columns) made columns.

    A panel indexed by (unit, time), as linearmodels expects, is read like a flat one.

    Parameters
    ----------
    data : DataFrame
        A frame, possibly indexed by some of ``names``.
    *names : str or None
        Column roles to look for among the index levels (None is skipped).

    Returns
    -------
    DataFrame
        ``data`` itself when no name is an index level, else a copy with those levels
        as columns.
    """
    levels = [
        c
        for c in dict.fromkeys(names)
        if c is not None and c not in data.columns and c in data.index.names
    ]
    return data.reset_index(level=levels) if levels else data


def add_lags(data: pd.DataFrame, column: str, *, unit: str, time: str, lags: int) -> pd.DataFrame:
    """Add ``<column>_lag1 ... _lagL``: the value ``k`` periods earlier for the same unit.

    Periods are ranked in time order; a lag is missing when the earlier period is
    absent for that unit (no silent shift across a gap).

    Parameters
    ----------
    data : DataFrame
        The panel.
    column : str
        The column to lag.
    unit, time : str
        Columns of the unit and the period.
    lags : int
        How many lags to add.

    Returns
    -------
    DataFrame
        A copy of ``data`` with the lag columns.
    """
    out = data.copy()
    position = period_index(out[time])
    lookup = pd.Series(
        out[column].to_numpy(), index=pd.MultiIndex.from_arrays([out[unit], position])
    )
    for k in range(1, lags + 1):
        keys = pd.MultiIndex.from_arrays([out[unit], position - k])
        out[f"{column}_lag{k}"] = lookup.reindex(keys).to_numpy()
    return out


def check_panel(
    frame: pd.DataFrame, *, treatment: str, unit: str, time: str, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Check a panel's keys and treatment; return integer codes of unit and period (no labels lost).

    Parameters
    ----------
    frame : DataFrame
        The panel.
    treatment, unit, time : str
        Columns of the treatment, the unit and the period.
    notes : list of str
        Receives a note when the treatment never varies within a unit.

    Returns
    -------
    (ndarray, ndarray)
        Integer codes of each row's unit and period.

    Raises
    ------
    EffectDataError
        When a unit or period is missing, or a unit-period appears twice.
    """
    if frame[unit].isna().any() or frame[time].isna().any():
        bad = frame[unit].isna() | frame[time].isna()
        raise DataError(
            f"unit {unit!r} or time {time!r} is missing on rows {rows_text(bad)}; every row needs both."
        )
    unit_codes = pd.factorize(frame[unit])[0].astype(np.int64)
    time_codes, time_levels = pd.factorize(frame[time])
    key = pd.Series(unit_codes * len(time_levels) + time_codes, index=frame.index)
    duplicated = key.duplicated(keep=False)  # one integer key per unit-period: fast on large panels
    if duplicated.any():
        example = frame.loc[duplicated, [unit, time]].iloc[0].tolist()
        raise DataError(
            f"duplicate {unit}-{time} rows: {int(duplicated.sum())} rows share a unit and period "
            f"(e.g. {example}) on rows {rows_text(duplicated)}. Aggregate to one row per unit and period."
        )
    if len(time_levels) < 2:
        raise DataError(
            f"only one period ({frame[time].iloc[0]!r}) in {time!r}: fixed effects need at least two periods. "
            "Use the cross-section estimator (no unit/time) for a single period."
        )
    values = frame[treatment].to_numpy(dtype=float)
    binary = bool(np.isin(values[~np.isnan(values)], (0.0, 1.0)).all())
    if not binary:
        return unit_codes, time_codes
    by_time = pd.Series(values).groupby(time_codes)
    if np.nanmin(values) != np.nanmax(values) and (by_time.min() == by_time.max()).all():
        raise DataError(
            f"{treatment!r} switches on for every unit in the same period, so the training effect cannot be "
            "separated from the period effects: two-way fixed effects, the event study and the staggered "
            "estimators all need untreated or not-yet-treated reps. Only a before/after comparison of the same "
            "reps remains (an interrupted time series), which attributes everything else that changed then to training."
        )
    ever = pd.Series(values).groupby(unit_codes).max()
    if (ever > 0).all():
        notes.append(
            "every unit is treated at some point (no never-treated reps): the effect is identified only from "
            "differences in timing, comparing with not-yet-treated reps."
        )
    return unit_codes, time_codes
