"""Plots of tidy results, drawn with the workbench theme (see :mod:`analysis.report.theme`).

Every function returns a matplotlib Figure that is already closed with pyplot, so
JupyterLab shows it once: where it is displayed (the last expression of a cell, or
``report.figure``), not a second time when the cell ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter

__all__ = [
    "plot_estimate_distribution",
    "plot_event_study",
    "plot_forest",
    "plot_heatmap",
    "plot_score_distribution",
    "plot_shares",
]


def _closed(fig: Figure) -> Figure:
    """Detach ``fig`` from pyplot so the inline backend does not show it again at the cell's end."""
    import matplotlib.pyplot as plt

    plt.close(fig)
    return fig


def plot_shares(
    tidy: pd.DataFrame,
    *,
    label: str = "level",
    by: str | None = None,
    title: str = "",
    order: Sequence[str] | None = None,
    legend_title: str | None = None,
) -> Figure:
    """Horizontal bars of shares with their confidence intervals.

    Parameters
    ----------
    tidy : DataFrame
        Output of :func:`analysis.survey.shares` (columns ``estimate``,
        ``conf_low``, ``conf_high``). Suppressed rows (missing estimate) are
        drawn as empty.
    label : str
        Column with the bar labels.
    by : str, optional
        Column with groups, drawn as side-by-side bars in the palette.
    title : str
        Axes title.
    legend_title : str, optional
        The legend's title for ``by`` (default: the column's name in words). The legend
        sits above the bars, so it never covers them.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    labels = list(order) if order is not None else list(dict.fromkeys(tidy[label]))
    groups = [None] if by is None else list(dict.fromkeys(tidy[by]))
    colours = sns.color_palette(n_colors=max(len(groups), 1))
    height = 0.8 / len(groups)
    fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(labels) * max(1, len(groups) * 0.6) + 1.2))
    for g, group in enumerate(groups):
        part = tidy if group is None else tidy[tidy[by] == group]
        part = part.set_index(label).reindex(labels)
        y = np.arange(len(labels)) + (g - (len(groups) - 1) / 2) * height
        estimate = part["estimate"].to_numpy(dtype=float)
        # clip: interval ends can sit a rounding error past the estimate (e.g. 0 of n)
        low = np.clip(estimate - part["conf_low"].to_numpy(dtype=float), 0, None)
        high = np.clip(part["conf_high"].to_numpy(dtype=float) - estimate, 0, None)
        ax.barh(
            y,
            estimate,
            height=height * 0.9,
            color=colours[g],
            label=None if group is None else str(group),
        )
        ax.errorbar(
            estimate, y, xerr=[low, high], fmt="none", ecolor="#333333", capsize=3, linewidth=1
        )
    ax.set_yticks(np.arange(len(labels)), labels=[str(x) for x in labels])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    ax.set_xlabel("Share of respondents (bars: confidence interval)")
    if title:
        ax.set_title(title)
    if by is not None:
        ax.legend(
            title=legend_title or str(by).replace("_", " ").capitalize(),
            frameon=False,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncol=min(len(groups), 3),
            borderaxespad=0.2,
        )
    fig.tight_layout()
    return _closed(fig)


def plot_forest(
    tidy: pd.DataFrame,
    *,
    label: str = "term",
    reference: float = 1.0,
    log_scale: bool = True,
    xlabel: str = "Ratio",
    title: str = "",
) -> Figure:
    """Forest plot: one point estimate with its confidence interval per row.

    Parameters
    ----------
    tidy : DataFrame
        Columns ``estimate``, ``conf_low``, ``conf_high`` and ``label``.
    reference : float
        Value of no effect, drawn as a dashed line (1 for ratios, 0 for differences).
    log_scale : bool
        Use a log x-axis (right for ratios).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    rows = tidy.dropna(subset=["estimate"]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.0, 0.5 * len(rows) + 1.2))
    y = np.arange(len(rows))
    colour = sns.color_palette()[0]
    ax.errorbar(
        rows["estimate"],
        y,
        xerr=[
            np.clip(rows["estimate"] - rows["conf_low"], 0, None),
            np.clip(rows["conf_high"] - rows["estimate"], 0, None),
        ],
        fmt="o",
        color=colour,
        ecolor=colour,
        capsize=3,
    )
    ax.axvline(reference, linestyle="--", color="#777777", linewidth=1)
    ax.set_yticks(y, labels=[str(v) for v in rows[label]])
    ax.invert_yaxis()
    if log_scale:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(plt.FixedLocator([0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32]))
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(plt.NullLocator())
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return _closed(fig)


def plot_event_study(
    tables: Mapping[str, pd.DataFrame],
    *,
    ylabel: str = "Effect",
    xlabel: str = "Periods since training started (-1 = reference period)",
    formatter: Formatter | None = None,
    legend: bool = True,
) -> Figure:
    """Event-time estimates with confidence intervals, one line per estimator.

    Parameters
    ----------
    tables : dict of str -> DataFrame
        Estimator label -> ``EventStudyResult.tidy()`` (columns ``event_time``,
        ``estimate``, ``conf_low``, ``conf_high``).
    ylabel, xlabel : str
        Axis labels.
    formatter : matplotlib Formatter, optional
        Tick formatter of the effect axis (:func:`analysis.core.formats.axis_formatter`).
    legend : bool
        Show a legend (placed outside the plot area, so it never covers a line).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, closed with pyplot.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(7.0, 4.0))
    colours = sns.color_palette(n_colors=max(len(tables), 1))
    width = 0.15
    for i, (label, table) in enumerate(tables.items()):
        x = table["event_time"].to_numpy(float) + (i - (len(tables) - 1) / 2) * width
        ax.errorbar(
            x,
            table["estimate"],
            yerr=[
                np.clip(table["estimate"] - table["conf_low"], 0, None),
                np.clip(table["conf_high"] - table["estimate"], 0, None),
            ],
            fmt="o-",
            color=colours[i],
            capsize=3,
            label=label,
            linewidth=1.2,
            markersize=4,
        )
    ax.axhline(0, color="#777777", linewidth=1)
    ax.axvline(-0.5, color="#777777", linestyle="--", linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if formatter is not None:
        ax.yaxis.set_major_formatter(formatter)
    if legend and len(tables) > 1:
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return _closed(fig)


def plot_heatmap(
    tidy: pd.DataFrame,
    *,
    row: str,
    column: str,
    value: str = "estimate",
    row_order: Sequence[str] | None = None,
    column_order: Sequence[str] | None = None,
    column_labels: Mapping[str, str] | None = None,
    vmin: float = 0.0,
    vmax: float = 1.0,
    label: str = "Share",
) -> Figure:
    """Heatmap of a tidy table (e.g. groups x statements, share choosing View 2), annotated in percent.

    Parameters
    ----------
    tidy : DataFrame
        Long table with the ``row``, ``column`` and ``value`` columns.
    row, column : str
        Columns that give the heatmap's rows and columns.
    value : str, default "estimate"
        Column of the values shown.
    row_order, column_order : sequence of str, optional
        Order of the rows and the columns.
    column_labels : mapping of str to str, optional
        Display names of the columns.
    vmin, vmax : float, default 0 and 1
        The colour scale's ends.
    label : str, default "Share"
        Label of the colour bar.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, closed with pyplot.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    wide = tidy.pivot(index=row, columns=column, values=value)
    if row_order is not None:
        wide = wide.reindex(list(row_order))
    if column_order is not None:
        wide = wide.reindex(columns=list(column_order))
    if column_labels is not None:
        wide.columns = [column_labels.get(c, c) for c in wide.columns]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * wide.shape[1] + 2.5), 0.6 * wide.shape[0] + 2.2))
    sns.heatmap(
        wide.astype(float),
        annot=True,
        fmt=".0%",
        cmap="cividis",
        vmin=vmin,
        vmax=vmax,
        ax=ax,
        cbar_kws={"label": label},
        linewidths=0.5,
    )
    from analysis.core.formats import axis_formatter

    # the colour bar in the cells' unit: 0% to 100%, not 0 to 1 beside cells in percent
    colorbar = ax.collections[0].colorbar
    if colorbar is not None:
        colorbar.ax.yaxis.set_major_formatter(axis_formatter("share"))
    ax.set_xlabel("")
    ax.set_ylabel("")
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    fig.tight_layout()
    return _closed(fig)


def plot_score_distribution(
    scores: Iterable[float] | pd.Series,
    *,
    max_score: int,
    boundaries: Iterable[float] = (),
    xlabel: str = "Score",
) -> Figure:
    """Bar chart of how many respondents have each score, with band boundaries as dashed lines.

    Parameters
    ----------
    scores : iterable of float
        One whole-number score per respondent.
    max_score : int
        The highest possible score.
    boundaries : iterable of float, default ()
        Lowest scores of the bands after the first.
    xlabel : str, default "Score"
        Label of the x axis.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, closed with pyplot.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    counts = np.bincount(np.asarray(scores, dtype=int), minlength=max_score + 1)[: max_score + 1]
    fig, ax = plt.subplots(figsize=(7.0, 3.2))
    ax.bar(np.arange(max_score + 1), counts, color=sns.color_palette()[0])
    for boundary in boundaries:
        ax.axvline(boundary - 0.5, color="#777777", linestyle="--", linewidth=1)
    ax.set_xticks(np.arange(max_score + 1))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Respondents")
    fig.tight_layout()
    return _closed(fig)


def plot_estimate_distribution(
    draws: pd.DataFrame,
    *,
    expected: float,
    break_even: float | None = None,
    xlabel: str = "Estimated effect",
    unit: str = "number",
    currency: str | None = None,
) -> Figure:
    """Histogram of simulated estimates with the planted effect, zero and break-even marked.

    ``draws`` is the output of :func:`analysis.planning.simulate_rollout`. The legend sits
    above the plot, so it never crosses the reference lines or the bars; figures in it and
    on the axis are written by :mod:`analysis.core.formats` in ``unit`` (and ``currency``).

    Parameters
    ----------
    draws : DataFrame
        The simulated estimates (an ``estimate`` column).
    expected : float
        The planted effect.
    break_even : float, optional
        The break-even effect, marked when given.
    xlabel : str, default "Estimated effect"
        Label of the x axis.
    unit : str, default "number"
        The unit of the effect, as :func:`analysis.core.formats.value` takes it.
    currency : str, optional
        The currency of a money effect (ISO code).

    Returns
    -------
    matplotlib.figure.Figure
        The figure, closed with pyplot.
    """
    import matplotlib.pyplot as plt

    from analysis.core import formats

    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.hist(draws["estimate"], bins=40, color="#4C72B0", alpha=0.85)
    ax.axvline(0, color="#333333", linewidth=1)

    def shown(x: float) -> str:
        return formats.value(x, unit, currency=currency)

    ax.axvline(expected, color="#55A868", linewidth=2, label=f"Planted effect ({shown(expected)})")
    if break_even is not None:
        ax.axvline(
            break_even,
            color="#C44E52",
            linestyle="--",
            linewidth=2,
            label=f"Break-even ({shown(break_even)})",
        )
    ax.xaxis.set_major_formatter(formats.axis_formatter(unit, currency=currency))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Simulated rollouts")
    ax.legend(frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.2)
    fig.tight_layout()
    return _closed(fig)
