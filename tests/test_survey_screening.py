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
        ({"column": "score", "under": 0.5}, "has unknown key(s) ['under']"),
        ({"column": "answer", "blank": False}, "blank for column 'answer' must be true"),
        ({"column": "score", "below": "0.5"}, "below for column 'score' must be a number"),
        ({"equals": "x"}, "each drop_rows entry needs a column and a test"),
    ],
)
def test_a_malformed_drop_rule_is_refused_with_its_form(tmp_path, rule, said):
    with pytest.raises(CodebookError, match="codebook table survey: ") as error:
        _import(tmp_path, SCORES, [rule])
    assert said in str(error.value)
