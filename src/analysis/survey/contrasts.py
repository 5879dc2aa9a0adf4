"""Comparing two groups of respondents: risk ratios, odds ratios and chi-square tests."""

from __future__ import annotations

import warnings
from collections.abc import Hashable

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from analysis.core.errors import DataError
from analysis.core.options import PERMUTATION_RESAMPLES, SEED, check_conf_level, renamed
from analysis.survey.design import (
    SurveyDesign,
    as_design,
    design_arrays,
    means_by_domain,
    rao_scott,
)
from analysis.survey.proportions import _require_columns

__all__ = ["MIN_EXPECTED", "crosstab_test", "risk_ratio", "two_by_two_p_value"]

#: Smallest expected count for Pearson's chi-square; below it, Fisher's exact test.
MIN_EXPECTED = 5.0


def two_by_two_p_value(x1: int, n1: int, x0: int, n0: int) -> float:
    r"""Return the p-value of equal proportions x1/n1 and x0/n0: the one convention for 2x2 tables.

    Pearson's chi-square without continuity correction (R's ``prop.test(x, n,
    correct = FALSE)``, equal to the pooled two-proportion z-test squared) when every
    expected count is at least :data:`MIN_EXPECTED`; otherwise Fisher's exact test
    (R's ``fisher.test``). 1 when there is no variation (every answer alike).

    Parameters
    ----------
    x1, n1 : int
        Successes and trials of the first group.
    x0, n0 : int
        Successes and trials of the second group.

    Returns
    -------
    float
        The p-value.

    Notes
    -----
    Pearson's statistic is :math:`X^2 = \sum (O - E)^2 / E` over the four cells, on one
    degree of freedom.

    References
    ----------
    Agresti, A. (2013). Categorical Data Analysis (3rd ed.), sections 3.1 and 3.5. Wiley.
    """
    from scipy import stats

    observed = np.array([[x1, n1 - x1], [x0, n0 - x0]])
    if (observed.sum(axis=0) == 0).any() or (observed.sum(axis=1) == 0).any():
        return 1.0
    chi2 = stats.chi2_contingency(observed, correction=False)
    if float(chi2.expected_freq.min()) >= MIN_EXPECTED:
        return float(chi2.pvalue)
    return float(stats.fisher_exact(observed).pvalue)


@renamed(group="by", clusters="psu")
def risk_ratio(
    data: pd.DataFrame,
    outcome: str,
    *,
    by: str,
    exposed: Hashable,
    reference: Hashable,
    weights: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    design: SurveyDesign | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    r"""Risk ratio and odds ratio of a binary outcome between two groups.

    "X times as likely" is a risk ratio: the share with the outcome in the
    ``exposed`` group divided by the share in the ``reference`` group. The odds
    ratio is given beside it because logistic models report odds ratios; the two
    diverge when the outcome is common.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
        Boolean column (True = has the outcome).
    by : str
        Column identifying the groups.
    exposed, reference : scalar or list
        Level(s) of ``by`` forming the compared group and the reference group.
    weights, strata, psu, fpc : str, optional
        The survey design (:class:`~analysis.survey.design.SurveyDesign`). With any of
        them the shares are design-based domain means, the intervals come from their
        linearised covariance (delta method on the log scale) and the p-value from
        the Rao-Scott F test of the 2x2 table (:func:`~analysis.survey.design.rao_scott`,
        R's ``svychisq``); a group where everyone or no one has the outcome is then
        not estimable, since no zero-cell adjustment is defined for a design.
    design : SurveyDesign, optional
        The same design as one object; give either it or the columns.
    conf_level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row per measure (``"risk ratio"``, ``"odds ratio"``) with columns
        ``measure, estimate, conf_low, conf_high, p_value, method, count_exposed,
        n_exposed, count_reference, n_reference, n``. ``method`` names the interval
        (``log``/``logit``, or ``log-adjusted``/``logit-adjusted`` when a cell is zero).

    Notes
    -----
    Risk ratio :math:`RR = (x_1/n_1)/(x_0/n_0)` with the Katz log interval
    :math:`\exp(\log RR \pm z\sqrt{1/x_1 - 1/n_1 + 1/x_0 - 1/n_0})`; odds ratio
    with the Woolf logit interval. The p-value follows the one convention for 2x2
    tables (:func:`two_by_two_p_value`), the same for both measures and for
    :func:`crosstab_test`. With a zero cell both intervals
    add 0.5 to every cell (Gart's adjustment) and a warning says so. All from :mod:`statsmodels.stats.proportion`
    (``confint_proportions_2indep``, ``proportions_chisquare``).

    References
    ----------
    Katz, D. et al. (1978). Obtaining confidence intervals for the risk ratio in
    cohort studies. Biometrics 34, 469-474. Fagerland, M. W., Lydersen, S. and
    Laake, P. (2015). Recommended confidence intervals for two independent
    binomial proportions. Statistical Methods in Medical Research 24, 224-254.
    """
    conf_level = check_conf_level(conf_level)
    _require_columns(data, outcome, by)
    values = _boolean_outcome(data[outcome], outcome)
    answered = values.notna()  # a missing answer is in neither numerator nor denominator
    values = values.fillna(False).astype(bool)
    in_exposed, in_reference = _group_masks(data[by], by, exposed, reference, answered)
    x1, n1 = int(values[in_exposed].sum()), int(in_exposed.sum())
    x0, n0 = int(values[in_reference].sum()), int(in_reference.sum())
    counts = {"count_exposed": x1, "n_exposed": n1, "count_reference": x0, "n_reference": n0}
    design = as_design(design, weights=weights, strata=strata, psu=psu, fpc=fpc)
    label = f"{outcome!r} by {by!r}"
    if not design.is_simple:
        return _design_ratios(
            data, values, in_exposed, in_reference, design, counts, conf_level, label=label
        )
    return _simple_ratios(counts, alpha=1 - conf_level, label=label)


def _boolean_outcome(values: pd.Series, outcome: str) -> pd.Series:
    """Return a binary outcome as a boolean Series, missing answers kept.

    Parameters
    ----------
    values : Series
        The outcome column: booleans, 0/1 codes, or True/False with missing answers.
    outcome : str
        The column's name, for the error message.

    Returns
    -------
    Series
        Boolean (possibly nullable) values.

    Raises
    ------
    DataError
        When the column holds anything else.
    """
    if (
        pd.api.types.is_numeric_dtype(values)
        and not pd.api.types.is_bool_dtype(values)
        and values.dropna().isin([0, 1]).all()
    ):
        values = values.map({0: False, 1: True}, na_action="ignore").astype("boolean")  # 0/1 codes
    elif values.dtype == object and values.dropna().map(type).isin([bool, np.bool_]).all():
        values = values.astype("boolean")  # True/False with missing answers (object dtype)
    if not pd.api.types.is_bool_dtype(values):
        raise DataError(
            f"outcome column {outcome!r} must be boolean (True/False) or 0/1; got dtype {values.dtype} "
            f"with values {sorted(map(str, values.dropna().unique()))[:5]}."
        )
    return values


def _group_masks(
    groups: pd.Series, by: str, exposed: Hashable, reference: Hashable, answered: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Return the answered rows of the exposed and of the reference group.

    Parameters
    ----------
    groups : Series
        The grouping column.
    by : str
        Its name, for the error message.
    exposed, reference : scalar or list
        Level(s) forming each group.
    answered : Series
        Boolean: the rows that answered the outcome.

    Returns
    -------
    tuple of Series
        Boolean masks of the exposed and of the reference group.

    Raises
    ------
    DataError
        When either group has no answered row.
    """
    exposed_levels = exposed if isinstance(exposed, (list, tuple)) else [exposed]
    reference_levels = reference if isinstance(reference, (list, tuple)) else [reference]
    present = set(groups.dropna().unique().tolist())
    absent = [lvl for lvl in [*exposed_levels, *reference_levels] if lvl not in present]
    in_exposed = groups.isin(exposed_levels) & answered
    in_reference = groups.isin(reference_levels) & answered
    if int(in_exposed.sum()) == 0 or int(in_reference.sum()) == 0:
        raise DataError(
            f"group {by!r} has no rows for level(s) {absent}; cannot compare "
            f"{exposed_levels} with {reference_levels}."
        )
    return in_exposed, in_reference


def _not_estimable(
    counts: dict[str, int], *, p_value: float, method: str, n: int, **extra: float
) -> pd.DataFrame:
    """Return the two rows of ratios that cannot be estimated (estimates and bounds NaN).

    Parameters
    ----------
    counts : dict
        ``count_exposed``, ``n_exposed``, ``count_reference`` and ``n_reference``.
    p_value : float
        The p-value to report (1 without variation, NaN under a design).
    method : str
        Why the ratios are missing.
    n : int
        Respondents in both groups.
    **extra : float
        Further columns placed before ``n`` (the design's shares).

    Returns
    -------
    DataFrame
        One row per measure, as :func:`risk_ratio` returns it.
    """
    return pd.DataFrame(
        [
            {
                "measure": measure,
                "estimate": np.nan,
                "conf_low": np.nan,
                "conf_high": np.nan,
                "p_value": p_value,
                "method": method,
                **counts,
                **extra,
                "n": n,
            }
            for measure in ("risk ratio", "odds ratio")
        ]
    )


def _simple_ratios(counts: dict[str, int], *, alpha: float, label: str) -> pd.DataFrame:
    """Return risk and odds ratios of two independent binomial samples (Katz log, Woolf logit).

    Parameters
    ----------
    counts : dict
        ``count_exposed``, ``n_exposed``, ``count_reference`` and ``n_reference``.
    alpha : float
        One minus the confidence level.
    label : str
        The comparison as warnings name it.

    Returns
    -------
    DataFrame
        One row per measure, as :func:`risk_ratio` returns it.

    References
    ----------
    Katz, D. et al. (1978). Obtaining confidence intervals for the risk ratio in
    cohort studies. Biometrics 34, 469-474.
    """
    x1, n1 = counts["count_exposed"], counts["n_exposed"]
    x0, n0 = counts["count_reference"], counts["n_reference"]
    if x1 + x0 in (0, n1 + n0):  # every answer alike in both groups: no ratio to estimate
        warnings.warn(
            f"{label}: every respondent in both groups gave the same answer "
            f"({x1}/{n1} vs {x0}/{n0}); the ratios are not estimable.",
            RuntimeWarning,
            stacklevel=3,
        )
        return _not_estimable(counts, p_value=1.0, method="not estimable (no variation)", n=n1 + n0)
    zero_cell = min(x1, x0, n1 - x1, n0 - x0) == 0
    if zero_cell:
        warnings.warn(
            f"{label}: a cell of the 2x2 table is zero ({x1}/{n1} vs {x0}/{n0}); "
            "the estimates and intervals add 0.5 to each cell (Gart's adjustment), so each "
            "estimate lies inside its interval. Treat the ratio with caution.",
            RuntimeWarning,
            stacklevel=3,
        )
    estimates = _gart_ratios(x1, n1, x0, n0, half=0.5 if zero_cell else 0.0)
    suffix = "-adjusted" if zero_cell else ""
    methods = (
        ("risk ratio", "ratio", "log" + suffix),
        ("odds ratio", "odds-ratio", "logit" + suffix),
    )
    p_value = two_by_two_p_value(x1, n1, x0, n0)
    rows = []
    for measure, compare, method in methods:
        low, high = confint_proportions_2indep(
            x1, n1, x0, n0, compare=compare, method=method, alpha=alpha
        )
        rows.append(
            {
                "measure": measure,
                "estimate": float(estimates[compare]),
                "conf_low": float(low),
                "conf_high": float(high),
                "p_value": p_value,
                "method": method,
                **counts,
                "n": n1 + n0,
            }
        )
    return pd.DataFrame(rows)


def _gart_ratios(x1: int, n1: int, x0: int, n0: int, *, half: float) -> dict[str, float]:
    """Return the risk ratio and odds ratio with ``half`` added as statsmodels adds it.

    Parameters
    ----------
    x1, n1, x0, n0 : int
        Successes and trials of the exposed and of the reference group.
    half : float
        0.5 for Gart's zero-cell adjustment, else 0.

    Returns
    -------
    dict
        ``"ratio"`` on (x + half) / (n + half) and ``"odds-ratio"`` on
        (x + half) / (n - x + half).

    References
    ----------
    Gart, J. J. (1966). Alternative analyses of contingency tables. Journal of the
    Royal Statistical Society B 28, 164-179.
    """
    return {
        "ratio": ((x1 + half) / (n1 + half)) / ((x0 + half) / (n0 + half)),
        "odds-ratio": ((x1 + half) / (n1 - x1 + half)) / ((x0 + half) / (n0 - x0 + half)),
    }


def _design_ratios(
    data: pd.DataFrame,
    values: pd.Series,
    in_exposed: pd.Series,
    in_reference: pd.Series,
    design: SurveyDesign,
    counts: dict[str, int],
    conf_level: float,
    *,
    label: str,
) -> pd.DataFrame:
    """Risk and odds ratios of two domains of a survey design (delta method)."""
    from scipy import stats

    arrays = design_arrays(data, design)
    exposed_mask, reference_mask = in_exposed.to_numpy(), in_reference.to_numpy()
    (p1, p0), cov = means_by_domain(values.to_numpy(float), [exposed_mask, reference_mask], arrays)
    n = counts["n_exposed"] + counts["n_reference"]
    shares = {"share_exposed": p1, "share_reference": p0}
    if min(p1, p0) <= 0 or max(p1, p0) >= 1:
        warnings.warn(
            f"{label}: in one group everyone or no one has the outcome "
            f"({counts['count_exposed']}/{counts['n_exposed']} vs "
            f"{counts['count_reference']}/{counts['n_reference']}); under a survey design "
            "the ratios are not estimable.",
            RuntimeWarning,
            stacklevel=3,
        )
        return _not_estimable(
            counts,
            p_value=np.nan,
            method="not estimable (a group with no variation)",
            n=n,
            **shares,
        )
    group = pd.Series(np.where(exposed_mask, "exposed", "reference"), index=data.index)
    test = rao_scott(group, values, exposed_mask | reference_mask, arrays)
    z = stats.norm.ppf(0.5 + conf_level / 2)
    rows = []
    for measure, (gradient, log_estimate, method) in _log_ratio_gradients(p1, p0).items():
        se = float(np.sqrt(gradient @ cov @ gradient))
        rows.append(
            {
                "measure": measure,
                "estimate": float(np.exp(log_estimate)),
                "conf_low": float(np.exp(log_estimate - z * se)),
                "conf_high": float(np.exp(log_estimate + z * se)),
                "p_value": test["p_value"],
                "method": method + (" (census: no sampling error)" if test["census"] else ""),
                **counts,
                **shares,
                "n": n,
            }
        )
    return pd.DataFrame(rows)


def _log_ratio_gradients(p1: float, p0: float) -> dict[str, tuple[np.ndarray, float, str]]:
    r"""Return, per measure, the gradient of its log, the log estimate and the method's name.

    Parameters
    ----------
    p1, p0 : float
        The design-based shares of the exposed and of the reference group.

    Returns
    -------
    dict
        ``"risk ratio"`` and ``"odds ratio"`` -> (gradient with respect to (p1, p0),
        log of the estimate, method).

    Notes
    -----
    :math:`\log(p_1/p_0)` has gradient :math:`(1/p_1, -1/p_0)`;
    :math:`\mathrm{logit}(p_1) - \mathrm{logit}(p_0)` has gradient
    :math:`(1/(p_1(1-p_1)), -1/(p_0(1-p_0)))` (the delta method).

    References
    ----------
    Lumley, T. (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.
    """
    return {
        "risk ratio": (np.array([1 / p1, -1 / p0]), np.log(p1 / p0), "log (design-based)"),
        "odds ratio": (
            np.array([1 / (p1 * (1 - p1)), -1 / (p0 * (1 - p0))]),
            np.log(p1 / (1 - p1)) - np.log(p0 / (1 - p0)),
            "logit (design-based)",
        ),
    }


@renamed(clusters="psu")
def crosstab_test(
    data: pd.DataFrame,
    row: str,
    column: str,
    *,
    weights: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    design: SurveyDesign | None = None,
    min_expected: float = 5.0,
    n_resamples: int = PERMUTATION_RESAMPLES,
    seed: int = SEED,
) -> pd.DataFrame:
    r"""Test of independence for a cross-tabulation, with Cramér's V.

    Pearson's chi-square test when every expected count is at least
    ``min_expected``; otherwise Fisher's exact test (exact for 2x2 tables, a seeded
    Monte Carlo p-value for larger ones, as R's ``fisher.test(simulate.p.value=TRUE)``:
    ``n_resamples`` random tables with the observed margins, drawn by Patefield's
    algorithm, and the share at most as probable as the observed one).

    Parameters
    ----------
    data : DataFrame
    row, column : str
        The two categorical columns. Rows with a missing value in either are left out;
        empty categories are dropped from the table.
    weights, strata, psu, fpc : str, optional
        The survey design (:class:`~analysis.survey.design.SurveyDesign`). With any of
        them the test is the second-order Rao-Scott F test (``test = "rao-scott"``,
        R's ``svychisq`` default): ``statistic`` is F, ``df`` its numerator degrees of
        freedom and an extra column ``df_denominator`` the denominator's; Cramér's V
        and the expected counts come from the weighted table scaled to the sample size.
    design : SurveyDesign, optional
        The same design as one object; give either it or the columns.
    min_expected : float
        Smallest expected count for which the chi-square approximation is trusted
        (Cochran's rule: 5).
    n_resamples, seed : int
        Monte Carlo settings for Fisher's test on tables larger than 2x2.

    Returns
    -------
    DataFrame
        One row: ``test`` ("chi-square" or "fisher"), ``statistic`` (chi-square
        statistic; for Fisher 2x2 the sample odds ratio), ``df``, ``p_value``,
        ``cramers_v``, ``min_expected``, ``n``.

    Notes
    -----
    :math:`X^2 = \sum (O - E)^2 / E` without continuity correction, and
    :math:`V = \sqrt{X^2 / (n (\min(r, c) - 1))}` (Cramér 1946), from
    :func:`scipy.stats.chi2_contingency` and :func:`scipy.stats.contingency.association`.

    References
    ----------
    Agresti, A. (2007). An Introduction to Categorical Data Analysis, 2nd ed., Wiley, section 2.4.
    """
    _require_columns(data, row, column)
    design = as_design(design, weights=weights, strata=strata, psu=psu, fpc=fpc)
    table = pd.crosstab(data[row], data[column])
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise DataError(
            f"cross-tabulation of {row!r} by {column!r} needs at least two non-empty levels of each; "
            f"got {table.shape[0]} x {table.shape[1]}."
        )
    if not design.is_simple:
        return _design_crosstab(data, row, column, design, min_expected)
    return _simple_crosstab(table.to_numpy(), min_expected, n_resamples, seed)


def _design_crosstab(
    data: pd.DataFrame, row: str, column: str, design: SurveyDesign, min_expected: float
) -> pd.DataFrame:
    """Test a cross-tabulation under a survey design (Rao-Scott F); return one row.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    row, column : str
        The two categorical columns.
    design : SurveyDesign
        The survey design (not a simple random sample).
    min_expected : float
        Smallest expected count below which a warning says the p-value is approximate.

    Returns
    -------
    DataFrame
        One row as :func:`crosstab_test` returns it, with ``df_denominator``.

    References
    ----------
    Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway contingency
    tables with cell proportions estimated from survey data. Annals of Statistics 12, 46-60.
    """
    from scipy import stats

    arrays = design_arrays(data, design)
    design_test = rao_scott(data[row], data[column], np.ones(len(data), dtype=bool), arrays)
    scaled = design_test["table"]
    smallest_scaled = float(stats.contingency.expected_freq(scaled).min())
    if smallest_scaled < min_expected and not design_test["census"]:
        warnings.warn(
            f"{row!r} by {column!r}: the smallest expected count under the survey design is "
            f"{smallest_scaled:.1f} (below {min_expected:g}); the Rao-Scott p-value is "
            "approximate with so few cases.",
            RuntimeWarning,
            stacklevel=3,
        )
    return pd.DataFrame(
        [
            {
                "test": "none (census)" if design_test["census"] else "rao-scott",
                "statistic": design_test["statistic"],
                "df": design_test["ndf"],
                "df_denominator": design_test["ddf"],
                "p_value": design_test["p_value"],
                "cramers_v": float(
                    np.sqrt(design_test["chisq"] / (design_test["n"] * (min(scaled.shape) - 1)))
                ),
                "min_expected": smallest_scaled,
                "n": design_test["n"],
            }
        ]
    )


def _simple_crosstab(
    observed: np.ndarray, min_expected: float, n_resamples: int, seed: int
) -> pd.DataFrame:
    r"""Test a table of counts by Pearson's chi-square or Fisher's exact test; return one row.

    Parameters
    ----------
    observed : ndarray
        The table of counts, no empty row or column.
    min_expected : float
        Smallest expected count for which the chi-square approximation is trusted.
    n_resamples, seed : int
        Monte Carlo settings for Fisher's test on tables larger than 2x2.

    Returns
    -------
    DataFrame
        One row as :func:`crosstab_test` returns it.

    Notes
    -----
    :math:`X^2 = \sum (O - E)^2 / E` and :math:`V = \sqrt{X^2 / (n (\min(r, c) - 1))}`.

    References
    ----------
    Agresti, A. (2007). An Introduction to Categorical Data Analysis, 2nd ed., Wiley, section 2.4.
    Patefield, W. M. (1981). Algorithm AS 159: an efficient method of generating random R x C
    tables with given row and column totals. Applied Statistics 30, 91-97.
    """
    from scipy import stats
    from scipy.stats.contingency import association

    chi2, p_chi2, dof, expected = stats.chi2_contingency(observed, correction=False)
    smallest = float(expected.min())
    cramers_v = float(association(observed, method="cramer", correction=False))
    if observed.shape == (2, 2) and min_expected == MIN_EXPECTED:  # the one 2x2 convention
        p_value = two_by_two_p_value(
            int(observed[0, 0]), int(observed[0].sum()), int(observed[1, 0]), int(observed[1].sum())
        )
        test = "chi-square" if smallest >= MIN_EXPECTED else "fisher"
        statistic = (
            float(chi2) if test == "chi-square" else float(stats.fisher_exact(observed).statistic)
        )
    elif smallest >= min_expected:
        test, statistic, p_value = "chi-square", float(chi2), float(p_chi2)
    elif observed.shape == (2, 2):
        result = stats.fisher_exact(observed)
        test, statistic, p_value = "fisher", float(result.statistic), float(result.pvalue)
    else:
        # Tables drawn with fixed margins (scipy.stats.random_table, Patefield 1981), as R's
        # r2dtable: the same null distribution as permuting the pairs, 100x faster.
        method = stats.MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
        result = stats.fisher_exact(observed, method=method)
        test, statistic, p_value = "fisher", float(chi2), float(result.pvalue)
    return pd.DataFrame(
        [
            {
                "test": test,
                "statistic": statistic,
                "df": int(dof),
                "p_value": p_value,
                "cramers_v": cramers_v,
                "min_expected": smallest,
                "n": int(observed.sum()),
            }
        ]
    )
