"""Plots accept intervals whose ends touch the estimate and suppressed (missing) rows."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from analysis.report import plots


def test_plot_shares_tolerates_rounding_and_suppressed_rows():
    tidy = pd.DataFrame(
        {
            "level": ["never", "weekly", "monthly"],
            "estimate": [0.0, 0.5, np.nan],
            "conf_low": [1e-17, 0.4, np.nan],  # a lower bound a hair above a zero estimate
            "conf_high": [0.1, 0.6, np.nan],
        }
    )
    fig = plots.plot_shares(tidy)
    assert len(fig.axes[0].patches) == 3


def test_plot_forest_draws_one_row_per_estimate():
    tidy = pd.DataFrame(
        {
            "term": ["a", "b"],
            "estimate": [2.0, 0.8],
            "conf_low": [2.0, 0.5],
            "conf_high": [3.0, 1.2],
        }
    )
    fig = plots.plot_forest(tidy)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a", "b"]


def test_the_heatmaps_colour_bar_is_in_percent_like_its_cells():
    tidy = pd.DataFrame(
        {
            "group": ["a", "a", "b", "b"],
            "item": ["x", "y", "x", "y"],
            "estimate": [0.1, 0.5, 0.9, 1],
        }
    )
    fig = plots.plot_heatmap(tidy, row="group", column="item")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    bar = fig.axes[-1]  # the colour bar's axes
    ticks = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    assert ticks and all(t.endswith("%") for t in ticks), ticks
    assert "100%" in ticks and "1.0" not in ticks


def test_the_histograms_legend_crosses_neither_its_lines_nor_its_bars():
    rng = np.random.default_rng(1)
    draws = pd.DataFrame({"estimate": rng.normal(3000, 600, 500)})
    fig = plots.plot_estimate_distribution(
        draws, expected=3000, break_even=1361, unit="currency", currency="EUR"
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    plot_area = ax.get_window_extent(renderer)
    assert legend.y0 >= plot_area.y1 - 1  # above the plot area, where no line or bar runs
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Planted effect (EUR 3,000)", "Break-even (EUR 1,361)"]
