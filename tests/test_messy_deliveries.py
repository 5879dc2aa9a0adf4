"""Three deliveries the way clients send them, from raw files to checked study inputs with no
hand-cleaning: draft the codebook, count the lines a reviewer must change, import, validate,
and recover the planted effect.

* A: an Excel workbook with merged title rows, the header in row 3, Excel date cells,
  bookings as "$12,345.67" text, a totals row and a source note;
* B: semicolon-separated CSVs from a German system, decimal commas, dd.mm.yyyy dates,
  German column names for month and revenue;
* C: a survey export with two header rows (question over its options, "Response" under
  single answers) and numeric answer codes.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from analysis import effects, survey
from analysis.contracts.survey import DISPLAY_NAMES, NOMINAL, ORDERED
from analysis.core import paths
from analysis.datasets.survey import generate_survey, planted_truth
from analysis.datasets.training import TrainingDesign, generate_training_client, planted_att
from analysis.ingest.codebook import run_codebook
from analysis.ingest.drafting import draft_codebook
from analysis.studies import load_study
from analysis.studies.validate import validate_client

DESIGN = TrainingDesign(
    n_reps=80, n_periods=12, cohorts=(4, 6), never_share=0.3, effect=4000.0, noise=3000.0
)
TRAINING_YML = (
    "display_name: {name}\nstudies:\n  training_impact:\n    data:\n"
    "      reps_path: imported/reps.parquet\n      panel_path: imported/panel.parquet\n"
    "    parameters: {{margin: 0.35}}\n"
)


def _month(label) -> datetime | None:
    return None if pd.isna(label) else datetime(int(label[:4]), int(label[5:7]), 1)


def delivery_a(folder) -> dict:
    from openpyxl import Workbook

    client = generate_training_client(DESIGN, seed=21)
    book = Workbook()
    reps = book.active
    reps.title = "Reps"
    reps.append(["Sales team roster - FY2025 (confidential)"])
    reps.merge_cells("A1:D1")
    reps.append([])
    reps.append(["Rep ID", "Region", "Tenure", "Training start"])
    for row in client["reps"].itertuples():
        reps.append([row.rep_id, row.team, row.tenure_band, _month(row.training_start)])
    activity = book.create_sheet("Monthly bookings")
    activity.append(["Bookings by rep and month, USD"])
    activity.merge_cells("A1:D1")
    activity.append(["Exported from the CRM"])
    activity.append(["Rep ID", "Month", "Meetings", "Bookings"])
    panel = client["panel"]
    for row in panel.itertuples():
        activity.append([row.rep_id, _month(row.period), int(row.meetings), f"${row.revenue:,.2f}"])
    activity.append(
        ["Total", None, int(panel["meetings"].sum()), f"${panel['revenue'].sum():,.2f}"]
    )
    activity.append(["Source: CRM report 14, run by finance"])
    book.save(folder / "crm_export.xlsx")
    (folder / "client.yml").write_text(TRAINING_YML.format(name="Delivery A"))
    return client


def delivery_b(folder):
    client = generate_training_client(DESIGN, seed=22)
    reps = client["reps"].assign(
        trained_in=lambda d: d["training_start"].map(
            lambda v: "" if pd.isna(v) else f"01.{v[5:7]}.{v[:4]}"
        )
    )
    reps[["rep_id", "team", "trained_in"]].rename(
        columns={"rep_id": "rep_code", "team": "region"}
    ).to_csv(folder / "mitarbeiter.csv", sep=";", index=False)
    panel = client["panel"]
    pd.DataFrame(
        {
            "rep_code": panel["rep_id"],
            "monat": panel["period"].map(lambda v: f"01.{v[5:7]}.{v[:4]}"),
            "umsatz": panel["revenue"].map(lambda v: f"{v:.2f}".replace(".", ",")),
        }
    ).to_csv(folder / "umsatz.csv", sep=";", index=False)
    (folder / "client.yml").write_text(TRAINING_YML.format(name="Delivery B"))
    return client


QUESTIONS = {
    "industry": "Which industry is your company in?",
    "size_band": "How many sellers does your company have?",
    "effectiveness": "How effective is your training organisation at supporting strategic initiatives?",
    "solution_type": "Do you mostly buy customized or off-the-shelf training?",
    "leadership_meetings": "How often do you meet senior sales leadership about the initiative?",
    "top_initiative": "Which strategic initiative needs the most support from training?",
}


def delivery_c(folder) -> pd.DataFrame:
    data = generate_survey(174, seed=23)
    top, sub, body = ["Respondent ID"], [None], [data["respondent_id"].tolist()]
    for column, question in QUESTIONS.items():
        top.append(question)
        sub.append("Response")
        levels = (
            {**ORDERED, **NOMINAL}[column]
            if column in ("effectiveness", "solution_type", "leadership_meetings")
            else None
        )
        codes = {level: str(i + 1) for i, level in enumerate(levels)} if levels else None
        body.append([codes[v] if codes else v for v in data[column]])
    for i, (column, label) in enumerate(DISPLAY_NAMES.items()):
        top.append("Which of these practices do you use?" if i == 0 else None)
        sub.append(label)
        body.append([label if v else "" for v in data[column]])
    rows = [top, sub, *map(list, zip(*body, strict=True))]
    pd.DataFrame(rows).to_csv(folder / "survey_export.csv", header=False, index=False)
    (folder / "client.yml").write_text(
        "display_name: Delivery C\nstudies:\n  org_effectiveness:\n    data: {survey_path: imported/survey.parquet}\n"
    )
    return data


def _changed_lines(folder) -> int:
    """Lines of the drafted codebook a reviewer must change: placeholders still marked CHECK
    inside the YAML (comment lines are advice, not edits)."""
    text = (folder / "codebook.yml").read_text()
    return sum("CHECK" in line.split("#")[0] for line in text.splitlines())


def _deliver(tmp_path, monkeypatch, make, files):
    """Write a delivery, draft its codebook (no line may need a change), import and
    validate it with no error; returns what ``make`` generated (the truth)."""
    folder = tmp_path / "clients" / "delivery"
    folder.mkdir(parents=True)
    truth = make(folder)
    text, _ = draft_codebook(folder, files)
    (folder / "codebook.yml").write_text(text)
    assert _changed_lines(folder) == 0, text
    run_codebook(folder)
    problems = validate_client("delivery", clients_dir=tmp_path / "clients")
    assert [p.message for p in problems if p.level == "error"] == []
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "clients")
    return truth


@pytest.mark.parametrize(
    ("make", "files"),
    [(delivery_a, ["crm_export.xlsx"]), (delivery_b, ["mitarbeiter.csv", "umsatz.csv"])],
    ids=["title-rows-workbook", "semicolon-decimal-comma"],
)
def test_training_delivery_from_raw_files_recovers_the_planted_effect(
    make, files, tmp_path, monkeypatch
):
    client = _deliver(tmp_path, monkeypatch, make, files)
    inputs = load_study("training_impact", {"client_id": "delivery"})
    panel = inputs.tables["panel"]
    assert len(panel) == len(client["panel"])  # the totals and note rows are not data
    assert np.allclose(
        panel["revenue"].astype(float).to_numpy(), client["panel"]["revenue"].to_numpy()
    )
    att = effects.staggered_att(
        inputs.tables["data"],
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
    ).iloc[0]
    assert att["conf_low"] <= planted_att(client) <= att["conf_high"], (att, planted_att(client))


def test_survey_export_with_two_header_rows_and_codes(tmp_path, monkeypatch):
    data = _deliver(tmp_path, monkeypatch, delivery_c, ["survey_export.csv"])
    responses = load_study("org_effectiveness", {"client_id": "delivery"}).tables["responses"]
    from analysis.ingest.record import import_provenance

    imported = tmp_path / "clients" / "delivery" / "imported" / "survey.parquet"
    assert import_provenance(imported)["sources"][0]["role"] == "raw file, header rows 1 to 2"
    for column in (*QUESTIONS, *DISPLAY_NAMES):
        assert responses[column].astype(str).tolist() == data[column].astype(str).tolist(), column
    ratio = (
        survey.risk_ratio(
            responses,
            "customized",
            by="effectiveness_group",
            exposed="very effective",
            reference="ineffective",
        )
        .set_index("measure")
        .loc["risk ratio"]
    )
    assert ratio["conf_low"] <= planted_truth()["customized_risk_ratio"] <= ratio["conf_high"]


def test_study_messages_about_imported_tables_name_the_raw_files(tmp_path):
    folder = tmp_path / "clients" / "delivery"
    folder.mkdir(parents=True)
    delivery_b(folder)
    text, _ = draft_codebook(folder, ["mitarbeiter.csv", "umsatz.csv"])
    (folder / "codebook.yml").write_text(text)
    run_codebook(folder)
    yml = (
        (folder / "client.yml")
        .read_text()
        .replace("{margin: 0.35}", "{margin: 0.35, behaviour: call_score}")
    )
    (folder / "client.yml").write_text(yml)
    errors = [
        p.message
        for p in validate_client("delivery", clients_dir=tmp_path / "clients")
        if p.level == "error"
    ]
    assert any(
        "umsatz.csv (imported as panel.parquet)" in m and "call_score" in m for m in errors
    ), errors
