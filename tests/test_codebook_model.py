"""The codebook's typed model: misspelt rules and keys, wrong types, all at once, in the
workbench's message style (analysis.ingest.rules.model, checked by rules.checks)."""

import re
import typing

import pytest
import yaml

from analysis.ingest.codebook import CodebookError, run_codebook
from analysis.ingest.events.matching import KEY_KINDS
from analysis.ingest.events.rules import PERIODS
from analysis.ingest.read.sources import FORMATS
from analysis.ingest.record import stale_imports
from analysis.ingest.rules import model
from analysis.ingest.rules.aggregate import AGGREGATE_KEYS
from analysis.ingest.rules.checks import (
    TABLE_KEYS,
    check_codebook,
    check_table_spec,
    rules_reference,
)
from analysis.ingest.rules.drops import DROP_TESTS
from analysis.ingest.rules.model import CodebookTable
from analysis.ingest.rules.units import NAMED_FORMATS, UNITS

SOURCE = {"file": "panel.csv"}


def _refused(spec: dict, name: str = "panel") -> str:
    with pytest.raises(CodebookError) as caught:
        check_table_spec(spec, name)
    return str(caught.value)


def test_a_misspelt_rule_is_named_with_the_rule_meant():
    said = _refused({"source": SOURCE, "renmae": {"Rep": "rep_id"}})
    assert said.startswith("codebook table panel: unknown rule 'renmae' (did you mean 'rename'?);")
    assert "a table takes source, drop_rows" in said


def test_a_misspelt_source_key_is_named_with_the_key_meant():
    said = _refused({"source": {"fiel": "panel.csv"}})
    assert said == (
        "codebook table panel: source: unknown key 'fiel' (did you mean 'file'?); it takes "
        "file, files, format, questions, sheet, sheets, sheet_column, file_column, header_row, "
        "decimal, encoding."
    )


def test_drop_rows_that_is_not_a_list_says_so_with_an_example():
    said = _refused({"source": SOURCE, "drop_rows": {"column": "Status", "equals": "Preview"}})
    assert said == (
        "codebook table panel: drop_rows must be a list, not {'column': 'Status', 'equals': "
        "'Preview'}; e.g. drop_rows: [{column: Status, equals: Survey Preview}]."
    )


def test_a_misspelt_aggregate_key_is_named_with_the_key_meant():
    said = _refused({"source": SOURCE, "aggregate": {"by": ["rep_id"], "summ": ["revenue"]}})
    assert said == (
        "codebook table panel: aggregate: unknown key 'summ' (did you mean 'sum'?); it takes "
        "by, sum, same, earliest, line_types."
    )


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        (
            {"units": {"revenue": {"unit": "money", "curency": "EUR"}}},
            r"units\.revenue: unknown key 'curency' \(did you mean 'currency'\?\)",
        ),
        (
            {"dates": {"period": {"formt": "excel_serial"}}},
            r"dates\.period: unknown key 'formt' \(did you mean 'format'\?\)",
        ),
        (
            {"rep_ids": {"from": {"first": "A", "lats": "B"}}},
            r"rep_ids\.from: unknown key 'lats' \(did you mean 'last'\?\)",
        ),
        (
            {"aggregate": {"by": ["rep_id"], "line_types": {"column": "T", "includ": ["F2"]}}},
            r"aggregate\.line_types: unknown key 'includ' \(did you mean 'include'\?\)",
        ),
        (
            {"drop_rows": [{"column": "A", "equals": "x"}, {"column": "B", "blnk": True}]},
            r"drop_rows entry 2: unknown key 'blnk' \(did you mean 'blank'\?\)",
        ),
        ({"text": "zip_code"}, r"text must be a list, not 'zip_code'; e\.g\. text: \[zip_code\]"),
        ({"identical_rows": "dorp"}, r"identical_rows must be one of error, drop or keep"),
        (
            {"source": {"file": "a.csv", "header_row": 0}},
            r"source\.header_row must be a number of at least 1",
        ),
        ({"source": {"file": "a.csv", "format": "excel"}}, r"source\.format must be one of csv"),
        (
            {"multi_select": {"Q7": {"separator": ","}}},
            r"multi_select\.Q7\.options is missing; e\.g\. options:",
        ),
    ],
)
def test_nested_keys_and_types_are_named_by_their_path(spec, said):
    assert re.search(said, _refused({"source": SOURCE, **spec}))


def test_every_problem_of_every_table_is_said_at_once(tmp_path):
    (tmp_path / "codebook.yml").write_text(
        yaml.safe_dump(
            {
                "tables": {
                    "reps": {"source": {"file": "missing.csv"}, "kep": ["rep_id"]},
                    "panel": {"source": SOURCE, "drop_rows": "Status", "case": {"rep_id": "title"}},
                }
            },
            sort_keys=False,
        )
    )
    with pytest.raises(CodebookError) as caught:
        run_codebook(tmp_path)  # refused before any raw file is read (missing.csv is not there)
    assert caught.value.problems == [
        "codebook table reps: unknown rule 'kep' (did you mean 'keep'?); a table takes "
        + ", ".join(TABLE_KEYS)
        + ". An unknown rule would be ignored, so the import stops.",
        (
            "codebook table panel: drop_rows must be a list, not 'Status'; e.g. drop_rows: "
            "[{column: Status, equals: Survey Preview}]."
        ),
        (
            "codebook table panel: case.rep_id must be upper or lower, not 'title'; e.g. case: "
            "{rep_id: upper}."
        ),
    ]


def test_a_misspelt_top_level_key_is_named():
    with pytest.raises(CodebookError, match=r"unknown key 'tabels' \(did you mean 'tables'\?\)"):
        check_codebook({"tabels": {}})


def test_a_check_placeholder_keeps_its_own_message():
    said = _refused({"source": SOURCE, "aggregate": {"by": ["rep_id"], "sum": ["CHECK revenue"]}})
    assert said == (
        "codebook table panel: the drafted codebook still has 1 CHECK placeholder(s) "
        "(aggregate.sum.0: CHECK revenue); replace each with the column or value it should be, "
        "or remove the line."
    )


def test_the_rules_own_checks_still_speak_where_types_pass():
    said = _refused({"source": SOURCE, "drop_rows": [{"column": "S", "below": 1, "above": 2}]})
    assert "has two tests (below, above)" in said
    said = _refused({"source": SOURCE, "units": {"revenue": {"unit": "money", "currency": "€"}}})
    assert "units.revenue: currency '€' is not an ISO 4217 code" in said and "(EUR)" in said


def _literal(field_type) -> tuple:
    """The values of the Literal inside a field's type."""
    members = (
        (field_type,)
        if typing.get_origin(field_type) is typing.Literal
        else typing.get_args(field_type)
    )
    for member in members:
        if typing.get_origin(member) is typing.Literal:
            return typing.get_args(member)
    raise AssertionError(field_type)


def test_the_model_names_what_the_rules_read():
    """The model's literals and keys agree with the constants the rules apply."""
    assert _literal(model.Source.model_fields["format"].annotation) == FORMATS
    assert _literal(model.Unit.model_fields["unit"].annotation) == UNITS
    assert _literal(model.NamedFormat.model_fields["format"].annotation) == tuple(NAMED_FORMATS)
    assert _literal(model.FromDeals.model_fields["key"].annotation) == KEY_KINDS
    assert _literal(model.FromDeals.model_fields["period"].annotation) == PERIODS
    assert tuple(model.DropRule.model_fields)[1:] == DROP_TESTS
    assert tuple(model.Aggregate.model_fields) == AGGREGATE_KEYS


def test_every_rule_is_documented_with_an_example_the_model_accepts():
    reference = rules_reference()
    for key, field in CodebookTable.model_fields.items():
        assert re.search(rf"^{key}( \(required\))?: ", reference, re.M) and field.description
        example = yaml.safe_load(field.json_schema_extra["example"])
        spec = {"source": SOURCE, key: example}
        if key in ("from_completions",):
            spec["match"] = {"email": "Work Email"}
        if key == "source":
            spec = {"source": example}
        check_table_spec(spec, "panel")


DEALS = {"owner": "Owner", "close_date": "Closed", "stage": "Stage", "won": "Won", "amount": "Amt"}


@pytest.mark.parametrize(
    ("rules", "said"),
    [
        ({"from_deals": {**DEALS, "owner": None}}, r"from_deals\.owner must be a text, not None"),
        (
            {"from_deals": {k: v for k, v in DEALS.items() if k != "stage"}},
            r"from_deals\.stage is missing; e\.g\. stage: Stage\.",
        ),
        (
            {"from_deals": {**DEALS, "key": "mail"}},
            r"from_deals\.key must be one of id, email or name",
        ),
        (
            {"from_deals": {**DEALS, "max_unmatched": 10}},
            r"max_unmatched must be a number of at most 1",
        ),
        ({"from_deals": {**DEALS, "periods": {"form": "2024-01"}}}, r"did you mean 'from'\?"),
        (
            {"from_completions": {"learner": "L", "course": "C", "programme": "P", "date": "D"}},
            r"from_completions adds training_start to a roster; add match:",
        ),
        ({"from_deals": DEALS, "match": {"email": "E"}}, r"put them in two tables"),
        ({"from_deals": DEALS, "aggregate": {"by": ["rep_id"]}}, r"aggregate does not combine"),
    ],
)
def test_event_rules_are_typed_and_combined(rules, said):
    assert re.search(said, _refused({"source": SOURCE, **rules}))


def test_a_codebook_edited_after_the_import_says_what_the_next_import_would_refuse(tmp_path):
    """validate, render and a notebook (stale_imports) name the edit and its problems."""
    (tmp_path / "panel.csv").write_text("Rep,Month,Revenue\nA,2025-01,10\n", encoding="utf-8")
    book = {"tables": {"panel": {"source": SOURCE, "rename": {"Rep": "rep_id"}}}}
    (tmp_path / "codebook.yml").write_text(yaml.safe_dump(book), encoding="utf-8")
    run_codebook(tmp_path)
    assert stale_imports(tmp_path) == []
    book["tables"]["panel"]["renmae"] = book["tables"]["panel"].pop("rename")
    (tmp_path / "codebook.yml").write_text(yaml.safe_dump(book), encoding="utf-8")
    said = stale_imports(tmp_path)
    assert said[0].startswith("codebook.yml changed after the last import")
    assert said[1].startswith(
        "codebook table panel: unknown rule 'renmae' (did you mean 'rename'?)"
    )


def test_an_empty_mapping_of_values_says_it_needs_one():
    said = _refused({"source": SOURCE, "values": {"q": {}}})
    assert said.startswith("codebook table panel: values.q must have at least 1 entry, not {};")
