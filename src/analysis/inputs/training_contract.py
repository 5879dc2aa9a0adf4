"""Contract of the training-impact data (study 2): reps, rep-period panel, training records, costs.

Defined once here and documented in ``data/README.md``. :func:`load_training_data`
checks every file and reports every problem at once, naming the file, the column,
the lines (header = line 1) and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.inputs.readers import DataContractError, read_table

#: Panel measures: column -> (kind, lower bound, upper bound). All optional except revenue.
PANEL_MEASURES = {
    "meetings": ("count", 0, None),
    "calls": ("count", 0, None),
    "pipeline": ("amount", 0, None),
    "opportunities": ("count", 0, None),
    "wins": ("count", 0, None),
    "win_rate": ("share", 0, 1),
    "revenue": ("amount", 0, None),
    "avg_deal_size": ("amount", 0, None),
    "cycle_days": ("amount", 0, None),
    "coaching_sessions": ("count", 0, None),
    "call_score": ("score", 0, 100),
}
REQUIRED = {
    "reps": ("rep_id", "training_start"),
    "panel": ("rep_id", "period", "revenue"),
    "reactions": ("rep_id", "rating", "relevance", "intent_to_apply"),
    "assessments": ("rep_id", "score_before", "score_after"),
    "costs": ("item", "amount"),
}
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_QUARTER = re.compile(r"^\d{4}-?Q[1-4]$", re.IGNORECASE)


class TrainingDataError(DataContractError):
    """Training data break the contract; the message lists every problem found."""


def _lines(mask: pd.Series) -> str:
    lines = [int(i) + 2 for i in mask[mask].index[:5]]
    more = int(mask.sum()) - len(lines)
    return ", ".join(map(str, lines)) + (f" and {more} more" if more > 0 else "")


def parse_periods(values: pd.Series) -> tuple[pd.Series, str | None]:
    """Parse period labels: ``2025-03`` (month), ``2025-Q1``/``2025Q1`` (quarter) or dates (month).

    Returns
    -------
    (Series, str or None)
        Normalised labels (``2025-03`` or ``2025Q1``) and an error message or None.
    """
    text = values.astype("string").str.strip()
    present = text.dropna()
    if present.empty:
        return text, None
    if present.str.match(_MONTH).all():
        parsed = pd.PeriodIndex(present, freq="M")
    elif present.str.match(_QUARTER).all():
        parsed = pd.PeriodIndex(present.str.replace("-", "", regex=False).str.upper(), freq="Q")
    else:
        dates = pd.to_datetime(present, errors="coerce", format="ISO8601")
        if dates.isna().any():
            bad = present[dates.isna()].unique()[:3].tolist()
            lines = ", ".join(str(int(i) + 2) for i in present.index[dates.isna().to_numpy()][:5])
            kinds = sorted({"month (2025-03)" if _MONTH.match(v) else "quarter (2025-Q1)" if _QUARTER.match(v) else "date"
                            for v in present.unique()[:50]})
            return text, (f"unreadable period(s) {bad} on lines {lines}" + (f"; the column mixes formats ({', '.join(kinds)})" if len(kinds) > 1 else "")
                          + "; use one format: 2025-03 (month), 2025-Q1 (quarter) or an ISO date")
        parsed = pd.PeriodIndex(dates, freq="M")
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    out[present.index] = parsed.astype(str)
    return out, None


def check_regular(periods: pd.Series, source: str) -> str | None:
    """A message if the sorted periods have a gap (a period missing for everyone)."""
    labels = sorted(periods.dropna().unique())
    if len(labels) < 2:
        return None
    index = pd.PeriodIndex(labels, freq="Q" if "Q" in labels[0] else "M")
    expected = pd.period_range(index.min(), index.max(), freq=index.freq)
    missing = expected.difference(index)
    if len(missing):
        return f"{source}: column period skips {', '.join(map(str, missing[:5]))}; periods must be regular (no gaps)."
    return None


def _read(path: Path, name: str, problems: list[str]) -> pd.DataFrame | None:
    try:
        frame = read_table(path, dtype={"rep_id": "string"})
    except DataContractError as error:
        problems.append(f"{error} ({name})")
        return None
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        problems.append(f"{path.name}: missing column(s) {', '.join(missing)} ({name}; see data/README.md).")
        return None
    if frame.empty:
        problems.append(f"{path.name}: the file has a header but no data rows.")
        return None
    return frame


def _numeric(frame: pd.DataFrame, column: str, source: str, problems: list[str], low=None, high=None, integer=False) -> None:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        sample = raw[bad].astype(str).unique()[:3].tolist()
        hint = " (remove thousands separators)" if any("," in s for s in sample) else ""
        problems.append(f"{source}: column {column} is not numeric on lines {_lines(bad)}: {sample}{hint}.")
        return
    out = (values < low) if low is not None else pd.Series(False, index=values.index)
    if high is not None:
        out |= values > high
    if out.any():
        bounds = f"{low if low is not None else '-inf'} to {high if high is not None else 'inf'}"
        problems.append(f"{source}: column {column} is outside {bounds} on lines {_lines(out)}.")
    if integer and ((values.dropna() % 1) != 0).any():
        problems.append(f"{source}: column {column} must hold whole numbers.")
    frame[column] = values


def load_training_data(
    *,
    reps_path: str | Path,
    panel_path: str | Path,
    reactions_path: str | Path | None = None,
    assessments_path: str | Path | None = None,
    costs_path: str | Path | None = None,
) -> dict[str, pd.DataFrame]:
    """Read and check one client's training-impact files.

    Returns
    -------
    dict of DataFrame
        ``reps`` and ``panel`` (and the optional tables given), with numeric
        columns converted and periods normalised (``training_start`` and
        ``period`` share the same labels).

    Raises
    ------
    TrainingDataError
        Listing every problem: missing files or columns, non-numeric values, values
        out of range, duplicate keys, panel reps missing from the reps table,
        unreadable or irregular periods, training starts outside the panel.
    """
    problems: list[str] = []
    paths = {"reps": reps_path, "panel": panel_path, "reactions": reactions_path,
             "assessments": assessments_path, "costs": costs_path}
    tables = {name: _read(Path(path), name, problems) for name, path in paths.items() if path is not None}
    reps, panel = tables.get("reps"), tables.get("panel")
    if reps is not None:
        source = Path(reps_path).name
        dup = reps["rep_id"].duplicated(keep=False) | reps["rep_id"].isna()
        if dup.any():
            problems.append(f"{source}: column rep_id is duplicated or empty on lines {_lines(dup)}; one row per rep.")
        reps["training_start"], error = parse_periods(reps["training_start"])
        if error:
            problems.append(f"{source}: column training_start: {error}.")
    if panel is not None:
        source = Path(panel_path).name
        panel["period"], error = parse_periods(panel["period"])
        if error:
            problems.append(f"{source}: column period: {error}.")
        else:
            gap = check_regular(panel["period"], source)
            if gap:
                problems.append(gap)
        dup = panel.duplicated(["rep_id", "period"], keep=False)
        if dup.any():
            problems.append(f"{source}: duplicate rep-period rows on lines {_lines(dup)}; one row per rep and period.")
        for column, (kind, low, high) in PANEL_MEASURES.items():
            if column in panel:
                _numeric(panel, column, source, problems, low, high, integer=kind == "count")
        if reps is not None:
            unknown = ~panel["rep_id"].isin(reps["rep_id"])
            if unknown.any():
                ids = panel.loc[unknown, "rep_id"].unique()[:5].tolist()
                problems.append(f"{source}: rep(s) {ids} on lines {_lines(unknown)} are not in {Path(reps_path).name}; "
                                "add them to the reps table.")
            if not error:
                starts = reps["training_start"]
                outside = starts.notna() & ~starts.isin(set(panel["period"].dropna()))
                if outside.any():
                    problems.append(f"{Path(reps_path).name}: column training_start has period(s) "
                                    f"{starts[outside].unique()[:3].tolist()} outside the panel on lines {_lines(outside)}.")
    if tables.get("reactions") is not None:
        for column in REQUIRED["reactions"][1:]:
            _numeric(tables["reactions"], column, Path(reactions_path).name, problems, 1, 5, integer=True)
    if tables.get("assessments") is not None:
        for column in REQUIRED["assessments"][1:]:
            _numeric(tables["assessments"], column, Path(assessments_path).name, problems, 0, 100)
    if tables.get("costs") is not None:
        _numeric(tables["costs"], "amount", Path(costs_path).name, problems, 0, None)
    if problems:
        raise TrainingDataError("\n".join(["The training data do not match the contract:", *problems]))
    return tables


def training_panel(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The panel joined with the reps table, plus ``trained`` (1 from the first training period on)."""
    panel = tables["panel"].merge(tables["reps"], on="rep_id", how="left", validate="many_to_one")
    panel["trained"] = (panel["training_start"].notna() & (panel["period"] >= panel["training_start"])).astype(float)
    return panel


def load_cross_section(path: str | Path, *, columns: list[str], unit: str = "rep_id") -> pd.DataFrame:
    """Read a one-row-per-rep table and check the unit id and the numeric columns named.

    Raises
    ------
    TrainingDataError
        Listing every problem (missing file or columns, duplicate ids, non-numeric values).
    """
    problems: list[str] = []
    path = Path(path)
    try:
        frame = read_table(path, dtype={unit: "string"})
    except DataContractError as error:
        raise TrainingDataError(str(error)) from None
    missing = [c for c in [unit, *columns] if c not in frame.columns]
    if missing:
        raise TrainingDataError(f"{path.name}: missing column(s) {', '.join(missing)}.")
    dup = frame[unit].duplicated(keep=False) | frame[unit].isna()
    if dup.any():
        problems.append(f"{path.name}: column {unit} is duplicated or empty on lines {_lines(dup)}; one row per rep.")
    for column in columns:
        _numeric(frame, column, path.name, problems)
    if problems:
        raise TrainingDataError("\n".join(["The cross-section does not match the contract:", *problems]))
    return frame
