"""Deals into the rep-period panel and LMS completions into training starts (ingest/events/),
by hand on small files and end to end on two deliveries (d01 Salesforce + Cornerstone + HR
roster, d02 HubSpot + Workday; the fixtures of tests/deliveries/) against their TRUTH.md:
the codebook is the one ``draft-codebook`` writes, with only its CHECK lines answered
(the delivery's fixes.yml)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis import effects
from analysis.contracts.training import load_training_data, training_panel
from analysis.ingest.codebook import run_codebook
from analysis.ingest.drafting import draft_codebook
from analysis.ingest.events import draft_event_rules, draft_roster_match
from analysis.ingest.read.sources import CodebookError, read_source
from analysis.ingest.record import import_provenance, stale_imports
from test_deliveries import answers, apply_answers, raw_files, unanswered

DELIVERIES = Path(__file__).parent / "deliveries"
D01 = DELIVERIES / "d01_brightwater_salesforce_cornerstone"
D02 = DELIVERIES / "d02_kitewell_hubspot_workday"

ROSTER = """Employee ID,Employee Name,Work Email,Region,Hire Date,Termination Date,Mobile
R1,"Allen, Chloe",chloe.allen@x.com,East,01/15/2020,,555-0101
R2,"Chen, Robert",robert.chen@x.com,West,03/10/2024,,555-0102
R3,"Díaz, Ana",ana.diaz@x.com,East,06/01/2019,04/20/2024,555-0103
"""
DEALS = """Deal ID,Owner Email,Close Date,Stage,Amount
D1,Chloe.Allen@X.com,1/5/2024,Closed Won,"$1,000.00"
D2,chloe.allen@x.com,1/20/2024,Closed Won,$500.00
D3,chloe.allen@x.com,1/22/2024,Closed Lost,$700.00
D4,chloe.allen@x.com,3/2/2024,Closed Lost,$200.00
D5,robert.chen@x.com,2/14/2024,Closed Won,$300.00
D6,robert.chen@x.com,4/1/2024,Closed Won,$800.00
D7,ana.diaz@x.com,6/30/2024,Closed Won,$900.00
D8,ana.diaz@x.com,2/2/2024,Closed Won,$0.00
D9,chloe.allen@x.com,6/3/2024,Prospecting,
D10,chloe.allen@x.com,6/15/2024,Closed Lost,$50.00
"""
LMS = """User,Course,Status,Completed On
chloe.allen@x.com,Value Selling: Part 1,Completed,2024-03-10 09:00
chloe.allen@x.com,Value Selling: Part 2,Completed,2024-02-27 10:00
chloe.allen@x.com,Code of Conduct,Completed,2024-01-05 08:00
robert.chen@x.com,Value Selling: Part 1,Registered,
ana.diaz@x.com,Code of Conduct,Completed,2024-02-01 08:00
"""


def codebook(**changes) -> dict:
    """The small client's codebook; ``changes`` replace keys of the two rules."""
    reps = {
        "source": {"file": "roster.csv"},
        "rename": {"Employee ID": "rep_id", "Region": "team"},
        "match": {
            "email": "Work Email",
            "name": "Employee Name",
            "hired": "Hire Date",
            "left": "Termination Date",
        },
        "from_completions": {
            "source": {"file": "lms.csv"},
            "learner": "User",
            "key": "email",
            "course": "Course",
            "programme": {"starts_with": "Value Selling:"},
            "status": "Status",
            "completed": ["Completed"],
            "date": "Completed On",
        },
        "keep": ["rep_id", "team", "training_start"],
    }
    panel = {
        "source": {"file": "deals.csv"},
        "from_deals": {
            "roster": "reps",
            "owner": "Owner Email",
            "key": "email",
            "close_date": "Close Date",
            "stage": "Stage",
            "won": ["Closed Won"],
            "lost": ["Closed Lost"],
            "amount": "Amount",
            "currency": "USD",
        },
    }
    reps["from_completions"].update(changes.pop("completions", {}))
    panel["from_deals"].update(changes.pop("deals", {}))
    return {"tables": {"reps": reps, "panel": panel}}


def client(tmp_path: Path, book: dict, deals: str = DEALS, roster: str = ROSTER) -> Path:
    folder = tmp_path / "small"
    folder.mkdir(exist_ok=True)
    (folder / "roster.csv").write_text(roster, encoding="utf-8")
    (folder / "deals.csv").write_text(deals, encoding="utf-8")
    (folder / "lms.csv").write_text(LMS, encoding="utf-8")
    (folder / "codebook.yml").write_text(yaml.safe_dump(book, sort_keys=False), encoding="utf-8")
    return folder


def test_panel_from_deals_by_hand_with_zeros(tmp_path):
    folder = client(tmp_path, codebook())
    record = run_codebook(folder)
    panel = pd.read_parquet(folder / "imported" / "panel.parquet")
    nan = np.nan
    expected = pd.DataFrame(
        [
            # R1 employed throughout: 2024-01 (the first close) to 2024-06 (the last)
            ("R1", "2024-01", 1500.0, 2, 3, 750.0),
            ("R1", "2024-02", 0.0, 0, 0, nan),
            ("R1", "2024-03", 0.0, 0, 1, nan),  # a lost deal: an opportunity, no revenue
            ("R1", "2024-04", 0.0, 0, 0, nan),
            ("R1", "2024-05", 0.0, 0, 0, nan),
            ("R1", "2024-06", 0.0, 0, 1, nan),  # the open deal D9 is not counted
            # R2 hired 2024-03: no row before; his February deal is reported, not counted
            ("R2", "2024-03", 0.0, 0, 0, nan),
            ("R2", "2024-04", 800.0, 1, 1, 800.0),
            ("R2", "2024-05", 0.0, 0, 0, nan),
            ("R2", "2024-06", 0.0, 0, 0, nan),
            # R3 left 2024-04: no row after; a $0.00 pilot is a win
            ("R3", "2024-01", 0.0, 0, 0, nan),
            ("R3", "2024-02", 0.0, 1, 1, 0.0),
            ("R3", "2024-03", 0.0, 0, 0, nan),
            ("R3", "2024-04", 0.0, 0, 0, nan),
        ],
        columns=["rep_id", "period", "revenue", "wins", "opportunities", "avg_deal_size"],
    )
    pd.testing.assert_frame_equal(panel, expected, check_dtype=False)
    deals = record["tables"]["panel"]["from_deals"]
    assert (deals["won_deals"], deals["lost_deals"], deals["open_deals"]) == (6, 3, 1)
    assert deals["window"] == ["2024-01", "2024-06"]
    assert deals["match"]["matched_reps"] == 3 and deals["match"]["unmatched_in_file"] == []


def test_a_deal_closing_outside_the_reps_active_months_is_reported(tmp_path):
    folder = client(tmp_path, codebook())
    record = run_codebook(folder)
    outside = record["tables"]["panel"]["from_deals"]["outside_active_months"]
    assert outside == [
        {"rep_id": "R2", "period": "2024-02", "deals": 1, "won": 1, "amount": 300.0},
        {"rep_id": "R3", "period": "2024-06", "deals": 1, "won": 1, "amount": 900.0},
    ]
    said = " ".join(record["warnings"])
    assert "2 closed deal(s) of 2 rep(s) close outside the rep's active months" in said
    assert "R2 2024-02 (1 deals)" in said and "R3 2024-06 (1 deals)" in said
    written = json.loads((folder / "imported" / "import_record.json").read_text())
    assert "warnings" not in written  # they name people; the record keeps ids and counts
    assert "chloe" not in json.dumps(written).lower()


def test_the_first_completion_of_the_programme_is_the_start(tmp_path):
    folder = client(tmp_path, codebook())
    record = run_codebook(folder)
    reps = pd.read_parquet(folder / "imported" / "reps.parquet")
    starts = dict(zip(reps["rep_id"], reps["training_start"].replace({np.nan: None}), strict=True))
    # R1: Part 2 on 2024-02-27 before Part 1 in March; the January course is not the programme
    assert starts == {"R1": "2024-02", "R2": None, "R3": None}
    assert list(reps.columns[:3]) == ["rep_id", "team", "training_start"]  # no e-mail, no name
    done = record["tables"]["reps"]["from_completions"]
    assert done["programme_not_completed"] == [{"rep_id": "R2", "statuses": ["Registered"]}]
    assert "R2" in " ".join(record["warnings"]) and "stay untrained" in " ".join(record["warnings"])


@pytest.mark.parametrize(
    "programme",
    [
        {"titles": ["Value Selling: Part 1", "value selling: part 2"]},
        {"pattern": r"^value selling: part \d$"},
    ],
)
def test_programme_titles_exact_or_by_pattern(tmp_path, programme):
    folder = client(tmp_path, codebook(completions={"programme": programme}))
    run_codebook(folder)
    reps = pd.read_parquet(folder / "imported" / "reps.parquet")
    assert reps.set_index("rep_id")["training_start"].to_dict()["R1"] == "2024-02"


def test_a_programme_no_title_has_is_refused_listing_the_titles(tmp_path):
    folder = client(tmp_path, codebook(completions={"programme": {"titles": ["VSF"]}}))
    with pytest.raises(CodebookError, match=r"lms.csv: no title.*'Code of Conduct' \(2\)"):
        run_codebook(folder)


def test_quarters(tmp_path):
    folder = client(
        tmp_path, codebook(deals={"period": "quarter"}, completions={"period": "quarter"})
    )
    run_codebook(folder)
    panel = pd.read_parquet(folder / "imported" / "panel.parquet")
    assert panel.loc[
        panel.rep_id == "R1", ["period", "revenue", "opportunities"]
    ].values.tolist() == [
        ["2024-Q1", 1500.0, 4],
        ["2024-Q2", 0.0, 1],
    ]
    reps = pd.read_parquet(folder / "imported" / "reps.parquet")
    assert reps.set_index("rep_id")["training_start"]["R1"] == "2024-Q1"


def test_a_stage_the_file_lacks_is_refused(tmp_path):
    folder = client(tmp_path, codebook(deals={"won": ["Won"]}))
    with pytest.raises(CodebookError, match=r"stage\(s\) \['Won'\].*'Closed Won'"):
        run_codebook(folder)


def test_a_drafted_check_stops_the_import(tmp_path):
    folder = client(tmp_path, codebook(deals={"won": "CHECK ['Closed Won']"}))
    with pytest.raises(CodebookError, match="CHECK placeholder"):
        run_codebook(folder)


def test_amounts_in_another_currency_need_a_rate(tmp_path):
    deals = DEALS.replace("Stage,Amount", "Stage,Amount,Currency")
    deals = "\n".join(
        line + (",CAD" if line.startswith("D6") else ",USD")
        if line and not line.startswith("Deal")
        else line
        for line in deals.splitlines()
    )
    book = codebook(deals={"currency_column": "Currency"})
    folder = client(tmp_path, book, deals=deals + "\n")
    with pytest.raises(CodebookError) as error:
        run_codebook(folder)
    assert "1 won deal(s) have Amount in another currency than USD (CAD: 1; lines 7)" in str(
        error.value
    )
    assert "rates: {CAD: <USD per CAD>}" in str(error.value)
    book["tables"]["panel"]["from_deals"]["rates"] = {"CAD": 0.75}
    client(tmp_path, book, deals=deals + "\n")
    run_codebook(folder)
    panel = pd.read_parquet(folder / "imported" / "panel.parquet")
    assert panel.query("rep_id == 'R2' and period == '2024-04'")["revenue"].item() == 600.0


def test_a_won_deal_without_an_amount_is_refused(tmp_path):
    folder = client(tmp_path, codebook(), deals=DEALS.replace("Closed Won,$500.00", "Closed Won,"))
    with pytest.raises(CodebookError, match=r"1 won deal\(s\) have no Amount \(lines 3\)"):
        run_codebook(folder)


def test_the_roster_comes_before_the_panel(tmp_path):
    book = codebook()
    book["tables"] = {"panel": book["tables"]["panel"], "reps": book["tables"]["reps"]}
    with pytest.raises(CodebookError, match="list the roster"):
        run_codebook(client(tmp_path, book))


def test_unknown_rule_keys_are_refused(tmp_path):
    with pytest.raises(CodebookError, match=r"from_deals: unknown key 'won_stages' \(did you mean"):
        run_codebook(client(tmp_path, codebook(deals={"won_stages": ["Closed Won"]})))


def test_ambiguous_owner_names_are_not_guessed(tmp_path):
    roster = ROSTER + 'R4,"Allen, Chloe",chloe.allen2@x.com,West,01/15/2020,,555-0104\n'
    deals = DEALS.replace("Chloe.Allen@X.com", "Chloe Allen").replace(
        "chloe.allen@x.com", "chloe allen"
    )
    deals = deals.replace("robert.chen@x.com", "Robert Chen").replace("ana.diaz@x.com", "Ana Diaz")
    book = codebook(deals={"owner": "Owner Email", "key": "name", "max_unmatched": 1.0})
    record = run_codebook(client(tmp_path, book, deals=deals, roster=roster))
    match = record["tables"]["panel"]["from_deals"]["match"]
    assert match["ambiguous"] == [{"first_line": 2, "rows": 6, "rep_ids": ["R1", "R4"]}]
    panel = pd.read_parquet(tmp_path / "small" / "imported" / "panel.parquet")
    assert set(panel["rep_id"]) == {"R2", "R3"}  # neither Chloe Allen gets the other's deals
    assert any("'Chloe Allen' = reps R1 and R4" in w for w in record["warnings"])


def test_stale_when_the_lms_file_changes(tmp_path):
    folder = client(tmp_path, codebook())
    run_codebook(folder)
    assert stale_imports(folder) == []
    (folder / "lms.csv").write_text(
        LMS + "ana.diaz@x.com,Value Selling: Part 1,Completed,2024-04-01\n"
    )
    assert any("lms.csv changed after it was imported" in p for p in stale_imports(folder))


# ----------------------------------------------------------------- drafting


def test_draft_recognises_an_opportunity_and_a_completion_export():
    opps, _ = read_source(D01, {"file": OPPS_D01, "encoding": "latin-1"})
    draft = draft_event_rules(opps)
    assert draft is not None and draft.kind == "deals"
    assert (draft.rule["owner"], draft.rule["key"]) == ("Owner Email", "email")
    assert (draft.rule["close_date"], draft.rule["stage"], draft.rule["amount"]) == (
        "Close Date",
        "Stage",
        "Amount",
    )
    assert draft.rule["won"].startswith("CHECK") and "Closed Won" in draft.rule["won"]
    assert re.search(r"won: \"CHECK .*# CHECK: which stages", draft.yaml)
    lms, _ = read_source(D01, {"file": "CSOD_Transcript_Sales_Enablement_20260106.xlsx"})
    draft = draft_event_rules(lms)
    assert draft is not None and draft.kind == "completions"
    assert (draft.rule["learner"], draft.rule["key"], draft.rule["course"]) == (
        "User ID",
        "email",
        "Training Title",
    )
    assert (draft.rule["status"], draft.rule["completed"], draft.rule["date"]) == (
        "Status",
        ["Completed"],
        "Completion Date",
    )
    assert (
        draft.rule["programme"] == "CHECK"
        and "'Value Selling Foundations: Virtual Workshop'" in draft.yaml
    )
    roster, _ = read_source(D01, {"file": "Sales_Roster_2026-01-05.csv"})
    assert draft_event_rules(roster) is None
    assert draft_roster_match(roster) == {
        "email": "Work Email",
        "name": "Employee Name",
        "hired": "Hire Date",
        "left": "Termination Date",
    }


def test_draft_takes_the_converted_amount_beside_a_currency_column():
    deals, _ = read_source(D02, {"file": "hubspot-crm-exports-all-deals-2026-01-08.csv"})
    draft = draft_event_rules(deals)
    assert draft is not None and draft.kind == "deals"
    assert (draft.rule["owner"], draft.rule["key"], draft.rule["amount"]) == (
        "Deal owner",
        "name",
        "Amount in company currency",
    )
    lms, _ = read_source(
        D02,
        {"file": "Learning_Records_Sales_Org_2026-01-08.xlsx", "sheet": "Learning Records"},
    )
    draft = draft_event_rules(lms)
    assert draft is not None and draft.kind == "completions"
    assert (draft.rule["learner"], draft.rule["key"], draft.rule["course"]) == (
        "Employee ID",
        "id",
        "Learning Content",
    )


# ----------------------------------------------------------------- deliveries end to end

OPPS_D01 = "Opportunities by Owner - Closed and Open-2026-01-06-10-42-17.csv"


def truth_number(delivery: Path, pattern: str) -> float:
    text = (delivery / "TRUTH.md").read_text(encoding="utf-8")
    found = re.search(pattern, text)
    assert found, pattern
    return float(found.group(1).replace(",", ""))


def imported(tmp_path: Path, delivery: Path, after_import: bool = False) -> tuple[dict, dict]:
    """The delivery's raw files, the drafted codebook with only its CHECK lines answered
    (fixes.yml; ``after_import`` adds the lines the import suggested), imported."""
    folder = tmp_path / delivery.name
    folder.mkdir(parents=True)
    for file in raw_files(delivery.name):
        shutil.copy(delivery / file, folder / file)
    text, _ = draft_codebook(folder, raw_files(delivery.name))
    fixes = answers(delivery.name)
    assert unanswered(text, fixes["checks"]) == []
    text = apply_answers(text, fixes["checks"])
    if after_import:
        text = apply_answers(text, fixes["after_import"])
    (folder / "codebook.yml").write_text(text, encoding="utf-8")
    record = run_codebook(folder)
    tables = load_training_data(
        reps_path=folder / "imported" / "reps.parquet",
        panel_path=folder / "imported" / "panel.parquet",
    )
    return record, tables


def att(tables: dict) -> pd.Series:
    panel = training_panel(tables)
    return effects.staggered_att(
        panel, outcome="revenue", unit="rep_id", time="period", start="training_start"
    ).iloc[0]


def test_d01_salesforce_cornerstone_roster_to_the_truth(tmp_path):
    """Answered: the won stage and the programme's titles (and the two cost columns)."""
    record, tables = imported(tmp_path, D01)
    reps, panel = tables["reps"], tables["panel"]
    assert len(reps) == truth_number(D01, r"the (\d+) roster rows")
    assert len(panel) == truth_number(D01, r"= \*\*([\d,]+) rep-months\*\*")
    assert panel["revenue"].sum() == pytest.approx(
        truth_number(D01, r"total revenue\s+over the panel \*\*\$([\d,.]+)\*\*"), abs=0.005
    )
    assert panel["wins"].sum() == truth_number(D01, r"wins ([\d,]+);")
    check = panel[
        (panel.rep_id == "BW10825") & (panel.period.astype(str) == "2025-06")
    ]  # robert.chen
    assert check["revenue"].item() == pytest.approx(35757.10)
    assert reps["training_start"].isna().sum() == truth_number(D01, r"blank for the (\d+) reps")
    assert training_panel(tables)["trained"].sum() == truth_number(
        D01, r"Trained rep-months: \*\*([\d,]+)\*\*"
    )
    deals = record["tables"]["panel"]["from_deals"]["match"]
    assert (
        deals["matched_reps"],
        deals["roster_reps"],
        deals["unmatched_in_roster"],
        deals["ambiguous"],
    ) == (132, 132, [], [])
    # Integration User and the four regional directors: 34 won rows of owners who are not reps
    assert len(deals["unmatched_in_file"]) == 5
    lms = record["tables"]["reps"]["from_completions"]
    assert lms["match"]["matched_reps"] == 132 and lms["match"]["unmatched_in_file"] == []
    assert lms["starts_by_period"] == {"2024-06": 24, "2024-10": 24, "2025-02": 23, "2025-06": 22}
    assert record["tables"]["panel"]["units"]["revenue"] == {"unit": "money", "currency": "USD"}
    fit = att(tables)
    planted = truth_number(D01, r"\*\*([\d,]+) USD in every trained rep-month\*\*")
    assert fit.conf_low < planted < fit.conf_high
    assert fit.estimate == pytest.approx(
        truth_number(D01, r"Spiess; rep bootstrap, 199 draws\) \| ([\d,]+) \|"), abs=1
    )
    folder = tmp_path / D01.name
    assert set(pd.read_parquet(folder / "imported" / "reps.parquet").columns) == {
        "rep_id",
        "team",
        "training_start",
        "_source_row",
    }
    sources = import_provenance(folder / "imported" / "panel.parquet")["sources"]
    assert (
        "132 of 132 reps matched by email on Owner Email; unmatched: 5 in this file (34 rows)"
        in sources[0]["role"]
    )


def test_d02_hubspot_workday_to_the_truth(tmp_path):
    """Answered: the won stage and the programme's lessons; the LMS export is the roster."""
    record, tables = imported(tmp_path, D02)
    # as drafted: Alexandra Novak (25660) is 'Alex Novak' in HubSpot, so she is left out and
    # named; the five sales managers of the LMS export are not reps: the keep_rows answer
    # (Job Profile) leaves them out of the roster
    said = " ".join(record["warnings"])
    assert "have no row in hubspot-crm-exports-all-deals-2026-01-08.csv and are left out" in said
    assert "add aliases: {Alex Novak: '25660'}" in said
    deals = record["tables"]["panel"]["from_deals"]["match"]
    managers = ["19000", "19037", "19074", "19111", "19148"]
    assert (deals["matched_reps"], deals["unmatched_in_roster"]) == (111, ["25660"])
    assert record["tables"]["reps"]["roster"]["reps"] == 112
    assert record["tables"]["reps"]["dropped"] == [
        {
            "rule": {
                "column": "Job Profile",
                "keep": ["Account Executive", "Senior Account Executive"],
            },
            "rows": 15,
            "column_kept": True,
            "personal": None,
        }
    ]
    assert not set(managers) & set(tables["reps"]["rep_id"])
    # their own LMS rows (the coaching guide) are then rows of people who are not reps
    completions = record["tables"]["reps"]["from_completions"]["match"]
    assert len(completions["unmatched_in_file"]) == len(managers)
    assert len(tables["panel"]) == 111 * 20
    fit = att(tables)
    planted = truth_number(D02, r"\*\*([\d,]+) USD in every trained rep-month\*\*")
    assert fit.conf_low < planted < fit.conf_high

    record, tables = imported(tmp_path / "alias", D02, after_import=True)
    reps, panel = tables["reps"], tables["panel"]
    in_panel = reps[reps.rep_id.isin(panel.rep_id)]
    assert len(in_panel) == 112 and in_panel["training_start"].isna().sum() == truth_number(
        D02, r"blank for the\s+(\d+) reps"
    )
    assert len(panel) == truth_number(D02, r"= \*\*([\d,]+) rep-months\*\*")
    assert panel["revenue"].sum() == pytest.approx(
        truth_number(D02, r"total revenue \*\*\$([\d,.]+)\*\*"), abs=0.005
    )
    assert panel["wins"].sum() == truth_number(D02, r"wins ([\d,]+);")
    check = panel[(panel.rep_id == "25660") & (panel.period.astype(str) == "2025-03")]
    assert check["revenue"].item() == pytest.approx(74510.09)
    deals = record["tables"]["panel"]["from_deals"]["match"]
    assert (deals["matched_reps"], deals["unmatched_in_roster"], deals["ambiguous"]) == (
        112,
        [],
        [],
    )
    # the five renewals account managers; 25 deals without an owner
    assert len(deals["unmatched_in_file"]) == 5 and deals["blank_rows"] == 25
    assert training_panel(tables)["trained"].sum() == truth_number(
        D02, r"Trained rep-months: \*\*([\d,]+)\*\*"
    )
    # the converted amount is in the company currency, told from the deals in USD
    assert record["tables"]["panel"]["from_deals"]["currency"] == "USD"
    fit = att(tables)
    assert fit.conf_low < planted < fit.conf_high
    assert fit.estimate == pytest.approx(
        truth_number(D02, r"Spiess; rep bootstrap, 199 draws\) \| ([\d,]+) \|"), abs=1
    )


def test_a_list_of_the_trained_is_completed_from_the_panel(tmp_path):
    """add_reps_from: the panel's reps the list lacks are added untrained, and ids written
    otherwise in the list (case, spaces) take the panel's spelling."""
    folder = tmp_path / "listed"
    folder.mkdir()
    (folder / "panel.csv").write_text(
        "Emp,Month,Revenue\nSD0001,2024-01,10\nSD0002,2024-01,20\nSD0003,2024-01,30\n"
        "SD0001,2024-02,11\nSD0002,2024-02,21\nSD0003,2024-02,31\n",
        encoding="utf-8",
    )
    (folder / "trained.csv").write_text(
        "Emp,Start\nsd0001,2024-02\nSD 0003,2024-02\n", encoding="utf-8"
    )
    book = {
        "tables": {
            "panel": {
                "source": {"file": "panel.csv"},
                "rename": {"Emp": "rep_id", "Month": "period", "Revenue": "revenue"},
            },
            "reps": {
                "source": {"file": "trained.csv"},
                "rename": {"Emp": "rep_id", "Start": "training_start"},
                "add_reps_from": "panel",
            },
        }
    }
    (folder / "codebook.yml").write_text(yaml.safe_dump(book, sort_keys=False), encoding="utf-8")
    record = run_codebook(folder)
    reps = pd.read_parquet(folder / "imported" / "reps.parquet").set_index("rep_id")
    assert sorted(reps.index) == ["SD0001", "SD0002", "SD0003"]
    assert pd.isna(reps.loc["SD0002", "training_start"])
    assert reps.loc["SD0003", "training_start"] == "2024-02"
    assert record["tables"]["reps"]["add_reps_from"] == {
        "from": "panel",
        "added_untrained": 1,
        "ids_rewritten": 2,
    }
    book["tables"] = {"reps": book["tables"]["reps"], "panel": book["tables"]["panel"]}
    (folder / "codebook.yml").write_text(yaml.safe_dump(book, sort_keys=False), encoding="utf-8")
    with pytest.raises(CodebookError, match="add_reps_from names 'panel'.*list it first"):
        run_codebook(folder)


def test_training_starts_written_with_month_names_are_read_with_or_without_a_format():
    """A new user's training list wrote "Jul 2025": only the text before the first space
    was read, and ``{format: month_name}`` ended in a TypeError traceback."""
    from analysis.ingest.events.rules import read_event_dates

    starts = pd.Series(["Jul 2025", "Apr 2025", None, "Jan 2025"], index=[2, 3, 4, 5])
    expected = [pd.Timestamp("2025-07-01"), pd.Timestamp("2025-04-01"), pd.NaT]
    assert read_event_dates(starts, column="Start", where="x").tolist()[:3] == expected
    named = read_event_dates(starts, column="Start", where="x", fmt={"format": "month_name"})
    assert named.tolist()[:3] == expected
    serial = read_event_dates(
        pd.Series(["45230"]), column="d", where="x", fmt={"format": "excel_serial"}
    )
    assert serial.tolist() == [pd.Timestamp("2023-10-01")]
    with pytest.raises(CodebookError, match="'month_name' does not read on lines 3"):
        read_event_dates(
            pd.Series(["Jul 2025", "soon"], index=[2, 3]),
            column="Start",
            where="x",
            fmt={"format": "month_name"},
        )


def test_keep_rows_leaves_out_the_people_who_are_not_reps_and_is_drafted_as_a_check():
    from analysis.ingest.rules import apply_codebook_table

    frame = pd.DataFrame(
        {
            "Employee ID": ["1", "2", "3", "4"],
            "Job Profile": [
                "Account Executive",
                " Sales Manager",
                "Senior Account Executive",
                None,
            ],
        },
        index=[2, 3, 4, 5],  # the file's lines
    )
    spec = {
        "source": {"file": "roster.csv", "format": "csv"},
        "rename": {"Employee ID": "rep_id"},
        "keep_rows": {"Job Profile": ["Account Executive", "Senior Account Executive"]},
        "keep": ["rep_id"],
    }
    table, record = apply_codebook_table(frame, spec, "reps")
    assert table["rep_id"].tolist() == ["1", "3"]  # the manager and the blank role left out
    assert record["dropped"] == [
        {
            "rule": {
                "column": "Job Profile",
                "keep": ["Account Executive", "Senior Account Executive"],
            },
            "rows": 2,
            "column_kept": False,
            "personal": None,
        }
    ]
    with pytest.raises(CodebookError, match="keep_rows maps a column to the values"):
        apply_codebook_table(
            frame, {**spec, "keep_rows": {"Job Profile": "Account Executive"}}, "reps"
        )
    # drafted with every value kept and a CHECK naming the column, so the answer is one line
    text = draft_codebook(D02, raw_files(D02.name))[0]
    asked = [line for line in text.splitlines() if "CHECK keep_rows: Job Profile" in line]
    assert len(asked) == 1 and "'Sales Manager' (15 rows)" in asked[0]
    drafted = yaml.safe_load(text)["tables"]["reps"]["keep_rows"]["Job Profile"]
    assert set(drafted) == {"Account Executive", "Senior Account Executive", "Sales Manager"}
