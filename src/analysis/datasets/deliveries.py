"""The raw delivery of the README's import walk-through, as a client would send it.

A Qualtrics survey export (question wording row, ImportId row, a preview and a partial
response), an Excel rep workbook with the client's own column names and month/year
dates, and the codebook and client.yml that map them onto the contracts. The files are
committed in ``data/examples/``; ``python -m analysis.datasets.deliveries``
writes them again, and a test checks that it reproduces the committed ones.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from analysis.core import paths
from analysis.datasets.survey import generate_survey
from analysis.datasets.training import TrainingDesign, generate_training_client

__all__ = ["QUALTRICS_QUESTIONS", "write_byod_example"]

QUALTRICS_QUESTIONS = {
    "Q1": ("industry", "Which industry is your company in?"),
    "Q2": (
        "effectiveness",
        "How effective is your training organisation at supporting strategic sales initiatives?",
    ),
    "Q3": ("solution_type", "Do you mostly buy customized or off-the-shelf training solutions?"),
    "Q4": (
        "leadership_meetings",
        "How often do you meet senior sales leadership about the initiative?",
    ),
    "Q5": ("top_initiative", "Which strategic initiative needs the most support from training?"),
    "Q6": (None, "Which of these practices do you use? - Selected Choice"),
}
_CODES = {
    "effectiveness": ["not effective", "somewhat effective", "effective", "very effective"],
    "solution_type": ["customized", "off-the-shelf"],
    "leadership_meetings": ["weekly", "monthly", "quarterly", "less often", "never"],
}
_PRACTICE_CHOICES = {
    "Mobile learning": "tool_mobile_learning",
    "Gamification": "tool_gamification",
    "Mentor networks": "tool_mentor_network",
    "Video coaching": "tool_video_coaching",
    "Defining strategy and goals together": "align_define_strategy",
    "Agreeing roles": "align_agree_roles",
    "Joint planning": "align_joint_planning",
    "Reinforcement and follow-up": "sustain_reinforcement",
    "Coaching": "sustain_coaching",
    "Training for sales managers": "sustain_manager_training",
    "Feedback forms": "sustain_feedback_forms",
    "Pre/post assessments": "sustain_pre_post_assessment",
}


def write_byod_example(folder: Path) -> list[Path]:
    """Return a raw Qualtrics survey export, an Excel rep panel and the codebook that maps them.

    Used by the README walk-through and its end-to-end test; the files are committed
    in ``data/examples/``.

    Parameters
    ----------
    folder : Path
        Where the files are written (created if needed).

    Returns
    -------
    list of Path
        The export, the workbook, ``codebook.yml`` and ``client.yml``, in that order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = [_write_qualtrics_export(folder), _write_rep_panel(folder)]
    (folder / "codebook.yml").write_text(
        "# Maps the raw Qualtrics export and the Excel rep panel to the study contracts.\n"
        + yaml.safe_dump(_example_codebook(), sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    written.append(folder / "codebook.yml")
    (folder / "client.yml").write_text(
        yaml.safe_dump(_EXAMPLE_CLIENT, sort_keys=False), encoding="utf-8"
    )
    written.append(folder / "client.yml")
    return written


def _write_qualtrics_export(folder: Path) -> Path:
    """Write a Qualtrics-style export of 60 responses plus a preview and an unfinished one."""
    import json

    import pandas as pd

    survey = generate_survey(60, seed=77, n_industries=6)
    rows = []
    for i, (_, answer) in enumerate(survey.iterrows()):
        chosen = [label for label, column in _PRACTICE_CHOICES.items() if answer[column]]
        rows.append(
            {
                "StartDate": "2026-03-02 09:00:00",
                "EndDate": "2026-03-02 09:12:00",
                "Status": "IP Address",
                "Progress": "100",
                "Finished": "1",
                "ResponseId": f"R_{i + 1:05d}",
                "Q1": answer["industry"],
                "Q2": str(_CODES["effectiveness"].index(answer["effectiveness"]) + 1),
                "Q3": str(_CODES["solution_type"].index(answer["solution_type"]) + 1),
                "Q4": str(_CODES["leadership_meetings"].index(answer["leadership_meetings"]) + 1),
                "Q5": answer["top_initiative"],
                "Q6": ",".join(chosen),
            }
        )
    rows.append(
        {**rows[0], "Status": "Survey Preview", "ResponseId": "R_preview"}
    )  # a test response
    rows.append(
        {**rows[1], "Finished": "0", "Progress": "40", "ResponseId": "R_partial", "Q6": ""}
    )  # incomplete
    texts = {
        "StartDate": "Start Date",
        "EndDate": "End Date",
        "Status": "Response Type",
        "Progress": "Progress",
        "Finished": "Finished",
        "ResponseId": "Response ID",
        **{q: text for q, (_, text) in QUALTRICS_QUESTIONS.items()},
    }
    imports = {
        c: json.dumps({"ImportId": c if not c.startswith("Q") else f"QID{c[1:]}"}) for c in texts
    }
    path = folder / "qualtrics_export.csv"
    pd.DataFrame([texts, imports, *rows]).to_csv(path, index=False)
    return path


def _write_rep_panel(folder: Path) -> Path:
    """Write an Excel workbook: a Reps sheet with training months, an Activity sheet per rep-month."""
    import pandas as pd

    client = generate_training_client(
        TrainingDesign(n_reps=60, n_periods=10, cohorts=(3, 6)), seed=78
    )
    reps = client["reps"].assign(
        training_start=client["reps"]["training_start"].map(
            lambda p: None if p is None or pd.isna(p) else f"{p[5:]}/{p[:4]}"
        )
    )
    activity = client["panel"].rename(columns={v: k for k, v in _PANEL_COLUMNS.items()})
    activity["Month"] = activity["Month"].map(lambda p: f"{p[5:]}/{p[:4]}")
    path = folder / "rep_panel.xlsx"
    with pd.ExcelWriter(path) as writer:
        reps.to_excel(writer, sheet_name="Reps", index=False)
        activity[["Rep ID", "Month", "Meetings", "Revenue", "Call review score"]].to_excel(
            writer, sheet_name="Activity", index=False
        )
    return path


#: The rep panel's raw headers and the contract columns they map to.
_PANEL_COLUMNS = {
    "Rep ID": "rep_id",
    "Month": "period",
    "Meetings": "meetings",
    "Revenue": "revenue",
    "Call review score": "call_score",
}


def _example_codebook() -> dict:
    """Return the codebook mapping the example export and workbook to the study contracts."""
    return {
        "tables": {
            "survey": {
                "source": {
                    "file": "qualtrics_export.csv",
                    "format": "qualtrics",
                    "questions": {q: text for q, (_, text) in QUALTRICS_QUESTIONS.items()},
                },
                "drop_rows": [
                    {"column": "Status", "equals": "Survey Preview"},
                    {"column": "Finished", "equals": "0"},
                ],
                "rename": {
                    "ResponseId": "respondent_id",
                    **{q: c for q, (c, _) in QUALTRICS_QUESTIONS.items() if c},
                },
                "values": {
                    c: {str(i + 1): level for i, level in enumerate(levels)}
                    for c, levels in _CODES.items()
                },
                "multi_select": {"Q6": {"separator": ",", "options": _PRACTICE_CHOICES}},
                "keep": [
                    "respondent_id",
                    "industry",
                    "effectiveness",
                    "solution_type",
                    "leadership_meetings",
                    "top_initiative",
                    *_PRACTICE_CHOICES.values(),
                ],
            },
            "reps": {
                "source": {"file": "rep_panel.xlsx", "format": "xlsx", "sheet": "Reps"},
                "dates": {"training_start": "%m/%Y"},
            },
            "panel": {
                "source": {"file": "rep_panel.xlsx", "format": "xlsx", "sheet": "Activity"},
                "rename": dict(_PANEL_COLUMNS),
                "dates": {"period": "%m/%Y"},
            },
        }
    }


#: The example client's client.yml.
_EXAMPLE_CLIENT = {
    "display_name": "Example Imported Co",
    "studies": {
        "org_effectiveness": {
            "data": {"survey_path": "imported/survey.parquet"},
            "parameters": {"min_cell_size": 5},
        },
        "training_impact": {
            "data": {
                "reps_path": "imported/reps.parquet",
                "panel_path": "imported/panel.parquet",
            },
            "parameters": {"margin": 0.35},
        },
    },
}


if __name__ == "__main__":  # pragma: no cover - regenerates data/examples/
    for written in write_byod_example(paths.DATA_DIR / "examples"):
        print(written)
