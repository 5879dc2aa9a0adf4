"""Contract of the learning-leader survey (study 1): columns, levels and a checked loader.

One row per responding organisation. See ``data/README.md`` for the documented
contract; this module is its single definition.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa

from analysis.contracts.readers import DataContractError, read_table, source_name

__all__ = [
    "BLOCKS",
    "BLOCK_NAMES",
    "CADENCE_LEVELS",
    "DISPLAY_NAMES",
    "EFFECTIVENESS_LEVELS",
    "INITIATIVES",
    "NOMINAL",
    "ORDERED",
    "PRACTICES",
    "SIZE_BANDS",
    "SOLUTION_LEVELS",
    "SurveyDataError",
    "asked",
    "check_survey",
    "load_survey",
    "survey_schema",
]

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
    "tools": (
        "tool_mobile_learning",
        "tool_gamification",
        "tool_mentor_network",
        "tool_video_coaching",
    ),
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

#: Question blocks a survey may leave out ("not asked"): block -> its columns. Only
#: ``respondent_id`` and ``effectiveness`` are required; a block is asked when all its
#: columns are present, and a block with some of its columns is an error.
BLOCKS = {
    "industry": ("industry",),
    "customized": ("solution_type",),
    "cadence": ("leadership_meetings",),
    "initiatives": ("top_initiative",),
    **PRACTICES,
}
BLOCK_NAMES = {
    "industry": "industry",
    "customized": "customized or off-the-shelf solutions",
    "cadence": "meetings with senior sales leadership",
    "initiatives": "the initiative needing most support",
    "tools": "learning tools",
    "alignment": "alignment practices",
    "sustainment": "sustainment practices",
}


def asked(data: pd.DataFrame) -> dict[str, bool]:
    """Which question blocks (:data:`BLOCKS`) the survey asked: all their columns present."""
    return {block: all(c in data.columns for c in columns) for block, columns in BLOCKS.items()}


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


def survey_schema() -> pa.DataFrameSchema:
    """Return the study-1 contract as a pandera schema (after trimming and lower-casing level columns)."""
    import pandera.pandas as pa

    from analysis.contracts.schemas import boolean, levels

    columns = {
        "respondent_id": pa.Column(
            str, unique=True, nullable=False, description="unique id of the responding organisation"
        ),
        "industry": pa.Column(
            str, nullable=False, required=False, description="industry (text; optional block)"
        ),
        "size_band": levels(SIZE_BANDS, required=False),
        "effectiveness": levels(
            EFFECTIVENESS_LEVELS, description="ordered: " + " < ".join(EFFECTIVENESS_LEVELS)
        ),
        "solution_type": levels(SOLUTION_LEVELS, required=False),
        "leadership_meetings": levels(
            CADENCE_LEVELS, required=False, description="ordered: " + ", ".join(CADENCE_LEVELS)
        ),
        "top_initiative": levels(INITIATIVES, required=False),
        **{
            column: boolean(f"true/false: {DISPLAY_NAMES[column]}", required=False)
            for group in PRACTICES.values()
            for column in group
        },
        "weight": pa.Column(
            float,
            pa.Check.gt(0),
            coerce=True,
            required=False,
            nullable=False,
            description="optional survey weight, a positive number",
        ),
    }
    return pa.DataFrameSchema(columns, strict=False)


def _normalise(values: pd.Series) -> pd.Series:
    """Trim and lower-case answers (booleans become "true"/"false"); missing stays missing."""
    return values.map(
        lambda v: (
            None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip().lower()
        )
    ).astype("string")


def check_survey(data: pd.DataFrame, source: str = "survey") -> pd.DataFrame:
    """Check a survey table against the contract (:func:`survey_schema`) and return it typed.

    Every problem is collected and reported at once, naming the source, the column,
    the file lines (header = line 1), the bad values and the fix (with a suggestion
    for a near-miss level name, and a hint when effectiveness is coded 1-4).

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
        other level columns as categoricals, practice columns as booleans, ``weight``
        as float.

    Raises
    ------
    SurveyDataError
        Listing every problem.
    """
    from analysis.contracts.schemas import validate

    if data.empty:
        raise SurveyDataError(
            f"The survey does not match the contract:\n{source}: the file has no data rows."
        )
    schema = survey_schema()
    frame = data.copy()
    for name, column in schema.columns.items():
        if name in frame and (column.metadata or {}).get("levels"):
            frame[name] = _normalise(frame[name])
    for name in ("respondent_id", "industry"):
        if name in frame:
            frame[name] = (
                frame[name].map(lambda v: v if pd.isna(v) else str(v).strip()).astype("string")
            )
    validated, problems = validate(frame, schema, source)
    for block, columns in BLOCKS.items():
        present = [c for c in columns if c in frame.columns]
        if present and len(present) < len(columns):
            problems.append(
                f"{source}: the {BLOCK_NAMES[block]} block is only partly there: missing column(s) "
                f"{', '.join(c for c in columns if c not in present)}. Give all of "
                f"{', '.join(columns)}, or none if the survey did not ask it."
            )
    if problems:
        raise SurveyDataError("\n".join(["The survey does not match the contract:", *problems]))
    assert validated is not None  # validate returns a frame whenever it finds no problem
    for column, levels_ in {**ORDERED, **NOMINAL}.items():
        if column in validated:
            validated[column] = pd.Categorical(
                validated[column], categories=list(levels_), ordered=column in ORDERED
            )
    for column in (c for group in PRACTICES.values() for c in group if c in validated):
        validated[column] = validated[column].isin(["true", "yes", "1"])
    return validated


def load_survey(path: str | Path, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read a survey file (:func:`~analysis.contracts.readers.read_table`) and check it with :func:`check_survey`."""
    path = Path(path)
    try:
        raw = read_table(path, encoding=encoding, dtype={"respondent_id": "string"})
    except DataContractError as error:
        raise SurveyDataError(str(error)) from None
    return check_survey(raw, source=source_name(path))
