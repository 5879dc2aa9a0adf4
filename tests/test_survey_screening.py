"""Which survey rows are responses: drop rules beyond equals, drafted from the export's own
values (blank key answers, test rows, bot scores), multi-selects, recode listings and weights.

Small hand-made tables only; the deliveries in tests/deliveries hold these to real exports.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from analysis.ingest.codebook import CodebookError, run_codebook


def _import(tmp_path, csv: str, drop_rows: list, **spec) -> dict:
    (tmp_path / "s.csv").write_text(csv, encoding="utf-8")
    table = {"source": {"file": "s.csv"}, "drop_rows": drop_rows, **spec}
    (tmp_path / "codebook.yml").write_text(yaml.safe_dump({"tables": {"survey": table}}))
    return run_codebook(tmp_path)


SCORES = "id,score,answer\nA,0.9,yes\nB,0.3,no\nC,,yes\nD,0.5,\nE,0.1,yes\n"


def test_threshold_and_blank_rules_drop_rows_and_record_counts_and_lines(tmp_path):
    record = _import(
        tmp_path,
        SCORES,
        [{"column": "score", "below": 0.5}, {"column": "answer", "blank": True}],
    )
    kept = pd.read_parquet(tmp_path / "imported" / "survey.parquet")
    assert kept["id"].tolist() == ["A", "C"]  # 0.5 is not below 0.5; C's blank score is kept
    below, blank = record["tables"]["survey"]["dropped"]
    assert (below["rows"], below["lines"], below["blank_kept"]) == (2, [3, 6], 1)
    assert (blank["rows"], blank["lines"]) == (1, [5])


def test_above_drops_larger_values_and_equals_blank_is_blank(tmp_path):
    record = _import(
        tmp_path,
        SCORES,
        [{"column": "score", "above": 0.5}, {"column": "answer", "equals": ""}],
    )
    kept = pd.read_parquet(tmp_path / "imported" / "survey.parquet")
    assert kept["id"].tolist() == ["B", "C", "E"]
    assert [d["rows"] for d in record["tables"]["survey"]["dropped"]] == [1, 1]


def test_a_threshold_on_text_names_the_file_column_lines_and_fix(tmp_path):
    csv = "id,score\nA,0.9\nB,n/a\nC,0.2\nD,high\n"
    with pytest.raises(CodebookError) as error:
        _import(tmp_path, csv, [{"column": "score", "below": 0.5}])
    message = str(error.value)
    assert message.startswith("s.csv: codebook table survey: drop_rows below 0.5 on column 'score'")
    assert "2 value(s) are not numbers on lines 3, 5, e.g. ['high', 'n/a']" in message
    assert "equals rule listed above this one" in message
    assert not (tmp_path / "imported").exists()


def test_a_decimal_comma_source_reads_its_thresholds(tmp_path):
    _import(
        tmp_path,
        'id,score\nA,"0,9"\nB,"0,3"\n',
        [{"column": "score", "below": 0.5}],
        source={"file": "s.csv", "decimal": ","},
    )
    assert pd.read_parquet(tmp_path / "imported" / "survey.parquet")["id"].tolist() == ["A"]


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ({"column": "score"}, "has no test; give exactly one of equals, blank, below, above"),
        ({"column": "score", "below": 0.5, "above": 0.9}, "has two tests (below, above)"),
        (
            {"column": "score", "under": 0.5},
            "drop_rows entry 1: unknown key 'under'; it takes column, equals",
        ),
        ({"column": "answer", "blank": False}, "blank for column 'answer' must be true"),
        ({"column": "score", "below": "0.5"}, "below for column 'score' must be a number"),
        ({"equals": "x"}, "each drop_rows entry needs a column and a test"),
    ],
)
def test_a_malformed_drop_rule_is_refused_with_its_form(tmp_path, rule, said):
    with pytest.raises(CodebookError, match="codebook table survey: ") as error:
        _import(tmp_path, SCORES, [rule])
    assert said in str(error.value)


# ------------------------------------------------------------------ drafted from the values


def _survey_csv(rows: int = 24) -> str:
    """A small survey export: ids, the key answer, a comment, a bot score and a weight."""
    levels = ["Not effective", "Somewhat effective", "Effective", "Very effective"]
    lines = [
        "Response ID,How effective is your sales training?,Comments,reCAPTCHA score,Weight (raked)"
    ]
    for i in range(rows):
        answer = "" if i in (5, 9) else levels[i % 4]
        comment = "TEST - please ignore" if i == 0 else ("fine" if i % 3 else "")
        score = "0.2" if i in (7, 8) else "0.9"
        lines.append(f"R{i:03d},{answer},{comment},{score},{0.75 + (i % 5) * 0.125:.3f}")
    return "\n".join(lines) + "\n"


def test_the_draft_proposes_test_bot_and_blank_answer_rules_each_naming_its_rows(tmp_path):
    from analysis.ingest.drafting import draft_codebook

    (tmp_path / "survey.csv").write_text(_survey_csv(), encoding="utf-8")
    text, notes = draft_codebook(tmp_path, ["survey.csv"])
    survey = yaml.safe_load(text)["tables"]["survey"]
    assert survey["drop_rows"] == [
        {"column": "Comments", "equals": "TEST - please ignore"},
        {"column": "reCAPTCHA score", "below": 0.5},
        {"column": "How effective is your sales training?", "blank": True},
    ]
    said = "\n".join(notes)
    assert "'TEST - please ignore' on 1 row(s) (lines 2)" in said
    assert "2 response(s) below 0.5 (lines 9, 10)" in said
    assert (
        "2 of 21 response(s) left 'How effective is your sales training?' blank (lines 7, 11)"
        in said
    )
    (tmp_path / "codebook.yml").write_text(text, encoding="utf-8")
    record = run_codebook(tmp_path)
    assert [d["rows"] for d in record["tables"]["survey"]["dropped"]] == [1, 2, 2]
    assert record["tables"]["survey"]["rows_out"] == 24 - 5


@pytest.mark.parametrize(
    "value",
    ["Testing is where we struggle", "We test every module", "A test of patience"],
)
def test_an_answer_that_only_mentions_a_test_is_not_a_test_row(tmp_path, value):
    from analysis.ingest.mapping.screening import test_rows
    from analysis.ingest.profiles import profile_frame

    frame = pd.DataFrame({"Comments": [value, "fine", "ok", None]}, index=[2, 3, 4, 5])
    assert test_rows(frame, profile_frame(frame), [], 0) == ([], [])


def test_a_test_mark_on_many_rows_is_an_answer_not_a_test(tmp_path):
    from analysis.ingest.mapping.screening import test_rows
    from analysis.ingest.profiles import profile_frame

    frame = pd.DataFrame({"Channel": ["Preview"] * 10 + ["Email"] * 10})
    assert test_rows(frame, profile_frame(frame), [], 0) == ([], [])


def test_a_bot_score_is_read_by_its_name_and_its_zero_to_one_values_only():
    from analysis.ingest.mapping.screening import bot_scores
    from analysis.ingest.profiles import profile_frame

    frame = pd.DataFrame(
        {"Q_RecaptchaScore": ["0.9", "0.3", None], "Score": ["0.9", "0.3", "0.1"]},
        index=[0, 1, 2],
    )
    rules, checks = bot_scores(frame, profile_frame(frame), [], 4)
    assert rules == [{"column": "Q_RecaptchaScore", "below": 0.5}]
    assert "1 response(s) below 0.5 (lines 5)" in checks[0]
    on_a_scale = pd.DataFrame({"bot_score": ["12", "80", "55"]})  # not 0-1: no threshold guessed
    assert bot_scores(on_a_scale, profile_frame(on_a_scale), [], 0) == ([], [])


def test_multi_select_options_take_one_practice_each_within_their_question():
    from analysis.ingest.mapping.answers import assign_options

    found = assign_options(
        ["Coaching by managers", "Training for sales managers", "Feedback forms", "Podcasts"]
    )
    assert found["Training for sales managers"] == ("sustain_manager_training", 1.0)
    assert found["Coaching by managers"][0] == "sustain_coaching"  # on its own it names both
    assert found["Feedback forms"] == ("sustain_feedback_forms", 1.0)
    assert found["Podcasts"] == (None, 0.0)
    pieces = assign_options(["Reinforcement", "follow-up and refreshers", "Coaching"])
    assert pieces["Reinforcement"][0] == pieces["follow-up and refreshers"][0]  # one option, split
    assert pieces["follow-up and refreshers"] == ("sustain_reinforcement", 0.75)
    tools = assign_options(["Mobile learning", "Video coaching", "Coaching"])
    assert tools["Coaching"] == ("sustain_coaching", 0.75)  # outside the tools block: CHECK
    mixed = assign_options(["Mobile learning", "Coaching", "Joint planning", "Agreeing roles"])
    assert mixed["Coaching"] == ("sustain_coaching", 1.0)  # a question of every block


# ------------------------------------------------------------------ the survey weight


def _weights(name: str, values: list) -> pd.DataFrame:
    levels = ["Not effective", "Somewhat effective", "Effective", "Very effective"]
    return pd.DataFrame(
        {
            "Response ID": [f"R{i}" for i in range(len(values))],
            "How effective is your sales training?": [levels[i % 4] for i in range(len(values))],
            name: values,
        }
    )


SCALED = [0.82, 1.13, 0.97, 1.25, 0.78, 1.05, 0.91, 1.09]


@pytest.mark.parametrize(
    ("name", "values", "drafted"),
    [
        ("Weight (raked)", SCALED, True),
        ("final_wgt", SCALED, True),
        ("wt", SCALED, True),
        ("pop_weight", [412.5, 230.25, 1250.0, 98.75, 610.5, 330.0, 75.5, 880.25], True),
        ("Weight (raked)", [1, 2, 1, 3, 1, 2, 1, 1], False),  # whole numbers: a count
        ("Weight (raked)", [0.2, 0.1, 0.3, 0.15, 0.12, 0.2, 0.1, 0.3], False),  # shares
        ("Score", SCALED, False),  # weight-like values, but the name does not say so
        ("Weight (raked)", [*SCALED[:7], None], True),  # a blank weight: said in the CHECK
    ],
)
def test_a_weight_column_is_drafted_as_the_survey_weight_with_a_check(
    tmp_path, name, values, drafted
):
    from analysis.ingest.drafting import draft_codebook

    _weights(name, values).to_csv(tmp_path / "survey.csv", index=False)
    text, notes = draft_codebook(tmp_path, ["survey.csv"])
    survey = yaml.safe_load(text)["tables"]["survey"]
    assert (survey["rename"].get(name) == "weight") is drafted, text
    assert ("weight" in survey["keep"]) is drafted
    assert any("looks like the survey's weight" in n for n in notes) is drafted
    if None in values:
        assert any("1 row(s) have no weight (lines 9)" in n for n in notes)
    elif drafted:
        (tmp_path / "codebook.yml").write_text(text, encoding="utf-8")
        run_codebook(tmp_path)
        imported = pd.read_parquet(tmp_path / "imported" / "survey.parquet")
        assert imported["weight"].astype(float).tolist() == pytest.approx(values)


# ------------------------------------------------------------------ a printed survey's codes

LISTING = """Pulse survey, printed with recode values

Section: You
S1. How effective is your sales enablement?
     1  Very effective
     2  Effective
     3  Somewhat effective
     4  Not effective   [reversed]
S2  How many sellers?
     1  Fewer than 100
     2  100 - 499
     3  500 or more
S3  How often do you meet sales leadership?  1 = Weekly, 2 = Monthly, 3 = Never
S4  Which of these do you use? (Select all that apply)
     1) Coaching
     2) Feedback forms
     3) Something else  [text entry]
S5  Comments?  (text entry)
"""


def test_a_printed_listing_is_read_into_codes_and_labels(tmp_path):
    from analysis.ingest.mapping.recodes import read_recodes

    (tmp_path / "printed.txt").write_text(LISTING, encoding="utf-8")
    found = read_recodes(tmp_path / "printed.txt")
    assert list(found) == ["S1", "S2", "S3", "S4"]  # S5 lists no codes
    assert found["S1"]["codes"] == {
        "1": "Very effective",
        "2": "Effective",
        "3": "Somewhat effective",
        "4": "Not effective",
    }
    assert found["S2"]["codes"]["2"] == "100 - 499"  # a label that starts with a number
    assert found["S3"]["codes"] == {"1": "Weekly", "2": "Monthly", "3": "Never"}
    assert found["S4"]["codes"]["3"] == "Something else"
    (tmp_path / "notes.txt").write_text("Thanks for the data.\nCall me on Monday.\n")
    assert read_recodes(tmp_path / "notes.txt") == {}


def test_listing_questions_are_matched_by_id_else_by_wording():
    from analysis.ingest.mapping.recodes import labels_for

    listing = {
        "Q1": {"text": "How effective is it?", "codes": {"1": "a", "2": "b"}},
        "QX": {"text": "How often do you meet sales leadership?", "codes": {"1": "c", "2": "d"}},
    }
    questions = {"Q1": "", "Q5": "How often do you meet sales leadership? (single answer)"}
    assert labels_for(listing, ["Q1", "Q5"], questions) == {
        "Q1": {"1": "a", "2": "b"},
        "Q5": {"1": "c", "2": "d"},
    }


def test_codes_are_mapped_by_their_labels_not_the_contracts_order():
    from analysis.ingest.mapping.answers import value_mapping

    codes = {
        "1": "Very effective",
        "2": "Effective",
        "3": "Somewhat effective",
        "4": "Not effective",
    }
    values = pd.Series(["1", "4", "2", "3", None])
    mapping, checks = value_mapping("effectiveness", values, (codes, "printed.txt"))
    assert mapping == {
        "1": "very effective",
        "2": "effective",
        "3": "somewhat effective",
        "4": "not effective",
    }
    assert checks[0].startswith("effectiveness: codes read from printed.txt: 1 'Very effective'")
    in_order, said = value_mapping("effectiveness", values)  # without the listing: CHECK
    assert in_order["1"] == "not effective" and "no answer labels" in said[0]


def test_a_coded_export_with_its_printed_survey_drafts_every_mapping(tmp_path):
    from analysis.ingest.drafting import draft_codebook

    header = "Response ID,How effective is your sales enablement?,Which of these do you use?"
    rows = [header] + [f'R{i},{1 + i % 4},"{"1,2" if i % 2 else "3"}"' for i in range(12)]
    (tmp_path / "export.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "printed.txt").write_text(LISTING, encoding="utf-8")
    text, notes = draft_codebook(tmp_path, ["export.csv", "printed.txt"])
    survey = yaml.safe_load(text)["tables"]["survey"]
    assert survey["values"]["effectiveness"]["1"] == "very effective"
    assert survey["multi_select"]["Which of these do you use?"]["options"] == {
        "1": "sustain_coaching",
        "2": "sustain_feedback_forms",
        "3": "other_something_else",
    }
    assert "# printed.txt: a printed survey listing the answer codes of S1, S2, S3, S4" in text
    assert not any(n.startswith("printed.txt") for n in notes)  # read, not a CHECK
    (tmp_path / "codebook.yml").write_text(text, encoding="utf-8")
    run_codebook(tmp_path)
    imported = pd.read_parquet(tmp_path / "imported" / "survey.parquet")
    assert imported["effectiveness"].iloc[0] == "very effective"  # R0 answered 1
    assert imported["sustain_coaching"].sum() == 6
