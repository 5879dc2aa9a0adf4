"""Group comparisons of study 1.

Every practice's risk ratio between two groups, and one organisation's answers against
the population.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable

import numpy as np
import pandas as pd

from analysis.core.errors import DataError
from analysis.core.options import renamed
from analysis.survey.contrasts import risk_ratio
from analysis.survey.design import SurveyDesign, as_design
from analysis.survey.proportions import _require_columns

__all__ = ["compare_groups", "profile_against_population"]


@renamed(group="by")
def compare_groups(
    data: pd.DataFrame,
    outcomes: list[str],
    *,
    by: str,
    exposed: Hashable,
    reference: Hashable,
    weights: str | None = None,
    design: SurveyDesign | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Risk ratio of each boolean outcome between two groups (e.g. very effective vs ineffective).

    Runs :func:`risk_ratio` per outcome and keeps the risk-ratio row, with the odds
    ratio beside it in ``odds_ratio``, ``or_conf_low``, ``or_conf_high``. With
    ``weights`` the ratios are of weighted shares, with design-based intervals and
    Rao-Scott p-values (see :func:`risk_ratio`); ``share_*`` are then weighted too.
    ``design`` (a :class:`~analysis.survey.design.SurveyDesign`) gives the whole design:
    weights, strata, clusters (PSUs) and a finite-population correction.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcomes : list of str
        Boolean outcome columns.
    by : str
        Column of the groups.
    exposed, reference : hashable
        The two values of ``by`` to compare (the ratio is exposed / reference).
    weights : str, optional
        Column of survey weights.
    design : SurveyDesign, optional
        The whole survey design.
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        Columns ``term, estimate, conf_low, conf_high, p_value, odds_ratio,
        or_conf_low, or_conf_high, share_exposed, share_reference, n_exposed,
        n_reference, n``; ``estimate`` is the risk ratio.

    References
    ----------
    Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway contingency
    tables with cell proportions estimated from survey data. Annals of Statistics 12,
    46-60.
    """
    design = as_design(design, weights=weights)
    rows = []
    for outcome in outcomes:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = risk_ratio(
                data,
                outcome,
                by=by,
                exposed=exposed,
                reference=reference,
                design=design,
                conf_level=conf_level,
            )
        for warning in caught:  # re-emit once, naming the outcome (already in the message)
            warnings.warn(str(warning.message), RuntimeWarning, stacklevel=2)
        by_measure = table.set_index("measure")
        rr = by_measure.loc["risk ratio"].to_dict()
        odds = by_measure.loc["odds ratio"].to_dict()
        rows.append(
            {
                "term": outcome,
                "estimate": rr["estimate"],
                "conf_low": rr["conf_low"],
                "conf_high": rr["conf_high"],
                "p_value": rr["p_value"],
                "odds_ratio": odds["estimate"],
                "or_conf_low": odds["conf_low"],
                "or_conf_high": odds["conf_high"],
                "share_exposed": rr.get("share_exposed", rr["count_exposed"] / rr["n_exposed"]),
                "share_reference": rr.get(
                    "share_reference", rr["count_reference"] / rr["n_reference"]
                ),
                "n_exposed": int(rr["n_exposed"]),
                "n_reference": int(rr["n_reference"]),
                "n": int(rr["n"]),
            }
        )
    return pd.DataFrame(rows)


@renamed(group="by", group_level="level")
def profile_against_population(
    data: pd.DataFrame,
    respondent: str,
    options: list[str],
    *,
    id_column: str = "respondent_id",
    by: str | None = None,
    level: Hashable | None = None,
    weights: str | None = None,
    design: SurveyDesign | None = None,
) -> pd.DataFrame:
    """One organisation's answers next to the population's shares.

    Parameters
    ----------
    data : DataFrame
    respondent : str
        Id of the organisation to highlight.
    options : list of str
        Boolean practice columns.
    id_column : str
        Column holding respondent ids.
    by, level : optional
        Also show the share within one group (e.g. ``effectiveness_group`` =
        ``"very effective"``).
    weights : str, optional
        Sampling weights: the population shares are weighted means.
    design : SurveyDesign, optional
        The survey design instead of ``weights``; its weights make the shares weighted
        means (strata, clusters and fpc change no point estimate, and none has an interval here).

    Returns
    -------
    DataFrame
        Columns ``term, this_organisation, share_all, [share_group], n_all, [n_group]``.
    """
    weights = as_design(design, weights=weights).weights
    _require_columns(data, id_column, *options, by)
    match = data[data[id_column].astype(str) == str(respondent)]
    if match.empty:
        raise DataError(
            f"no respondent with {id_column} = {respondent!r}; check the highlight parameter."
        )
    mine = match.iloc[0]

    def share(frame: pd.DataFrame, option: str) -> float:
        answered = frame[frame[option].notna()]
        if answered.empty:
            return np.nan
        values = answered[option].astype(float)
        if weights is None:
            return float(values.mean())
        return float(np.average(values, weights=answered[weights].astype(float)))

    rows = []
    for option in options:
        row = {
            "term": option,
            "this_organisation": bool(mine[option]),
            "share_all": share(data, option),
            "n_all": int(data[option].notna().sum()),
        }
        if by is not None:
            part = data[data[by] == level]
            row["share_group"] = share(part, option)
            row["n_group"] = len(part)
        rows.append(row)
    return pd.DataFrame(rows)


#: Derived yes/no columns added by :func:`prepare_responses`, with their display names.
