"""Bad survey files give one clear message naming file, column and lines; good ones load typed."""

import pandas as pd
import pytest

from analysis.contracts.survey import EFFECTIVENESS_LEVELS, SurveyDataError, load_survey
from analysis.datasets.survey import generate_survey


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "survey.csv"
    generate_survey(40, seed=1).to_csv(path, index=False)
    return path


def _rewrite(path, change):
    data = pd.read_csv(path, dtype=str)
    changed = change(data)
    (data if changed is None else changed).to_csv(path, index=False)
    return path


def test_good_file_loads_with_contract_dtypes(good):
    data = load_survey(good)
    assert data["effectiveness"].cat.ordered and list(data["effectiveness"].cat.categories) == list(
        EFFECTIVENESS_LEVELS
    )
    assert data["sustain_coaching"].dtype == bool


def test_wrong_level_names_column_lines_and_allowed_values(good):
    def change(d):
        d.loc[2, "effectiveness"] = "super effective"

    with pytest.raises(SurveyDataError) as error:
        load_survey(_rewrite(good, change))
    message = str(error.value)
    assert "survey.csv" in message and "effectiveness" in message and "'super effective'" in message
    assert "lines 4" in message and "very effective" in message


def test_levels_are_matched_ignoring_case_and_spaces(good):
    def change(d):
        d.loc[0, "effectiveness"] = "  Very Effective "

    assert load_survey(_rewrite(good, change)).loc[0, "effectiveness"] == "very effective"


def test_duplicated_id(good):
    def change(d):
        d.loc[5, "respondent_id"] = d.loc[1, "respondent_id"]

    with pytest.raises(
        SurveyDataError, match=r"column respondent_id has duplicated values on lines 3, 7"
    ):
        load_survey(_rewrite(good, change))


def test_missing_column(good):
    # a question block the survey did not ask is not an error; the study leaves its section out
    assert "solution_type" not in load_survey(
        _rewrite(good, lambda d: d.drop(columns="solution_type"))
    )
    with pytest.raises(SurveyDataError, match="missing column.*effectiveness"):
        load_survey(_rewrite(good, lambda d: d.drop(columns="effectiveness")))


def test_empty_and_header_only_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SurveyDataError, match="empty.csv: the file is empty"):
        load_survey(empty)
    header = tmp_path / "header.csv"
    header.write_text(",".join(generate_survey(5, seed=1).columns) + "\n")
    with pytest.raises(SurveyDataError, match="no data rows"):
        load_survey(header)


def test_effectiveness_coded_one_to_four_gets_a_mapping_hint(good):
    codes = {level: str(i) for i, level in enumerate(EFFECTIVENESS_LEVELS, start=1)}
    with pytest.raises(SurveyDataError, match="coded 1-4: map 1-4 to the labels"):
        load_survey(
            _rewrite(good, lambda d: d.__setitem__("effectiveness", d["effectiveness"].map(codes)))
        )


def test_every_problem_is_reported_at_once(good):
    def change(d):
        d.loc[0, "leadership_meetings"] = "daily"
        d.loc[1, "sustain_coaching"] = "maybe"
        d.loc[3, "respondent_id"] = d.loc[4, "respondent_id"]

    with pytest.raises(SurveyDataError) as error:
        load_survey(_rewrite(good, change))
    message = str(error.value)
    assert (
        "leadership_meetings" in message
        and "sustain_coaching" in message
        and "duplicated" in message
    )


def test_bad_weights_and_missing_file(good, tmp_path):
    with pytest.raises(SurveyDataError, match="weight must be greater than 0; bad on lines 2"):
        load_survey(_rewrite(good, lambda d: d.__setitem__("weight", ["0"] + ["1"] * (len(d) - 1))))
    with pytest.raises(SurveyDataError, match="file not found"):
        load_survey(tmp_path / "nope.csv")


def test_questions_not_asked_leave_their_headlines_out(good):
    from analysis import survey

    data = load_survey(
        _rewrite(
            good, lambda d: d.drop(columns=["industry", "top_initiative", "leadership_meetings"])
        )
    )
    records, sentences = survey.study_headline(survey.prepare_responses(data))
    names = {r["name"] for r in records}
    assert {"industries", "share_value_proposition"}.isdisjoint(names)
    assert {"respondents", "share_effective_or_better", "share_very_effective"} <= names
    assert not any("senior sales leadership" in s for s in sentences)
