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
    conf_level : float
        Confidence level of the interval, e.g. 0.95.
    method : {"wilson", "beta", "agresti_coull", "normal"}
        Interval for a binomial proportion; ``"wilson"`` (score interval) by default,
        ``"beta"`` is Clopper-Pearson.

    Returns
    -------
    DataFrame
        Columns ``[by], level, count, n, estimate, conf_low, conf_high``:
        ``count`` respondents at the level out of ``n`` answering.

    Notes
    -----
    The Wilson score interval for ``x`` successes in ``n`` trials is

    .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    computed by :func:`statsmodels.stats.proportion.proportion_confint`.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. JASA 22, 209-212. Newcombe, R. G. (1998). Two-sided
    confidence intervals for the single proportion. Statistics in Medicine 17, 857-872.

    Examples
    --------
    >>> df = pd.DataFrame({"rating": ["effective"] * 3 + ["very effective"]})
    >>> shares(df, "rating")[["level", "count", "n"]].values.tolist()
    [['effective', 3, 4], ['very effective', 1, 4]]
    """
    conf_level = check_conf_level(conf_level)
    method = check_option("method", method, ShareMethod)
    _require_columns(data, column, by)
    levels = _levels(data[column])
    groups = [(None, data)] if by is None else [
        (key, data[data[by] == key]) for key in _levels(data[by].astype("category") if not isinstance(data[by].dtype, pd.CategoricalDtype) else data[by])
    ]
    rows = []
    for key, part in groups:
        answered = part[column].dropna()
        n = len(answered)
        for level in levels:
            count = int((answered == level).sum())
            if n > 0:
                low, high = proportion_confint(count, n, alpha=1 - conf_level, method=_STATSMODELS_METHOD[method])
                estimate = count / n
            else:
                low = high = estimate = np.nan
            row = {"level": level, "count": count, "n": n, "estimate": estimate,
                   "conf_low": float(low), "conf_high": float(high)}
            if by is not None:
                row = {by: key, **row}
            rows.append(row)
    return pd.DataFrame(rows)


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
    if not pd.api.types.is_bool_dtype(values):
        raise ValueError(f"outcome column {outcome!r} must be boolean (True/False); got dtype {values.dtype}.")
    exposed_levels = exposed if isinstance(exposed, (list, tuple)) else [exposed]
    reference_levels = reference if isinstance(reference, (list, tuple)) else [reference]
    present = set(data[group].dropna().unique().tolist())
    absent = [lvl for lvl in [*exposed_levels, *reference_levels] if lvl not in present]
    in_exposed = data[group].isin(exposed_levels)
    in_reference = data[group].isin(reference_levels)
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
    count: str = "n",
    columns: list[str] | None = None,
    min_cell_size: int = 5,
) -> pd.DataFrame:
    """Blank out the statistics of rows based on fewer than ``min_cell_size`` cases.

    Parameters
    ----------
    table : DataFrame
        A tidy result table.
    count : str
        Column holding the number of cases behind each row.
    columns : list of str, optional
        Columns to blank; by default every numeric column except ``count``... and
        including it, so no small count is shown either.
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
    _require_columns(table, count)
    out = table.copy()
    small = out[count] < min_cell_size
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


def describe_contrast(risk_ratio_row, effective_share_row, never_share_by_group, *, conf_level: float = 0.95) -> list[str]:
    """Plain-language sentences for the headline summary, computed from the estimates.

    Parameters
    ----------
    risk_ratio_row : Series
        The ``risk ratio`` row of :func:`risk_ratio` (customized solutions).
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
    rr, low, high = risk_ratio_row["estimate"], risk_ratio_row["conf_low"], risk_ratio_row["conf_high"]
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
