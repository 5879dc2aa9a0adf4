"""The report's provenance in plain words: raw files, the import day, rules and match counts."""

from __future__ import annotations

import json
import re

from analysis.render.provenance import data_provenance

DEALS_SHA = "5601d8dbada60d099fe77c526292c9ed503ef8581b9eeb7c0ba2fc740043aa98"
ROSTER_SHA = "ed1e90420014c244687c68c42409bad4fa968cd728ad1e953c517c0900d69db3"
LMS_SHA = "fa5919e85711b98429cd69838a4ccc2ec9af362c9a9febec655598c78efcfccd"


def _match(file, key, matched, unmatched=(), ambiguous=()):
    return {
        "file": file,
        "key": key,
        "column": "Owner Email",
        "roster_reps": 132,
        "matched_reps": matched,
        "unmatched_in_file": [{"first_line": 10, "rows": r} for r in unmatched],
        "unmatched_in_roster": [],
        "ambiguous": list(ambiguous),
    }


def _record():
    return {
        "imported": "2026-01-07T09:30:00+00:00",
        "codebook_sha256": "f" * 64,
        "tables": {
            "panel": {
                "rows_in": 11954,
                "rows_out": 3079,
                "dropped": [
                    {"rule": {"column": "Stage", "equals": "Test"}, "rows": 3},
                    {"rule": {"column": "Pipeline", "keep": ["Sales", "New"]}, "rows": 9},
                ],
                "layout": {"header_row": 1, "notes_rows": [11957, 11958]},
                "source": {"file": "Opportunities.csv", "sha256": DEALS_SHA},
                "from_deals": {
                    "won": ["Closed Won"],
                    "deals": 11954,
                    "won_deals": 7958,
                    "lost_deals": 3419,
                    "open_deals": 577,
                    "period": "month",
                    "window": ["2024-01", "2025-12"],
                    "rep_periods": 3079,
                    "outside_active_months": [{"deals": 2}],
                    "match": _match("Opportunities.csv", "email", 132, unmatched=(6, 28)),
                },
            },
            "reps": {
                "rows_out": 132,
                "layout": {"header_row": 1},
                "source": {"file": "Roster.csv", "sha256": ROSTER_SHA},
                "roster": {"reps": 132, "with_leaving_date": 4},
                "more_sources": [
                    {
                        "file": "Transcript.xlsx",
                        "sha256": LMS_SHA,
                        "role": "completions",
                        "layout": {"header_row": 4, "title_rows": [1, 2]},
                    }
                ],
                "from_completions": {
                    "programme": {"starts_with": "Value Selling Foundations:"},
                    "completed": ["Completed"],
                    "trained_reps": 93,
                    "untrained_reps": 39,
                    "programme_not_completed": [{"rep_id": "BW1"}],
                    "match": _match("Transcript.xlsx", "email", 132, ambiguous=("Chris Lee",)),
                },
            },
        },
    }


def test_the_provenance_names_the_raw_files_rules_and_match_counts_in_words(tmp_path):
    imported = tmp_path / "imported"
    imported.mkdir()
    (imported / "import_record.json").write_text(json.dumps(_record()))
    for table in ("panel", "reps"):
        (imported / f"{table}.parquet").write_bytes(b"")
    plain = tmp_path / "costs.csv"
    plain.write_text("item,amount\nfees,100\n")
    said = data_provenance(
        {
            "panel_path": imported / "panel.parquet",
            "reps_path": imported / "reps.parquet",
            "costs_path": plain,
        }
    )
    assert said["imported"] == "7 January 2026"
    by_file = {s["file"]: s["said"] for s in said["sources"]}
    # the raw files the client sent, never the imported tables or the parameters
    assert set(by_file) == {"Opportunities.csv", "Roster.csv", "Transcript.xlsx", "costs.csv"}
    deals = by_file["Opportunities.csv"]
    assert deals.startswith(
        "11,954 deals: the 7,958 won (“Closed Won”) are summed per rep and month into revenue "
        "and deals won, January 2024 to December 2025 (3,079 rep-months; a month without a won "
        "deal counts as zero); 3,419 lost and 577 still open are not revenue; reps matched to "
        "the list of reps by e-mail address: 132 of 132; 2 people in this file are not on the "
        "list (34 deal rows, left out)"
    )
    assert "2 deals closed outside the rep's months of employment, left out" in deals
    assert "2 note lines set aside as not data" in deals
    assert "3 rows left out where Stage is “Test”" in deals
    assert "9 rows left out whose Pipeline is none of “Sales” and “New”" in deals
    assert by_file["Roster.csv"].startswith("the list of reps: 132 reps, 4 with a leaving date")
    lms = by_file["Transcript.xlsx"]
    assert "first completion of courses whose title starts with “Value Selling Foundations:”" in lms
    assert "93 reps trained, 39 never, 1 rep registered without completing" in lms
    assert "1 name shared by two reps, left out rather than guessed" in lms
    assert "the column headings are in row 4; 2 title rows set aside as not data" in lms
    assert by_file["costs.csv"] == "read as it is"
    prints = {p["file"]: p["sha256"] for p in said["fingerprint"]}
    assert prints["Opportunities.csv"] == DEALS_SHA[:12] and prints["codebook"] == "f" * 12
    assert all(len(h) == 12 for h in prints.values())
    text = json.dumps(said)
    assert not re.search(r"[0-9a-f]{13,}", text)  # no hash longer than the fingerprint's
    for internal in ("panel_path", "reps.parquet", "Owner Email", "None", "True", "[]"):
        assert internal not in text, internal


SURVEY_CSV = (
    "Respondent,Endereço de e-mail,Status,Effectiveness\n"
    "1,ana@empresa.com.br,Complete,Eficaz\n"
    "2,teste@consultoria.com.br,Complete,Eficaz\n"
    "3,rui@empresa.com.br,Preview,Ineficaz\n"
    "4,bia@empresa.com.br,Complete,Muito eficaz\n"
    "5,leo@empresa.com.br,Complete,\n"
)


def test_a_rule_on_personal_data_or_a_column_left_out_never_prints_its_value(tmp_path):
    """nu3 finding 2: a drop rule's e-mail address was printed in the report's provenance."""
    import yaml

    from analysis.ingest.codebook import run_codebook

    (tmp_path / "survey.csv").write_text(SURVEY_CSV, encoding="utf-8")
    table = {
        "source": {"file": "survey.csv"},
        "drop_rows": [
            {"column": "Endereço de e-mail", "equals": "teste@consultoria.com.br"},
            {"column": "Status", "equals": "Preview"},
            {"column": "Effectiveness", "blank": True},
        ],
        "rename": {"Respondent": "respondent_id", "Effectiveness": "effectiveness"},
        "keep": ["respondent_id", "effectiveness"],
    }
    (tmp_path / "codebook.yml").write_text(yaml.safe_dump({"tables": {"survey": table}}))
    record = run_codebook(tmp_path)
    dropped = record["tables"]["survey"]["dropped"]
    assert [(d["personal"], d["column_kept"]) for d in dropped] == [
        ("email", False),
        (None, False),
        (None, True),
    ]
    said = data_provenance({"survey_path": tmp_path / "imported" / "survey.parquet"})
    text = said["sources"][0]["said"]
    assert "1 row left out by a rule on the e-mail column (a test response)" in text
    assert "1 row left out by a rule on Status, a column not imported" in text
    assert "1 row left out where Effectiveness is blank" in text
    assert "teste@" not in json.dumps(said) and "Preview" not in json.dumps(said)


def test_an_older_record_is_judged_by_the_rules_values_and_header(tmp_path):
    """A record written before the import noted personal columns still hides an e-mail."""
    imported = tmp_path / "imported"
    imported.mkdir()
    record = _record()
    record["tables"]["panel"]["dropped"] += [
        {"rule": {"column": "Contact", "equals": "qa@example.com"}, "rows": 2},
        {"rule": {"column": "Owner Name", "keep": ["Ana Lima", "Rui Sousa"]}, "rows": 4},
    ]
    (imported / "import_record.json").write_text(json.dumps(record))
    said = data_provenance({"panel_path": imported / "panel.parquet"})
    text = json.dumps(said, ensure_ascii=False)
    assert "2 rows left out by a rule on the e-mail column" in text
    assert "4 rows left out by a rule on a column of personal data" in text
    assert "3 rows left out where Stage is “Test”" in text  # not personal: said as it is
    for value in ("qa@example.com", "Ana Lima", "Rui Sousa"):
        assert value not in text
