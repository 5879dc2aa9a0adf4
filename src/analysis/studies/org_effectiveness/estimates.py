"""Study 1's figures, each computed once.

The tables behind the report of a survey of learning leaders (:class:`SurveyEstimates`),
with the survey design of client.yml where there is one, and how the report names the
practices.
"""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis import survey
from analysis.contracts.survey import DISPLAY_NAMES
from analysis.core.conclusions import bound, interval_text, share_text
from analysis.core.results import Headline
from analysis.report.display import widen
from analysis.survey import practice_models

if TYPE_CHECKING:
    from analysis.studies import StudyInputs

__all__ = ["NAMES", "PRACTICE_PHRASES", "SurveyEstimates"]

#: Display names of the practices and derived measures (the study's, never the notebook's).
NAMES = {**DISPLAY_NAMES, **survey.DERIVED_DISPLAY_NAMES}
#: The practices as a sentence names them ("... sets them apart: buying customized solutions").
PRACTICE_PHRASES = {
    "customized": "buying customized solutions",
    "meets_weekly": "meeting senior sales leadership weekly",
    "align_define_strategy": "defining strategy, goals and metrics together with sales",
    "align_agree_roles": "agreeing roles and responsibilities with sales",
    "align_joint_planning": "planning jointly with sales leadership",
    "sustain_reinforcement": "reinforcement and follow-up after training",
    "sustain_coaching": "coaching",
    "sustain_manager_training": "training for sales managers",
    "sustain_feedback_forms": "feedback forms",
    "sustain_pre_post_assessment": "assessments before and after training",
    "tool_mobile_learning": "mobile learning",
    "tool_gamification": "gamification",
    "tool_mentor_network": "mentor networks",
    "tool_video_coaching": "video coaching",
}


#: Labels of the headline cards, by record name.
def _pct(value: Any) -> str:
    """Write a share with one decimal, as tables and cards do (never 0% or 100% unless so)."""
    return share_text(value, decimals=1)


def _range(low: Any, high: Any) -> str:
    return f"{_pct(low)} to {_pct(high)}"


def _times(row: Any) -> tuple[str, str]:
    """Write a ratio and its range on their side of 1: ("2.50", "1.48 to 4.23")."""
    low, high = float(row["conf_low"]), float(row["conf_high"])
    return (
        bound(row["estimate"], null=(0.0, 1.0, low, high), decimals=2),
        interval_text(low, high, null=(0.0, 1.0), decimals=2),
    )


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _name(term: str) -> str:
    return NAMES.get(term, term.replace("_", " "))


def _phrase(term: str) -> str:
    return PRACTICE_PHRASES.get(term, _name(term).lower())


class SurveyEstimates:
    """Every figure of one client's survey of learning leaders, computed when first used.

    Parameters
    ----------
    inputs : StudyInputs
        The checked inputs (:func:`analysis.studies.load_study`).

    Attributes hold the tidy tables for the researcher (``ratings``, ``comparison``,
    ``cadence``, ``models``, ...), computed when first used.
    """

    def __init__(self, inputs: StudyInputs):
        from analysis.clients.parameters import OrgEffectiveness

        assert isinstance(inputs.params, OrgEffectiveness), type(inputs.params)
        self.inputs = inputs
        self.p: OrgEffectiveness = inputs.params
        self.responses: pd.DataFrame = inputs.tables["responses"]
        self.design = inputs.extras["design"]
        self.conf_level = float(self.p.conf_level)
        self.level = inputs.conf_label
        self.weighted = self.design is not None and self.design.weights is not None

    # ------------------------------------------------------------------ estimates
    def _suppressed(self, frame: pd.DataFrame, columns: list[str], count: Any = "n"):
        return survey.suppress_small_cells(
            frame, count=count, columns=columns, min_cell_size=self.p.min_cell_size
        )

    @cached_property
    def ratings(self) -> pd.DataFrame:
        """Return the shares of organisations at each effectiveness rating."""
        return survey.shares(
            self.responses, "effectiveness", design=self.design, conf_level=self.conf_level
        )

    @cached_property
    def headline(self) -> tuple[list[Headline], list[str]]:
        """The records of :func:`analysis.survey.study_headline` (names kept for results.json)."""
        return survey.study_headline(
            self.responses,
            comparison=self.comparison,
            conf_level=self.conf_level,
            min_cell_size=self.p.min_cell_size,
            display_names=NAMES,
            design=self.design,
        )

    def _record(self, name: str) -> Headline | None:
        return next((r for r in self.headline[0] if r["name"] == name), None)

    @cached_property
    def comparison(self) -> pd.DataFrame | None:
        """Very effective against ineffective organisations, practice by practice (suppressed)."""
        if not self.inputs.runs("comparison"):
            return None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compared = survey.compare_groups(
                self.responses,
                self.inputs.extras["compared"],
                by="effectiveness_group",
                exposed="very effective",
                reference="ineffective",
                design=self.design,
                conf_level=self.conf_level,
            )
        for caught_warning in caught:  # a caveat names the practice as the report does
            message = str(caught_warning.message)
            for term in self.inputs.extras["compared"]:
                message = message.replace(repr(term), f"“{_name(term)}”")
            message = message.replace(
                "by 'effectiveness_group'", "among very effective and ineffective organisations"
            )
            warnings.warn(message, caught_warning.category, stacklevel=2)
        return self._suppressed(
            compared,
            [
                "estimate",
                "conf_low",
                "conf_high",
                "odds_ratio",
                "p_value",
                "share_exposed",
                "share_reference",
            ],
            count=["n_exposed", "n_reference"],
        ).sort_values("estimate", ascending=False)

    @cached_property
    def cadence(self) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """Meeting cadence by effectiveness group (suppressed) and the test between groups."""
        if not self.inputs.runs("cadence"):
            return None
        shares = survey.shares(
            self.responses,
            "leadership_meetings",
            by="effectiveness_group",
            design=self.design,
            conf_level=self.conf_level,
        )
        test = survey.crosstab_test(
            self.responses, "effectiveness_group", "leadership_meetings", design=self.design
        )
        return self._suppressed(shares, ["estimate", "conf_low", "conf_high"]), test

    @cached_property
    def initiatives(self) -> pd.DataFrame | None:
        """Return the shares naming each top initiative, or None when the section is left out."""
        if not self.inputs.runs("initiatives"):
            return None
        found = survey.shares(
            self.responses, "top_initiative", design=self.design, conf_level=self.conf_level
        ).sort_values("estimate", ascending=False)
        return self._suppressed(found, ["estimate", "conf_low", "conf_high"])

    @cached_property
    def practices(self) -> pd.DataFrame | None:
        """Share citing each tool and practice, by effectiveness group (wide, suppressed)."""
        if not self.inputs.runs("practices"):
            return None
        found = survey.multi_select(
            self.responses,
            self.inputs.extras["practice_options"],
            by="effectiveness_group",
            design=self.design,
            conf_level=self.conf_level,
        )
        wide = widen(
            self._suppressed(found, ["estimate"]),
            index=["rank", "option"],
            columns="effectiveness_group",
            values="estimate",
        )
        return wide.sort_values("rank")

    @cached_property
    def models(self) -> pd.DataFrame | None:
        """Odds ratios of the ordinal model (and the binary model where it can be fitted)."""
        if not self.inputs.runs("models"):
            return None
        ordinal = practice_models.ordinal_logit(
            self.responses,
            outcome="effectiveness",
            covariates=self.inputs.extras["ordinal_terms"],
            conf_level=self.conf_level,
        )
        fitted = [ordinal.tidy(exponentiate=True).assign(model="ordinal", model_n=ordinal.n)]
        if self.inputs.extras["binary_terms"]:
            subset = self.responses[self.responses["effectiveness_group"] != "effective"]
            binary = practice_models.binary_logit(
                subset.assign(very=subset["effectiveness_group"] == "very effective"),
                outcome="very",
                covariates=self.inputs.extras["binary_terms"],
                conf_level=self.conf_level,
            )
            fitted.append(binary.tidy(exponentiate=True).assign(model="binary", model_n=binary.n))
        return pd.concat(fitted, ignore_index=True)

    @cached_property
    def profile(self) -> pd.DataFrame | None:
        """Return the highlighted organisation against the others, or None without one."""
        if not self.inputs.runs("profile"):
            return None
        assert self.p.highlight is not None  # runs("profile") only with a highlight
        return survey.profile_against_population(
            self.responses,
            self.p.highlight,
            self.inputs.extras["profile_terms"],
            by="effectiveness_group",
            level="very effective",
            design=self.design,
        )

    @cached_property
    def industries(self) -> pd.DataFrame | None:
        """Return the shares per industry, small cells suppressed, or None when left out."""
        if not self.inputs.runs("industries"):
            return None
        found = survey.shares(self.responses, "industry", design=self.design)
        return survey.suppress_small_cells(
            found.sort_values("count", ascending=False),
            count="count",
            columns=["count", "estimate"],
            min_cell_size=self.p.min_cell_size,
        )
