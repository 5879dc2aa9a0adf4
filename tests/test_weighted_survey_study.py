"""Study 1 with a survey weight column: weights are used everywhere or refused, never ignored."""

from __future__ import annotations

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
    assert not inputs.runs("models") and "not computed for a survey with a sampling design" in (
        inputs.note("models")
    )
    assert inputs.extras["design"] == survey.SurveyDesign(weights="weight")
    records, _ = survey.study_headline(inputs.tables["responses"], design=inputs.extras["design"])
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


def test_every_survey_call_of_the_study_passes_the_design():
    """The report's figures come from the study's sections (the notebook only calls them)."""
    code = (paths.PACKAGE_DIR / "studies" / "org_effectiveness" / "estimates.py").read_text()
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
    assert len(calls) >= 8
    assert [name for name, call in calls if "design=self.design" not in call] == []


# ------------------------------------------------------------ the design of client.yml


def _designed_client(tmp_path, parameters: str, change=None):
    """acme-learning's survey sampled in 20 companies within 3 regions (strata)."""
    folder = tmp_path / "clients" / "delta"
    folder.mkdir(parents=True)
    data = pd.read_csv(paths.CLIENTS_DIR / "acme-learning" / "survey.csv")
    rng = np.random.default_rng(30)
    data["company"] = [f"C{c:02d}" for c in rng.integers(0, 20, len(data))]
    data["region"] = np.where(
        data["company"] < "C07", "north", np.where(data["company"] < "C14", "south", "west")
    )
    data["population"] = data["region"].map({"north": 40, "south": 55, "west": 70})
    data["weight"] = rng.uniform(0.5, 3.0, len(data)).round(2)
    if change is not None:
        change(data)
    data.to_csv(folder / "survey.csv", index=False)
    (folder / "client.yml").write_text(YML.format(extra=f"    parameters: {{{parameters}}}\n"))
    return folder, data


FULL = "strata: region, clusters: company, fpc: population"


def test_the_design_of_client_yml_reaches_every_figure_of_the_study(tmp_path, monkeypatch):
    folder, _ = _designed_client(tmp_path, FULL)
    monkeypatch.setattr(paths, "CLIENTS_DIR", folder.parent)
    inputs = load_study("org_effectiveness", {"client_id": "delta"})
    design = inputs.extras["design"]
    assert design == survey.SurveyDesign(
        weights="weight", strata="region", psu="company", fpc="population"
    )
    responses = inputs.tables["responses"]
    columns = {"weights": "weight", "strata": "region", "psu": "company", "fpc": "population"}
    # the headline share is the design-based one (R's svyciprop with each domain's df)
    records, sentences = survey.study_headline(responses, design=design)
    effective = next(r for r in records if r["name"] == "share_effective_or_better")
    expected = survey.shares(
        responses.assign(flag=responses["effectiveness_group"] != "ineffective"), "flag", **columns
    ).iloc[0]
    assert (effective["conf_low"], effective["conf_high"]) == (
        expected["conf_low"],
        expected["conf_high"],
    )
    weights_only = survey.shares(
        responses.assign(flag=responses["effectiveness_group"] != "ineffective"),
        "flag",
        weights="weight",
    ).iloc[0]
    assert effective["conf_low"] != pytest.approx(weights_only["conf_low"], abs=1e-6)
    assert sentences[0].startswith("An estimated")
    # the methods text names the design
    note = " ".join(inputs.extras["design_notes"])
    assert "weighted by column weight" in note and "3 strata (column region)" in note
    assert "20 primary sampling units (column company" in note
    assert "finite-population correction (column population)" in note
    assert "17 degrees of freedom" in note
    assert not inputs.runs("models")


def test_strata_or_clusters_alone_need_no_weights(tmp_path, monkeypatch):
    folder, _ = _designed_client(tmp_path, "weights: null, clusters: company")
    monkeypatch.setattr(paths, "CLIENTS_DIR", folder.parent)
    inputs = load_study("org_effectiveness", {"client_id": "delta"})
    assert inputs.extras["design"] == survey.SurveyDesign(psu="company")
    assert inputs.extras["weights"] is None
    _, sentences = survey.study_headline(inputs.tables["responses"], design=inputs.extras["design"])
    assert sentences[0].startswith(tuple("0123456789"))  # shares of respondents, unweighted


def test_a_misspelt_design_column_is_an_error_that_validate_reports(tmp_path):
    folder, _ = _designed_client(tmp_path, "clusters: compnay")
    errors = [
        p.message
        for p in check_study("delta", "org_effectiveness", clients_dir=folder.parent)
        if p.level == "error"
    ]
    assert any(
        "clusters 'compnay' is not a column of survey.csv. Did you mean 'company'?" in e
        for e in errors
    ), errors


def test_a_blank_cluster_or_a_lonely_stratum_is_named_with_its_lines(tmp_path):
    def blank(data):
        data.loc[[3, 9], "company"] = None

    folder, _ = _designed_client(tmp_path, FULL, change=blank)
    errors = [
        p.message
        for p in check_study("delta", "org_effectiveness", clients_dir=folder.parent)
        if p.level == "error"
    ]
    assert any(
        "survey.csv: clusters column 'company' is blank on line(s) 5, 11" in e for e in errors
    ), errors

    def lonely(data):
        data.loc[data["region"] == "west", "company"] = "C20"

    folder, _ = _designed_client(tmp_path / "b", FULL, change=lonely)
    errors = [
        p.message
        for p in check_study("delta", "org_effectiveness", clients_dir=folder.parent)
        if p.level == "error"
    ]
    assert any("stratum west of 'region' has a single cluster" in e for e in errors), errors

    def varying(data):
        data.loc[0, "population"] = 41 if data.loc[0, "region"] != "west" else 71

    folder, _ = _designed_client(tmp_path / "c", FULL, change=varying)
    errors = [
        p.message
        for p in check_study("delta", "org_effectiveness", clients_dir=folder.parent)
        if p.level == "error"
    ]
    assert any("'population' differs within a stratum" in e for e in errors), errors
