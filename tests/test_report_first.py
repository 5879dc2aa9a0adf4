"""The report answers first: the training study's first sentence, findings and one number per quantity."""

from __future__ import annotations

import html
import json

import nbformat
import pytest

from analysis.core import paths
from analysis.core.formats import MINUS
from analysis.render.export import collapsed
from analysis.studies import load_study
from analysis.studies.training_impact.sections import TrainingReport
from analysis.studies.training_impact.units import period_name, study_units


@pytest.fixture(scope="module")
def cobalt():
    """A cross-section whose effect is positive while the programme lost money."""
    return TrainingReport(load_study("training_impact", "cobalt-software"))


@pytest.fixture(scope="module")
def delta():
    """A pilot too small to tell anything."""
    return TrainingReport(load_study("training_impact", "delta-logistics"))


def test_the_first_sentence_says_whether_training_paid_and_never_more_than_its_range(cobalt, delta):
    answer = cobalt.answer()
    # the issue's form: "Training raised bookings by about EUR 1,900 per rep and month (95%
    # range EUR 780 to 2,980), but has not yet paid for itself: return −5% (range ...)"
    assert answer.startswith("Training raised revenue by about GBP 5,271 per rep (95% range GBP ")
    assert "), but has not yet paid for itself: return" in answer
    assert answer.endswith(f"{MINUS}37% (range {MINUS}66% to {MINUS}9%).")
    unclear = delta.answer()
    assert unclear.startswith("The data cannot tell whether training changed revenue")
    assert "nor can it tell yet whether it paid for itself" in unclear
    for overclaim in ("raised", "lowered", "has paid", "has not paid"):
        assert overclaim not in unclear


def test_one_reported_effect_the_naive_difference_only_off_the_cards(cobalt):
    records = {r["name"]: r for r in cobalt.records()}
    assert records["effect"]["estimate"] == pytest.approx(
        float(cobalt.comparison.set_index("term").loc["regression adjusted", "estimate"])
    )
    assert records["naive_difference"]["card"] is False
    off = {"naive_difference", "units"}  # the units are recorded for results.json, never a card
    assert all(r.get("card", True) for n, r in records.items() if n not in off)
    assert records["units"]["card"] is False


def test_the_method_sentence_follows_the_design_used(cobalt, delta):
    """cobalt has one row per rep: no sentence may say a rep is compared with itself."""
    import re

    appendix = html.unescape(re.sub(r"<[^>]+>", " ", cobalt.appendix()._repr_html_()))
    appendix = " ".join(appendix.split())
    assert (
        "The report gives one effect on revenue: trained reps compared with untrained reps of "
        "the same baseline revenue, one row per rep" in appendix
    )
    body = " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", cobalt.results_section()._repr_html_())).split()
    )
    assert body.startswith(
        "The effect of training on the client's results: trained reps are compared with "
        "untrained reps of the same baseline revenue (the data hold one row per rep"
    )
    for panel_words in ("same rep", "with itself", "rep-months", "Imputation estimator"):
        assert panel_words not in appendix, panel_words
        assert panel_words not in body, panel_words
    notebook = (paths.NOTEBOOKS_DIR / "training_impact.ipynb").read_text(encoding="utf-8")
    assert "same rep" not in notebook  # the method is the study's sentence, not fixed text
    assert "Regression adjustment" in appendix
    panel = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", delta.appendix()._repr_html_())).split())
    assert "each trained rep compared with what the same rep would have had untrained" in panel
    assert "Imputation estimator" in panel and "Regression adjustment" not in panel
    assert "compared with what the same rep would have achieved untrained" in " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", delta.results_section()._repr_html_())).split()
    )


def test_behaviour_uses_the_same_estimator_as_the_results(delta):
    """Without a plan, behaviour is the imputation estimate, as the results are."""
    from analysis import effects

    expected = effects.staggered_att(
        delta.data,
        outcome="call_score",
        unit="rep_id",
        time="period",
        start="training_start",
        conf_level=0.95,
    ).iloc[0]
    assert float(delta.behaviour["estimate"]) == pytest.approx(float(expected["estimate"]))
    assert delta.effect.name == "staggered (imputation)"


def test_the_findings_are_three_to_five_with_ranges(delta):
    found = delta.findings()
    assert 3 <= len(found) <= 5
    assert all("range" in f or "rated" in f or "cost" in f for f in found)


def test_the_currency_comes_from_the_parameter_or_the_clients_label():
    import pandas as pd

    from analysis.clients.parameters import TrainingImpact

    panel = pd.DataFrame({"period": ["2025-01", "2025-02"]})
    assert study_units(TrainingImpact(currency="EUR"), panel, "money").currency == "EUR"
    labelled = TrainingImpact(outcome_label="Bookings, USD")
    assert study_units(labelled, panel, "money").currency == "USD"
    assert study_units(TrainingImpact(outcome_label="Revenue"), panel, "money").currency is None
    assert period_name(pd.Series(["2025-01", "2025-02"])) == "month"
    assert period_name(pd.Series(["2025Q1", "2025Q2"])) == "quarter"


def test_a_section_that_showed_nothing_collapses_and_others_stay():
    cells = [
        nbformat.v4.new_markdown_cell("## Empty", metadata={"tags": ["collapsible"]}),
        nbformat.v4.new_code_cell("x", outputs=[]),
        nbformat.v4.new_markdown_cell("## Shown", metadata={"tags": ["collapsible"]}),
        nbformat.v4.new_code_cell(
            "y",
            outputs=[
                nbformat.v4.new_output("display_data", data={"text/html": "<p>something</p>"})
            ],
        ),
        nbformat.v4.new_markdown_cell("## Kept, not collapsible"),
        nbformat.v4.new_code_cell("z", outputs=[]),
    ]
    assert collapsed(cells) == {0}


# ------------------------------------------------------------------ study 1: the survey


@pytest.fixture(scope="module")
def acme_survey():
    from analysis.studies.org_effectiveness.sections import SurveyReport

    return SurveyReport(load_study("org_effectiveness", "acme-learning"))


def test_the_survey_answers_with_its_range_and_the_practice_that_sets_them_apart(acme_survey):
    answer = acme_survey.answer()
    assert answer.startswith(
        "74.1% of the learning leaders surveyed rate their sales-training organisation "
        "effective or very effective (95% range 67.2% to 80.1%)"
    )
    assert "buying customized solutions, 2.50 times as often" in answer
    assert "(95% range 1.48 to 4.23)" in answer
    found = acme_survey.findings()
    assert 3 <= len(found) <= 5
    for text in [answer, *found]:
        for jargon in ("p-value", "odds ratio", "logit", "risk ratio", "Fisher", "_"):
            assert jargon not in text, (jargon, text)


def test_the_survey_never_names_a_practice_its_range_does_not_support(acme_survey):
    """With every range including 1, the answer says the survey cannot tell."""
    import copy

    unclear = copy.copy(acme_survey)
    unclear.__dict__["comparison"] = acme_survey.comparison.assign(conf_low=0.9)
    answer = unclear.answer()
    assert "the survey cannot tell which practice sets the very effective organisations apart" in (
        answer
    )
    assert "times as often" not in answer
    assert unclear.practices_finding() is None


def test_a_survey_section_nobody_asked_for_is_named_once_not_shown(acme_survey):
    line = acme_survey.not_measured()._repr_html_()
    assert "Not measured for this client: one organisation set against the others" in line
    assert "highlight" not in line and "parameter" not in line
    assert not acme_survey.profile_section()


# ------------------------------------------------------------------ study 4: the plan


@pytest.fixture(scope="module")
def acme_plan():
    from analysis.studies.evaluation_plan.sections import PlanReport

    return PlanReport(load_study("evaluation_plan", "acme-learning"))


def test_the_plan_answers_whether_its_rollout_can_show_that_training_pays(acme_plan):
    answer = acme_plan.answer()
    assert answer.startswith(
        "Not reliably: even if training works as planned (revenue up USD 3,000"
    )
    assert "in only 75.4% of cases (80% wanted; break-even USD 1,361 per rep and month)" in answer
    assert "between USD 2,051 and USD 3,943 in 90% of cases" in answer  # seed 12345
    found = acme_plan.findings()
    assert 3 <= len(found) <= 5
    assert found[0].startswith("A rollout of 233 reps (40% left untrained) over 12 months")


def test_a_power_is_written_one_way_everywhere_and_never_as_100_percent(acme_plan):
    from analysis.core import formats

    text = " ".join([acme_plan.answer(), *acme_plan.findings()])
    for record in acme_plan.records():
        if record["unit"] == "power":
            assert formats.power(record["estimate"]) in text, record
    assert "100%" not in text and "over 99%" not in text


def test_a_plan_that_cannot_pay_says_no_and_one_that_can_says_yes(acme_plan):
    import copy

    losing = copy.copy(acme_plan)
    losing.break_even = 4000.0
    assert losing.answer().startswith("No: by the plan's own figures the programme would not pay")
    paying = copy.copy(acme_plan)
    paying.__dict__["powered"] = acme_plan.powered.assign(
        estimate=acme_plan.powered["estimate"].where(
            ~acme_plan.powered["term"].str.startswith("chance the interval"), 0.91
        )
    )
    assert paying.answer().startswith("Yes: if training works as planned")
    assert "in 91.0% of cases (80% wanted" in paying.answer()


# ------------------------------------------------------------------ study 3: readiness


@pytest.fixture(scope="module")
def acme_readiness():
    from analysis.studies.readiness_alignment.report import ReadinessReport

    return ReadinessReport(load_study("readiness_alignment", "acme-learning"))


def test_readiness_answers_with_ranges_points_and_real_plurals(acme_readiness):
    answer = acme_readiness.answer()
    assert answer.startswith("37.5% of respondents (95% range 21.2% to 57.3%) fall in the band")
    assert "(100 percentage points apart)" in answer and "% apart" not in answer
    assert answer.endswith("1 of 1 KPI target shows signs of gaming.")
    assert "target(s)" not in answer
    # the card and the sentence write the average score alike
    score = next(r for r in acme_readiness.records() if r["name"].endswith("_mean_score"))
    from analysis.report.display import card_values

    assert f"average score {card_values(score)[0]} of 10" in answer
    gap = next(r for r in acme_readiness.records() if r["name"].endswith("_misalignment_index"))
    assert gap["unit"] == "points" and card_values(gap)[0] == "61 percentage points"


def test_readiness_findings_say_what_to_do_and_keep_statistics_out(acme_readiness):
    found = acme_readiness.findings()
    assert 3 <= len(found) <= 5
    assert any(
        "meetings rose by 4.36 per rep and period (95% range 3.59 to 5.14)" in f for f in found
    )
    for text in found:
        for jargon in ("r_wg", "Krippendorff", "Cram", "p-value", "Fisher", "chi-square"):
            assert jargon not in text
    body = "".join(o._repr_html_() for s in acme_readiness.sections["alignment"] for o in s.outputs)
    assert "r_wg" not in body and "Cramér" not in body
    appendix = html.unescape(acme_readiness.appendix()._repr_html_())
    assert "r_wg(J)" in appendix and "Cramér's V" in appendix and "p-value" in appendix


def test_a_readiness_client_without_kpi_files_gets_one_not_measured_line():
    from analysis.studies.readiness_alignment.report import ReadinessReport

    delta = ReadinessReport(load_study("readiness_alignment", "delta-logistics"))
    assert not delta.kpi_section()
    line = delta.not_measured()._repr_html_()
    assert "Not measured for this client: KPI gaming" in line and "kpi_panel" not in line
    assert "cannot tell whether they disagree" in " ".join(delta.findings())


THIN = ("training_impact", "org_effectiveness", "evaluation_plan", "readiness_alignment")


def test_notebooks_are_thin_calls_without_display_dictionaries():
    for path in [paths.NOTEBOOKS_DIR / f"{name}.ipynb" for name in THIN]:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [
            line
            for cell in nb["cells"]
            if cell["cell_type"] == "code"
            and "parameters" not in cell.get("metadata", {}).get("tags", [])
            for line in "".join(cell["source"]).splitlines()
            if line.strip()
        ]
        assert len(code) <= 60, (path.name, len(code))
        assert not any("display_names" in line for line in code), path.name


def test_costs_in_another_currency_are_converted_and_the_appendix_states_the_rate(delta):
    """delta-logistics pays its trainer in EUR; the report's money is USD at the stated 1.08."""
    units = delta.units
    assert (units.currency, units.costs_currency, units.costs_converted) == ("USD", "EUR", True)
    costs = delta.tables["costs"]
    assert costs["amount"].tolist() == pytest.approx((costs["amount_eur"] * 1.08).tolist())
    assert delta.total_costs == pytest.approx(1.08 * costs["amount_eur"].sum())
    appendix = delta.appendix()._repr_html_()
    assert "converted at the stated rate of 1.08 USD per 1 EUR" in appendix
    assert "EUR 15,000" in delta.roi_section()._repr_html_()  # the costs as stated, beside USD
    record = {r["name"]: r for r in delta.records()}["units"]
    assert (record["exchange_rate"], record["costs_converted"]) == (1.08, True)


@pytest.mark.parametrize("client", ["borealis-pharma", "acme-learning"])
def test_segment_effects_come_from_the_reported_estimator_and_average_back_to_it(client):
    """One number per quantity: the segments split the reported effect (acme's from its plan)."""
    study = TrainingReport(load_study("training_impact", client))
    table = study.segments.tidy()
    reported = float(study.effect["estimate"])
    assert (table["weight"] * table["estimate"]).sum() == pytest.approx(reported, rel=1e-8)
    assert "imputation estimator" in study.appendix()._repr_html_()
    if client == "borealis-pharma":  # new hires gain clearly more: the first screen says so
        finding = study.segment_finding()
        assert finding in study.findings()
        assert "clearly differs by tenure band" in finding
        assert "does most for the new hire group" in finding


def test_the_symbol_style_is_used_on_every_figure():
    """borealis-pharma writes money as €2,400: the answer, the cards and the tables."""
    from analysis.report.display import card_values

    borealis = TrainingReport(load_study("training_impact", "borealis-pharma"))
    assert "by about €3,228 per rep and month (95% range €2,401 to €4,055)" in borealis.answer()
    effect = {r["name"]: r for r in borealis.records()}["effect"]
    assert card_values(effect) == ("€3,228", "95% range €2,401 to €4,055")
    tables = borealis.results_section()._repr_html_() + borealis.roi_section()._repr_html_()
    assert "€250,000" in tables and "EUR 2" not in tables and "EUR 3" not in tables


def test_a_count_outcome_carries_its_unit_and_the_period_is_named():
    study = TrainingReport(
        load_study(
            "training_impact",
            {"client_id": "delta-logistics", "outcome": "wins", "outcome_label": "Deals won"},
        )
    )
    answer = study.answer()
    # the unit once: "0.58 more deals won", never "raised deals won by about 0.58 deals won"
    assert answer.startswith("Training brought about 0.58 more deals won per rep and month")
    assert answer.count("deals won") == 1
    assert study.amount(0.466, "wins", decimals=2) == "0.47 deals won"
    assert study.per == "per rep and month"
    assert "USD" not in answer  # a count is not money
