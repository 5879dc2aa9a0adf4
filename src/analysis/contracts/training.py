"""Contract of the training-impact data (study 2): reps, rep-period panel, training records, costs.

Defined once here and documented in ``data/README.md``. :func:`load_training_data`
checks every file and reports every problem at once, naming the file, the column,
the lines (header = line 1) and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa

from analysis.contracts.periods import parse_periods
from analysis.contracts.quality import (
    cross_column_problems,
    fractional_ids,
    non_finite,
    numbers_as_periods,
)
from analysis.contracts.readers import DataContractError, file_lines, read_table, source_name

__all__ = [
    "MEASURE_UNITS",
    "PANEL_MEASURES",
    "REQUIRED",
    "TrainingDataError",
    "check_regular",
    "duplicate_rows_message",
    "load_costs",
    "load_cross_section",
    "load_training_data",
    "training_panel",
    "training_schemas",
]

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
#: The unit of each known panel measure, as an outcome: ROI needs money.
MEASURE_UNITS = {
    "meetings": "count",
    "calls": "count",
    "pipeline": "money",
    "opportunities": "count",
    "wins": "count",
    "win_rate": "rate",
    "revenue": "money",
    "avg_deal_size": "money",
    "cycle_days": "number",
    "coaching_sessions": "count",
    "call_score": "score",
}
REQUIRED = {
    "reps": ("rep_id", "training_start"),
    "panel": ("rep_id", "period"),  # the outcome (revenue by default) is checked by the study
    "reactions": ("rep_id", "rating", "relevance", "intent_to_apply"),
    "assessments": ("rep_id", "score_before", "score_after"),
    "costs": ("item", "amount"),
}


class TrainingDataError(DataContractError):
    """Training data break the contract; the message lists every problem found."""


def check_regular(periods: pd.Series, source: str) -> str | None:
    """Return a message if the sorted periods have a gap (a period missing for everyone)."""
    labels = sorted(periods.dropna().unique())
    if len(labels) < 2:
        return None
    index = pd.PeriodIndex(labels, freq="Q" if "Q" in labels[0] else "M")
    expected = pd.period_range(index.min(), index.max(), freq=index.freq)
    missing = expected.difference(index)
    if len(missing):
        return f"{source}: column period skips {', '.join(map(str, missing[:5]))}; periods must be regular (no gaps)."
    return None


def duplicate_rows_message(raw: pd.Series, dup: pd.Series, source: str) -> str:
    """Return the duplicate rep-period message, naming weekly or daily dates when those caused it."""
    dates = pd.to_datetime(raw[dup].astype("string").str.strip(), errors="coerce", format="ISO8601")
    within = dates.dropna()
    if within.nunique() > within.dt.to_period("M").nunique():
        gaps = within.drop_duplicates().sort_values().diff().dt.days.dropna()
        step = int(gaps.mode().iloc[0]) if len(gaps) else 0
        kind = "weekly" if step == 7 else "daily" if step == 1 else f"every {step} days"
        shown = ", ".join(sorted(within.dt.strftime("%Y-%m-%d").unique())[:3])
        return (
            f"{source}: column period holds dates less than a month apart ({kind}: {shown}, ...), but the "
            f"panel is monthly, so several rows fall in one rep-month (lines {file_lines(dup)}). Add the "
            "weeks up to months first (sum counts and money, average rates and scores), one row per rep and month."
        )
    return (
        f"{source}: columns rep_id, period: duplicate rep-period rows on lines {file_lines(dup)}; "
        "one row per rep and period."
    )


def _starts_outside(starts: pd.Series, periods: pd.Series, source: str) -> list[str]:
    """Training starts the panel cannot place: another frequency, before or after the panel."""
    labels = sorted(periods.dropna().unique())
    outside = (starts.notna() & ~starts.isin(set(labels))).fillna(False).astype(bool)
    if not outside.any() or not labels:
        return []
    quarterly, monthly = starts[outside].str.contains("Q").all(), "Q" not in labels[0]
    if quarterly and monthly:
        return [
            (
                f"{source}: column training_start gives quarters ({', '.join(starts[outside].unique()[:3])}) on "
                f"lines {file_lines(outside)}, but the panel is monthly: give the month each rep started "
                "training (e.g. 2025-04), so that months before and after it are told apart."
            )
        ]
    before = outside & (starts < labels[0]).fillna(False).astype(bool)
    after = outside & (starts > labels[-1]).fillna(False).astype(bool)
    problems = []
    if before.any():
        problems.append(
            f"{source}: column training_start: {int(before.sum())} rep(s) trained before the data begin "
            f"(e.g. {starts[before].iloc[0]}; the panel starts {labels[0]}) on lines {file_lines(before)}. "
            "They have no untrained months to compare with: ask for the panel from before their training, "
            "or, if they should count as never trained in this window, remove their start and say so in the report."
        )
    if after.any():
        problems.append(
            f"{source}: column training_start: {int(after.sum())} rep(s) start after the panel ends "
            f"({labels[-1]}; e.g. {starts[after].iloc[0]}) on lines {file_lines(after)}: leave their start "
            "blank (not yet trained in this window), or send the later months."
        )
    other = outside & ~before & ~after
    if other.any():
        problems.append(
            f"{source}: column training_start has period(s) {starts[other].unique()[:3].tolist()} that are not "
            f"periods of the panel on lines {file_lines(other)}."
        )
    return problems


#: Largest cost amount accepted: beyond it a figure is a parsing or unit slip.
LARGEST_COST = 1e15


def _stored_as_numbers(path: Path) -> set[str]:
    """Columns an imported (Parquet) table stores as fractional numbers; none for a CSV."""
    if path.suffix.lower() != ".parquet":
        return set()
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException):
        return set()  # read_table names the problem
    return {field.name for field in schema if pa.types.is_floating(field.type)}


def _plausible(tables: dict, paths: Mapping, problems: list[str]) -> set[str]:
    """Find implausible values across the training tables.

    Ids with fractions, periods saved as numbers, costs that are not finite or beyond
    :data:`LARGEST_COST`. Returns the period columns already named (``table.column``).
    """
    named = set()
    for name, frame in tables.items():
        if frame is None:
            continue
        path = Path(str(paths[name]))
        source, stored = source_name(str(path)), _stored_as_numbers(path)
        if "rep_id" in frame and (
            message := fractional_ids(frame["rep_id"], column="rep_id", source=source)
        ):
            problems.append(message)
        for column in ("period", "training_start"):
            if column in frame and (
                message := numbers_as_periods(
                    frame[column], column=column, source=source, numeric=column in stored
                )
            ):
                problems.append(message)
                named.add(f"{name}.{column}")
    costs = tables.get("costs")
    if costs is not None:
        problems += _cost_amounts(costs, source_name(str(paths["costs"])))
    return named


def _cost_amounts(costs: pd.DataFrame, source: str) -> list[str]:
    amounts = pd.to_numeric(costs["amount"], errors="coerce")
    message = non_finite(amounts, column="amount", source=source)
    if message:
        return [message]
    huge = amounts.abs() > LARGEST_COST
    if huge.any():
        message = (
            f"{source}: column amount holds {amounts[huge].iloc[0]:.3g} on "
            f"line{'s' if int(huge.sum()) > 1 else ''} "
            f"{file_lines(huge)}: beyond ±{LARGEST_COST:.0e}, which no programme costs; check "
            "the raw file's units and number format."
        )
        return [message]
    negative = amounts < 0
    if negative.any() and amounts.sum() <= 0:  # all zero: ROI is left out, with its reason
        return [
            (
                f"{source}: column amount sums to {amounts.sum():,.2f}: the negative line(s) on "
                f"{file_lines(negative)} (funding or refunds) outweigh the costs, so the programme "
                "has no net cost and ROI is undefined; check their signs in the raw file."
            )
        ]
    return []


def _read(path: Path, name: str, problems: list[str]) -> pd.DataFrame | None:
    try:
        # period labels are text: read as numbers, 2025.10 would become 2025.1 (January)
        frame = read_table(
            path,
            dtype=dict.fromkeys(("rep_id", "period", "training_start", "item"), "string"),
        )
    except DataContractError as error:
        problems.append(f"{error} ({name})")
        return None
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        problems.append(
            f"{source_name(path)}: missing column(s) {', '.join(missing)} ({name}; see data/README.md)."
        )
        return None
    if frame.empty:
        problems.append(f"{source_name(path)}: the file has a header but no data rows.")
        return None
    return frame


def training_schemas() -> dict[str, pa.DataFrameSchema]:
    """Return the study-2 contract, one pandera schema per file (relations between files are checked in the loader)."""
    import pandera.pandas as pa

    from analysis.contracts.schemas import number

    return {
        "reps": pa.DataFrameSchema(
            {
                "rep_id": pa.Column(str, unique=True, nullable=False, description="unique rep id"),
                "training_start": pa.Column(
                    str, nullable=True, description="first training period (empty = never trained)"
                ),
            },
            strict=False,
        ),
        "panel": _panel_schema(),
        "reactions": pa.DataFrameSchema(
            {
                "rep_id": pa.Column(str, nullable=False, description="trained rep"),
                **{
                    c: number(1, 5, whole=True, nullable=False, description="rating 1-5")
                    for c in ("rating", "relevance", "intent_to_apply")
                },
            },
            strict=False,
        ),
        "assessments": pa.DataFrameSchema(
            {
                "rep_id": pa.Column(
                    str, nullable=False, unique=True, description="trained rep, once"
                ),
                **{
                    c: number(0, 100, nullable=False, description="assessment score 0-100")
                    for c in ("score_before", "score_after")
                },
            },
            strict=False,
        ),
        "costs": pa.DataFrameSchema(
            {
                "item": pa.Column(str, nullable=False, description="cost item"),
                "amount": number(
                    nullable=False,
                    description=(
                        "amount; include participants' time; a negative line (funding received, "
                        "a refund) is netted, and the total must be above 0"
                    ),
                ),
            },
            strict=False,
        ),
    }


#: What each panel measure counts, for the contract's column descriptions.
_DESCRIPTIONS = {
    "meetings": "meetings held",
    "calls": "calls made",
    "pipeline": "pipeline value",
    "opportunities": "opportunities created",
    "wins": "deals won",
    "win_rate": "wins / opportunities",
    "revenue": "revenue (the default outcome; another column can be the outcome)",
    "avg_deal_size": "revenue per win",
    "cycle_days": "average sales-cycle length in days",
    "coaching_sessions": "coaching sessions received",
    "call_score": "call-review score (behaviour)",
}


def _panel_schema() -> pa.DataFrameSchema:
    """Return the panel's schema: rep, period and every optional measure with its bounds."""
    import pandera.pandas as pa

    from analysis.contracts.schemas import number

    columns = {
        "rep_id": pa.Column(str, nullable=False, description="rep id; must be in the reps table"),
        "period": pa.Column(
            str,
            nullable=False,
            description=(
                "2025-03, 03.2025 or Jan 2025 (month), 2025-Q1 or Q1 2025 (quarter), or a date (ISO or "
                "31.01.2025); one way in a column; regular, no gaps"
            ),
        ),
        **{
            name: number(
                low,
                high,
                whole=kind == "count",
                required=False,
                description=f"{_DESCRIPTIONS[name]}; {low if low is not None else '-inf'} "
                f"to {high if high is not None else 'inf'}"
                + (", whole number" if kind == "count" else ""),
            )
            for name, (kind, low, high) in PANEL_MEASURES.items()
        },
    }
    return pa.DataFrameSchema(columns, strict=False)


def load_training_data(
    *,
    reps_path: str | Path,
    panel_path: str | Path,
    reactions_path: str | Path | None = None,
    assessments_path: str | Path | None = None,
    costs_path: str | Path | None = None,
) -> dict[str, pd.DataFrame | None]:
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
    paths = {
        "reps": reps_path,
        "panel": panel_path,
        "reactions": reactions_path,
        "assessments": assessments_path,
        "costs": costs_path,
    }
    tables = _validated_tables(paths, problems)
    named = _plausible(tables, paths, problems)
    reps, panel = tables.get("reps"), tables.get("panel")
    starts_error = None
    if reps is not None:
        source = source_name(reps_path)
        reps["training_start"], starts_error = parse_periods(reps["training_start"])
        if starts_error and "reps.training_start" not in named:
            problems.append(f"{source}: column training_start: {starts_error}.")
    if panel is not None:
        problems += _panel_problems(panel, reps, panel_path, reps_path, named, starts_error)
    if problems:
        raise TrainingDataError(
            "\n".join(["The training data do not match the contract:", *problems])
        )
    return tables


def _validated_tables(paths: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """Read each given file and check it against its schema, ids and periods as text.

    Parameters
    ----------
    paths : dict
        Table name -> path (None when not given).
    problems : list of str
        Receives what does not match the contract.

    Returns
    -------
    dict
        Table name -> the validated table (the table as read where validation failed,
        None where it could not be read).
    """
    from analysis.contracts.schemas import validate

    tables = {
        name: _read(Path(path), name, problems) for name, path in paths.items() if path is not None
    }
    schemas = training_schemas()
    for name, frame in list(tables.items()):
        if frame is None:
            continue
        text_columns = [c for c in ("rep_id", "period", "training_start", "item") if c in frame]
        frame[text_columns] = frame[text_columns].astype("string")
        validated, messages = validate(frame, schemas[name], source_name(str(paths[name])))
        problems += messages
        tables[name] = validated if validated is not None else frame
    return tables


def _panel_problems(
    panel: pd.DataFrame,
    reps: pd.DataFrame | None,
    panel_path: Any,
    reps_path: Any,
    named: Any,
    starts_error: str | None,
) -> list[str]:
    """Return the panel's problems: periods, gaps, duplicate rep-periods, unknown reps, starts.

    The panel's periods are parsed in place.

    Parameters
    ----------
    panel : DataFrame
        The validated panel.
    reps : DataFrame, optional
        The validated reps, their training starts parsed.
    panel_path, reps_path : path
        The files, named in the messages.
    named : collection of str
        The ``table.column`` already named by the plausibility checks.
    starts_error : str, optional
        Why the reps' training starts could not be read.

    Returns
    -------
    list of str
        One message per problem, naming the file, column and lines.
    """
    problems: list[str] = []
    source = source_name(panel_path)
    raw_periods = panel["period"].copy()
    panel["period"], error = parse_periods(panel["period"])
    if error and "panel.period" not in named:
        problems.append(f"{source}: column period: {error}.")
    else:
        gap = check_regular(panel["period"], source)
        if gap:
            problems.append(gap)
    dup = panel.duplicated(["rep_id", "period"], keep=False)
    if dup.any():
        problems.append(duplicate_rows_message(raw_periods, dup, source))
    problems += cross_column_problems(panel, source)
    if reps is not None:
        unknown = ~panel["rep_id"].isin(reps["rep_id"])
        if unknown.any():
            ids = panel.loc[unknown, "rep_id"].unique()[:5].tolist()
            problems.append(
                f"{source}: column rep_id: rep(s) {ids} on lines {file_lines(unknown)} "
                f"are not in {source_name(reps_path)}; "
                + _unknown_ids_fix(panel.loc[unknown, "rep_id"], reps["rep_id"])
            )
        if not error and not (
            reps is not None and starts_error
        ):  # unread labels compare with nothing
            problems += _starts_outside(
                reps["training_start"], panel["period"], source_name(reps_path)
            )
    return problems


def _unknown_ids_fix(unknown: pd.Series, known: pd.Series) -> str:
    """Return the fix for rep ids missing from the reps table; a case difference is named as such."""
    by_case = {str(v).casefold(): str(v) for v in known.dropna()}
    same = {
        str(v): by_case[str(v).casefold()]
        for v in unknown.dropna().unique()
        if str(v).casefold() in by_case
    }
    if not same:
        return "add them to the reps table."
    pairs = ", ".join(f"{a!r} / {b!r}" for a, b in list(same.items())[:3])
    rest = "; add the others to the reps table." if len(same) < unknown.nunique() else "."
    return (
        f"{len(same)} of them {'differs' if len(same) == 1 else 'differ'} from an id there only in "
        f"upper/lower case ({pairs}): write "
        f"the ids the same way in both files (or add case: {{rep_id: upper}} to both tables in "
        f"codebook.yml){rest}"
    )


def load_costs(path: str | Path) -> pd.DataFrame:
    """Read and check a costs file on its own (the cross-section design has no reps table).

    Raises
    ------
    TrainingDataError
        Missing file or columns, amounts that are not numbers (naming the lines) or negative.
    """
    from analysis.contracts.schemas import validate

    problems: list[str] = []
    frame = _read(Path(path), "costs", problems)
    if frame is not None:
        frame["item"] = frame["item"].astype("string")
        validated, messages = validate(frame, training_schemas()["costs"], source_name(path))
        problems += messages or _cost_amounts(frame, source_name(path))
        frame = validated
    if problems or frame is None:
        raise TrainingDataError(["The costs do not match the contract:", *problems])
    return frame


def training_panel(tables: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Return the panel joined with the reps table, plus ``trained`` (1 from the first training period on)."""
    panel_table, reps = tables["panel"], tables["reps"]
    # required files, checked on loading
    assert panel_table is not None
    assert reps is not None
    panel = panel_table.merge(reps, on="rep_id", how="left", validate="many_to_one")
    panel["trained"] = (
        panel["training_start"].notna() & (panel["period"] >= panel["training_start"])
    ).astype(float)
    return panel


def load_cross_section(
    path: str | Path, *, columns: list[str], unit: str = "rep_id"
) -> pd.DataFrame:
    """Read a one-row-per-rep table and check the unit id and the numeric columns named.

    Raises
    ------
    TrainingDataError
        Listing every problem (missing file or columns, duplicate ids, non-numeric values).
    """
    import pandera.pandas as pa

    from analysis.contracts.schemas import number, validate

    path = Path(path)
    try:
        frame = read_table(path, dtype={unit: "string"})
    except DataContractError as error:
        raise TrainingDataError(str(error)) from None
    schema = pa.DataFrameSchema(
        {
            unit: pa.Column(str, unique=True, nullable=False, description="unique rep id"),
            **{column: number(description="numeric") for column in columns},
        },
        strict=False,
    )
    if unit in frame:
        frame[unit] = frame[unit].astype("string")
    validated, problems = validate(frame, schema, source_name(path))
    frame = validated if validated is not None else frame
    if problems:
        raise TrainingDataError(
            "\n".join(["The cross-section does not match the contract:", *problems])
        )
    return frame
