"""Complex survey designs: weights, strata, clusters (PSUs) and a finite-population correction.

A survey design says how respondents were sampled. It changes the standard errors
of every share and the tests built on them, never the rows that are counted. The
functions here give the design-based (Taylor-linearised) variance of domain means,
and the Rao-Scott test of a two-way table, as R's ``survey`` package computes them
for a ``svydesign(id=~clusters, strata=~strata, weights=~weights, fpc=~fpc)``:

- :func:`domain_means`: means of one or more columns within a domain (a group of
  respondents, or those who answered), with their covariance, as ``svymean`` on a
  ``subset`` of the design and ``svyby``: the domain convention, where the rest of the
  sample stays in the design with zero contributions;
- :func:`domain_degrees_of_freedom`: the PSUs minus the strata that a domain reaches,
  R's ``degf()`` of the domain's subset, for the t correction of its share interval;
- :func:`rao_scott`: the second-order Rao-Scott F test of independence (``svychisq``'s
  default) and the first-order chi-square beside it.

Both are checked against R's printed results on the API data (``survey::api``) in
tests/test_survey_design.py. The formulas are the textbook ones (a few lines of numpy):
the maintained Python survey libraries (samplics, svy) give the same numbers but need
polars and compiled extensions that the rest of the package does not use.

References
----------
Lumley, T. (2010). Complex Surveys: A Guide to Analysis Using R. Wiley, ch. 2-3.
Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway contingency
tables with cell proportions estimated from survey data. Annals of Statistics 12, 46-60.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.contracts.columns import check_weights, require_columns
from analysis.core.errors import DataError
from analysis.core.options import renamed

__all__ = [
    "SurveyDesign",
    "as_design",
    "design_arrays",
    "domain_degrees_of_freedom",
    "domain_means",
    "means_by_domain",
    "rao_scott",
    "total_covariance",
]


@dataclass(frozen=True)
class SurveyDesign:
    """The columns that describe how the respondents were sampled.

    Parameters
    ----------
    weights : str, optional
        Sampling weights (positive numbers: how many population members a
        respondent stands for). Without weights every respondent counts once.
    strata : str, optional
        Stratum of each respondent; strata are sampled independently.
    psu : str, optional
        Primary sampling unit (PSU) of each respondent, e.g. the company or the
        region that was sampled first. Ids are read within their stratum (R's
        ``nest = TRUE``). Without it each respondent is its own PSU. (Formerly
        ``clusters=``, a name kept for the ``cluster=`` of clustered standard errors.)
    fpc : str, optional
        Finite-population correction, constant within a stratum: the number of PSUs
        in the stratum's population (a number above 1), or the sampling fraction
        (a number in (0, 1]), as R's ``svydesign(fpc = )`` reads it. Without it,
        PSUs are taken as drawn with replacement.
    """

    weights: str | None = None
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None

    @property
    def clusters(self) -> str | None:
        """The PSU column under its former name (use :attr:`psu`)."""
        warnings.warn("SurveyDesign.clusters is now SurveyDesign.psu.", FutureWarning, stacklevel=2)
        return self.psu

    @property
    def is_simple(self) -> bool:
        """True when nothing is declared: the respondents are a simple random sample."""
        return not any((self.weights, self.strata, self.psu, self.fpc))

    @property
    def columns(self) -> list[str]:
        """Return the design's columns that are set (weights, strata, psu, fpc)."""
        return [c for c in (self.weights, self.strata, self.psu, self.fpc) if c]

    def describe(self) -> str:
        """Plain-words description for a table note, e.g. "weights 'w', sampling units 'company'"."""
        parts = []
        if self.weights:
            parts.append(f"weights {self.weights!r}")
        if self.strata:
            parts.append(f"strata {self.strata!r}")
        if self.psu:
            parts.append(f"sampling units {self.psu!r}")
        if self.fpc:
            parts.append(f"finite-population correction {self.fpc!r}")
        return ", ".join(parts) if parts else "simple random sample"


# SurveyDesign(clusters=...) keeps working, with a FutureWarning naming psu=.
SurveyDesign.__init__ = renamed(clusters="psu")(SurveyDesign.__init__)  # type: ignore[method-assign]


@renamed(clusters="psu")
def as_design(
    design: SurveyDesign | None = None,
    *,
    weights: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
) -> SurveyDesign:
    """Return the survey design a function was given: a :class:`SurveyDesign`, or its columns one by one.

    Every survey function takes ``design=SurveyDesign(...)`` (the study passes the
    design it read from client.yml) and, as before, the columns as ``weights=``,
    ``strata=``, ``psu=`` and ``fpc=``. Giving both is refused rather than merged.

    Parameters
    ----------
    design : SurveyDesign, optional
        The whole design.
    weights, strata, psu, fpc : str, optional
        The design's columns one by one (the former way to give them).

    Returns
    -------
    SurveyDesign
        ``design``, or one made of the columns (an empty design when none is given).

    Raises
    ------
    TypeError
        When ``design`` is not a SurveyDesign, or is given together with a column.
    """
    columns = {"weights": weights, "strata": strata, "psu": psu, "fpc": fpc}
    if design is None:
        return SurveyDesign(**columns)
    if not isinstance(design, SurveyDesign):
        raise TypeError(
            f"design must be a SurveyDesign, e.g. SurveyDesign(weights='weight'); got {design!r}."
        )
    given = [name for name, value in columns.items() if value is not None]
    if given:
        raise TypeError(
            f"give the survey design once: design={design!r} or {', '.join(given)}=, not both."
        )
    return design


@dataclass(frozen=True)
class _Arrays:
    weights: np.ndarray  # float, one per row
    stratum: np.ndarray  # int codes
    psu: np.ndarray  # int codes, unique across strata
    fraction: np.ndarray  # sampling fraction of the row's stratum (0 without fpc)
    degrees_of_freedom: int  # PSUs minus strata


def design_arrays(data: pd.DataFrame, design: SurveyDesign) -> _Arrays:
    """Check the design columns of ``data`` and turn them into arrays.

    Parameters
    ----------
    data : DataFrame
        The responses.
    design : SurveyDesign
        The design whose columns are read.

    Returns
    -------
    _Arrays
        Weights, stratum and PSU codes, sampling fractions and the design's degrees of
        freedom, as arrays over the rows of ``data``.

    Raises
    ------
    DataError
        Naming the column, the rows and the fix: weights that are not positive
        numbers, missing strata or clusters, an fpc that varies within a stratum or is
        smaller than the number of sampled PSUs, a stratum with a single PSU.
    """
    require_columns(data, design.columns)
    n = len(data)
    weights = check_weights(data, design.weights).to_numpy(float) if design.weights else np.ones(n)
    for role, column in (("strata", design.strata), ("psu", design.psu)):
        if column and data[column].isna().any():
            missing = data[column].isna()
            raise DataError(
                f"{role} column {column!r} is blank in {int(missing.sum())} row(s) (rows "
                f"{_rows(data, missing)}): every respondent needs one. Fill it in or drop the rows."
            )
    stratum = pd.factorize(data[design.strata])[0] if design.strata else np.zeros(n, dtype=int)
    if design.psu:
        psu = pd.factorize(pd.MultiIndex.from_arrays([stratum, data[design.psu].to_numpy()]))[0]
    else:
        psu = np.arange(n)
    fraction = np.zeros(n)
    if design.fpc:
        fraction = _sampling_fractions(data, design, stratum, psu)
    strata_labels = data[design.strata].to_numpy() if design.strata else np.array(["all"] * n)
    psus_per_stratum = pd.Series(psu).groupby(stratum).nunique()
    lonely = psus_per_stratum[psus_per_stratum < 2]
    if len(lonely) and n > 1:
        names = sorted({str(strata_labels[stratum == h][0]) for h in lonely.index})
        raise DataError(
            f"stratum {', '.join(names)} of {design.strata or 'the sample'!r} has a single "
            f"{'cluster' if design.psu else 'respondent'}: its variance cannot be estimated. "
            "Merge it with a similar stratum in the data (R's survey stops here too)."
        )
    return _Arrays(
        weights=weights,
        stratum=stratum,
        psu=psu,
        fraction=fraction,
        degrees_of_freedom=int(len(np.unique(psu)) - len(np.unique(stratum))),
    )


def _sampling_fractions(
    data: pd.DataFrame, design: SurveyDesign, stratum: np.ndarray, psu: np.ndarray
) -> np.ndarray:
    column = str(design.fpc)
    values = pd.to_numeric(data[column], errors="coerce")
    bad = values.isna() | ~np.isfinite(values) | (values <= 0)
    if bad.any():
        raise DataError(
            f"finite-population column {column!r} must hold positive numbers; {int(bad.sum())} row(s) "
            f"do not (rows {_rows(data, bad)})."
        )
    frame = pd.DataFrame({"h": stratum, "psu": psu, "fpc": values.to_numpy(float)})
    varying = frame.groupby("h")["fpc"].nunique()
    if (varying > 1).any():
        raise DataError(
            f"finite-population column {column!r} differs within a stratum: it is the population "
            "size (or sampling fraction) of the whole stratum, one value for every row in it."
        )
    per_stratum = frame.groupby("h").agg(fpc=("fpc", "first"), sampled=("psu", "nunique"))
    fraction = np.where(
        per_stratum["fpc"] > 1, per_stratum["sampled"] / per_stratum["fpc"], per_stratum["fpc"]
    )
    if (fraction > 1 + 1e-12).any():
        raise DataError(
            f"finite-population column {column!r} is smaller than the number of sampled "
            f"{'clusters' if design.psu else 'respondents'} in some stratum: it should be "
            "the population size of the stratum (or a sampling fraction between 0 and 1)."
        )
    return pd.Series(fraction, index=per_stratum.index).reindex(stratum).to_numpy(float)


def _rows(data: pd.DataFrame, mask: pd.Series) -> str:
    return ", ".join(map(str, data.index[mask.to_numpy()][:5].tolist()))


def domain_degrees_of_freedom(domain: np.ndarray, arrays: _Arrays) -> int:
    """Degrees of freedom of the design restricted to ``domain``: its PSUs minus its strata.

    Only the PSUs and strata that hold at least one member of the domain are counted,
    which is what R's ``degf()`` returns for ``subset(design, ...)`` and for each group
    that ``svyby`` hands to its statistic. Over the whole sample this is
    ``arrays.degrees_of_freedom``. Zero for an empty domain, or one that lies inside a
    single PSU.

    Parameters
    ----------
    domain : ndarray of bool
        Membership of each respondent in the domain.
    arrays : _Arrays
        The design (:func:`design_arrays`).

    Returns
    -------
    int
        The PSUs holding a member of the domain minus their strata.

    References
    ----------
    Lumley, T. (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.

    Examples
    --------
    In R, ``degf(subset(dclus1, stype == "H"))`` is 7: the 14 high schools of
    ``apiclus1`` sit in 8 of its 15 districts, all in one stratum.
    """
    inside = np.asarray(domain, dtype=bool)
    if not inside.any():
        return 0
    return int(len(np.unique(arrays.psu[inside])) - len(np.unique(arrays.stratum[inside])))


def total_covariance(scores: np.ndarray, arrays: _Arrays) -> np.ndarray:
    r"""Design-based covariance of the totals of ``scores`` (one row per respondent).

    .. math:: \hat V = \sum_h (1 - f_h) \frac{n_h}{n_h - 1}
              \sum_{i=1}^{n_h} (z_{hi} - \bar z_h)(z_{hi} - \bar z_h)^\top

    with :math:`z_{hi}` the sum of the scores in PSU *i* of stratum *h*, :math:`n_h`
    the PSUs sampled in the stratum and :math:`f_h` its sampling fraction: the
    with-replacement (or, with fpc, the first-stage without-replacement) estimator
    of R's ``svyrecvar`` (Lumley 2010, section 2.2).

    Parameters
    ----------
    scores : ndarray
        One row per respondent, one column per total.
    arrays : _Arrays
        The design (:func:`design_arrays`).

    Returns
    -------
    ndarray
        The covariance matrix of the totals (columns by columns).

    References
    ----------
    Lumley, T. (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.
    """
    scores = np.asarray(scores, dtype=float).reshape(len(arrays.psu), -1)
    k = scores.shape[1]
    psu_totals = np.zeros((arrays.psu.max() + 1 if len(arrays.psu) else 0, k))
    np.add.at(psu_totals, arrays.psu, scores)
    psu_stratum = np.zeros(len(psu_totals), dtype=int)
    psu_stratum[arrays.psu] = arrays.stratum
    psu_fraction = np.zeros(len(psu_totals))
    psu_fraction[arrays.psu] = arrays.fraction
    covariance = np.zeros((k, k))
    for h in np.unique(psu_stratum):
        in_h = psu_stratum == h
        z = psu_totals[in_h]
        n_h = len(z)
        if n_h < 2:
            continue
        centred = z - z.mean(axis=0)
        covariance += (1 - psu_fraction[in_h][0]) * n_h / (n_h - 1) * centred.T @ centred
    return covariance


def domain_means(
    values: np.ndarray, domain: np.ndarray, arrays: _Arrays
) -> tuple[np.ndarray, np.ndarray]:
    r"""Weighted means of the columns of ``values`` within ``domain``, with their covariance.

    The ratio estimator :math:`\hat\mu = \sum_i w_i d_i y_i / \sum_i w_i d_i`
    (:math:`d_i` = 1 inside the domain) has the linearised scores
    :math:`u_i = w_i d_i (y_i - \hat\mu) / \sum_j w_j d_j`, whose total covariance
    (:func:`total_covariance`) is the covariance of :math:`\hat\mu`. Respondents
    outside the domain stay in the design with :math:`u_i = 0`: the domain
    convention of R's ``svyby`` and ``svymean(subset(design, ...))``.

    Parameters
    ----------
    values : ndarray
        One row per respondent, one column per variable.
    domain : ndarray of bool
        Membership of each respondent in the domain.
    arrays : _Arrays
        The design (:func:`design_arrays`).

    Returns
    -------
    (estimates, covariance)
        NaN when the domain is empty.

    References
    ----------
    Lumley, T. (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.
    """
    values = np.asarray(values, dtype=float).reshape(len(arrays.psu), -1)
    inside = np.asarray(domain, dtype=bool)
    weight = np.where(inside, arrays.weights, 0.0)
    total = weight.sum()
    k = values.shape[1]
    if total <= 0:
        return np.full(k, np.nan), np.full((k, k), np.nan)
    filled = np.where(inside[:, None], np.nan_to_num(values), 0.0)
    estimates = weight @ filled / total
    scores = weight[:, None] * (filled - estimates) / total
    return estimates, total_covariance(scores, arrays)


def rao_scott(
    rows: pd.Series, columns: pd.Series, domain: np.ndarray, arrays: _Arrays
) -> dict[str, Any]:
    r"""Rao-Scott tests of independence of two categorical variables under a survey design.

    With :math:`\hat p` the design-based cell proportions (rows within columns, as R
    orders them), :math:`\hat V` their covariance, :math:`C` the interaction contrasts
    orthogonal to the main effects and :math:`D = \mathrm{diag}(\hat p)`, the design
    effect matrix is :math:`\Delta = (C^\top D^{-1} C / N)^{-1} C^\top D^{-1}\hat V
    D^{-1} C`. Pearson's :math:`X^2` of the weighted table scaled to the sample size
    *N* is then referred

    - second order (the default of R's ``svychisq``): :math:`F = X^2/\mathrm{tr}\,\Delta`
      to :math:`F(d_0, d_0\nu)` with :math:`d_0 = (\mathrm{tr}\,\Delta)^2 /
      \mathrm{tr}\,\Delta^2` and :math:`\nu` the design's degrees of freedom (PSUs
      minus strata);
    - first order (``statistic = "Chisq"``): :math:`X^2/\bar\delta` to
      :math:`\chi^2_{(r-1)(c-1)}`, :math:`\bar\delta` the mean eigenvalue of
      :math:`\Delta`.

    Parameters
    ----------
    rows, columns : Series
        The two categorical variables, one value per respondent.
    domain : ndarray of bool
        The respondents the test is about (the others stay in the design).
    arrays : _Arrays
        The design (:func:`design_arrays`).

    Returns
    -------
    dict
        ``chisq`` (Pearson's :math:`X^2` on the scaled table), ``statistic`` (F),
        ``ndf``, ``ddf``, ``p_value`` (second order), ``p_value_first_order``, ``df``,
        ``table`` (weighted cell totals scaled to *N*, rows by columns), ``census``: True
        when the design has no sampling variance (every PSU of the population sampled),
        and then the statistics and p-values are NaN: the table is the population's.

    References
    ----------
    Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway contingency
    tables with cell proportions estimated from survey data. Annals of Statistics 12,
    46-60.
    """
    from scipy import stats

    inside = np.asarray(domain, dtype=bool) & rows.notna().to_numpy() & columns.notna().to_numpy()
    indicators, nr, nc = _cell_indicators(rows, columns, inside)
    proportions, covariance = domain_means(indicators, inside, arrays)
    n = int(inside.sum())
    delta = _design_effect_matrix(proportions, covariance, _interaction_contrasts(nr, nc), n)
    trace = float(np.trace(delta))
    table = (proportions * n).reshape(nc, nr).T
    df = (nr - 1) * (nc - 1)
    if not trace > 1e-12:  # a census (every PSU sampled): the table is the population's
        return {
            "chisq": float(stats.chi2_contingency(table, correction=False)[0]),
            "statistic": np.nan,
            "ndf": np.nan,
            "ddf": np.nan,
            "p_value": np.nan,
            "p_value_first_order": np.nan,
            "df": df,
            "table": table,
            "n": n,
            "census": True,
        }
    d0 = trace**2 / float(np.trace(delta @ delta))
    chisq = float(stats.chi2_contingency(table, correction=False)[0])
    statistic = chisq / trace
    ddf = d0 * arrays.degrees_of_freedom
    return {
        "chisq": chisq,
        "statistic": statistic,
        "ndf": d0,
        "ddf": ddf,
        "p_value": float(stats.f.sf(statistic, d0, ddf)),
        "p_value_first_order": float(stats.chi2.sf(chisq / (trace / delta.shape[0]), df)),
        "df": df,
        "table": table,
        "n": n,
        "census": False,
    }


def _cell_indicators(
    rows: pd.Series, columns: pd.Series, inside: np.ndarray
) -> tuple[np.ndarray, int, int]:
    """Return one indicator column per cell of the table, rows within columns (R's order).

    Parameters
    ----------
    rows, columns : Series
        The two categorical variables.
    inside : ndarray of bool
        The respondents in the table (answered both, in the domain).

    Returns
    -------
    (ndarray, int, int)
        The indicators (a respondent outside the table counts in the first cell, and
        :func:`domain_means` leaves it out), the number of row and of column levels.
    """
    row_levels = pd.Index(pd.unique(rows[inside])).sort_values()
    column_levels = pd.Index(pd.unique(columns[inside])).sort_values()
    nr, nc = len(row_levels), len(column_levels)
    row_code = row_levels.get_indexer(pd.Index(rows))
    column_code = column_levels.get_indexer(pd.Index(columns))
    cell = np.where(inside, row_code + nr * column_code, 0)
    indicators = np.zeros((len(cell), nr * nc))
    indicators[np.arange(len(cell)), cell] = 1.0
    return indicators, nr, nc


def _interaction_contrasts(nr: int, nc: int) -> np.ndarray:
    """Return the row-by-column interaction contrasts made orthogonal to the main effects.

    Parameters
    ----------
    nr, nc : int
        The number of row and of column levels.

    Returns
    -------
    ndarray
        ``nr * nc`` rows (cells, rows within columns), ``(nr - 1) * (nc - 1)`` columns.

    References
    ----------
    Rao, J. N. K. and Scott, A. J. (1984). Annals of Statistics 12, 46-60.
    """
    r_of = np.tile(np.arange(nr), nc)
    c_of = np.repeat(np.arange(nc), nr)
    main = np.column_stack(
        [np.ones(nr * nc)]
        + [(r_of == i).astype(float) for i in range(1, nr)]
        + [(c_of == j).astype(float) for j in range(1, nc)]
    )
    interaction = np.column_stack(
        [((r_of == i) & (c_of == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    q, _ = np.linalg.qr(main)
    return interaction - q @ (q.T @ interaction)


def _design_effect_matrix(
    proportions: np.ndarray, covariance: np.ndarray, contrasts: np.ndarray, n: int
) -> np.ndarray:
    r"""Return the design effect matrix :math:`\Delta` of the interaction contrasts.

    Parameters
    ----------
    proportions : ndarray
        The design-based cell proportions.
    covariance : ndarray
        Their covariance.
    contrasts : ndarray
        :func:`_interaction_contrasts`.
    n : int
        The sample size.

    Returns
    -------
    ndarray
        :math:`\Delta = (C^\top D^{-1} C / N)^{-1} C^\top D^{-1}\hat V D^{-1} C`, with
        :math:`D^{-1}` zero for empty cells.

    References
    ----------
    Rao, J. N. K. and Scott, A. J. (1984). Annals of Statistics 12, 46-60.
    """
    inverse = np.diag(np.where(proportions > 0, 1 / np.where(proportions > 0, proportions, 1), 0))
    denominator = contrasts.T @ (inverse / n) @ contrasts
    numerator = contrasts.T @ inverse @ covariance @ inverse @ contrasts
    return np.linalg.solve(denominator, numerator)


def means_by_domain(
    values: np.ndarray, domains: list[np.ndarray], arrays: _Arrays
) -> tuple[np.ndarray, np.ndarray]:
    r"""Means of one column in several domains, with their joint covariance.

    The scores of each domain (:func:`domain_means`) are stacked as columns, so
    the covariance between domains that share PSUs is kept: what a ratio or a
    difference of two domain means needs (R's ``svyby(..., covmat = TRUE)``).

    Parameters
    ----------
    values : ndarray
        One value per respondent.
    domains : list of ndarray of bool
        The domains, one membership array each.
    arrays : _Arrays
        The design (:func:`design_arrays`).

    Returns
    -------
    (estimates, covariance)
        One mean per domain, and their covariance (domains by domains).

    Notes
    -----
    Each domain's scores are :math:`u_i = w_i d_i (y_i - \hat\mu) / \sum_j w_j d_j`, and
    the covariance is :func:`total_covariance` of the stacked scores.

    References
    ----------
    Lumley, T. (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.
    """
    y = np.nan_to_num(np.asarray(values, dtype=float))
    estimates, columns = [], []
    for domain in domains:
        inside = np.asarray(domain, dtype=bool)
        weight = np.where(inside, arrays.weights, 0.0)
        total = weight.sum()
        mean = float(weight @ y / total) if total > 0 else np.nan
        estimates.append(mean)
        columns.append(weight * (y - mean) / total if total > 0 else np.zeros_like(y))
    return np.array(estimates), total_covariance(np.column_stack(columns), arrays)
