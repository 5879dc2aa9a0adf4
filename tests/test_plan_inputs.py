"""The measurement plan in client.yml: typed, checked, frozen, and changes after the freeze listed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import yaml

from analysis.inputs.config import load_client
from analysis.inputs.errors import ConfigError
from analysis.inputs.plan import FROZEN_FILE, check_plan, freeze, plan_sha256
from analysis.planning import RolloutDesign

PLAN = {
    "agreed_with": "VP Sales",
    "behaviours": [{"measure": "call_score", "expected_change": 2.0}],
    "outcomes": {"primary": "revenue", "secondary": ["wins"]},
    "expected_effect": 3000.0,
    "effect_from": 2,
    "rollout": {
        "first_period": "2025-01",
        "periods": 12,
        "cohorts": [{"start": "2025-04", "reps": 30}, {"start": "2025-06", "reps": 30}],
        "untrained": 40,
        "untrained_until": "2025-11",
    },
    "budget": 200000.0,
    "margin": 0.35,
}


def client(tmp_path, plan=PLAN, name="plan-client"):
    folder = tmp_path / name
    folder.mkdir()
    config = {"display_name": "Plan Client", "studies": {"training_impact": {}}, "plan": plan}
    (folder / "client.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder


def test_plan_is_read_and_turned_into_a_design(tmp_path):
    status = load_client(client(tmp_path)).plan
    assert status is not None and not status.frozen
    plan = status.plan
    assert plan.role("revenue") == "primary" and plan.role("wins") == "secondary"
    assert plan.role("meetings") == "exploratory"
    design = RolloutDesign.from_plan(plan)
    assert design.cohorts == ((3, 30), (5, 30)) and design.untrained == 40
    assert design.untrained_until == 10 and design.effect_from == 2
    assert "not frozen" in status.sentences()[0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"rollout": {**PLAN["rollout"], "cohorts": [{"start": "2026-04", "reps": 3}]}},
            "plan.rollout: training start '2026-04' is not inside the 12 periods",
        ),
        (
            {"outcomes": {"primary": "revenue", "secondary": ["revenue"]}},
            "each outcome appears once",
        ),
        ({"budget": -5}, "plan.budget"),
        ({"margin": 35}, "did you mean 0.35?"),
        ({"expected_efect": 1}, "plan.expected_efect is not a plan entry"),
        ({"rollout": {**PLAN["rollout"], "first_period": "Jan 2025"}}, "write a month as 2025-03"),
    ],
)
def test_plan_mistakes_name_the_key_and_the_fix(change, expected):
    with pytest.raises(ConfigError) as error:
        check_plan({**PLAN, **change}, "client.yml")
    assert expected in str(error.value)


def test_missing_primary_outcome_is_named():
    with pytest.raises(ConfigError, match=r"plan.outcomes is missing"):
        check_plan({k: v for k, v in PLAN.items() if k != "outcomes"}, "client.yml")


def test_plan_in_its_own_file_or_in_client_yml_but_not_both(tmp_path):
    folder = client(tmp_path)
    (folder / "plan.yml").write_text(yaml.safe_dump({"plan": PLAN}), encoding="utf-8")
    with pytest.raises(ConfigError, match="keep the plan in one place"):
        load_client(folder)
    config = yaml.safe_load((folder / "client.yml").read_text())
    del config["plan"]
    (folder / "client.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    assert load_client(folder).plan.plan.outcomes.primary == "revenue"


def test_freeze_then_edit_is_flagged_with_what_changed(tmp_path):
    folder = client(tmp_path)
    plan = load_client(folder).plan.plan
    record = freeze(plan, folder, now=datetime(2024, 12, 2, 9, 30, tzinfo=UTC))
    assert record["sha256"] == plan_sha256(plan) and record["frozen_at"] == "2024-12-02 09:30 UTC"
    status = load_client(folder).plan
    assert status.frozen and not status.changes
    assert "frozen on 2024-12-02 09:30 UTC and has not changed" in status.sentences()[0]
    with pytest.raises(ConfigError, match="already frozen"):
        freeze(plan, folder)
    # comments and layout do not count; a changed value does
    text = (folder / "client.yml").read_text()
    (folder / "client.yml").write_text(
        "# note\n"
        + text.replace("primary: revenue", "primary: wins\n    # x").replace("- wins", "- revenue"),
        encoding="utf-8",
    )
    status = load_client(folder).plan
    assert status.changes == [
        "outcomes.primary: 'revenue' -> 'wins'",
        "outcomes.secondary: ['wins'] -> ['revenue']",
    ]
    sentence = status.sentences()[0]
    assert (
        "changed after it was frozen on 2024-12-02" in sentence
        and "'revenue' -> 'wins'" in sentence
    )
    with pytest.raises(ConfigError, match="--again"):
        freeze(status.plan, folder)
    again = freeze(status.plan, folder, again=True)
    assert again["earlier"][0]["frozen_at"] == "2024-12-02 09:30 UTC"
    assert not load_client(folder).plan.changes


def test_a_damaged_freeze_record_is_an_error_not_a_silent_pass(tmp_path):
    folder = client(tmp_path)
    (folder / FROZEN_FILE).write_text(json.dumps({"sha256": "x"}), encoding="utf-8")
    with pytest.raises(ConfigError, match="not a freeze record"):
        load_client(folder)
