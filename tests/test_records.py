"""Typed records instead of tuples and dicts: each method returns a result object.

Every record answers ``tidy()`` with the standard columns first, ``summary()`` and
HTML; the former tuple unpacking or dict access still works, with a FutureWarning
naming the attributes to read instead.
"""

from __future__ import annotations

import html
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import instruments as ins
from analysis import kirkpatrick, kpi_gaming, planning, roi
from analysis.core import paths
from analysis.core.results import TIDY_COLUMNS, FormerShape, TidyResult
from analysis.datasets.instruments import generate_kpi_episode, generate_two_views


def _reactions():
    return pd.DataFrame({"rating": [5, 4, 4, 3, 5, 2], "relevance": [4, 4, 5, 5, 3, 4]})


DEFINITIONS = ins.load_instruments(paths.INSTRUMENTS_DIR)


def _checklist():
    checklist = DEFINITIONS["failure_reasons"]
    data = pd.DataFrame({i: [0, 1, 0, 1] for i in checklist.item_ids})
    data["no_reinforcement"] = [1, 1, 1, 0]
    return ins.check_responses(data.assign(respondent_id=list("abcd")), checklist), checklist


def _views():
    views = DEFINITIONS["two_views"]
    return ins.check_responses(generate_two_views(views, 12, seed=5), views), views


def _gaming():
    return generate_kpi_episode(seed=2)


def _baseline():
    design = planning.RolloutDesign(12, ((4, 100),), untrained=100)
    panel = planning.draw_panel(design, effect=0.0, residual_sd=500.0, seed=4)
    return planning.baseline_variance(
        panel, outcome="outcome", unit="rep_id", time="period", treatment="trained"
    )


CASES = {
    "reaction_summary": (
        lambda: kirkpatrick.reaction_summary(_reactions(), ["rating", "relevance"]),
        kirkpatrick.ReactionSummary,
        "tuple",
    ),
    "rank_checklist": (lambda: ins.rank_checklist(*_checklist()), ins.ChecklistRanking, "tuple"),
    "misalignment": (lambda: ins.misalignment(*_views()), ins.Misalignment, "tuple"),
    "gaming_check": (lambda: kpi_gaming.gaming_check(*_gaming()), kpi_gaming.GamingCheck, "tuple"),
    "design_power": (
        lambda: planning.design_power(
            planning.RolloutDesign(12, ((4, 60),), untrained=60), effect=800.0, residual_sd=3000.0
        ),
        planning.DesignPower,
        "dict",
    ),
    "baseline_variance": (_baseline, planning.BaselineVariance, "dict"),
    "roi_figures": (
        lambda: roi.roi_figures(350_000, 200_000, benefit_per_period=50_000),
        roi.RoiFigures,
        "dict",
    ),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    make, cls, kind = CASES[request.param]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few clusters in the small KPI episode
        return make(), cls, kind


def test_each_method_returns_its_record_with_tidy_rows(case):
    result, cls, _ = case
    assert isinstance(result, cls) and isinstance(result, TidyResult)
    table = result.tidy()
    assert list(table.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    assert len(table) > 0
    summary = result.summary()
    assert summary.attrs["caption"] == result.caption() != cls.__name__
    page = result._repr_html_()
    assert "<table" in page and html.escape(result.caption()) in page


def test_the_former_shape_still_reads_with_a_future_warning(case):
    result, cls, kind = case
    assert isinstance(result, FormerShape) and result.former_kind == kind
    with pytest.warns(FutureWarning, match=rf"{cls.__name__} as a {kind} is deprecated"):
        parts = list(result) if kind == "tuple" else result[result.former[0]]
    if kind == "tuple":
        assert len(parts) == len(cls.former)
        for part, name in zip(parts, cls.former, strict=True):
            assert part is getattr(result, name)
        with pytest.warns(FutureWarning):
            assert result[1] is getattr(result, cls.former[1])
    else:
        assert parts == getattr(result, cls.former[0])


def test_a_former_tuple_unpacks_as_before():
    summary = kirkpatrick.reaction_summary(_reactions(), ["rating"])
    with pytest.warns(FutureWarning, match=r"read its attributes \(\.means, \.distribution\)"):
        means, distribution = summary
    pd.testing.assert_frame_equal(means, summary.means)
    pd.testing.assert_frame_equal(distribution, summary.distribution)
    assert summary.tidy()["estimate"].iloc[0] == pytest.approx(23 / 6)


def test_a_former_dict_reads_as_before_and_says_what_is_missing():
    figures = roi.roi_figures(350_000, 200_000)
    with pytest.warns(FutureWarning):
        assert figures["roi_percent"] == pytest.approx(75.0)
    with pytest.warns(FutureWarning), pytest.raises(KeyError):
        figures["payback_periods"]  # not computed without benefit_per_period
    with pytest.warns(FutureWarning):
        assert list(figures) == ["benefits", "costs", "net_benefits", "bcr", "roi_percent"]
    assert figures.to_dict() == {
        "benefits": 350_000.0,
        "costs": 200_000.0,
        "net_benefits": 150_000.0,
        "bcr": 1.75,
        "roi_percent": 75.0,
    }


def test_roi_result_takes_the_figures_record():
    figures = roi.roi_figures(300_000, 100_000, benefit_per_period=50_000)
    result = roi.RoiResult(figures, {}, 0.95, False, 3)
    assert result.figures == figures.to_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        assert result.tidy().set_index("term").loc["roi_percent", "estimate"] == 200.0


def test_the_misalignment_index_is_a_tidy_row():
    result = ins.misalignment(*_views())
    table = result.tidy().set_index("term")
    assert table.loc["misalignment_index", "estimate"] == pytest.approx(result.index)
    assert np.isnan(table.loc["misalignment_index", "p_value"])


def test_design_power_tidy_rows_name_each_figure():
    result = CASES["design_power"][0]()
    table = result.tidy().set_index("term")
    assert table.loc["power", "estimate"] == pytest.approx(result.power)
    assert table.loc["minimum_detectable_effect", "estimate"] == pytest.approx(result.mde)
    assert (table["df"] == result.df).all()


# ----------------------------------------------------------------- headline records


def test_a_headline_is_a_typed_record_that_reads_as_results_json_writes_it():
    from analysis.core.results import Headline

    record = Headline(name="roi_percent", label="ROI", estimate=75.0, conf_low=10.0, conf_high=90.0)
    assert dict(record) == {
        "name": "roi_percent",
        "label": "ROI",
        "estimate": 75.0,
        "conf_low": 10.0,
        "conf_high": 90.0,
        "unit": "number",
    }
    hidden = Headline(name="units", label="Units", estimate=None, unit="text", card=False)
    assert hidden["card"] is False and "conf_low" not in hidden
    assert Headline.of(dict(record)) == record


@pytest.mark.parametrize("name", ["minimum detectable effect (80% power)", "MDE", "2nd", ""])
def test_a_headline_name_must_be_a_slug(name):
    from analysis.core.results import Headline

    with pytest.raises(ValueError, match="is not a slug"):
        Headline(name=name, label="x", estimate=1.0)


def test_slug_turns_a_label_into_a_name():
    from analysis.core.results import slug

    assert slug("Serious work needed") == "serious_work_needed"
    assert slug("minimum detectable effect (80% power)") == "minimum_detectable_effect_80_power"
    assert slug("2025 plan") == "x_2025_plan"


def test_publish_summary_refuses_a_record_named_with_words():
    from analysis.report.display import publish_summary

    with pytest.raises(ValueError, match="is not a slug"):
        publish_summary(
            [{"name": "minimum detectable effect (80% power)", "label": "x", "estimate": 1}]
        )
    with pytest.raises(ValueError, match="lacks label"):
        publish_summary([{"name": "mde", "estimate": 1}])


def test_the_headline_builders_return_headlines():
    from analysis import survey
    from analysis.core.results import Headline
    from analysis.datasets.survey import generate_survey

    records, _ = survey.study_headline(survey.prepare_responses(generate_survey(seed=1)))
    assert records and all(isinstance(r, Headline) for r in records)
    table = pd.DataFrame(
        {
            "term": ["revenue", "calls"],
            "role": ["primary", "secondary"],
            "estimate": [1.0, 2.0],
            "conf_low": [0.5, 1.0],
            "conf_high": [1.5, 3.0],
            "n": [10, 10],
        }
    )
    plan = planning.plan_records(table)
    assert [r.name for r in plan] == ["plan_primary_revenue", "plan_secondary_calls"]
