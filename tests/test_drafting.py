"""`workbench draft-codebook`: a codebook drafted from raw files imports them without edits."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from analysis import cli
from analysis.contracts.numbers import NumberFormatError
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
    # found by new-user tests: an identical Google Forms row became two respondents once
    # row_ids gave each raw row its own id; then one submitted 6 seconds later (another
    # timestamp, the same answers) slipped through a comparison over every column
    rows = [
        "2025/03/01 10:00,Very Effective,Coaching",
        "2025/03/01 11:00:00,Somewhat effective,Gamification",
        "2025/03/01 11:00:06,Somewhat effective,Gamification",
    ]
    (tmp_path / "forms.csv").write_text(
        "Timestamp,How effective is your training organisation?,Which of these practices do you use?\n"
        + "\n".join(rows)
        + "\n"
    )
    text, notes = draft_codebook(tmp_path, ["forms.csv"])
    # the draft asks: only the client knows whether one person submitted twice
    assert "identical_rows: CHECK_drop_or_keep" in text
    assert any("rows 3, 4 give the same answer to every question" in n for n in notes)
    (tmp_path / "codebook.yml").write_text(
        text.replace("    identical_rows: CHECK_drop_or_keep\n", "")
    )
    with pytest.raises(
        CodebookError,
        match=r"forms\.csv: .*rows 3, 4 are identical in every answer the table keeps",
    ):
        run_codebook(tmp_path)
    (tmp_path / "codebook.yml").write_text(text.replace("CHECK_drop_or_keep", "drop"))
    record = run_codebook(tmp_path)
    assert record["tables"]["survey"]["identical_rows_dropped"] == [4]
    survey = pd.read_parquet(tmp_path / "imported" / "survey.parquet")
    assert survey["respondent_id"].tolist() == ["row-2", "row-3"]


def test_a_misspelt_codebook_rule_stops_the_import_instead_of_being_ignored(tmp_path):
    (tmp_path / "forms.csv").write_text("a,b\n1,2\n")
    (tmp_path / "codebook.yml").write_text(
        "tables:\n  survey:\n    source: {file: forms.csv}\n    renmae: {a: respondent_id}\n"
    )
    with pytest.raises(CodebookError, match=r"unknown rule 'renmae' \(did you mean 'rename'\?\)"):
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
    out = capsys.readouterr().out
    assert "studies.training_impact.data.reps_path: reps.csv -> imported/reps.parquet" in out
    assert "studies.training_impact.data.panel_path: panel.csv -> imported/panel.parquet" in out


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


def _codebook(folder, text: str) -> None:
    (folder / "codebook.yml").write_text(text, encoding="utf-8")


def test_units_are_checked_and_written_to_the_import_record(tmp_path):
    (tmp_path / "p.csv").write_text("rep,month,rev,won\nA1,2025-01,£10.1k,2\nA2,2025-01,£12.0k,3\n")
    base = (
        "tables:\n  panel:\n    source: {file: p.csv}\n"
        "    rename: {rep: rep_id, month: period, rev: revenue, won: wins}\n"
    )
    _codebook(
        tmp_path,
        base + "    units:\n      revenue: {unit: money, currency: GBP}\n"
        "      wins: {unit: count, label: deals won}\n",
    )
    record = run_codebook(tmp_path)
    assert record["tables"]["panel"]["units"] == {
        "revenue": {"unit": "money", "currency": "GBP"},
        "wins": {"unit": "count", "label": "deals won"},
    }
    panel = pd.read_parquet(tmp_path / "imported" / "panel.parquet")
    assert panel["revenue"].tolist() == [10_100.0, 12_000.0]  # the k suffix is x 1000
    _codebook(tmp_path, base + "    units: {revenue: {unit: money, currency: '£'}}\n")
    with pytest.raises(
        CodebookError, match=r"units.revenue: currency '£' is not an ISO 4217 code.*GBP"
    ):
        run_codebook(tmp_path)
    _codebook(tmp_path, base + "    units: {wins: {unit: deals}}\n")
    with pytest.raises(CodebookError, match=r"units.wins: unit 'deals' is not one of money, count"):
        run_codebook(tmp_path)


@pytest.mark.parametrize(
    ("values", "rule", "expected"),
    [
        (
            ["FY24 Q1", "FY25 Q1", "FY26 Q2"],
            "{format: fiscal_quarter, fiscal_year_start: 4}",
            ["2023-Q2", "2024-Q2", "2025-Q3"],
        ),
        (
            ["001.2025", "010.2024", "012.2024"],
            "{format: sap_period}",
            ["2025-01", "2024-10", "2024-12"],
        ),
        (["45230", "45260", "45291"], "{format: excel_serial}", ["2023-10", "2023-11", "2023-12"]),
        (
            ["janv. 2025", "août 2024", "déc. 2025"],
            "{format: month_name}",
            ["2025-01", "2024-08", "2025-12"],
        ),
        (["01.2024", "10.2020", "12.2023"], "'%m.%Y'", ["2024-01", "2020-10", "2023-12"]),
    ],
)
def test_periods_are_read_as_written_never_as_numbers(tmp_path, values, rule, expected):
    rows = "\n".join(f"A{i};{v};1.234,50" for i, v in enumerate(values))
    (tmp_path / "p.csv").write_text(f"rep;period;revenue\n{rows}\n", encoding="utf-8")
    _codebook(
        tmp_path,
        f"tables:\n  panel:\n    source: {{file: p.csv}}\n    dates:\n      period: {rule}\n",
    )
    run_codebook(tmp_path)
    panel = pd.read_parquet(tmp_path / "imported" / "panel.parquet")
    assert panel["period"].tolist() == expected
    assert panel["revenue"].tolist() == [1234.5] * 3


def test_sap_special_periods_and_a_missing_fiscal_year_start_are_refused_with_the_fix(tmp_path):
    (tmp_path / "p.csv").write_text("rep;period\nA;012.2024\nA;013.2024\nB;001.2025\n")
    _codebook(
        tmp_path,
        "tables:\n  panel:\n    source: {file: p.csv}\n    dates: {period: {format: sap_period}}\n",
    )
    with pytest.raises(CodebookError, match=r"special periods 13-16.*add special_periods: drop"):
        run_codebook(tmp_path)
    _codebook(
        tmp_path,
        "tables:\n  panel:\n    source: {file: p.csv}\n"
        "    dates: {period: {format: sap_period, special_periods: drop}}\n",
    )
    record = run_codebook(tmp_path)
    assert pd.read_parquet(tmp_path / "imported" / "panel.parquet")["period"].tolist() == [
        "2024-12",
        "2025-01",
    ]
    assert record["tables"]["panel"]["dropped"][-1]["rows"] == 1
    _codebook(
        tmp_path,
        "tables:\n  panel:\n    source: {file: p.csv}\n    dates: {period: {format: fiscal_quarter}}\n",
    )
    with pytest.raises(
        CodebookError, match="fiscal_year_start: the month the client's fiscal year starts"
    ):
        run_codebook(tmp_path)


def test_a_column_not_kept_is_never_parsed_and_cannot_stop_the_import(tmp_path):
    # found by a new-user test: a survey's IP Address read as a number with a decimal comma
    (tmp_path / "s.csv").write_text(
        "id;IP Address;How effective is your training?;budget\n"
        "R1;46.64.197.188;Effective;1.234,50\nR2;79.165.147.90;Very effective;987,00\n"
    )
    text, _ = draft_codebook(tmp_path, ["s.csv"])
    tables = yaml.safe_load(text)["tables"]
    assert "IP Address" not in str(tables["survey"]["keep"])
    _codebook(tmp_path, text)
    run_codebook(tmp_path)
    survey = pd.read_parquet(tmp_path / "imported" / "survey.parquet")
    assert "IP Address" not in survey.columns
    without_keep = {**tables["survey"]}
    without_keep.pop("keep")
    _codebook(tmp_path, yaml.safe_dump({"tables": {"survey": without_keep}}))
    with pytest.raises(NumberFormatError, match="IP Address"):  # read as a number, it stops
        run_codebook(tmp_path)


def test_two_currencies_in_one_column_are_refused_and_drafted_as_a_check(tmp_path):
    rows = "\n".join(
        f"0{i},Jan-24,{c}{i}.5k" for i, c in zip(range(1000, 1030), "££€" * 10, strict=True)
    )
    (tmp_path / "p.csv").write_text("Emp No,Month,Revenue\n" + rows + "\n", encoding="utf-8")
    text, notes = draft_codebook(tmp_path, ["p.csv"])
    panel = yaml.safe_load(text)["tables"]["panel"]
    # mapped, converted to the currency most values are in, the other's rate asked for
    assert panel["rename"]["Revenue"] == "revenue"
    assert panel["numbers"]["revenue"]["currency"] == "GBP"
    assert panel["numbers"]["revenue"]["rates"]["EUR"].startswith("CHECK")
    assert panel["units"]["revenue"] == {"unit": "money", "currency": "GBP"}
    assert any("mixes currencies (GBP 20 values, EUR 10 values)" in n for n in notes)
    _codebook(
        tmp_path,
        "tables:\n  panel:\n    source: {file: p.csv}\n    numbers: {Revenue: {decimal: '.'}}\n",
    )
    with pytest.raises(NumberFormatError, match="mixes currencies"):
        run_codebook(tmp_path)


def test_file_names_as_the_user_types_them(tmp_path, monkeypatch, capsys):
    clients = tmp_path / "data" / "clients"
    folder = clients / "acme"
    (folder / "raw").mkdir(parents=True)
    odd = 'raw/Q1: "won" #1\nfinal.csv'  # a newline, quotes, a colon and a hash
    (folder / odd).write_text("Rep ID,Month,Revenue\nA1,2025-01,$10.00\nA2,2025-01,$12.00\n")
    (tmp_path / "elsewhere.csv").write_text("a,b\n1,2\n")
    monkeypatch.setattr(paths, "CLIENTS_DIR", clients)
    monkeypatch.setattr(paths, "PROJECT_ROOT", tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["draft-codebook", "acme", f"data/clients/acme/{odd}"]) == 0
    drafted = yaml.safe_load((folder / "codebook.yml").read_text())
    assert drafted["tables"]["panel"]["source"]["file"] == odd
    run_codebook(folder)
    assert cli.main(["draft-codebook", "acme", "elsewhere.csv"]) == 2
    assert "outside the client's folder acme/" in capsys.readouterr().err
