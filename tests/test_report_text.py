"""The words of a client's report: what it assumes is said, what it leaves out is named in the
client's words, and the body shows no parameter, file or column name and no Python value.

Each test builds a study's sections from an example client (or a copy with one parameter
left out, as the new users of round 3 sent them) and reads their text; nothing is rendered.
"""

from __future__ import annotations

import re
import warnings

import pytest

from analysis.core import paths
from analysis.studies import load_study
from analysis.studies.training_impact.sections import TrainingReport
from conftest import copy_example_client
from test_render import NOT_IN_BODY, html_text

ASSUMED = "an assumed 35% margin — the client has not given its own"


def _copy(tmp_path_factory, client: str, name: str, drop: tuple[str, ...]) -> str:
    """A copy of an example client whose client.yml leaves out the lines ``drop``."""
    clients = tmp_path_factory.mktemp(name)
    folder = copy_example_client(client, clients / name)
    text = (folder / "client.yml").read_text(encoding="utf-8")
    for line in drop:
        assert line in text, line
        text = text.replace(line, "", 1)
    (folder / "client.yml").write_text(text, encoding="utf-8")
    return str(clients)


def _load(clients: str, study: str, namespace: dict):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "CLIENTS_DIR", paths.Path(clients))
        return load_study(study, namespace)


def _html(shown) -> str:
    """The HTML a notebook shows for one display object (several instruments' sections too)."""
    if shown is None:
        return ""
    if hasattr(shown, "_repr_html_"):
        return shown._repr_html_() or ""
    parts = getattr(shown, "sections", None) or getattr(shown, "outputs", None) or []
    return "".join(_html(part) for part in parts)


def _text(*shown) -> str:
    return html_text("".join(_html(o) for o in shown))


#: What each study's notebook shows before its appendix, in order.
BODY = {
    "training_impact": (
        "first_screen",
        "results_section",
        "behaviour_section",
        "reaction_learning_section",
        "time_and_groups_section",
        "roi_section",
        "not_measured",
    ),
    "org_effectiveness": (
        "first_screen",
        "ratings_section",
        "comparison_section",
        "cadence_section",
        "initiatives_section",
        "models_section",
        "profile_section",
        "sample_section",
        "not_measured",
    ),
    "evaluation_plan": (
        "first_screen",
        "power_section",
        "smallest_section",
        "rollout_section",
        "plan_section",
        "not_measured",
    ),
    "readiness_alignment": (
        "first_screen",
        "readiness_section",
        "failure_section",
        "alignment_section",
        "kpi_section",
        "not_measured",
    ),
}


def body_text(study, name: str) -> str:
    """The text of a study's body: every section its notebook shows before the appendix."""
    return _text(*(getattr(study, method)() for method in BODY[name]))


# ------------------------------------------------------------------ the margin


@pytest.fixture(scope="module")
def unstated_margin(tmp_path_factory):
    """delta-logistics as a client that never gave its margin."""
    clients = _copy(tmp_path_factory, "delta-logistics", "no-margin", ("      margin: 0.35\n",))
    return TrainingReport(_load(clients, "training_impact", {"client_id": "no-margin"}))


def test_a_margin_the_client_never_gave_is_called_assumed_wherever_it_is_used(unstated_margin):
    """nu3 finding 5: "at a 35% margin" in the summary, the default named only in the appendix."""
    report = unstated_margin
    assert report.returns is not None
    assert report.answer().endswith(f" at {ASSUMED}.")  # the first sentence, and the index
    roi = next(f for f in report.findings() if "profit contribution" in f)
    assert f"profit contribution at {ASSUMED};" in roi
    section = _text(report.roi_section())
    assert f"Return at {ASSUMED} (95% range)" in section
    body = body_text(report, "training_impact")
    said = len(re.findall(r"\bmargin\b", body))
    assert said == body.count(ASSUMED) >= 3, (said, body.count(ASSUMED))
    stated = TrainingReport(load_study("training_impact", "delta-logistics"))
    assert "assumed" not in body_text(stated, "training_impact")
    assert "at a 35% margin" in _text(stated.roi_section())


@pytest.fixture(scope="module")
def wins_without_margin(tmp_path_factory):
    """Costs given, the outcome a count with no money value and no margin: no ROI."""
    clients = _copy(tmp_path_factory, "delta-logistics", "wins-only", ("      margin: 0.35\n",))
    namespace = {"client_id": "wins-only", "outcome": "wins", "outcome_label": "Deals won"}
    return TrainingReport(_load(clients, "training_impact", namespace))


def test_no_margin_is_mentioned_when_no_return_is_computed(wins_without_margin):
    """nu3: "35% of each unit of wins" although no ROI was computed."""
    report = wins_without_margin
    assert report.returns is None
    assert not [w for w in report.inputs.warnings if "margin" in w]
    body = body_text(report, "training_impact")
    assert "margin" not in body and "margin" not in _text(report.appendix())
    # what the return still needs, in the client's words: not the costs they sent
    assert "the money value per unit of deals won" in body
    assert "the programme's costs" not in body


def test_a_missing_exchange_rate_is_what_the_body_asks_for(tmp_path_factory):
    """nu3 d2: costs in GBP without a rate; the body asked for the costs the client had sent."""
    clients = _copy(
        tmp_path_factory, "delta-logistics", "no-rate", ("      exchange_rate: 1.08\n",)
    )
    report = TrainingReport(_load(clients, "training_impact", {"client_id": "no-rate"}))
    assert report.returns is None
    line = _text(report.not_measured())
    assert "return on investment" in line
    assert "the exchange rate from EUR to USD (with its source and date)" in line
    assert "the programme's costs" not in line


# ------------------------------------------------------------------ units and empty rows


def test_a_count_effect_names_its_unit_once(wins_without_margin):
    answer = wins_without_margin.answer()
    assert re.match(r"Training brought about [\d.]+ more deals won per rep and month", answer)
    assert answer.count("deals won") == 1


def test_the_plan_column_is_shown_only_with_a_plan(wins_without_margin):
    """delta-logistics has no plan: no "The plan expected –" column."""
    assert wins_without_margin.against is None
    assert "The plan expected" not in _text(wins_without_margin.results_section())
    acme = TrainingReport(load_study("training_impact", "acme-learning"))
    assert "The plan expected" in _text(acme.results_section())


def test_the_naive_label_agrees_with_the_appendix(wins_without_margin):
    """results.json called the naive difference misleading where the report could not tell."""
    from analysis.effects.compare import naive_clearly_differs

    report = wins_without_margin
    label = {r["name"]: r for r in report.records()}["naive_difference"]["label"]
    appendix = _text(report.appendix())
    if naive_clearly_differs(report.comparison):
        assert "misleading here" in label and "is clearly" in appendix
    else:
        assert "misleading" not in label and "the data cannot tell" in label
        assert "do not clearly differ" in appendix


# ------------------------------------------------------------------ plain bodies, study by study


def _report(study: str, inputs):
    from analysis.studies.evaluation_plan.sections import PlanReport
    from analysis.studies.org_effectiveness.sections import SurveyReport
    from analysis.studies.readiness_alignment.report import ReadinessReport

    kinds = {
        "training_impact": TrainingReport,
        "org_effectiveness": SurveyReport,
        "evaluation_plan": PlanReport,
        "readiness_alignment": ReadinessReport,
    }
    return kinds[study](inputs)


def assert_plain_body(study: str, inputs) -> str:
    """Build a study's body as its notebook shows it and hold it to ``NOT_IN_BODY``.

    A notebook shows every caveat an estimate warns about as a note in the cell that
    computed it (:func:`analysis.report.theme.show_caveats_as_notes`): those notes are body
    text too, so they are held to the same patterns.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = _report(study, inputs)
        body = body_text(report, study)
    notes = [
        f"Caveat: {w.message}"
        for w in caught
        if issubclass(w.category, (UserWarning, RuntimeWarning))
    ]
    shown = " ".join([body, *notes])
    for pattern in NOT_IN_BODY:
        found = re.findall(pattern, shown)
        assert not found, (study, inputs.client_id, pattern, found[:5], notes[:3])
    return body


@pytest.mark.parametrize("client", ["delta-logistics", "cobalt-software"])
def test_the_training_body_names_no_parameter_column_or_python_value(client):
    """delta's segment caveat (a wild bootstrap over 'rep_id' clusters, p-values) was a note
    in the body; it is now one of the appendix's caveats."""
    assert_plain_body("training_impact", load_study("training_impact", client))


def test_a_training_body_without_costs_value_or_margin_is_plain(wins_without_margin):
    assert_plain_body("training_impact", wins_without_margin.inputs)


def test_the_survey_body_names_no_column_and_leaves_out_a_practice_nobody_has(tmp_path_factory):
    """nu3 d3: "Caveat: 'meets_weekly' by 'effectiveness_group'" and a row of 0.0% 0.0% –."""
    assert_plain_body("org_effectiveness", load_study("org_effectiveness", "acme-learning"))
    clients = _copy(tmp_path_factory, "acme-learning", "no-weekly", ())
    survey = paths.Path(clients) / "no-weekly" / "survey.csv"
    survey.write_text(survey.read_text(encoding="utf-8").replace(",weekly,", ",monthly,"))
    inputs = _load(clients, "org_effectiveness", {"client_id": "no-weekly"})
    body = assert_plain_body("org_effectiveness", inputs)
    assert "weekly" not in body  # no row, no chart bar, no caveat
    said = [w for w in inputs.warnings if "weekly" in w]
    assert said == [
        (
            "No very effective or ineffective organisation reports meeting senior sales "
            "leadership weekly, so that practice is not compared between them."
        )
    ]


def test_the_plan_body_names_no_parameter_column_or_python_value():
    assert_plain_body("evaluation_plan", load_study("evaluation_plan", "acme-learning"))


@pytest.mark.parametrize("client", ["acme-learning", "delta-logistics"])
def test_the_readiness_body_names_no_parameter_column_or_python_value(client):
    assert_plain_body("readiness_alignment", load_study("readiness_alignment", client))


def test_left_out_lines_speak_the_clients_words():
    """nu3: "(reactions_path)", "(parameter behaviour)", "(plan: in client.yml)" and "no
    result below was defined" with nothing below; validate still names the parameter."""
    from analysis.studies import check_study

    inputs = load_study("training_impact", "cobalt-software")
    for study in ("org_effectiveness", "readiness_alignment"):
        inputs.skipped.update(
            {
                f"{study}:{k}": v
                for k, v in load_study(
                    study, "delta-logistics" if study == "readiness_alignment" else "acme-learning"
                ).skipped.items()
            }
        )
    for section, reason in inputs.skipped.items():
        assert not re.search(
            r"_path\b|parameter |client\.yml|\bbelow\b|\b[a-z]+_[a-z_]+\b", reason
        ), (
            section,
            reason,
        )
    notes = [
        p.message for p in check_study("cobalt-software", "training_impact") if p.level == "note"
    ]
    assert any("To add it: agree a plan under plan: in client.yml" in n for n in notes), notes


def _glossary(report) -> list[str]:
    """The terms of a report's glossary (the ``dt`` of its last definition list)."""
    page = report.appendix()._repr_html_()
    listed = page[page.rindex('<dl class="wb-glossary">') :]
    return [html_text(t) for t in re.findall(r"<dt>(.*?)</dt>", listed)]


def test_the_glossary_lists_only_the_terms_the_report_uses(wins_without_margin, tmp_path_factory):
    """nu3: Hedges' g_z, Mediation, Holm and Bootstrap listed in reports that had none."""
    cobalt = TrainingReport(load_study("training_impact", "cobalt-software"))  # no plan, panel
    terms = _glossary(cobalt)
    assert "Bootstrap" in terms and "Regression adjustment" in terms
    for absent in ("Holm adjustment", "Pre-trend test", "Hedges' g_z", "Mediation"):
        assert absent not in terms, absent
    assert "Bootstrap" not in _glossary(wins_without_margin)  # no return computed
    acme = TrainingReport(load_study("training_impact", "acme-learning"))  # a plan: Holm
    assert "Holm adjustment" in _glossary(acme)

    import pandas as pd

    from analysis.studies.org_effectiveness.sections import SurveyReport
    from analysis.studies.readiness_alignment.report import ReadinessReport

    clients = _copy(tmp_path_factory, "acme-learning", "no-practices", ())
    path = paths.Path(clients) / "no-practices" / "survey.csv"
    answers = pd.read_csv(path)
    asked = [c for c in answers if not c.startswith(("align_", "sustain_"))]
    answers[asked].to_csv(path, index=False)  # no practice questions: no models
    survey = SurveyReport(_load(clients, "org_effectiveness", {"client_id": "no-practices"}))
    assert survey.models is None
    assert not {"Ordinal logit (proportional odds)", "Binary logit"} & set(_glossary(survey))
    full = SurveyReport(load_study("org_effectiveness", "acme-learning"))
    assert "Ordinal logit (proportional odds)" in _glossary(full)
    delta = ReadinessReport(load_study("readiness_alignment", "delta-logistics"))  # no KPI files
    assert "Difference-in-differences" not in _glossary(delta)
    acme_kpi = ReadinessReport(load_study("readiness_alignment", "acme-learning"))
    assert "Difference-in-differences" in _glossary(acme_kpi) and "r_wg(J)" in _glossary(acme_kpi)


def test_a_plan_without_its_margin_calls_the_default_assumed(tmp_path_factory):
    from analysis.studies.evaluation_plan.sections import PlanReport

    stated = PlanReport(load_study("evaluation_plan", "acme-learning")).break_even_finding()
    assert stated is not None and "at a 35% margin." in stated and "assumed" not in stated
    clients = _copy(tmp_path_factory, "acme-learning", "plan-no-margin", ("\n  margin: 0.35",))
    report = PlanReport(_load(clients, "evaluation_plan", {"client_id": "plan-no-margin"}))
    finding = report.break_even_finding()
    assert finding is not None
    assert "at an assumed 35% margin — the plan does not give the client's own." in finding
