"""Power before rollout (analysis.planning): analytic power against simulation, the
recommended design, the fast estimator against pyfixest, baseline variance recovery, Holm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import effects
from analysis.planning import (
    RolloutDesign,
    baseline_variance,
    break_even,
    design_power,
    draw_panel,
    holm,
    simulate_rollout,
    smallest_design,
)

GRID = [
    # periods, cohorts (start, reps), untrained, untrained until, effect_from, autocorrelation, effect
    (12, ((3, 35), (5, 35), (7, 35)), 45, None, 2, 0.2, 1800.0),
    (8, ((4, 20),), 20, None, 0, 0.0, 4000.0),
    (18, ((6, 60), (9, 60)), 80, None, 3, 0.5, 1500.0),
    (10, ((3, 15), (6, 15)), 10, None, 1, 0.3, 4000.0),
    (6, ((2, 30), (4, 30)), 0, None, 0, 0.0, 2500.0),  # no untrained group: later cohorts compare
    (24, ((6, 50), (12, 50), (18, 50)), 50, 20, 2, 0.6, 1200.0),  # untrained until period 20
]


@pytest.mark.parametrize(
    ("periods", "cohorts", "untrained", "until", "effect_from", "rho", "effect"), GRID
)
def test_power_agrees_with_simulation_within_5_points(
    periods, cohorts, untrained, until, effect_from, rho, effect
):
    design = RolloutDesign(periods, cohorts, untrained, until, effect_from)
    analytic = design_power(design, effect=effect, residual_sd=6000.0, autocorrelation=rho)
    draws = simulate_rollout(
        design, effect=effect, residual_sd=6000.0, autocorrelation=rho, n_resamples=1500, seed=11
    )
    simulated = float((draws["p_value"] < 0.05).mean())
    assert 0.15 < analytic.power < 0.97  # a grid where power is informative
    assert abs(analytic.power - simulated) <= 0.05, (analytic, simulated)
    # the planted effect is recovered and the analytic SE is the spread of the estimate
    assert abs(draws["estimate"].mean() - effect) < 4 * draws["estimate"].std() / np.sqrt(1500)
    assert draws["estimate"].std() == pytest.approx(analytic.std_error, rel=0.06)


def test_recommended_design_reaches_78_percent_power_when_simulated():
    planned = RolloutDesign(12, ((3, 20), (6, 20)), untrained=20, effect_from=2)
    even = break_even(planned, budget=120_000, margin=0.35)
    assert design_power(planned, effect=even, residual_sd=6000, autocorrelation=0.3).power < 0.5
    table = smallest_design(planned, effect=even, residual_sd=6000, autocorrelation=0.3)
    best = table[table["recommended"]].iloc[0]
    assert table["recommended"].sum() == 1 and best["reps"] == table["reps"].min()
    design = planned.resized(
        int(best["reps"]), untrained_share=best["untrained_share"], periods=int(best["periods"])
    )
    assert design.n_reps == best["reps"]
    draws = simulate_rollout(
        design, effect=even, residual_sd=6000, autocorrelation=0.3, n_resamples=2000, seed=3
    )
    assert (draws["p_value"] < 0.05).mean() >= 0.78
    # one rep fewer in the same layout falls short of the target (it is the smallest)
    fewer = planned.resized(
        int(best["reps"]) - 2, untrained_share=best["untrained_share"], periods=int(best["periods"])
    )
    assert design_power(fewer, effect=even, residual_sd=6000, autocorrelation=0.3).power < 0.8


def test_fast_estimate_equals_pyfixest_on_a_draw():
    design = RolloutDesign(10, ((3, 15), (6, 15)), untrained=12, effect_from=2)
    sim = simulate_rollout(
        design, effect=4000, residual_sd=6000, autocorrelation=0.3, n_resamples=1, seed=5
    )
    panel = draw_panel(design, effect=4000, residual_sd=6000, autocorrelation=0.3, seed=5)
    fit = effects.estimate(
        panel[panel["kept"]], outcome="outcome", treatment="trained", unit="rep_id", time="period"
    ).tidy()
    for column in ("estimate", "std_error", "conf_low", "conf_high", "p_value"):
        assert sim[column].iloc[0] == pytest.approx(fit[column].iloc[0], rel=1e-7)


@pytest.mark.parametrize(("periods", "rho"), [(6, 0.0), (6, 0.5), (12, 0.3)])
def test_baseline_variance_recovers_planted_sd_and_autocorrelation(periods, rho):
    panel = draw_panel(
        RolloutDesign(periods, (), untrained=1500),
        effect=0,
        residual_sd=5000,
        autocorrelation=rho,
        seed=periods,
    )
    found = baseline_variance(
        panel, outcome="outcome", unit="rep_id", time="period", treatment="trained"
    )
    assert found.residual_sd == pytest.approx(5000, rel=0.03)
    assert found.autocorrelation == pytest.approx(rho, abs=0.03)
    assert found.reps == 1500 and found.n == 1500 * periods


def test_baseline_variance_uses_untrained_rows_only():
    design = RolloutDesign(12, ((4, 400),), untrained=400)
    panel = draw_panel(design, effect=50_000, residual_sd=5000, autocorrelation=0.2, seed=1)
    found = baseline_variance(
        panel, outcome="outcome", unit="rep_id", time="period", treatment="trained"
    )
    assert found.n == 400 * 4 + 400 * 12
    assert found.residual_sd == pytest.approx(5000, rel=0.05)


def test_holm_matches_statsmodels_and_the_hand_computation():
    from statsmodels.stats.multitest import multipletests

    p = pd.DataFrame({"p_value": [0.01, 0.04, 0.03, np.nan, 0.2]})
    adjusted = holm(p)
    # by hand: sorted 0.01, 0.03, 0.04, 0.2 times 4, 3, 2, 1, made monotone
    assert adjusted.tolist()[:3] == pytest.approx([0.04, 0.09, 0.09])
    assert adjusted.iloc[4] == pytest.approx(0.2) and np.isnan(adjusted.iloc[3])
    ok = p["p_value"].notna()
    reference = multipletests(p.loc[ok, "p_value"], method="holm")[1]
    assert adjusted[ok].to_numpy() == pytest.approx(reference)


def test_break_even_counts_rep_periods_from_effect_from():
    design = RolloutDesign(10, ((4, 10),), untrained=10, effect_from=2)
    assert design.counted_rep_periods() == 10 * (10 - 4 - 2)
    assert break_even(design, budget=4200, margin=0.35) == pytest.approx(4200 / (40 * 0.35))
    assert design_power(RolloutDesign(6, (), untrained=10), effect=1, residual_sd=1).power == 0


def test_residualize_equals_the_dummy_variable_regression_on_an_unbalanced_table():
    from analysis.planning import residualize

    rng = np.random.default_rng(0)
    rows, periods = 9, 7
    weights = rng.integers(0, 4, size=(rows, periods)).astype(float)
    weights[:, 0] = 1.0  # every row observed once at least
    values = rng.normal(size=(3, rows, periods))  # three draws share the weights
    fast = residualize(values, weights)
    r, t = np.nonzero(weights)
    x = np.zeros((len(r), rows + periods))
    x[np.arange(len(r)), r] = 1.0
    x[np.arange(len(r)), rows + t] = 1.0
    sw = np.sqrt(weights[r, t])
    for draw in range(3):
        y = values[draw, r, t]
        beta = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)[0]
        assert fast[draw, r, t] == pytest.approx(y - x @ beta, abs=1e-10)
    assert (fast[:, weights == 0] == 0).all()


def _sentences(expected, budget):
    from analysis.planning import describe_power, power_table

    design = RolloutDesign(12, ((3, 35), (5, 35), (7, 35)), 45, None, 2)
    even = break_even(design, budget=budget, margin=0.35)
    table = power_table(design, expected_effect=expected, break_even=even, residual_sd=6000)
    return table, describe_power(table)


def test_pay_back_sentences_follow_the_chance_of_clearing_break_even():
    table, sentences = _sentences(3000, 250_000)  # break-even 1,361
    chance = table.set_index("term")["estimate"][
        "chance the interval clears break-even (expected effect)"
    ]
    design = RolloutDesign(12, ((3, 35), (5, 35), (7, 35)), 45, None, 2)
    draws = simulate_rollout(design, effect=3000, residual_sd=6000, n_resamples=2000, seed=8)
    assert abs(chance - (draws["conf_low"] > 250_000 / (525 * 0.35)).mean()) < 0.04
    assert chance < 0.8 and "cannot reliably show" in sentences[1] and "75.4%" in sentences[1]
    _, sentences = _sentences(4500, 250_000)
    assert sentences[1].startswith("This design can show that the programme pays for itself")
    _, sentences = _sentences(1000, 250_000)  # expected below break-even
    assert sentences[1].startswith(
        "By the plan's own figures the programme would not pay for itself"
    )
    assert "1,000" in sentences[1] and "1,361" in sentences[1]


def test_smallest_design_uses_each_layouts_own_break_even():
    planned = RolloutDesign(12, ((3, 20), (6, 20)), untrained=20, effect_from=2)
    table = smallest_design(
        planned, residual_sd=6000, autocorrelation=0.3, budget=120_000, margin=0.35
    )
    for row in table.itertuples():
        layout = planned.resized(1000, untrained_share=row.untrained_share, periods=row.periods)
        cost = 120_000 / 40 * (layout.n_reps - layout.untrained)  # cost per trained rep as planned
        assert row.target == pytest.approx(break_even(layout, budget=cost, margin=0.35), rel=1e-9)
        assert row.reps >= 20 and row.power >= 0.8
    longer = table[table["periods"] == 24]["target"].iloc[0]
    assert longer < table[table["periods"] == 12]["target"].iloc[0]  # more counted periods


def test_figures_in_sentences_never_claim_a_certainty_or_print_an_exponent():
    from analysis.planning import describe_draws, number
    from analysis.planning.design import percent
    from analysis.power import power
    from analysis.report.display import format_value

    # a power is written one way in sentences and tables, and never as a certainty
    assert [percent(x) for x in (0.9996, 1.0, 0.025, 0.004, 0.0, 0.5)] == [
        ">99.9%",
        ">99.9%",
        "2.5%",
        "0.4%",
        "<0.1%",
        "50.0%",
    ]
    assert [format_value(x, "power") for x in (1.0, 0.9996, 0.754)] == [
        ">99.9%",
        ">99.9%",
        "75.4%",
    ]
    assert (format_value(0.9996, "share"), format_value(0.0004, "share")) == (">99.9%", "<0.1%")
    assert format_value(1.0, "share") == "100.0%"  # a true certainty (all respondents) stays
    assert number(17857.1) == "17,857" and number(2.5) == "2.5" and number(0.01234) == "0.0123"
    assert power(20408, 1534, df=149) == pytest.approx(1.0)  # scipy's nct gives nan there
    table = pd.DataFrame(
        {
            "term": [
                "planted effect",
                "rollouts whose interval shows an effect",
                "rollouts whose interval lies above break-even",
            ],
            "estimate": [10.0, 1.0, 0.0],
            "unit": "share",
            "n": 1000,
        }
    )
    assert describe_draws(table) == (
        "If training works as planned (an effect of 10), all 1,000 simulated rollouts show an "
        "effect, and none of the 1,000 simulated rollouts show that the programme paid for itself."
    )
