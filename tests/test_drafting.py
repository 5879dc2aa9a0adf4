"""`workbench draft-codebook`: a codebook drafted from raw files imports them without edits."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from analysis import cli
from analysis.core import paths
from analysis.ingest.codebook import CodebookError, run_codebook
from analysis.ingest.drafting import draft_codebook, match_column
from analysis.studies.validate import validate_client

EXAMPLES = paths.DATA_DIR / "examples"


def test_the_draft_for_the_example_files_needs_no_edit(tmp_path, monkeypatch, capsys):
    clients = tmp_path / "clients"
    folder = clients / "northwind"
    folder.mkdir(parents=True)
    for name in ("qualtrics_export.csv", "rep_panel.xlsx", "client.yml"):
        shutil.copy(EXAMPLES / name, folder / name)
    monkeypatch.setattr(paths, "CLIENTS_DIR", clients)
    assert cli.main(["draft-codebook", "northwind", "qualtrics_export.csv", "rep_panel.xlsx"]) == 0
    printed = capsys.readouterr().out
    assert "wrote data/clients/northwind/codebook.yml" in printed and "CHECK" in printed
    run_codebook(folder)
    assert [
        p.message for p in validate_client("northwind", clients_dir=clients) if p.level == "error"
    ] == []
    # the same tables as the hand-written example codebook gives
    reference = tmp_path / "reference"
    shutil.copytree(EXAMPLES, reference)
    run_codebook(reference)
    for table in ("survey", "reps", "panel"):
        drafted = pd.read_parquet(folder / "imported" / f"{table}.parquet")
        written = pd.read_parquet(reference / "imported" / f"{table}.parquet")
        pd.testing.assert_frame_equal(
            drafted[written.columns].astype("string"), written.astype("string"), check_dtype=False
        )


def test_an_existing_codebook_is_never_overwritten(tmp_path, monkeypatch):
    folder = tmp_path / "clients" / "northwind"
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLES / "rep_panel.xlsx", folder)
    (folder / "codebook.yml").write_text("# reviewed\ntables: {reps: {source: {file: reps.csv}}}\n")
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "clients")
    assert cli.main(["draft-codebook", "northwind", "rep_panel.xlsx"]) == 0
    assert (folder / "codebook.yml").read_text().startswith("# reviewed\n")
    assert "rep_panel.xlsx sheet 'Activity' -> panel" in (folder / "codebook.draft.yml").read_text()


def test_columns_are_matched_by_name_synonym_and_question():
    columns = ["rep_id", "period", "revenue", "training_start"]
    assert match_column("Rep ID", columns) == ("rep_id", 1.0)
    assert match_column("Bookings", columns) == ("revenue", 0.9)
    assert match_column("Q2", ["effectiveness"], "How effective is your training?") == (
        "effectiveness",
        0.8,
    )
    assert match_column("Favourite colour", columns) == (None, 0.0)


def test_per_option_columns_become_flags(tmp_path):
    (tmp_path / "s.csv").write_text(
        "respondent_id,effectiveness,Mobile learning,Coaching\nR1,effective,Mobile learning,\nR2,very effective,,Coaching\n"
    )
    text, _ = draft_codebook(tmp_path, ["s.csv"])
    assert (
        "flags:" in text
        and "Mobile learning: tool_mobile_learning" in text
        and "Coaching: sustain_coaching" in text
    )


def test_a_check_placeholder_left_in_the_codebook_stops_the_import(tmp_path):
    import pytest
    import yaml

    from analysis.ingest.codebook import CodebookError

    (tmp_path / "s.csv").write_text(
        'respondent_id,Practices\nR1,"Coaching,Podcasts"\nR2,Coaching\n'
    )
    (tmp_path / "codebook.yml").write_text(
        yaml.safe_dump(
            {
                "tables": {
                    "survey": {
                        "source": {"file": "s.csv"},
                        "multi_select": {
                            "Practices": {
                                "options": {
                                    "Coaching": "sustain_coaching",
                                    "Podcasts": "CHECK_podcasts",
                                }
                            }
                        },
                    }
                }
            }
        )
    )
    with pytest.raises(
        CodebookError,
        match=r"1 CHECK placeholder\(s\) \(multi_select.Practices.options.Podcasts: CHECK_podcasts\)",
    ):
        run_codebook(tmp_path)


def test_google_forms_survey_hidden_sheets_and_crm_footers(tmp_path, monkeypatch, capsys):
    """Found by a new-user test: a Google Forms export (no response id, an option holding a
    comma), a workbook with a hidden notes sheet, a CRM CSV with a 'Grand Totals (n records)'
    row and a footer, a sheet that matches no contract table."""
    from openpyxl import Workbook

    option = "Reinforcement and follow-up (e.g., refreshers)"
    (tmp_path / "forms.csv").write_text(
        "Timestamp,How effective is your training organisation?,Which of these practices do you use?\n"
        f'2025/03/01 10:00,Very Effective,"Coaching, {option}"\n'
        '2025/03/01 11:00,Somewhat effective,"Gamification, Coaching"\n'
        f'2025/03/02 09:30,Effective,"{option}"\n'
    )
    text, notes = draft_codebook(tmp_path, ["forms.csv"])
    survey_rules = yaml.safe_load(text)["tables"]["survey"]
    assert survey_rules["row_ids"] == "respondent_id", text
    options = survey_rules["multi_select"]["Which of these practices do you use?"]["options"]
    assert options[option] == "sustain_reinforcement"
    (tmp_path / "codebook.yml").write_text(text)
    run_codebook(tmp_path)
    survey = pd.read_parquet(tmp_path / "imported" / "survey.parquet")
    assert survey["respondent_id"].tolist() == ["row-2", "row-3", "row-4"]
    assert survey["sustain_reinforcement"].tolist() == [True, False, True]

    book = Workbook()
    book.active.title = "Roster"
    for row in (
        ["Employee No.", "Sales Region", "Enablement Completed Date"],
        ["E1", "North", "2025-03-01"],
    ):
        book.active.append(row)
    hidden = book.create_sheet("Notes")
    hidden.append(["internal only"])
    hidden.sheet_state = "hidden"
    odd = book.create_sheet("Colours")
    for row in (["Favourite colour", "Lucky number"], ["red", "7"]):
        odd.append(row)
    book.save(tmp_path / "book.xlsx")
    (tmp_path / "crm.csv").write_text(
        'Sales Rep,Fiscal Month,Closed Won Amount\nE1,Jan 2025,"28,755.46"\nE1,Feb 2025,"1,000.00"\n'
        'Grand Totals (2 records),,"29,755.46"\nCopyright (c) 2025 Pinecrest\nPinecrest Inc.\n'
    )
    text, notes = draft_codebook(tmp_path, ["book.xlsx", "crm.csv"])
    assert "hidden sheet 'Notes' left out" in " ".join(notes)
    tables = yaml.safe_load(text)["tables"]
    assert tables["reps"]["rename"] == {
        "Employee No.": "rep_id",
        "Enablement Completed Date": "training_start",
        "Sales Region": "team",
    }
    # the colours sheet matches no contract table: drafted commented out, not imported
    assert "# CHECK_table:" in text and "CHECK no contract table" in text
    assert tables["panel"]["rename"]["Fiscal Month"] == "period"
    assert tables["panel"]["dates"] == {"period": "%b %Y"}
    assert "totals rows [4]; notes rows [5, 6]" in text


def test_a_form_submitted_twice_is_not_counted_as_two_respondents(tmp_path):
    # found by a new-user test: an identical Google Forms row (same timestamp and answers)
    # became two respondents once row_ids gave each raw row its own id
    rows = [
        "2025/03/01 10:00,Very Effective,Coaching",
        "2025/03/01 11:00,Somewhat effective,Gamification",
        "2025/03/01 11:00,Somewhat effective,Gamification",
    ]
    (tmp_path / "forms.csv").write_text(
        "Timestamp,How effective is your training organisation?,Which of these practices do you use?\n"
        + "\n".join(rows)
        + "\n"
    )
    text, _ = draft_codebook(tmp_path, ["forms.csv"])
    (tmp_path / "codebook.yml").write_text(text)
    with pytest.raises(
        CodebookError, match=r"forms\.csv: .*rows 3, 4 are identical in every column"
    ):
        run_codebook(tmp_path)
    (tmp_path / "codebook.yml").write_text(
        text.replace("row_ids: respondent_id", "row_ids: respondent_id\n    identical_rows: drop")
    )
    record = run_codebook(tmp_path)
    assert record["tables"]["survey"]["identical_rows_dropped"] == [4]
    survey = pd.read_parquet(tmp_path / "imported" / "survey.parquet")
    assert survey["respondent_id"].tolist() == ["row-2", "row-3"]


def test_a_misspelt_codebook_rule_stops_the_import_instead_of_being_ignored(tmp_path):
    (tmp_path / "forms.csv").write_text("a,b\n1,2\n")
    (tmp_path / "codebook.yml").write_text(
        "tables:\n  survey:\n    source: {file: forms.csv}\n    renmae: {a: respondent_id}\n"
    )
    with pytest.raises(CodebookError, match="unknown rule.*'renmae': did you mean 'rename'"):
        run_codebook(tmp_path)


def test_new_client_template_then_draft_then_import(tmp_path, monkeypatch, capsys):
    clients = tmp_path / "clients"
    monkeypatch.setattr(paths, "CLIENTS_DIR", clients)
    assert cli.main(["new-client", "northwind"]) == 0
    folder = clients / "northwind"
    assert cli.main(["import", "northwind"]) == 2
    assert (
        "draft one from the raw files with `workbench draft-codebook northwind FILE...`"
        in capsys.readouterr().err
    )
    shutil.copy(EXAMPLES / "rep_panel.xlsx", folder)
    assert (
        cli.main(["draft-codebook", "northwind", "rep_panel.xlsx"]) == 0
    )  # the empty template is replaced
    assert "wrote data/clients/northwind/codebook.yml" in capsys.readouterr().out
    assert cli.main(["import", "northwind"]) == 0
    assert (
        "reps_path: imported/reps.parquet, panel_path: imported/panel.parquet"
        in capsys.readouterr().out
    )


def test_a_windows_encoded_csv_is_drafted_with_its_encoding(tmp_path):
    # found by a new-user test: a cp1252 export drafted no table and only said "read it
    # with encoding latin-1", though the draft can tell the encoding itself
    text = "Rep ID;Region;Monat;Umsatz\nMÜ-1;Süd;2025-01;1.234,50\nMÜ-2;Nord;2025-01;987,00\n"
    (tmp_path / "umsatz.csv").write_bytes(text.encode("cp1252"))
    draft, _ = draft_codebook(tmp_path, ["umsatz.csv"])
    assert "encoding: cp1252" in draft and "not UTF-8, read as cp1252" in draft
    (tmp_path / "codebook.yml").write_text(draft)
    run_codebook(tmp_path)
    imported = next((tmp_path / "imported").glob("*.parquet"))
    frame = pd.read_parquet(imported)
    assert frame["rep_id"].tolist() == ["MÜ-1", "MÜ-2"]  # accents read, Region (unused) left out


def test_case_and_identical_rows_rules_clean_a_workbook_without_editing_it(tmp_path):
    # found by a new-user test: ids written KF-001 in one sheet and kf-001 in another,
    # and a row exported twice, needed 30 hand-written value mappings and a raw-file edit
    (tmp_path / "panel.csv").write_text(
        "Rep ID,Month,Revenue\nkf-001,2025-01,10\nkf-001,2025-01,10\nKf-002,2025-01,12\n"
    )
    (tmp_path / "codebook.yml").write_text(
        "tables:\n  panel:\n    source: {file: panel.csv}\n"
        "    rename: {Rep ID: rep_id, Month: period, Revenue: revenue}\n"
        "    case: {rep_id: upper}\n    identical_rows: drop\n"
    )
    record = run_codebook(tmp_path)
    panel = pd.read_parquet(tmp_path / "imported" / "panel.parquet")
    assert panel["rep_id"].tolist() == ["KF-001", "KF-002"]
    assert record["tables"]["panel"]["identical_rows_dropped"] == [3]
    (tmp_path / "codebook.yml").write_text(
        (tmp_path / "codebook.yml").read_text().replace("upper", "title")
    )
    with pytest.raises(CodebookError, match="case.rep_id must be upper or lower"):
        run_codebook(tmp_path)
