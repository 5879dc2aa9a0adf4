"""Cronbach's alpha with the Feldt interval, and alpha with each item left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.errors import DataError
from analysis.core.options import check_conf_level, check_option
from analysis.reliability.common import (
    COLUMNS,
    MissingItems,
    ReliabilityResult,
    _check_varies,
    _item_frame,
    _shown,
)

__all__ = ["alpha_if_deleted", "cronbach_alpha"]


@dataclass(frozen=True)
class _Items:
    """The item covariance matrix and the rows behind it."""

    names: list[str]
    cov: np.ndarray
    n: int
    missing: str
    notes: list[str]


def _item_covariance(data: pd.DataFrame, items: Sequence[str], missing: str) -> _Items:
    frame = _item_frame(data, items)
    names = list(frame.columns)
    notes: list[str] = []
    absent = frame.isna()
    if missing == "listwise":
        incomplete = absent.any(axis=1)
        if incomplete.any():
            counts = absent.sum()
            detail = ", ".join(f"{int(counts[c])} in {c}" for c in names if counts[c])
            notes.append(
                f"{int(incomplete.sum())} of {len(frame)} rows were left out because an item "
                f"was not answered ({detail}); the coefficients use the {int((~incomplete).sum())} "
                "complete rows. Pass missing='pairwise' to use every answered pair of items."
            )
        frame = frame[~incomplete]
        where = f"among the {len(frame)} complete rows"
    else:
        empty = absent.all(axis=1)
        if empty.any():
            notes.append(
                f"{int(empty.sum())} of {len(frame)} rows answered none of the items and were "
                "left out."
            )
        frame = frame[~empty]
        if absent[~empty].any(axis=None):
            notes.append(
                "Item variances and covariances use every respondent who answered the item or "
                f"the pair (pairwise deletion); the interval takes n = {len(frame)}, the rows "
                "with at least one answer."
            )
        where = "who answered it"
    if len(frame) < 2:
        raise DataError(
            f"Reliability needs at least 2 respondents with answers; {len(frame)} "
            f"{'row is' if len(frame) == 1 else 'rows are'} usable "
            f"out of {len(absent)}. Check the item columns {_shown(names)} for missing values "
            "or use missing='pairwise'.",
            column=names[0],
        )
    _check_varies(frame, where)
    cov = frame.cov(min_periods=2).to_numpy()
    if np.isnan(cov).any():
        i, j = np.argwhere(np.isnan(cov))[0]
        raise DataError(
            f"item columns {names[i]!r} and {names[j]!r} are answered together by fewer than 2 "
            "respondents, so their covariance is unknown. Use missing='listwise' or drop one of "
            "the two items.",
            column=names[i],
        )
    return _Items(names, cov, len(frame), missing, notes)


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    if not total > 0:
        raise DataError(
            "the total score over the items does not vary (its variance is "
            f"{total:.3g}): items that cancel each other out are probably keyed in opposite "
            "directions. Reverse-score those items (max + min - answer) before computing alpha."
        )
    return float(k / (k - 1) * (1 - np.trace(cov) / total))


def _feldt_interval(estimate: float, n: int, k: int, conf_level: float) -> tuple[float, float]:
    """Feldt's interval for alpha from ``n`` respondents and ``k`` items."""
    tail = (1 - conf_level) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - estimate) * stats.f.isf(tail, df1, df2)
    high = 1 - (1 - estimate) * stats.f.ppf(tail, df1, df2)
    return float(low), float(high)


def _alpha_row(term: str, cov: np.ndarray, n: int, conf_level: float) -> dict[str, Any]:
    estimate = _alpha_from_cov(cov)
    k = cov.shape[0]
    low, high = _feldt_interval(estimate, n, k, conf_level)
    return {
        "term": term,
        "estimate": estimate,
        "std_error": np.nan,
        "conf_low": low,
        "conf_high": high,
        "p_value": np.nan,
        "n": n,
        "k": k,
    }


def _negative_note(estimate: float, what: str) -> list[str]:
    if estimate >= 0:
        return []
    note = (
        f"{what} is negative ({estimate:.3f}): the items disagree more than chance would make "
        "them, which usually means some items are worded in the opposite direction. "
        "Reverse-score them (max + min - answer) and compute alpha again."
    )
    return [note]


def cronbach_alpha(
    data: pd.DataFrame,
    *,
    items: Sequence[str],
    conf_level: float = 0.95,
    missing: MissingItems = "listwise",
) -> ReliabilityResult:
    r"""Cronbach's alpha of a multi-item scale, with Feldt's confidence interval.

    Parameters
    ----------
    data : DataFrame
        Wide data: one row per respondent, one column per item. Unanswered items
        are missing values (NaN).
    items : list of str
        The item columns making up the scale (at least two). Items worded in the
        opposite direction must already be reverse-scored.
    conf_level : float, default 0.95
        Confidence level of the interval.
    missing : {"listwise", "pairwise"}, default "listwise"
        ``"listwise"`` keeps only the respondents who answered every item (R's
        ``psych::alpha(use="complete.obs")``); a note says how many rows were left
        out. ``"pairwise"`` estimates each variance and covariance from the
        respondents who answered that item or pair (``pingouin``'s default).

    Returns
    -------
    ReliabilityResult
        One row, term ``"alpha"``: ``estimate`` (alpha), ``std_error`` and
        ``p_value`` (NaN: neither is reported for alpha), ``conf_low``, ``conf_high``,
        ``n`` (respondents) and ``k`` (items).

    Raises
    ------
    DataError
        Fewer than two items, an item column that is missing, holds text or has one
        value for every respondent, fewer than two respondents, or a total score that
        does not vary.

    See Also
    --------
    alpha_if_deleted : alpha with each item left out in turn.

    Notes
    -----
    With :math:`k` items whose covariance matrix has entries :math:`s_{ij}` and
    total-score variance :math:`s_T^2 = \sum_{i,j} s_{ij}`, Cronbach (1951) defines

    .. math:: \hat\alpha = \frac{k}{k - 1}
              \left(1 - \frac{\sum_i s_{ii}}{s_T^2}\right).

    Feldt (1965) showed that :math:`(1 - \alpha) / (1 - \hat\alpha)` follows an
    :math:`F` distribution with :math:`n - 1` and :math:`(n - 1)(k - 1)` degrees of
    freedom for :math:`n` respondents, which gives the interval (Feldt, Woodruff &
    Salih, 1987)

    .. math:: \left[\,1 - (1 - \hat\alpha)\,F_{1-\gamma/2},\;
              1 - (1 - \hat\alpha)\,F_{\gamma/2}\,\right],
              \qquad \gamma = 1 - \text{conf\_level},

    where :math:`F_q` is the :math:`q` quantile of :math:`F(n - 1, (n - 1)(k - 1))`.
    The interval is the one printed by R's ``psych::alpha`` and by
    ``pingouin.cronbach_alpha``. Under listwise deletion :math:`n` here is the
    number of complete rows; ``pingouin`` and ``psych`` keep the count before
    deletion, so their interval is a little narrower when rows are dropped. Under
    pairwise deletion :math:`n` is the number of rows with at least one answer.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334.

    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson
    reliability coefficient twenty. *Psychometrika*, 30(3), 357-370.

    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. *Applied Psychological Measurement*, 11(1), 93-103.

    Examples
    --------
    >>> import pandas as pd
    >>> scale = pd.DataFrame({"q1": [4, 5, 3, 4, 2], "q2": [4, 4, 3, 5, 2], "q3": [5, 5, 2, 4, 3]})
    >>> result = cronbach_alpha(scale, items=["q1", "q2", "q3"])
    >>> round(float(result.tidy().at[0, "estimate"]), 3)
    0.886
    """
    level = check_conf_level(conf_level)
    check_option("missing", missing, MissingItems)
    scale = _item_covariance(data, items, missing)
    row = _alpha_row("alpha", scale.cov, scale.n, level)
    notes = scale.notes + _negative_note(row["estimate"], "Alpha")
    title = (
        f"Cronbach's alpha of {len(scale.names)} items ({level:.0%} Feldt interval, "
        f"{scale.missing} deletion), n = {scale.n:,}"
    )
    return ReliabilityResult(pd.DataFrame([row], columns=COLUMNS), title, level, notes=notes)


def alpha_if_deleted(
    data: pd.DataFrame,
    *,
    items: Sequence[str],
    conf_level: float = 0.95,
    missing: MissingItems = "listwise",
) -> ReliabilityResult:
    r"""Cronbach's alpha with each item left out in turn ("alpha if item deleted").

    An item whose removal raises alpha above the full scale's value measures
    something the other items do not; one with a low or negative item-rest
    correlation may be miskeyed.

    Parameters
    ----------
    data : DataFrame
        Wide data: one row per respondent, one column per item.
    items : list of str
        The item columns of the scale (at least three, so that two remain).
    conf_level : float, default 0.95
        Confidence level of Feldt's interval for each reduced scale.
    missing : {"listwise", "pairwise"}, default "listwise"
        As in :func:`cronbach_alpha`. Every reduced scale uses the same rows as the
        full scale (the complete rows under listwise deletion), so the values can be
        compared with the full scale's alpha, as R's ``psych::alpha`` does.

    Returns
    -------
    ReliabilityResult
        One row per item, ``term`` = the item left out: ``estimate`` (alpha of the
        other :math:`k - 1` items), ``conf_low``, ``conf_high``, ``n``, ``k`` (items
        kept), and ``item_rest_correlation``, the item's correlation with the sum of
        the other items (``r.drop`` in ``psych``). The caption gives the full
        scale's alpha for comparison.

    Raises
    ------
    DataError
        Fewer than three items, or any problem :func:`cronbach_alpha` reports.

    See Also
    --------
    cronbach_alpha

    Notes
    -----
    Leaving item :math:`i` out gives alpha from the covariance matrix without row
    and column :math:`i`. The item-rest correlation is computed from the same
    matrix :math:`S`:

    .. math:: r_{i,\,T-i} = \frac{\sum_{j \ne i} s_{ij}}
              {\sqrt{s_{ii} \sum_{j \ne i} \sum_{l \ne i} s_{jl}}},

    which under listwise deletion equals Pearson's correlation between the item and
    the sum of the other items.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334.

    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. *Applied Psychological Measurement*, 11(1), 93-103.
    """
    level = check_conf_level(conf_level)
    check_option("missing", missing, MissingItems)
    listed = list(items) if isinstance(items, Sequence) and not isinstance(items, str) else items
    if isinstance(listed, list) and len(listed) == 2:
        raise DataError(
            f"alpha if item deleted needs at least 3 items; items={listed} would leave a single "
            "item, which has no alpha. Use cronbach_alpha for a two-item scale.",
            column=str(listed[0]),
        )
    scale = _item_covariance(data, items, missing)
    full = _alpha_from_cov(scale.cov)
    rows = []
    for i, name in enumerate(scale.names):
        keep = [j for j in range(len(scale.names)) if j != i]
        rest = scale.cov[np.ix_(keep, keep)]
        row = _alpha_row(name, rest, scale.n, level)
        rest_variance = rest.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            row["item_rest_correlation"] = float(
                scale.cov[i, keep].sum() / np.sqrt(scale.cov[i, i] * rest_variance)
            )
        rows.append(row)
    table = pd.DataFrame(rows, columns=[*COLUMNS, "item_rest_correlation"])
    notes = list(scale.notes)
    miskeyed = table.loc[table["item_rest_correlation"] < 0, "term"].tolist()
    if miskeyed:
        notes.append(
            f"item(s) {miskeyed} correlate negatively with the rest of the scale: check whether "
            "they are worded in the opposite direction and need reverse-scoring."
        )
    title = (
        f"Cronbach's alpha if each item is deleted (full scale: {full:.3f} from "
        f"{len(scale.names)} items; {level:.0%} Feldt intervals), n = {scale.n:,}"
    )
    return ReliabilityResult(table, title, level, notes=notes)


# ------------------------------------------------------------------ intraclass correlations
