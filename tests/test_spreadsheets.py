"""Raw spreadsheets as clients send them: title rows, merged cells, totals, currency, locales."""

from __future__ import annotations

import gzip
from datetime import datetime

import pandas as pd
import pytest
import yaml

from analysis.contracts.numbers import NumberFormatError, decimal_evidence, parse_numbers
from analysis.ingest.codebook import run_codebook
from analysis.ingest.read.spreadsheets import SpreadsheetError, read_grid, sniff, table_from_grid


def _book(path, rows, merge=None, title="Sheet1"):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for span in merge or []:
        sheet.merge_cells(span)
    book.save(path)


def _import(folder, tables):
    (folder / "codebook.yml").write_text(yaml.safe_dump({"tables": tables}))
    record = run_codebook(folder)
    return {
        name: pd.read_parquet(folder / "imported" / f"{name}.parquet") for name in tables
    }, record


def test_title_rows_merged_cells_currency_and_totals_row(tmp_path):
    _book(
        tmp_path / "bookings.xlsx",
        [
            ["Q3 bookings by rep - confidential", None, None, None],
            [None, None, None, None],
            ["Rep ID", "Month", "Bookings", "Win rate"],
            ["R001", datetime(2025, 1, 1), "$12,345.67", "45%"],
            ["R002", datetime(2025, 1, 1), "$1,200.00", "50%"],
            ["R003", datetime(2025, 1, 1), "($300.50)", "12.5%"],
            ["Total", None, "$13,245.17", None],
            ["Source: CRM export, 3 Oct", None, None, None],
        ],
        merge=["A1:D1"],
        title="Activity",
    )
    tables = {
        "panel": {
            "source": {"file": "bookings.xlsx", "sheet": "Activity"},
            "rename": {
                "Rep ID": "rep_id",
                "Month": "period",
                "Bookings": "revenue",
                "Win rate": "win_rate",
            },
            "dates": {"period": "%m/%Y"},
        }
    }
    frames, record = _import(tmp_path, tables)
    panel = frames["panel"]
    assert panel["rep_id"].tolist() == ["R001", "R002", "R003"]
    assert panel["revenue"].tolist() == [12345.67, 1200.0, -300.5]
    assert panel["win_rate"].tolist() == pytest.approx([0.45, 0.5, 0.125])
    assert panel["period"].tolist() == ["2025-01"] * 3
    layout = record["tables"]["panel"]["layout"]
    assert layout == {
        "header_row": 3,
        "header_rows": 1,
        "title_rows": [1],
        "totals_rows": [7],
        "notes_rows": [8],
    }
    assert record["tables"]["panel"]["numbers"]["revenue"] == {
        "decimal": ".",
        "currency": True,
        "percent": False,
        "thousands_suffix": False,
        "currencies": ["USD"],
    }


def test_semicolon_csv_with_decimal_commas_is_read_in_its_locale(tmp_path):
    (tmp_path / "panel.csv").write_text(
        "rep_id;period;revenue;meetings\nR1;2025-01;12918,17;4\nR2;2025-01;1.234,50;5\nR3;2025-01;7.500;6\n",
        encoding="utf-8",
    )
    frames, record = _import(
        tmp_path, {"panel": {"source": {"file": "panel.csv", "format": "csv"}}}
    )
    # 7.500 alone is ambiguous; the column's other values show the decimal comma.
    assert frames["panel"]["revenue"].tolist() == [12918.17, 1234.5, 7500.0]
    assert record["tables"]["panel"]["numbers"]["revenue"]["decimal"] == ","


def test_an_ambiguous_column_takes_the_locale_the_rest_of_the_file_shows(tmp_path):
    (tmp_path / "costs.csv").write_text(
        "item;amount;rate\nTrainer;12.500;0,5\nVenue;3.250;1,25\n", encoding="utf-8"
    )
    frames, _ = _import(tmp_path, {"costs": {"source": {"file": "costs.csv"}}})
    assert frames["costs"]["amount"].tolist() == [12500.0, 3250.0]
    assert frames["costs"]["rate"].tolist() == [0.5, 1.25]


def test_declared_decimal_settles_an_ambiguous_column(tmp_path):
    (tmp_path / "costs.csv").write_text('item,amount\nTrainer,"12,500"\n', encoding="utf-8")
    with pytest.raises(NumberFormatError, match="cannot be read without knowing the locale"):
        _import(tmp_path, {"costs": {"source": {"file": "costs.csv"}}})
    frames, _ = _import(tmp_path, {"costs": {"source": {"file": "costs.csv", "decimal": "."}}})
    assert frames["costs"]["amount"].tolist() == [12500.0]


@pytest.mark.parametrize(
    ("core", "mark"),
    [
        ("12,345.67", "."),
        ("1.234,5", ","),
        ("12918,17", ","),
        ("1,234", "?"),
        ("0,125", ","),
        ("1234,567", ","),
        ("1,234,567", "."),
        ("12", None),
    ],
)
def test_decimal_evidence(core, mark):
    assert decimal_evidence(core) == mark


def test_parse_numbers_refuses_mixtures():
    values = pd.Series(["45%", "0.5"], index=[2, 3])
    with pytest.raises(NumberFormatError, match=r"mixes percentages with plain numbers \(rows 3"):
        parse_numbers(values, column="rate", where="f.csv")
    values = pd.Series(["1,5", "2.5"], index=[2, 3])
    with pytest.raises(NumberFormatError, match="uses both"):
        parse_numbers(values, column="x", where="f.csv")
    values = pd.Series(["EUR 1.200,00", "€ 15,5", "-3,00 €", "1 250,00"], index=[2, 3, 4, 5])
    out, info = parse_numbers(values, column="x", where="f.csv")
    assert out.tolist() == [1200.0, 15.5, -3.0, 1250.0] and info["currency"]


def test_excel_serial_and_iso_dates_read_whatever_the_declared_format(tmp_path):
    (tmp_path / "reps.csv").write_text(
        "rep_id,training_start\nR1,45658\nR2,2025-02-01\nR3,03/2025\n"
    )
    frames, _ = _import(
        tmp_path, {"reps": {"source": {"file": "reps.csv"}, "dates": {"training_start": "%m/%Y"}}}
    )
    assert frames["reps"]["training_start"].tolist() == ["2025-01", "2025-02", "2025-03"]


def test_files_are_recognised_by_content_not_extension(tmp_path):
    (tmp_path / "reps.xlsx").write_text("rep_id,team\nR1,North\n")  # a CSV named .xlsx
    gz = tmp_path / "panel.csv"
    gz.write_bytes(gzip.compress(b"rep_id,team\nR2,South\n"))  # gzip named .csv
    (tmp_path / "logo.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    assert [sniff(tmp_path / n) for n in ("reps.xlsx", "panel.csv", "logo.csv")] == [
        "text",
        "gzip",
        "png",
    ]
    frames, _ = _import(
        tmp_path,
        {
            "reps": {"source": {"file": "reps.xlsx", "format": "xlsx"}},
            "panel": {"source": {"file": "panel.csv"}},
        },
    )
    assert frames["reps"]["team"].tolist() == ["North"] and frames["panel"]["team"].tolist() == [
        "South"
    ]
    with pytest.raises(SpreadsheetError, match="logo.csv: this is a PNG image, not a table"):
        _import(tmp_path, {"x": {"source": {"file": "logo.csv"}}})


def test_header_row_can_be_given_and_a_missing_header_is_named(tmp_path):
    rows, _ = read_grid(_write(tmp_path / "a.csv", "1,2,3\n4,5,6\n"))
    with pytest.raises(
        SpreadsheetError, match="a.csv: no header row found .* set source.header_row"
    ):
        table_from_grid(rows, name="a.csv")
    frame, _ = table_from_grid(rows, name="a.csv", header_row=1)
    assert frame.columns.tolist() == ["1", "2", "3"] and frame.index.tolist() == [2]


def _write(path, text):
    path.write_text(text)
    return path


def test_a_raw_qualtrics_export_named_in_client_yml_points_to_the_codebook():
    from analysis.contracts.readers import DataContractError, read_table
    from analysis.core import paths

    with pytest.raises(
        DataContractError,
        match=r"raw Qualtrics export .* codebook.yml .* `workbench import CLIENT`",
    ):
        read_table(paths.DATA_DIR / "examples" / "qualtrics_export.csv")


def test_typed_excel_numbers_are_never_reread_and_codes_do_not_set_the_locale(tmp_path):
    _book(
        tmp_path / "a.xlsx",
        [
            ["rate", "score", "phone"],
            [1.125, "3,5", "555 123 4567"],
            [2.375, "4,25", "030 1234567"],
        ],
    )
    frames, _ = _import(tmp_path, {"t": {"source": {"file": "a.xlsx"}}})
    assert frames["t"]["rate"].tolist() == [
        1.125,
        2.375,
    ]  # typed cells, whatever the file's other columns say
    assert frames["t"]["score"].tolist() == [3.5, 4.25]
    assert frames["t"]["phone"].tolist() == ["555 123 4567", "030 1234567"]  # not a number
    (tmp_path / "b.csv").write_text('rep,codes,revenue\nA,"1,2","1,234"\nB,3,"2,500"\n')
    with pytest.raises(
        NumberFormatError, match="column 'revenue' cannot be read without knowing the locale"
    ):
        _import(tmp_path, {"t": {"source": {"file": "b.csv"}, "text": ["codes"]}})


def test_whole_euros_with_a_dot_are_not_read_as_decimals(tmp_path):
    (tmp_path / "p.csv").write_text("rep;revenue\nA;39.148\nB;33.280\n")
    with pytest.raises(NumberFormatError, match="'39.148' could be 39148"):
        _import(tmp_path, {"t": {"source": {"file": "p.csv"}}})
    frames, _ = _import(tmp_path, {"t": {"source": {"file": "p.csv", "decimal": ","}}})
    assert frames["t"]["revenue"].tolist() == [39148.0, 33280.0]


def test_accounts_named_total_and_lone_ids_stay_rows_and_row_numbers_count_blank_top_rows(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["A3"], sheet["B3"], sheet["C3"] = "account", "team", "amount"
    for row, values in enumerate(
        [
            ("Total Solutions Ltd", "N", 5),
            ("Sum Consulting", "S", 6),
            ("C", None, None),
            ("Total", None, 11),
        ],
        start=4,
    ):
        for column, value in zip("ABC", values, strict=True):
            sheet[f"{column}{row}"] = value
    book.save(tmp_path / "a.xlsx")
    rows, _ = read_grid(tmp_path / "a.xlsx")
    frame, record = table_from_grid(rows, name="a.xlsx")
    assert frame["account"].tolist() == ["Total Solutions Ltd", "Sum Consulting", "C"]
    assert (
        frame.index.tolist() == [4, 5, 6]
        and record["header_row"] == 3
        and record["totals_rows"] == [7]
    )
    rows, _ = read_grid(_write(tmp_path / "b.csv", "rep,value\nA,1\nSource: CRM export\n"))
    frame, record = table_from_grid(rows, name="b.csv")
    assert frame["rep"].tolist() == ["A"] and record["notes_rows"] == [3]


def test_messages_about_an_imported_table_name_the_raw_file_and_its_rows(tmp_path):
    from analysis.contracts.readers import source_name
    from analysis.contracts.training import TrainingDataError, load_training_data

    _book(
        tmp_path / "crm.xlsx",
        [
            ["Monthly revenue"],
            [],
            ["rep_id", "period", "revenue"],
            ["R1", "2025-01", 100],
            ["R1", "2025-02", 110],
            ["R1", "2025-02", 120],  # sheet row 6: a duplicate of row 5
        ],
        title="Panel",
    )
    (tmp_path / "reps.csv").write_text("rep_id,training_start\nR1,2025-02\n")
    _import(
        tmp_path,
        {
            "panel": {"source": {"file": "crm.xlsx", "sheet": "Panel"}},
            "reps": {"source": {"file": "reps.csv"}},
        },
    )
    panel = tmp_path / "imported" / "panel.parquet"
    assert source_name(panel) == "crm.xlsx (imported as panel.parquet)"
    with pytest.raises(
        TrainingDataError,
        match=r"crm\.xlsx \(imported as panel\.parquet\): columns rep_id, period: "
        r"duplicate rep-period rows on lines 5, 6;",
    ):
        load_training_data(reps_path=tmp_path / "imported" / "reps.parquet", panel_path=panel)
