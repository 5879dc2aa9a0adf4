"""Reports held to the measurement plan: rendered for the example client with a frozen plan
and for a copy whose plan was edited after the freeze (primary outcome switched)."""

from __future__ import annotations

import html as html_module
import json
import re
import shutil

import pytest
import yaml

from analysis.core import paths
from analysis.render.batch import render_batch
from conftest import copy_example_client

pytestmark = pytest.mark.render


def text_of(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """acme-learning's data and freeze record, with the plan edited after the freeze."""
    root = tmp_path_factory.mktemp("plan")
    shutil.copytree(paths.NOTEBOOKS_DIR, root / "notebooks")
    folder = root / "clients" / "acme-edited"
    copy_example_client("acme-learning", folder)
    config = yaml.safe_load((folder / "client.yml").read_text(encoding="utf-8"))
    config["display_name"] = "Acme Edited"
    config["studies"] = {k: config["studies"][k] for k in ("training_impact", "evaluation_plan")}
    config["plan"]["outcomes"] = {"primary": "wins", "secondary": ["opportunities"]}
    config["plan"]["expected_effect"] = 0.5
    (folder / "client.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    result = render_batch(
        output_dir=root / "reports",
        clients_dir=root / "clients",
        notebooks_dir=root / "notebooks",
        progress=False,
        jobs=2,
    )
    assert {o.status for o in result.outcomes} == {"ok"}, result.outcomes
    return root / "reports" / "acme-edited"


def test_a_plan_edited_after_freezing_is_flagged_in_summary_and_provenance(edited):
    for study in ("training_impact", "evaluation_plan"):
        page = text_of((edited / f"{study}.html").read_text(encoding="utf-8"))
        summary = page[page.index("Summary") : page.index("Contents")]
        assert (
            "The measurement plan was changed after it was frozen on 2024-12-02 09:00 UTC"
            in summary
        )
        assert "outcomes.primary: 'revenue' -> 'wins'" in summary
        provenance = page[page.index("Provenance") :]
        assert "changed after it was frozen on 2024-12-02 09:00 UTC" in provenance
        assert "outcomes.secondary: ['wins', 'opportunities'] -> ['opportunities']" in provenance


def test_an_outcome_not_in_the_plan_is_labelled_exploratory(edited):
    page = text_of((edited / "training_impact.html").read_text(encoding="utf-8"))
    assert (
        "Effect of training on revenue (exploratory: not an outcome of the measurement plan)"
        in page
    )
    summary = page[page.index("Summary") : page.index("Contents")]
    assert "The results for revenue below are exploratory" in summary
    # the first screen names the plan's primary outcome; its table lists the primary first
    assert "The plan's primary outcome is wins: training" in summary
    table = page[page.index("Effects as the plan set them") :]
    assert table.index("wins primary") < table.index("opportunities secondary")
    assert table.index("opportunities secondary") < table.index("revenue exploratory")
    records = json.loads((edited / "training_impact.results.json").read_text())
    assert [r["name"] for r in records[:2]] == ["answer", "effect"]


def test_the_example_plan_report_and_training_report_follow_the_frozen_plan():
    """acme-learning's reports are rendered by the shipped-example tests; here its plan's figures."""
    from analysis.studies import load_study

    inputs = load_study("training_impact", "acme-learning")
    assert inputs.plan is not None and inputs.plan.frozen and not inputs.plan.changes
    assert inputs.plan_sentences == [
        "The measurement plan was frozen on 2024-12-02 09:00 UTC and has not changed since."
    ]
    assert inputs.extras["role_note"] == " (the plan's primary outcome)"
