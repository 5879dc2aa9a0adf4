"""Survey estimators against published reference values and planted truths."""

import numpy as np
import pandas as pd
import pytest

from analysis import survey
from analysis.datasets.survey import generate_survey, planted_truth


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
    return pd.DataFrame(
        {
            "group": ["a"] * n1 + ["b"] * n0,
            "flag": [True] * x1 + [False] * (n1 - x1) + [True] * x0 + [False] * (n0 - x0),
        }
    )


def test_risk_and_odds_ratio_match_fagerland_2015():
    # Fagerland, Lydersen and Laake (2015), Stat Methods Med Res 24, 224-254: 7/34 vs 1/34;
    # Katz log interval for the ratio 0.91 to 54, Woolf logit interval for the odds
    # ratio 0.99 to 74 (the reference kept in statsmodels' test_proportion.py).
    table = survey.risk_ratio(
        _two_groups(7, 34, 1, 34), "flag", by="group", exposed="a", reference="b"
    )
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
        survey.risk_ratio(_two_groups(5, 10, 0, 10), "flag", by="group", exposed="a", reference="b")
    with pytest.raises(ValueError, match="no rows for level"):
        survey.risk_ratio(
            _two_groups(5, 10, 2, 10), "flag", by="group", exposed="a", reference="zzz"
        )
    with pytest.raises(ValueError, match="must be boolean"):
        survey.risk_ratio(
            pd.DataFrame({"group": ["a", "b"], "flag": ["yes", "no"]}),
            "flag",
            by="group",
            exposed="a",
            reference="b",
        )


def test_shares_options_are_checked():
    data = _binary(3, 10)
    with pytest.raises(ValueError, match="did you mean 'wilson'|Did you mean 'wilson'"):
        survey.shares(data, "flag", method="wilsn")
    with pytest.raises(ValueError, match="between 0 and 1"):
        survey.shares(data, "flag", conf_level=95)
    with pytest.raises(ValueError, match="not found"):
        survey.shares(data, "nope")
    with pytest.raises(ValueError, match="'flag' has no answers in the 0 rows given"):
        survey.shares(data.iloc[:0], "flag")


def test_shares_by_group_keeps_empty_categories():
    data = pd.DataFrame(
        {
            "g": pd.Categorical(["x", "x", "y"], categories=["x", "y", "z"]),
            "v": pd.Categorical(["a", "b", "a"], categories=["a", "b"]),
        }
    )
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


# ----------------------------------------------------------------- weighted shares


def test_weighted_share_is_the_linearisation_estimator():
    data = pd.DataFrame(
        {"x": [True, False, True, True, False, False], "w": [1.0, 2.0, 1.0, 3.0, 1.5, 0.5]}
    )
    row = survey.shares(data, "x", weights="w").iloc[0]
    y, w, n = data["x"].to_numpy(float), data["w"].to_numpy(), len(data)
    p = (w * y).sum() / w.sum()
    se = np.sqrt(
        n / (n - 1) * ((w * (y - p)) ** 2).sum() / w.sum() ** 2
    )  # hand formula (Lumley 2010, 2.3)
    assert row["estimate"] == pytest.approx(p) and row["std_error"] == pytest.approx(se)
    # Korn-Graubard: Clopper-Pearson on the effective size p(1-p)/se^2, not capped at n
    # (R's svyciprop(method = "beta"); weights alone give n - 1 df either way)
    from scipy import stats

    effective = p * (1 - p) / se**2
    low = stats.beta.ppf(0.025, effective * p, effective * (1 - p) + 1)
    assert row["conf_low"] == pytest.approx(low, abs=1e-9)


def test_equal_weights_give_the_textbook_standard_error():
    data = _binary(30, 80).assign(w=2.5)
    row = survey.shares(data, "flag", weights="w").iloc[0]
    assert row["estimate"] == pytest.approx(30 / 80)
    assert row["std_error"] == pytest.approx(np.sqrt(0.375 * 0.625 / 79))


def test_bad_weights_are_rejected():
    with pytest.raises(ValueError, match="positive numbers"):
        survey.shares(_binary(2, 4).assign(w=[1, 0, -1, 2]), "flag", weights="w")


def test_weighted_interval_covers_under_unequal_weights():
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(300):
        w = rng.choice([1.0, 3.0], size=300)
        y = rng.random(300) < np.where(w > 1, 0.2, 0.5)  # weights informative about y
        truth = (0.5 * 1 + 0.2 * 3) / 4  # population share when weights are inverse selection rates
        row = survey.shares(pd.DataFrame({"y": y, "w": w}), "y", weights="w").iloc[0]
        covered += row["conf_low"] <= truth <= row["conf_high"]
    assert 0.92 <= covered / 300 <= 0.98


# ----------------------------------------------------------------- cross-tabulations


def test_chi_square_and_cramers_v_match_agresti():
    # Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., Table 2.5:
    # gender by party identification, X^2 = 30.1 on df = 2.
    counts = {
        ("female", "Democrat"): 762,
        ("female", "Independent"): 327,
        ("female", "Republican"): 468,
        ("male", "Democrat"): 484,
        ("male", "Independent"): 239,
        ("male", "Republican"): 477,
    }
    data = pd.DataFrame(
        [k for k, n in counts.items() for _ in range(n)], columns=["gender", "party"]
    )
    result = survey.crosstab_test(data, "gender", "party").iloc[0]
    assert result["test"] == "chi-square" and result["df"] == 2
    assert result["statistic"] == pytest.approx(30.1, abs=0.05)
    assert result["p_value"] < 1e-6
    assert result["cramers_v"] == pytest.approx(np.sqrt(result["statistic"] / 2757), rel=1e-9)


def test_fisher_exact_for_small_tables_matches_the_tea_tasting_example():
    # Fisher's tea-tasting experiment (Agresti 2007, Table 2.8): two-sided P = 0.486.
    data = pd.DataFrame(
        {
            "poured": ["milk"] * 4 + ["tea"] * 4,
            "guess": ["milk", "milk", "milk", "tea", "milk", "tea", "tea", "tea"],
        }
    )
    result = survey.crosstab_test(data, "poured", "guess").iloc[0]
    assert result["test"] == "fisher" and result["p_value"] == pytest.approx(0.486, abs=5e-4)


def test_fisher_monte_carlo_for_larger_tables_matches_r_exact_value():
    # R's ?fisher.test example: job satisfaction by income, 4 x 4 with small counts;
    # the exact p-value printed by R is 0.7827. 9,999 Monte Carlo tables have a
    # standard error of about 0.004, so the seeded estimate must be within 0.015.
    job = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]]).T
    rows = [(i, j) for i in range(4) for j in range(4) for _ in range(job[i, j])]
    data = pd.DataFrame(rows, columns=["income", "satisfaction"])
    result = survey.crosstab_test(data, "income", "satisfaction").iloc[0]
    assert result["test"] == "fisher" and result["n"] == 96
    assert result["p_value"] == pytest.approx(0.7827, abs=0.015)
    other_seed = survey.crosstab_test(data, "income", "satisfaction", seed=1).iloc[0]
    assert other_seed["p_value"] == pytest.approx(0.7827, abs=0.015)


def test_crosstab_needs_two_levels_each():
    with pytest.raises(ValueError, match="at least two non-empty levels"):
        survey.crosstab_test(pd.DataFrame({"a": ["x", "x"], "b": ["p", "q"]}), "a", "b")


# ----------------------------------------------------------------- multi-select and comparisons


def test_multi_select_ranks_options_by_overall_share():
    data = pd.DataFrame(
        {
            "a": [True, False, False, False],
            "b": [True, True, True, False],
            "g": ["x", "x", "y", "y"],
        }
    )
    out = survey.multi_select(data, ["a", "b"], by="g")
    assert out.drop_duplicates("option")["option"].tolist() == ["b", "a"]
    assert out.set_index(["option", "g"]).loc[("b", "y"), "estimate"] == 0.5
    with pytest.raises(ValueError, match="must be boolean"):
        survey.multi_select(data.assign(a=1), ["a"])


def test_compare_groups_and_distinguishing_sentence():
    data = pd.concat(
        [_two_groups(30, 40, 10, 40).rename(columns={"flag": "p1"}).assign(p2=[True, False] * 40)]
    )
    table = survey.compare_groups(data, ["p1", "p2"], by="group", exposed="a", reference="b")
    assert table.set_index("term").loc["p1", "estimate"] == pytest.approx(3.0)
    sentence = survey.distinguishing_practices(table, {"p1": "Coaching"})
    assert "coaching (3.0 times as likely)" in sentence and "p2" not in sentence


def test_prepare_responses_checks_the_segment():
    data = generate_survey(seed=4)
    with pytest.raises(ValueError, match="available: "):
        survey.prepare_responses(data, segment="Atlantis")
    rare = data["industry"].value_counts().index[-1]
    small = data[data["industry"] != rare].copy()
    small = pd.concat([small, data[data["industry"] == rare].head(2)])
    with pytest.raises(ValueError, match="fewer than the minimum cell size"):
        survey.prepare_responses(small, segment=rare)
    prepared = survey.prepare_responses(data)
    assert {"effectiveness_group", "customized", "meets_weekly"} <= set(prepared.columns)


def test_profile_against_population():
    data = survey.prepare_responses(generate_survey(seed=4))
    profile = survey.profile_against_population(
        data,
        "R0001",
        ["sustain_coaching"],
        by="effectiveness_group",
        level="very effective",
    )
    assert profile.loc[0, "this_organisation"] == bool(data.loc[0, "sustain_coaching"])
    with pytest.raises(ValueError, match="no respondent"):
        survey.profile_against_population(data, "R9999", ["sustain_coaching"])


# ----------------------------------------------------------------- the published 2012 figures


def test_shipped_survey_reproduces_the_published_headline_figures():
    from analysis.contracts.survey import load_survey
    from analysis.core import paths

    data = survey.prepare_responses(load_survey(paths.CLIENTS_DIR / "acme-learning" / "survey.csv"))
    assert len(data) == 174 and data["industry"].nunique() == 23
    top = survey.shares(data.assign(top=data["effectiveness_group"] != "ineffective"), "top").iloc[
        0
    ]
    very = survey.shares(data, "effectiveness").set_index("level").loc["very effective"]
    value = survey.shares(
        data.assign(v=data["top_initiative"] == "new value proposition"), "v"
    ).iloc[0]
    for row, published in ((top, 0.74), (very, 0.26), (value, 0.26)):
        assert row["conf_low"] <= published <= row["conf_high"]
        assert abs(row["estimate"] - published) <= 0.03
    rr = survey.compare_groups(
        data,
        ["customized"],
        by="effectiveness_group",
        exposed="very effective",
        reference="ineffective",
    ).iloc[0]
    assert rr["conf_low"] <= 2.0 <= rr["conf_high"]
    cadence = survey.shares(data, "leadership_meetings", by="effectiveness_group").set_index(
        ["effectiveness_group", "level"]
    )
    assert cadence.loc[("ineffective", "never"), "count"] > 0  # some ineffective ones never meet
    assert (
        cadence.loc[("very effective", "weekly"), "estimate"]
        > cadence.loc[("ineffective", "weekly"), "estimate"]
    )


def test_customized_risk_ratio_interval_covers_the_planted_value():
    planted = planted_truth()["customized_risk_ratio"]
    covered = 0
    runs = 200
    for seed in range(runs):
        data = survey.prepare_responses(generate_survey(seed=10_000 + seed))
        row = survey.risk_ratio(
            data,
            "customized",
            by="effectiveness_group",
            exposed="very effective",
            reference="ineffective",
        ).iloc[0]
        covered += row["conf_low"] <= planted <= row["conf_high"]
    assert 0.92 <= covered / runs <= 0.98, covered / runs


def test_risk_ratio_takes_0_1_codes_and_leaves_missing_answers_out_of_the_denominator():
    data = pd.DataFrame(
        {"group": ["a"] * 10 + ["b"] * 10, "flag": [1] * 6 + [0] * 4 + [1] * 3 + [0] * 7}
    )
    coded = survey.risk_ratio(data, outcome="flag", by="group", exposed="a", reference="b")
    labelled = survey.risk_ratio(
        data.assign(flag=data["flag"] == 1),
        outcome="flag",
        by="group",
        exposed="a",
        reference="b",
    )
    pd.testing.assert_frame_equal(coded, labelled)
    missing = data.assign(
        flag=data["flag"].astype("float").where(data.index != 0)
    )  # one unanswered in group a
    row = survey.risk_ratio(missing, outcome="flag", by="group", exposed="a", reference="b").iloc[0]
    assert (row["count_exposed"], row["n_exposed"]) == (5, 9)
    # True/False with a missing answer is an object column in pandas: the same answer
    answers = (data["flag"] == 1).astype(object).where(data.index != 0, None)
    assert answers.dtype == object
    same = survey.risk_ratio(
        data.assign(flag=answers), outcome="flag", by="group", exposed="a", reference="b"
    )
    pd.testing.assert_frame_equal(
        same.iloc[[0]], row.to_frame().T.infer_objects(), check_dtype=False
    )
    with pytest.raises(
        ValueError, match=r"boolean \(True/False\) or 0/1; got dtype .* values \['0', '2'\]"
    ):
        survey.risk_ratio(
            data.assign(flag=data["flag"] * 2),
            outcome="flag",
            by="group",
            exposed="a",
            reference="b",
        )


def test_the_study_headline_is_computed_from_the_responses_and_follows_suppression():
    data = survey.prepare_responses(generate_survey(seed=4))
    comparison = survey.compare_groups(
        data,
        ["customized"],
        by="effectiveness_group",
        exposed="very effective",
        reference="ineffective",
    )
    records, sentences = survey.study_headline(data, comparison=comparison)
    by_name = {r["name"]: r for r in records}
    assert list(by_name) == [
        "respondents",
        "industries",
        "share_effective_or_better",
        "share_very_effective",
        "customized_risk_ratio",
        "share_value_proposition",
    ]
    assert by_name["respondents"]["estimate"] == len(data)
    very = (data["effectiveness"] == "very effective").mean()
    assert by_name["share_very_effective"]["estimate"] == pytest.approx(very)
    assert by_name["customized_risk_ratio"]["estimate"] == pytest.approx(
        comparison["estimate"].iloc[0]
    )
    assert any("ineffective ones to buy customized solutions" in s for s in sentences)
    # a suppressed comparison gives no ratio and no sentence about it
    hidden = comparison.assign(estimate=np.nan, conf_low=np.nan, conf_high=np.nan)
    records, sentences = survey.study_headline(data, comparison=hidden)
    assert "customized_risk_ratio" not in {r["name"] for r in records}
    assert not any("customized solutions" in s for s in sentences)
    # left out: the reason is the sentence; nobody naming the initiative is a share of 0
    nobody = data.assign(top_initiative="new market")
    records, sentences = survey.study_headline(nobody, comparison_note="Too few very effective.")
    value = {r["name"]: r for r in records}["share_value_proposition"]
    assert (
        value["estimate"] == 0
        and value["conf_high"] > 0
        and sentences[-1] == "Too few very effective."
    )


def test_one_p_value_convention_for_a_2x2_table():
    """risk_ratio and crosstab_test give the same p-value on the same 2x2 table."""
    from scipy import stats

    # expected counts of at least 5: Pearson's chi-square without continuity correction,
    # R's prop.test(correct = FALSE); by hand X2 = N (ad - bc)^2 / (r1 r2 c1 c2)
    large = _two_groups(30, 60, 18, 60)
    hand = 120 * (30 * 42 - 30 * 18) ** 2 / (60 * 60 * 48 * 72)
    assert survey.two_by_two_p_value(30, 60, 18, 60) == pytest.approx(
        stats.chi2.sf(hand, 1), rel=1e-12
    )
    # 7/34 vs 1/34 has expected counts of 4: Fisher's exact test (R's fisher.test)
    small = _two_groups(7, 34, 1, 34)
    fisher = stats.fisher_exact([[7, 27], [1, 33]]).pvalue
    assert survey.two_by_two_p_value(7, 34, 1, 34) == pytest.approx(fisher, rel=1e-12)
    for data in (large, small):
        rr = survey.risk_ratio(data, "flag", by="group", exposed="a", reference="b").iloc[0]
        table = survey.crosstab_test(data, "group", "flag").iloc[0]
        assert rr["p_value"] == pytest.approx(table["p_value"], rel=1e-12)


def test_a_ratio_lies_inside_its_interval_or_is_not_estimable():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zero = survey.risk_ratio(
            _two_groups(5, 10, 0, 10), "flag", by="group", exposed="a", reference="b"
        )
        alike = survey.risk_ratio(
            _two_groups(10, 10, 12, 12), "flag", by="group", exposed="a", reference="b"
        )
    for _, row in zero.iterrows():  # Gart: 0.5 added to each cell for estimate and interval
        assert row["conf_low"] <= row["estimate"] <= row["conf_high"], row.to_dict()
    assert zero.set_index("measure").loc["risk ratio", "estimate"] == pytest.approx(
        (5.5 / 10.5) / (0.5 / 10.5)
    )
    assert (
        alike["estimate"].isna().all() and (alike["method"] == "not estimable (no variation)").all()
    )
    assert (alike["p_value"] == 1.0).all() and alike["n_exposed"].iloc[0] == 10


def test_a_skipped_question_is_not_a_no_in_the_headline_ratio():
    # found by a new-user test: 15 ineffective organisations left solution_type blank and
    # were counted as not buying customized solutions (ratio 2.5 instead of 1.67)
    raw = generate_survey(seed=4)
    ineffective = raw.index[raw["effectiveness"].isin(["not effective", "somewhat effective"])]
    skipped = raw.assign(
        solution_type=raw["solution_type"].where(~raw.index.isin(ineffective[:15]))
    )
    data = survey.prepare_responses(skipped)
    assert data["customized"].isna().sum() == 15
    row = (
        survey.risk_ratio(
            data,
            "customized",
            by="effectiveness_group",
            exposed="very effective",
            reference="ineffective",
        )
        .set_index("measure")
        .loc["risk ratio"]
    )
    answered = data.dropna(subset=["customized"])
    share = answered.groupby("effectiveness_group")["customized"].mean()
    assert row["estimate"] == pytest.approx(share["very effective"] / share["ineffective"])


def test_the_summary_names_practices_clearly_less_common_too():
    table = pd.DataFrame(
        {
            "term": ["customized", "meets_weekly"],
            "estimate": [0.6, 1.2],
            "conf_low": [0.39, 0.8],
            "conf_high": [0.98, 1.7],
        }
    )
    sentence = survey.distinguishing_practices(table)
    assert "No practice is clearly more common" in sentence
    assert "clearly less common among them: customized (0.6 times as likely)" in sentence
    assert "every risk-ratio interval includes 1" not in sentence


def test_weighted_headline_shares_are_not_called_shares_of_respondents():
    data = survey.prepare_responses(generate_survey(seed=4))
    weighted = data.assign(weight=np.linspace(0.5, 2.0, len(data)))
    _, sentences = survey.study_headline(weighted, weights="weight")
    assert (
        sentences[0].startswith("An estimated ") and "of organisations (weighted)" in sentences[0]
    )
    _, plain = survey.study_headline(data)
    assert "of respondents rate" in plain[0]
    assert any("never meet senior sales leadership" in s and "CI" in s for s in plain)
