"""What the import must never do silently (new-user round 3): take amounts for another
currency than the one they are written in, sum rows that are copies of one another, write
counts as text into ``imported/``.

Small files written by hand, modelled on the deliveries of that round.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.core.errors import InputError
from analysis.ingest.codebook import run_codebook
from test_events import DEALS, client, codebook


def folder_with(tmp_path: Path, files: dict[str, str], tables: dict) -> Path:
    """A client folder holding ``files`` and a codebook of ``tables``."""
    folder = tmp_path / "client"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    book = yaml.safe_dump({"tables": tables}, sort_keys=False, allow_unicode=True)
    (folder / "codebook.yml").write_text(book, encoding="utf-8")
    return folder


COSTS = 'Cost item,Amount (GBP)\nTrainer fees,"£84,000"\nVenue,"£26,500"\nMaterials,"£12,400"\n'


def costs_table(currency: str, **more) -> dict:
    return {
        "costs": {
            "source": {"file": "costs.csv", "decimal": "."},
            "rename": {"Cost item": "item", "Amount (GBP)": "amount"},
            "units": {"amount": {"unit": "money", "currency": currency}},
            "keep": ["item", "amount"],
            **more,
        }
    }


def test_pounds_declared_as_euros_stop_the_import_naming_file_column_lines_and_fix(tmp_path):
    folder = folder_with(tmp_path, {"costs.csv": COSTS}, costs_table("EUR"))
    with pytest.raises(InputError) as error:
        run_codebook(folder)
    message = str(error.value)
    assert message.startswith("costs.csv: ")
    assert "column 'Amount (GBP)' (amount) is declared in EUR (units.amount)" in message
    assert "3 value(s) are written in GBP on line(s) 2, 3, 4" in message
    assert "'£84,000'" in message and "write GBP in units.amount" in message
    assert not (folder / "imported").exists()

    folder_with(tmp_path, {"costs.csv": COSTS}, costs_table("GBP"))
    run_codebook(folder)
    costs = pd.read_parquet(folder / "imported" / "costs.parquet")
    assert costs["amount"].tolist() == [84000.0, 26500.0, 12400.0]


def test_amounts_without_a_sign_keep_the_declared_currency(tmp_path):
    bare = 'Cost item,Amount (GBP)\nTrainer fees,"84,000"\nVenue,26500\nMaterials,"€12,400"\n'
    folder = folder_with(tmp_path, {"costs.csv": bare}, costs_table("EUR"))
    run_codebook(folder)
    assert pd.read_parquet(folder / "imported" / "costs.parquet")["amount"].sum() == 122900.0


def test_a_dollar_sign_agrees_with_any_dollar(tmp_path):
    dollars = COSTS.replace("£", "$")
    folder = folder_with(tmp_path, {"costs.csv": dollars}, costs_table("CAD"))
    run_codebook(folder)
    folder_with(tmp_path, {"costs.csv": dollars}, costs_table("EUR"))
    with pytest.raises(InputError, match=r"written in USD .*write USD \(or the dollar the client"):
        run_codebook(folder)


def test_a_money_rule_whose_currency_no_value_is_in_says_which_to_write(tmp_path):
    euros = COSTS.replace("£", "€")
    numbers = {"numbers": {"amount": {"currency": "USD"}}}
    folder = folder_with(tmp_path, {"costs.csv": euros}, costs_table("USD", **numbers))
    with pytest.raises(InputError) as error:
        run_codebook(folder)
    message = str(error.value)
    assert "'amount' has values in EUR on line(s) 2, 3, 4" in message
    assert "numbers.amount declares USD" in message
    assert "write currency: EUR in numbers.amount" in message


def test_a_money_rule_without_rates_keeps_bare_amounts_in_its_currency(tmp_path):
    some_bare = COSTS.replace('"£26,500"', "26500")
    numbers = {"numbers": {"amount": {"currency": "GBP"}}}
    folder = folder_with(tmp_path, {"costs.csv": some_bare}, costs_table("GBP", **numbers))
    run_codebook(folder)
    assert pd.read_parquet(folder / "imported" / "costs.parquet")["amount"].sum() == 122900.0


def test_deals_in_euros_declared_in_dollars_stop_the_import(tmp_path):
    euros = DEALS.replace('"$1,000.00"', "$1000.00").replace("$", "€ ")
    folder = client(tmp_path, codebook(deals={"currency": "USD"}), deals=euros)
    with pytest.raises(InputError) as error:
        run_codebook(folder)
    message = str(error.value)
    assert message.startswith("deals.csv: column 'Amount' is declared in USD (from_deals.currency)")
    assert "written in EUR on line(s) 2, 3, 4, 5, 6 and 4 more" in message
    assert "'€ 1000.00'" in message and "write EUR in from_deals.currency" in message
    folder = client(tmp_path, codebook(deals={"currency": "EUR"}), deals=euros)
    record = run_codebook(folder)
    assert record["tables"]["panel"]["units"]["revenue"]["currency"] == "EUR"


MONTHLY = """Rep,Month,Revenue Won,Opportunities
R1,05.2025,3,6
R2,05.2025,1,4
R1,06.2025,2,5
R2,06.2025,0,3
R1,05.2025,3,6
R3,05.2025,4,7
R3,06.2025,1,2
R2,06.2025,0,3
"""


def monthly_panel(**more) -> dict:
    return {
        "panel": {
            "source": {"file": "monthly.csv"},
            "rename": {
                "Rep": "rep_id",
                "Month": "period",
                "Revenue Won": "wins",
                "Opportunities": "opportunities",
            },
            "dates": {"period": "%m.%Y"},
            "keep": ["rep_id", "period", "wins", "opportunities"],
            **more,
        }
    }


SUMMED = {"aggregate": {"by": ["rep_id", "period"], "sum": ["wins", "opportunities"]}}


def test_the_draft_asks_about_copies_instead_of_summing_them(tmp_path):
    from analysis.ingest.drafting import draft_codebook

    folder = folder_with(tmp_path, {"monthly.csv": MONTHLY}, {})
    text, notes = draft_codebook(folder, ["monthly.csv"])
    panel = yaml.safe_load(text)["tables"]["panel"]
    assert "aggregate" not in panel and panel["identical_rows"] == "CHECK_drop_or_keep"
    (asked,) = [n for n in notes if "copies" in n]
    assert "rows 6, 9 repeat a rep_id and period and are copies of an earlier row" in asked
    assert "identical_rows: drop" in asked and "keep if they are truly separate lines" in asked

    # answering the CHECK is the only edit
    folder_with(tmp_path, {}, {})
    (folder / "codebook.yml").write_text(text.replace("CHECK_drop_or_keep", "drop"))
    record = run_codebook(folder)
    panel_table = pd.read_parquet(folder / "imported" / "panel.parquet")
    assert len(panel_table) == 6 and panel_table["wins"].sum() == 11
    assert record["tables"]["panel"]["identical_rows_dropped"] == [6, 9]


def test_rows_of_one_key_that_differ_are_still_drafted_as_a_sum(tmp_path):
    from analysis.ingest.drafting import draft_codebook

    parts = MONTHLY.replace("R1,05.2025,3,6\nR3", "R1,05.2025,1,2\nR3")
    folder = folder_with(tmp_path, {"monthly.csv": parts}, {})
    text, _ = draft_codebook(folder, ["monthly.csv"])
    panel = yaml.safe_load(text)["tables"]["panel"]
    assert "identical_rows" not in panel and panel["aggregate"]["by"] == ["rep_id", "period"]


def test_an_aggregate_that_would_add_a_row_to_its_copy_stops_the_import(tmp_path):
    folder = folder_with(tmp_path, {"monthly.csv": MONTHLY}, monthly_panel(**SUMMED))
    with pytest.raises(InputError) as error:
        run_codebook(folder)
    message = str(error.value)
    assert "monthly.csv: codebook table panel: aggregate would add up 2 row(s)" in message
    assert "(lines 6 = 2, 9 = 5;" in message
    assert "identical_rows: drop" in message and "identical_rows: keep" in message


@pytest.mark.parametrize(("choice", "wins", "rows"), [("drop", 11, [6, 9]), ("keep", 14, None)])
def test_copies_are_dropped_before_the_sum_or_kept_by_choice(tmp_path, choice, wins, rows):
    tables = monthly_panel(identical_rows=choice, **SUMMED)
    folder = folder_with(tmp_path, {"monthly.csv": MONTHLY}, tables)
    record = run_codebook(folder)["tables"]["panel"]
    panel = pd.read_parquet(folder / "imported" / "panel.parquet")
    assert len(panel) == 6 and panel["wins"].sum() == wins
    assert record.get("identical_rows_dropped") == rows


def test_import_prints_what_identical_rows_and_aggregate_did(tmp_path, monkeypatch, capsys):
    from analysis import cli
    from analysis.core import paths

    tables = monthly_panel(identical_rows="drop", **SUMMED)
    folder = folder_with(tmp_path, {"monthly.csv": MONTHLY}, tables)
    monkeypatch.setattr(paths, "CLIENTS_DIR", folder.parent)
    assert cli.main(["import", folder.name]) == 0
    out = capsys.readouterr().out
    assert "panel: 6 rows imported from monthly.csv (0 dropped by drop_rows)" in out
    assert "  identical_rows: 2 copies of another row dropped (lines 6, 9)" in out
    assert "  aggregate: 6 rows combined into 6, one per rep_id and period (0 with several" in out


def test_counts_are_imported_as_numbers_and_ids_trimmed(tmp_path):
    spaced = MONTHLY.replace("R3,05.2025", "R3 ,05.2025")
    tables = monthly_panel(identical_rows="drop")
    folder = folder_with(tmp_path, {"monthly.csv": spaced}, tables)
    run_codebook(folder)
    panel = pd.read_parquet(folder / "imported" / "panel.parquet")
    assert pd.api.types.is_integer_dtype(panel["wins"]), panel.dtypes
    assert pd.api.types.is_integer_dtype(panel["opportunities"])
    assert panel["wins"].sum() == 11 and "R3" in set(panel["rep_id"])


def test_a_count_that_is_not_a_number_stops_the_import_naming_its_lines(tmp_path):
    broken = MONTHLY.replace("R2,05.2025,1,4", "R2,05.2025,one,4")
    folder = folder_with(tmp_path, {"monthly.csv": broken}, monthly_panel(identical_rows="drop"))
    with pytest.raises(InputError) as error:
        run_codebook(folder)
    message = str(error.value)
    assert message.startswith("monthly.csv: codebook table panel: column 'Revenue Won' (wins)")
    assert "1 value(s) are not numbers on line(s) 3 (e.g. 'one')" in message

    blank = MONTHLY.replace("R2,05.2025,1,4", "R2,05.2025,,4")
    folder_with(tmp_path, {"monthly.csv": blank}, monthly_panel(identical_rows="drop"))
    run_codebook(folder)
    panel = pd.read_parquet(folder / "imported" / "panel.parquet")
    assert panel["wins"].dtype == "float64" and panel["wins"].isna().sum() == 1


def test_a_date_format_message_says_which_rule_takes_formats(tmp_path):
    ambiguous = "\n".join(
        line.replace("/20/", "/12/")
        .replace("/22/", "/11/")
        .replace("/14/", "/10/")
        .replace("/30/", "/9/")
        .replace("/15/", "/8/")
        for line in DEALS.splitlines()
    )
    folder = client(tmp_path, codebook(), deals=ambiguous + "\n")
    with pytest.raises(InputError) as error:
        run_codebook(folder)
    message = str(error.value)
    assert "column Close Date reads as" in message
    assert (
        "under formats: inside from_deals:, e.g. from_deals: {..., formats: {Close Date:" in message
    )

    roster = "Employee ID,Employee Name,Work Email,Region,Hire Date,Termination Date,Mobile\n"
    roster += "R1,Chloe Allen,chloe.allen@x.com,East,2020 January the 15th,,555-0101\n"
    folder = client(tmp_path, codebook(), roster=roster)
    with pytest.raises(InputError, match=r"under formats: inside match:, e\.g\. match: \{"):
        run_codebook(folder)


def test_a_table_level_formats_says_where_formats_goes(tmp_path):
    book = codebook()
    book["tables"]["panel"]["formats"] = {"Close Date": "%m/%d/%Y"}
    folder = client(tmp_path, book)
    with pytest.raises(InputError, match=r"formats: goes inside match:, from_completions: or"):
        run_codebook(folder)


def test_a_commented_rename_keeps_its_dates_and_units_commented_too(tmp_path):
    from analysis.ingest.mapping.writing import table_lines

    spec = {
        "source": {"file": "reps.csv"},
        "rename": {"Rep ID": "rep_id", "Team": "team"},
        "dates": {
            "training_start": {"format": "fiscal_quarter", "fiscal_year_start": "CHECK: 1-12"}
        },
        "keep": ["rep_id", "team"],
    }
    open_roles = [("training_start", ["training_start: the values fit"], "Cohort")]
    lines = table_lines("reps", spec, open_roles=open_roles)
    text = "tables:\n" + "\n".join(lines) + "\n"
    assert "      # Cohort: training_start" in text
    assert "      # training_start: {format: fiscal_quarter" in text
    assert "uncomment with the rename of training_start above" in text

    # the CHECK left unanswered: the table imports without the column
    raw = "Rep ID,Team,Cohort\nAE-1,DACH,Q3 FY24\nAE-2,Nordics,\n"
    folder = folder_with(tmp_path, {"reps.csv": raw}, {})
    (folder / "codebook.yml").write_text(text, encoding="utf-8")
    run_codebook(folder)
    assert list(pd.read_parquet(folder / "imported" / "reps.parquet").columns[:2]) == [
        "rep_id",
        "team",
    ]
    # answered: the rename and the lines marked for it uncommented, the placeholder filled in
    answered = "\n".join(
        line.replace("# ", "", 1) if "training_start" in line and "CHECK " not in line else line
        for line in text.splitlines()
    ).replace('"CHECK: 1-12"', "4")
    (folder / "codebook.yml").write_text(answered, encoding="utf-8")
    run_codebook(folder)
    reps = pd.read_parquet(folder / "imported" / "reps.parquet")
    assert reps["training_start"].tolist()[0] == "2023-Q4"


def test_import_never_says_nothing_changed_beside_a_note_that_no_study_uses_the_tables(
    tmp_path, monkeypatch, capsys
):
    from analysis import cli
    from analysis.core import paths

    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "clients")
    assert cli.main(["new-client", "nu3"]) == 0
    folder = tmp_path / "clients" / "nu3"
    (folder / "people.csv").write_text("Nome,Equipe\nAna,Norte\nJoão,Sul\n", encoding="utf-8")
    tables = {"roster": {"source": {"file": "people.csv"}, "rename": {"Equipe": "team"}}}
    (folder / "codebook.yml").write_text(yaml.safe_dump({"tables": tables}), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["import", "nu3"]) == 0
    out = capsys.readouterr().out
    assert "no study of client.yml has its data among the imported tables (roster)" in out
    assert "nothing changed" not in out
    assert "data/clients/nu3/client.yml was not changed:" in out


def test_draft_texts_never_call_a_rule_the_codebook_has_unsupported():
    import re

    import analysis.ingest

    root = Path(analysis.ingest.__file__).parent
    stale = re.compile(r"not (yet )?supported|supported yet", re.IGNORECASE)
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if stale.search(line)
    ]
    assert not found, found


def test_a_sheet_without_a_header_is_named_by_its_sheet(tmp_path):
    from openpyxl import Workbook

    from analysis.ingest.drafting import draft_codebook

    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["EMEA performance FY24-FY25"])
    cover.append(["Prepared by Sales Ops"])
    panel = book.create_sheet("Panel")
    panel.append(["Rep ID", "Month", "Revenue"])
    for rep in ("AE-1", "AE-2"):
        for month in ("2024-01", "2024-02"):
            panel.append([rep, month, 1000])
    folder = folder_with(tmp_path, {}, {})
    book.save(folder / "perf.xlsx")
    _, notes = draft_codebook(folder, ["perf.xlsx"])
    (said,) = [n for n in notes if "no header row" in n]
    assert said.startswith("perf.xlsx sheet 'Cover': no table drafted (no header row found")
    assert said.count("perf.xlsx") == 1
