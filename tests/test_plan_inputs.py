"""The measurement plan in client.yml: typed, checked, frozen, and changes after the freeze listed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import yaml

from analysis.clients.config import load_client
from analysis.clients.plan import FROZEN_FILE, check_plan, plan_sha256
from analysis.clients.plan_record import freeze
from analysis.core import paths
from analysis.core.errors import ConfigError
from analysis.planning import RolloutDesign
from conftest import refreeze_as_own

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
        ({"margin": 35}, "plan.margin: is a share between 0 and 1: did you mean 0.35?"),
        ({"expected_efect": 1}, "plan.expected_efect is not a plan entry"),
        ({"rollout": {**PLAN["rollout"], "first_period": "Jan 2025"}}, "write a month as 2025-03"),
        ({"expected_effect": 0}, "plan.expected_effect: must be above 0"),
        (
            {"effect_from": 20},
            "effect_from 20 leaves no period in the study in which the effect counts",
        ),
        (
            {
                "rollout": {
                    **PLAN["rollout"],
                    "untrained": 0,
                    "untrained_until": None,
                    "cohorts": [{"start": "2025-04", "reps": 30}],
                }
            },
            "nobody is left to compare with",
        ),
        (
            {"rollout": {**PLAN["rollout"], "untrained_until": "2025-05"}},
            "untrained_until '2025-05' is not after the last cohort's start (2025-06)",
        ),
        (
            {"budget": "250,000"},
            "plan.budget: '250,000' is text; write a plain number without separators, e.g. 250000.",
        ),
        ({"expected_efect": 1}, "(did you mean 'expected_effect'?)"),
        (
            {
                "rollout": {
                    **PLAN["rollout"],
                    "first_period": __import__("datetime").date(2025, 1, 1),
                }
            },
            "YAML read 2025-01-01 as a date; write the period as text in quotes, e.g. '2025-01' (a month)",
        ),
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


def _acme_copy(tmp_path, monkeypatch, edit):
    import shutil

    from analysis.core import paths

    folder = tmp_path / "clients" / "acme-copy"
    shutil.copytree(paths.CLIENTS_DIR / "acme-learning", folder)
    refreeze_as_own(folder)  # as if this client had frozen the same plan itself
    config = yaml.safe_load((folder / "client.yml").read_text(encoding="utf-8"))
    edit(config)
    (folder / "client.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "clients")
    return folder


def test_a_planned_activity_kpi_is_checked_for_gaming_without_a_targets_file(tmp_path, monkeypatch):
    from analysis import kpi_gaming
    from analysis.studies import load_study

    def edit(config):
        del config["studies"]["readiness_alignment"]["data"]["kpi_targets_path"]

    _acme_copy(tmp_path, monkeypatch, edit)
    inputs = load_study("readiness_alignment", "acme-copy")
    targets = inputs.tables["kpi_targets"]
    assert targets[["metric", "scope", "set_by"]].values.tolist() == [
        ["meetings", "North; South", "plan"]
    ]
    flags = kpi_gaming.gaming_check(inputs.tables["kpi_panel"], targets).flags
    assert flags["gamed"].tolist() == [True]


def test_planned_kpis_join_the_targets_file_once_and_a_bad_one_is_named(tmp_path, monkeypatch):
    from analysis.core.errors import InputError
    from analysis.studies import load_study

    def edit(config):
        config["plan"]["activity_kpis"].append({"metric": "calls", "start_period": "2025-05"})

    folder = _acme_copy(tmp_path, monkeypatch, edit)
    targets = load_study("readiness_alignment", "acme-copy").tables["kpi_targets"]
    assert targets["metric"].tolist() == ["meetings", "calls"]  # the shared target once
    config = yaml.safe_load((folder / "client.yml").read_text(encoding="utf-8"))
    config["plan"]["activity_kpis"].append({"metric": "call", "start_period": "2025-05"})
    (folder / "client.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError, match="client.yml plan.activity_kpis"):
        load_study("readiness_alignment", "acme-copy")


def test_plan_without_baseline_or_assumed_sd_says_which_to_give(tmp_path, monkeypatch):
    from analysis.core.errors import InputError
    from analysis.studies import check_study, load_study

    def edit(config):
        config["plan"]["assumptions"] = {"autocorrelation": 0.1}

    folder = _acme_copy(tmp_path, monkeypatch, edit)
    with pytest.raises(InputError, match="plan.assumptions.residual_sd"):
        load_study("evaluation_plan", "acme-copy")
    assert any("residual_sd" in p.message for p in check_study("acme-copy", "evaluation_plan"))
    # with baseline data the variation comes from the client's untrained rep-periods
    config = yaml.safe_load((folder / "client.yml").read_text(encoding="utf-8"))
    config["studies"]["evaluation_plan"]["data"] = {
        "reps_path": "reps.csv",
        "panel_path": "panel.csv",
    }
    (folder / "client.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    inputs = load_study("evaluation_plan", "acme-copy")
    assert "baseline data (panel.csv" in inputs.extras["variation_source"]
    assert 4000 < inputs.extras["residual_sd"] < 8000  # the generator's noise is 6,000
    assert inputs.plan_sentences[0].startswith(
        "The measurement plan was changed after it was frozen"
    )


def test_workbench_plan_show_and_freeze(tmp_path, monkeypatch, capsys):
    from analysis.cli import main
    from analysis.core import paths

    (tmp_path / "clients").mkdir()
    folder = client(tmp_path / "clients")
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "clients")
    assert main(["plan", "show", folder.name]) == 0
    assert "not frozen" in capsys.readouterr().out
    assert main(["plan", "freeze", folder.name]) == 0
    assert "froze the plan of plan-client" in capsys.readouterr().out
    assert json.loads((folder / FROZEN_FILE).read_text())["sha256"]
    assert main(["plan", "freeze", folder.name]) == 2
    assert "already frozen" in capsys.readouterr().err
    (folder / "client.yml").write_text(
        (folder / "client.yml").read_text().replace("budget: 200000.0", "budget: 150000.0")
    )
    assert main(["plan", "show", folder.name]) == 0
    assert "changed: budget: 200000.0 -> 150000.0" in capsys.readouterr().out
    assert main(["plan", "freeze", folder.name]) == 2
    assert "--again" in capsys.readouterr().err
    assert main(["plan", "freeze", "--again", folder.name]) == 0
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "none")
    assert main(["plan", "show", "nobody"]) == 2


def test_planned_measures_that_cannot_be_estimated_are_named_and_left_out(tmp_path, monkeypatch):
    from analysis import planning
    from analysis.studies import check_study, load_study

    def edit(config):
        config["plan"]["outcomes"]["secondary"] = ["wins", "team", "nps"]
        config["plan"]["rollout"]["cohorts"][0]["reps"] = 30

    _acme_copy(tmp_path, monkeypatch, edit)
    inputs = load_study("training_impact", "acme-copy")
    assert inputs.extras["plan_measures"] == ["revenue", "wins", "call_score"]
    text = "\n".join(inputs.warnings)
    assert (
        "panel.csv: the plan names 'team' (plan.outcomes.secondary) but the column holds text"
        in text
    )
    assert "'nps' (plan.outcomes.secondary) but the panel has no such column" in text
    assert inputs.extras["rollout_sentences"][:2] == [
        "The rollout in the data differs from the plan (reps starting 2025-04: planned 30, in the data 35).",
        "The programme cost what the plan budgeted (USD 250,000).",
    ]
    warnings = [
        p.message for p in check_study("acme-copy", "training_impact") if p.level == "warning"
    ]
    assert any("'team'" in w for w in warnings)  # validate says what the report says
    table = planning.planned_effects(
        inputs.tables["data"],
        inputs.plan.plan,
        unit="rep_id",
        time="period",
        start="training_start",
        only=inputs.extras["plan_measures"],
    )
    assert table["term"].tolist() == ["revenue", "wins", "call_score"]
    assert table["role"].tolist() == ["primary", "secondary", "behaviour"]
    # one secondary outcome: Holm leaves its p-value as it is
    assert table["p_value_adjusted"].iloc[1] == pytest.approx(table["p_value"].iloc[1])


def test_planned_effects_match_estimate_on_the_plan_window(tmp_path, monkeypatch):
    from analysis import effects, planning
    from analysis.studies import load_study

    inputs = load_study("training_impact", "acme-learning")
    data, plan = inputs.tables["data"], inputs.plan.plan
    table = planning.planned_effects(
        data, plan, unit="rep_id", time="period", start="training_start"
    )
    # by hand: the third month after the start on, the two ramp-up months left out
    import numpy as np

    order = sorted(data["period"].unique())
    t = np.array([order.index(p) for p in data["period"]], dtype=float)
    g = np.array([order.index(s) if isinstance(s, str) else np.nan for s in data["training_start"]])
    event = t - g  # NaN for reps never trained
    ramp = (event >= 0) & (event < 2)
    kept = data[~ramp].assign(on=(event[~ramp] >= 2).astype(int))
    # the imputation estimate by hand: rep and period effects from untreated rep-periods
    # (statsmodels OLS with dummies), the mean imputed effect over the plan's window
    import statsmodels.formula.api as smf

    untreated = kept[kept["on"] == 0]
    first = smf.ols("revenue ~ C(rep_id) + C(period)", data=untreated).fit()
    window = kept[kept["on"] == 1]
    by_hand = float((window["revenue"] - first.predict(window)).mean())
    assert table.iloc[0]["estimate"] == pytest.approx(by_hand, rel=1e-8)
    # the variance is pyfixest's two-stage (GMM) variance on the same rows
    import pyfixest as pf

    library = pf.did2s(
        kept.reset_index(drop=True).astype({"rep_id": object, "period": object}),
        yname="revenue",
        first_stage="~ 0 | rep_id + period",
        second_stage="~ on",
        treatment="on",
        cluster="rep_id",
    )
    assert table.iloc[0]["std_error"] == pytest.approx(library.se()["on"], rel=1e-8)
    twfe = effects.estimate(kept, outcome="revenue", treatment="on", unit="rep_id", time="period")
    assert table.iloc[0]["estimate"] != pytest.approx(twfe.tidy().iloc[0]["estimate"], rel=1e-3)
    secondary = table[table["role"] == "secondary"]
    from statsmodels.stats.multitest import multipletests

    assert secondary["p_value_adjusted"].to_numpy() == pytest.approx(
        multipletests(secondary["p_value"], method="holm")[1]
    )
    sentences = planning.describe_against_plan(table, effect_from=2)
    assert sentences[0].startswith(
        "Training raised the primary outcome (revenue), counted from the 3rd"
    )
    assert "more than the planned 3,000" in sentences[0]


def test_every_study_of_the_client_reports_a_plan_edited_after_the_freeze(tmp_path, monkeypatch):
    from analysis.studies import check_study, load_study

    assert load_study("readiness_alignment", "acme-learning").plan_sentences == []

    def edit(config):
        config["plan"]["budget"] = 200000.0

    _acme_copy(tmp_path, monkeypatch, edit)
    for study in ("org_effectiveness", "readiness_alignment", "training_impact", "evaluation_plan"):
        sentences = load_study(study, "acme-copy").plan_sentences
        assert sentences and "budget: 250000.0 -> 200000.0" in sentences[0], study
        warnings = [p.message for p in check_study("acme-copy", study) if p.level == "warning"]
        assert any("changed after it was frozen" in w for w in warnings), study


def test_freezing_again_keeps_the_first_freeze_in_every_report(tmp_path):
    from analysis.clients.plan_record import plan_status

    folder = client(tmp_path)
    plan = load_client(folder).plan.plan
    freeze(plan, folder, now=datetime(2024, 12, 2, 9, 30, tzinfo=UTC))
    edited = check_plan({**PLAN, "outcomes": {"primary": "wins", "secondary": []}}, "x")
    freeze(edited, folder, again=True, now=datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    status = plan_status(edited, folder)
    assert not status.changes and status.first_frozen_at == "2024-12-02 09:30 UTC"
    sentence = status.sentences()[0]
    assert sentence.startswith("The measurement plan was frozen again on 2025-06-01 08:00 UTC.")
    assert "first frozen on 2024-12-02 09:30 UTC" in sentence
    assert "outcomes.primary: 'revenue' -> 'wins'" in sentence
    assert status.provenance()["since_first"][0] == "outcomes.primary: 'revenue' -> 'wins'"


def test_a_freeze_record_edited_by_hand_is_refused(tmp_path):
    folder = client(tmp_path)
    plan = load_client(folder).plan.plan
    freeze(plan, folder)
    record = json.loads((folder / FROZEN_FILE).read_text())
    edited = check_plan({**PLAN, "budget": 1.0}, "x")
    record["sha256"] = plan_sha256(edited)  # the hash of the edited plan, the old plan kept
    (folder / FROZEN_FILE).write_text(json.dumps(record))
    with pytest.raises(
        ConfigError, match="was altered: the SHA-256 of the freeze of .* does not match"
    ):
        load_client(folder)


def test_a_plan_frozen_after_training_began_says_so(tmp_path, monkeypatch):
    from analysis.clients.plan_record import freeze as freeze_again
    from analysis.studies import load_study

    folder = _acme_copy(tmp_path, monkeypatch, lambda config: None)
    (folder / FROZEN_FILE).unlink()
    plan = load_client(folder).plan.plan
    freeze_again(plan, folder, now=datetime(2025, 9, 1, tzinfo=UTC))
    inputs = load_study("training_impact", "acme-copy")
    expected = (
        "The plan was first frozen on 2025-09-01, after training began (2025-04 in panel.csv)"
    )
    assert any(w.startswith(expected) for w in inputs.warnings)
    assert inputs.extras["rollout_sentences"][0].startswith(expected)
    # editing the plan afterwards (or freezing it again) cannot make the freeze early
    config = yaml.safe_load((folder / "client.yml").read_text(encoding="utf-8"))
    config["plan"]["expected_effect"] = 4000.0
    (folder / "client.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    edited = load_study("training_impact", "acme-copy")
    assert any(w.startswith(expected) for w in edited.warnings)
    assert any("changed after it was frozen" in s for s in edited.plan.sentences())
    freeze_again(load_client(folder).plan.plan, folder, again=True)
    assert any(w.startswith(expected) for w in load_study("training_impact", "acme-copy").warnings)


def _frozen_twice(tmp_path):
    folder = client(tmp_path)
    plan = load_client(folder).plan.plan
    freeze(plan, folder, now=datetime(2024, 12, 2, 9, 30, tzinfo=UTC))
    edited = check_plan({**PLAN, "budget": 150000.0}, "x")
    freeze(edited, folder, again=True, now=datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    return folder, plan, edited


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: r.update(earlier=[]),  # the first freeze dropped
        lambda r: r.update(frozen_at="2024-11-01 09:00 UTC"),  # back-dated
        lambda r: r.update(frozen_at="yesterday"),
        lambda r: r["earlier"][0].update(frozen_at="2027-01-01 00:00 UTC"),  # out of order
    ],
)
def test_a_reordered_back_dated_or_truncated_history_is_refused(tmp_path, tamper):
    folder, _, _ = _frozen_twice(tmp_path)
    record = json.loads((folder / FROZEN_FILE).read_text())
    tamper(record)
    (folder / FROZEN_FILE).write_text(json.dumps(record))
    with pytest.raises(ConfigError, match="was altered"):
        load_client(folder)


def test_reverting_to_the_first_plan_keeps_its_first_freeze_date(tmp_path):
    from analysis.clients.plan_record import plan_status

    folder, plan, _ = _frozen_twice(tmp_path)
    freeze(plan, folder, again=True, now=datetime(2025, 9, 1, 8, 0, tzinfo=UTC))
    status = plan_status(plan, folder)
    assert status.frozen_date == "2024-12-02" and not status.edited_after_first_freeze
    expected = (
        "The measurement plan reads exactly as first frozen on 2024-12-02 09:30 UTC "
        "(frozen again on 2025-09-01 08:00 UTC, 3 versions in all)."
    )
    assert status.sentences() == [expected]


def test_after_a_refreeze_every_study_still_names_the_first_freeze(tmp_path, monkeypatch):
    from analysis.clients.plan_record import freeze as refreeze
    from analysis.studies import check_study, load_study

    def edit(config):
        config["plan"]["budget"] = 200000.0

    folder = _acme_copy(tmp_path, monkeypatch, edit)
    refreeze(load_client(folder).plan.plan, folder, again=True)
    for study in ("org_effectiveness", "readiness_alignment", "training_impact", "evaluation_plan"):
        sentence = load_study(study, "acme-copy").plan_sentences[0]
        assert (
            "first frozen on 2024-12-02 09:00 UTC" in sentence
            and "budget: 250000.0 -> 200000.0" in sentence
        )
        assert any("first frozen" in p.message for p in check_study("acme-copy", study))


def test_a_freeze_record_copied_with_a_client_folder_is_refused(tmp_path):
    # Copying an example client's folder copies its plan.frozen.json; the new client's
    # reports would say its plan was frozen on a date it never was.
    import shutil

    from analysis.clients.config import load_client

    source = paths.CLIENTS_DIR / "acme-learning"
    assert json.loads((source / FROZEN_FILE).read_text())["client_id"] == "acme-learning"
    copy = tmp_path / "new-co"
    shutil.copytree(source, copy)
    with pytest.raises(
        ConfigError,
        match=r"records the plan freeze of client 'acme-learning'.*"
        r"Delete plan\.frozen\.json from new-co/.*workbench plan freeze new-co",
    ):
        load_client(copy)
    (copy / FROZEN_FILE).unlink()
    assert load_client(copy).plan is not None and not load_client(copy).plan.frozen


@pytest.mark.parametrize("edit", ["delete", "edit"])
def test_a_copied_freeze_record_with_its_client_id_deleted_or_edited_does_not_verify(
    tmp_path, edit
):
    # The chained hash covers the client id: deleting or editing the client_id line of a
    # record copied from another client leaves a record that no longer verifies.
    import shutil

    copy = tmp_path / "new-co"
    shutil.copytree(paths.CLIENTS_DIR / "acme-learning", copy)
    record = json.loads((copy / FROZEN_FILE).read_text())
    if edit == "delete":
        del record["client_id"]
    else:
        record["client_id"] = "new-co"
    (copy / FROZEN_FILE).write_text(json.dumps(record, indent=2))
    with pytest.raises(ConfigError, match="was altered or copied.*the client id"):
        load_client(copy)
    # the shipped record itself still verifies, and a client's own refreeze does too
    assert load_client(paths.CLIENTS_DIR / "acme-learning").plan.frozen_date == "2024-12-02"
    refreeze_as_own(copy)
    assert load_client(copy).plan.frozen_date == "2024-12-02"


def test_a_record_from_before_the_client_id_was_chained_says_how_to_freeze_again(tmp_path):
    import hashlib

    folder = client(tmp_path)
    record = freeze(check_plan(PLAN, "x"), folder, now=datetime(2024, 12, 2, 9, 30, tzinfo=UTC))
    text = f"{record['frozen_at']}|{record['sha256']}|"
    record["record_sha256"] = hashlib.sha256(text.encode()).hexdigest()  # the former chain
    (folder / FROZEN_FILE).write_text(json.dumps(record))
    with pytest.raises(ConfigError, match="written before freeze records covered the client id"):
        load_client(folder)


def _full_disk_after(monkeypatch, nbytes):
    """Every later write through analysis.core.files stores ``nbytes`` and then fails with ENOSPC."""
    import errno
    import os

    from analysis.core import files

    real_write = os.write

    def write(handle, data):
        real_write(handle, bytes(data[:nbytes]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "write", write)


def test_freezing_again_on_a_full_disk_keeps_the_first_record_and_says_so(
    tmp_path, monkeypatch, capsys
):
    from analysis.cli import main

    (tmp_path / "clients").mkdir()
    folder = client(tmp_path / "clients")
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "clients")
    assert main(["plan", "freeze", folder.name]) == 0
    first = (folder / FROZEN_FILE).read_bytes()
    (folder / "client.yml").write_text(
        (folder / "client.yml").read_text().replace("budget: 200000.0", "budget: 150000.0")
    )
    capsys.readouterr()
    _full_disk_after(monkeypatch, 1024)
    assert main(["plan", "freeze", "--again", folder.name]) == 1
    err = capsys.readouterr().err
    assert "the disk is full" in err and "the previous plan.frozen.json is unchanged" in err
    assert "Traceback" not in err
    assert (folder / FROZEN_FILE).read_bytes() == first
    assert sorted(p.name for p in folder.iterdir()) == ["client.yml", FROZEN_FILE]
    assert load_client(folder).plan.changes == ["budget: 200000.0 -> 150000.0"]


def test_a_freeze_record_that_is_a_folder_is_a_clear_message(tmp_path, monkeypatch, capsys):
    from analysis.cli import main

    (tmp_path / "clients").mkdir()
    folder = client(tmp_path / "clients")
    (folder / FROZEN_FILE).mkdir()
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "clients")
    for command in (["plan", "show", folder.name], ["plan", "freeze", folder.name]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "plan.frozen.json in plan-client/ is a folder, not a freeze record" in err
    assert (folder / FROZEN_FILE).is_dir()


def test_a_freeze_record_with_earlier_null_is_refused_with_a_message(tmp_path):
    folder = client(tmp_path)
    record = freeze(check_plan(PLAN, "x"), folder)
    record["earlier"] = None
    (folder / FROZEN_FILE).write_text(json.dumps(record))
    with pytest.raises(ConfigError, match="not a freeze record .*earlier must be the list"):
        load_client(folder)
