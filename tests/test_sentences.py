"""Every sentence builder prints its numbers on the side of zero (or break-even) its verdict is on.

The edge intervals of issue 30: (0.4, 899.6) beside "raised" must not print a lower bound
of 0, (-899.6, -0.3) beside "lowered" must not print "-0", a size after "lowered" is not
negative, and a bound just past break-even or a ratio of 1 stays past it in print. Each
builder is checked at these edges; test_sentence_simulation.py checks the same over 200
generated panels.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis import effects, planning, power, roi, survey
from analysis.core.conclusions import (
    bound,
    direction,
    interval_text,
    magnitude,
    share_text,
    width_decimals,
)

# ------------------------------------------------------------------ the one helper


@pytest.mark.parametrize(
    "value,null,decimals,expected",
    [
        (0.4, 0.0, 0, "0.4"),  # not "0" beside "raised"
        (-0.3, 0.0, 0, "-0.3"),  # not "-0"
        (899.6, 0.0, 0, "900"),
        (-0.0, 0.0, 0, "0"),  # a printed zero never has a minus sign
        (-0.2, 5.0, 0, "0"),  # far from every reference: plain rounding, and no "-0"
        (1.04, 1.0, 1, "1.04"),  # a ratio's bound past 1 is not printed as 1.0
        (0.996, 1.0, 1, "0.996"),
        (450.4, (0.0, 450.3), 0, "450.4"),  # past a planned 450.3, not "450"
        (449.6, (0.0, 450.3), 0, "449.6"),  # short of it, not "450"
        (1_234_567.891, 0.0, 0, "1,234,568"),
        (-0.00001, 0.0, 0, "-0.00001"),
        (float("nan"), 0.0, 1, "n/a"),
        (None, 0.0, 1, "n/a"),
    ],
)
def test_a_bound_stays_on_its_side_of_every_reference(value, null, decimals, expected):
    assert bound(value, null=null, decimals=decimals) == expected


def test_the_helpers_built_on_bound():
    assert interval_text(0.4, 899.6, decimals=0) == "0.4 to 900"
    assert interval_text(-899.6, -0.3, decimals=0) == "-900 to -0.3"
    assert magnitude(-450.2, decimals=0) == "450" and magnitude(-0.3, decimals=0) == "0.3"
    assert share_text(0.004) == "0.4%" and share_text(0.996) == "99.6%"
    assert share_text(0.0) == "0%" and share_text(1.0) == "100%" and share_text(0.5) == "50%"
    assert width_decimals(0.4, 899.6) == 0 and width_decimals(-0.7034, 0.0417) == 3


# ------------------------------------------------------------------ helpers of the tests

NUMBER = r"-?\d[\d,]*(?:\.\d+)?"


def _value(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def _printed_interval(sentence: str, lead: str) -> tuple[float, float]:
    match = re.search(rf"{lead} ({NUMBER})%? to ({NUMBER})%?", sentence)
    assert match, (lead, sentence)
    return _value(match.group(1)), _value(match.group(2))


def _agrees(verdict: str, low: float, high: float, null: float = 0.0) -> bool:
    """The printed bounds say what the verdict says."""
    if verdict == "above":
        return low > null
    if verdict == "below":
        return high < null
    return low <= null <= high


EDGES = [  # (estimate, low, high, std_error, verdict)
    (450.0, 0.4, 899.6, 229.0, "above"),
    (-450.0, -899.6, -0.3, 229.0, "below"),
    (450.0, -0.4, 900.4, 230.0, "unclear"),
    (-450.0, -900.4, 0.3, 230.0, "unclear"),
    (0.2, 0.004, 0.396, 0.1, "above"),  # a small-scale outcome: decimals follow the width
]


def _comparison(estimate, low, high, se):
    return pd.DataFrame(
        [
            {
                "term": "naive difference",
                "estimate": estimate + 3_000,
                "std_error": se,
                "conf_low": low + 3_000,
                "conf_high": high + 3_000,
            },
            {
                "term": "staggered (imputation)",
                "estimate": estimate,
                "std_error": se,
                "conf_low": low,
                "conf_high": high,
            },
        ]
    )


# ------------------------------------------------------------------ the builders


@pytest.mark.parametrize("estimate,low,high,se,verdict", EDGES)
def test_explain_comparison_prints_bounds_that_agree_with_its_verb(
    estimate, low, high, se, verdict
):
    first = effects.explain_comparison(
        _comparison(estimate, low, high, se), outcome_label="revenue"
    )[0]
    verb = {"above": "raised", "below": "lowered", "unclear": "did not clearly change"}[verdict]
    assert first.startswith(f"Training {verb} revenue"), first
    printed = _printed_interval(first, "CI")
    assert _agrees(verdict, *printed), first
    assert "-0 " not in first and "-0)" not in first and "CI 0 to" not in first


def test_explain_comparison_the_issues_two_intervals():
    raised = effects.explain_comparison(
        _comparison(450.0, 0.4, 899.6, 229.0), outcome_label="revenue"
    )
    assert "(CI 0.4 to 900)" in raised[0] and "(CI 0 to 900)" not in raised[0]
    lowered = effects.explain_comparison(
        _comparison(-450.0, -899.6, -0.3, 229.0), outcome_label="revenue"
    )
    assert "(CI -900 to -0.3)" in lowered[0] and "-0)" not in lowered[0]
    # the naive sentence: a clear gap is written as a size, never negative
    assert re.search(r"is clearly higher, by 3,000", lowered[1]), lowered[1]


def _plan_table(estimate, low, high, planned=None, role="primary"):
    return pd.DataFrame(
        [
            {
                "term": "revenue",
                "role": role,
                "estimate": estimate,
                "std_error": (high - low) / 3.92,
                "conf_low": low,
                "conf_high": high,
                "p_value": 0.05,
                "n": 400,
                "planned": planned,
                "p_value_adjusted": 0.05,
            }
        ]
    )


@pytest.mark.parametrize("estimate,low,high,se,verdict", EDGES)
def test_describe_against_plan_names_a_size_and_bounds_on_the_verdicts_side(
    estimate, low, high, se, verdict
):
    text = planning.describe_against_plan(_plan_table(estimate, low, high))[0]
    assert _agrees(verdict, *_printed_interval(text, "interval")), text
    if verdict != "unclear":
        size = re.search(rf"by an estimated ({NUMBER})", text)
        assert size and _value(size.group(1)) > 0, text  # "lowered ... by -450" no more
    assert "by about -" not in text and "by an estimated -" not in text


def test_describe_against_plan_the_issues_sentence_and_a_bound_touching_the_plan():
    text = planning.describe_against_plan(_plan_table(-450.0, -899.6, -0.3))[0]
    assert text.startswith("Training lowered the primary outcome (revenue) by an estimated 450 ")
    assert "interval -900 to -0.3" in text
    # the lower bound lies just above the planned 450.3: both printed so that it shows
    text = planning.describe_against_plan(_plan_table(700.0, 450.4, 949.6, planned=450.3))[0]
    low, _ = _printed_interval(text, "interval")
    planned = re.search(rf"more than the planned ({NUMBER})", text)
    assert planned and low > _value(planned.group(1)), text
    text = planning.describe_against_plan(_plan_table(200.0, -49.6, 449.6, planned=449.7))[0]
    _, high = _printed_interval(text, "interval")
    short = re.search(rf"falls short of the planned ({NUMBER})", text)
    assert short and high < _value(short.group(1)), text
    # a planned fall: an interval below it is more than planned
    text = planning.describe_against_plan(_plan_table(-700.0, -900.0, -500.0, planned=-300.0))[0]
    assert "more than the planned fall of 300" in text


def _roi(low, high, benefits=100_000.0, costs=100_000.0, conservative=False):
    figures = roi.roi_figures(benefits, costs, benefit_per_period=benefits / 12)
    return roi.RoiResult(figures, {"roi_percent": (low, high)}, 0.95, conservative, 40)


@pytest.mark.parametrize(
    "low,high,verdict",
    [(0.4, 899.6, "above"), (-899.6, -0.3, "below"), (-0.4, 0.3, "unclear")],
)
def test_roi_sentences_print_bounds_on_the_side_of_break_even(low, high, verdict):
    text = " ".join(roi.describe(_roi(low, high, benefits=100_000 * (1 + (low + high) / 200))))
    assert _agrees(verdict, *_printed_interval(text, "runs from")), text
    claim = {
        "above": "The benefits covered the costs",
        "below": "The benefits did not cover the costs",
        "unclear": "The data cannot tell whether the programme paid for itself",
    }[verdict]
    assert claim in text and "-0%" not in text


@pytest.mark.parametrize(
    "benefits,returned,roi_text",
    [
        (99_500.0, "0.99", "-0.5%"),
        (99_960.0, "0.9996", "-0.04%"),
        (100_400.0, "1.004", "0.4%"),
        (95_000.0, "0.95", "-5%"),
    ],
)
def test_roi_point_figures_read_as_estimates_on_their_side_of_break_even(
    benefits, returned, roi_text
):
    first = roi.describe(_roi(-20.0, 20.0, benefits=benefits))[0]
    assert first.startswith(f"An estimated {returned} was returned in profit contribution per 1")
    assert f"(estimated ROI {roi_text})" in first
    assert "every 1 invested returned" not in first.lower()
    conservative = roi.describe(_roi(-20.0, 20.0, benefits=benefits, conservative=True))[0]
    assert conservative.startswith("At the lower confidence bound of the effect, a conservative")


@pytest.mark.parametrize(
    "low,high,side",
    [(351.9, 900.0, "above"), (-200.0, 351.1, "below"), (351.1, 900.0, None)],
)
def test_the_design_sentence_at_bounds_touching_break_even(low, high, side):
    check = power.design_check(std_error=140.0, break_even=351.5, effect=(low + high) / 2)
    text = power.describe_design(check, conf_low=low, conf_high=high)
    if side:
        assert text.startswith(f"The interval of the effect lies wholly {side} the break-even")
    else:
        assert "could not have shown" in text or "could have shown" in text
        assert "includes break-even" in text or "could not have shown" in text


def test_the_design_sentence_prints_an_effect_and_break_even_in_their_order():
    for effect in (351.7, 351.3):
        check = power.design_check(std_error=100.0, break_even=351.5, effect=effect)
        text = power.describe_design(check, conf_low=150.0, conf_high=550.0)
        shown = re.search(rf"the estimated ({NUMBER}), .* break-even effect of ({NUMBER})", text)
        assert shown, text
        assert (_value(shown.group(1)) > _value(shown.group(2))) == (effect > 351.5), text


def test_plan_power_sentences_print_the_expected_and_break_even_in_their_order():
    from analysis.planning.design import RolloutDesign, break_even, power_table

    design = RolloutDesign(12, ((3, 35), (5, 35), (7, 35)), 45, None, 2)
    even = break_even(design, budget=250_000, margin=0.35)
    for expected in (even - 0.03, even + 0.4):  # both print as 1,361 when rounded alone
        table = power_table(design, expected_effect=expected, break_even=even, residual_sd=6000)
        text = " ".join(planning.describe_power(table))
        if expected <= even:
            shown = re.search(
                rf"expected effect \(({NUMBER})\) is at or below the break-even effect \(({NUMBER})",
                text,
            )
            assert shown and _value(shown.group(1)) < _value(shown.group(2)), text
        else:
            assert "would not pay for itself" not in text


@pytest.mark.parametrize(
    "estimate,low,high,verdict",
    [
        (1.8, 1.001, 3.9, "above"),
        (0.6, 0.3, 0.999, "below"),
        (1.8, 0.8, 3.9, "unclear"),
        (1.02, 0.999, 1.04, "unclear"),
    ],
)
def test_a_ratio_sentence_leads_with_what_its_interval_supports(estimate, low, high, verdict):
    row = pd.Series({"estimate": estimate, "conf_low": low, "conf_high": high})
    share = pd.Series({"estimate": 0.004, "conf_low": 0.0005, "conf_high": 0.02})
    sentences = survey.describe_contrast(row, share, pd.Series(dtype=float))
    assert sentences[0].startswith("0.4% of respondents")  # not "0%" of them
    ratio = sentences[1]
    opening = {
        "above": "Very effective organisations are more likely than ineffective ones",
        "below": "Very effective organisations are less likely than ineffective ones",
        "unclear": "For customized solutions, the data cannot tell",
    }[verdict]
    assert ratio.startswith(opening), ratio
    assert _agrees(verdict, *_printed_interval(ratio, "CI(?: of)?"), null=1.0), ratio
    if verdict == "unclear":  # no "times as likely" claim that the interval withdraws
        assert "times as likely" not in ratio


def test_the_practices_sentence_keeps_a_clear_ratio_off_1():
    comparison = pd.DataFrame(
        {
            "term": ["coaching", "roleplay"],
            "estimate": [1.04, 0.97],
            "conf_low": [1.01, 0.94],
            "conf_high": [1.07, 0.995],
        }
    )
    text = survey.distinguishing_practices(comparison)
    assert "coaching (1.04 times as likely)" in text and "roleplay (0.97 times as likely)" in text


def test_the_disagreement_sentence_never_prints_a_clear_difference_as_0_percent():
    from analysis import instruments as ins

    class Stub:
        def label(self, item):
            return item.title()

    data = pd.DataFrame({"item": ["q1"], "p_value": [0.001], "spread": [0.004]})
    # a gap between two shares is in percentage points, never "%"
    expected = "The stakeholder groups disagree most on q1 (0.4 percentage points apart)."
    assert ins.describe_disagreement(data, Stub()) == expected


def test_direction_and_bound_agree_over_many_random_intervals():
    rng = np.random.default_rng(30)
    for _ in range(2_000):
        centre = rng.normal(0, 1) * 10.0 ** rng.integers(-3, 5)
        half = abs(rng.normal(0, 1)) * 10.0 ** rng.integers(-3, 5)
        low, high = centre - half, centre + half
        decimals = width_decimals(low, high)
        printed = [_value(t) for t in interval_text(low, high, decimals=decimals).split(" to ")]
        assert _agrees(direction(low, high), *printed), (low, high, printed)
