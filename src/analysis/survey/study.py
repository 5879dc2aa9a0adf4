"""Study 1 specifics: effectiveness groups, the practices compared and the sentences about them."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from analysis.contracts.survey import PRACTICES
from analysis.core.conclusions import bound, direction, interval_text, share_text
from analysis.core.errors import DataError
from analysis.core.options import check_min_cell_size, renamed
from analysis.core.results import Headline, interval_record
from analysis.survey.design import SurveyDesign, as_design
from analysis.survey.proportions import _require_columns

__all__ = [
    "COMPARED_PRACTICES",
    "DERIVED_DISPLAY_NAMES",
    "EFFECTIVENESS_GROUPS",
    "describe_contrast",
    "distinguishing_practices",
    "effectiveness_group",
    "prepare_responses",
    "study_headline",
]

EFFECTIVENESS_GROUPS = {
    "not effective": "ineffective",
    "somewhat effective": "ineffective",
    "effective": "effective",
    "very effective": "very effective",
}


def effectiveness_group(data: pd.DataFrame, column: str = "effectiveness") -> pd.Series:
    """Collapse the four effectiveness levels into ineffective / effective / very effective.

    "Ineffective" joins "not effective" and "somewhat effective", as in the 2012
    study's contrast of very effective with ineffective organisations.

    Parameters
    ----------
    data : DataFrame
        The survey responses.
    column : str, default "effectiveness"
        Column of the four-level effectiveness rating.

    Returns
    -------
    Series
        ``ineffective``, ``effective`` or ``very effective`` per respondent (missing where
        the rating is).
    """
    _require_columns(data, column)
    grouped = data[column].astype("string").map(EFFECTIVENESS_GROUPS)
    return pd.Series(
        pd.Categorical(
            grouped, categories=["ineffective", "effective", "very effective"], ordered=True
        ),
        index=data.index,
        name="effectiveness_group",
    )


@renamed(comparison="data")
def distinguishing_practices(
    data: pd.DataFrame, display_names: dict[str, str] | None = None, *, top: int = 3
) -> str:
    """One sentence naming what very effective organisations do more often, from the estimates.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`compare_groups` (risk ratios, very effective vs ineffective).
    display_names : dict, optional
        Readable names of the terms.
    top : int
        How many practices to name at most.

    Returns
    -------
    str
        Practices whose risk-ratio interval lies above 1, largest first, and those
        whose interval lies below 1; or a sentence saying every interval includes 1.
    """
    names = display_names or {}
    finite = data[np.isfinite(data["estimate"])]
    above = finite[finite["conf_low"] > 1].sort_values("estimate", ascending=False).head(top)
    below = finite[finite["conf_high"] < 1].sort_values("estimate").head(top)

    def listed(rows: pd.DataFrame) -> str:
        parts = [
            f"{names.get(t, t).lower()} ({bound(e, null=(0.0, 1.0))} times as likely)"
            for t, e in zip(rows["term"], rows["estimate"], strict=True)
        ]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

    if above.empty and below.empty:
        return (
            "No practice is clearly more or less common among very effective organisations than "
            "among ineffective ones: every risk-ratio interval includes 1."
        )
    if below.empty:
        return f"What distinguishes very effective organisations most clearly: {listed(above)}."
    less = f"clearly less common among them: {listed(below)}"
    if above.empty:
        return (
            "No practice is clearly more common among very effective organisations than among "
            f"ineffective ones; {less}."
        )
    return f"What distinguishes very effective organisations most clearly: {listed(above)}; {less}."


def describe_contrast(
    risk_ratio_row: pd.Series | None,
    effective_share_row: pd.Series,
    never_share_by_group: pd.Series | pd.DataFrame,
    *,
    conf_level: float = 0.95,
    weighted: bool = False,
) -> list[str]:
    """Plain-language sentences for the headline summary, computed from the estimates.

    Parameters
    ----------
    risk_ratio_row : Series or None
        The ``risk ratio`` row of :func:`risk_ratio` (customized solutions); None when
        the groups could not be compared.
    effective_share_row : Series
        Share rating their organisation effective or better (a :func:`shares` row).
    never_share_by_group : Series or DataFrame
        Share never meeting senior sales leadership, indexed by effectiveness group
        (missing where suppressed); a DataFrame with ``estimate, conf_low, conf_high``
        adds the intervals to the sentence.
    conf_level : float
        Confidence level used, named in the sentences.
    weighted : bool
        The shares are weighted estimates for the population the weights stand for,
        not shares of the respondents, and the sentences say so.

    Returns
    -------
    list of str
        The sentences: the share rating their organisation effective, the risk ratio of
        customized solutions, and the share never meeting senior sales leadership by group.
    """
    level = f"{conf_level:.0%}"
    sentences = [_effective_sentence(effective_share_row, level, weighted=weighted)]
    rr, low, high = (
        (risk_ratio_row["estimate"], risk_ratio_row["conf_low"], risk_ratio_row["conf_high"])
        if risk_ratio_row is not None
        else (np.nan, np.nan, np.nan)
    )
    if np.isfinite(rr):
        sentences.append(_customized_sentence(rr, low, high, level))
    never = _never_meet_sentence(never_share_by_group, level)
    if never is not None:
        sentences.append(never)
    return sentences


def _share_shown(row: pd.Series, level: str) -> str:
    """Write a share and its interval, none printed as 0% or 100% unless it is.

    Parameters
    ----------
    row : Series
        ``estimate``, ``conf_low`` and ``conf_high`` of a share.
    level : str
        The confidence level as text ("95%").

    Returns
    -------
    str
        For example "74.1% (95% CI 67.2% to 80.1%)".
    """
    return (
        f"{share_text(row['estimate'])} ({level} CI "
        f"{share_text(row['conf_low'])} to {share_text(row['conf_high'])})"
    )


def _effective_sentence(row: pd.Series, level: str, *, weighted: bool) -> str:
    """Say which share rates its training organisation effective or very effective.

    Parameters
    ----------
    row : Series
        The share (a :func:`shares` row).
    level : str
        The confidence level as text ("95%").
    weighted : bool
        The share is a weighted estimate for organisations, not a share of respondents.

    Returns
    -------
    str
        The sentence.
    """
    who = "An estimated" if weighted else ""
    whom = "organisations (weighted)" if weighted else "respondents"
    return (
        f"{who + ' ' if who else ''}{share_text(row['estimate'])} of {whom} rate their "
        f"training organisation effective or very effective ({level} CI "
        f"{share_text(row['conf_low'])} to {share_text(row['conf_high'])})."
    )


def _customized_sentence(rr: float, low: float, high: float, level: str) -> str:
    """Say how much more (or less) often very effective organisations buy customized solutions.

    Parameters
    ----------
    rr, low, high : float
        The risk ratio and its interval.
    level : str
        The confidence level as text ("95%").

    Returns
    -------
    str
        A sentence that opens with what the interval supports, then gives the figures.
    """
    ratio = bound(rr, null=(0.0, 1.0, low, high))
    ci = f"{level} CI {interval_text(low, high, null=(0.0, 1.0))}"
    return {
        "above": "Very effective organisations are more likely than ineffective ones to "
        f"buy customized solutions: an estimated {ratio} times as likely ({ci}), and "
        "the interval excludes no difference.",
        "below": "Very effective organisations are less likely than ineffective ones to "
        f"buy customized solutions: an estimated {ratio} times as likely ({ci}), and "
        "the interval excludes no difference.",
        "unclear": "For customized solutions, the data cannot tell whether very "
        "effective organisations differ from ineffective ones: the estimated risk ratio "
        f"of {ratio} has a {ci.replace(' CI ', ' CI of ')}, which includes no difference "
        "(1).",
    }[direction(low, high, null=1.0)]


def _never_meet_sentence(never_share_by_group: pd.Series | pd.DataFrame, level: str) -> str | None:
    """Say which share of each group never meets senior sales leadership.

    Parameters
    ----------
    never_share_by_group : Series or DataFrame
        As :func:`describe_contrast` takes it.
    level : str
        The confidence level as text ("95%").

    Returns
    -------
    str or None
        The sentence; None without a positive share among ineffective organisations.
    """
    table = (
        never_share_by_group.to_frame("estimate")
        if isinstance(never_share_by_group, pd.Series)
        else never_share_by_group
    )
    never = table.dropna(subset=["estimate"])

    def share(group: str) -> str:
        if {"conf_low", "conf_high"} <= set(never.columns):
            return _share_shown(cast("pd.Series", never.loc[group]), level)  # one row per group
        return share_text(never.at[group, "estimate"])

    estimates = never["estimate"].astype(float)
    if "ineffective" not in estimates.index or not estimates["ineffective"] > 0:
        return None
    return (
        f"{share('ineffective')} of ineffective organisations never meet senior sales leadership"
        + (
            f", against {share('very effective')} of very effective ones."
            if "very effective" in never.index
            else "."
        )
    )


DERIVED_DISPLAY_NAMES = {
    "customized": "Buys customized solutions",
    "meets_weekly": "Meets senior sales leadership weekly",
    "alignment_practices": "Alignment practices in place (0-3)",
    "sustainment_practices": "Sustainment practices in place (0-5)",
}

#: Behaviours compared between very effective and ineffective organisations.
COMPARED_PRACTICES = [
    "customized",
    "meets_weekly",
    *PRACTICES["alignment"],
    *PRACTICES["sustainment"],
    *PRACTICES["tools"],
]


def prepare_responses(
    data: pd.DataFrame,
    *,
    segment: str | None = None,
    min_cell_size: int = 5,
    segment_column: str = "industry",
) -> pd.DataFrame:
    """Filter to a segment and add the derived columns the study-1 notebook uses.

    Adds ``effectiveness_group`` (:func:`effectiveness_group`), and where the survey
    asked the question ``customized`` (buys customized solutions), ``meets_weekly``
    (meets senior sales leadership weekly) and the counts of alignment and
    sustainment practices in place.

    Parameters
    ----------
    data : DataFrame
        The survey responses (:func:`analysis.contracts.survey.load_survey`).
    segment : str, optional
        A value of ``segment_column`` to keep; all respondents when None.
    min_cell_size : int, default 5
        The fewest respondents a segment may leave.
    segment_column : str, default "industry"
        Column that holds the segments.

    Returns
    -------
    DataFrame
        The kept responses with the derived columns.

    Raises
    ------
    ValueError
        If the segment does not exist (the message lists the segments) or leaves
        fewer than ``min_cell_size`` respondents, which could identify them.
    """
    min_cell_size = check_min_cell_size(min_cell_size)
    _require_columns(data, "effectiveness", segment_column if segment is not None else None)
    if segment is not None:
        available = sorted(data[segment_column].dropna().astype(str).unique())
        if segment not in available:
            raise DataError(
                f"segment {segment!r} is not a value of {segment_column!r}; available: {', '.join(available)}."
            )
        data = data[data[segment_column] == segment]
        if len(data) < min_cell_size:
            raise DataError(
                f"segment {segment!r} has {len(data)} respondent(s), fewer than the minimum cell size "
                f"{min_cell_size}; choose a larger segment so that no organisation can be identified."
            )
    counts = {
        f"{kind}_practices": data[list(columns)]
        .astype("Float64")
        .sum(axis=1, skipna=False)
        # a respondent who skipped one practice has no count, rather than too low a count
        .astype(float)
        for kind, columns in PRACTICES.items()
        if kind in ("alignment", "sustainment") and set(columns) <= set(data.columns)
    }
    derived = {}  # only from questions the survey asked; a blank answer stays unknown, not "no"
    if "solution_type" in data:
        derived["customized"] = _answered_as(data["solution_type"], "customized")
    if "leadership_meetings" in data:
        derived["meets_weekly"] = _answered_as(data["leadership_meetings"], "weekly")
    return data.assign(effectiveness_group=effectiveness_group(data), **derived, **counts)


def _answered_as(answers: pd.Series, level: str) -> pd.Series:
    """Return True where the answer is ``level``, False for another answer, else missing.

    Missing where the respondent skipped the question (so shares and risk ratios count those who answered).
    """
    return (answers == level).astype("boolean").mask(answers.isna())


def study_headline(
    data: pd.DataFrame,
    *,
    comparison: pd.DataFrame | None = None,
    comparison_note: str = "",
    conf_level: float = 0.95,
    min_cell_size: int = 5,
    display_names: dict[str, str] | None = None,
    weights: str | None = None,
    design: SurveyDesign | None = None,
) -> tuple[list[Headline], list[str]]:
    """Return the headline records and sentences of study 1, computed from the responses.

    Parameters
    ----------
    data : DataFrame
        Responses from :func:`prepare_responses`.
    comparison : DataFrame, optional
        :func:`~analysis.survey.compare_groups` of the very effective and ineffective
        organisations; None when the comparison is left out (``comparison_note`` says why).
    conf_level, min_cell_size : optional
        As everywhere; groups under ``min_cell_size`` respondents give no figure.
    display_names : dict, optional
        Readable names of the practices, for the sentence naming them.
    weights : str, optional
        Sampling weights: every share is weighted, with a design-based interval.
    design : SurveyDesign, optional
        The whole survey design (weights, strata, psu, fpc) instead of ``weights``:
        every share and its interval is design-based (the risk ratio comes from
        ``comparison``, which :func:`~analysis.survey.compare_groups` computed with it).

    Returns
    -------
    (list of Headline, list of str)
        Records for :func:`analysis.report.publish_summary` (``name, label, estimate,
        conf_low, conf_high, n, unit``) and the summary sentences.
    """
    design = as_design(design, weights=weights)
    effective_or_better = _share_true(
        data, data["effectiveness_group"] != "ineffective", design, conf_level
    )
    records = _opening_records(data, effective_or_better, design, conf_level)
    rr = _customized_risk_ratio(comparison)
    if rr is not None:
        records.append(
            interval_record(
                "customized_risk_ratio",
                "Very effective vs ineffective: times as likely to buy customized solutions "
                "(risk ratio)",
                rr,
                "ratio",
            )
        )
    if "top_initiative" in data:
        value_proposition = (
            data["top_initiative"].astype("string").str.lower() == "new value proposition"
        )
        records.append(
            interval_record(
                "share_value_proposition",
                "Name a new value proposition as the initiative needing most support",
                _share_true(data, value_proposition, design, conf_level),
                "share",
            )
        )
    never = _never_meet_by_group(data, design, conf_level, min_cell_size)
    sentences = describe_contrast(
        rr, effective_or_better, never, conf_level=conf_level, weighted=design.weights is not None
    )
    if comparison is not None:
        sentences.append(distinguishing_practices(comparison, display_names))
    elif comparison_note:
        sentences.append(comparison_note)
    return records, sentences


def _share_true(
    data: pd.DataFrame, flag: pd.Series, design: SurveyDesign, conf_level: float
) -> pd.Series:
    """Return the share of respondents where ``flag`` holds, with its interval.

    Parameters
    ----------
    data : DataFrame
        The responses.
    flag : Series
        Boolean, aligned with ``data``.
    design : SurveyDesign
        The survey design.
    conf_level : float
        Confidence level.

    Returns
    -------
    Series
        The first row of :func:`~analysis.survey.proportions.shares` (the share True).
    """
    from analysis.survey.proportions import shares

    return shares(data.assign(_flag=flag), "_flag", design=design, conf_level=conf_level).iloc[0]


def _opening_records(
    data: pd.DataFrame, effective_or_better: pd.Series, design: SurveyDesign, conf_level: float
) -> list[Headline]:
    """Return the headline records that open study 1: who answered and how they rate.

    Parameters
    ----------
    data : DataFrame
        Responses from :func:`prepare_responses`.
    effective_or_better : Series
        The share rating their organisation effective or very effective.
    design : SurveyDesign
        The survey design.
    conf_level : float
        Confidence level.

    Returns
    -------
    list of Headline
        Respondents, industries (where asked), the share effective or better and the
        share very effective.
    """
    very_effective = data["effectiveness"].astype("string").str.lower() == "very effective"
    records = [
        Headline(name="respondents", label="Respondents", estimate=len(data), unit="count"),
        interval_record(
            "share_effective_or_better",
            "Rate their training organisation effective or very effective",
            effective_or_better,
            "share",
        ),
        interval_record(
            "share_very_effective",
            "Rate it very effective",
            _share_true(data, very_effective, design, conf_level),
            "share",
        ),
    ]
    if "industry" in data:  # a question the survey may not have asked
        records.insert(
            1,
            Headline(
                name="industries",
                label="Industries",
                estimate=data["industry"].nunique(),
                unit="count",
            ),
        )
    return records


def _customized_risk_ratio(comparison: pd.DataFrame | None) -> pd.Series | None:
    """Return the comparison's row for customized solutions, or None when missing or suppressed.

    Parameters
    ----------
    comparison : DataFrame or None
        :func:`~analysis.survey.compare_groups` of very effective and ineffective organisations.

    Returns
    -------
    Series or None
        The risk-ratio row of ``customized``.
    """
    if comparison is None or "customized" not in set(comparison["term"]):
        return None
    row = cast("pd.Series", comparison.set_index("term").loc["customized"])  # one row per term
    return row if pd.notna(row["estimate"]) else None  # None when suppressed


def _never_meet_by_group(
    data: pd.DataFrame, design: SurveyDesign, conf_level: float, min_cell_size: int
) -> pd.DataFrame:
    """Return the share never meeting senior sales leadership per effectiveness group.

    Parameters
    ----------
    data : DataFrame
        Responses from :func:`prepare_responses`.
    design : SurveyDesign
        The survey design.
    conf_level : float
        Confidence level.
    min_cell_size : int
        Groups under it give no figure (suppressed, then left out).

    Returns
    -------
    DataFrame
        ``estimate, conf_low, conf_high`` indexed by effectiveness group; empty when the
        survey did not ask about leadership meetings.
    """
    from analysis.survey.proportions import shares, suppress_small_cells

    if "leadership_meetings" not in data:
        return pd.DataFrame(columns=["estimate", "conf_low", "conf_high"], dtype=float)
    cadence = suppress_small_cells(
        shares(
            data,
            "leadership_meetings",
            by="effectiveness_group",
            design=design,
            conf_level=conf_level,
        ),
        count="n",
        columns=["estimate", "conf_low", "conf_high"],
        min_cell_size=min_cell_size,
    )
    return cadence[cadence["level"] == "never"].set_index("effectiveness_group")[
        ["estimate", "conf_low", "conf_high"]
    ]
