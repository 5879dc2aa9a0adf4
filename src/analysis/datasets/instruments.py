"""Seeded generators for study 3.

Instrument responses (with planted misalignment) and KPI-target episodes (with planted gaming).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.contracts.instruments import Instrument

__all__ = [
    "generate_checklist",
    "generate_kpi_episode",
    "generate_true_false",
    "generate_two_views",
]


def generate_true_false(
    instrument: Instrument, n: int, *, p_true: float | dict = 0.55, seed: int = 0
) -> pd.DataFrame:
    """Respondents answering each statement true with probability ``p_true`` (per item if a dict)."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {
        "respondent_id": [f"{instrument.id[:3]}-{i:03d}" for i in range(1, n + 1)]
    }
    for item in instrument.item_ids:
        p = p_true.get(item, 0.55) if isinstance(p_true, dict) else p_true
        data[item] = np.where(rng.random(n) < p, "true", "false")
    return pd.DataFrame(data)


def generate_checklist(instrument: Instrument, n: int, *, seed: int = 0) -> pd.DataFrame:
    """Respondents ticking each reason with its own probability (drawn once per seed)."""
    rng = np.random.default_rng(seed)
    rates = rng.beta(2, 4, size=len(instrument.items))
    data = {"respondent_id": [f"fr-{i:03d}" for i in range(1, n + 1)]}
    for item, rate in zip(instrument.item_ids, rates, strict=True):
        data[item] = (rng.random(n) < rate).astype(int)
    return pd.DataFrame(data)


def generate_two_views(
    instrument: Instrument,
    n_per_group: int,
    *,
    view2: dict[str, float] | None = None,
    misaligned: dict[str, dict[str, float]] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Stakeholder responses with planted misalignment.

    Parameters
    ----------
    view2 : dict, optional
        Group -> probability of choosing View 2 on every statement (default 0.6).
    misaligned : dict, optional
        Item -> {group: probability} overriding ``view2`` for that statement: the
        planted disagreement.
    """
    rng = np.random.default_rng(seed)
    view2 = view2 or {}
    misaligned = misaligned or {}
    rows = []
    for group in instrument.groups:
        for i in range(n_per_group):
            initials = "".join(word[0] for word in group.split())
            row = {"respondent_id": f"{initials}-{i + 1:02d}", "group": group}
            for item in instrument.item_ids:
                p = misaligned.get(item, {}).get(group, view2.get(group, 0.6))
                row[item] = "View 2" if rng.random() < p else "View 1"
            rows.append(row)
    return pd.DataFrame(rows)


def generate_kpi_episode(
    *,
    n_reps: int = 100,
    n_periods: int = 12,
    start: int = 6,
    targeted_teams: tuple[str, ...] = ("North", "South"),
    gamed: bool = True,
    inflation: float = 0.35,
    seed: int = 0,
    first_period: str = "2025-01",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a rep-period activity panel and its KPI target table.

    A meetings target starts at period ``start`` for ``targeted_teams`` (all reps when
    the tuple is empty). With ``gamed``, targeted reps book ``inflation`` more
    meetings but create no more opportunities, so meetings-to-opportunity conversion
    falls. Without it, nothing changes.

    Returns
    -------
    (DataFrame, DataFrame)
        Panel ``rep_id, team, period, calls, meetings, opportunities, wins, pipeline,
        revenue``; targets ``metric, start_period, scope``.
    """
    rng = np.random.default_rng(seed)
    periods = pd.period_range(first_period, periods=n_periods, freq="M").astype(str)
    teams = np.array(["North", "South", "East", "West"])[rng.integers(0, 4, size=n_reps)]
    base = rng.gamma(8, 1.5, size=n_reps)
    rows = []
    for i in range(n_reps):
        in_scope = not targeted_teams or teams[i] in targeted_teams
        for t in range(n_periods):
            genuine = rng.poisson(base[i])
            padded = rng.poisson(inflation * base[i]) if (gamed and in_scope and t >= start) else 0
            meetings = genuine + padded
            opportunities = rng.binomial(genuine, 0.35)
            wins = rng.binomial(opportunities, 0.3)
            rows.append(
                {
                    "rep_id": f"rep-{i + 1:04d}",
                    "team": teams[i],
                    "period": periods[t],
                    "calls": int(rng.poisson(4 * base[i])),
                    "meetings": int(meetings),
                    "opportunities": int(opportunities),
                    "wins": int(wins),
                    "pipeline": float(opportunities * 25_000),
                    "revenue": float(wins * 20_000),
                }
            )
    targets = pd.DataFrame(
        [
            {
                "metric": "meetings",
                "start_period": periods[start],
                "scope": "; ".join(targeted_teams) if targeted_teams else "all",
            }
        ]
    )
    return pd.DataFrame(rows), targets
