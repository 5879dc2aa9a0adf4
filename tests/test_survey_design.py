"""Survey designs (weights, strata, clusters, fpc) against R's survey package on the API data.

Every expected number below is R's printed output (see tests/reference/README.md),
checked at the precision R printed it. The share intervals come from
tests/reference/svyciprop_beta.R, whose output is kept in svyciprop_beta.Rout.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import survey
from analysis.core.errors import DataError
from analysis.survey.design import (
    SurveyDesign,
    design_arrays,
    domain_degrees_of_freedom,
    domain_means,
    rao_scott,
)
from analysis.survey.proportions import korn_graubard

REFERENCE = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "apiclus1.csv")


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "apistrat.csv")


@pytest.fixture(scope="module")
def apiclus2() -> pd.DataFrame:
    data = pd.read_csv(REFERENCE / "apiclus2.csv")
    # I(acs.46 <= 30), blank where the class size is: a question some schools skipped
    small = [None if pd.isna(size) else bool(size <= 30) for size in data["acs.46"]]
    return data.assign(small_classes=pd.array(small, dtype="boolean"))


DCLUS1 = SurveyDesign(
    weights="pw", psu="dnum", fpc="fpc"
)  # svydesign(id=~dnum, weights=~pw, fpc=~fpc)
DSTRAT = SurveyDesign(
    weights="pw", strata="stype", fpc="fpc"
)  # svydesign(id=~1, strata=~stype, ...)
DCLUS2_WR = SurveyDesign(weights="pw", psu="dnum")  # svydesign(id=~dnum+snum, weights=~pw)


def _mean(data: pd.DataFrame, design: SurveyDesign, column: str, domain=None):
    arrays = design_arrays(data, design)
    inside = np.ones(len(data), dtype=bool) if domain is None else np.asarray(domain)
    estimate, covariance = domain_means(data[[column]].to_numpy(float), inside, arrays)
    return float(estimate[0]), float(np.sqrt(covariance[0, 0]))


def test_svymean_of_a_one_stage_cluster_sample(apiclus1):
    # svymean(~api00, dclus1): mean 644.17, SE 23.542
    estimate, se = _mean(apiclus1, DCLUS1, "api00")
    assert round(estimate, 2) == 644.17 and round(se, 3) == 23.542


def test_svymean_of_a_stratified_sample(apistrat):
    # svymean(~api00, dstrat): mean 662.29, SE 9.4089
    estimate, se = _mean(apistrat, DSTRAT, "api00")
    assert round(estimate, 2) == 662.29 and round(se, 4) == 9.4089


@pytest.mark.parametrize(
    ("stype", "ell", "meals", "se_ell", "se_meals"),
    [
        ("E", 29.69444, 53.09028, 1.411617, 7.070399),
        ("H", 15.00000, 37.57143, 5.347065, 5.912262),
        ("M", 22.68000, 43.08000, 2.952862, 6.017110),
    ],
)
def test_svyby_domain_means(apiclus1, stype, ell, meals, se_ell, se_meals):
    # svyby(~ell+meals, ~stype, design=dclus1, svymean): the domain convention
    domain = (apiclus1["stype"] == stype).to_numpy()
    for column, expected, expected_se in (("ell", ell, se_ell), ("meals", meals, se_meals)):
        estimate, se = _mean(apiclus1, DCLUS1, column, domain)
        assert round(estimate, 5) == pytest.approx(expected, abs=1e-9)
        assert round(se, 6) == pytest.approx(expected_se, abs=1e-9)


def test_svychisq_second_and_first_order(apiclus1):
    # svychisq(~sch.wide+stype, dclus1): F = 5.1934, ndf = 1.495, ddf = 20.925, p = 0.02175;
    # statistic = "Chisq": X-squared = 11.9409, df = 2, p = 0.005553
    arrays = design_arrays(apiclus1, DCLUS1)
    test = rao_scott(
        apiclus1["sch.wide"], apiclus1["stype"], np.ones(len(apiclus1), dtype=bool), arrays
    )
    assert round(test["statistic"], 4) == 5.1934
    assert round(test["ndf"], 3) == 1.495 and round(test["ddf"], 3) == 20.925
    assert round(test["p_value"], 5) == 0.02175
    assert round(test["chisq"], 4) == 11.9409 and test["df"] == 2
    assert round(test["p_value_first_order"], 6) == 0.005553


def test_crosstab_test_with_a_design_is_svychisq(apiclus1):
    row = survey.crosstab_test(
        apiclus1, "sch.wide", "stype", weights="pw", psu="dnum", fpc="fpc"
    ).iloc[0]
    assert row["test"] == "rao-scott"
    assert round(row["statistic"], 4) == 5.1934 and round(row["p_value"], 5) == 0.02175
    assert round(row["df"], 3) == 1.495 and round(row["df_denominator"], 3) == 20.925
    assert row["n"] == len(apiclus1)


def test_group_shares_match_svytable(apiclus1):
    # svytable(~sch.wide + stype, dclus1): No 406.1640 101.5410 270.7760; Yes 4467.8035 372.3170 575.3989
    table = {"E": (406.1640, 4467.8035), "H": (101.5410, 372.3170), "M": (270.7760, 575.3989)}
    result = survey.shares(apiclus1, "sch.wide", by="stype", weights="pw", psu="dnum", fpc="fpc")
    arrays = design_arrays(apiclus1, DCLUS1)
    for stype, (no, yes) in table.items():
        row = result[(result["stype"] == stype) & (result["level"] == "Yes")].iloc[0]
        assert row["estimate"] == pytest.approx(yes / (no + yes), abs=1e-7)
        domain = (apiclus1["stype"] == stype).to_numpy()
        _, cov = domain_means((apiclus1["sch.wide"] == "Yes").to_numpy(float), domain, arrays)
        assert row["std_error"] == pytest.approx(np.sqrt(cov[0, 0]))
        assert row["n"] == int(domain.sum())


def test_group_shares_use_the_domain_convention():
    # a group of 5 out of 200: its variance uses n/(n-1) of the whole sample, not 5/4
    rng = np.random.default_rng(1)
    data = pd.DataFrame(
        {
            "x": rng.random(200) < 0.4,
            "w": rng.uniform(1, 3, 200),
            "g": ["small"] * 5 + ["large"] * 195,
        }
    )
    data.loc[:2, "x"] = [True, False, True]
    row = survey.shares(data, "x", by="g", weights="w").query("g == 'small'").iloc[0]
    part = data[data["g"] == "small"]
    y, w = part["x"].to_numpy(float), part["w"].to_numpy()
    p = (w * y).sum() / w.sum()
    squares = ((w * (y - p)) ** 2).sum() / w.sum() ** 2
    assert row["std_error"] == pytest.approx(np.sqrt(200 / 199 * squares))
    separate_sample = np.sqrt(5 / 4 * squares)
    assert separate_sample / row["std_error"] == pytest.approx(np.sqrt(1.25 / (200 / 199)))


def test_design_risk_ratio_is_the_ratio_of_domain_means(apiclus1):
    data = apiclus1.assign(met=apiclus1["sch.wide"] == "Yes")
    table = survey.risk_ratio(
        data,
        "met",
        by="stype",
        exposed="E",
        reference=["H", "M"],
        weights="pw",
        psu="dnum",
        fpc="fpc",
    ).set_index("measure")
    arrays = design_arrays(data, DCLUS1)
    p1 = domain_means(data["met"].to_numpy(float), (data["stype"] == "E").to_numpy(), arrays)[0][0]
    p0 = domain_means(data["met"].to_numpy(float), (data["stype"] != "E").to_numpy(), arrays)[0][0]
    rr = table.loc["risk ratio"]
    assert rr["estimate"] == pytest.approx(p1 / p0)
    assert rr["conf_low"] < rr["estimate"] < rr["conf_high"]
    assert rr["method"] == "log (design-based)"
    # the p-value is the Rao-Scott F test of the same 2x2 table
    grouped = data.assign(group=np.where(data["stype"] == "E", "E", "other"))
    expected = survey.crosstab_test(grouped, "group", "met", weights="pw", psu="dnum", fpc="fpc")
    assert rr["p_value"] == pytest.approx(expected["p_value"].iloc[0])


def test_design_risk_ratio_interval_covers_under_clustering():
    # respondents sampled in companies that share a culture: intervals that ignore the
    # clusters are too narrow; the design-based ones keep their level
    rng = np.random.default_rng(11)
    truth = 0.6 / 0.4
    covered = naive_covered = 0
    runs = 200
    for _ in range(runs):
        company = np.repeat(np.arange(40), 10)
        shift = rng.normal(0, 0.12, 40)[company]
        exposed = np.repeat(rng.random(40) < 0.5, 10)
        p = np.clip(np.where(exposed, 0.6, 0.4) + shift, 0.01, 0.99)
        data = pd.DataFrame({"y": rng.random(400) < p, "g": exposed, "company": company})
        design = survey.risk_ratio(data, "y", by="g", exposed=True, reference=False, psu="company")
        naive = survey.risk_ratio(data, "y", by="g", exposed=True, reference=False)
        row, plain = design.iloc[0], naive.iloc[0]
        covered += row["conf_low"] <= truth <= row["conf_high"]
        naive_covered += plain["conf_low"] <= truth <= plain["conf_high"]
    assert 0.90 <= covered / runs <= 0.99
    assert naive_covered < covered


def test_a_stratum_with_one_cluster_is_a_clear_error(apiclus1):
    data = apiclus1.assign(
        region=np.where(apiclus1["dnum"] == apiclus1["dnum"].iloc[0], "north", "south")
    )
    with pytest.raises(DataError, match="north.*single cluster.*Merge it"):
        survey.shares(data, "sch.wide", weights="pw", strata="region", psu="dnum")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(fpc=np.arange(len(d)) + 800), "differs within a stratum"),
        (lambda d: d.assign(fpc=10), "smaller than the number of sampled clusters"),
        (lambda d: d.assign(dnum=d["dnum"].where(d.index != 3)), "psu column 'dnum' is blank"),
        (lambda d: d.assign(pw=d["pw"].where(d.index != 4, -1)), "positive numbers.*rows 4"),
    ],
)
def test_bad_design_columns_are_named(apiclus1, change, message):
    with pytest.raises(DataError, match=message):
        survey.shares(change(apiclus1), "sch.wide", weights="pw", psu="dnum", fpc="fpc")


def test_sampling_fraction_and_population_size_agree(apistrat):
    sizes = apistrat.groupby("stype")["fpc"].transform("first")
    counts = apistrat.groupby("stype")["fpc"].transform("size")
    as_fraction = apistrat.assign(fpc=counts / sizes)
    a = survey.shares(apistrat, "sch.wide", weights="pw", strata="stype", fpc="fpc")
    b = survey.shares(as_fraction, "sch.wide", weights="pw", strata="stype", fpc="fpc")
    pd.testing.assert_frame_equal(a, b)


def test_degenerate_groups_get_intervals_that_are_not_empty():
    # everyone in a small group gave the same answer, and a group lies inside one cluster:
    # the design gives no variance there, the interval falls back to the group's own count
    data = pd.DataFrame(
        {
            "answer": ["yes"] * 10 + ["yes", "no"] * 20,
            "g": ["small"] * 10 + ["large"] * 40,
            "w": np.linspace(1, 3, 50),
            "psu": [0] * 10 + list(np.repeat(np.arange(1, 9), 5)),
        }
    )
    table = survey.shares(data, "answer", by="g", weights="w", psu="psu")
    small = table[table["g"] == "small"].set_index("level")
    assert small.loc["yes", "estimate"] == 1 and small.loc["yes", "conf_low"] < 0.75
    assert small.loc["no", "estimate"] == 0 and small.loc["no", "conf_high"] > 0.25
    one_of_six = survey.shares(
        pd.DataFrame({"a": [True] + [False] * 5, "w": [1.0, 2, 1, 2, 1, 2]}), "a", weights="w"
    ).iloc[0]
    assert one_of_six["conf_low"] > 0  # someone chose it: 0 is not in the interval


def test_a_census_has_no_test_and_no_crash(apistrat):
    census = apistrat.assign(fpc=1.0)  # every school of every stratum sampled
    row = survey.crosstab_test(
        census, "sch.wide", "stype", weights="pw", strata="stype", fpc="fpc"
    ).iloc[0]
    assert row["test"] == "none (census)" and np.isnan(row["p_value"])
    data = census.assign(met=census["sch.wide"] == "Yes")
    ratios = survey.risk_ratio(
        data, "met", by="stype", exposed="E", reference="H", weights="pw", strata="stype", fpc="fpc"
    )
    assert ratios["method"].str.contains("census").all() and ratios["p_value"].isna().all()


def test_nullable_booleans_with_blanks_are_left_out_of_the_share():
    data = pd.DataFrame(
        {"x": pd.array([True, False, None, True], dtype="boolean"), "w": [1.0, 2.0, 1.0, 1.0]}
    )
    row = survey.shares(data, "x", weights="w").iloc[0]
    assert row["n"] == 3 and row["estimate"] == pytest.approx(2 / 4)


# ------------------------------------------- share intervals: svyciprop(method = "beta")

#: The designs of tests/reference/svyciprop_beta.R, as (data, SurveyDesign arguments).
#: apiclus2 is a two-stage sample (districts, then schools); without an fpc, or with
#: the first stage's only, R's variance uses the districts alone, as here.
BETA_DESIGNS = {
    # svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
    "dstrat": ("apistrat", {"weights": "pw", "strata": "stype", "fpc": "fpc"}),
    # svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
    "dstrat_wr": ("apistrat", {"weights": "pw", "strata": "stype"}),
    # svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
    "dclus1": ("apiclus1", {"weights": "pw", "psu": "dnum", "fpc": "fpc"}),
    # svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
    "dclus1_wr": ("apiclus1", {"weights": "pw", "psu": "dnum"}),
    # svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2)
    "dclus2_wr": ("apiclus2", {"weights": "pw", "psu": "dnum"}),
    # svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc1, data = apiclus2)
    "dclus2_stage1": ("apiclus2", {"weights": "pw", "psu": "dnum", "fpc": "fpc1"}),
}


def _printed(value: float, expected: str) -> bool:
    """True when ``value`` rounds to R's printed ``expected`` at the decimals R showed."""
    decimals = len(expected.split(".")[1])
    return round(value, decimals) == pytest.approx(float(expected), abs=10.0 ** -(decimals + 3))


def _interval(request, label, column, level, group=None):
    fixture, arguments = BETA_DESIGNS[label]
    table = survey.shares(
        request.getfixturevalue(fixture), column, by=None if group is None else "stype", **arguments
    )
    table = table[table["level"] == level]
    if group is not None:
        table = table[table["stype"] == group]
    return table.iloc[0]


@pytest.mark.parametrize(
    ("label", "low", "high"),
    [
        ("dstrat", "0.1265684", "0.2258287"),
        ("dstrat_wr", "0.1258433", "0.2268425"),
        ("dclus1", "0.08529551", "0.1762978"),
        ("dclus1_wr", "0.08492348", "0.1768814"),
        ("dclus2_wr", "0.1261914", "0.4101257"),
        ("dclus2_stage1", "0.1290501", "0.4051915"),
    ],
)
def test_whole_sample_share_interval_is_svyciprop_beta(request, label, low, high):
    # svyciprop(~I(sch.wide == "No"), <label>, method = "beta"), confint(): the
    # stratified samples have a design effect below 1 (0.86 for dstrat), which is kept
    row = _interval(request, label, "sch.wide", "No")
    assert _printed(row["conf_low"], low) and _printed(row["conf_high"], high)


SVYBY_BETA = [
    # svyby(~I(sch.wide == "No"), ~stype, <label>, svyciprop, method = "beta", vartype = "ci")
    ("dstrat", "sch.wide", "No", "E", "0.04223273", "0.1633922"),
    ("dstrat", "sch.wide", "No", "H", "0.34004464", "0.6222917"),
    ("dstrat", "sch.wide", "No", "M", "0.18029282", "0.4436648"),
    ("dstrat_wr", "sch.wide", "No", "E", "0.04178787", "0.1644482"),
    ("dstrat_wr", "sch.wide", "No", "H", "0.33514345", "0.6273602"),
    ("dstrat_wr", "sch.wide", "No", "M", "0.17748512", "0.4477251"),
    ("dclus1", "sch.wide", "No", "E", "0.04418338", "0.1402346"),
    ("dclus1", "sch.wide", "No", "H", "0.05609231", "0.4782390"),
    ("dclus1", "sch.wide", "No", "M", "0.11475871", "0.5942910"),
    ("dclus1_wr", "sch.wide", "No", "E", "0.04385150", "0.1409364"),
    ("dclus1_wr", "sch.wide", "No", "H", "0.05503726", "0.4813616"),
    ("dclus1_wr", "sch.wide", "No", "M", "0.11314567", "0.5972466"),
    ("dclus2_wr", "sch.wide", "No", "E", "0.01311297", "0.1972539"),
    ("dclus2_wr", "sch.wide", "No", "H", "0.58408281", "0.9770367"),
    ("dclus2_wr", "sch.wide", "No", "M", "0.12000348", "0.8470286"),
    ("dclus2_stage1", "sch.wide", "No", "E", "0.01396289", "0.1925414"),
    ("dclus2_stage1", "sch.wide", "No", "H", "0.59307677", "0.9752808"),
    ("dclus2_stage1", "sch.wide", "No", "M", "0.12684873", "0.8391474"),
    # svyby(~I(comp.imp == "Yes"), ~stype, <label>, svyciprop, method = "beta", vartype = "ci")
    ("dclus1", "comp.imp", "Yes", "E", "0.7073419", "0.8381590"),
    ("dclus1", "comp.imp", "Yes", "H", "0.2433318", "0.7566682"),
    ("dclus1", "comp.imp", "Yes", "M", "0.2613717", "0.8293971"),
    ("dclus1_wr", "comp.imp", "Yes", "E", "0.7065589", "0.8387349"),
    ("dclus1_wr", "comp.imp", "Yes", "H", "0.2409333", "0.7590667"),
    ("dclus1_wr", "comp.imp", "Yes", "M", "0.2585452", "0.8316708"),
    ("dclus2_wr", "comp.imp", "Yes", "E", "0.6958175", "0.8960167"),
    ("dclus2_wr", "comp.imp", "Yes", "H", "0.1523795", "0.5865279"),
    ("dclus2_wr", "comp.imp", "Yes", "M", "0.1421500", "0.8429199"),
    ("dclus2_stage1", "comp.imp", "Yes", "E", "0.6993912", "0.8940029"),
    ("dclus2_stage1", "comp.imp", "Yes", "H", "0.1568319", "0.5796570"),
    ("dclus2_stage1", "comp.imp", "Yes", "M", "0.1493221", "0.8353303"),
]


@pytest.mark.parametrize(("label", "column", "level", "stype", "low", "high"), SVYBY_BETA)
def test_group_share_interval_is_svyby_svyciprop_beta(
    request, label, column, level, stype, low, high
):
    # each group's t correction uses the group's own rows and degrees of freedom
    row = _interval(request, label, column, level, stype)
    assert _printed(row["conf_low"], low) and _printed(row["conf_high"], high)


def test_the_other_level_gets_the_mirrored_interval(apiclus1):
    # one effective size per group, so the interval for Yes is 1 minus the one for No
    table = survey.shares(apiclus1, "sch.wide", by="stype", **BETA_DESIGNS["dclus1"][1])
    no = table[table["level"] == "No"].set_index("stype")
    yes = table[table["level"] == "Yes"].set_index("stype")
    assert (1 - no["conf_high"]).to_numpy() == pytest.approx(yes["conf_low"].to_numpy())
    assert (1 - no["conf_low"]).to_numpy() == pytest.approx(yes["conf_high"].to_numpy())


def test_a_question_with_blanks_uses_those_who_answered(apiclus2):
    # answered <- subset(dclus2_wr, !is.na(acs.46)); no high school gave acs.46
    # svyciprop(~I(acs.46 <= 30), answered, method = "beta"): 0.4349561 0.8240767 (n 96, degf 34)
    # svyby(~I(acs.46 <= 30), ~stype, answered, svyciprop, method = "beta", vartype = "ci"):
    #   E 0.2979057 0.8987268; M 0.2657403 0.9504577
    design = BETA_DESIGNS["dclus2_wr"][1]
    whole = survey.shares(apiclus2, "small_classes", **design).iloc[0]
    assert whole["n"] == 96
    assert _printed(whole["conf_low"], "0.4349561")
    assert _printed(whole["conf_high"], "0.8240767")
    groups = survey.shares(apiclus2, "small_classes", by="stype", **design).set_index("stype")
    assert _printed(groups.loc["E", "conf_low"], "0.2979057")
    assert _printed(groups.loc["E", "conf_high"], "0.8987268")
    assert _printed(groups.loc["M", "conf_low"], "0.2657403")
    assert _printed(groups.loc["M", "conf_high"], "0.9504577")
    assert groups.loc["H", "n"] == 0 and np.isnan(groups.loc["H", "conf_low"])


@pytest.mark.parametrize(
    ("fixture", "design", "rows", "expected"),
    [
        # degf(subset(dclus1, stype == s)) for s in E, H, M
        ("apiclus1", DCLUS1, None, {"E": 14, "H": 7, "M": 11}),
        # degf(subset(dclus2_wr, stype == s))
        ("apiclus2", DCLUS2_WR, None, {"E": 34, "H": 13, "M": 20}),
        # degf(subset(answered, stype == s)), answered <- subset(dclus2_wr, !is.na(acs.46))
        ("apiclus2", DCLUS2_WR, "acs.46", {"E": 32, "M": 17}),
        # degf(subset(dstrat, stype == s)): one stratum, every school its own PSU
        ("apistrat", DSTRAT, None, {"E": 99, "H": 49, "M": 49}),
    ],
)
def test_domain_degrees_of_freedom_are_degf_of_the_subset(request, fixture, design, rows, expected):
    data = request.getfixturevalue(fixture)
    arrays = design_arrays(data, design)
    answered = np.ones(len(data), dtype=bool) if rows is None else data[rows].notna().to_numpy()
    for stype, degf in expected.items():
        domain = answered & (data["stype"] == stype).to_numpy()
        assert domain_degrees_of_freedom(domain, arrays) == degf
    assert domain_degrees_of_freedom(np.ones(len(data), dtype=bool), arrays) == (
        arrays.degrees_of_freedom
    )
    assert domain_degrees_of_freedom(np.zeros(len(data), dtype=bool), arrays) == 0


def test_korn_graubard_keeps_a_design_effect_below_one_unless_truncation_is_asked_for():
    from statsmodels.stats.proportion import proportion_confint

    # 1 in 6 with a standard error of 0.01: an effective size of 1389, far above the 6
    # respondents; R uses it as it is, Korn and Graubard's truncation brings it back to 6
    untruncated = korn_graubard(1 / 6, 0.01, n=6, df=5)
    truncated = korn_graubard(1 / 6, 0.01, n=6, df=5, truncate_design_effect=True)
    assert truncated == pytest.approx(proportion_confint(1, 6, method="beta"), abs=1e-12)
    assert truncated[0] < untruncated[0] < 1 / 6 < untruncated[1] < truncated[1]
    # dstrat (design effect 0.86): svyciprop(~I(sch.wide == "No"), dstrat, method = "beta")
    # gives 0.1265684 0.2258287 with n 200, degf 197, SE 0.02434478
    low, high = korn_graubard(0.172052, 0.02434478, n=200, df=197)
    assert _printed(low, "0.1265684") and _printed(high, "0.2258287")
    capped = korn_graubard(0.172052, 0.02434478, n=200, df=197, truncate_design_effect=True)
    assert capped[0] < low and capped[1] > high


def test_korn_graubard_n_total_reproduces_na_rm_on_the_whole_design():
    # svyciprop(~I(acs.46 <= 30), dclus2_wr, method = "beta", na.rm = TRUE): 0.4353249 0.823822
    # (share 0.6472695, SE 0.09229509 over 96 answers; t correction on 126 rows, degf 39)
    low, high = korn_graubard(0.6472695, 0.09229509, n=96, n_total=126, df=39)
    assert _printed(low, "0.4353249") and _printed(high, "0.823822")


def test_korn_graubard_is_clopper_pearson_on_the_count_when_the_design_gives_no_information():
    from statsmodels.stats.proportion import proportion_confint

    # no variance (everyone answered alike) and no degrees of freedom (a group inside
    # one PSU): R returns missing limits; here the count's Clopper-Pearson interval
    for count, n in ((10, 10), (0, 7)):
        low, high = korn_graubard(count / n, 0.0, n=n, df=0)
        expected = proportion_confint(count, n, method="beta")
        assert (low, high) == pytest.approx(expected, abs=1e-12)


# R: tests/reference/svy_risk_ratio.R (output in svy_risk_ratio.Rout): svyby(~met,
# ~elementary, design, svymean, covmat = TRUE), the log risk ratio and log odds ratio by
# the delta method with a normal quantile (svycontrast gives the same SE), svychisq's
# second-order Rao-Scott p-value. Elementary schools (E) against middle and high (H, M).
RATIOS_R = [  # design, outcome, share E, share H+M, RR (low, high), OR (low, high), p
    ("dclus1", "met", 0.9166667, 0.7179487, (1.276786, 0.9679662, 1.684131),
     (4.321429, 1.235576, 15.1142), 0.02944631),
    ("dclus1", "improved", 0.7777778, 0.5384615, (1.444444, 1.020257, 2.044995),
     (3.0, 1.304738, 6.897936), 0.01896918),
    ("dclus1_wr", "met", 0.9166667, 0.7179487, (1.276786, 0.9652742, 1.688828),
     (4.321429, 1.220115, 15.30572), 0.03084148),
    ("dstrat", "met", 0.91, 0.6233503, (1.459853, 1.244161, 1.712939),
     (6.109482, 2.785645, 13.39933), 2.554973e-06),
    ("dclus2_wr", "met", 0.9306609, 0.3680556, (2.528588, 1.226113, 5.214656),
     (23.04511, 3.86538, 137.3932), 0.0002673353),
    ("dclus2_wr", "improved", 0.8104009, 0.4282407, (1.892396, 1.248222, 2.869009),
     (5.706749, 2.752182, 11.83315), 1.781752e-05),
]  # fmt: skip
RATIO_DESIGNS = {
    "dclus1": ("apiclus1", DCLUS1),
    "dclus1_wr": ("apiclus1", SurveyDesign(weights="pw", psu="dnum")),
    "dstrat": ("apistrat", DSTRAT),
    "dclus2_wr": ("apiclus2", DCLUS2_WR),
}


@pytest.mark.parametrize("label,outcome,p1,p0,rr,odds,p_value", RATIOS_R)
def test_design_risk_and_odds_ratios_are_rs_svyby_svycontrast(
    request, label, outcome, p1, p0, rr, odds, p_value
):
    fixture, design = RATIO_DESIGNS[label]
    data = request.getfixturevalue(fixture)
    data = data.assign(
        met=data["sch.wide"] == "Yes",
        **({"improved": data["comp.imp"] == "Yes"} if "comp.imp" in data else {}),
    )
    # the study's path: compare_groups with the design of client.yml as one object
    row = survey.compare_groups(
        data, [outcome], by="stype", exposed="E", reference=["H", "M"], design=design
    ).iloc[0]
    printed = {"rel": 5e-7}  # R printed 7 significant digits
    assert row["share_exposed"] == pytest.approx(p1, **printed)
    assert row["share_reference"] == pytest.approx(p0, **printed)
    assert (row["estimate"], row["conf_low"], row["conf_high"]) == pytest.approx(rr, **printed)
    assert (row["odds_ratio"], row["or_conf_low"], row["or_conf_high"]) == pytest.approx(
        odds, **printed
    )
    assert row["p_value"] == pytest.approx(p_value, **printed)
    # the columns one by one give the same table as the design object
    by_columns = survey.risk_ratio(
        data,
        outcome,
        by="stype",
        exposed="E",
        reference=["H", "M"],
        weights=design.weights,
        strata=design.strata,
        psu=design.psu,
        fpc=design.fpc,
    )
    assert by_columns.iloc[0]["conf_low"] == row["conf_low"]


def test_a_design_is_given_once():
    data = pd.DataFrame({"y": [True, False] * 4, "g": ["a"] * 4 + ["b"] * 4, "w": [1.0] * 8})
    with pytest.raises(TypeError, match="give the survey design once"):
        survey.shares(data, "y", design=SurveyDesign(weights="w"), weights="w")
    with pytest.raises(TypeError, match="design must be a SurveyDesign"):
        survey.shares(data, "y", design="w")


def test_every_survey_function_takes_the_design(apiclus1):
    data = apiclus1.assign(
        met=apiclus1["sch.wide"] == "Yes", improved=apiclus1["comp.imp"] == "Yes"
    )
    columns = {"weights": "pw", "psu": "dnum", "fpc": "fpc"}
    pd.testing.assert_frame_equal(
        survey.shares(data, "sch.wide", by="stype", design=DCLUS1),
        survey.shares(data, "sch.wide", by="stype", **columns),
    )
    pd.testing.assert_frame_equal(
        survey.crosstab_test(data, "stype", "sch.wide", design=DCLUS1),
        survey.crosstab_test(data, "stype", "sch.wide", **columns),
    )
    options = survey.multi_select(data, ["met", "improved"], by="stype", design=DCLUS1)
    alone = survey.shares(data, "met", by="stype", **columns)
    met = options[options["option"] == "met"].reset_index(drop=True)
    assert met["conf_low"].tolist() == alone["conf_low"].tolist()
    # with clusters the intervals are wider than with the weights alone
    weights_only = survey.multi_select(data, ["met"], by="stype", weights="pw")
    assert (met["conf_high"] - met["conf_low"]).sum() > (
        weights_only["conf_high"] - weights_only["conf_low"]
    ).sum()
    profile = survey.profile_against_population(
        data.assign(respondent_id=data["snum"].astype(str)),
        str(data["snum"].iloc[0]),
        ["met"],
        design=DCLUS1,
    )
    assert profile["share_all"].iloc[0] == pytest.approx(
        np.average(data["met"], weights=data["pw"])
    )
