"""The naive comparison beside the isolated effect, and the sentences that explain the gap."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.conclusions import bound, phrase, width_decimals
from analysis.core.errors import DataError
from analysis.core.formats import with_currency, with_currency_range
from analysis.core.options import renamed
from analysis.core.results import Headline, interval_record
from analysis.effects.estimate import estimate
from analysis.effects.staggered import check_absorbing, staggered_att
from analysis.effects.tidy import TIDY_COLUMNS

__all__ = [
    "HOW",
    "ISOLATING",
    "compare_estimators",
    "explain_comparison",
    "headline_records",
    "isolated_term",
    "naive_clearly_differs",
    "naive_comparison",
]


def naive_comparison(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Difference in mean outcome between treated and untreated rows, with no adjustment.

    Shown beside the isolated effect: when stronger reps are trained first, this
    comparison mixes the training effect with who was chosen for training. HC1
    standard errors, or clustered by ``cluster`` (a panel's rows of one rep, or of one
    office, are not independent).

    Parameters
    ----------
    data : DataFrame
        One row per unit, or per unit and period.
    outcome, treatment : str
        Columns of the outcome and of the treatment (0/1).
    cluster : str, optional
        Column to cluster the errors by; HC1 errors without it.
    conf_level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        One row, term ``naive difference``: ``term, estimate, std_error, conf_low,
        conf_high, p_value, n``.

    References
    ----------
    MacKinnon, J. G. and White, H. (1985). Some heteroskedasticity-consistent covariance
    matrix estimators with improved finite sample properties. Journal of Econometrics 29,
    305-325.
    """
    result = estimate(
        data,
        outcome=outcome,
        treatment=treatment,
        cluster=cluster,
        vcov="cluster" if cluster else "hc1",
        conf_level=conf_level,
    )
    return result.tidy().iloc[[0]].assign(term="naive difference").reset_index(drop=True)


def compare_estimators(
    data: pd.DataFrame,
    *,
    outcome: str,
    treatment: str,
    unit: str | None = None,
    time: str | None = None,
    start: str | None = None,
    covariates: Sequence[str] | None = None,
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Return the naive comparison next to the estimates that isolate the effect.

    Rows (``term``): ``naive difference`` (treated minus untreated means);
    ``regression adjusted`` (cross-section: OLS with ``covariates``),
    ``two-way fixed effects`` (panel) or ``unit fixed effects`` (``unit`` without
    ``time``); and, for a panel with ``start``, ``staggered
    (imputation)``, robust to effects that change over time and across cohorts. The
    ``covariates`` enter every adjusted row (in the imputation estimator, its first
    stage); the table's ``attrs["notes"]`` gathers the estimators' caveats.

    Parameters
    ----------
    data : DataFrame
        One row per unit (cross-section) or per unit and period (panel).
    outcome, treatment : str
        Columns of the outcome and of the treatment (0/1).
    unit, time : str, optional
        Columns of the unit and the period; with both, the data are a panel.
    start : str, optional
        Column of each unit's first treated period (missing if never), for the staggered
        (imputation) row.
    covariates : sequence of str, default ()
        Controls of every adjusted row.
    cluster : str, optional
        Column to cluster the errors by (the unit otherwise, in a panel).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        ``term, estimate, std_error, conf_low, conf_high, p_value, n``.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs:
    robust and efficient estimation. Review of Economic Studies 91, 3253-3285.

    Wooldridge, J. M. (2010). Econometric Analysis of Cross Section and Panel Data
    (2nd ed.), chapter 10. MIT Press.
    """
    if unit is not None and time is not None and start is not None:
        check_absorbing(data, treatment=treatment, unit=unit, time=time, start=start)
    naive_cluster = cluster or unit  # repeated rows of a rep are not independent
    rows = [
        naive_comparison(
            data, outcome=outcome, treatment=treatment, cluster=naive_cluster, conf_level=conf_level
        )
    ]
    notes: list[str] = []
    if unit is None:
        adjusted = estimate(
            data,
            outcome=outcome,
            treatment=treatment,
            covariates=covariates,
            cluster=cluster,
            vcov="cluster" if cluster else "hc1",
            conf_level=conf_level,
        )
        rows.append(adjusted.tidy().iloc[[0]].assign(term="regression adjusted"))
        notes += adjusted.notes
    else:
        twfe = estimate(
            data,
            outcome=outcome,
            treatment=treatment,
            covariates=covariates,
            unit=unit,
            time=time,
            cluster=cluster,
            conf_level=conf_level,
        )
        rows.append(
            twfe.tidy()
            .iloc[[0]]
            .assign(term="two-way fixed effects" if time is not None else "unit fixed effects")
        )
        notes += twfe.notes
        if start is not None and time is not None:
            staggered = staggered_att(
                data,
                outcome=outcome,
                unit=unit,
                time=time,
                start=start,
                covariates=covariates,
                cluster=cluster,
                conf_level=conf_level,
            )
            rows.append(staggered.assign(term="staggered (imputation)"))
            notes += staggered.attrs.get("notes", [])
    table = pd.concat(rows, ignore_index=True)[TIDY_COLUMNS]
    table.attrs["notes"] = list(dict.fromkeys(notes))
    return table


#: How each isolating estimator separates training from who was chosen for it.
HOW = {
    "staggered (imputation)": "compares each rep with itself before training and with reps "
    "trained later or never",
    "two-way fixed effects": "compares each rep with itself before training and with reps "
    "trained later or never",
    "unit fixed effects": "compares each rep with itself before and after training",
    "regression adjusted": "compares reps with the same covariates (one row per rep, so "
    "only what the covariates measure is held equal)",
}

#: The isolating estimators of :func:`compare_estimators`, preferred first.
ISOLATING = tuple(HOW)


def isolated_term(data: pd.DataFrame) -> str:
    """Return the ``term`` of the row to report as the isolated effect in a :func:`compare_estimators` table.

    The staggered (imputation) estimate where there is one, else two-way fixed
    effects, rep fixed effects, or the regression-adjusted cross-section estimate.

    Parameters
    ----------
    data : DataFrame
        A :func:`compare_estimators` table.

    Returns
    -------
    str
        The ``term`` of that row.
    """
    terms = set(data["term"])
    found = next((t for t in ISOLATING if t in terms), None)
    if found is None:
        raise DataError(
            f"no isolating estimate among {sorted(terms)}; run compare_estimators first."
        )
    return found


@renamed(table="data")
def explain_comparison(
    data: pd.DataFrame,
    *,
    outcome_label: str,
    unit_label: str = "per rep and period",
    currency: str | None = None,
    symbol: bool = False,
) -> list[str]:
    """Plain-language sentences comparing the naive and the isolated estimates (from :func:`compare_estimators`).

    With ``currency`` (an outcome in money) every figure carries it: ``USD 3,982`` or,
    with ``symbol``, ``$3,982``.

    Parameters
    ----------
    data : DataFrame
        A :func:`compare_estimators` table.
    outcome_label : str
        The outcome as the sentences name it.
    unit_label : str, default "per rep and period"
        The unit of the effect as the sentences name it.
    currency : str, optional
        ISO code of a money outcome, written on every figure.
    symbol : bool, default False
        Write the currency's symbol instead of its code.

    Returns
    -------
    list of str
        The verdict on the isolated effect, the naive difference against it, the
        estimators' caveats, and a note when two-way fixed effects and the staggered
        estimate disagree.
    """
    rows = data.set_index("term")
    naive = rows.loc["naive difference"].to_dict()
    labels = {
        "staggered (imputation)": "imputation estimator for a staggered rollout",
        "two-way fixed effects": "two-way fixed effects",
        "unit fixed effects": "rep fixed effects",
        "regression adjusted": "regression adjusted for the covariates",
    }
    isolated_name = isolated_term(data)
    isolated = rows.loc[isolated_name].to_dict()
    decimals = width_decimals(isolated["conf_low"], isolated["conf_high"])

    def num(value: Any) -> str:
        # as many decimals as the interval's width warrants (3,982 or -0.331), and more
        # where rounding would carry a number onto or across zero (0.4, never 0)
        return with_currency(bound(value, decimals=decimals), currency, symbol=symbol)

    def ci(row: dict) -> str:
        low, high = (bound(row[end], decimals=decimals) for end in ("conf_low", "conf_high"))
        return with_currency_range(low, high, currency, symbol=symbol)

    sentences = []
    verdict = phrase(
        isolated["conf_low"],
        isolated["conf_high"],
        above="raised",
        below="lowered",
        unclear="did not clearly change",
    )
    sentences.append(
        f"Training {verdict} {outcome_label}: the isolated effect ({labels[isolated_name]}) "
        f"is {num(isolated['estimate'])} "
        f"{unit_label} (CI {ci(isolated)})."
    )
    sentences.append(_naive_sentence(naive, isolated, HOW[isolated_name], num, ci))
    # the estimators' caveats travel with the verdict
    sentences.extend(f"Caveat: {note[0].upper()}{note[1:]}" for note in data.attrs.get("notes", []))
    if {"two-way fixed effects", "staggered (imputation)"} <= set(rows.index):
        twfe, robust = rows.loc["two-way fixed effects"], rows.loc["staggered (imputation)"]
        if abs(twfe["estimate"] - robust["estimate"]) > 2 * robust["std_error"]:
            sentences.append(
                f"Two-way fixed effects gives {num(twfe['estimate'])}, away from the staggered estimate: with a "
                "staggered rollout and effects that build up, it partly uses already-trained reps as controls, "
                "so the staggered (imputation) estimate is the one to use."
            )
    return sentences


def _naive_sentence(
    naive: dict, isolated: dict, how: str, num: Callable[[Any], str], ci: Callable[[dict], str]
) -> str:
    r"""Describe the naive difference against the isolated effect, no stronger than their intervals allow.

    The gap counts as clear only when it exceeds the critical value times
    :math:`\sqrt{se_{naive}^2 + se_{isolated}^2}`, the standard error of a difference of
    independent estimates. The two share data and are positively correlated, so the
    true standard error is smaller: the rule errs towards "cannot tell", never towards
    a gap that is not there. The gap is described, not explained: who was trained, and
    when, both enter the naive difference.
    """
    gap = naive["estimate"] - isolated["estimate"]
    shown = f"The naive trained-vs-untrained difference ({num(naive['estimate'])}, CI {ci(naive)})"
    if not _gap_is_clear(naive, isolated):
        return (
            f"{shown} and the isolated effect do not clearly differ: the data cannot tell whether "
            "comparing trained with untrained reps directly would mislead here."
        )
    direction = "higher" if gap > 0 else "lower"
    return (
        f"{shown} is clearly {direction}, by {num(abs(gap))}: a direct comparison mixes training with "
        "how the reps and periods that were trained differ from the others, which the isolated "
        f"estimate removes (it {how})."
    )


def _gap_is_clear(naive: Mapping[Any, Any], isolated: Mapping[Any, Any]) -> bool:
    """Whether the naive difference clearly differs from the isolated effect.

    The rule of :func:`_naive_sentence`.
    """
    critical = (isolated["conf_high"] - isolated["conf_low"]) / (2 * isolated["std_error"])
    gap = naive["estimate"] - isolated["estimate"]
    spread = float(np.hypot(naive["std_error"], isolated["std_error"]))
    return bool(np.isfinite(critical) and np.isfinite(spread) and abs(gap) > critical * spread)


def naive_clearly_differs(data: pd.DataFrame) -> bool:
    """Whether a table's naive difference clearly differs from its isolated effect.

    As :func:`explain_comparison` says it, for a :func:`compare_estimators` table.

    Parameters
    ----------
    data : DataFrame
        A :func:`compare_estimators` table.

    Returns
    -------
    bool
        True when the gap exceeds the critical value times the standard error of a
        difference of independent estimates; False when the data cannot tell.
    """
    rows = data.set_index("term")
    return _gap_is_clear(
        rows.loc["naive difference"].to_dict(), rows.loc[isolated_term(data)].to_dict()
    )


def headline_records(data: pd.DataFrame, *, outcome: str, unit: str = "currency") -> list[Headline]:
    """Summary records of a :func:`compare_estimators` table: the isolated effect and the naive difference.

    Parameters
    ----------
    data : DataFrame
        A :func:`compare_estimators` table.
    outcome : str
        The outcome as the labels name it.
    unit : str, default "currency"
        Unit of the estimates.

    Returns
    -------
    list of dict
        Up to two records (``isolated_effect``, ``naive_difference``), each with
        ``name, label, estimate, conf_low, conf_high, n, unit``.
    """
    rows = data.set_index("term")
    picked = (
        (
            "isolated_effect",
            isolated_term(data),
            f"Isolated effect on {outcome} ({isolated_term(data)})",
        ),
        ("naive_difference", "naive difference", "Naive trained-vs-untrained difference"),
    )
    return [
        interval_record(name, label, rows.loc[term], unit)
        for name, term, label in picked
        if term in rows.index
    ]
