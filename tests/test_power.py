"""Power and the minimum detectable effect: against statsmodels' formulas and by simulation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import normal_power, ttest_power

from analysis import effects, power
from analysis.contracts.training import training_panel
from analysis.datasets.training import (
    TrainingDesign,
    generate_training_client,
    planted_att,
)


@pytest.mark.parametrize("ratio", [0.5, 1.0, 2.0, 2.8, 4.0])
def test_power_equals_statsmodels_normal_and_t_power(ratio):
    assert power.power(ratio * 3.0, 3.0) == pytest.approx(
        normal_power(effect_size=ratio, nobs=1, alpha=0.05), abs=1e-12
    )
    assert power.power(-ratio, 1.0, conf_level=0.9, df=24) == pytest.approx(
        ttest_power(effect_size=ratio, nobs=1, alpha=0.1, df=24), abs=1e-10
    )


def test_the_minimum_detectable_effect_has_the_power_it_names():
    # Bloom (1995): with a normal test at 5% and 80% power the MDE is 2.80 standard errors
    assert power.minimum_detectable_effect(1.0) == pytest.approx(2.8016, abs=1e-4)
    assert power.power(power.minimum_detectable_effect(2.5), 2.5) == pytest.approx(0.80, abs=1e-3)
    with pytest.raises(ValueError, match="power"):
        power.minimum_detectable_effect(1.0, power=1.2)


def test_break_even_and_the_design_sentence():
    even = power.break_even_effect(70_000, treated_periods=200, margin=0.35)
    assert even == pytest.approx(1000.0)
    weak = power.design_check(std_error=900.0, break_even=even, effect=950.0)
    assert weak["estimate"].iloc[0] > even
    text = power.describe_design(weak, conf_low=-800.0, conf_high=2_700.0)
    assert text.startswith("This design could not have shown whether the programme paid for itself")
    # without an effect to assume, the sentence says only what the interval says
    alone = power.design_check(std_error=900.0, break_even=even)
    text = power.describe_design(alone, conf_low=-800.0, conf_high=2_700.0)
    assert "cannot tell whether the programme paid for itself" in text
    assert "could have shown" not in text and "could not have shown" not in text
    # precise, and an interval clear of break-even: the design told, whatever its power said
    strong = power.design_check(std_error=200.0, break_even=even, effect=1_500.0)
    text = power.describe_design(strong, conf_low=1_100.0, conf_high=1_900.0)
    assert text.startswith("The interval of the effect lies wholly above the break-even effect")


def test_payback_power_is_power_against_break_even_not_against_zero():
    # the training summary: 94% power against no effect at the break-even effect,
    # yet an 11% chance that the interval clears break-even at the true effect
    check = power.design_check(std_error=100.0, break_even=351.5, effect=425.0)
    rows = check.set_index("term")["estimate"]
    assert rows["power against no effect at the break-even effect"] == pytest.approx(
        0.94, abs=0.005
    )
    clears = rows["chance the interval clears break-even (estimated effect)"]
    # P(estimate - 1.96 se > break-even) = 1 - Phi(1.96 - 73.5 / 100), by hand
    from scipy import stats

    assert clears == pytest.approx(stats.norm.sf(stats.norm.ppf(0.975) - 0.735), rel=1e-9)
    assert clears == pytest.approx(0.11, abs=0.005)
    # two-sided: the interval may also lie wholly below break-even
    against = rows["power against break-even at the estimated effect"]
    assert against == pytest.approx(power.power(73.5, 100.0), rel=1e-12) and against > clears
    text = power.describe_design(check, conf_low=229.0, conf_high=621.0)
    assert text.startswith("This design could not have shown whether the programme paid for itself")
    assert "in 11.4% of studies like this one (power against break-even" in text
    assert "power against no effect at the break-even effect, 94.0%" in text
    assert "could show" not in text and "could have shown" not in text
    # at break-even itself the interval excludes it only as often as the test errs (5%)
    at_even = power.design_check(std_error=100.0, break_even=351.5, effect=351.5)
    assert at_even.set_index("term")["estimate"][
        "power against break-even at the estimated effect"
    ] == pytest.approx(0.05, abs=1e-12)
    # with a planned effect far enough above break-even, the design could have shown it
    planned = power.design_check(
        std_error=100.0, break_even=351.5, effect=700.0, effect_source="planned"
    )
    text = power.describe_design(planned, conf_low=229.0, conf_high=621.0)
    assert text.startswith("This design could have shown whether the programme paid for itself")
    assert "if the true effect were the planned 700" in text


DESIGNS = [  # (reps, periods, planted effect, noise): power from about 0.2 to 0.9
    (30, 8, 1_500.0, 6_000.0),
    (60, 8, 1_500.0, 6_000.0),
    (40, 10, 3_000.0, 8_000.0),
]


@pytest.mark.slow
@pytest.mark.parametrize("n_reps,n_periods,effect,noise", DESIGNS)
def test_computed_power_agrees_with_simulated_power(n_reps, n_periods, effect, noise):
    """Within 5 points over a grid of designs (500 generated clients each)."""
    design = TrainingDesign(
        n_reps=n_reps,
        n_periods=n_periods,
        cohorts=(n_periods // 2,),
        never_share=0.5,
        effect=effect,
        ramp=1,
        noise=noise,
    )
    rejected, errors, planted = [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(500):
            client = generate_training_client(design, seed=seed)
            planted.append(planted_att(client))
            panel = training_panel(client)
            row = (
                effects.estimate(
                    panel, outcome="revenue", treatment="trained", unit="rep_id", time="period"
                )
                .tidy()
                .iloc[0]
            )
            rejected.append(row["conf_low"] > 0 or row["conf_high"] < 0)
            errors.append(row["std_error"])
    computed = power.power(float(np.mean(planted)), float(np.mean(errors)), df=n_reps - 1)
    simulated = float(np.mean(rejected))
    assert abs(computed - simulated) <= 0.05, (computed, simulated)


@pytest.mark.parametrize("df", [4, 9, 30])
def test_the_minimum_detectable_effect_with_few_clusters_has_exactly_its_power(df):
    # with the t distribution the power is the noncentral t's (statsmodels' ttest_power);
    # the MDE is where that power reaches 80%, not the central-t shortcut
    mde = power.minimum_detectable_effect(2.0, df=df)
    assert power.power(mde, 2.0, df=df) == pytest.approx(0.80, abs=1e-9)
    shortcut = (stats.t.ppf(0.975, df) + stats.t.ppf(0.8, df)) * 2.0
    if df == 4:  # the central-t shortcut misses by a point
        assert abs(power.power(shortcut, 2.0, df=df) - 0.80) > 0.005
