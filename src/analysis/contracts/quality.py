"""Checks for data that read cleanly but would give a silently wrong number.

* :func:`cross_column_problems`: rules between columns of one row that a client's
  table must keep (wins cannot exceed opportunities);
* :func:`unit_changes`: a series that jumps by about 100x or 1000x from one period
  to the next and stays there, the mark of a report switching to thousands (or to
  cents) part-way through;
* :func:`near_duplicate_labels`: a rare team or region spelt like a common one;
* plausibility of what a column is said to hold: :func:`non_finite` (inf and -inf),
  :func:`dominant_value` (one row that outweighs all the others together),
  :func:`small_whole_money` (money that looks like a count of deals),
  :func:`share_outside` (a share beyond 0 to 1), :func:`numbers_as_periods` (months
  saved as numbers) and :func:`fractional_ids`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.contracts.readers import file_lines

__all__ = [
    "CROSS_COLUMN_RULES",
    "cross_column_problems",
    "dominant_value",
    "fractional_ids",
    "near_duplicate_labels",
    "non_finite",
    "numbers_as_periods",
    "share_outside",
    "small_whole_money",
    "unit_changes",
]

#: (smaller, larger, why): in every row, ``smaller <= larger`` where both are present.
CROSS_COLUMN_RULES = (
    ("wins", "opportunities", "a rep cannot win more deals than they had opportunities"),
    ("won_deals", "opportunities", "a rep cannot win more deals than they had opportunities"),
    ("conversions", "activities", "conversions come from activities"),
)


def cross_column_problems(frame: pd.DataFrame, source: str) -> list[str]:
    """Messages for rows that break :data:`CROSS_COLUMN_RULES`, naming the file's lines."""
    problems = []
    for smaller, larger, why in CROSS_COLUMN_RULES:
        if smaller not in frame or larger not in frame:
            continue
        low = pd.to_numeric(frame[smaller], errors="coerce")
        high = pd.to_numeric(frame[larger], errors="coerce")
        bad = low > high
        if bad.any():
            first = int(np.argmax(bad.to_numpy()))
            problems.append(
                f"{source}: column {smaller} exceeds {larger} on lines {file_lines(bad)} "
                f"(e.g. {low.iloc[first]:g} > {high.iloc[first]:g}); {why}. Check whether the two columns "
                "were swapped or come from different periods."
            )
    return problems


def _unit_word(factor: object) -> str:
    words = {100: "hundreds or cents", 1000: "thousands", 1_000_000: "millions"}
    return words.get(int(factor), f"{factor}x") if isinstance(factor, int | float) else str(factor)


def unit_changes(
    data: pd.DataFrame,
    *,
    column: str,
    unit: str = "rep_id",
    time: str = "period",
    by: str | None = None,
    source: str = "the panel",
    threshold: float = 30.0,
) -> list[str]:
    """Warnings for series that change level by a power of ten and stay there.

    A unit's positive values are compared on the log10 scale. A period counts as a
    change of unit when the step into it is at least ``threshold``-fold and the
    median of the unit's values from that period on differs from the median before
    it by at least the same factor; a single outlying month is not flagged. The
    factor is rounded to the nearest power of ten.

    Parameters
    ----------
    data : DataFrame
        One row per unit and period, indexed by the raw file's rows (0-based, as read).
    column, unit, time
        The value, the unit (rep) and the period columns; periods sort as text.
    by : str, optional
        A grouping (e.g. ``team``): units that shift in the same period by the same
        factor are reported together as that group.
    threshold : float
        The smallest fold change flagged (30 by default, between 10x and 100x).

    Returns
    -------
    list of str
        One warning per group, period and factor, naming the units, lines and factor.
    """
    if column not in data or unit not in data or time not in data:
        return []
    values = pd.to_numeric(data[column], errors="coerce")
    frame = pd.DataFrame(
        {
            "unit": data[unit],
            "time": data[time].astype(str),
            "log": np.log10(
                values.where((values > 0) & np.isfinite(values))
            ),  # inf: named elsewhere
        }
    ).dropna()
    frame["group"] = data.loc[frame.index, by].astype(str) if by and by in data else ""
    frame = frame.sort_values(["unit", "time"])
    frame["step"] = frame.groupby("unit")["log"].diff()
    limit = np.log10(threshold)
    found = []
    for position in np.flatnonzero(frame["step"].abs().to_numpy() >= limit):
        row = frame.iloc[position]
        series = frame[frame["unit"] == row["unit"]]
        before = series[series["time"] < row["time"]]["log"]
        after = series[series["time"] >= row["time"]]["log"]
        shift = after.median() - before.median()
        if abs(shift) >= limit and np.sign(shift) == np.sign(row["step"]):
            found.append(
                {
                    "unit": row["unit"],
                    "time": row["time"],
                    "group": row["group"],
                    "factor": 10 ** round(abs(shift)),
                    "up": shift > 0,
                    "line": frame.index[int(position)],
                    "before": 10 ** before.iloc[-1],
                    "after": 10 ** row["log"],
                }
            )
    if not found:
        return []
    table = pd.DataFrame(found)
    messages = []
    for (group, time_label, factor, up), part in table.groupby(
        ["group", "time", "factor", "up"], sort=True
    ):
        who = f"team {group}" if group else "rep(s)"
        reps = part["unit"].astype(str).tolist()
        first = part.iloc[0]
        messages.append(
            f"{source}: column {column} of {who} ({len(reps)} rep(s): {', '.join(reps[:4])}"
            f"{' ...' if len(reps) > 4 else ''}) {'rises' if up else 'falls'} about {factor:,}x from {time_label} "
            f"and stays there (e.g. {first['unit']}: {first['before']:,.4g} -> {first['after']:,.4g}, lines "
            f"{file_lines(part['line'])}): a likely change of unit ({_unit_word(factor)}). Put the whole series "
            "in one unit; until then the effect mixes the two."
        )
    return messages


def near_duplicate_labels(
    frame: pd.DataFrame,
    *,
    column: str,
    per: str,
    source: str,
    max_rare: int = 2,
    noun: str = "rep(s)",
) -> list[str]:
    """Warn about a label that looks like a misspelling of a common one ("Nroth" next to "North").

    Labels that differ only in upper/lower case ("Pharma", "pharma") are always named:
    they would be counted as two levels. A level held by at most ``max_rare`` values of
    ``per`` (reps) whose spelling is close to that of a level with at least three times
    as many (difflib ratio >= 0.75, ignoring case) is named with its lines: it would be
    reported as a segment of its own. A warning, not an error: a small team with a
    similar name is possible.
    """
    import difflib

    if column not in frame or per not in frame:
        return []
    labels = frame[column].dropna().astype(str)
    sizes = frame.loc[labels.index].groupby(labels)[per].nunique()
    messages = []
    by_case: dict[str, list[str]] = {}
    for level in sizes.index:
        by_case.setdefault(str(level).casefold(), []).append(str(level))
    for spellings in by_case.values():
        if len(spellings) > 1:
            shown = " and ".join(f"{s!r} ({sizes[s]} {noun})" for s in spellings)
            messages.append(
                f"{source}: column {column} has {shown}, which differ only in upper/lower case and "
                "are counted apart: write them one way in the file."
            )
    for level_key, size in sizes[sizes <= max_rare].items():
        rare = str(level_key)
        if len(by_case[rare.casefold()]) > 1:
            continue  # named above
        common = [str(level) for level, n in sizes.items() if n >= 3 * size and level != rare]
        folded = {level.casefold(): level for level in common}
        close = difflib.get_close_matches(rare.casefold(), list(folded), n=1, cutoff=0.75)
        if close:
            match = folded[close[0]]
            rows = labels.index[labels == rare]
            messages.append(
                f"{source}: column {column} has {rare!r} for {size} {noun} on lines "
                f"{file_lines(rows)}, close to {match!r} ({sizes[match]} "
                f"{noun.replace('(s)', 's')}): a typo? Correct it in the file (or ignore this if "
                f"{rare!r} is a {column} of its own)."
            )
    return messages


def _lines(mask: pd.Series) -> str:
    return f"line{'s' if int(mask.sum()) > 1 else ''} {file_lines(mask)}"


def _shown(value: float) -> str:
    """45,790.3 for an everyday figure, 1e+09 for one far beyond."""
    return f"{value:,.6g}" if abs(value) < 1e7 else f"{value:.3g}"


def non_finite(values: pd.Series, *, column: str, source: str) -> str | None:
    """Return a message naming the lines where a number is infinite (inf, -inf), if any."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.notna() & ~np.isfinite(numbers.astype(float))
    if not bad.any():
        return None
    return (
        f"{source}: column {column} holds {numbers[bad].iloc[0]} on {_lines(bad)}: not a number "
        "any figure can be computed from; put the real value in the raw file (or leave the cell "
        "blank if it is unknown) and import again."
    )


def dominant_value(
    values: pd.Series,
    *,
    column: str,
    source: str,
    row: str = "row",
    share: float = 0.5,
    factor: float = 1000.0,
) -> str | None:
    """Return a message when one value outweighs every other value of the column together.

    The largest absolute value is flagged when it is more than ``share`` of the
    column's absolute sum and more than ``factor`` times the median of the other
    non-zero absolute values: a typing or unit slip (a rep-month of 1e9 among tens of
    thousands) that would decide a sum or an estimate alone.
    """
    numbers = pd.to_numeric(values, errors="coerce").abs()
    numbers = numbers[np.isfinite(numbers)]
    if len(numbers) < 3 or not numbers.sum() > 0:
        return None
    top = numbers.idxmax()
    others = numbers.drop(index=top)
    others = others[others > 0]
    if others.empty or numbers[top] <= share * numbers.sum():
        return None
    ratio = numbers[top] / others.median()
    if ratio <= factor:
        return None
    flagged = pd.Series(values.index == top, index=values.index)
    return (
        f"{source}: column {column} holds {_shown(float(values[top]))} on {_lines(flagged)}, "
        f"{ratio:,.0f} times the typical {row} ({_shown(others.median())}) and "
        f"{numbers[top] / numbers.sum():.0%} of the column's total, so this one {row} would "
        "decide the result alone. Check the raw file (a unit or typing slip?); if the value is "
        "right, trim or winsorise it in the raw data with a stated rule (e.g. at the 99th "
        "percentile) and say so in the report."
    )


def small_whole_money(values: pd.Series, *, column: str, source: str) -> str | None:
    """Return a message when a money outcome holds only small whole numbers (0 to 20): deals, not money."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if len(numbers) < 10 or not ((numbers % 1 == 0) & numbers.between(0, 20)).all():
        return None
    return (
        f"{source}: column {column} is a money outcome but holds only small whole numbers "
        f"({numbers.min():g} to {numbers.max():g} on lines 2 to {len(values) + 1}): is it a "
        f"count of deals? Map the money column to {column} in codebook.yml, or set "
        "outcome_unit: count (and outcome_label) under studies.training_impact.parameters."
    )


def share_outside(values: pd.Series, *, column: str, source: str) -> str | None:
    """Return a message naming the lines where a share (rate) lies outside 0 to 1."""
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.notna() & ~numbers.between(0, 1)
    if not bad.any():
        return None
    percent = bool(numbers.dropna().between(0, 100).all())
    return (
        f"{source}: column {column} is a share (outcome_unit: rate) but holds "
        f"{numbers[bad].iloc[0]:g} on {_lines(bad)}; a share lies between 0 and 1"
        + (
            ": the column looks like percentages; write them as 45% (the import reads 0.45) "
            "or as 0.45"
            if percent
            else "; check the column, or set outcome_unit to what it holds"
        )
        + "."
    )


#: Month labels a spreadsheet turned into numbers: 2025.1 (from 2025.10?) and 10.202 (10.2020).
_LOST_ZERO = re.compile(r"^(\d{4}\.\d|\d{1,2}\.\d{3})$")


def numbers_as_periods(
    values: pd.Series, *, column: str, source: str, numeric: bool = False
) -> str | None:
    """Return a message when a period column holds numbers instead of period labels.

    ``numeric``: the column was stored as numbers (an imported table); otherwise the
    text is searched for the forms a month takes once saved as a number (2025.1, 10.202).
    """
    text = values.dropna().astype(str).str.strip()
    bad = pd.Series(numeric, index=values.index) & values.notna()
    if not numeric:
        bad = values.notna() & values.astype("string").str.strip().str.fullmatch(_LOST_ZERO)
        bad = bad.fillna(False).astype(bool)
    if text.empty or not bad.any():
        return None
    return (
        f"{source}: column {column} holds numbers, not period labels ({values[bad].iloc[0]} on "
        f"{_lines(bad)}): 2025.1 looks like a month written as a number, and a month saved as a "
        "number loses its last zero (10.2020 becomes 10.202, 2025.10 becomes 2025.1). Keep the "
        f"column as text: in codebook.yml add text: [{column}] (or dates: {{{column}: '%m.%Y'}}) "
        "and import again; in a CSV write the months as 2025-10."
    )


def fractional_ids(values: pd.Series, *, column: str, source: str) -> str | None:
    """Return a message when ids are numbers with a fraction (12.5): a measurement, not an id."""
    text = values.astype("string").str.strip()
    bad = text.str.fullmatch(r"-?\d+\.\d*[1-9]\d*").fillna(False).astype(bool)
    if not bad.any():
        return None
    return (
        f"{source}: column {column} holds numbers with a fraction ({text[bad].iloc[0]} on "
        f"{_lines(bad)}): an id names a rep, it is not a measurement. Is another column the "
        f"id? Map the right column to {column} in codebook.yml (ids that are whole numbers are "
        f"kept as text with text: [{column}])."
    )
