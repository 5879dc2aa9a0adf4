"""Checks for data that read cleanly but would give a silently wrong number.

* :func:`cross_column_problems`: rules between columns of one row that a client's
  table must keep (wins cannot exceed opportunities);
* :func:`unit_changes`: a series that jumps by about 100x or 1000x from one period
  to the next and stays there, the mark of a report switching to thousands (or to
  cents) part-way through;
* :func:`near_duplicate_labels`: a rare team or region spelt like a common one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.contracts.readers import file_lines

__all__ = ["CROSS_COLUMN_RULES", "cross_column_problems", "near_duplicate_labels", "unit_changes"]

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
            "log": np.log10(values.where(values > 0)),
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
