"""Data that read cleanly but would give a silently wrong number."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.contracts.quality import cross_column_problems, unit_changes


def _panel(seed=0, reps=6, periods=12):
    rng = np.random.default_rng(seed)
    rows = [
        {
            "rep_id": f"r{r}",
            "team": "A" if r < 3 else "B",
            "period": f"2025-{p + 1:02d}",
            "revenue": rng.lognormal(10, 0.6),
        }
        for r in range(reps)
        for p in range(periods)
    ]
    return pd.DataFrame(rows)


def test_a_team_switching_to_thousands_is_named_with_period_and_factor():
    panel = _panel()
    late = (panel["team"] == "B") & (panel["period"] >= "2025-07")
    panel.loc[late, "revenue"] /= 1000
    messages = unit_changes(panel, column="revenue", by="team", source="panel.csv")
    assert len(messages) == 1
    assert "revenue of team B (3 rep(s): r3, r4, r5) falls about 1,000x from 2025-07" in messages[0]
    assert "(thousands)" in messages[0]


def test_cents_rising_100x_and_one_outlying_month_and_noise():
    panel = _panel(seed=1)
    assert unit_changes(panel, column="revenue", by="team") == []  # lognormal noise, sd 0.6
    spike = panel.copy()
    spike.loc[5, "revenue"] *= 1000  # one month only: an outlier, not a unit change
    assert unit_changes(spike, column="revenue") == []
    cents = panel.copy()
    cents.loc[(cents["rep_id"] == "r0") & (cents["period"] >= "2025-04"), "revenue"] *= 100
    (message,) = unit_changes(cents, column="revenue")
    assert "rep(s) (1 rep(s): r0) rises about 100x from 2025-04" in message


def test_wins_above_opportunities_name_the_lines():
    frame = pd.DataFrame({"wins": [1, 5, 2], "opportunities": [2, 3, np.nan]})
    (message,) = cross_column_problems(frame, "panel.csv")
    assert message.startswith(
        "panel.csv: column wins exceeds opportunities on lines 3 (e.g. 5 > 3)"
    )
