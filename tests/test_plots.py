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
