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

TIDY_COLUMNS = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n"]


def tidy_fit(
    fit: Any,
    terms: Mapping[str, Any],
    *,
    conf_level: float,
    n: int | Mapping[str, int],
    extra: Mapping[str, Mapping[str, Any]] | None = None,
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
    """
    coef, se, pvalue = fit.coef(), fit.se(), fit.pvalue()
    ci = fit.confint(alpha=1 - conf_level)
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


def wald_f(fit: Any, contrast: np.ndarray, *, clusters: int) -> tuple[float, int, float]:
    """F-test of ``contrast @ beta = 0`` from pyfixest's ``wald_test``: (F, numerator df, p-value).

    pyfixest gives the Wald statistic :math:`W = (Rb)'(RVR')^{-1}(Rb)`; the F statistic is
    :math:`W/m` for :math:`m` restrictions, referred to :math:`F(m, G-1)` with :math:`G`
    clusters, as Stata's ``test`` after a cluster-robust regression.
    """
    with warnings.catch_warnings():
        # pyfixest notes that it switches to chi2 for a non-identity R: the statistic is what we need
        warnings.filterwarnings("ignore", message="Distribution changed to chi2")
        result = fit.wald_test(R=np.atleast_2d(contrast), distribution="chi2")
    restrictions = int(np.atleast_2d(contrast).shape[0])
    statistic = float(result["statistic"]) / restrictions
    return statistic, restrictions, float(stats.f.sf(statistic, restrictions, clusters - 1))


def selector(coefficients: pd.Index, chosen: list[str]) -> np.ndarray:
    """The rows of an identity matrix that pick ``chosen`` out of ``coefficients``."""
    positions = [int(coefficients.get_indexer(pd.Index([c]))[0]) for c in chosen]
    return np.eye(len(coefficients))[positions]


_LIBRARY_NOISE = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


@contextmanager
def captured_notes(notes: list[str]) -> Iterator[None]:
    """Record the warnings raised inside the block into ``notes`` instead of printing them.

    Library deprecations are dropped (they are about the library, not the model);
    everything else (a variable dropped as collinear, singletons removed, ...) is kept,
    so the result can show it and :func:`emit` can re-issue it once.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        text = " ".join(str(w.message).split())  # pyfixest's messages start with a line break
        if text and not issubclass(w.category, _LIBRARY_NOISE):
            notes.append(text)


def emit(notes: list[str], *, stacklevel: int = 3) -> None:
    """Issue each distinct note once as a ``UserWarning``."""
    for note in dict.fromkeys(notes):
        warnings.warn(note, UserWarning, stacklevel=stacklevel)
