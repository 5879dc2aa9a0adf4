r"""Regression of an (ordered) outcome on practices: ordinal logit and binary logit.

Both return a :class:`LogitResult` whose :meth:`~LogitResult.tidy` gives one row
per term with plain column names, on the log-odds scale or as odds ratios.
Before fitting, the data are checked, and warnings name the problem:

* empty outcome categories (dropped, with a warning);
* too few cases per parameter: for a binary outcome, fewer than 10 cases in the
  rarer outcome per estimated slope (Peduzzi et al. 1996); for an ordered outcome,
  fewer than 10 per slope in the effective sample size
  :math:`n - \sum_i n_i^3 / n^2` of its categories (Harrell 2015, section 4.4);
* complete or quasi-complete separation: a binary predictor whose two groups' outcomes
  do not overlap, or a coefficient that runs off (huge per standard deviation of its
  predictor) while fitting.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.contracts.columns import missing_values_note
from analysis.core.errors import DataError
from analysis.core.options import check_conf_level, renamed
from analysis.core.results import TidyResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "EVENTS_PER_PARAMETER",
    "MAX_NUMERIC_LEVELS",
    "LogitResult",
    "ModelWarning",
    "binary_logit",
    "ordinal_logit",
]

EVENTS_PER_PARAMETER = 10


MAX_NUMERIC_LEVELS = (
    20  # more distinct numbers than this is a continuous outcome, not ordinal codes
)


class ModelWarning(UserWarning):
    """A fitted model may be unreliable; the message says why and what to do."""


@dataclass
class LogitResult(TidyResult):
    """A fitted logit model with a tidy summary.

    Attributes
    ----------
    model : {"ordinal logit", "binary logit"}
    outcome : str
    terms : list of str
        Predictor names (slopes).
    fit : statsmodels results object
    conf_level : float
    n : int
        Cases used.
    notes : list of str
        Problems found while checking or fitting (also issued as warnings).
    separated : list of str
        Terms that are not estimable: a binary predictor with an empty cell against the
        outcome (quasi-complete separation: the maximum-likelihood estimate is
        infinite), or a coefficient or standard error that ran off while fitting.
        ``tidy()`` shows no number for them.
    """

    model: str
    outcome: str
    terms: list[str]
    fit: Any
    conf_level: float
    n: int
    notes: list[str] = field(default_factory=list)
    separated: list[str] = field(default_factory=list)

    def tidy(self, exponentiate: bool = False, include_thresholds: bool = False) -> pd.DataFrame:
        """One row per term.

        Parameters
        ----------
        exponentiate : bool
            Report odds ratios (``estimate``, ``conf_low``, ``conf_high``
            exponentiated); ``std_error`` stays on the log-odds scale, as in R's
            ``broom::tidy``.
        include_thresholds : bool
            Also return the intercept (binary, term ``const``) or the cut-points
            (ordinal, terms ``cut <level> | <next level>``, on the latent scale,
            with delta-method standard errors).

        Returns
        -------
        DataFrame
            Columns ``term, estimate, std_error, statistic, p_value, conf_low,
            conf_high, n``.
        """
        from scipy import stats

        params = pd.Series(self.fit.params)
        cov = pd.DataFrame(
            self.fit.cov_params(), index=params.index, columns=params.index
        ).to_numpy()
        estimate = params.to_numpy(dtype=float).copy()
        if self.model == "ordinal logit":
            # statsmodels stores the first cut-point and log increments; report the
            # cut-points themselves, with delta-method standard errors.
            k = len(self.terms)
            jacobian = np.eye(len(estimate))
            raw = estimate.copy()
            for j in range(k + 1, len(estimate)):
                estimate[j] = estimate[j - 1] + np.exp(raw[j])
                jacobian[j, :] = jacobian[j - 1, :]
                jacobian[j, j] = np.exp(raw[j])
            cov = jacobian @ cov @ jacobian.T
        std_error = np.sqrt(np.diag(cov))
        z = stats.norm.ppf(0.5 + self.conf_level / 2)
        statistic = estimate / std_error
        table = pd.DataFrame(
            {
                "term": [str(t) for t in params.index],
                "estimate": estimate,
                "std_error": std_error,
                "statistic": statistic,
                "p_value": 2 * stats.norm.sf(np.abs(statistic)),
                "conf_low": estimate - z * std_error,
                "conf_high": estimate + z * std_error,
            }
        )
        for column in ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"):
            table.loc[table["term"].isin(self.separated), column] = np.nan  # not estimable
        if self.model == "ordinal logit":
            levels = list(self.fit.model.labels)
            cuts = [f"cut {levels[j]} | {levels[j + 1]}" for j in range(len(levels) - 1)]
            table.loc[len(self.terms) :, "term"] = cuts
        if not include_thresholds:
            table = table[table["term"].isin(self.terms)]
        if exponentiate:
            for column in ("estimate", "conf_low", "conf_high"):
                table[column] = np.exp(table[column])
        table["n"] = self.n
        return table.reset_index(drop=True)

    reference = 1.0  # plot() shows odds ratios

    def caption(self) -> str:
        """Return one line naming the model, the outcome, the level and ``n``."""
        return (
            f"{self.model.capitalize()} of {self.outcome}: odds ratios with "
            f"{self.conf_level:.0%} intervals, n = {self.n:,}"
        )

    def summary(self) -> pd.DataFrame:
        """Odds ratios (``tidy(exponentiate=True)``) with the caption and notes in ``.attrs``.

        statsmodels' own summary stays available as ``result.fit.summary()``.
        """
        table = self.tidy(exponentiate=True)
        table.attrs.update(caption=self.caption(), notes=self.result_notes())
        return table

    def plot(self, *, title: str | None = None, **kwargs: Any) -> Figure:
        """Odds ratios with their intervals on a log scale; returns the Figure."""
        from analysis.core.plots import plot_forest

        table = self.tidy(exponentiate=True).dropna(subset=["estimate", "conf_low", "conf_high"])
        return plot_forest(table, title=title or self.caption(), xlabel="Odds ratio", **kwargs)

    def _repr_html_(self) -> str:
        from analysis.core.results import result_html

        return result_html(self.tidy(exponentiate=True), self.caption(), self.result_notes())


def _prepare(
    data: pd.DataFrame, outcome: str, covariates: Sequence[str]
) -> tuple[pd.DataFrame, list[str]]:
    missing = [c for c in [outcome, *covariates] if c not in data.columns]
    if missing:
        raise DataError(
            f"column(s) {missing} not found; available: {', '.join(map(str, data.columns))}."
        )
    if not covariates:
        raise ValueError("give at least one predictor.")
    frame = data[[outcome, *covariates]].dropna()
    notes = (
        [missing_values_note(data[[outcome, *covariates]].isna())] if len(frame) < len(data) else []
    )
    for column in covariates:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            frame[column] = values.astype(float)
        elif not pd.api.types.is_numeric_dtype(values):
            raise DataError(
                f"predictor {column!r} has dtype {values.dtype}; use numbers or booleans "
                "(make dummy columns for categories)."
            )
    constant = [c for c in covariates if frame[c].nunique() < 2]
    if constant:
        raise DataError(
            f"predictor(s) {constant} do not vary in the data used; drop them from the model."
        )
    return frame, notes


def _separation_notes(
    frame: pd.DataFrame, outcome: pd.Series, covariates: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Return notes and terms for binary predictors that separate the outcome.

    With a binary predictor, the maximum-likelihood coefficient is infinite when the
    outcomes of its two groups do not overlap: every case of one group at or above
    every case of the other (quasi-complete separation; Albert and Anderson 1984).
    For a binary outcome that is an empty cell of the 2 x 2 table; for an ordered
    outcome it is not: an empty extreme cell (nobody in one group rated 1) leaves a
    finite estimate, which is shown.
    """
    codes = outcome.cat.codes if isinstance(outcome.dtype, pd.CategoricalDtype) else outcome
    notes, separated = [], []
    for column in covariates:
        values = frame[column]
        if values.nunique() != 2:
            continue
        low, high = sorted(pd.unique(values))
        first, second = codes[values == low], codes[values == high]
        if not (first.max() <= second.min() or second.max() <= first.min()):
            continue
        table = pd.crosstab(values, outcome)
        counts = "; ".join(
            f"{column} = {level}: " + ", ".join(f"{n} at outcome {o}" for o, n in row.items())
            for level, row in table.iterrows()
        )
        separated.append(column)
        notes.append(
            f"{column}: not estimable (separation): the outcomes of its two groups do not overlap "
            f"({counts}), which makes its odds ratio infinite, so none is shown. Combine outcome "
            "levels, drop the predictor, or use penalised (Firth) logistic regression."
        )
    return notes, separated


def _ran_off(fit: Any, terms: list[str], frame: pd.DataFrame, notes: list[str]) -> list[str]:
    """Terms whose coefficient or standard error ran off while fitting (a sign of separation).

    Judged per standard deviation of the predictor, so that the units do not matter
    (income in millions gives coefficients a thousand times those in thousands): an
    odds ratio of e^15 per standard deviation, or a standard error of 50 per standard
    deviation, is not an estimate. Intercepts and cut points are not judged.
    """
    params = pd.Series(np.asarray(fit.params, float), index=list(pd.Series(fit.params).index))
    bse = pd.Series(np.asarray(fit.bse, float), index=params.index)
    spread = {t: float(pd.to_numeric(frame[t], errors="coerce").astype(float).std()) for t in terms}
    off = [
        t
        for t in terms
        if t in params.index
        and (not np.isfinite(bse[t]) or abs(params[t]) * spread[t] > 15 or bse[t] * spread[t] > 50)
    ]
    if off:
        notes.append(
            f"{', '.join(off)}: coefficients or standard errors ran off while fitting (a sign of "
            "separation), so they are not shown; do not interpret them."
        )
    return off


def _fit_with_checks(fit_callable: Callable[[], Any], notes: list[str]) -> Any:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = fit_callable()
        except np.linalg.LinAlgError as error:
            raise DataError(
                f"the model could not be estimated ({error}); a predictor is probably collinear with others "
                "or perfectly separates the outcome. Drop or combine covariates."
            ) from None
    for warning in caught:
        if issubclass(warning.category, PerfectSeparationWarning):
            notes.append(f"perfect separation reported by statsmodels: {warning.message}")
        elif issubclass(warning.category, ConvergenceWarning):
            notes.append(f"the fit did not converge: {warning.message}")
        elif issubclass(warning.category, RuntimeWarning):
            notes.append(f"numerical problem while fitting: {warning.message}")
    return fit


def _emit(notes: list[str]) -> None:
    for note in dict.fromkeys(notes):
        warnings.warn(note, ModelWarning, stacklevel=3)


def _fit_ordinal(model: Any) -> Any:
    """Newton-Raphson to full convergence; BFGS if Newton fails (e.g. near separation)."""
    try:
        fit = model.fit(method="newton", disp=False, maxiter=100)
        if fit.mle_retvals.get("converged", False):
            return fit
    except (np.linalg.LinAlgError, ValueError):
        pass
    return model.fit(method="bfgs", disp=False, maxiter=5000)


@renamed(predictors="covariates")
def ordinal_logit(
    data: pd.DataFrame,
    *,
    outcome: str,
    covariates: Sequence[str],
    conf_level: float = 0.95,
) -> LogitResult:
    r"""Proportional-odds (ordinal logit) model of an ordered outcome.

    Parameters
    ----------
    data : DataFrame
    outcome : str
        Ordered categorical column (e.g. ``effectiveness``), or numeric codes whose
        order is their value (at most 20 distinct values).
    covariates : list of str
        Numeric or boolean columns.
    conf_level : float

    Returns
    -------
    LogitResult
        ``tidy()`` gives the slopes; ``tidy(include_thresholds=True)`` adds the
        cut-points :math:`\theta_j`.

    Notes
    -----
    :math:`P(Y \le j \mid x) = F(\theta_j - x'\beta)` with :math:`F` the logistic CDF
    (``distr="logit"``), fitted by maximum likelihood with
    :class:`statsmodels.miscmodels.ordinal_model.OrderedModel`. A positive
    :math:`\beta` moves respondents towards higher categories; :math:`e^{\beta}` is
    the cumulative odds ratio.

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. JRSS B 42, 109-142.
    Peduzzi, P. et al. (1996). A simulation study of the number of events per variable
    in logistic regression analysis. J Clin Epidemiol 49, 1373-1379.
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    conf_level = check_conf_level(conf_level)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    frame, notes = _prepare(data, outcome, covariates)
    y = frame[outcome]
    if pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y):
        levels = np.sort(np.asarray(pd.unique(y)))  # numeric codes (e.g. 1-4) are ordered by value
        if len(levels) > MAX_NUMERIC_LEVELS:
            raise DataError(
                f"outcome {outcome!r} has {len(levels)} distinct numbers; an ordinal outcome needs a few "
                "ordered levels. Use estimate() for a continuous outcome."
            )
        y = pd.Series(
            pd.Categorical(y, categories=levels, ordered=True), index=y.index, name=outcome
        )
    if not (isinstance(y.dtype, pd.CategoricalDtype) and y.cat.ordered):
        raise DataError(
            f"outcome {outcome!r} must be ordered: an ordered categorical (pd.Categorical(values, categories=[lowest, "
            f"..., highest], ordered=True)) or numeric codes; got dtype {y.dtype} with values "
            f"{sorted(map(str, pd.unique(y)))[:5]}. load_survey() returns effectiveness ordered."
        )
    counts = y.value_counts().reindex(y.cat.categories, fill_value=0)
    empty = [str(level) for level, count in counts.items() if count == 0]
    if empty:
        notes.append(f"outcome level(s) {empty} have no cases and were dropped from the model.")
        y = y.cat.remove_categories(empty)
        counts = counts[counts > 0]
    if len(counts) < 2:
        raise DataError(
            f"outcome {outcome!r} has fewer than two observed levels; nothing to model."
        )
    # Harrell (2015, section 4.4): an ordered outcome with category counts n_i carries the
    # information of n - sum(n_i^3)/n^2 cases; a binary one reduces to about 3x its rarer count
    total = float(counts.sum())
    effective = total - float((counts.astype(float) ** 3).sum()) / total**2
    per_parameter = effective / len(covariates)
    if per_parameter < EVENTS_PER_PARAMETER:
        notes.append(
            f"too few cases per parameter: the ratings carry the information of about "
            f"{effective:.0f} cases for {len(covariates)} predictor(s) ({per_parameter:.1f} per "
            f"parameter; at least {EVENTS_PER_PARAMETER} recommended, Harrell 2015). Use fewer "
            "covariates or more respondents."
        )
    found, separated = _separation_notes(frame, y, covariates)
    notes += found
    model = OrderedModel(y, frame[covariates], distr="logit")
    fit = _fit_with_checks(lambda: _fit_ordinal(model), notes)
    unstable = [c for c in covariates if c not in separated]
    separated = list(dict.fromkeys(separated + _ran_off(fit, unstable, frame, notes)))
    _emit(notes)
    return LogitResult(
        "ordinal logit", outcome, list(covariates), fit, conf_level, len(frame), notes, separated
    )


@renamed(predictors="covariates")
def binary_logit(
    data: pd.DataFrame,
    *,
    outcome: str,
    covariates: Sequence[str],
    conf_level: float = 0.95,
) -> LogitResult:
    r"""Binary logistic regression with an intercept.

    Parameters
    ----------
    data : DataFrame
    outcome : str
        Boolean or 0/1 column (e.g. very effective vs ineffective).
    covariates : list of str
        Numeric or boolean columns.
    conf_level : float

    Returns
    -------
    LogitResult

    Notes
    -----
    :math:`\operatorname{logit} P(Y = 1 \mid x) = \alpha + x'\beta`, fitted by
    maximum likelihood (:class:`statsmodels.discrete.discrete_model.Logit`).

    References
    ----------
    Greene, W. H. Econometric Analysis (Spector and Mazzeo data, Table F14.1).
    """
    import statsmodels.api as sm

    conf_level = check_conf_level(conf_level)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    frame, notes = _prepare(data, outcome, covariates)
    y = frame[outcome]
    if pd.api.types.is_bool_dtype(y):
        y = y.astype(float)
    elif not (pd.api.types.is_numeric_dtype(y) and set(np.unique(y)) <= {0, 1}):
        raise DataError(
            f"outcome {outcome!r} must be boolean or 0/1; got values {sorted(map(str, pd.unique(y)))[:5]}."
        )
    events = int(min(y.sum(), len(y) - y.sum()))
    if events == 0:
        raise DataError(f"outcome {outcome!r} does not vary in the data used; nothing to model.")
    if events / len(covariates) < EVENTS_PER_PARAMETER:
        notes.append(
            f"too few cases per parameter: {events} case(s) in the rarer outcome for {len(covariates)} "
            f"predictor(s) ({events / len(covariates):.1f} per parameter; at least {EVENTS_PER_PARAMETER} "
            "recommended). Use fewer covariates."
        )
    found, separated = _separation_notes(frame, y, covariates)
    notes += found
    exog = sm.add_constant(frame[covariates], has_constant="add")
    model = sm.Logit(y, exog)
    fit = _fit_with_checks(lambda: model.fit(disp=False, maxiter=200), notes)
    terms = list(covariates)
    unstable = [c for c in terms if c not in separated]
    separated = list(dict.fromkeys(separated + _ran_off(fit, unstable, frame, notes)))
    _emit(notes)
    return LogitResult(
        "binary logit", outcome, terms, fit, conf_level, len(frame), notes, separated
    )
