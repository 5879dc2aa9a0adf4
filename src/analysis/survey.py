"""Survey statistics: shares with confidence intervals, risk and odds ratios, small-cell suppression.

Every function takes a DataFrame plus column names and returns a tidy DataFrame
with plain column names (``estimate``, ``conf_low``, ``conf_high``, ``p_value``, ``n``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    test_proportions_2indep,
)

from analysis.inputs.survey_contract import PRACTICES
from analysis.options import ShareMethod, check_conf_level, check_min_cell_size, check_option

_STATSMODELS_METHOD = {"wilson": "wilson", "beta": "beta", "agresti_coull": "agresti_coull", "normal": "normal"}


def _require_columns(data: pd.DataFrame, *columns: str | None) -> None:
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise ValueError(
            f"column(s) {', '.join(map(repr, missing))} not found; available: {', '.join(map(str, data.columns))}."
        )


def _levels(values: pd.Series) -> list:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    if pd.api.types.is_bool_dtype(values):
        return [True]
    return sorted(values.dropna().unique().tolist())


def shares(
    data: pd.DataFrame,
    column: str,
    *,
    by: str | None = None,
    weights: str | None = None,
    conf_level: float = 0.95,
    method: ShareMethod = "wilson",
) -> pd.DataFrame:
    """Share of respondents at each level of ``column``, with confidence intervals.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    column : str
        Categorical or boolean column. For a boolean column only the share of
        ``True`` is returned. Missing values are left out of the denominator.
    by : str, optional
        Grouping column; shares are computed within each group. Empty groups of a
        categorical are kept with ``n = 0`` and a missing estimate.
    weights : str, optional
        Column of survey weights (positive). With weights the share is the weighted
        mean and its standard error is design-based (Taylor linearisation, each
        respondent its own sampling unit, with replacement); ``method`` is then
        ignored and the interval is the normal one, clipped to [0, 1].
    conf_level : float
        Confidence level of the interval, e.g. 0.95.
    method : {"wilson", "beta", "agresti_coull", "normal"}
        Interval for an unweighted binomial proportion; ``"wilson"`` (score interval)
        by default, ``"beta"`` is Clopper-Pearson.

    Returns
    -------
    DataFrame
        Columns ``[by], level, count, n, estimate, std_error, conf_low, conf_high``:
        ``count`` respondents at the level out of ``n`` answering (unweighted counts).
        ``std_error`` is the binomial :math:`\\sqrt{\\hat p(1-\\hat p)/n}` without
        weights and the linearised one with weights.

    Notes
    -----
    The Wilson score interval for ``x`` successes in ``n`` trials is

    .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    computed by :func:`statsmodels.stats.proportion.proportion_confint`.

    With weights :math:`w_i`, :math:`\\hat p = \\sum w_i y_i / \\sum w_i` and

    .. math:: \\widehat{V}(\\hat p) = \\frac{n}{n-1} \\sum_i \\frac{w_i^2 (y_i - \\hat p)^2}{(\\sum_j w_j)^2},

    the linearisation variance of a ratio estimator (Lumley 2010, ch. 2; R
    ``survey::svymean`` for a design with weights only). It equals the HC1 sandwich
    variance of a weighted intercept-only regression, which is how it is computed
    (:class:`statsmodels.regression.linear_model.WLS`).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA 22, 209-212. Newcombe, R. G. (1998). Two-sided
    confidence intervals for the single proportion. Statistics in Medicine 17, 857-872.
    Lumley, T. (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.

    Examples
    --------
    >>> df = pd.DataFrame({"rating": ["effective"] * 3 + ["very effective"]})
    >>> shares(df, "rating")[["level", "count", "n"]].values.tolist()
    [['effective', 3, 4], ['very effective', 1, 4]]
    """
    conf_level = check_conf_level(conf_level)
    method = check_option("method", method, ShareMethod)
    _require_columns(data, column, by, weights)
    if weights is not None:
        _check_weights(data, weights)
    if data[column].notna().sum() == 0:
        raise ValueError(f"column {column!r} has no answers in the {len(data)} rows given: there is no share to estimate. "
                         "Check the filter (segment) and the column name.")
    levels = _levels(data[column])
    if by is None:
        groups = [(None, data)]
    else:
        keys = data[by] if isinstance(data[by].dtype, pd.CategoricalDtype) else data[by].astype("category")
        groups = [(key, data[data[by] == key]) for key in _levels(keys)]
    rows = []
    for key, part in groups:
        answered = part[part[column].notna()]
        n = len(answered)
        for level in levels:
            hit = (answered[column] == level).to_numpy()
            count = int(hit.sum())
            if n == 0:
                estimate = std_error = low = high = np.nan
            elif weights is None:
                estimate = count / n
                std_error = float(np.sqrt(estimate * (1 - estimate) / n))
                low, high = proportion_confint(count, n, alpha=1 - conf_level, method=_STATSMODELS_METHOD[method])
            else:
                estimate, std_error, low, high = _weighted_share(hit, answered[weights].to_numpy(float), conf_level)
            row = {"level": level, "count": count, "n": n, "estimate": float(estimate),
                   "std_error": float(std_error), "conf_low": float(low), "conf_high": float(high)}
            if by is not None:
                row = {by: key, **row}
            rows.append(row)
    return pd.DataFrame(rows)


def _check_weights(data: pd.DataFrame, weights: str) -> None:
    values = pd.to_numeric(data[weights], errors="coerce")
    bad = values.isna() | (values <= 0) | ~np.isfinite(values)
    if bad.any():
        rows = ", ".join(map(str, data.index[bad][:5].tolist()))
        raise ValueError(
            f"weight column {weights!r} must hold positive numbers; {int(bad.sum())} row(s) do not "
            f"(index {rows}). Drop those respondents or fix their weights."
        )


def _weighted_share(hit: np.ndarray, w: np.ndarray, conf_level: float) -> tuple[float, float, float, float]:
    """Weighted share with its linearised standard error (HC1 sandwich of weighted mean)."""
    from scipy import stats
    from statsmodels.regression.linear_model import WLS

    y = hit.astype(float)
    if len(y) < 2:
        return float(y.mean()), np.nan, np.nan, np.nan
    fit = WLS(y, np.ones_like(y), weights=w).fit(cov_type="HC1")
    estimate, std_error = float(fit.params[0]), float(fit.bse[0])
    z = stats.norm.ppf(0.5 + conf_level / 2)
    return estimate, std_error, max(0.0, estimate - z * std_error), min(1.0, estimate + z * std_error)


def risk_ratio(
    data: pd.DataFrame,
    outcome: str,
    group: str,
    *,
    exposed,
    reference,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Risk ratio and odds ratio of a binary outcome between two groups.

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
    group : str
        Column identifying the groups.
    exposed, reference : scalar or list
        Level(s) of ``group`` forming the compared group and the reference group.
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
    :math:`\\exp(\\log RR \\pm z\\sqrt{1/x_1 - 1/n_1 + 1/x_0 - 1/n_0})`; odds ratio
    with the Woolf logit interval. The p-value is the score test of equal
    proportions (the same test for both measures). With a zero cell both intervals
    add 0.5 to every cell (Gart's adjustment) and a warning says so. All from :mod:`statsmodels.stats.proportion`
    (``confint_proportions_2indep``, ``test_proportions_2indep``).

    References
    ----------
    Katz, D. et al. (1978). Obtaining confidence intervals for the risk ratio in
    cohort studies. Biometrics 34, 469-474. Fagerland, M. W., Lydersen, S. and
    Laake, P. (2015). Recommended confidence intervals for two independent
    binomial proportions. Statistical Methods in Medical Research 24, 224-254.
    """
    conf_level = check_conf_level(conf_level)
    _require_columns(data, outcome, group)
    values = data[outcome]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) and values.dropna().isin([0, 1]).all():
        values = values.map({0: False, 1: True}, na_action="ignore").astype("boolean")  # 0/1 codes
    if not pd.api.types.is_bool_dtype(values):
        raise ValueError(f"outcome column {outcome!r} must be boolean (True/False) or 0/1; got dtype {values.dtype} "
                         f"with values {sorted(map(str, values.dropna().unique()))[:5]}.")
    answered = values.notna()  # a missing answer is in neither numerator nor denominator
    values = values.fillna(False).astype(bool)
    exposed_levels = exposed if isinstance(exposed, (list, tuple)) else [exposed]
    reference_levels = reference if isinstance(reference, (list, tuple)) else [reference]
    present = set(data[group].dropna().unique().tolist())
    absent = [lvl for lvl in [*exposed_levels, *reference_levels] if lvl not in present]
    in_exposed = data[group].isin(exposed_levels) & answered
    in_reference = data[group].isin(reference_levels) & answered
    x1, n1 = int(values[in_exposed].sum()), int(in_exposed.sum())
    x0, n0 = int(values[in_reference].sum()), int(in_reference.sum())
    if n1 == 0 or n0 == 0:
        raise ValueError(
            f"group {group!r} has no rows for level(s) {absent}; cannot compare "
            f"{exposed_levels} with {reference_levels}."
        )
    alpha = 1 - conf_level
    zero_cell = min(x1, x0, n1 - x1, n0 - x0) == 0
    methods = (
        (("risk ratio", "ratio", "log-adjusted"), ("odds ratio", "odds-ratio", "logit-adjusted"))
        if zero_cell
        else (("risk ratio", "ratio", "log"), ("odds ratio", "odds-ratio", "logit"))
    )
    if zero_cell:
        warnings.warn(
            f"{outcome!r} by {group!r}: a cell of the 2x2 table is zero ({x1}/{n1} vs {x0}/{n0}); "
            "the intervals use the adjusted log and logit methods (0.5 added to each cell) and "
            "the point estimate may be 0 or infinite. Treat the ratio with caution.",
            RuntimeWarning,
            stacklevel=2,
        )
    rows = []
    for measure, compare, method in methods:
        low, high = confint_proportions_2indep(x1, n1, x0, n0, compare=compare, method=method, alpha=alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                p_value = float(test_proportions_2indep(x1, n1, x0, n0, compare="diff", method="score").pvalue)
            except ZeroDivisionError:  # both groups all-or-nothing: no variation to test
                p_value = 1.0 if x1 * n0 == x0 * n1 else 0.0
        if compare == "ratio":
            num, den = x1 * n0, x0 * n1
        else:
            num, den = x1 * (n0 - x0), (n1 - x1) * x0
        estimate = num / den if den else (np.inf if num else np.nan)
        rows.append({"measure": measure, "estimate": float(estimate), "conf_low": float(low),
                     "conf_high": float(high), "p_value": p_value, "method": method,
                     "count_exposed": x1, "n_exposed": n1, "count_reference": x0,
                     "n_reference": n0, "n": n1 + n0})
    return pd.DataFrame(rows)


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    count: str | list[str] = "n",
    columns: list[str] | None = None,
    min_cell_size: int = 5,
) -> pd.DataFrame:
    """Blank out the statistics of rows based on fewer than ``min_cell_size`` cases.

    Parameters
    ----------
    table : DataFrame
        A tidy result table.
    count : str or list of str
        Column(s) holding the number of cases behind each row; with several, the
        smallest decides (e.g. both group sizes of a comparison).
    columns : list of str, optional
        Columns to blank; by default every numeric column, counts included, so no
        small count is shown either.
    min_cell_size : int
        Rows with ``table[count] < min_cell_size`` are suppressed (default 5).

    Returns
    -------
    DataFrame
        A copy with the chosen columns set to missing on suppressed rows and a
        boolean column ``suppressed``. The report layer shows those cells as
        "suppressed", never as a number.
    """
    min_cell_size = check_min_cell_size(min_cell_size)
    counts = [count] if isinstance(count, str) else list(count)
    _require_columns(table, *counts)
    out = table.copy()
    small = out[counts].min(axis=1) < min_cell_size
    if columns is None:
        columns = [c for c in out.columns if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    for column in columns:
        out[column] = out[column].astype("float64").mask(small)
    out["suppressed"] = small.to_numpy()
    return out


#: Effectiveness levels grouped for the very-effective-vs-ineffective contrast.
EFFECTIVENESS_GROUPS = {
    "not effective": "ineffective",
    "somewhat effective": "ineffective",
    "effective": "effective",
    "very effective": "very effective",
}


def effectiveness_group(data: pd.DataFrame, column: str = "effectiveness") -> pd.Series:
    """Collapse the four effectiveness levels into ineffective / effective / very effective.

    "Ineffective" joins "not effective" and "somewhat effective", as in the 2012
    study's contrast of very effective with ineffective organisations.
    """
    _require_columns(data, column)
    grouped = data[column].astype("string").map(EFFECTIVENESS_GROUPS)
    return pd.Series(
        pd.Categorical(grouped, categories=["ineffective", "effective", "very effective"], ordered=True),
        index=data.index,
        name="effectiveness_group",
    )


def distinguishing_practices(comparison: pd.DataFrame, display_names: dict[str, str] | None = None, *, top: int = 3) -> str:
    """One sentence naming what very effective organisations do more often, from the estimates.

    Parameters
    ----------
    comparison : DataFrame
        Output of :func:`compare_groups` (risk ratios, very effective vs ineffective).
    display_names : dict, optional
        Readable names of the terms.
    top : int
        How many practices to name at most.

    Returns
    -------
    str
        Practices whose risk-ratio interval lies above 1, largest first; or a
        sentence saying none is clearly more common.
    """
    names = display_names or {}
    clear = comparison[(comparison["conf_low"] > 1) & np.isfinite(comparison["estimate"])]
    clear = clear.sort_values("estimate", ascending=False).head(top)
    if clear.empty:
        return ("No practice is clearly more common among very effective organisations than among "
                "ineffective ones: every risk-ratio interval includes 1.")
    parts = [f"{names.get(t, t).lower()} ({e:.1f} times as likely)" for t, e in zip(clear["term"], clear["estimate"])]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"What distinguishes very effective organisations most clearly: {listed}."


def describe_contrast(risk_ratio_row, effective_share_row, never_share_by_group, *, conf_level: float = 0.95) -> list[str]:
    """Plain-language sentences for the headline summary, computed from the estimates.

    Parameters
    ----------
    risk_ratio_row : Series or None
        The ``risk ratio`` row of :func:`risk_ratio` (customized solutions); None when
        the groups could not be compared.
    effective_share_row : Series
        Share rating their organisation effective or better (a :func:`shares` row).
    never_share_by_group : Series
        Share never meeting senior sales leadership, indexed by effectiveness group
        (missing where suppressed).
    conf_level : float
        Confidence level used, named in the sentences.
    """
    level = f"{conf_level:.0%}"
    sentences = [
        f"{effective_share_row['estimate']:.0%} of respondents rate their training organisation effective "
        f"or very effective ({level} CI {effective_share_row['conf_low']:.0%} to {effective_share_row['conf_high']:.0%})."
    ]
    rr, low, high = ((risk_ratio_row["estimate"], risk_ratio_row["conf_low"], risk_ratio_row["conf_high"])
                     if risk_ratio_row is not None else (np.nan, np.nan, np.nan))
    if np.isfinite(rr):
        if low > 1:
            verdict = "more likely than ineffective ones, and the interval excludes no difference"
        elif high < 1:
            verdict = "less likely than ineffective ones, and the interval excludes no difference"
        else:
            verdict = "as likely as ineffective ones within the uncertainty: the interval includes no difference"
        sentences.append(
            f"Very effective organisations are {rr:.1f} times as likely to buy customized solutions "
            f"({level} CI {low:.1f} to {high:.1f}): {verdict}."
        )
    never = never_share_by_group.dropna()
    if "ineffective" in never and never["ineffective"] > 0:
        sentences.append(
            f"{never['ineffective']:.0%} of ineffective organisations never meet senior sales leadership"
            + (f", against {never['very effective']:.0%} of very effective ones." if "very effective" in never else ".")
        )
    return sentences


def crosstab_test(
    data: pd.DataFrame,
    row: str,
    column: str,
    *,
    min_expected: float = 5.0,
    n_resamples: int = 9999,
    seed: int = 12345,
) -> pd.DataFrame:
    """Test of independence for a cross-tabulation, with Cramér's V.

    Pearson's chi-square test when every expected count is at least
    ``min_expected``; otherwise Fisher's exact test (exact for 2x2 tables, a seeded
    Monte Carlo permutation p-value for larger ones, as R's ``fisher.test(simulate.p.value=TRUE)``).

    Parameters
    ----------
    data : DataFrame
    row, column : str
        The two categorical columns. Rows with a missing value in either are left out;
        empty categories are dropped from the table.
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
    :math:`X^2 = \\sum (O - E)^2 / E` without continuity correction, and
    :math:`V = \\sqrt{X^2 / (n (\\min(r, c) - 1))}` (Cramér 1946), from
    :func:`scipy.stats.chi2_contingency` and :func:`scipy.stats.contingency.association`.

    References
    ----------
    Agresti, A. (2007). An Introduction to Categorical Data Analysis, 2nd ed., Wiley, section 2.4.
    """
    from scipy import stats
    from scipy.stats.contingency import association

    _require_columns(data, row, column)
    table = pd.crosstab(data[row], data[column])
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise ValueError(
            f"cross-tabulation of {row!r} by {column!r} needs at least two non-empty levels of each; "
            f"got {table.shape[0]} x {table.shape[1]}."
        )
    observed = table.to_numpy()
    chi2, p_chi2, dof, expected = stats.chi2_contingency(observed, correction=False)
    smallest = float(expected.min())
    cramers_v = float(association(observed, method="cramer", correction=False))
    if smallest >= min_expected:
        test, statistic, p_value = "chi-square", float(chi2), float(p_chi2)
    elif observed.shape == (2, 2):
        result = stats.fisher_exact(observed)
        test, statistic, p_value = "fisher", float(result.statistic), float(result.pvalue)
    else:
        method = stats.PermutationMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
        result = stats.fisher_exact(observed, method=method)
        test, statistic, p_value = "fisher", float(chi2), float(result.pvalue)
    return pd.DataFrame([{"test": test, "statistic": statistic, "df": int(dof), "p_value": p_value,
                          "cramers_v": cramers_v, "min_expected": smallest, "n": int(observed.sum())}])


def multi_select(
    data: pd.DataFrame,
    options: list[str],
    *,
    by: str | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Share of respondents citing each option of a multi-select question, ranked.

    Parameters
    ----------
    data : DataFrame
    options : list of str
        Boolean columns, one per option (True = cited).
    by : str, optional
        Grouping column; options are ranked by their overall share either way.
    conf_level : float

    Returns
    -------
    DataFrame
        Columns ``option, rank, [by], count, n, estimate, std_error, conf_low,
        conf_high`` (Wilson intervals), ``rank`` 1 = most cited overall.
    """
    conf_level = check_conf_level(conf_level)
    _require_columns(data, *options, by)
    not_boolean = [c for c in options if not pd.api.types.is_bool_dtype(data[c])]
    if not_boolean:
        raise ValueError(f"multi-select option column(s) {not_boolean} must be boolean (True = cited).")
    overall = {c: float(data[c].mean()) for c in options}
    order = sorted(options, key=lambda c: (-overall[c], c))
    frames = []
    for rank, option in enumerate(order, start=1):
        part = shares(data, option, by=by, conf_level=conf_level).drop(columns="level")
        part.insert(0, "rank", rank)
        part.insert(0, "option", option)
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def compare_groups(
    data: pd.DataFrame,
    outcomes: list[str],
    group: str,
    *,
    exposed,
    reference,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Risk ratio of each boolean outcome between two groups (e.g. very effective vs ineffective).

    Runs :func:`risk_ratio` per outcome and keeps the risk-ratio row, with the odds
    ratio beside it in ``odds_ratio``, ``or_conf_low``, ``or_conf_high``.

    Returns
    -------
    DataFrame
        Columns ``term, estimate, conf_low, conf_high, p_value, odds_ratio,
        or_conf_low, or_conf_high, share_exposed, share_reference, n_exposed,
        n_reference, n``; ``estimate`` is the risk ratio.
    """
    rows = []
    for outcome in outcomes:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = risk_ratio(data, outcome, group, exposed=exposed, reference=reference, conf_level=conf_level)
        for warning in caught:  # re-emit once, naming the outcome (already in the message)
            warnings.warn(str(warning.message), RuntimeWarning, stacklevel=2)
        rr = table.set_index("measure").loc["risk ratio"]
        odds = table.set_index("measure").loc["odds ratio"]
        rows.append({
            "term": outcome, "estimate": rr["estimate"], "conf_low": rr["conf_low"], "conf_high": rr["conf_high"],
            "p_value": rr["p_value"], "odds_ratio": odds["estimate"], "or_conf_low": odds["conf_low"],
            "or_conf_high": odds["conf_high"],
            "share_exposed": rr["count_exposed"] / rr["n_exposed"],
            "share_reference": rr["count_reference"] / rr["n_reference"],
            "n_exposed": int(rr["n_exposed"]), "n_reference": int(rr["n_reference"]), "n": int(rr["n"]),
        })
    return pd.DataFrame(rows)


def profile_against_population(
    data: pd.DataFrame,
    respondent: str,
    options: list[str],
    *,
    id_column: str = "respondent_id",
    group: str | None = None,
    group_level=None,
) -> pd.DataFrame:
    """One organisation's answers next to the population's shares.

    Parameters
    ----------
    data : DataFrame
    respondent : str
        Id of the organisation to highlight.
    options : list of str
        Boolean practice columns.
    id_column : str
        Column holding respondent ids.
    group, group_level : optional
        Also show the share within one group (e.g. ``effectiveness_group`` =
        ``"very effective"``).

    Returns
    -------
    DataFrame
        Columns ``term, this_organisation, share_all, [share_group], n_all, [n_group]``.
    """
    _require_columns(data, id_column, *options, group)
    match = data[data[id_column].astype(str) == str(respondent)]
    if match.empty:
        raise ValueError(f"no respondent with {id_column} = {respondent!r}; check the highlight parameter.")
    mine = match.iloc[0]
    rows = []
    for option in options:
        row = {"term": option, "this_organisation": bool(mine[option]),
               "share_all": float(data[option].mean()), "n_all": int(data[option].notna().sum())}
        if group is not None:
            part = data[data[group] == group_level]
            row["share_group"] = float(part[option].mean()) if len(part) else np.nan
            row["n_group"] = len(part)
        rows.append(row)
    return pd.DataFrame(rows)


#: Derived yes/no columns added by :func:`prepare_responses`, with their display names.
DERIVED_DISPLAY_NAMES = {
    "customized": "Buys customized solutions",
    "meets_weekly": "Meets senior sales leadership weekly",
}

#: Behaviours compared between very effective and ineffective organisations.
COMPARED_PRACTICES = [
    "customized",
    "meets_weekly",
    *PRACTICES["alignment"],
    *PRACTICES["sustainment"],
    *PRACTICES["tools"],
]


def prepare_responses(data: pd.DataFrame, *, segment: str | None = None, min_cell_size: int = 5,
                      segment_column: str = "industry") -> pd.DataFrame:
    """Filter to a segment and add the derived columns the study-1 notebook uses.

    Adds ``effectiveness_group`` (:func:`effectiveness_group`), ``customized``
    (buys customized solutions) and ``meets_weekly`` (meets senior sales leadership
    weekly).

    Raises
    ------
    ValueError
        If the segment does not exist (the message lists the segments) or leaves
        fewer than ``min_cell_size`` respondents, which could identify them.
    """
    min_cell_size = check_min_cell_size(min_cell_size)
    _require_columns(data, segment_column, "effectiveness", "solution_type", "leadership_meetings")
    if segment is not None:
        available = sorted(data[segment_column].dropna().astype(str).unique())
        if segment not in available:
            raise ValueError(f"segment {segment!r} is not a value of {segment_column!r}; available: {', '.join(available)}.")
        data = data[data[segment_column] == segment]
        if len(data) < min_cell_size:
            raise ValueError(
                f"segment {segment!r} has {len(data)} respondent(s), fewer than the minimum cell size "
                f"{min_cell_size}; choose a larger segment so that no organisation can be identified."
            )
    return data.assign(
        effectiveness_group=effectiveness_group(data),
        customized=data["solution_type"] == "customized",
        meets_weekly=data["leadership_meetings"] == "weekly",
    )
