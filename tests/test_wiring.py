"""`workbench import` writes the imported tables and the outcome's units into client.yml.

The edit keeps the user's comments and other keys (:mod:`analysis.clients.yaml_text`),
removes the studies the delivery has no data for, and replaces client.yml atomically.
End to end: new-client, draft-codebook, import, validate with no line edited by hand.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from analysis import cli
from analysis.clients.scaffold import scaffold_client
from analysis.clients.wiring import plan_wiring, wire_client
from analysis.clients.yaml_text import YamlEditError, delete_key, set_key
from analysis.core import paths
from analysis.ingest.record import import_units

TRAINING_YML = """\
# Acme: edited by hand; keep this comment
display_name: Acme   # the name on every report
studies:
  org_effectiveness:
    data:
      survey_path: survey.csv  # the learning-leader survey
    parameters:
      min_cell_size: 5
  training_impact:
    data:
      reps_path: reps.csv  # one row per rep
      panel_path: panel.csv
      costs_path: costs.csv
    parameters:
      margin: 0.3   # agreed with finance
      # outcome: "revenue"  # a commented default stays
  readiness_alignment:
    data:
      responses:
        strategic_readiness: readiness.csv
notes: keep me
"""


def _read(text: str):
    return yaml.safe_load(text)


# --- the text edits -------------------------------------------------------------


def test_a_scalar_is_replaced_where_it_stands_and_its_comment_stays():
    text = set_key(TRAINING_YML, ("studies", "training_impact", "data"), "reps_path", "x.parquet")
    assert "      reps_path: x.parquet  # one row per rep\n" in text
    assert text.replace("x.parquet", "reps.csv") == TRAINING_YML


def test_a_new_key_goes_after_the_last_entry_and_before_commented_defaults():
    text = set_key(TRAINING_YML, ("studies", "training_impact", "parameters"), "currency", "EUR")
    lines = text.splitlines()
    at = lines.index("      currency: EUR")
    assert lines[at - 1] == "      margin: 0.3   # agreed with finance"
    assert lines[at + 1] == '      # outcome: "revenue"  # a commented default stays'
    assert _read(text)["studies"]["training_impact"]["parameters"] == {
        "margin": 0.3,
        "currency": "EUR",
    }


def test_a_key_under_an_empty_section_a_flow_mapping_or_a_missing_one():
    empty = "studies:\n  training_impact:\n    parameters:\n      # margin: 0.35  # help\n"
    text = set_key(empty, ("studies", "training_impact", "parameters"), "outcome", "wins")
    assert text == (
        "studies:\n  training_impact:\n    parameters:\n      outcome: wins\n"
        "      # margin: 0.35  # help\n"
    )
    flow = "studies:\n  training_impact:\n    parameters: {margin: 0.35}  # agreed\n"
    text = set_key(flow, ("studies", "training_impact", "parameters"), "currency", "GBP")
    assert text == (
        "studies:\n  training_impact:\n    parameters:  # agreed\n      margin: 0.35\n"
        "      currency: GBP\n"
    )
    missing = "studies:\n  training_impact:\n    data:\n      panel_path: p.csv\n"
    text = set_key(missing, ("studies", "training_impact", "parameters"), "outcome_label", "a: b")
    assert _read(text)["studies"]["training_impact"] == {
        "data": {"panel_path": "p.csv"},
        "parameters": {"outcome_label": "a: b"},
    }


def test_a_deleted_study_takes_its_nested_lines_and_comments_but_not_the_next_ones():
    text = delete_key(TRAINING_YML, ("studies",), "training_impact")
    assert "margin" not in text and "commented default" not in text
    assert "  readiness_alignment:\n" in text and text.startswith("# Acme: edited by hand")
    config = _read(text)
    assert list(config["studies"]) == ["org_effectiveness", "readiness_alignment"]
    assert config["notes"] == "keep me"
    text = delete_key(TRAINING_YML, ("studies", "readiness_alignment", "data"), "responses")
    assert _read(text)["studies"]["readiness_alignment"] == {"data": None}
    assert text.endswith("  readiness_alignment:\n    data:\nnotes: keep me\n")


def test_a_layout_the_edit_cannot_place_is_refused():
    nested = "studies: {training_impact: {data: {panel_path: p.csv}}}\n"
    with pytest.raises(YamlEditError):
        set_key(nested, ("studies", "training_impact", "data"), "panel_path", "x")


# --- what changes ---------------------------------------------------------------


def _units(**panel):
    return {"panel": panel}


def test_the_outcome_its_unit_label_and_currency_come_from_the_codebook_units(tmp_path):
    config = _read(TRAINING_YML)
    units = {
        "panel": {
            "wins": {"unit": "count", "label": "deals won"},
            "won_value": {"unit": "money", "currency": "CAD"},
        },
        "costs": {"amount": {"unit": "money", "currency": "USD"}},
    }
    wiring = plan_wiring(config, tmp_path, ["reps", "panel", "costs"], units)
    set_ = {c.key: c.new for c in wiring.changes if not c.delete}
    assert set_ == {
        "reps_path": "imported/reps.parquet",
        "panel_path": "imported/panel.parquet",
        "costs_path": "imported/costs.parquet",
        "outcome": "won_value",
        "outcome_unit": "money",
        "currency": "CAD",
        "costs_currency": "USD",
    }
    assert {c.key for c in wiring.changes if c.delete} == {
        "org_effectiveness",
        "readiness_alignment",
    }
    assert any("set exchange_rate (CAD per 1 USD)" in note for note in wiring.notes)


def test_a_named_outcome_keeps_its_column_and_takes_its_unit(tmp_path):
    config = _read(TRAINING_YML)
    config["studies"]["training_impact"]["parameters"]["outcome"] = "wins"
    units = _units(wins={"unit": "count", "label": "deals won"}, revenue={"unit": "money"})
    changes = plan_wiring(config, tmp_path, ["reps", "panel"], units).changes
    assert {c.key: c.new for c in changes if c.path[-1] == "parameters"} == {
        "outcome_unit": "count",
        "outcome_label": "deals won",
    }


def test_two_money_columns_and_no_revenue_are_a_note_not_a_guess(tmp_path):
    units = _units(amount={"unit": "money"}, pipeline={"unit": "money"})
    wiring = plan_wiring(_read(TRAINING_YML), tmp_path, ["reps", "panel"], units)
    assert not any(c.key == "outcome" for c in wiring.changes)
    assert any("several money columns (amount, pipeline)" in note for note in wiring.notes)


def test_files_that_exist_are_kept_and_a_plan_keeps_the_evaluation_plan(tmp_path):
    (tmp_path / "readiness.csv").write_text("x\n1\n")
    config = {
        "display_name": "A",
        "plan": {"budget": 1},
        "studies": {
            "evaluation_plan": {"data": {"reps_path": "reps.csv", "panel_path": "panel.csv"}},
            "readiness_alignment": {
                "data": {"responses": {"strategic_readiness": "readiness.csv"}}
            },
            "org_effectiveness": {"data": {"survey_path": "survey.csv"}},
        },
    }
    changes = plan_wiring(config, tmp_path, ["reps", "panel"], {}).changes
    assert [c.describe() for c in changes] == [
        "studies.evaluation_plan.data.reps_path: reps.csv -> imported/reps.parquet (imported)",
        "studies.evaluation_plan.data.panel_path: panel.csv -> imported/panel.parquet (imported)",
        "removed studies.org_effectiveness: no survey_path in this delivery",
    ]


# --- client.yml on disk ---------------------------------------------------------


def test_wire_client_keeps_comments_and_other_keys_and_says_what_changed(tmp_path):
    (tmp_path / "client.yml").write_text(TRAINING_YML)
    os.chmod(tmp_path / "client.yml", 0o640)
    units = _units(revenue={"unit": "money", "currency": "GBP"})
    wiring = wire_client(tmp_path, ["reps", "panel"], units)
    assert wiring.written
    text = (tmp_path / "client.yml").read_text()
    for kept in ("# Acme: edited by hand", "# the name on every report", "# agreed with finance"):
        assert kept in text
    config = _read(text)
    assert config["notes"] == "keep me" and list(config["studies"]) == ["training_impact"]
    assert config["studies"]["training_impact"] == {
        "data": {"reps_path": "imported/reps.parquet", "panel_path": "imported/panel.parquet"},
        "parameters": {"margin": 0.3, "outcome_unit": "money", "currency": "GBP"},
    }
    assert (tmp_path / "client.yml").stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["client.yml"]  # no temporary file left
    again = wire_client(tmp_path, ["reps", "panel"], units)
    assert again.changes == [] and not again.written


def test_client_yml_stays_whole_when_the_write_fails(tmp_path, monkeypatch):
    (tmp_path / "client.yml").write_text(TRAINING_YML)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        wire_client(tmp_path, ["reps", "panel"], {})
    assert (tmp_path / "client.yml").read_text() == TRAINING_YML
    assert [p.name for p in tmp_path.iterdir()] == ["client.yml"]


def test_a_layout_that_cannot_be_edited_is_left_alone_with_the_changes_to_make(tmp_path):
    text = "display_name: A\nstudies: {training_impact: {data: {panel_path: panel.csv}}}\n"
    (tmp_path / "client.yml").write_text(text)
    wiring = wire_client(tmp_path, ["panel"], {})
    assert not wiring.written and (tmp_path / "client.yml").read_text() == text
    assert [c.new for c in wiring.changes] == ["imported/panel.parquet"]
    assert "could not be edited safely" in wiring.notes[0]


def test_units_are_read_back_from_the_import_record(tmp_path):
    (tmp_path / "imported").mkdir()
    record = {
        "tables": {
            "panel": {"units": {"revenue": {"unit": "money", "currency": "GBP"}, "odd": "x"}},
            "reps": {},
        }
    }
    (tmp_path / "imported" / "import_record.json").write_text(json.dumps(record))
    assert import_units(tmp_path) == {"panel": {"revenue": {"unit": "money", "currency": "GBP"}}}
    (tmp_path / "imported" / "import_record.json").write_text("{not json")
    assert import_units(tmp_path) == {}


# --- end to end -------------------------------------------------------------------


def test_new_client_draft_import_validate_need_no_edit(tmp_path, monkeypatch, capsys):
    from analysis.datasets.deliveries import write_byod_example

    clients = tmp_path / "clients"
    monkeypatch.setattr(paths, "CLIENTS_DIR", clients)
    assert cli.main(["new-client", "northwind"]) == 0
    folder = clients / "northwind"
    raw = ["qualtrics_export.csv", "rep_panel.xlsx"]
    for path in write_byod_example(tmp_path / "delivery"):
        if path.name in raw:
            shutil.copy(path, folder)
    assert cli.main(["draft-codebook", "northwind", *raw]) == 0
    drafted = (folder / "codebook.yml").read_text()
    assert not [line for line in drafted.splitlines() if "CHECK" in line.split("#")[0]]
    capsys.readouterr()
    assert cli.main(["import", "northwind"]) == 0
    out = capsys.readouterr().out
    assert "removed studies.readiness_alignment: no responses in this delivery" in out
    assert cli.main(["validate", "northwind"]) == 0
    out = capsys.readouterr().out
    assert "0 error(s), 0 warning(s)" in out and "render would succeed" in out
    config = _read((folder / "client.yml").read_text())
    assert set(config["studies"]) == {"org_effectiveness", "training_impact"}
    assert (folder / "codebook.yml").read_text() == drafted
    assert "# Client configuration for northwind" in (folder / "client.yml").read_text()


def test_scaffolded_client_yml_is_wired_without_losing_its_help_comments(tmp_path):
    folder = scaffold_client("acme", clients_dir=tmp_path)
    before = (folder / "client.yml").read_text()
    units = _units(revenue={"unit": "money", "currency": "EUR"})
    assert wire_client(folder, ["reps", "panel", "costs"], units).written
    after = (folder / "client.yml").read_text()
    assert "# margin: 0.35  # profit contribution" in after and "# plan:" in after
    assert len(before.splitlines()) - len(after.splitlines()) >= 30  # the unused studies went
    params = _read(after)["studies"]["training_impact"]["parameters"]
    assert params == {"outcome_unit": "money", "currency": "EUR"}


def test_a_currency_edited_against_the_imported_units_is_an_error(tmp_path, monkeypatch, capsys):
    """A new user changed currency: EUR to USD after the import; validate said "render would
    succeed" and every figure of the report carried the wrong currency."""
    import json

    import yaml

    from analysis.datasets.deliveries import write_byod_example

    clients = tmp_path / "clients"
    monkeypatch.setattr(paths, "CLIENTS_DIR", clients)
    assert cli.main(["new-client", "northwind"]) == 0
    folder = clients / "northwind"
    raw = ["qualtrics_export.csv", "rep_panel.xlsx"]
    for path in write_byod_example(tmp_path / "delivery"):
        if path.name in raw:
            shutil.copy(path, folder)
    assert cli.main(["draft-codebook", "northwind", *raw]) == 0
    assert cli.main(["import", "northwind"]) == 0
    record_path = folder / "imported" / "import_record.json"
    record = json.loads(record_path.read_text())
    record["tables"]["panel"]["units"] = {"revenue": {"unit": "money", "currency": "EUR"}}
    record_path.write_text(json.dumps(record))
    config = yaml.safe_load((folder / "client.yml").read_text())
    config["studies"]["training_impact"].setdefault("parameters", {})["currency"] = "USD"
    (folder / "client.yml").write_text(yaml.safe_dump(config))
    capsys.readouterr()
    assert cli.main(["validate", "northwind"]) != 0
    said = capsys.readouterr()
    out = said.out + said.err
    assert "currency is USD, but the codebook's units say panel.revenue is in EUR" in out
    config["studies"]["training_impact"]["parameters"]["currency"] = "EUR"
    (folder / "client.yml").write_text(yaml.safe_dump(config))
    assert cli.main(["validate", "northwind"]) == 0


def test_a_study_left_out_by_an_earlier_import_is_wired_again_when_its_data_arrives(tmp_path):
    """A survey delivered after the panel: the first import removed the survey study, the
    second imported the survey and said "nothing changed", so its report never rendered."""
    config = {
        "display_name": "Northwind",
        "studies": {"training_impact": {"data": {"panel_path": "imported/panel.parquet"}}},
    }
    (tmp_path / "client.yml").write_text(
        "display_name: Northwind\nstudies:\n  training_impact:\n    data:\n"
        "      panel_path: imported/panel.parquet\n",
        encoding="utf-8",
    )
    wiring = plan_wiring(config, tmp_path, ["panel", "survey"], {})
    described = [change.describe() for change in wiring.changes]
    assert any(
        line.startswith("studies.org_effectiveness.data.survey_path: imported/survey.parquet")
        for line in described
    ), described
    wired = wire_client(tmp_path, ["panel", "survey"], {})
    written = _read((tmp_path / "client.yml").read_text())
    assert written["studies"]["org_effectiveness"]["data"]["survey_path"] == (
        "imported/survey.parquet"
    ), wired
    assert written["studies"]["training_impact"]["data"]["panel_path"] == "imported/panel.parquet"
