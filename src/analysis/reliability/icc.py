"""The six intraclass correlations of Shrout and Fleiss (1979), with F tests and intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analysis.core.errors import DataError
from analysis.core.options import check_conf_level
from analysis.reliability.common import (
    COLUMNS,
    ReliabilityResult,
    _as_numbers,
    _require,
    _shown,
)

__all__ = ["icc"]

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
    _check_role_names(targets, raters, ratings)
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
    _check_one_rating_per_pair(frame, targets, raters, ratings)
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
    _check_table(wide, targets, raters, ratings)
    return wide, notes


def _check_role_names(targets: str, raters: str, ratings: str) -> None:
    """Refuse column roles that are not three different column names.

    Parameters
    ----------
    targets, raters, ratings : str
        The columns as :func:`icc` takes them.

    Raises
    ------
    TypeError
        A role that is not a string.
    ValueError
        Two roles naming the same column.
    """
    for name, value in (("targets", targets), ("raters", raters), ("ratings", ratings)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a column name (a string), not {value!r}.")
    if len({targets, raters, ratings}) < 3:
        raise ValueError(
            f"targets={targets!r}, raters={raters!r} and ratings={ratings!r} must be three "
            "different columns."
        )


def _check_one_rating_per_pair(
    frame: pd.DataFrame, targets: str, raters: str, ratings: str
) -> None:
    """Refuse a rater who rated the same target twice.

    Parameters
    ----------
    frame : DataFrame
        The ratings with a named target and rater.
    targets, raters, ratings : str
        The columns as :func:`icc` takes them.

    Raises
    ------
    DataError
        Naming the first such pair, the rows and how to average them.
    """
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


def _check_table(wide: pd.DataFrame, targets: str, raters: str, ratings: str) -> None:
    """Refuse a complete targets-by-raters table an ICC cannot be computed from.

    Parameters
    ----------
    wide : DataFrame
        Targets by raters, every cell rated.
    targets, raters, ratings : str
        The columns as :func:`icc` takes them.

    Raises
    ------
    DataError
        Fewer than two raters, fewer than two targets, or every rating equal.
    """
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
    r"""Return the six intraclass correlations of Shrout & Fleiss (1979), with F tests and intervals.

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

        ICC1 = \frac{MS_B - MS_W}{MS_B + (k - 1) MS_W}, \qquad
        ICC1k = \frac{MS_B - MS_W}{MS_B},

        ICC2 = \frac{MS_B - MS_E}{MS_B + (k - 1) MS_E + k (MS_J - MS_E) / n}, \qquad
        ICC2k = \frac{MS_B - MS_E}{MS_B + (MS_J - MS_E) / n},

        ICC3 = \frac{MS_B - MS_E}{MS_B + (k - 1) MS_E}, \qquad
        ICC3k = \frac{MS_B - MS_E}{MS_B}.

    ICC1 and ICC1k are tested with :math:`F = MS_B / MS_W` on :math:`(n - 1,
    n(k - 1))` df, the others with :math:`F = MS_B / MS_E` on :math:`(n - 1,
    (n - 1)(k - 1))` df. For ICC1 and ICC3 (and their means of :math:`k`) the
    interval bounds come from :math:`F_L = F / F_{1-\gamma/2}(df_1, df_2)` and
    :math:`F_U = F \cdot F_{1-\gamma/2}(df_2, df_1)` as
    :math:`(F_\cdot - 1) / (F_\cdot + k - 1)` for a single rater and
    :math:`1 - 1 / F_\cdot` for the mean. ICC2 uses the approximate degrees of
    freedom :math:`\nu` of Satterthwaite given by McGraw & Wong (1996, Table 7),

    .. math::

        \nu = \frac{(n - 1)(k - 1)\,\{k\,ICC2\,F_J + n[1 + (k - 1) ICC2] - k\,ICC2\}^2}
        {(n - 1) k^2 ICC2^2 F_J^2 + \{n[1 + (k - 1) ICC2] - k\,ICC2\}^2},

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
    with np.errstate(divide="ignore", invalid="ignore"):
        forms = _icc_forms(ms, n, k, tail=(1 - level) / 2)
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


_Form = tuple[float, float, tuple[int, int], float, float]


def _icc_forms(ms: dict[str, float], n: int, k: int, *, tail: float) -> dict[str, _Form]:
    r"""Return each ICC form with its F statistic, degrees of freedom and interval.

    Parameters
    ----------
    ms : dict
        The mean squares (:func:`_mean_squares`).
    n, k : int
        Targets and raters.
    tail : float
        The probability in each tail of the interval.

    Returns
    -------
    dict
        ``ICC1`` ... ``ICC3k`` -> (estimate, F, (df1, df2), low, high).

    Notes
    -----
    The formulas of :func:`icc`'s Notes (Shrout & Fleiss 1979; McGraw & Wong 1996).

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing
    rater reliability. *Psychological Bulletin*, 86(2), 420-428.
    """
    msb, msw, msj, mse = (
        ms["between_targets"],
        ms["within_targets"],
        ms["between_raters"],
        ms["residual"],
    )
    df_one = (n - 1, n * (k - 1))
    df_two = (n - 1, (n - 1) * (k - 1))
    icc1 = (msb - msw) / (msb + (k - 1) * msw)
    icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)
    icc3 = (msb - mse) / (msb + (k - 1) * mse)
    f_one, f_two = msb / msw, msb / mse
    low1, high1 = _f_bounds(f_one, df_one, tail)
    low3, high3 = _f_bounds(f_two, df_two, tail)
    low2, high2 = _icc2_bounds(ms, n, k, icc2, tail)

    def single(f_bound: float) -> float:
        return (f_bound - 1) / (f_bound + k - 1)

    def step_up(r: float) -> float:
        return k * r / (1 + (k - 1) * r)

    return {
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


def _f_bounds(f_value: float, df: tuple[int, int], tail: float) -> tuple[float, float]:
    r"""Return the bounds :math:`F_L` and :math:`F_U` of the F statistic for an ICC's interval.

    Parameters
    ----------
    f_value : float
        The observed F.
    df : tuple of int
        Its degrees of freedom.
    tail : float
        The probability in each tail.

    Returns
    -------
    (float, float)
        :math:`F_L` and :math:`F_U`.

    Notes
    -----
    :math:`F_L = F / F_{1-\gamma/2}(df_1, df_2)` and :math:`F_U = F \cdot F_{1-\gamma/2}(df_2, df_1)`.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). *Psychological Bulletin*, 86(2), 420-428.
    """
    low = f_value / stats.f.isf(tail, df[0], df[1])
    high = f_value * stats.f.isf(tail, df[1], df[0])
    return low, high


def _icc2_bounds(
    ms: dict[str, float], n: int, k: int, icc2: float, tail: float
) -> tuple[float, float]:
    r"""Return the interval of ICC2 on Satterthwaite's approximate degrees of freedom.

    Parameters
    ----------
    ms : dict
        The mean squares (:func:`_mean_squares`).
    n, k : int
        Targets and raters.
    icc2 : float
        The estimate of ICC2.
    tail : float
        The probability in each tail.

    Returns
    -------
    (float, float)
        The lower and upper bound.

    Notes
    -----
    :math:`\nu` as in :func:`icc`'s Notes, with :math:`F_J = MS_J / MS_E`.

    References
    ----------
    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
    correlation coefficients. *Psychological Methods*, 1(1), 30-46, Table 7.
    """
    msb, msj, mse = ms["between_targets"], ms["between_raters"], ms["residual"]
    f_j = msj / mse
    centre = n * (1 + (k - 1) * icc2) - k * icc2
    numerator = (n - 1) * (k - 1) * (k * icc2 * f_j + centre) ** 2
    nu = numerator / ((n - 1) * k**2 * icc2**2 * f_j**2 + centre**2)
    f_up = stats.f.isf(tail, n - 1, nu)
    f_down = stats.f.isf(tail, nu, n - 1)
    spread = k * msj + (k * n - k - n) * mse
    low2 = n * (msb - f_up * mse) / (f_up * spread + n * msb)
    high2 = n * (f_down * msb - mse) / (spread + n * f_down * msb)
    return low2, high2
