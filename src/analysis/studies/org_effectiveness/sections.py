"""Study 1 as the client reads it: the first screen, the body sections and the appendix.

:class:`SurveyReport` computes every figure of a client's survey of learning leaders
once (with the survey design of client.yml, where there is one) and shows it in two
registers:

* the body answers in plain words: how effective learning leaders rate their training
  organisation, and what the very effective ones do differently, each share and
  ratio with its 95% range and a verdict no stronger than the range
  (:mod:`analysis.core.conclusions`);
* the appendix ("Methods and checks") holds the odds ratios, tests, p-values, the
  regression models, the survey design, the data checks and a glossary.

The notebook calls one method per section; a section the survey did not ask (or the
client did not choose) shows nothing and is named in :meth:`SurveyReport.not_measured`.
"""

from __future__ import annotations

from typing import Any

from analysis.core import plots
from analysis.report.blocks import Section, checks_and_glossary, paragraph, subheading
from analysis.report.display import figure, not_measured, notes, table
from analysis.studies.org_effectiveness.estimates import _name
from analysis.studies.org_effectiveness.sentences import SurveySentences

__all__ = ["GLOSSARY", "MISSING_HOW", "MISSING_WHAT", "SurveyReport"]

MISSING_WHAT = {
    "comparison": "what the very effective organisations do differently",
    "cadence": "meetings with senior sales leadership",
    "initiatives": "the initiatives needing support",
    "practices": "tools and practices in use",
    "models": "what goes with a higher rating",
    "profile": "one organisation set against the others",
    "industries": "the industries of the respondents",
}
MISSING_HOW = {
    "comparison": "enough respondents rating their organisation very effective and ineffective",
    "cadence": "the question on meetings with senior sales leadership",
    "initiatives": "the question on the initiative needing most support",
    "practices": "the questions on tools, alignment and sustainment practices",
    "models": "the alignment and sustainment questions, in a survey without weights",
    "profile": "name the organisation to compare",
    "industries": "the industry question",
}
#: What the appendix's statistical terms mean, in a line each.
GLOSSARY = {
    "95% range (confidence interval)": "the values the survey is consistent with; a practice "
    "is called more common only when the whole range lies above 1 time as often.",
    "Times as often (risk ratio)": "the share of very effective organisations with a practice "
    "divided by the share of ineffective ones.",
    "Odds ratio": "the same comparison on the odds scale, as logistic models report it; larger "
    "than the risk ratio when a practice is common.",
    "Ordinal logit (proportional odds)": "a regression of the four-level rating; its odds ratio "
    "says how the odds of a higher rating change with one more practice in place.",
    "Binary logit": "a regression of very effective against ineffective organisations.",
    "p-value": "how often a difference at least this large would arise by chance if there "
    "were none.",
    "Fisher's exact / chi-square test": "tests whether meeting cadence differs between the "
    "effectiveness groups; Cramér's V measures how strongly (0 none, 1 complete).",
    "Wilson / Korn-Graubard interval": "the 95% range of a share, for a simple random sample "
    "and under a survey design.",
}


class SurveyReport(SurveySentences):
    """Every figure of one client's survey of learning leaders, shown as the client reads it.

    Parameters
    ----------
    inputs : StudyInputs
        The checked inputs (:func:`analysis.studies.load_study`).

    The tidy tables (``ratings``, ``comparison``, ``cadence``, ``models``, ...) are
    attributes for the researcher (:class:`~.estimates.SurveyEstimates`); the first screen
    is :meth:`first_screen` (:class:`~.sentences.SurveySentences`); one method per section.
    """

    # ------------------------------------------------------------------ body sections
    def ratings_section(self) -> Section:
        """How learning leaders rate their training organisation."""
        n = len(self.responses)
        return Section(
            paragraph(self.rating_sentence() + "."),
            figure(
                plots.plot_shares(self.ratings),
                caption=f"How learning leaders rate their sales-training organisation, with "
                f"{self.level} ranges ({n} respondents).",
            ),
            table(
                self._suppressed(self.ratings, ["count", "estimate", "conf_low", "conf_high"]),
                caption=f"Self-rated effectiveness ({self.level} range)",
                columns=["level", "count", "estimate", "conf_low", "conf_high"],
                display_names={
                    "level": "Rating",
                    "count": "Respondents",
                    "estimate": "Share",
                    "conf_low": "From",
                    "conf_high": "To",
                },
                unit="share",
                units={"count": "count"},
            ),
        )

    def comparison_section(self) -> Section:
        """Show what the very effective organisations do differently, practice by practice."""
        if self.comparison is None:
            return Section()
        shown = self.comparison
        named = shown.assign(term=shown["term"].map(_name))
        return Section(
            paragraph((self.apart_sentence() or "") + "."),
            paragraph(self.practices_finding() or ""),
            table(
                named,
                caption=f"Share with each practice among very effective and ineffective "
                f"organisations, and how many times as often the very effective have it "
                f"({self.level} range)",
                columns=[
                    "term",
                    "share_exposed",
                    "share_reference",
                    "estimate",
                    "conf_low",
                    "conf_high",
                ],
                display_names={
                    "term": "Practice",
                    "share_exposed": "Very effective",
                    "share_reference": "Ineffective",
                    "estimate": "Times as often",
                    "conf_low": "From",
                    "conf_high": "To",
                },
                unit="ratio",
                units={"share_exposed": "share", "share_reference": "share"},
            ),
            figure(
                plots.plot_forest(
                    named, xlabel="Times as often among very effective organisations (log scale)"
                ),
                caption=f"How many times as often very effective organisations have each "
                f"practice, with {self.level} ranges; the dashed line marks no difference (1).",
            ),
        )

    def cadence_section(self) -> Section:
        """Show how often the effectiveness groups meet (empty when not measured)."""
        if self.cadence is None:
            return Section()
        shares, _ = self.cadence
        return Section(
            paragraph(self.cadence_finding() or ""),
            figure(
                plots.plot_shares(
                    shares, by="effectiveness_group", legend_title="Rated their organisation"
                ),
                caption=f"How often the learning leader meets senior sales leadership, by "
                f"effectiveness group ({self.level} ranges; groups under "
                f"{self.p.min_cell_size} respondents are left empty).",
            ),
        )

    def initiatives_section(self) -> Section:
        """Show the top initiatives (empty when not measured)."""
        section = Section()
        if self.initiatives is not None:
            section.add(
                paragraph(self.initiative_finding() or ""),
                figure(
                    plots.plot_shares(self.initiatives),
                    caption=f"The strategic initiative needing most support from training "
                    f"({self.level} ranges).",
                ),
            )
        if self.practices is not None:
            groups = {"ineffective": "Ineffective", "effective": "Effective"}
            section.add(
                table(
                    self.practices.assign(option=self.practices["option"].map(_name)),
                    caption="Share citing each tool and practice, by effectiveness group "
                    "(most cited first)",
                    columns=["option", "ineffective", "effective", "very effective"],
                    display_names={
                        "option": "Tool or practice",
                        **groups,
                        "very effective": "Very effective",
                    },
                    units={"ineffective": "share", "effective": "share", "very effective": "share"},
                )
            )
        return section

    def models_section(self) -> Section:
        """Show what goes with a higher rating, from the models (empty when not fitted)."""
        if self.models is None:
            return Section()
        ordinal = self.models[self.models["model"] == "ordinal"]
        return Section(
            paragraph(self.model_finding() or ""),
            figure(
                plots.plot_forest(
                    ordinal.assign(term=ordinal["term"].map(_name)),
                    xlabel="Times the odds of a higher rating, per practice (log scale)",
                ),
                caption=f"How the odds of a higher effectiveness rating change with one more "
                f"practice in place, with {self.level} ranges; the dashed line marks no change.",
            ),
        )

    def profile_section(self) -> Section:
        """Show the highlighted organisation against the others (empty without one)."""
        if self.profile is None:
            return Section()
        return Section(
            paragraph(self.profile_finding() or ""),
            table(
                self.profile.assign(term=self.profile["term"].map(_name)),
                caption=f"Organisation {self.p.highlight} next to all respondents and the very "
                "effective ones",
                columns=["term", "this_organisation", "share_all", "share_group"],
                display_names={
                    "term": "Practice",
                    "this_organisation": "This organisation",
                    "share_all": "All",
                    "share_group": "Very effective",
                },
                units={"share_all": "share", "share_group": "share"},
            ),
        )

    def sample_section(self) -> Section:
        """Describe the sample by industry (empty when not measured)."""
        if self.industries is None:
            return Section()
        n, kinds = len(self.responses), self.responses["industry"].nunique()
        return Section(
            table(
                self.industries,
                caption=f"{n} respondents in {kinds} industries (industries with fewer than "
                f"{self.p.min_cell_size} respondents are suppressed)",
                columns=["level", "count", "estimate"],
                display_names={"level": "Industry", "count": "Respondents", "estimate": "Share"},
                units={"count": "count", "estimate": "share"},
            )
        )

    def not_measured(self):
        """One line naming what this client's survey did not cover, and how to add it."""
        missing = [s for s in MISSING_WHAT if not self.inputs.runs(s)]
        return not_measured(
            [MISSING_WHAT[s] for s in missing], "; ".join(MISSING_HOW[s] for s in missing)
        )

    # ------------------------------------------------------------------ appendix
    def appendix(self) -> Section:
        """Methods and checks: intervals, tests, p-values, models, design, checks, glossary."""
        section = Section(subheading("How the figures were computed"))
        section.add(self._intervals_paragraph())
        section.add(notes(self.inputs.extras["design_notes"]))
        if self.comparison is not None:
            section.add(subheading("Very effective against ineffective organisations"))
            section.add(self._comparison_table())
        if self.cadence is not None:
            section.add(subheading("Meeting cadence"))
            section.add(self._cadence_test_table())
        if self.models is not None:
            section.add(subheading("Regression models"))
            section.add(self._models_paragraph())
            section.add(self._models_table())
        section.add(
            *checks_and_glossary(
                self.inputs.warnings, self.inputs.skipped.values(), self._glossary()
            )
        )
        return section

    def _intervals_paragraph(self) -> str:
        """How the shares' intervals were computed, the groups joined and the suppression."""
        method = (
            "design-based Korn-Graubard intervals under the survey design below"
            if self.design is not None
            else "Wilson score intervals"
        )
        return paragraph(
            f"Shares carry {self.level} {method}. 'Ineffective' joins the ratings not and "
            "somewhat effective; 'effective or better' the two top ratings. Groups under "
            f"{self.p.min_cell_size} respondents are suppressed so that no organisation can "
            "be identified."
        )

    def _comparison_table(self) -> Any:
        """Risk and odds ratios of each practice, very effective against ineffective."""
        assert self.comparison is not None
        return table(
            self.comparison.assign(term=self.comparison["term"].map(_name)),
            caption=f"Risk ratio and odds ratio with {self.level} intervals and p-values",
            columns=[
                "term",
                "estimate",
                "conf_low",
                "conf_high",
                "odds_ratio",
                "p_value",
                "n_exposed",
                "n_reference",
            ],
            display_names={
                "term": "Practice",
                "estimate": "Risk ratio",
                "conf_low": "Lower bound",
                "conf_high": "Upper bound",
                "odds_ratio": "Odds ratio",
                "p_value": "p-value",
                "n_exposed": "Very effective (n)",
                "n_reference": "Ineffective (n)",
            },
            unit="ratio",
            units={"odds_ratio": "ratio", "n_exposed": "count", "n_reference": "count"},
        )

    def _cadence_test_table(self) -> Any:
        """Build the test of whether meeting cadence differs between the effectiveness groups."""
        assert self.cadence is not None
        _, test = self.cadence
        return table(
            test,
            caption="Does meeting cadence differ between effectiveness groups? "
            + (
                "(Rao-Scott test under the survey design)"
                if self.design is not None
                else "(Fisher's exact test where expected counts are under 5)"
            ),
            display_names={
                "test": "Test",
                "statistic": "Statistic",
                "df": "df",
                "p_value": "p-value",
                "cramers_v": "Cramér's V",
                "min_expected": "Smallest expected count",
                "chi-square": "Chi-square",
                "fisher": "Fisher's exact",
            },
            units={
                "statistic": "number",
                "df": "count",
                "cramers_v": "number",
                "min_expected": "number",
            },
        )

    def _models_paragraph(self) -> str:
        """Which regression models were fitted and what their terms are."""
        counts = self.p.model_terms == "counts"
        return paragraph(
            "A proportional-odds (ordinal logit) model of the four-level rating and, where "
            "there are enough respondents, a binary logit of very effective against "
            "ineffective organisations. "
            + (
                "The terms are how many alignment and how many sustainment practices an "
                "organisation has in place: two terms keep about ten respondents per "
                "parameter in a survey of this size."
                if counts
                else "Each practice is its own term."
            )
        )

    def _models_table(self) -> Any:
        """Build the table of the odds ratios of both regression models, with their intervals."""
        from analysis.report.display import DISPLAY_TIDY

        assert self.models is not None
        models = self.models.assign(
            model=self.models["model"].map(
                {"ordinal": "Ordinal logit", "binary": "Very effective vs ineffective"}
            ),
            term=self.models["term"].map(_name),
        )
        return table(
            models,
            caption=f"Odds ratios with {self.level} intervals",
            columns=["model", "term", "estimate", "conf_low", "conf_high", "p_value"],
            display_names={
                **DISPLAY_TIDY,
                "model": "Model",
                "term": "Practice",
                "estimate": "Odds ratio",
            },
            unit="ratio",
        )

    def _glossary(self) -> dict[str, str]:
        """Return the glossary's terms that this report uses (no logit without the models, ...)."""
        compared, cadence = self.comparison is not None, self.cadence is not None
        fitted = set(self.models["model"]) if self.models is not None else set()
        used = {
            "Times as often (risk ratio)": compared,
            "Odds ratio": compared or bool(fitted),
            "Ordinal logit (proportional odds)": "ordinal" in fitted,
            "Binary logit": "binary" in fitted,
            "p-value": compared or cadence or bool(fitted),
            "Fisher's exact / chi-square test": cadence,
        }
        return {term: text for term, text in GLOSSARY.items() if used.get(term, True)}
