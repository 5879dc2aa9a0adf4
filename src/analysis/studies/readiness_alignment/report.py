"""Study 3 as the client reads it: the first screen, the body sections and the appendix.

:class:`ReadinessReport` builds every instrument's section once
(:func:`~analysis.studies.readiness_alignment.sections.instrument_sections`) and the KPI
gaming check, and shows them in two registers: the body answers in plain words (shares
with their 95% ranges, gaps between groups in percentage points, verdicts no stronger
than the ranges); the appendix ("Methods and checks") holds the agreement indices, the
tests and p-values, the KPI check's designs, the data checks and a glossary.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from analysis.core import formats
from analysis.core.conclusions import magnitude, share_text
from analysis.core.results import Headline
from analysis.report.blocks import Section, checks_and_glossary, paragraph, subheading
from analysis.report.display import not_measured, note, publish_summary, table
from analysis.studies.readiness_alignment.sections import Section as InstrumentSection
from analysis.studies.readiness_alignment.sections import instrument_sections

if TYPE_CHECKING:
    from analysis.kpi_gaming import GamingCheck
    from analysis.studies import StudyInputs

__all__ = ["GLOSSARY", "KINDS", "ReadinessReport", "Sections"]

#: Report section -> the instrument type it shows.
KINDS = {"readiness": "true_false", "failure_reasons": "checklist", "alignment": "two_views"}
MISSING_WHAT = {
    "readiness": "strategic readiness",
    "failure_reasons": "why training fails",
    "alignment": "stakeholder alignment",
    "kpi": "KPI gaming",
}
MISSING_HOW = {
    "readiness": "the true/false readiness test",
    "failure_reasons": "the checklist of failure reasons",
    "alignment": "the two-views survey of each stakeholder group",
    "kpi": "an activity panel per rep and period with the KPI targets",
}
GLOSSARY = {
    "95% range (confidence interval)": "the values the answers are consistent with.",
    "Percentage points": "the difference between two shares: 75% against 25% is 50 "
    "percentage points apart.",
    "r_wg(J)": "agreement within a group against answers given at random (1 full agreement, "
    "0 no more than chance).",
    "Krippendorff's alpha": "agreement within a group beyond chance, for categories (1 full "
    "agreement, 0 chance).",
    "Fisher's exact / chi-square test": "tests whether the groups' views of a statement differ; "
    "Fisher's where counts are small.",
    "Cramér's V": "how strongly the views differ between groups (0 none, 1 complete).",
    "p-value": "how often a difference at least this large would arise by chance if the "
    "groups agreed.",
    "Difference-in-differences": "the change among targeted reps minus the change among "
    "untargeted reps over the same months.",
    "Interrupted time series": "the change at the target's start against the targeted reps' "
    "own trend, where no rep was left untargeted.",
}


def _key(term: str) -> str:
    """Write a glossary term as the appendix does ("Fisher's exact / ..." -> "fisher's exact")."""
    return term.split(" / ")[0].split(" (")[0].casefold()


class Sections:
    """Several instruments' sections shown one after the other (nothing when there are none)."""

    def __init__(self, sections: list[InstrumentSection]):
        self.sections = sections

    def __bool__(self) -> bool:
        """Return whether any section is shown."""
        return bool(self.sections)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for section in self.sections:
            display(section)


class ReadinessReport:
    """Every figure of one client's readiness and alignment study, as the client reads it.

    Parameters
    ----------
    inputs : StudyInputs
        The checked inputs (:func:`analysis.studies.load_study`).
    """

    def __init__(self, inputs: StudyInputs):
        self.inputs, self.p = inputs, inputs.params
        self.level = inputs.conf_label

    @cached_property
    def sections(self) -> dict[str, list[InstrumentSection]]:
        """Report section -> the sections of the instruments of its type, in file order."""
        return {name: list(instrument_sections(self.inputs, kind)) for name, kind in KINDS.items()}

    @cached_property
    def kpi(self) -> GamingCheck | None:
        """The KPI gaming check: effects at each target's start and one verdict per target."""
        if not self.inputs.runs("kpi"):
            return None
        from analysis import kpi_gaming

        return kpi_gaming.gaming_check(
            self.inputs.tables["kpi_panel"],
            self.inputs.tables["kpi_targets"],
            conf_level=self.p.conf_level,
        )

    # ------------------------------------------------------------------ sentences
    def kpi_sentence(self) -> str | None:
        """Say whether the KPIs are gamed (None without the KPI check)."""
        if self.kpi is None:
            return None
        flags = self.kpi.flags
        gamed, total = int(flags["gamed"].sum()), len(flags)
        if gamed == 0:
            which = "the KPI target" if total == 1 else f"any of the {total} KPI targets"
            return f"no sign of gaming in {which}"
        verb = "shows" if gamed == 1 else "show"
        return f"{gamed} of {formats.plural(total, 'KPI target')} {verb} signs of gaming"

    def answer(self) -> str:
        """Write the first sentence: how strategic, where groups disagree, if KPIs are gamed."""
        parts: list[str] = []
        for name in ("readiness", "alignment"):
            parts.extend(
                section.sentences[0].rstrip(".")
                for section in self.sections[name][:1]
                if section.sentences
            )
        kpi = self.kpi_sentence()
        if kpi:
            parts.append(kpi)
        if not parts:
            for section in self.sections["failure_reasons"][:1]:
                parts += [s.rstrip(".") for s in section.sentences]
        text = "; ".join(p[0].lower() + p[1:] for p in parts) or "No instrument was answered"
        return text[0].upper() + text[1:] + "."

    def weakest_finding(self) -> str | None:
        """Name the statements of the readiness test answered the strategic way least often."""
        from analysis import instruments as ins

        for key, answers in self.inputs.tables["responses"].items():
            instrument = self.inputs.extras["instruments"][key]
            scoring = instrument.scoring
            if instrument.type != "true_false" or scoring.get("count_value") is not False:
                continue
            items = ins.item_shares(answers, instrument, conf_level=self.p.conf_level)
            low = items.nsmallest(2, "estimate")
            low = low.assign(text=low["item"].map(instrument.label))
            listed = "; ".join(
                f"“{text}” ({share_text(e, decimals=1)}, range {share_text(lo, decimals=1)} to "
                f"{share_text(hi, decimals=1)})"
                for text, e, lo, hi in zip(
                    low["text"], low["estimate"], low["conf_low"], low["conf_high"], strict=True
                )
            )
            return (
                f"The statements of the {instrument.title.lower()} answered true least often: "
                f"{listed}. These are where making training strategic would start."
            )
        return None

    def failure_finding(self) -> str | None:
        """Say why training failed before, by the top reason (None when no reason was ticked)."""
        for section in self.sections["failure_reasons"][:1]:
            if section.sentences and not section.sentences[0].startswith("No respondent"):
                return (
                    section.sentences[0].rstrip(".")
                    + ": the next programme should address it from the start."
                )
        return None

    def alignment_finding(self) -> str | None:
        """Say where the stakeholder groups disagree (None without the alignment section)."""
        for section in self.sections["alignment"][:1]:
            if not section.records:
                return section.sentences[0] if section.sentences else None
            gap = formats.points(section.records[0]["estimate"])
            head = f"On average the stakeholder groups' shares choosing View 2 lie {gap} apart"
            if any("do not differ clearly" in s for s in section.sentences):
                return (
                    head + ", but with groups this small the survey cannot tell whether they "
                    "disagree on any one statement: more respondents per group would settle it."
                )
            return (
                head + ": agreeing the contested statements among the groups before the next "
                "programme is designed keeps it from being pulled in different directions."
            )
        return None

    def kpi_findings(self) -> list[str]:
        """Return the KPI check's findings (none without it)."""
        if self.kpi is None:
            return []
        effects, flags = self.kpi.effects, self.kpi.flags
        found = []
        for _, flag in flags[flags["gamed"]].iterrows():
            rows = effects[effects["target"] == flag["target"]].set_index("measure")
            activity, conversion = rows.loc["activity"], rows.loc["conversion"]
            from analysis.kpi_gaming import DEFAULT_CONVERSIONS

            metric = str(activity["term"])
            made, per = DEFAULT_CONVERSIONS.get(metric, ("output", metric))
            converts = f"{made} per {per.removesuffix('s')}".replace("_", " ")
            found.append(
                f"The {flag['target']}: {metric.replace('_', ' ')} rose by "
                f"{self._change(activity)} while {converts} fell by "
                f"{self._change(conversion, per=False)}: the "
                "target may be inflating activity that does not sell; review how it is counted "
                "before it sets pay or bonuses."
            )
        return found

    def _change(self, row: Any, *, per: bool = True) -> str:
        """Write a change's size and range with the table's decimals (the verb says which way)."""
        est, low, high = (float(row[c]) for c in ("estimate", "conf_low", "conf_high"))
        places = formats.decimals_for(est, low, high)
        low, high = sorted((abs(low), abs(high)))
        unit = " per rep and period" if per else ""
        return (
            f"{magnitude(est, decimals=places)}{unit} ({self.level} range "
            f"{magnitude(low, decimals=places)} to {magnitude(high, decimals=places)})"
        )

    def findings(self) -> list[str]:
        """Return the first screen's findings."""
        found = [
            self.weakest_finding(),
            self.failure_finding(),
            self.alignment_finding(),
            *self.kpi_findings(),
        ]
        return [f for f in found if f][:5]

    def records(self) -> list[Headline]:
        """Return the headline figures of every section and of the KPI check."""
        records = [r for name in KINDS for s in self.sections[name] for r in s.records]
        if self.kpi is not None:
            flags = self.kpi.flags
            records.append(
                Headline(
                    name="kpi_targets_flagged",
                    label="KPI targets showing signs of gaming",
                    estimate=int(flags["gamed"].sum()),
                    n=len(flags),
                    unit="count",
                )
            )
        return records

    def first_screen(self):
        """Publish the report's first screen."""
        return publish_summary(
            self.records(),
            answer=self.answer(),
            sentences=self.inputs.plan_sentences,
            findings=self.findings(),
            conf_level=self.p.conf_level,
        )

    # ------------------------------------------------------------------ body sections
    def readiness_section(self) -> Sections:
        """Return the readiness sections."""
        return Sections(self.sections["readiness"])

    def failure_section(self) -> Sections:
        """Return the failure-reason sections."""
        return Sections(self.sections["failure_reasons"])

    def alignment_section(self) -> Sections:
        """Return the alignment sections."""
        return Sections(self.sections["alignment"])

    def kpi_section(self) -> Section:
        """Show the KPI check (empty without it)."""
        if self.kpi is None:
            return Section()
        effects, flags = self.kpi.effects, self.kpi.flags
        section = Section()
        for finding in self.kpi_findings():
            section.add(paragraph(finding))
        for _, flag in flags[~flags["gamed"]].iterrows():
            section.add(paragraph(f"The {flag['target']}: {flag['verdict']}."))
        measures = {"activity": "Activity", "conversion": "What it converts into"}
        section.add(
            table(
                effects.assign(measure=effects["measure"].map(measures)),
                caption=f"Change per rep and period when each target started ({self.level} "
                "range; the relative change is against the targeted reps' level before)",
                columns=["target", "measure", "estimate", "conf_low", "conf_high", "relative"],
                display_names={
                    "target": "Target",
                    "measure": "Measure",
                    "estimate": "Change",
                    "conf_low": "From",
                    "conf_high": "To",
                    "relative": "Relative change",
                },
                unit="number",
                units={"relative": "share"},
            )
        )
        return section

    def not_measured(self):
        """Return the line naming what was not measured and how to add it."""
        missing = [s for s in MISSING_WHAT if not self.inputs.runs(s)]
        return not_measured(
            [MISSING_WHAT[s] for s in missing], "; ".join(MISSING_HOW[s] for s in missing)
        )

    # ------------------------------------------------------------------ appendix
    def appendix(self) -> Section:
        """Build the appendix: how the figures were computed and the glossary."""
        section = Section(
            paragraph(
                f"Shares carry {self.level} Wilson score intervals. Groups under "
                f"{self.p.min_cell_size} respondents are suppressed, and left out of the "
                "comparisons between groups, so that no one's answers can be read back."
            )
        )
        for name in KINDS:
            for instrument in self.sections[name]:
                if instrument.appendix:
                    section.add(subheading(instrument.title), *instrument.appendix)
                    for sentence in instrument.sentences:
                        section.add(note(sentence))
        if self.kpi is not None:
            effects = self.kpi.effects
            section.add(subheading("KPI gaming check"))
            section.add(
                table(
                    effects,
                    caption=f"Change at the start of each target ({self.level} intervals; "
                    "conversion = output per unit of the targeted activity)",
                    columns=[
                        "target",
                        "measure",
                        "design",
                        "estimate",
                        "std_error",
                        "conf_low",
                        "conf_high",
                        "p_value",
                        "n",
                    ],
                    display_names={
                        "target": "Target",
                        "measure": "Measure",
                        "design": "Design",
                        "estimate": "Change",
                        "std_error": "Std. error",
                        "p_value": "p-value",
                        "n": "Rep-periods",
                    },
                    unit="number",
                )
            )
        section.add(
            *checks_and_glossary(
                self.inputs.warnings, self.inputs.skipped.values(), self._glossary(section)
            )
        )
        return section

    def _glossary(self, appendix: Section) -> dict[str, str]:
        """Return the glossary's terms that this report uses.

        The KPI designs only with the KPI check, an agreement index or test only where the
        appendix above shows it.
        """
        import html as markup

        shown = markup.unescape(appendix._repr_html_() or "").casefold()
        kpi = ("Difference-in-differences", "Interrupted time series")
        always = ("95% range (confidence interval)", "Percentage points")
        return {
            term: text
            for term, text in GLOSSARY.items()
            if term in always or (self.kpi is not None if term in kpi else _key(term) in shown)
        }
