"""Kirkpatrick levels 1 and 2, and mediation along the chain learning -> behaviour -> results."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from analysis.contracts.periods import time_order
from analysis.core.errors import DataError
from analysis.core.options import SEED, SIMULATION_DRAWS, check_conf_level, renamed
from analysis.core.results import TIDY_COLUMNS, FormerShape, TidyResult

__all__ = [
    "LIKERT_LEVELS",
    "ReactionSummary",
    "chain_table",
    "learning_gain",
    "mediation",
    "reaction_summary",
]

LIKERT_LEVELS = (1, 2, 3, 4, 5)


def _require(data: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataError(
            f"column(s) {missing} not found; available: {', '.join(map(str, data.columns))}."
        )


@dataclass
class ReactionSummary(FormerShape, TidyResult):
    """Level 1 (reaction): the mean of each rating item and the share at each level.

    Parameters
    ----------
    means : DataFrame
        ``term, estimate, std_error, conf_low, conf_high, top_box, n``, one row per item.
    distribution : DataFrame
        ``term, level, count, n, estimate``: the share answering each level.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Notes
    -----
    Unpacking it as the former tuple ``(means, distribution)`` still works, with a
    FutureWarning.
    """

    means: pd.DataFrame
    distribution: pd.DataFrame
    conf_level: float = 0.95

    former: ClassVar[tuple[str, ...]] = ("means", "distribution")
    #: the middle of the 1-5 scale, drawn in :meth:`plot`
    reference: float = 3.0

    def tidy(self) -> pd.DataFrame:
        """Return one row per item: its mean rating with the interval, and ``top_box``."""
        table = self.means.assign(p_value=np.nan)
        return table[[*TIDY_COLUMNS, "top_box"]]

    def caption(self) -> str:
        """Say what the table shows."""
        return f"Mean rating per item (1-5) with its {self.conf_level:.0%} confidence interval"


def reaction_summary(
    data: pd.DataFrame, items: Sequence[str], *, conf_level: float = 0.95
) -> ReactionSummary:
    """Level 1 (reaction): distribution and mean of each 1-5 rating item.

    Parameters
    ----------
    data : DataFrame
        One row per trained rep.
    items : list of str
        Rating columns on a 1-5 scale (e.g. ``rating``, ``relevance``, ``intent_to_apply``).

    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    ReactionSummary
        ``.means``: ``term, estimate, std_error, conf_low, conf_high, top_box, n``
        (t interval for the mean; ``top_box`` = share answering 4 or 5);
        ``.distribution``: ``term, level, count, n, estimate`` (share at each level);
        ``.tidy()`` the means with the standard columns.

    Raises
    ------
    ValueError
        If a rating lies outside 1-5 (naming the column and rows).
    """
    from scipy import stats

    conf_level = check_conf_level(conf_level)
    _require(data, *items)
    means, distribution = [], []
    for item in items:
        values = pd.to_numeric(data[item], errors="coerce")
        bad = values.notna() & ~values.isin(LIKERT_LEVELS)
        if bad.any() or (values.isna() & data[item].notna()).any():
            rows = data.index[bad | (values.isna() & data[item].notna())][:5].tolist()
            raise DataError(
                f"reaction item {item!r} must be a whole number from 1 to 5; bad values on rows {rows}."
            )
        values = values.dropna()
        n = len(values)
        if n < 2:
            raise DataError(
                f"reaction item {item!r} has {n} answer(s); at least 2 are needed for an interval."
            )
        mean, se = float(values.mean()), float(values.std(ddof=1) / np.sqrt(n))
        half = stats.t.ppf(0.5 + conf_level / 2, n - 1) * se
        means.append(
            {
                "term": item,
                "estimate": mean,
                "std_error": se,
                "conf_low": mean - half,
                "conf_high": mean + half,
                "top_box": float((values >= 4).mean()),
                "n": n,
            }
        )
        counts = values.value_counts().reindex(LIKERT_LEVELS, fill_value=0)
        distribution += [
            {"term": item, "level": level, "count": int(c), "n": n, "estimate": c / n}
            for level, c in counts.items()
        ]
    return ReactionSummary(pd.DataFrame(means), pd.DataFrame(distribution), conf_level)


def learning_gain(
    data: pd.DataFrame,
    *,
    before: str = "score_before",
    after: str = "score_after",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    r"""Level 2 (learning): paired before/after comparison of assessment scores.

    Parameters
    ----------
    data : DataFrame
        One row per learner.
    before, after : str
        Columns of the assessment score before and after training.
    conf_level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        One row: ``term`` ("learning gain"), ``estimate`` (mean gain), ``std_error``,
        ``conf_low``, ``conf_high``, ``p_value`` (paired t-test), ``cohens_dz``
        (mean gain / SD of gains), ``hedges_gz`` (small-sample corrected), ``n``.

    Notes
    -----
    Paired t: :math:`t = \bar d / (s_d / \sqrt n)` on ``n - 1`` df
    (:func:`scipy.stats.ttest_rel`). Effect size :math:`d_z = \bar d / s_d`, and
    :math:`g_z = d_z (1 - 3 / (4(n-1) - 1))` (Lakens 2013, eqs. 5-6).

    References
    ----------
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative
    science. Frontiers in Psychology 4, 863.
    """
    from scipy import stats

    conf_level = check_conf_level(conf_level)
    _require(data, before, after)
    scores = data[[before, after]].apply(pd.to_numeric, errors="coerce")
    for column in (before, after):
        bad = scores[column].isna() & data[column].notna()
        if bad.any():
            examples = data.loc[bad, column].astype(str).unique()[:3].tolist()
            raise DataError(
                f"column {column!r} has non-numeric scores {examples} "
                f"on rows {', '.join(map(str, data.index[bad][:5]))}; scores must be numbers."
            )
    pairs = scores.dropna()
    n = len(pairs)
    if n < 3:
        raise DataError(
            f"learning gain needs at least 3 reps with both {before!r} and {after!r}; got {n} "
            "(with two, the small-sample correction of the effect size is zero)."
        )
    if n < len(scores):
        warnings.warn(
            f"{len(scores) - n} of {len(scores)} reps lack a score before or after training and are left "
            "out of the paired comparison.",
            UserWarning,
            stacklevel=2,
        )
    diff = pairs[after] - pairs[before]
    sd = float(diff.std(ddof=1))
    if sd == 0:
        raise DataError(
            "every rep gained exactly the same; the paired test and effect size are undefined."
        )
    test = stats.ttest_rel(pairs[after], pairs[before])
    ci = test.confidence_interval(confidence_level=conf_level)
    dz = float(diff.mean() / sd)
    return pd.DataFrame(
        [
            {
                "term": "learning gain",
                "estimate": float(diff.mean()),
                "std_error": sd / np.sqrt(n),
                "conf_low": float(ci.low),
                "conf_high": float(ci.high),
                "p_value": float(test.pvalue),
                "cohens_dz": dz,
                "hedges_gz": dz * (1 - 3 / (4 * (n - 1) - 1)),
                "n": n,
            }
        ]
    )


@renamed(exposure="treatment", n_sims="n_resamples")
def mediation(
    data: pd.DataFrame,
    *,
    treatment: str,
    mediator: str,
    outcome: str,
    covariates: Sequence[str] | None = None,
    n_resamples: int = SIMULATION_DRAWS,
    seed: int = SEED,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Indirect and direct effects along the Kirkpatrick chain (e.g. learning gain -> behaviour -> results).

    Fits the mediator model ``mediator ~ treatment + covariates`` and the outcome
    model ``outcome ~ treatment + mediator + covariates`` by OLS and simulates the
    effects with :class:`statsmodels.stats.mediation.Mediation` (quasi-Bayesian,
    ``n_resamples`` draws).

    Parameters
    ----------
    data : DataFrame
        One row per unit (rep).
    treatment : str
        Column of the treatment (e.g. trained, 0/1).
    mediator : str
        Column of the mediator (e.g. the learning gain or a behaviour score).
    outcome : str
        Column of the outcome (e.g. revenue).
    covariates : tuple of str, default ()
        Controls in both models.
    n_resamples : int, default 1000
        Simulation draws.
    seed : int, default SEED
        Seed of the simulation.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        Rows ``indirect`` (ACME), ``direct`` (ADE), ``total``, ``proportion mediated``:
        ``term, estimate, conf_low, conf_high, p_value, n``.

    Notes
    -----
    With linear models for both equations the indirect effect per unit of treatment is
    the product :math:`a b` of the treatment's coefficient in the mediator model and the
    mediator's coefficient in the outcome model, and the total effect is :math:`a b + c'`;
    the simulation reproduces these (tested). Measurement error in the mediator biases
    the indirect effect towards zero.

    References
    ----------
    Imai, K., Keele, L. and Tingley, D. (2010). A general approach to causal mediation
    analysis. Psychological Methods 15, 309-334.
    """
    import statsmodels.api as sm
    from statsmodels.stats.mediation import Mediation

    conf_level = check_conf_level(conf_level)
    covariates = (covariates,) if isinstance(covariates, str) else tuple(covariates or ())
    _require(data, treatment, mediator, outcome, *covariates)
    frame = (
        data[[treatment, mediator, outcome, *covariates]]
        .apply(pd.to_numeric, errors="coerce")
        .dropna()
    )
    if len(frame) < 10:
        raise DataError(f"mediation needs at least 10 complete rows; got {len(frame)}.")
    if frame[treatment].nunique() < 2:
        raise DataError(f"treatment {treatment!r} does not vary; mediation is undefined.")
    outcome_exog = sm.add_constant(frame[[treatment, mediator, *covariates]])
    mediator_exog = sm.add_constant(frame[[treatment, *covariates]])
    outcome_model = sm.OLS(frame[outcome], outcome_exog)
    mediator_model = sm.OLS(frame[mediator], mediator_exog)
    result = Mediation(outcome_model, mediator_model, treatment, mediator).fit(
        n_rep=n_resamples, method="parametric", rng=np.random.default_rng(seed)
    )
    alpha = 1 - conf_level
    summary = result.summary(alpha=alpha)
    pick = {
        "indirect": "ACME (average)",
        "direct": "ADE (average)",
        "total": "Total effect",
        "proportion mediated": "Prop. mediated (average)",
    }
    rows = []
    for term, label in pick.items():
        row = summary.loc[label]
        rows.append(
            {
                "term": term,
                "estimate": float(row["Estimate"]),
                "conf_low": float(row.iloc[1]),
                "conf_high": float(row.iloc[2]),
                "p_value": float(row["P-value"]),
                "n": len(frame),
            }
        )
    return pd.DataFrame(rows)


@renamed(panel="data")
def chain_table(
    data: pd.DataFrame,
    assessments: pd.DataFrame,
    *,
    unit: str,
    time: str,
    start: pd.Series,
    behaviour: str,
    outcome: str,
    before: str = "score_before",
    after: str = "score_after",
) -> pd.DataFrame:
    """One row per trained rep: learning gain, change in behaviour, change in results.

    Changes compare the rep's mean after training starts with the mean before it.

    Parameters
    ----------
    data : DataFrame
        Rep-period data.
    assessments : DataFrame
        Level-2 scores, one row per rep (``unit`` column plus ``before``/``after``).
    unit, time : str
        Columns of the data.
    start : Series
        First training period per rep (index = rep id, labels as in ``time``).
    behaviour, outcome : str
        Behaviour measure (e.g. ``call_score``) and result (e.g. ``revenue``).

    Returns
    -------
    DataFrame
        ``unit, learning_gain, behaviour_change, results_change``.
    """
    _require(data, unit, time, behaviour, outcome)
    _require(assessments, unit, before, after)
    frame = data[[unit, time, behaviour, outcome]].copy()
    frame["start"] = frame[unit].map(start)
    frame = frame[frame["start"].notna()]
    order = time_order(data[time])  # period labels in time order, not as text
    frame["after"] = order.get_indexer(pd.Index(frame[time])) >= order.get_indexer(
        pd.Index(frame["start"])
    )
    means = frame.groupby([unit, "after"])[[behaviour, outcome]].mean().unstack("after")
    means = means.dropna()
    chain = pd.DataFrame(
        {
            "behaviour_change": means[(behaviour, True)] - means[(behaviour, False)],
            "results_change": means[(outcome, True)] - means[(outcome, False)],
        }
    )
    gains = assessments.set_index(unit)
    chain["learning_gain"] = (
        pd.to_numeric(gains[after], errors="coerce") - pd.to_numeric(gains[before], errors="coerce")
    ).reindex(chain.index)
    return (
        chain.dropna()
        .reset_index()
        .rename(columns={"index": unit})[
            [unit, "learning_gain", "behaviour_change", "results_change"]
        ]
    )
