"""Stacked sheets and files, headers that name a column twice, and the drafts that use them.

Small hand-made workbooks and CSV files: one sheet per region with the same header
(stacked, with the sheet as a column), sheets whose columns differ (refused, naming the
file, the sheets, the columns and the fix), a Typeform-like header with ``Other`` twice
(each read by its position), and the draft of a list of the trained kept in a sheet of
feedback ratings (the reps table as well, never its team).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
import yaml

from analysis.contracts.readers import SOURCE_ROW
from analysis.core.errors import InputError
from analysis.ingest.codebook import CodebookError, run_codebook, stale_imports
from analysis.ingest.drafting import draft, draft_codebook
from analysis.ingest.read.spreadsheets import SpreadsheetError, by_position, table_from_grid

HEADER = ["Rep", "Month", "Revenue ($)", "Won Deals"]


def _book(path, sheets: dict[str, list[list]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def _region(first: int, reps: int = 2, months: int = 3, title: bool = True) -> list[list]:
    rows = [["KPI by region - USD", None, None, None], [None] * 4] if title else []
    rows.append(list(HEADER))
    for rep in range(first, first + reps):
        for month in range(1, months + 1):
            rows.append([f"R{rep:03d}", datetime(2025, month, 1), 1000.0 * rep + month, month])
    rows.append(["Total", None, 99999.0, 99])
    return rows


def _import(folder, tables: dict) -> tuple[dict[str, pd.DataFrame], dict]:
    (folder / "codebook.yml").write_text(yaml.safe_dump({"tables": tables}), encoding="utf-8")
    record = run_codebook(folder)
    return {n: pd.read_parquet(folder / "imported" / f"{n}.parquet") for n in tables}, record


PANEL_RULES = {
    "rename": {"Rep": "rep_id", "Month": "period", "Revenue ($)": "revenue"},
    "dates": {"period": "%Y-%m-%d"},
    "keep": ["rep_id", "period", "revenue", "region"],
}


# ------------------------------------------------------------- headers named twice


def test_a_name_given_twice_is_read_by_each_columns_position():
    rows = [
        (1, ["id", "Coaching", "Other", "Planning", "Other"]),
        (2, ["a1", "Coaching", "Peer circles", None, None]),
        (3, ["a2", None, None, "Planning", "Board reviews"]),
    ]
    frame, record = table_from_grid(rows, name="form.csv")
    assert list(frame.columns) == [
        "id",
        "Coaching",
        "Other (column 3)",
        "Planning",
        "Other (column 5)",
    ]
    assert record["duplicate_headers"] == {"Other": ["Other (column 3)", "Other (column 5)"]}
    assert frame.loc[2, "Other (column 3)"] == "Peer circles"
    assert frame.loc[3, "Other (column 5)"] == "Board reviews"


def test_a_position_name_that_another_column_already_has_is_refused():
    with pytest.raises(SpreadsheetError, match=r"form\.csv: .*'Other \(column 2\)'.*rename one"):
        by_position(["Other", "Other", "Other (column 2)"], [1, 2, 3], "form.csv")


def test_the_codebook_names_the_positioned_column_and_the_plain_name_is_refused(tmp_path):
    (tmp_path / "form.csv").write_text(
        "id,Coaching,Other,Planning,Other\n"
        "a1,Coaching,Peer circles,,\n"
        "a2,,,Planning,Board reviews\n",
        encoding="utf-8",
    )
    source = {"file": "form.csv", "format": "csv"}
    tables, _ = _import(
        tmp_path,
        {
            "survey": {
                "source": source,
                "rename": {"id": "respondent_id", "Other (column 5)": "other_planning"},
                "flags": {"Coaching": "sustain_coaching"},
                "keep": ["respondent_id", "sustain_coaching", "other_planning"],
            }
        },
    )
    assert tables["survey"]["other_planning"].isna().tolist() == [True, False]
    assert tables["survey"]["other_planning"].iloc[1] == "Board reviews"
    plain = {"survey": {"source": source, "rename": {"id": "respondent_id", "Other": "other"}}}
    with pytest.raises(CodebookError) as caught:
        _import(tmp_path, plain)
    said = str(caught.value)
    assert isinstance(caught.value, InputError)
    assert "form.csv: codebook table survey names 'Other'" in said
    assert "read as 'Other (column 3)' and 'Other (column 5)'" in said


def test_the_draft_says_how_a_name_given_twice_is_read(tmp_path):
    (tmp_path / "form.csv").write_text(
        "id,Which industry are you in?,Other,Other\n"
        + "".join(f"r{i},{'Retail' if i % 2 else 'Banking'},x{i},\n" for i in range(12)),
        encoding="utf-8",
    )
    text, _ = draft_codebook(tmp_path, ["form.csv"])
    assert "the header names 'Other' 2 times: read as Other (column 3), Other (column 4)" in text


# ------------------------------------------------------------------ stacked sheets


def test_sheets_with_one_header_are_stacked_with_the_sheet_as_a_column(tmp_path):
    _book(
        tmp_path / "kpi.xlsx",
        {"North": _region(1), "South": _region(3, title=False), "lists": [["a", "b"], [1, 2]]},
    )
    source = {
        "file": "kpi.xlsx",
        "format": "xlsx",
        "sheets": ["North", "South"],
        "sheet_column": "region",
    }
    tables, record = _import(tmp_path, {"panel": {"source": source, **PANEL_RULES}})
    panel = tables["panel"]
    assert len(panel) == 12  # 2 reps x 3 months per sheet; the totals rows set aside
    assert panel.groupby("region")["rep_id"].nunique().to_dict() == {"North": 2, "South": 2}
    assert panel["revenue"].sum() == pytest.approx(sum(1000 * r * 3 + 6 for r in (1, 2, 3, 4)))
    layout = record["tables"]["panel"]["layout"]
    # each sheet's header and totals row found on its own (row 3 under a title, row 1 bare)
    assert layout["stacked"]["North"]["header_row"] == 3
    assert layout["stacked"]["South"]["header_row"] == 1
    assert layout["totals_rows"] == [10, 8]
    # row 4 of North and row 2 of South... numbers repeat across sheets: none is written
    assert SOURCE_ROW not in panel.columns and "row_numbers" in layout


def test_stacked_rows_keep_their_sheet_row_numbers_when_none_repeat(tmp_path):
    north = _region(1)
    south = [[None] * 4] * 9 + _region(3, title=False)  # starts below North's last row
    _book(tmp_path / "kpi.xlsx", {"North": north, "South": south})
    source = {"file": "kpi.xlsx", "sheets": ["North", "South"]}
    tables, _ = _import(tmp_path, {"panel": {"source": source, **PANEL_RULES, "keep": None}})
    assert tables["panel"][SOURCE_ROW].tolist()[:2] == [4, 5]
    assert tables["panel"][SOURCE_ROW].tolist()[6:8] == [11, 12]


def test_sheets_whose_columns_differ_are_refused_naming_the_sheets_columns_and_fix(tmp_path):
    south = _region(3)
    south[2] = ["Rep", "Period", "Revenue ($)", "Won Deals"]
    _book(tmp_path / "kpi.xlsx", {"North": _region(1), "South": south})
    source = {"file": "kpi.xlsx", "format": "xlsx", "sheets": ["North", "South"]}
    with pytest.raises(CodebookError) as caught:
        _import(tmp_path, {"panel": {"source": source, **PANEL_RULES}})
    said = str(caught.value)
    assert isinstance(caught.value, InputError)
    assert said.startswith(
        "kpi.xlsx: the sheets to stack must have the same columns as sheet 'North'"
    )
    assert "sheet 'South' has 'Period' that 'North' lacks and lacks 'Month'" in said
    assert "Give them the same header" in said
    assert not (tmp_path / "imported").exists()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"file": "kpi.xlsx", "sheet": "North", "sheets": ["North"]}, r"both sheet and sheets"),
        ({"file": "kpi.xlsx", "sheets": []}, r"source\.sheets must list the sheets to stack"),
        ({"file": "kpi.xlsx", "sheets": ["North", "North"]}, r"lists 'North' twice"),
        ({"file": "kpi.xlsx", "sheet_column": "region"}, r"lists no sheets"),
        ({"sheets": ["North"]}, r"source\.sheets needs the workbook as source\.file"),
        ({"sheets": ["North"], "files": ["a.csv"]}, r"both sheets and files"),
        ({"file": "kpi.xlsx", "sheets": ["North", "West"]}, r"no sheet 'West'"),
        (
            {"file": "kpi.xlsx", "sheets": ["North"], "sheet_column": "Rep"},
            r"sheet_column 'Rep' is already a column",
        ),
    ],
)
def test_a_stacked_source_of_the_wrong_shape_says_what_to_write(tmp_path, source, message):
    _book(tmp_path / "kpi.xlsx", {"North": _region(1)})
    with pytest.raises(InputError, match=message):
        _import(tmp_path, {"panel": {"source": source, **PANEL_RULES, "keep": None}})


def test_files_with_one_header_are_stacked_and_each_is_in_the_import_record(tmp_path):
    for name, rep in (("jan.csv", "R1"), ("feb.csv", "R2")):
        (tmp_path / name).write_text(f"item,amount\nVenue {rep},100\nTrainer {rep},250\n")
    source = {"files": ["jan.csv", "feb.csv"], "file_column": "export"}
    tables, record = _import(tmp_path, {"costs": {"source": source}})
    assert tables["costs"]["export"].tolist() == ["jan.csv"] * 2 + ["feb.csv"] * 2
    table = record["tables"]["costs"]
    assert table["source"]["file"] == "jan.csv"
    assert [s["file"] for s in table["more_sources"]] == ["feb.csv"]
    assert stale_imports(tmp_path) == []
    (tmp_path / "feb.csv").write_text("item,amount\nVenue R2,900\n")
    assert any("feb.csv changed after it was imported" in p for p in stale_imports(tmp_path))


# ------------------------------------------------------------------------ drafting


def _workbook_with_regions(path, *, odd_one: bool = False) -> None:
    west = _region(5)
    if odd_one:
        west[2] = ["Rep", "Month", "Revenue ($)", "Calls"]
    _book(path, {"North": _region(1), "South": _region(3), "West": west})


def test_the_draft_stacks_sheets_that_share_a_header(tmp_path):
    _workbook_with_regions(tmp_path / "kpi.xlsx")
    text, _ = draft_codebook(tmp_path, ["kpi.xlsx"])
    panel = yaml.safe_load(text)["tables"]["panel"]
    assert panel["source"]["sheets"] == ["North", "South", "West"]
    assert panel["source"]["sheet_column"] == "sheet" and "sheet" in panel["keep"]
    assert "sheet" not in panel["source"]
    (tmp_path / "codebook.yml").write_text(text, encoding="utf-8")
    run_codebook(tmp_path)
    imported = pd.read_parquet(tmp_path / "imported" / "panel.parquet")
    assert len(imported) == 18 and set(imported["sheet"]) == {"North", "South", "West"}


def test_a_sheet_with_other_columns_is_not_stacked_and_the_draft_asks(tmp_path):
    _workbook_with_regions(tmp_path / "kpi.xlsx", odd_one=True)
    result = draft(tmp_path, ["kpi.xlsx"])
    stacked = [s for s in result.sources if s.layout.get("sheets")]
    assert [s.layout["sheets"] for s in stacked] == [["North", "South"]]
    west = next(s for s in result.sources if s.sheet == "West")
    assert west.draft is not None and west.draft.table != "panel"
    assert west.draft.commented and west.draft.table_checks  # a CHECK, not imported


def _academy(path, *, second_date: bool = False) -> None:
    header = ["Employee No.", "Name", "Region", "Wave start", "Rating (1-5)", "Relevance (1-5)"]
    header += ["Intent to apply (1-5)"] + (["Certified on"] if second_date else [])
    if second_date:  # two dates, and neither name says which is the start
        header[3] = "Session held"
    rows = [header]
    for i in range(24):
        rating = None if i == 5 else 3 + i % 3
        row = [f"E{100 + i}", f"Person {i}", ["North", "South"][i % 2]]
        row += [datetime(2025, 2 + i % 3, 10), rating, 4, 3 + i % 2]
        rows.append(row + ([datetime(2025, 8, 1 + i)] if second_date else []))
    _book(path, {"Waves": rows})


def test_a_list_of_the_trained_in_a_feedback_sheet_is_also_the_reps_table(tmp_path):
    _academy(tmp_path / "academy.xlsx")
    result = draft(tmp_path, ["academy.xlsx"])
    tables = {s.draft.table: s.draft for s in result.sources if s.draft is not None}
    assert set(tables) == {"reactions", "reps"}
    assert tables["reps"].mapped == {"rep_id": "Employee No.", "training_start": "Wave start"}
    assert "team" not in tables["reps"].mapped  # the region of the session, not asked
    assert any("a team is not taken from it" in c for c in tables["reps"].checks)
    # the form not returned: its row has no rating, and the reactions table drops it
    assert {"column": "Rating (1-5)", "equals": ""} in tables["reactions"].spec["drop_rows"]


def test_two_dates_that_could_be_the_start_are_asked_not_guessed(tmp_path):
    _academy(tmp_path / "academy.xlsx", second_date=True)
    result = draft(tmp_path, ["academy.xlsx"])
    reps = next(s.draft for s in result.sources if s.draft and s.draft.table == "reps")
    assert "training_start" not in reps.mapped
    assert "Session held" in reps.decisions["training_start"].check
    assert "Certified on" in reps.decisions["training_start"].check


def test_wins_above_opportunities_leave_the_opportunities_out_with_a_check(tmp_path):
    rows = [["Rep", "Month", "Revenue ($)", "Won Deals", "Opps Created"]]
    for rep in range(6):
        for month in range(1, 13):
            rows.append([f"R{rep}", datetime(2025, month, 1), 5000.0 + rep * month, 3, month % 4])
    _book(tmp_path / "kpi.xlsx", {"KPI": rows})
    panel = next(s.draft for s in draft(tmp_path, ["kpi.xlsx"]).sources if s.draft)
    assert panel.mapped.get("wins") == "Won Deals" and "opportunities" not in panel.mapped
    assert "opportunities" not in panel.spec["keep"]
    assert any(c.startswith("opportunities: 'Opps Created' is below wins") for c in panel.checks)


def test_an_id_named_like_the_role_that_repeats_is_asked_beside_the_one_that_fits(tmp_path):
    levels = ["Not effective", "Somewhat effective", "Effective", "Very effective"]
    lines = ["#,Network ID,Which industry are you in?,How effective is your sales training?"]
    lines += [
        f"tok{i:04d},net{i // 2},{'Retail' if i % 2 else 'Banking'},{levels[i % 4]}"
        for i in range(20)
    ]
    (tmp_path / "form.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    survey = next(s.draft for s in draft(tmp_path, ["form.csv"]).sources if s.draft)
    decision = survey.decisions["respondent_id"]
    assert decision.column is None
    assert "'Network ID'" in decision.check and "'#'" in decision.check
    assert decision.suggestion == "#"
