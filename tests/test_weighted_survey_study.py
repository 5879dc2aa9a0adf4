"""Study 1 with a survey weight column: weights are used everywhere or refused, never ignored."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from analysis import survey
from analysis.core import paths
from analysis.studies import check_study, load_study

YML = "display_name: Gamma\nstudies:\n  org_effectiveness:\n    data: {{survey_path: survey.csv}}\n{extra}"


def _weighted_client(tmp_path, extra=""):
    folder = tmp_path / "clients" / "gamma"
    folder.mkdir(parents=True)
    data = pd.read_csv(paths.CLIENTS_DIR / "acme-learning" / "survey.csv")
    # very effective organisations stand for five times as many as the others
    data["weight"] = np.where(data["effectiveness"] == "very effective", 5.0, 1.0)
    data.to_csv(folder / "survey.csv", index=False)
    (folder / "client.yml").write_text(YML.format(extra=extra))
    return folder, data


def test_weights_are_used_in_the_headline_and_the_models_are_left_out_with_a_note(
    tmp_path, monkeypatch
):
    folder, data = _weighted_client(tmp_path)
    monkeypatch.setattr(paths, "CLIENTS_DIR", folder.parent)
    inputs = load_study("org_effectiveness", {"client_id": "gamma"})
    assert inputs.extras["weights"] == "weight"
    assert not inputs.runs("models") and "not computed for a weighted survey" in inputs.note(
        "models"
    )
    records, _ = survey.study_headline(inputs.tables["responses"], weights=inputs.extras["weights"])
    very = next(r for r in records if r["name"] == "share_very_effective")
    expected = np.average(data["effectiveness"] == "very effective", weights=data["weight"])
    unweighted = (data["effectiveness"] == "very effective").mean()
    assert very["estimate"] == pytest.approx(expected, abs=1e-12)
    assert abs(very["estimate"] - unweighted) > 0.1  # the weights matter here


def test_weights_null_is_an_explicit_unweighted_choice_with_a_warning(tmp_path):
    folder, _ = _weighted_client(tmp_path, extra="    parameters: {weights: null}\n")
    problems = check_study("gamma", "org_effectiveness", clients_dir=folder.parent)
    warnings = [p.message for p in problems if p.level == "warning"]
    assert any("has a weight column, but weights is null" in m for m in warnings), problems
    assert not any("weighted survey" in p.message for p in problems)


def test_a_weights_column_that_is_not_there_is_an_error(tmp_path):
    folder, _ = _weighted_client(tmp_path, extra="    parameters: {weights: wt}\n")
    problems = check_study("gamma", "org_effectiveness", clients_dir=folder.parent)
    assert any(
        "weights 'wt' is not a column of survey.csv" in p.message
        for p in problems
        if p.level == "error"
    )


def test_every_survey_call_in_the_notebook_passes_the_weights():
    notebook = json.loads((paths.NOTEBOOKS_DIR / "org_effectiveness.ipynb").read_text())
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    weighted = (
        "shares",
        "multi_select",
        "compare_groups",
        "crosstab_test",
        "profile_against_population",
        "study_headline",
    )
    calls = []
    for match in re.finditer(rf"survey\.({'|'.join(weighted)})\(", code):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            end += 1
        calls.append((match.group(1), code[match.start() : end]))
    assert len(calls) >= 9
    assert [name for name, call in calls if "weights=w" not in call] == []
