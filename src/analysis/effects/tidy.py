"""From a pyfixest fit to the workbench's tidy rows, Wald tests and notes.

Every estimator in :mod:`analysis.effects` reports through :func:`tidy_fit`, tests
joint hypotheses through :func:`wald_f` (pyfixest's ``Feols.wald_test``), and keeps
the library's warnings about the model through :func:`captured_notes`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.options import renamed
from analysis.core.results import TIDY_COLUMNS

__all__ = [
    "MIN_TREATED_CLUSTERS",
    "TIDY_COLUMNS",
    "captured_notes",
    "clusters_note",
    "emit",
    "selector",
    "tidy_fit",
    "wald_f",
]


@renamed(df_t="df")
def tidy_fit(
    fit: Any,
    terms: Mapping[str, Any],
    *,
    conf_level: float,
    n: int | Mapping[str, int],
    extra: Mapping[str, Mapping[str, Any]] | None = None,
    df: int | None = None,
) -> pd.DataFrame:
    """One row per term of a pyfixest fit: ``term, estimate, std_error, conf_low, conf_high, p_value, n``.

    Parameters
    ----------
    fit : pyfixest Feols
    terms : mapping
        Coefficient name in the fit -> the ``term`` label shown; terms the fit dropped
        (collinear) are left out.
    conf_level : float
        Intervals use the t distribution with the fit's degrees of freedom (``G - 1``
        for clustered errors), as Stata and R's fixest do.
    n : int or mapping
        Observations, one number for all terms or one per coefficient name.
    extra : mapping, optional
        Further columns per coefficient name (e.g. ``event_time``).
    df : int, optional
        Degrees of freedom of the t distribution for the interval and the p-value, when
        the fit's own are not the right ones: pyfixest's ``did2s`` fit gives a normal
        interval and a p-value on the residual degrees of freedom, so the two-stage
        estimators pass ``G - 1``, the clustered convention of every other estimator.

    Returns
    -------
    DataFrame
        ``term, estimate, std_error, conf_low, conf_high, p_value, n`` and the ``extra``
        columns, one row per kept term.
    """
    coef, se = fit.coef(), fit.se()
    if df is None:
        pvalue = fit.pvalue()
        ci = fit.confint(alpha=1 - conf_level)
    else:
        critical = float(stats.t.ppf(0.5 + conf_level / 2, df))
        pvalue = pd.Series(2 * stats.t.sf(np.abs(coef / se), df), index=coef.index)
        ci = pd.DataFrame({"low": coef - critical * se, "high": coef + critical * se})
    rows = []
    for name, label in terms.items():
        if name not in coef.index:
            continue
        rows.append(
            {
                "term": label,
                "estimate": float(coef[name]),
                "std_error": float(se[name]),
                "conf_low": float(ci.loc[name].iloc[0]),
                "conf_high": float(ci.loc[name].iloc[1]),
                "p_value": float(pvalue[name]),
                "n": n[name] if isinstance(n, Mapping) else n,
                **(extra or {}).get(name, {}),
            }
        )
    extra_columns = list(dict.fromkeys(k for values in (extra or {}).values() for k in values))
    return pd.DataFrame(rows, columns=[*TIDY_COLUMNS, *extra_columns])


@renamed(clusters="n_clusters")
def wald_f(fit: Any, contrast: np.ndarray, *, n_clusters: int) -> tuple[float, int, float]:
    """F-test of ``contrast @ beta = 0`` from pyfixest's ``wald_test``: (F, numerator df, p-value).

    pyfixest gives the Wald statistic :math:`W = (Rb)'(RVR')^{-1}(Rb)`; the F statistic is
    :math:`W/m` for :math:`m` restrictions, referred to :math:`F(m, G-1)` with :math:`G`
    clusters, as Stata's ``test`` after a cluster-robust regression.

    Parameters
    ----------
    fit : pyfixest Feols
        A fit with cluster-robust errors.
    contrast : ndarray
        The restrictions :math:`R` (one row each) on the fit's coefficients.
    n_clusters : int
        The number of clusters :math:`G`.

    Returns
    -------
    (float, int, float)
        The F statistic, the numerator degrees of freedom :math:`m` and the p-value.

    References
    ----------
    Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. Journal of Human Resources 50, 317-372.
    """
    with warnings.catch_warnings():
        # pyfixest notes that it switches to chi2 for a non-identity R: the statistic is what we need
        warnings.filterwarnings("ignore", message="Distribution changed to chi2")
        result = fit.wald_test(R=np.atleast_2d(contrast), distribution="chi2")
    restrictions = int(np.atleast_2d(contrast).shape[0])
    statistic = float(result["statistic"]) / restrictions
    return statistic, restrictions, float(stats.f.sf(statistic, restrictions, n_clusters - 1))


def selector(coefficients: pd.Index, chosen: list[str]) -> np.ndarray:
    """Return the rows of an identity matrix that pick ``chosen`` out of ``coefficients``.

    Parameters
    ----------
    coefficients : Index
        The fit's coefficient names.
    chosen : list of str
        The coefficients to pick.

    Returns
    -------
    ndarray
        Shape ``(len(chosen), len(coefficients))``.
    """
    positions = [int(coefficients.get_indexer(pd.Index([c]))[0]) for c in chosen]
    return np.eye(len(coefficients))[positions]


#: Below this many clusters with treated rows, cluster-robust tests over-reject.
MIN_TREATED_CLUSTERS = 10


def clusters_note(treated: np.ndarray, cluster: np.ndarray, column: str) -> str | None:
    """Return a caveat when few clusters hold treated rows, or None.

    Cluster-robust standard errors rely on many clusters on *both* sides of the
    comparison: with a handful of treated clusters (one treated state among 27, two
    teams) the variance of the treated clusters' residuals is estimated from those few
    and the tests over-reject badly, however many clusters there are in all
    (MacKinnon and Webb 2017, J Applied Econometrics 32, 233-254; Conley and Taber 2011).

    Parameters
    ----------
    treated : ndarray
        The treatment of each row (non-zero = treated).
    cluster : ndarray
        Each row's cluster.
    column : str
        The cluster column, named in the caveat.

    Returns
    -------
    str or None
        The caveat, or None with enough treated clusters.

    References
    ----------
    MacKinnon, J. G. and Webb, M. D. (2017). Wild bootstrap inference for wildly
    different cluster sizes. Journal of Applied Econometrics 32, 233-254.

    Conley, T. G. and Taber, C. R. (2011). Inference with "difference in differences"
    with a small number of policy changes. Review of Economics and Statistics 93, 113-125.
    """
    treated = np.asarray(treated, dtype=bool)
    total = int(pd.unique(cluster).size)
    with_treated = int(pd.unique(np.asarray(cluster)[treated]).size)
    if with_treated >= MIN_TREATED_CLUSTERS or with_treated == 0:
        return None
    return (
        f"only {with_treated} of the {total} clusters of {column!r} hold trained rows: with so few "
        "treated clusters, cluster-robust standard errors are too small and p-values too "
        "optimistic (MacKinnon and Webb 2017), so treat the intervals as optimistic."
    )


_LIBRARY_NOISE = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


@contextmanager
def captured_notes(notes: list[str]) -> Iterator[None]:
    """Record the warnings raised inside the block into ``notes`` instead of printing them.

    Library deprecations are dropped (they are about the library, not the model);
    everything else (a variable dropped as collinear, singletons removed, ...) is kept,
    so the result can show it and :func:`emit` can re-issue it once.

    Parameters
    ----------
    notes : list of str
        Receives the warnings' messages.

    Yields
    ------
    None
        Control returns to the block.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        text = " ".join(str(w.message).split())  # pyfixest's messages start with a line break
        if text and not issubclass(w.category, _LIBRARY_NOISE):
            notes.append(text)


def emit(notes: list[str], *, stacklevel: int = 3) -> None:
    """Issue each distinct note once as a ``UserWarning``.

    Parameters
    ----------
    notes : list of str
        The notes, in order; repeats are issued once.
    stacklevel : int, default 3
        Passed to :func:`warnings.warn`.
    """
    for note in dict.fromkeys(notes):
        warnings.warn(note, UserWarning, stacklevel=stacklevel)
