"""Survey statistics: shares with confidence intervals, risk and odds ratios, small-cell suppression.

Every function takes a DataFrame plus column names and returns a tidy DataFrame
with plain column names (``term``, ``estimate``, ``conf_low``, ``conf_high``,
``p_value``, ``n``). One module per concern:

- :mod:`~analysis.survey.proportions`: :func:`shares`, :func:`multi_select`,
  :func:`suppress_small_cells`;
- :mod:`~analysis.survey.contrasts`: :func:`risk_ratio`, :func:`crosstab_test`;
- :mod:`~analysis.survey.groups`: :func:`compare_groups` (every practice, two groups),
  :func:`profile_against_population`;
- :mod:`~analysis.survey.design`: :class:`SurveyDesign` (weights, strata, clusters,
  fpc), the design-based variance of domain means and the Rao-Scott test;
- :mod:`~analysis.survey.study`: what is specific to study 1 (effectiveness groups,
  the practices compared, the sentences).
"""

from analysis.survey.contrasts import crosstab_test, risk_ratio, two_by_two_p_value
from analysis.survey.design import SurveyDesign
from analysis.survey.groups import compare_groups, profile_against_population
from analysis.survey.proportions import multi_select, shares, suppress_small_cells
from analysis.survey.study import (
    COMPARED_PRACTICES,
    DERIVED_DISPLAY_NAMES,
    EFFECTIVENESS_GROUPS,
    describe_contrast,
    distinguishing_practices,
    effectiveness_group,
    prepare_responses,
    study_headline,
)

__all__ = [
    "COMPARED_PRACTICES",
    "DERIVED_DISPLAY_NAMES",
    "EFFECTIVENESS_GROUPS",
    "SurveyDesign",
    "compare_groups",
    "crosstab_test",
    "describe_contrast",
    "distinguishing_practices",
    "effectiveness_group",
    "multi_select",
    "prepare_responses",
    "profile_against_population",
    "risk_ratio",
    "shares",
    "study_headline",
    "suppress_small_cells",
    "two_by_two_p_value",
]
