"""Reliability of multi-item scales and of raters: Cronbach's alpha and intraclass correlations.

Readiness and alignment instruments score a person from several items, or a
behaviour from several raters; before a score is compared between groups it should
be shown to be reliable. Three functions answer that on a data frame:

- :func:`cronbach_alpha` on wide data (one column per item), with the Feldt
  F-based interval that R's ``psych`` and ``pingouin`` print;
- :func:`alpha_if_deleted`, the same coefficient with each item left out in turn,
  beside the item's correlation with the rest of the scale;
- :func:`icc` on long data (one row per target and rater), the six intraclass
  correlations of Shrout & Fleiss (1979) with their F tests and intervals.

Each returns a :class:`ReliabilityResult`, which answers ``tidy()``, ``summary()``,
``plot()`` and shows itself as HTML like every other result of the workbench.
Problems with the data (too few items, an item that never varies, text where
numbers are expected, a rater who scored a target twice) raise
:class:`~analysis.core.errors.DataError` naming the column and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.errors import DataError
from analysis.core.options import check_conf_level, check_option
from analysis.core.results import TidyResult

__all__ = [
    "MissingItems",
    "ReliabilityResult",
    "alpha_if_deleted",
    "cronbach_alpha",
    "icc",
]

MissingItems = Literal["listwise", "pairwise"]

#: The columns every table of this module starts with (the workbench's tidy shape plus ``k``).
COLUMNS = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "n", "k"]


@dataclass
class ReliabilityResult(TidyResult):
    """A table of reliability coefficients with their intervals.

    Attributes
    ----------
    table : DataFrame
        ``term, estimate, std_error, conf_low, conf_high, p_value, n, k`` and, for
        some methods, further columns (see the function that made it).
    title : str
        The caption: what was estimated, on how many rows.
    conf_level : float
        Confidence level of ``conf_low`` and ``conf_high``.
    mean_squares : dict of str to float
        The analysis-of-variance mean squares behind an ICC (empty for alpha).
    notes : list of str
        What was done to the data on the way (rows left out, negative coefficients).
    """

    table: pd.DataFrame
    title: str
    conf_level: float
    mean_squares: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def tidy(self) -> pd.DataFrame:
        """A copy of the table: one row per coefficient."""
        return self.table.copy()

    def caption(self) -> str:
        return self.title


# ------------------------------------------------------------------ checking the data


def _shown(labels: Sequence[object], limit: int = 5) -> str:
    """Up to ``limit`` labels joined by commas, then how many more there are."""
    labels = list(labels)
    text = ", ".join(map(str, labels[:limit]))
    return text + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def _require(data: pd.DataFrame, columns: Sequence[str], role: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}.")
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise DataError(
            f"{role} column(s) {absent} not found in the data; the columns are "
            f"{_shown(list(data.columns), 12)}. Check the spelling or rename the column.",
            column=str(absent[0]),
        )


def _as_numbers(values: pd.Series, column: str, role: str) -> pd.Series:
    """``values`` as floats, or a :class:`DataError` naming the entries that are not numbers."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    if isinstance(values.dtype, pd.CategoricalDtype):
        if pd.api.types.is_numeric_dtype(values.cat.categories):
            return values.astype(float)
        values = values.astype(object)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() & values.notna()
    if not bad.any():
        return converted.astype(float)
    examples = list(dict.fromkeys(values[bad].astype(str)))
    raise DataError(
        f"{role} column {column!r} holds text, not scores: {_shown([repr(e) for e in examples], 4)} "
        f"(rows {_shown(list(values.index[bad]))}). Turn each answer into its number first, e.g. "
        f"data[{column!r}] = data[{column!r}].map({{'Disagree': 1, 'Neutral': 2, 'Agree': 3}}), "
        "and leave unanswered items empty (NaN).",
        column=column,
    )


def _item_frame(data: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """The item columns as floats, checked: at least two distinct, existing, numeric items."""
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise TypeError(
            f"items must be a list of column names, e.g. items=['q1', 'q2', 'q3'], not {items!r}."
        )
    items = list(items)
    repeated = [c for c in dict.fromkeys(items) if items.count(c) > 1]
    if repeated:
        raise DataError(
            f"item column(s) {repeated} are listed more than once in items; list each item once.",
            column=str(repeated[0]),
        )
    if len(items) < 2:
        raise DataError(
            f"Reliability needs at least 2 items; items={items} has {len(items)}. "
            "Pass every item of the scale, e.g. items=['q1', 'q2', 'q3'].",
            column=str(items[0]) if items else None,
        )
    _require(data, items, "item")
    return pd.DataFrame({c: _as_numbers(data[c], c, "item") for c in items}, index=data.index)


def _check_varies(frame: pd.DataFrame, where: str) -> None:
    """Raise for an item that has the same value for every respondent in ``frame``."""
    for column in frame.columns:
        answered = frame[column].dropna()
        if answered.nunique() < 2:
            value = answered.iloc[0] if len(answered) else "no answer"
            raise DataError(
                f"item column {column!r} has the same value ({value}) for every respondent "
                f"{where}: it cannot tell respondents apart, so it adds nothing to a reliability "
                "coefficient. Drop it from items (or check that the right column was read).",
                column=str(column),
            )


# ------------------------------------------------------------------ Cronbach's alpha


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
    """Cronbach's alpha of a multi-item scale, with Feldt's confidence interval.

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
    total-score variance :math:`s_T^2 = \\sum_{i,j} s_{ij}`, Cronbach (1951) defines

    .. math:: \\hat\\alpha = \\frac{k}{k - 1}
              \\left(1 - \\frac{\\sum_i s_{ii}}{s_T^2}\\right).

    Feldt (1965) showed that :math:`(1 - \\alpha) / (1 - \\hat\\alpha)` follows an
    :math:`F` distribution with :math:`n - 1` and :math:`(n - 1)(k - 1)` degrees of
    freedom for :math:`n` respondents, which gives the interval (Feldt, Woodruff &
    Salih, 1987)

    .. math:: \\left[\\,1 - (1 - \\hat\\alpha)\\,F_{1-\\gamma/2},\\;
              1 - (1 - \\hat\\alpha)\\,F_{\\gamma/2}\\,\\right],
              \\qquad \\gamma = 1 - \\text{conf\\_level},

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
    """Cronbach's alpha with each item left out in turn ("alpha if item deleted").

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

    .. math:: r_{i,\\,T-i} = \\frac{\\sum_{j \\ne i} s_{ij}}
              {\\sqrt{s_{ii} \\sum_{j \\ne i} \\sum_{l \\ne i} s_{jl}}},

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

_FORMS = {
    "ICC1": "one-way random effects, absolute agreement, single rater",
    "ICC2": "two-way random effects, absolute agreement, single rater",
    "ICC3": "two-way mixed effects, consistency, single rater",
    "ICC1k": "one-way random effects, absolute agreement, mean of k raters",
    "ICC2k": "two-way random effects, absolute agreement, mean of k raters",
    "ICC3k": "two-way mixed effects, consistency, mean of k raters",
}


def _ratings_matrix(
    data: pd.DataFrame, targets: str, raters: str, ratings: str
) -> tuple[pd.DataFrame, list[str]]:
    """Targets by raters, complete, with notes on what was left out."""
    for name, value in (("targets", targets), ("raters", raters), ("ratings", ratings)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a column name (a string), not {value!r}.")
    if len({targets, raters, ratings}) < 3:
        raise ValueError(
            f"targets={targets!r}, raters={raters!r} and ratings={ratings!r} must be three "
            "different columns."
        )
    _require(data, [targets, raters, ratings], "ICC")
    notes: list[str] = []
    frame = data[[targets, raters]].copy()
    frame["_rating"] = _as_numbers(data[ratings], ratings, "ratings")
    unnamed = frame[[targets, raters]].isna().any(axis=1)
    if unnamed.any():
        notes.append(
            f"{int(unnamed.sum())} rows with no {targets} or no {raters} were left out "
            f"(rows {_shown(list(frame.index[unnamed]))})."
        )
        frame = frame[~unnamed]
    twice = frame.duplicated([targets, raters], keep=False)
    if twice.any():
        first = frame[twice].iloc[0]
        raise DataError(
            f"{int(twice.sum())} rows give a second rating by the same {raters} to the same "
            f"{targets} (e.g. {raters} {first[raters]!r} on {targets} {first[targets]!r}; rows "
            f"{_shown(list(frame.index[twice]))}). An ICC takes one rating per pair: keep one, or "
            f"average them first with data.groupby([{targets!r}, {raters!r}], as_index=False)"
            f"[{ratings!r}].mean().",
            column=raters,
        )
    wide = frame.pivot(index=targets, columns=raters, values="_rating")
    gaps = wide.isna()
    incomplete = gaps.any(axis=1)
    if incomplete.any():
        notes.append(
            f"{int(incomplete.sum())} of {len(wide)} targets ({targets!r}) were left out because "
            f"not every rater rated them ({_shown(list(wide.index[incomplete]))}); the ICCs use "
            f"the {int((~incomplete).sum())} targets rated by all {wide.shape[1]} raters."
        )
        wide = wide[~incomplete]
    if wide.shape[1] < 2:
        raise DataError(
            f"An ICC needs at least 2 raters; column {raters!r} names {wide.shape[1]}. "
            "Check that it holds the rater of each rating.",
            column=raters,
        )
    if len(wide) < 2:
        raise DataError(
            f"An ICC needs at least 2 targets ({targets!r}) rated by every rater; {len(wide)} "
            f"{'is' if len(wide) == 1 else 'are'} left. Check {ratings!r} for missing ratings, "
            "or keep only the raters who rated the same targets.",
            column=targets,
        )
    values = wide.to_numpy()
    if np.all(values == values.flat[0]):
        raise DataError(
            f"every rating in {ratings!r} is {values.flat[0]:g}: with no differences between "
            "targets or between raters an ICC is undefined. Check that the right column was "
            "read.",
            column=ratings,
        )
    return wide, notes


def _mean_squares(values: np.ndarray) -> dict[str, float]:
    n, k = values.shape
    grand = values.mean()
    total = ((values - grand) ** 2).sum()
    between = k * ((values.mean(axis=1) - grand) ** 2).sum()
    judges = n * ((values.mean(axis=0) - grand) ** 2).sum()
    residual = total - between - judges
    return {
        "between_targets": between / (n - 1),
        "within_targets": (total - between) / (n * (k - 1)),
        "between_raters": judges / (k - 1),
        "residual": residual / ((n - 1) * (k - 1)),
    }


def icc(
    data: pd.DataFrame,
    *,
    targets: str,
    raters: str,
    ratings: str,
    conf_level: float = 0.95,
) -> ReliabilityResult:
    """The six intraclass correlations of Shrout & Fleiss (1979), with F tests and intervals.

    Parameters
    ----------
    data : DataFrame
        Long data: one row per rating, naming the target rated, the rater and the
        rating.
    targets : str
        Column naming what was rated (a person, a call, a role play).
    raters : str
        Column naming who rated it (a judge, a manager, an occasion).
    ratings : str
        Column with the numeric rating.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    ReliabilityResult
        Six rows, ``term`` ``ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k`` in the order R's
        ``psych::ICC`` prints them: ``estimate``, ``std_error`` (NaN), ``conf_low``,
        ``conf_high``, ``p_value`` (of the F test that the ICC is zero), ``n``
        (targets), ``k`` (raters), ``statistic`` (F), ``df1``, ``df2`` and ``model``
        (the design in words). ``mean_squares`` holds the analysis of variance.

    Raises
    ------
    DataError
        A column that is missing or holds text, a rater who rated a target twice,
        fewer than two raters or than two fully rated targets, or ratings that are
        all equal.

    Notes
    -----
    The targets-by-raters table of :math:`n` targets and :math:`k` raters gives the
    mean squares between targets (:math:`MS_B`, :math:`n - 1` df), within targets
    (:math:`MS_W`, :math:`n(k - 1)` df), between raters (:math:`MS_J`,
    :math:`k - 1` df) and residual (:math:`MS_E`, :math:`(n - 1)(k - 1)` df). Then

    .. math::

        ICC1 = \\frac{MS_B - MS_W}{MS_B + (k - 1) MS_W}, \\qquad
        ICC1k = \\frac{MS_B - MS_W}{MS_B},

        ICC2 = \\frac{MS_B - MS_E}{MS_B + (k - 1) MS_E + k (MS_J - MS_E) / n}, \\qquad
        ICC2k = \\frac{MS_B - MS_E}{MS_B + (MS_J - MS_E) / n},

        ICC3 = \\frac{MS_B - MS_E}{MS_B + (k - 1) MS_E}, \\qquad
        ICC3k = \\frac{MS_B - MS_E}{MS_B}.

    ICC1 and ICC1k are tested with :math:`F = MS_B / MS_W` on :math:`(n - 1,
    n(k - 1))` df, the others with :math:`F = MS_B / MS_E` on :math:`(n - 1,
    (n - 1)(k - 1))` df. For ICC1 and ICC3 (and their means of :math:`k`) the
    interval bounds come from :math:`F_L = F / F_{1-\\gamma/2}(df_1, df_2)` and
    :math:`F_U = F \\cdot F_{1-\\gamma/2}(df_2, df_1)` as
    :math:`(F_\\cdot - 1) / (F_\\cdot + k - 1)` for a single rater and
    :math:`1 - 1 / F_\\cdot` for the mean. ICC2 uses the approximate degrees of
    freedom :math:`\\nu` of Satterthwaite given by McGraw & Wong (1996, Table 7),

    .. math::

        \\nu = \\frac{(n - 1)(k - 1)\\,\\{k\\,ICC2\\,F_J + n[1 + (k - 1) ICC2] - k\\,ICC2\\}^2}
        {(n - 1) k^2 ICC2^2 F_J^2 + \\{n[1 + (k - 1) ICC2] - k\\,ICC2\\}^2},

    with :math:`F_J = MS_J / MS_E`, and the Spearman-Brown step-up of its bounds
    for ICC2k. These are the figures of R's ``psych::ICC`` and
    ``pingouin.intraclass_corr`` (which names the forms ICC(1,1), ICC(A,1),
    ICC(C,1), ICC(1,k), ICC(A,k), ICC(C,k) after McGraw & Wong). Targets not rated
    by every rater are left out (listwise), with a note.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing
    rater reliability. *Psychological Bulletin*, 86(2), 420-428.

    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
    correlation coefficients. *Psychological Methods*, 1(1), 30-46 (correction:
    1(4), 390).

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame(
    ...     {"call": [1, 1, 2, 2, 3, 3], "coach": ["a", "b"] * 3, "score": [3, 4, 5, 5, 1, 2]}
    ... )
    >>> table = icc(long, targets="call", raters="coach", ratings="score").tidy()
    >>> round(float(table.set_index("term").at["ICC3", "estimate"]), 3)
    0.947
    """
    level = check_conf_level(conf_level)
    wide, notes = _ratings_matrix(data, targets, raters, ratings)
    n, k = wide.shape
    ms = _mean_squares(wide.to_numpy())
    msb, msw, msj, mse = (
        ms["between_targets"],
        ms["within_targets"],
        ms["between_raters"],
        ms["residual"],
    )
    tail = (1 - level) / 2
    df_one = (n - 1, n * (k - 1))
    df_two = (n - 1, (n - 1) * (k - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        icc1 = (msb - msw) / (msb + (k - 1) * msw)
        icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
        icc3 = (msb - mse) / (msb + (k - 1) * mse)
        f_one, f_two = msb / msw, msb / mse

        def bounds(f_value: float, df: tuple[int, int]) -> tuple[float, float]:
            low = f_value / stats.f.isf(tail, df[0], df[1])
            high = f_value * stats.f.isf(tail, df[1], df[0])
            return low, high

        low1, high1 = bounds(f_one, df_one)
        low3, high3 = bounds(f_two, df_two)
        f_j = msj / mse
        centre = n * (1 + (k - 1) * icc2) - k * icc2
        numerator = (n - 1) * (k - 1) * (k * icc2 * f_j + centre) ** 2
        nu = numerator / ((n - 1) * k**2 * icc2**2 * f_j**2 + centre**2)
        f_up = stats.f.isf(tail, n - 1, nu)
        f_down = stats.f.isf(tail, nu, n - 1)
        spread = k * msj + (k * n - k - n) * mse
        low2 = n * (msb - f_up * mse) / (f_up * spread + n * msb)
        high2 = n * (f_down * msb - mse) / (spread + n * f_down * msb)

        def single(f_bound: float) -> float:
            return (f_bound - 1) / (f_bound + k - 1)

        def step_up(r: float) -> float:
            return k * r / (1 + (k - 1) * r)

        forms = {
            "ICC1": (icc1, f_one, df_one, single(low1), single(high1)),
            "ICC2": (icc2, f_two, df_two, low2, high2),
            "ICC3": (icc3, f_two, df_two, single(low3), single(high3)),
            "ICC1k": ((msb - msw) / msb, f_one, df_one, 1 - 1 / low1, 1 - 1 / high1),
            "ICC2k": (
                (msb - mse) / (msb + (msj - mse) / n),
                f_two,
                df_two,
                step_up(low2),
                step_up(high2),
            ),
            "ICC3k": ((msb - mse) / msb, f_two, df_two, 1 - 1 / low3, 1 - 1 / high3),
        }
    rows = [
        {
            "term": term,
            "estimate": float(estimate),
            "std_error": np.nan,
            "conf_low": float(low),
            "conf_high": float(high),
            "p_value": float(stats.f.sf(f_value, df[0], df[1])),
            "n": n,
            "k": k,
            "statistic": float(f_value),
            "df1": df[0],
            "df2": df[1],
            "model": _FORMS[term],
        }
        for term, (estimate, f_value, df, low, high) in forms.items()
    ]
    table = pd.DataFrame(rows, columns=[*COLUMNS, "statistic", "df1", "df2", "model"])
    title = (
        f"Intraclass correlations of {ratings} ({level:.0%} intervals): "
        f"{n:,} targets ({targets}) rated by {k} raters ({raters})"
    )
    return ReliabilityResult(
        table, title, level, mean_squares={key: float(v) for key, v in ms.items()}, notes=notes
    )
