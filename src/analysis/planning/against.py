"""Results held to the plan: planned outcomes first, Holm for the secondary ones, the rest exploratory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.formats import counted_from, with_currency, with_currency_range
from analysis.core.results import Headline, slug

__all__ = ["COLUMNS", "describe_against_plan", "holm", "plan_records", "planned_effects"]

#: Columns of :func:`planned_effects`.
COLUMNS = [
    "term",
    "role",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "p_value",
    "p_value_adjusted",
    "planned",
    "n",
]


def holm(data: pd.DataFrame, *, p_value: str = "p_value") -> pd.Series:
    r"""Holm-adjusted p-values of the rows of ``data`` (statsmodels' ``multipletests``).

    Parameters
    ----------
    data : DataFrame
        Rows to adjust together.
    p_value : str, default "p_value"
        Column of the unadjusted p-values (missing ones are left missing).

    Returns
    -------
    Series
        ``p_value_adjusted``, on ``data``'s index.

    Notes
    -----
    With the :math:`m` p-values sorted, :math:`p_{(1)} \le \dots \le p_{(m)}`, the
    adjusted value is :math:`\max_{j \le i} \min(1, (m - j + 1)\, p_{(j)})` (Holm 1979).

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics 6, 65-70.
    """
    from statsmodels.stats.multitest import multipletests

    p = data[p_value].to_numpy(dtype=float)
    out = np.full(len(p), np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return pd.Series(out, index=data.index, name="p_value_adjusted")


def planned_effects(
    data: pd.DataFrame,
    plan: Any,
    *,
    unit: str,
    time: str,
    start: str,
    outcomes: Sequence[str] = (),
    only: Sequence[str] | None = None,
    cluster: str | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Effects on the plan's outcomes and behaviours, counted from the plan's window.

    Each measure is estimated as the plan says, with the imputation estimator of the
    staggered rollout (:func:`analysis.effects.staggered_att`: rep and period effects
    from untreated rep-periods only, so effects that build up over time do not bias it
    as they bias two-way fixed effects): the mean effect over the rep-periods from
    ``plan.effect_from`` periods after each rep's ``start`` on, the ramp-up periods in
    between left out, errors clustered by rep (or ``cluster``). The design's power
    (:mod:`analysis.planning.design`) is computed for the two-way fixed-effects contrast;
    with effects alike across reps and periods the imputation estimator is the efficient
    one (Borusyak, Jaravel and Spiess 2024, Theorem 2), so it is at least as precise. The
    primary outcome keeps its p-value; the secondary outcomes' p-values are adjusted together by Holm's method; further
    ``outcomes`` (not in the plan) are ``exploratory`` and unadjusted.

    Parameters
    ----------
    data : DataFrame
        The rep-period panel.
    plan : Plan
        The measurement plan (:class:`analysis.clients.plan.Plan`): outcomes, behaviours,
        expected effects and ``effect_from``.
    unit, time, start : str
        Columns of the rep, the period and the rep's first training period.
    outcomes : sequence of str, default ()
        Further outcomes to estimate, reported as exploratory.
    only : sequence of str, optional
        Keep only these measures.
    cluster : str, optional
        Column to cluster the errors by (the rep otherwise).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        ``term, role, estimate, std_error, conf_low, conf_high, p_value,
        p_value_adjusted, planned, n``: ``role`` is primary, secondary, exploratory or
        behaviour; ``planned`` the plan's expected effect or change (missing when the
        plan names none). Measures missing from ``data`` are left out, and so are
        those not in ``only`` when it is given (the measures the study checked).

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs:
    robust and efficient estimation. Review of Economic Studies 91, 3253-3285.

    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics 6, 65-70.
    """
    from analysis.contracts.periods import period_index
    from analysis.effects import staggered_att
    from analysis.effects.staggered import first_treated_index

    event = period_index(data[time]) - first_treated_index(data, unit=unit, time=time, start=start)
    ramp = (event >= 0) & (event < plan.effect_from)
    frame = data.loc[~ramp.fillna(False)]
    measures: list[tuple[str, str, float | None]] = [
        (plan.outcomes.primary, "primary", plan.expected_effect),
        *((name, "secondary", None) for name in plan.outcomes.secondary),
        *((name, "exploratory", None) for name in outcomes if plan.role(name) == "exploratory"),
        *((b.measure, "behaviour", b.expected_change) for b in plan.behaviours),
    ]
    rows = []
    for name, role, planned in dict.fromkeys(measures):
        if name not in frame.columns or (only is not None and name not in only):
            continue
        fit = staggered_att(
            frame,
            outcome=name,
            unit=unit,
            time=time,
            start=start,
            cluster=cluster,
            conf_level=conf_level,
        )
        row = fit.iloc[0].to_dict()
        rows.append({**row, "term": name, "role": role, "planned": planned})
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "p_value_adjusted"])
    table["p_value_adjusted"] = table["p_value"]
    secondary = table["role"] == "secondary"
    if secondary.any():
        table.loc[secondary, "p_value_adjusted"] = holm(table.loc[secondary])
    return table[COLUMNS]


def describe_against_plan(
    table: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    effect_from: int = 0,
    conf_level: float = 0.95,
    currencies: dict[str, str] | None = None,
    symbol: bool = False,
) -> list[str]:
    """Sentences on the primary outcome and the behaviours against what the plan expected.

    Each claim follows its interval (:mod:`analysis.core.conclusions`): a change is named only
    when the interval excludes zero, and "reached the planned change" only when the
    interval lies above it. ``currencies`` maps a measure in money to its currency, which
    every figure of its sentence then carries (``USD 4,642``; ``$4,642`` with ``symbol``).

    Parameters
    ----------
    table : DataFrame
        The table of results against the plan (:func:`planned_effects`).
    labels : dict, optional
        Measure -> how the sentences name it.
    effect_from : int, default 0
        The period after training from which the plan counts the effect.
    conf_level : float, default 0.95
        The level of the intervals the sentences quote.
    currencies : dict, optional
        Measure in money -> its ISO currency code.
    symbol : bool, default False
        Write currency symbols instead of codes.

    Returns
    -------
    list of str
        One sentence per planned measure, primary outcome first.
    """
    labels = labels or {}
    window = f", counted {counted_from(effect_from)}," if effect_from else ""
    sentences = []
    for _, row in table[table["role"].isin(["primary", "behaviour"])].iterrows():
        name = labels.get(row["term"], str(row["term"]).replace("_", " "))
        currency = (currencies or {}).get(str(row["term"]))
        sentences.append(
            _measure_sentence(
                row, name, window=window, conf_level=conf_level, currency=currency, symbol=symbol
            )
        )
    if (table["role"] == "secondary").any():
        sentences.append(
            "Secondary outcomes' p-values are adjusted for testing several (Holm); outcomes "
            "not in the plan are exploratory and are not evidence for the plan."
        )
    return sentences


def _measure_sentence(
    row: pd.Series,
    name: str,
    *,
    window: str,
    conf_level: float,
    currency: str | None,
    symbol: bool,
) -> str:
    """Say what training changed in one planned measure and how that compares with the plan.

    Parameters
    ----------
    row : Series
        A primary or behaviour row of :func:`planned_effects`.
    name : str
        How the sentence names the measure.
    window : str
        When the effect is counted from (", counted from ...,"), or empty.
    conf_level : float
        The level of the interval quoted.
    currency : str, optional
        The measure's currency, when it is money.
    symbol : bool
        Write the currency symbol instead of its code.

    Returns
    -------
    str
        The sentence, decided by the interval (:func:`analysis.core.conclusions.direction`).
    """
    from analysis.core.conclusions import bound, direction, magnitude, width_decimals

    low, high = float(row["conf_low"]), float(row["conf_high"])
    planned = row["planned"]
    has_plan = planned is not None and not pd.isna(planned)
    decimals = width_decimals(low, high)
    # each bound stays on its side of zero and of the planned change it is held to
    references = (0.0, float(planned)) if has_plan else (0.0,)
    shown = [bound(end, null=references, decimals=decimals) for end in (low, high)]
    interval = f"{conf_level:.0%} interval {with_currency_range(shown[0], shown[1], currency, symbol=symbol)}"
    what = (
        f"the primary outcome ({name})"
        if row["role"] == "primary"
        else f"the behaviour measure {name}"
    )
    moved = direction(low, high)
    if moved == "unclear":
        text = (
            f"The data cannot tell whether training changed {what}{window.rstrip(',')} "
            f"({interval})."
        )
    else:
        verb = "raised" if moved == "above" else "lowered"
        size = with_currency(magnitude(row["estimate"], decimals=decimals), currency, symbol=symbol)
        text = f"Training {verb} {what}{window} by an estimated {size} ({interval})."
    if has_plan:
        text += _versus_plan(float(planned), low, high, decimals, currency=currency, symbol=symbol)
    return text


def _versus_plan(
    planned: float,
    low: float,
    high: float,
    decimals: int,
    *,
    currency: str | None,
    symbol: bool,
) -> str:
    """Say whether the interval lies above, below or around the planned change.

    Parameters
    ----------
    planned : float
        The planned change (negative for a planned fall).
    low, high : float
        The interval of the estimated change.
    decimals : int
        Decimals of the printed bounds.
    currency : str, optional
        The measure's currency, when it is money.
    symbol : bool
        Write the currency symbol instead of its code.

    Returns
    -------
    str
        The sentence that follows the measure's sentence, with a leading space.
    """
    from analysis.core.conclusions import bound, direction

    versus = direction(low, high, null=planned)

    def number(value: float, sign: float = 1.0) -> str:
        # the plan's figure on its side of the printed bounds (sign -1: a fall's size)
        printed = bound(value, null=(0.0, *(sign * e for e in (low, high))), decimals=decimals)
        return with_currency(printed, currency, symbol=symbol)

    if planned >= 0:
        return {
            "above": f" That is more than the planned {number(planned)}.",
            "below": f" That falls short of the planned {number(planned)}.",
            "unclear": f" The data cannot tell whether it reached the planned {number(planned)}.",
        }[versus]
    # a planned fall: below the plan is more than planned
    return {
        "below": f" That is more than the planned fall of {number(-planned, -1.0)}.",
        "above": f" That falls short of the planned fall of {number(-planned, -1.0)}.",
        "unclear": (
            " The data cannot tell whether it reached the planned fall of "
            f"{number(-planned, -1.0)}."
        ),
    }[versus]


def plan_records(table: pd.DataFrame, *, unit: str = "number") -> list[Headline]:
    """Headline records of the planned outcomes, the primary first (for ``publish_summary``).

    Parameters
    ----------
    table : DataFrame
        The output of :func:`planned_effects`.
    unit : str, default "number"
        Unit of the primary outcome (the secondary ones are plain numbers).

    Returns
    -------
    list of Headline
        One record per primary and secondary outcome: ``name, label, estimate, conf_low,
        conf_high, n, unit``.
    """
    records = []
    for _, row in table[table["role"].isin(["primary", "secondary"])].iterrows():
        records.append(
            Headline(
                name=slug(f"plan_{row['role']}_{row['term']}"),
                label=f"Effect on {str(row['term']).replace('_', ' ')} ({row['role']} outcome of the plan)",
                estimate=row["estimate"],
                conf_low=row["conf_low"],
                conf_high=row["conf_high"],
                n=row["n"],
                unit=unit if row["role"] == "primary" else "number",
            )
        )
    return records
