"""Contract of the learning-leader survey (study 1): columns, levels and a checked loader.

One row per responding organisation. See ``data/README.md`` for the documented
contract; this module is its single definition.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from analysis.inputs.readers import DataContractError, read_table

EFFECTIVENESS_LEVELS = ("not effective", "somewhat effective", "effective", "very effective")
SOLUTION_LEVELS = ("customized", "off-the-shelf")
CADENCE_LEVELS = ("weekly", "monthly", "quarterly", "less often", "never")
SIZE_BANDS = ("under 100 sellers", "100-499 sellers", "500+ sellers")
INITIATIVES = (
    "new value proposition",
    "new sales methodology",
    "new technology",
    "reorganisation",
    "new markets or segments",
)

#: Multi-select practices: one boolean column each, grouped by question.
PRACTICES = {
    "tools": ("tool_mobile_learning", "tool_gamification", "tool_mentor_network", "tool_video_coaching"),
    "alignment": ("align_define_strategy", "align_agree_roles", "align_joint_planning"),
    "sustainment": (
        "sustain_reinforcement",
        "sustain_coaching",
        "sustain_manager_training",
        "sustain_feedback_forms",
        "sustain_pre_post_assessment",
    ),
}

#: Display names used when tables reach a report.
DISPLAY_NAMES = {
    "tool_mobile_learning": "Mobile learning",
    "tool_gamification": "Gamification",
    "tool_mentor_network": "Mentor networks",
    "tool_video_coaching": "Video coaching",
    "align_define_strategy": "Define strategy, goals and metrics together",
    "align_agree_roles": "Agree roles and responsibilities",
    "align_joint_planning": "Plan jointly with sales leadership",
    "sustain_reinforcement": "Reinforcement and follow-up",
    "sustain_coaching": "Coaching",
    "sustain_manager_training": "Training for sales managers",
    "sustain_feedback_forms": "Feedback forms",
    "sustain_pre_post_assessment": "Pre/post assessments",
}

REQUIRED_COLUMNS = (
    "respondent_id",
    "industry",
    "effectiveness",
    "solution_type",
    "leadership_meetings",
    "top_initiative",
    *[c for group in PRACTICES.values() for c in group],
)

ORDERED = {
    "effectiveness": EFFECTIVENESS_LEVELS,
    "leadership_meetings": CADENCE_LEVELS,
}
NOMINAL = {
    "solution_type": SOLUTION_LEVELS,
    "top_initiative": INITIATIVES,
    "size_band": SIZE_BANDS,
}


class SurveyDataError(DataContractError):
    """A survey file breaks the contract; the message lists every problem found."""


def _rows(mask: pd.Series) -> str:
    # Row numbers as a user sees them in a spreadsheet: header is line 1.
    lines = [int(i) + 2 for i in mask[mask].index[:5]]
    more = int(mask.sum()) - len(lines)
    return ", ".join(map(str, lines)) + (f" and {more} more" if more > 0 else "")


def check_survey(data: pd.DataFrame, source: str = "survey") -> pd.DataFrame:
    """Check a survey table against the contract and return it with proper dtypes.

    Every problem is collected and reported at once, naming the source, the column,
    the file lines (header = line 1) and the fix.

    Parameters
    ----------
    data : DataFrame
        Raw survey table.
    source : str
        Name of the file it came from, used in messages.

    Returns
    -------
    DataFrame
        ``effectiveness`` and ``leadership_meetings`` as ordered categoricals, the
        other level columns as categoricals, practice columns as booleans.

    Raises
    ------
    SurveyDataError
        Listing every problem.
    """
    problems: list[str] = []
    data = data.copy()
    missing = [c for c in REQUIRED_COLUMNS if c not in data.columns]
    if missing:
        problems.append(
            f"{source}: missing column(s) {', '.join(missing)}; add them (see data/README.md)."
        )
    if data.empty:
        problems.append(f"{source}: the file has no data rows.")
    if "respondent_id" in data:
        dup = data["respondent_id"].duplicated(keep=False)
        if dup.any():
            problems.append(
                f"{source}: column respondent_id has duplicated ids on lines {_rows(dup)}; "
                "each respondent must appear once."
            )
    for column, levels in {**ORDERED, **NOMINAL}.items():
        if column not in data:
            continue
        values = data[column]
        blank = values.isna()
        if blank.any() and column != "size_band":
            problems.append(f"{source}: column {column} is empty on lines {_rows(blank)}.")
        text = values.astype("string").str.strip().str.lower()
        bad = ~blank & ~text.isin(levels)
        if bad.any():
            shown = ", ".join(sorted(map(repr, set(values[bad].astype(str))))[:5])
            near = {v: difflib.get_close_matches(v, levels, n=1, cutoff=0.75) for v in set(text[bad].dropna())}
            hint = "".join(f" Did you mean {m[0]!r} for {v!r}?" for v, m in sorted(near.items()) if m)
            if column == "effectiveness" and text[bad].str.fullmatch(r"[1-4]").all():
                hint += " It looks coded 1-4: map 1-4 to the labels in order (1 = not effective)."
            problems.append(
                f"{source}: column {column} has unknown value(s) {shown} on lines {_rows(bad)}; "
                f"allowed: {', '.join(levels)}.{hint}"
            )
        else:
            data[column] = pd.Categorical(text.where(~blank), categories=list(levels), ordered=column in ORDERED)
    for column in (c for group in PRACTICES.values() for c in group):
        if column not in data:
            continue
        values = data[column]
        mapped = values.map(
            lambda v: {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}.get(
                str(v).strip().lower()
            )
            if not isinstance(v, bool)
            else v
        )
        bad = mapped.isna()
        if bad.any():
            problems.append(
                f"{source}: column {column} must be true/false; bad values on lines {_rows(bad)}."
            )
        else:
            data[column] = mapped.astype(bool)
    if "weight" in data:
        weight = pd.to_numeric(data["weight"], errors="coerce")
        bad = weight.isna() | (weight <= 0)
        if bad.any():
            problems.append(
                f"{source}: column weight must be a positive number; bad on lines {_rows(bad)}."
            )
    if problems:
        raise SurveyDataError("\n".join(["The survey does not match the contract:", *problems]))
    return data


def load_survey(path: str | Path, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read a survey file (:func:`~analysis.inputs.readers.read_table`) and check it with :func:`check_survey`."""
    path = Path(path)
    try:
        raw = read_table(path, encoding=encoding, dtype={"respondent_id": "string"})
    except DataContractError as error:
        raise SurveyDataError(str(error)) from None
    return check_survey(raw, source=path.name)
