"""Study 3 sections, one per instrument: tables, figures, headline records and sentences.

Each builder takes one instrument's checked responses and returns a :class:`Section`
that a notebook shows with ``display(section)``. The headline records and sentences
go to :func:`analysis.report.publish_summary`. Every sentence is computed from the
estimates, and says so when the data cannot support one (nobody ticked a reason, a
single stakeholder group).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis import instruments as ins
from analysis.clients.benchmarks import client_key, same_pool
from analysis.contracts.instruments import Instrument
from analysis.core import formats, plots
from analysis.core.conclusions import share_text
from analysis.core.results import Headline, slug
from analysis.report.display import figure, note, table
from analysis.report.escape import heading
from analysis.survey import suppress_small_cells

if TYPE_CHECKING:
    from analysis.studies import StudyInputs

__all__ = [
    "Section",
    "checklist_section",
    "instrument_sections",
    "true_false_section",
    "two_views_section",
]


@dataclass
class Section:
    """What one instrument contributes to a report.

    Attributes
    ----------
    title : str
        The sub-heading (the instrument's title).
    outputs : list
        Tables, figures and notes, in reading order.
    records : list of dict
        Headline records for ``results.json`` and the summary table.
    sentences : list of str
        Summary sentences, computed from the estimates.
    appendix : list
        Tables for the report's "Methods and checks" appendix (agreement indices, tests).
    """

    title: str
    outputs: list[Any] = field(default_factory=list)
    records: list[Headline] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    appendix: list[Any] = field(default_factory=list)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(heading(self.title, level=3))  # the title is client text: escaped, never markup
        for output in self.outputs:
            display(output)


def _level(conf_level: float) -> str:
    return f"{conf_level:.0%}"


def true_false_section(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    conf_level: float = 0.95,
    min_cell_size: int = 5,
    benchmark: pd.DataFrame | None = None,
) -> Section:
    """Bands, score distribution and per-statement shares (beside the benchmark) of a true/false test.

    ``benchmark`` is the output of :func:`analysis.instruments.benchmark` (None: no
    benchmark yet, which the table says instead of "suppressed").
    """
    level, label = _level(conf_level), instrument.scoring.get("label", "count")
    section = Section(instrument.title)
    scores = ins.score(data, instrument)
    bands = ins.band_summary(scores, instrument, conf_level=conf_level)
    section.outputs.append(_bands_table(bands, instrument, label, level))
    section.outputs.append(_score_figure(scores, instrument, label))
    items = _statement_shares(data, instrument, conf_level, benchmark)
    section.outputs.append(_statements_table(items, level, min_cell_size))
    section.outputs.append(
        figure(
            plots.plot_shares(
                items.assign(level=[f"Statement {n}" for n in items["number"]]), label="level"
            ),
            caption=f"{instrument.title}: share answering true per statement, numbered as in "
            f"the table above ({level} ranges).",
        )
    )
    _true_false_headline(section, instrument, scores, bands, label, level)
    return section


def _bands_table(bands: pd.DataFrame, instrument: Instrument, label: str, level: str) -> Any:
    """Build the table of respondents by band, with the share in each and its range."""
    return table(
        bands,
        caption=f"{instrument.title}: respondents by band (score = {label}; {level} ranges)",
        columns=["band", "description", "count", "estimate", "conf_low", "conf_high"],
        display_names={
            "conf_low": "From",
            "conf_high": "To",
            "band": "Band",
            "description": "Meaning",
            "count": "Respondents",
            "estimate": "Share",
        },
        unit="share",
        units={"count": "count"},
    )


def _score_figure(scores: pd.DataFrame, instrument: Instrument, label: str) -> Any:
    """Plot the distribution of scores, with the band boundaries marked."""
    boundaries = [b["min"] for b in instrument.scoring["bands"] if b.get("min", 0) > 0]
    return figure(
        plots.plot_score_distribution(
            scores["score"],
            max_score=len(instrument.items),
            boundaries=boundaries,
            xlabel=f"Score ({label})",
        ),
        caption=f"{instrument.title}: respondents by score; dashed lines mark the band boundaries.",
    )


def _statement_shares(
    data: pd.DataFrame,
    instrument: Instrument,
    conf_level: float,
    benchmark: pd.DataFrame | None,
) -> pd.DataFrame:
    """Share answering true per statement, numbered, beside the benchmark (or why none)."""
    items = ins.with_benchmark(
        ins.item_shares(data, instrument, conf_level=conf_level), benchmark, instrument
    )
    items["number"] = range(1, len(items) + 1)  # the chart's labels, repeated in the table
    absent = "no benchmark yet" if benchmark is None or benchmark.empty else "suppressed"
    items["benchmark"] = (
        items["benchmark"].astype(object).where(~items["benchmark_suppressed"], absent)
    )
    return items


def _statements_table(items: pd.DataFrame, level: str, min_cell_size: int) -> Any:
    """Build the table of shares answering true per statement, next to the other clients."""
    return table(
        items,
        caption=(
            f"Share answering true per statement, with {level} ranges, next to all other "
            f"clients (shown only when at least {min_cell_size} respondents from 3 or more "
            "clients)"
        ),
        columns=[
            "number",
            "text",
            "count",
            "n",
            "estimate",
            "conf_low",
            "conf_high",
            "benchmark",
        ],
        display_names={
            "number": "No.",
            "n": "Answered",
            "conf_low": "From",
            "conf_high": "To",
            "text": "Statement",
            "count": "Answered true",
            "estimate": "Share true",
            "benchmark": "Other clients",
        },
        unit="share",
        units={"number": "count", "count": "count", "benchmark": "share"},
    )


def _true_false_headline(
    section: Section,
    instrument: Instrument,
    scores: pd.DataFrame,
    bands: pd.DataFrame,
    label: str,
    level: str,
) -> None:
    """Add the average score and the share in the first band as records, and the sentence."""
    first = bands.iloc[0]  # the band the instrument lists first: the one that needs attention
    mean = float(scores["score"].mean())
    shown_mean = formats.number(mean)  # one way for the card and the sentence
    section.records += [
        Headline(
            name=slug(f"{instrument.id}_mean_score"),
            label=f"{instrument.title}: average score ({label})",
            estimate=mean,
            n=len(scores),
            unit="number",
        ),
        Headline(
            name=slug(f"{instrument.id}_share_{first['band']}"),
            label=f"{instrument.title}: share in band '{first['band']}'",
            estimate=first["estimate"],
            conf_low=first["conf_low"],
            conf_high=first["conf_high"],
            n=first["n"],
            unit="share",
        ),
    ]
    section.sentences.append(
        f"{share_text(first['estimate'], decimals=1)} of respondents ({level} range "
        f"{share_text(first['conf_low'], decimals=1)} to "
        f"{share_text(first['conf_high'], decimals=1)}) fall in the band '{first['band']}' of "
        f"the {instrument.title.lower()} (average score {shown_mean} of {len(instrument.items)})."
    )


def checklist_section(
    data: pd.DataFrame, instrument: Instrument, *, conf_level: float = 0.95
) -> Section:
    """Reasons ranked by how often they were ticked, and the themes they belong to."""
    level = _level(conf_level)
    section = Section(instrument.title)
    ranking = ins.rank_checklist(data, instrument, conf_level=conf_level)
    ranked, themes = ranking.reasons, ranking.themes
    section.outputs.append(_reasons_table(ranked, instrument, len(data), level))
    section.outputs.append(
        table(
            themes,
            caption="Themes: how many respondents ticked at least one reason of each",
            display_names={
                "theme": "Theme",
                "reasons": "Reasons",
                "mentions": "Ticks",
                "respondents_citing": "Respondents",
                "n": "Asked",
                "estimate": "Share citing",
            },
            units={
                "reasons": "count",
                "mentions": "count",
                "respondents_citing": "count",
                "estimate": "share",
            },
        )
    )
    section.sentences.append(_theme_sentence(themes, instrument))
    return section


def _reasons_table(ranked: pd.DataFrame, instrument: Instrument, n: int, level: str) -> Any:
    """Build the table of reasons by rank, each with its text, theme and share ticking it."""
    return table(
        ranked.assign(
            text=ranked["item"].map(instrument.label),
            theme=ranked["theme"].map(instrument.themes),
        ),
        caption=f"Reasons ranked by how often they were ticked ({n} respondents, {level} ranges)",
        columns=["rank", "text", "theme", "count", "estimate", "conf_low", "conf_high"],
        display_names={
            "rank": "Rank",
            "text": "Reason",
            "theme": "Theme",
            "count": "Ticked",
            "estimate": "Share",
            "conf_low": "From",
            "conf_high": "To",
        },
        unit="share",
        units={"rank": "count", "count": "count"},
    )


def _theme_sentence(themes: pd.DataFrame, instrument: Instrument) -> str:
    """Name the most cited theme (or the themes tied for it), or that nobody ticked a reason."""
    if themes.empty or themes["respondents_citing"].max() == 0:
        return f"No respondent ticked any reason of the {instrument.title.lower()}."
    top = themes.iloc[0]
    tied = themes[themes["respondents_citing"] == top["respondents_citing"]]["theme"].tolist()
    if len(tied) > 1:
        return (
            f"The themes {', '.join(map(str.lower, map(str, tied)))} are cited equally often "
            f"({formats.share(top['estimate'], 1)} of respondents tick at least one of their "
            "reasons)."
        )
    return (
        f"The most cited theme of failure is {str(top['theme']).lower()} "
        f"({formats.share(top['estimate'], 1)} of respondents tick at least one of its "
        "reasons)."
    )


def two_views_section(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    conf_level: float = 0.95,
    min_cell_size: int = 5,
    by: str = "group",
) -> Section:
    """Show views by stakeholder group: heatmap, shares, agreement within and tests between groups.

    A group with fewer than ``min_cell_size`` respondents is left out of the heatmap, the
    tests, the spreads and the misalignment index (its shares are suppressed in the
    table): a spread or a share of one or two people would give their answers away.
    """
    section = Section(instrument.title)
    full = data
    data = _without_small_groups(section, data, by, min_cell_size)
    present = set(data[by].dropna())
    if present:
        section.outputs.append(_views_heatmap(data, instrument, by, conf_level, present))
    section.outputs.append(_views_table(full, instrument, by, conf_level, min_cell_size))
    section.appendix.append(_agreement_table(full, instrument, by))
    if len(present) < 2:
        text = (
            f"Only one stakeholder group ({', '.join(map(str, present)) or 'none'}) with at least "
            f"{min_cell_size} respondents answered the {instrument.title.lower()}, so alignment "
            "between groups cannot be measured."
        )
        section.outputs.append(note(text))
        section.sentences.append(text)
        return section
    spread = ins.misalignment(data, instrument, by=by)
    tests, index = spread.statements, spread.index
    section.appendix.append(_group_tests_table(tests, instrument))
    sentence = ins.describe_disagreement(tests, instrument, conf_level=conf_level)
    section.outputs.append(note(sentence))
    section.sentences.append(sentence)
    section.records.append(
        Headline(
            name=slug(f"{instrument.id}_misalignment_index"),
            label=f"{instrument.title}: average gap between stakeholder groups",
            estimate=index,
            n=len(data),
            unit="points",
        )
    )
    return section


def _without_small_groups(
    section: Section, data: pd.DataFrame, by: str, min_cell_size: int
) -> pd.DataFrame:
    """Return the answers of groups with at least ``min_cell_size`` respondents.

    A note on ``section`` names the groups left out.
    """
    sizes = (
        data.groupby(by)["respondent_id"].nunique()
        if "respondent_id" in data
        else (data.groupby(by).size())
    )
    small = sorted(str(g) for g, n in sizes.items() if n < min_cell_size)
    kept = data[~data[by].astype(str).isin(small)]
    if small:
        text = (
            f"{', '.join(small)}: fewer than {min_cell_size} respondents, so left out of the "
            "heatmap, the tests and the misalignment index (their answers could be read back)."
        )
        section.outputs.append(note(text))
    return kept


def _views_heatmap(
    data: pd.DataFrame, instrument: Instrument, by: str, conf_level: float, present: set
) -> Any:
    """Draw the heatmap of shares choosing View 2, groups in the instrument's order first."""
    groups = [g for g in instrument.groups if g in present] + sorted(
        present - set(instrument.groups)
    )
    by_group = ins.item_shares(data, instrument, by=by, conf_level=conf_level)
    return figure(
        plots.plot_heatmap(
            by_group,
            row=by,
            column="item",
            row_order=groups,
            column_order=instrument.item_ids,
            column_labels={i: instrument.label(i) for i in instrument.item_ids},
            label="Share choosing View 2",
        ),
        caption="Share choosing View 2, by stakeholder group and statement.",
    )


def _views_table(
    full: pd.DataFrame, instrument: Instrument, by: str, conf_level: float, min_cell_size: int
) -> Any:
    """Build the table of shares choosing View 2 for every group, small groups suppressed."""
    all_groups = ins.item_shares(full, instrument, by=by, conf_level=conf_level)
    shown = suppress_small_cells(
        all_groups.assign(text=all_groups["item"].map(instrument.label)),
        count="n",
        columns=["count", "n", "estimate", "conf_low", "conf_high"],
        min_cell_size=min_cell_size,
    )
    return table(
        shown,
        caption=(
            f"Share choosing View 2 by group and statement, with {_level(conf_level)} ranges "
            f"(groups under {min_cell_size} respondents suppressed)"
        ),
        columns=[by, "text", "count", "n", "estimate", "conf_low", "conf_high"],
        display_names={
            by: "Group",
            "text": "Statement",
            "count": "View 2",
            "n": "Answered",
            "estimate": "Share View 2",
            "conf_low": "From",
            "conf_high": "To",
        },
        unit="share",
        units={"count": "count"},
    )


def _agreement_table(full: pd.DataFrame, instrument: Instrument, by: str) -> Any:
    """Build the appendix table of agreement within each group (r_wg(J), Krippendorff's alpha)."""
    return table(
        ins.alignment_agreement(full, instrument, by=by),
        caption=(
            "Agreement within each group: r_wg(J) against random answering, and "
            "Krippendorff's alpha (nominal)"
        ),
        display_names={
            by: "Group",
            "n": "Respondents",
            "rwg_j": "r_wg(J)",
            "krippendorff_alpha": "Krippendorff's alpha",
        },
        units={"rwg_j": "number", "krippendorff_alpha": "number"},
    )


def _group_tests_table(tests: pd.DataFrame, instrument: Instrument) -> Any:
    """Build the appendix table of one test per statement of whether the groups differ."""
    return table(
        tests.assign(text=tests["item"].map(instrument.label), spread=100 * tests["spread"]),
        caption=(
            "Do the groups differ? One test per statement; spread = highest minus lowest "
            "group share choosing View 2, in percentage points"
        ),
        columns=["text", "test", "p_value", "cramers_v", "spread", "n"],
        display_names={
            "text": "Statement",
            "test": "Test",
            "cramers_v": "Cramér's V",
            "spread": "Spread (points)",
            "chi-square": "Chi-square",
            "fisher": "Fisher's exact",
        },
        units={"cramers_v": "number", "spread": "count"},
    )


def instrument_sections(inputs: StudyInputs, kind: str) -> Iterator[Section]:
    """Yield the sections of every instrument of type ``kind`` this client answered, in file order.

    ``kind`` is ``true_false``, ``checklist`` or ``two_views``. True/false tests are
    shown beside the shared benchmark of the other clients where one exists.
    """
    p = inputs.params
    conf_level, min_cell_size = p.conf_level, p.min_cell_size
    definitions = inputs.extras["instruments"]
    benchmarks = inputs.extras.get("benchmarks") or {}
    for key, answers in inputs.tables["responses"].items():
        instrument = definitions[key]
        if instrument.type != kind:
            continue
        if kind == "true_false":
            bench = (
                ins.benchmark(
                    same_pool(pd.read_csv(benchmarks[key]), inputs.synthetic),
                    exclude_client=client_key(inputs.client_id),
                    min_cell_size=min_cell_size,
                    conf_level=conf_level,
                )
                if key in benchmarks
                else None
            )
            yield true_false_section(
                answers,
                instrument,
                conf_level=conf_level,
                min_cell_size=min_cell_size,
                benchmark=bench,
            )
        elif kind == "checklist":
            yield checklist_section(answers, instrument, conf_level=conf_level)
        else:
            yield two_views_section(
                answers, instrument, conf_level=conf_level, min_cell_size=min_cell_size
            )
