r"""Seeded generator of one client's training-impact data (study 2).

The design follows the measurement process of the source articles: a baseline,
a staggered rollout in cohorts, re-assessment, and results that build up over the
periods after training and differ by segment.

Generative model (per rep ``i``, period ``t``)
---------------------------------------------
* skill :math:`s_i \sim N(0, 1)`; stronger reps are trained first (selection), a
  share is never trained, so a naive trained-vs-untrained comparison is biased up;
* learning (level 2): score before :math:`= 60 + 6 s_i + e`, gain
  :math:`g_i = 8 + 2 s_i + e` for trained reps;
* behaviour: the call-review score rises by :math:`b_i` (ramping up) after training;
* results: revenue :math:`y_{it} = \alpha_i + \lambda_t + \tau_{it} + \varepsilon_{it}`,
  with :math:`\alpha_i = 40{,}000 + 6{,}000 s_i` and the planted effect
  :math:`\tau_{it} = \text{effect} \times m_{seg(i)} \times (b_i / \bar b) \times \min(1, (e+1)/\text{ramp})`,
  where :math:`b_i = \text{behaviour\_per\_gain} \times g_i + u_i` is the rep's behaviour change
  (so results follow behaviour, which follows learning)
  for :math:`e = t - \text{start}_i \ge 0` periods since training (a ramp of 1 means
  a constant effect from the first trained period).

:func:`planted_att` gives the average planted effect over treated rep-periods, the
target that estimators are checked against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "COST_ITEMS",
    "MARKETS",
    "SEGMENT_MULTIPLIER",
    "TEAMS",
    "TrainingDesign",
    "generate_training_client",
    "planted_att",
]

SEGMENT_MULTIPLIER = {"new hire": 1.5, "experienced": 0.75}
TEAMS = ("North", "South", "East", "West", "Central", "Key accounts")
MARKETS = ("SMB", "mid-market", "enterprise")
COST_ITEMS = (
    ("needs assessment and design", "design", 0.10),
    ("content licences and customisation", "design", 0.15),
    ("facilitators and delivery", "delivery", 0.25),
    ("venue, travel and materials", "delivery", 0.10),
    ("participants' time away from selling", "participant time", 0.25),
    ("manager coaching time", "reinforcement", 0.10),
    ("evaluation and reporting", "evaluation", 0.05),
)


@dataclass(frozen=True)
class TrainingDesign:
    """Settings of one synthetic client.

    Parameters
    ----------
    n_reps, n_periods : int
        Panel size; periods are months starting ``first_period``.
    cohorts : tuple of int
        Period indices at which cohorts start training (staggered rollout).
    never_share : float
        Share of reps never trained.
    effect : float
        Planted full effect on monthly revenue (before segment multipliers).
    ramp : int
        Periods until the effect is fully built up (1 = immediate, constant).
    noise : float
        Standard deviation of the rep-period revenue noise.
    """

    n_reps: int = 150
    n_periods: int = 12
    cohorts: tuple[int, ...] = (3, 5, 7)
    never_share: float = 0.3
    effect: float = 4000.0
    ramp: int = 3
    noise: float = 6000.0
    behaviour_per_gain: float = 0.6
    first_period: str = "2025-01"
    programme_cost: float = 250_000.0


def _ramp(e: np.ndarray, ramp: int) -> np.ndarray:
    return np.where(e >= 0, np.minimum(1.0, (e + 1) / ramp), 0.0)


def generate_training_client(
    design: TrainingDesign = TrainingDesign(), *, seed: int = 0
) -> dict[str, pd.DataFrame]:
    """Draw one client's data: ``reps``, ``panel``, ``reactions``, ``assessments``, ``costs``.

    Returns
    -------
    dict of DataFrame
        ``reps``: rep_id, team, tenure_band, market_segment, training_start (period
        label, missing if never trained);
        ``panel``: rep_id, period, meetings, calls, pipeline, opportunities, wins,
        win_rate, revenue, avg_deal_size, cycle_days, coaching_sessions, call_score;
        ``reactions`` (level 1): rep_id, rating, relevance, intent_to_apply (1-5);
        ``assessments`` (level 2): rep_id, score_before, score_after (0-100);
        ``costs``: item, category, amount;
        ``truth``: rep_id, period, effect (planted), treated - for tests, never shipped.
    """
    rng = np.random.default_rng(seed)
    periods = pd.period_range(design.first_period, periods=design.n_periods, freq="M").astype(str)
    reps, skill, cohort_of = _draw_reps(rng, design, periods)
    trained = cohort_of >= 0
    gain, assessments, reactions = _draw_levels(rng, reps, skill, trained)
    panel, tau, since = _draw_panel(rng, design, reps, skill, cohort_of, gain, periods)
    costs = pd.DataFrame(
        [
            (item, category, round(design.programme_cost * share, 2))
            for item, category, share in COST_ITEMS
        ],
        columns=["item", "category", "amount"],
    )
    truth = pd.DataFrame(
        {"rep_id": panel["rep_id"], "period": panel["period"], "effect": tau, "treated": since >= 0}
    )
    return {
        "reps": reps,
        "panel": panel,
        "reactions": reactions.reset_index(drop=True),
        "assessments": assessments.reset_index(drop=True),
        "costs": costs,
        "truth": truth,
    }


def _draw_reps(
    rng: np.random.Generator, design: TrainingDesign, periods: pd.Index
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Draw the reps (skill, tenure, team, market) and their cohorts: (reps, skill, cohort index).

    Selection into training: reps ranked by skill plus noise, the strongest in the first
    cohorts; ``-1`` marks a rep never trained.
    """
    n = design.n_reps
    skill = rng.normal(size=n)
    tenure = np.where(rng.random(n) < 0.35, "new hire", "experienced")
    order = np.argsort(-(skill + rng.normal(scale=0.7, size=n)))
    n_trained = n - round(design.never_share * n)
    cohort_of = np.full(n, -1)
    cohort_sizes = np.diff(np.linspace(0, n_trained, len(design.cohorts) + 1).round().astype(int))
    position = 0
    for cohort, size in zip(design.cohorts, cohort_sizes, strict=True):
        cohort_of[order[position : position + size]] = cohort
        position += size
    reps = pd.DataFrame(
        {
            "rep_id": [f"rep-{i:04d}" for i in range(1, n + 1)],
            "team": rng.choice(TEAMS, size=n),
            "tenure_band": tenure,
            "market_segment": rng.choice(MARKETS, size=n, p=(0.5, 0.3, 0.2)),
            "training_start": [periods[c] if c >= 0 else None for c in cohort_of],
        }
    )
    return reps, skill, cohort_of


def _draw_levels(
    rng: np.random.Generator, reps: pd.DataFrame, skill: np.ndarray, trained: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """Draw Kirkpatrick levels 1 and 2 of the trained: (learning gain, assessments, reactions)."""
    n = len(reps)
    score_before = np.clip(60 + 6 * skill + rng.normal(scale=6, size=n), 0, 100).round(0)
    gain = np.where(trained, 8 + 2 * skill + rng.normal(scale=4, size=n), 0.0)
    score_after = np.clip(score_before + gain, 0, 100).round(0)
    assessments = pd.DataFrame(
        {"rep_id": reps["rep_id"], "score_before": score_before, "score_after": score_after}
    )[trained]
    reactions = pd.DataFrame(
        {
            "rep_id": reps["rep_id"],
            "rating": np.clip(
                np.round(4 + 0.3 * skill + rng.normal(scale=0.7, size=n)), 1, 5
            ).astype(int),
            "relevance": np.clip(np.round(3.8 + rng.normal(scale=0.8, size=n)), 1, 5).astype(int),
            "intent_to_apply": np.clip(
                np.round(3.9 + 0.05 * gain + rng.normal(scale=0.8, size=n)), 1, 5
            ).astype(int),
        }
    )[trained]
    return gain, assessments, reactions


def _draw_panel(
    rng: np.random.Generator,
    design: TrainingDesign,
    reps: pd.DataFrame,
    skill: np.ndarray,
    cohort_of: np.ndarray,
    gain: np.ndarray,
    periods: pd.Index,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Draw the rep-period panel: (panel, planted effect per row, periods since training).

    The chain: learning gain -> behaviour change (plus rep-level slack) -> results.
    """
    n, T = design.n_reps, design.n_periods
    trained = cohort_of >= 0
    tenure = reps["tenure_band"].to_numpy()
    rep_index = np.repeat(np.arange(n), T)
    t_index = np.tile(np.arange(T), n)
    since = np.where(trained[rep_index], t_index - cohort_of[rep_index], -1)
    build = _ramp(since, design.ramp)
    multiplier = np.vectorize(SEGMENT_MULTIPLIER.get)(tenure[rep_index])
    behaviour_change = np.where(
        trained,
        np.clip(design.behaviour_per_gain * gain + rng.normal(scale=2.0, size=n), 0, None),
        0.0,
    )
    chain = behaviour_change / max(behaviour_change[trained].mean(), 1e-9)
    tau = design.effect * multiplier * build * chain[rep_index]
    season = 2500 * np.sin(2 * np.pi * np.arange(T) / 12) + 300 * np.arange(T)
    alpha = 40_000 + 6_000 * skill
    revenue = alpha[rep_index] + season[t_index] + tau + rng.normal(scale=design.noise, size=n * T)
    revenue = np.maximum(revenue, 0)
    call_score = np.clip(
        55
        + 5 * skill[rep_index]
        + behaviour_change[rep_index] * build
        + rng.normal(scale=5, size=n * T),
        0,
        100,
    )
    meetings = rng.poisson(np.maximum(1, 12 + 2 * skill[rep_index] + 1.5 * build))
    opportunities = rng.binomial(meetings, 0.35)
    wins = rng.binomial(
        opportunities, np.clip(0.3 + 0.03 * skill[rep_index] + 0.04 * build, 0.05, 0.9)
    )
    panel = pd.DataFrame(
        {
            "rep_id": reps["rep_id"].to_numpy()[rep_index],
            "period": periods[t_index],
            "meetings": meetings,
            "calls": rng.poisson(60 + 5 * skill[rep_index].clip(-2, 2) + 5),
            "pipeline": np.round(
                np.maximum(0, 3.2 * revenue + rng.normal(scale=15_000, size=n * T)), -2
            ),
            "opportunities": opportunities,
            "wins": wins,
            "revenue": np.round(revenue, 2),
            "cycle_days": np.round(
                np.clip(rng.normal(62 - 3 * skill[rep_index] - 4 * build, 8), 10, None), 1
            ),
            "coaching_sessions": rng.poisson(1 + 1.5 * build),
            "call_score": np.round(call_score, 1),
        }
    )
    panel["win_rate"] = np.where(
        panel["opportunities"] > 0, panel["wins"] / panel["opportunities"].clip(lower=1), np.nan
    )
    panel["avg_deal_size"] = np.where(
        panel["wins"] > 0, panel["revenue"] / panel["wins"].clip(lower=1), np.nan
    ).round(2)
    return panel, tau, since


def planted_att(client: dict[str, pd.DataFrame]) -> float:
    """Average planted revenue effect over the trained rep-periods of one generated client."""
    truth = client["truth"]
    return float(truth.loc[truth["treated"], "effect"].mean())
