"""Exports from tools the drafter was not designed on (tests/unseen_exports/, written by its
make_fixtures.py): ``draft-codebook`` recognises them from their values and structure, and
is right or asks (CHECK). No header word of these files is in a synonym list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.contracts.periods import fiscal_quarter
from analysis.contracts.training import TrainingDataError, load_training_data
from analysis.ingest.codebook import run_codebook
from analysis.ingest.drafting import draft, draft_codebook
from analysis.ingest.events import draft_event_rules
from analysis.ingest.mapping.answers import scale_order
from analysis.ingest.mapping.events import facts
from analysis.ingest.mapping.people import full_name_columns
from analysis.ingest.mapping.tables import looks_like_survey
from analysis.ingest.profiles import notes_under_header, profile_column, profile_frame
from analysis.ingest.read.sources import CodebookError, read_source
from analysis.ingest.rules.units import check_named_format, read_named_periods

HERE = Path(__file__).parent / "unseen_exports"
CRM = ["deals_export.csv", "lms_completions.xlsx", "hr_roster.csv"]


def drafted(files: list[str]) -> tuple[dict, list[str]]:
    text, notes = draft_codebook(HERE, files)
    return yaml.safe_load(text)["tables"], notes


# ------------------------------------------------------------- 1. dates and deals


@pytest.mark.parametrize(
    ("values", "fmt"),
    [
        (["15-Mar-2025", "02-Jan-2024", "30-Jun-2024"], "%d-%b-%Y"),
        (["15 March 2025", "2 January 2024", "30 June 2024"], "%d %B %Y"),
        (["15-mars-2025", "02-janv.-2024", "30-juin-2024"], None),  # French month names
        (["15.Mär.2025", "02.Jan.2024", "30.Jun.2024"], None),  # German
    ],
)
def test_day_month_name_year_is_a_date_in_any_known_language(values, fmt):
    found = profile_column(pd.Series(values), header="Closing Date")
    assert (found.kind, found.date_format) == ("date", fmt)


def test_a_deals_export_with_stages_in_another_language_is_drafted_from_its_structure():
    tables, notes = drafted(CRM)
    deals = tables["panel"]["from_deals"]
    assert (deals["owner"], deals["close_date"], deals["amount"]) == (
        "Deal Owner",
        "Closing Date",
        "Amount",
    )
    assert deals["formats"] == {"Closing Date": "%d-%b-%Y"} and deals["currency"] == "EUR"
    # no stage reads as won or lost in the words the drafter knows: both are asked
    assert deals["won"].startswith("CHECK") and deals["lost"].startswith("CHECK")
    assert any("from_deals.won" in n for n in notes) and any("from_deals.lost" in n for n in notes)
    text, _ = draft_codebook(HERE, CRM)
    assert "'Cerrado ganado': " in text and "'Cerrado perdido': " in text  # the stages listed


def test_german_stages_are_read_as_won_and_lost_and_still_asked():
    deals = pd.DataFrame(
        {
            "Verkaufschance": [f"V-{i}" for i in range(12)],
            "Owner": ["Jonas Weber", "Lena Koch"] * 6,
            "Close Date": [f"2025-0{1 + i % 6}-1{i % 9}" for i in range(12)],
            "Amount": [f"{1000 + 10 * i} €" for i in range(12)],
            "Phase": ["Gewonnen", "Verloren", "Angebot"] * 4,
        }
    )
    event = draft_event_rules(deals, facts(profile_frame(deals)))
    assert event is not None and event.kind == "deals"
    assert event.rule["won"] == "CHECK ['Gewonnen']" and event.rule["lost"] == ["Verloren"]


def test_a_table_with_owner_and_stage_but_one_row_per_rep_and_month_is_not_deals():
    monthly = pd.DataFrame(
        {
            "Owner": ["Jonas Weber", "Lena Koch"] * 6,
            "Close Date": ["2025-01-31", "2025-01-31", "2025-02-28", "2025-02-28"] * 3,
            "Amount": [f"{1000 + 10 * i} €" for i in range(12)],
            "Stage": ["Etapa 1", "Etapa 2", "Etapa 3"] * 4,
        }
    )
    assert draft_event_rules(monthly, facts(profile_frame(monthly))) is None


def test_excel_serial_completion_dates_do_not_block_the_completion_export():
    tables, _ = drafted(CRM)
    rule = tables["reps"]["from_completions"]
    assert (rule["learner"], rule["course"], rule["status"], rule["date"]) == (
        "Learner",
        "Course",
        "Status",
        "Completion date",
    )
    assert rule["formats"] == {"Completion date": {"format": "excel_serial"}}
    assert rule["programme"] == "CHECK" and rule["completed"] == ["Passed"]


def test_the_crm_delivery_imports_once_its_check_lines_are_answered(tmp_path):
    folder = tmp_path / "client"
    shutil.copytree(HERE, folder, ignore=shutil.ignore_patterns("*.py"))
    text, _ = draft_codebook(folder, CRM)
    book = yaml.safe_load(text)
    book["tables"]["panel"]["from_deals"].update(won=["Cerrado ganado"], lost=["Cerrado perdido"])
    book["tables"]["reps"]["from_completions"]["programme"] = {"titles": ["Value Selling Bootcamp"]}
    (folder / "codebook.yml").write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False))
    run_codebook(folder)
    panel = pd.read_parquet(folder / "imported" / "panel.parquet")
    reps = pd.read_parquet(folder / "imported" / "reps.parquet")
    deals = pd.read_csv(HERE / "deals_export.csv")
    won = deals[deals["Stage"] == "Cerrado ganado"]
    assert int(panel["wins"].sum()) == len(won)
    euros = won["Amount"].str.replace(r"[€ .]", "", regex=True).str.replace(",", ".").astype(float)
    assert panel["revenue"].sum() == pytest.approx(euros.sum())
    assert sorted(reps["training_start"].dropna().unique()) == ["2025-02", "2025-03", "2025-04"]
    assert reps["training_start"].notna().sum() == 8  # "In progress" is not a start


# ------------------------------------------------------------- 2. a notes row


def test_a_notes_row_under_the_header_is_left_out_and_read_as_the_units():
    frame, _ = read_source(HERE, {"file": "fiscal_quarters.xlsx", "sheet": "Panel"})
    row, cells = notes_under_header(frame)
    assert row == 2 and cells["Net revenue"] == "USD k, net of returns"
    result = draft(HERE, ["fiscal_quarters.xlsx"])
    (panel,) = [s for s in result.sources if s.draft is not None and s.draft.table == "panel"]
    profile = panel.draft.profiles["Net revenue"]
    assert (profile.kind, profile.currencies) == ("money", ("USD",))
    assert panel.draft.profiles["Deals won"].kind == "count"
    assert panel.draft.mapped["revenue"] == "Net revenue"
    assert panel.draft.spec["drop_rows"][0] == {
        "column": "Net revenue",
        "equals": "USD k, net of returns",
    }


def test_a_first_row_of_data_is_not_a_notes_row():
    frame = pd.DataFrame(
        {
            "Rep": ["R1", "R2", "R3", "R4"],
            "Revenue": ["$1,200", "$900", "$1,000", "$800"],
            "Wins": ["3", "1", "2", "0"],
        }
    )
    assert notes_under_header(frame) is None
    text_only = pd.DataFrame(
        {"Item": ["Trainer", "Venue", "Travel", "Books"], "Note": list("abcd")}
    )
    assert notes_under_header(text_only) is None


# ------------------------------------------------------------- 3. ids are not Excel dates


def test_consecutive_employee_numbers_are_ids_not_excel_dates():
    numbers = pd.Series([str(40100 + i) for i in range(12)])
    for header in ("Employee number", "Staff", "Personnel"):
        assert profile_column(numbers, header=header).kind == "identifier"
    spread = pd.Series(["45292", "45318", "45351", "45380", "45412", "45443", "45473"])
    assert profile_column(spread, header="Completion date").date_format == "excel_serial"
    # consecutive days with a date header are still days (a daily report)
    assert profile_column(numbers.map(lambda n: str(int(n) + 5000)), header="Day").kind == "date"


def test_the_roster_offers_no_employee_number_as_training_start():
    tables, notes = drafted(CRM)
    assert tables["reps"]["rename"]["Employee number"] == "rep_id"
    assert not any("training_start" in n and "Employee number" in n for n in notes)
    assert "dates" not in tables["reps"]  # the training start comes from the LMS rule


# ------------------------------------------------------------- 6. fiscal-year naming


@pytest.mark.parametrize(
    ("named", "expected"),
    [
        ("end", ["2023-Q2", "2023-Q4", "2024-Q1"]),  # FY24 = April 2023 to March 2024
        ("start", ["2024-Q2", "2024-Q4", "2025-Q1"]),  # FY24 = April 2024 to March 2025
    ],
)
def test_fiscal_quarters_named_by_the_year_they_end_or_start_in(named, expected):
    labels = pd.Series(["Q1 FY24", "Q3 FY24", "Q4 FY24"])
    rule = {"format": "fiscal_quarter", "fiscal_year_start": 4, "fiscal_year_named": named}
    check_named_format(rule, "test")
    found, _ = read_named_periods(labels, rule, "test")
    assert found.tolist() == expected
    assert fiscal_quarter("FY24 Q1", 1, named) == "2024-Q1"  # a calendar fiscal year either way


def test_an_unknown_fiscal_year_naming_is_refused():
    with pytest.raises(CodebookError, match="fiscal_year_named must be end"):
        check_named_format(
            {"format": "fiscal_quarter", "fiscal_year_start": 4, "fiscal_year_named": "middle"}, "x"
        )


def test_fiscal_quarters_ask_how_the_fiscal_year_is_named_with_the_default_stated():
    tables, notes = drafted(["fiscal_quarters.xlsx"])
    rule = tables["panel"]["dates"]["period"]
    assert rule["fiscal_year_named"] == "end" and rule["fiscal_year_start"].startswith("CHECK")
    (asked,) = [n for n in notes if "does FY24 end in 2024 or start in 2024" in n]
    assert "Drafted: fiscal_year_named: end" in asked


# ------------------------------------------------------------- 4. rep ids from names


def test_a_survey_export_never_gets_rep_ids_from_its_respondents_names():
    tables, notes = drafted(["survey_pt.csv"])
    assert list(tables) == ["survey"]
    assert "rep_ids" not in tables["survey"]
    assert not any("rep_ids" in n for n in notes)


def test_rep_ids_only_from_a_column_of_full_names():
    first_names = ["Ana", "João", "Rita", "Tiago", "Inês", "Rui", "Sara", "Luís"]
    frame = pd.DataFrame({"Nome": first_names * 2, "Sobrenome": ["Silva", "Costa"] * 8})
    assert full_name_columns(frame, ["Nome"]) == []
    frame["Vendedor"] = [f"{a} {b}" for a, b in zip(frame["Nome"], frame["Sobrenome"])]
    frame.loc[0, "Vendedor"] = "Madonna"  # mostly two words is enough
    assert full_name_columns(frame, ["Vendedor"]) == ["Vendedor"]


def test_a_reps_table_whose_rep_id_repeats_after_import_is_an_error_at_validate(tmp_path):
    (tmp_path / "people.csv").write_text(
        "Nome,Start\nAna,2025-02\nJoão,\nAna,2025-02\nRita,\n", encoding="utf-8"
    )
    book = {
        "tables": {
            "reps": {
                "source": {"file": "people.csv"},
                "rep_ids": {"from": "Nome", "key": "name"},
                "rename": {"Start": "training_start"},
                "keep": ["rep_id", "training_start"],
            }
        }
    }
    (tmp_path / "codebook.yml").write_text(yaml.safe_dump(book, sort_keys=False))
    run_codebook(tmp_path)
    reps = pd.read_parquet(tmp_path / "imported" / "reps.parquet")
    assert reps["rep_id"].nunique() == 3 and len(reps) == 4  # two people called Ana: one id
    panel = pd.DataFrame(
        {"rep_id": sorted(set(reps["rep_id"])) * 2, "period": ["2025-01"] * 3 + ["2025-02"] * 3}
    )
    panel.assign(revenue=1.0).to_csv(tmp_path / "panel.csv", index=False)
    with pytest.raises(
        TrainingDataError, match=r"column rep_id has duplicated values on lines 2, 4"
    ):
        load_training_data(
            reps_path=tmp_path / "imported" / "reps.parquet", panel_path=tmp_path / "panel.csv"
        )


# ------------------------------------------------------------- 5. a survey in Portuguese


@pytest.mark.parametrize(
    ("answers", "order"),
    [
        (
            ["Eficaz", "Muito ineficaz", "Ineficaz", "Muito eficaz"],
            ["Muito ineficaz", "Ineficaz", "Eficaz", "Muito eficaz"],
        ),
        (
            ["Sehr effektiv", "Ineffektiv", "Effektiv", "Sehr ineffektiv"],
            ["Sehr ineffektiv", "Ineffektiv", "Effektiv", "Sehr effektiv"],
        ),
        (["Sim", "Não", "Talvez", "Nunca"], None),  # no word and its negation
        (["Muito eficaz", "Ineficaz", "Eficaz", "Pouco ineficaz"], None),  # two intensifiers
    ],
)
def test_answers_that_form_a_scale_by_their_form_are_ordered(answers, order):
    assert scale_order(answers) == order


def test_a_survey_in_portuguese_is_recognised_by_its_structure():
    frame, _ = read_source(HERE, {"file": "survey_pt.csv"})
    assert looks_like_survey(frame, profile_frame(frame))
    tables, notes = drafted(["survey_pt.csv"])
    survey = tables["survey"]
    effective = next(c for c in frame.columns if "quão eficaz" in c)
    assert survey["rename"] == {"ID do respondente": "respondent_id", effective: "effectiveness"}
    assert survey["values"]["effectiveness"] == {
        "Muito ineficaz": "not effective",
        "Ineficaz": "somewhat effective",
        "Eficaz": "effective",
        "Muito eficaz": "very effective",
    }
    assert any("form a scale by their form" in n for n in notes)  # the mapping is a CHECK
    assert {"column": "Nome", "equals": "TESTE"} in survey["drop_rows"]
    assert any("solution_type" in n and "personalizadas" in n for n in notes)  # asked, not guessed
    assert set(survey["keep"]) == {"respondent_id", "effectiveness"}  # no name, no e-mail


def test_the_portuguese_survey_imports_with_the_files_own_counts(tmp_path):
    shutil.copy(HERE / "survey_pt.csv", tmp_path)
    text, _ = draft_codebook(tmp_path, ["survey_pt.csv"])
    (tmp_path / "codebook.yml").write_text(text, encoding="utf-8")
    run_codebook(tmp_path)
    imported = pd.read_parquet(tmp_path / "imported" / "survey.parquet")
    raw = pd.read_csv(HERE / "survey_pt.csv", skiprows=[1], encoding="utf-8-sig")
    real = raw[raw["Nome"] != "TESTE"]
    effective = next(c for c in raw.columns if "quão eficaz" in c)
    assert len(imported) == len(real)
    assert (imported["effectiveness"] == "very effective").sum() == (
        real[effective] == "Muito eficaz"
    ).sum()
