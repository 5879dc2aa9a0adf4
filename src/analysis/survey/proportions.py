"""Shares of respondents with confidence intervals, multi-select questions and small-cell suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analysis.contracts.columns import require_columns
from analysis.core.errors import DataError
from analysis.core.options import (
    ShareMethod,
    check_conf_level,
    check_min_cell_size,
    check_option,
    renamed,
)
from analysis.survey.design import (
    SurveyDesign,
    _Arrays,
    as_design,
    design_arrays,
    domain_degrees_of_freedom,
    domain_means,
)

__all__ = ["korn_graubard", "multi_select", "shares", "suppress_small_cells"]

_STATSMODELS_METHOD = {
    "wilson": "wilson",
    "beta": "beta",
    "agresti_coull": "agresti_coull",
    "normal": "normal",
}


def _require_columns(data: pd.DataFrame, *columns: str | None) -> None:
    require_columns(data, columns)


def _levels(values: pd.Series) -> list:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    if pd.api.types.is_bool_dtype(values):
        return [True]
    return sorted(values.dropna().unique().tolist())


@renamed(clusters="psu")
def shares(
    data: pd.DataFrame,
    column: str,
    *,
    by: str | None = None,
    weights: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    design: SurveyDesign | None = None,
    conf_level: float = 0.95,
    method: ShareMethod = "wilson",
) -> pd.DataFrame:
    r"""Share of respondents at each level of ``column``, with confidence intervals.

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
    weights, strata, psu, fpc : str, optional
        The survey design (:class:`~analysis.survey.design.SurveyDesign`): sampling
        weights, strata, primary sampling units and a finite-population correction.
        With any of them the share is the weighted mean and its standard error is
        design-based (Taylor linearisation); ``method`` is then ignored and the
        interval is Korn and Graubard's (:func:`korn_graubard`, R's
        ``svyciprop(method = "beta")``), which stays inside [0, 1], excludes 0 when
        someone chose the answer, and is not empty when everyone (or no one) did.
        Groups of ``by`` and respondents who did not answer are *domains* of the whole
        design (R's ``svyby``), not separate samples: the variance keeps every PSU,
        while the interval's t correction counts the domain's own respondents and
        degrees of freedom (R's ``svyby(~x, ~g, subset(design, !is.na(x)), svyciprop,
        method = "beta")``).
    design : SurveyDesign, optional
        The same design as one object (what the study reads from client.yml); give
        either it or the columns.
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
        ``std_error`` is the binomial :math:`\sqrt{\hat p(1-\hat p)/n}` without
        weights and the linearised one with weights.

    Notes
    -----
    The Wilson score interval for ``x`` successes in ``n`` trials is

    .. math:: \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    computed by :func:`statsmodels.stats.proportion.proportion_confint`.

    With a design, :math:`\hat p = \sum_i w_i d_i y_i / \sum_i w_i d_i` over the
    domain :math:`d_i` (the group, among those who answered), and its variance is the
    linearisation variance of a ratio estimator, summed over PSUs within strata
    (:func:`analysis.survey.design.domain_means`; Lumley 2010, ch. 2-3). With weights
    only and no domain it is :math:`\frac{n}{n-1}\sum_i w_i^2 (y_i - \hat p)^2 /
    (\sum_j w_j)^2`.

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
    _require_columns(data, column, by)
    design = as_design(design, weights=weights, strata=strata, psu=psu, fpc=fpc)
    arrays = None if design.is_simple else design_arrays(data, design)
    if data[column].notna().sum() == 0:
        raise DataError(
            f"column {column!r} has no answers in the {len(data)} rows given: there is no share to estimate. "
            "Check the filter (segment) and the column name."
        )
    levels = _levels(data[column])
    answered = data[column].notna().to_numpy()
    hits = np.column_stack(
        [data[column].eq(level).fillna(False).to_numpy(bool) for level in levels]
    )
    rows = [
        row if by is None else {by: key, **row}
        for key, in_group in _share_groups(data, by)
        for row in _domain_shares(levels, hits, in_group & answered, arrays, conf_level, method)
    ]
    return pd.DataFrame(rows)


def _share_groups(data: pd.DataFrame, by: str | None) -> list[tuple[object, np.ndarray]]:
    """Return each group of ``by`` with its boolean mask (one group of everyone without ``by``).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    by : str or None
        Grouping column; the categories of a categorical are all kept, empty or not.

    Returns
    -------
    list of (key, ndarray of bool)
        The groups in the order of their levels.
    """
    if by is None:
        return [(None, np.ones(len(data), dtype=bool))]
    keys = (
        data[by] if isinstance(data[by].dtype, pd.CategoricalDtype) else data[by].astype("category")
    )
    return [(key, (data[by] == key).to_numpy()) for key in _levels(keys)]


def _domain_shares(
    levels: list,
    hits: np.ndarray,
    domain: np.ndarray,
    arrays: _Arrays | None,
    conf_level: float,
    method: ShareMethod,
) -> list[dict[str, object]]:
    r"""Return one row per level: the share of the domain at that level, with its interval.

    Parameters
    ----------
    levels : list
        The levels of the column.
    hits : ndarray of bool
        One row per respondent, one column per level: the respondent chose the level.
    domain : ndarray of bool
        The respondents of the group who answered.
    arrays : _Arrays or None
        The survey design, or None for a simple random sample.
    conf_level : float
        Confidence level.
    method : str
        Interval for an unweighted proportion (``shares``' ``method``).

    Returns
    -------
    list of dict
        ``level, count, n, estimate, std_error, conf_low, conf_high``.

    Notes
    -----
    Without a design the standard error is :math:`\sqrt{\hat p(1-\hat p)/n}`; with one
    it is linearised and the interval is Korn and Graubard's (:func:`korn_graubard`).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22, 209-212.
    """
    n = int(domain.sum())
    counts = hits[domain].sum(axis=0)
    if arrays is not None and n:
        means, covariance = domain_means(hits, domain, arrays)
        errors = np.sqrt(np.clip(np.diag(covariance), 0, None))
        domain_df = domain_degrees_of_freedom(domain, arrays)
    rows = []
    for j, level in enumerate(levels):
        count = int(counts[j])
        if n == 0:
            estimate = std_error = low = high = np.nan
        elif arrays is None:
            estimate = count / n
            std_error = float(np.sqrt(estimate * (1 - estimate) / n))
            low, high = proportion_confint(
                count, n, alpha=1 - conf_level, method=_STATSMODELS_METHOD[method]
            )
        else:
            estimate, std_error = float(means[j]), float(errors[j])
            low, high = korn_graubard(
                estimate,
                std_error,
                n=n,
                df=domain_df,
                conf_level=conf_level,
            )
        rows.append(
            {
                "level": level,
                "count": count,
                "n": n,
                "estimate": float(estimate),
                "std_error": float(std_error),
                # rounding in the interval formulas can put a bound a hair past a share of
                # 0 or 1 (1e-17 above an estimate of 0); an interval contains its estimate
                "conf_low": float(min(low, estimate)),
                "conf_high": float(max(high, estimate)),
            }
        )
    return rows


@renamed(degrees_of_freedom="df")
def korn_graubard(
    estimate: float,
    std_error: float,
    *,
    n: int,
    n_total: int | None = None,
    df: int,
    conf_level: float = 0.95,
    truncate_design_effect: bool = False,
) -> tuple[float, float]:
    r"""Interval for a design-based share: Clopper-Pearson on an effective sample size.

    The share's design-based variance is turned into the number of simple random
    draws that would give the same precision, that number is rescaled so a t quantile
    on the design's degrees of freedom replaces the one on the sample's, and the
    exact binomial (Clopper-Pearson) limits are read off beta quantiles:

    .. math:: n^* = \frac{\hat p (1 - \hat p)}{\hat V(\hat p)}
              \left(\frac{t_{m-1,\,\alpha/2}}{t_{\nu,\,\alpha/2}}\right)^2,\quad
              \bigl[B^{-1}_{\alpha/2}(n^*\hat p,\ n^*(1-\hat p)+1),\
              B^{-1}_{1-\alpha/2}(n^*\hat p+1,\ n^*(1-\hat p))\bigr]

    with :math:`m` the rows of the (domain's) sample and :math:`\nu` its degrees of
    freedom: the form that R's ``svyciprop(method = "beta")`` (Lumley's ``survey``
    package) computes, and one of the effective-size intervals that Dean and Pagano
    (2015) evaluate for clustered surveys. The effective size is *not* capped at
    :math:`n` by default, so a design more precise than simple random sampling (a
    design effect below 1, as a stratified sample often has) gives a narrower
    interval.

    Parameters
    ----------
    estimate : float
        The design-based share :math:`\hat p`.
    std_error : float
        Its design-based standard error, :math:`\sqrt{\hat V(\hat p)}`.
    n : int
        Respondents in the domain (those who answered, within the group): the
        effective size when the design gives no usable variance, and the cap when
        ``truncate_design_effect`` is set.
    n_total : int, optional
        The :math:`m` of the t correction; ``n`` by default, which is R's ``nrow()`` of
        the domain's design in ``svyby`` and of ``subset(design, ...)``. Passing the
        whole sample's row count instead reproduces ``svyciprop(..., na.rm = TRUE)``
        on the undivided design.
    df : int
        :math:`\nu`, the PSUs minus the strata that the domain reaches (R's ``degf()``
        of the domain's design; :func:`analysis.survey.design.domain_degrees_of_freedom`).
        Below 1, or with :math:`m \le 1`, the t correction is skipped.
    conf_level : float
        Confidence level, e.g. 0.95.
    truncate_design_effect : bool
        If True, cap the effective size at ``n`` before the t correction, that is,
        treat a design effect below 1 as 1: Korn and Graubard's (1998) conservative
        choice. False by default, as in R.

    Returns
    -------
    (low, high)
        Limits in [0, 1]; 0 is the lower limit of a share of 0, 1 the upper limit of a
        share of 1.

    Notes
    -----
    Where the design gives no variance (a share of 0 or 1, or a domain that lies
    inside one PSU, whose linearised scores then sum to 0 in that PSU), the
    effective size is ``n`` itself. R returns missing limits there; this gives the
    Clopper-Pearson interval of the unweighted count instead, so the interval is
    never empty.

    References
    ----------
    Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions with
    small expected number of positive counts estimated from survey data. Survey
    Methodology 24, 193-201.
    Dean, N. and Pagano, M. (2015). Evaluating confidence interval methods for binomial
    proportions in clustered surveys. Journal of Survey Statistics and Methodology 3,
    484-503.

    Examples
    --------
    R's ``svyciprop(~I(sch.wide == "No"), dclus1, method = "beta")`` on ``apiclus1``:
    share 0.1256831, SE 0.02035948, 183 schools in 15 districts (14 df).

    >>> low, high = korn_graubard(0.1256831, 0.02035948, n=183, df=14)
    >>> round(low, 4), round(high, 4)
    (0.0853, 0.1763)
    """
    alpha = 1 - conf_level
    rows = n if n_total is None else n_total
    variance = std_error**2
    if variance > 0 and 0 < estimate < 1:
        effective = estimate * (1 - estimate) / variance
        if truncate_design_effect:
            effective = min(effective, float(n))
    else:
        effective = float(n)
    if df >= 1 and rows > 1:
        ratio = stats.t.ppf(alpha / 2, rows - 1) / stats.t.ppf(alpha / 2, df)
        effective *= ratio**2
    successes, failures = effective * estimate, effective * (1 - estimate)
    low = float(stats.beta.ppf(alpha / 2, successes, failures + 1)) if successes > 0 else 0.0
    high = float(stats.beta.ppf(1 - alpha / 2, successes + 1, failures)) if failures > 0 else 1.0
    return low, high


@renamed(table="data")
def suppress_small_cells(
    data: pd.DataFrame,
    *,
    count: str | list[str] = "n",
    columns: list[str] | None = None,
    min_cell_size: int = 5,
) -> pd.DataFrame:
    """Blank out the statistics of rows based on fewer than ``min_cell_size`` cases.

    Parameters
    ----------
    data : DataFrame
        A tidy result data.
    count : str or list of str
        Column(s) holding the number of cases behind each row; with several, the
        smallest decides (e.g. both group sizes of a comparison).
    columns : list of str, optional
        Columns to blank; by default every numeric column, counts included, so no
        small count is shown either.
    min_cell_size : int
        Rows with ``data[count] < min_cell_size`` are suppressed (default 5).

    Returns
    -------
    DataFrame
        A copy with the chosen columns set to missing on suppressed rows and a
        boolean column ``suppressed``. The report layer shows those cells as
        "suppressed", never as a number.
    """
    min_cell_size = check_min_cell_size(min_cell_size)
    counts = [count] if isinstance(count, str) else list(count)
    _require_columns(data, *counts)
    out = data.copy()
    small = out[counts].min(axis=1) < min_cell_size
    if columns is None:
        columns = [
            c
            for c in out.columns
            if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])
        ]
    for column in columns:
        out[column] = out[column].astype("float64").mask(small)
    out["suppressed"] = small.to_numpy()
    return out


#: Effectiveness levels grouped for the very-effective-vs-ineffective contrast.
def multi_select(
    data: pd.DataFrame,
    options: list[str],
    *,
    by: str | None = None,
    weights: str | None = None,
    design: SurveyDesign | None = None,
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
    weights : str, optional
        Sampling weights: shares are weighted and design-based, as in :func:`shares`.
    design : SurveyDesign, optional
        The whole survey design (weights, strata, psu, fpc) instead of ``weights``:
        every share is design-based, as in :func:`shares`.
    conf_level : float

    Returns
    -------
    DataFrame
        Columns ``option, rank, [by], count, n, estimate, std_error, conf_low,
        conf_high`` (Wilson intervals, Korn-Graubard with a design), ``rank`` 1 = most
        cited overall (weighted with weights).
    """
    conf_level = check_conf_level(conf_level)
    _require_columns(data, *options, by)
    not_boolean = [c for c in options if not pd.api.types.is_bool_dtype(data[c])]
    if not_boolean:
        raise DataError(
            f"multi-select option column(s) {not_boolean} must be boolean (True = cited)."
        )
    design = as_design(design, weights=weights)
    w = None if design.weights is None else data[design.weights].astype(float)
    overall = {
        c: float(data[c].mean() if w is None else np.average(data[c], weights=w)) for c in options
    }
    order = sorted(options, key=lambda c: (-overall[c], c))
    frames = []
    for rank, option in enumerate(order, start=1):
        part = shares(data, option, by=by, design=design, conf_level=conf_level).drop(
            columns="level"
        )
        part.insert(0, "rank", rank)
        part.insert(0, "option", option)
        frames.append(part)
    return pd.concat(frames, ignore_index=True)
