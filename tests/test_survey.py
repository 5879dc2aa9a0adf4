"""Survey estimators against published reference values and planted truths."""

import numpy as np
import pandas as pd
import pytest

from analysis import survey
from analysis.inputs.synthetic_survey import generate_survey, planted_truth


def _binary(count, n):
    return pd.DataFrame({"flag": [True] * count + [False] * (n - count)})


# Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
# comparison of seven methods. Statistics in Medicine 17, 857-872, Table II,
# method 3 (Wilson score interval without continuity correction), printed to 4 dp.
NEWCOMBE_WILSON = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize("count,n,low,high", NEWCOMBE_WILSON)
def test_wilson_interval_matches_newcombe_1998(count, n, low, high):
    row = survey.shares(_binary(count, n), "flag").iloc[0]
    assert row["count"] == count and row["n"] == n
    assert row["conf_low"] == pytest.approx(low, abs=5e-5)
    assert row["conf_high"] == pytest.approx(high, abs=5e-5)


def _two_groups(x1, n1, x0, n0):
    return pd.DataFrame({
        "group": ["a"] * n1 + ["b"] * n0,
        "flag": [True] * x1 + [False] * (n1 - x1) + [True] * x0 + [False] * (n0 - x0),
    })


def test_risk_and_odds_ratio_match_fagerland_2015():
    # Fagerland, Lydersen and Laake (2015), Stat Methods Med Res 24, 224-254: 7/34 vs 1/34;
    # Katz log interval for the ratio 0.91 to 54, Woolf logit interval for the odds
    # ratio 0.99 to 74 (the reference kept in statsmodels' test_proportion.py).
    table = survey.risk_ratio(_two_groups(7, 34, 1, 34), "flag", "group", exposed="a", reference="b")
    rr = table.set_index("measure").loc["risk ratio"]
    odds = table.set_index("measure").loc["odds ratio"]
    assert rr["estimate"] == pytest.approx(7.0)
    assert rr["conf_low"] == pytest.approx(0.91, abs=0.005)
    assert rr["conf_high"] == pytest.approx(54, abs=0.5)
    assert odds["estimate"] == pytest.approx((7 / 27) / (1 / 33))
    assert odds["conf_low"] == pytest.approx(0.99, abs=0.005)
    assert odds["conf_high"] == pytest.approx(74, abs=0.5)
    assert list(table.columns[:5]) == ["measure", "estimate", "conf_low", "conf_high", "p_value"]
    assert rr["n"] == 68


def test_risk_ratio_warns_on_zero_cell_and_rejects_empty_group():
    with pytest.warns(RuntimeWarning, match="zero"):
        survey.risk_ratio(_two_groups(5, 10, 0, 10), "flag", "group", exposed="a", reference="b")
    with pytest.raises(ValueError, match="no rows for level"):
        survey.risk_ratio(_two_groups(5, 10, 2, 10), "flag", "group", exposed="a", reference="zzz")
    with pytest.raises(ValueError, match="must be boolean"):
        survey.risk_ratio(pd.DataFrame({"group": ["a", "b"], "flag": [1, 0]}), "flag", "group", exposed="a", reference="b")


def test_shares_options_are_checked():
    data = _binary(3, 10)
    with pytest.raises(ValueError, match="did you mean 'wilson'|Did you mean 'wilson'"):
        survey.shares(data, "flag", method="wilsn")
    with pytest.raises(ValueError, match="between 0 and 1"):
        survey.shares(data, "flag", conf_level=95)
    with pytest.raises(ValueError, match="not found"):
        survey.shares(data, "nope")


def test_shares_by_group_keeps_empty_categories():
    data = pd.DataFrame({
        "g": pd.Categorical(["x", "x", "y"], categories=["x", "y", "z"]),
        "v": pd.Categorical(["a", "b", "a"], categories=["a", "b"]),
    })
    out = survey.shares(data, "v", by="g")
    empty = out[out["g"] == "z"]
    assert len(empty) == 2 and (empty["n"] == 0).all() and empty["estimate"].isna().all()


def test_suppression_blanks_small_cells_and_flags_them():
    table = pd.DataFrame({"level": ["a", "b"], "n": [4, 12], "estimate": [0.5, 0.25]})
    out = survey.suppress_small_cells(table, count="n", min_cell_size=5)
    assert out["suppressed"].tolist() == [True, False]
    assert np.isnan(out.loc[0, "estimate"]) and np.isnan(out.loc[0, "n"])
    assert out.loc[1, "estimate"] == 0.25
    with pytest.raises(ValueError, match="positive whole number"):
        survey.suppress_small_cells(table, min_cell_size=0)


def test_generator_population_matches_published_shares():
    truth = planted_truth()
    big = generate_survey(200_000, seed=5)
    observed = big["effectiveness"].value_counts(normalize=True)
    for level, share in truth["shares"].items():
        assert observed[level] == pytest.approx(share, abs=0.004)
    assert (big["effectiveness"] != "not effective").mean() == pytest.approx(0.92, abs=0.004)
    group = survey.effectiveness_group(big)
    customized = big["solution_type"] == "customized"
    rr = customized[group == "very effective"].mean() / customized[group == "ineffective"].mean()
    assert rr == pytest.approx(truth["customized_risk_ratio"], rel=0.03)


def test_generator_is_seeded_and_covers_industries():
    a, b = generate_survey(seed=3), generate_survey(seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 174 and a["industry"].nunique() == 23
    assert a["respondent_id"].is_unique
