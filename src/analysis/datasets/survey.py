"""Seeded generator of learning-leader surveys calibrated to the 2012 published figures.

Published figures (source article 004): 174 learning leaders in 23 industries; 74%
rate their training organisation effective or very effective, 26% very effective;
very effective organisations are twice as likely as ineffective ones to buy
customized solutions and meet senior sales leadership more often (some ineffective
ones never); 26% name a new value proposition as the initiative needing most support.

Generative model
----------------
1. Alignment and sustainment practices are independent Bernoulli draws.
2. Effectiveness follows a proportional-odds model on those practices,
   ``P(Y <= j | x) = F(theta_j - x'beta)`` with ``F`` the logistic CDF. The
   cut-points ``theta`` are solved exactly (all 2^8 practice profiles enumerated)
   so that the population shares are 8% / 18% / 48% / 26%.
3. Solution type and meeting cadence are drawn given effectiveness, so the planted
   risk ratio of buying customized solutions (very effective vs ineffective,
   where ineffective = not or somewhat effective) is exactly 2.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special

from analysis.contracts.survey import (
    CADENCE_LEVELS,
    EFFECTIVENESS_LEVELS,
    INITIATIVES,
    PRACTICES,
    SIZE_BANDS,
)

__all__ = [
    "CADENCE_RATE",
    "CUSTOMIZED_RATE",
    "EFFECTIVENESS_SHARES",
    "INDUSTRIES",
    "INITIATIVE_RATE",
    "PRACTICE_MODEL",
    "SIZE_RATE",
    "TOOL_RATES",
    "generate_survey",
    "planted_truth",
]

INDUSTRIES = (
    "Banking",
    "Insurance",
    "Pharmaceuticals",
    "Medical devices",
    "Software",
    "IT services",
    "Telecommunications",
    "Manufacturing",
    "Chemicals",
    "Automotive",
    "Energy",
    "Utilities",
    "Retail",
    "Consumer goods",
    "Food and beverage",
    "Logistics",
    "Business services",
    "Media",
    "Hospitality",
    "Construction",
    "Real estate",
    "Education",
    "Government",
)

#: Population shares of the four effectiveness levels (not, somewhat, effective, very).
EFFECTIVENESS_SHARES = (0.08, 0.18, 0.48, 0.26)

#: Probability of practice adoption and its planted log-odds effect on effectiveness.
PRACTICE_MODEL = {
    "align_define_strategy": (0.55, 0.8),
    "align_agree_roles": (0.50, 0.5),
    "align_joint_planning": (0.40, 0.7),
    "sustain_reinforcement": (0.45, 0.9),
    "sustain_coaching": (0.50, 0.6),
    "sustain_manager_training": (0.35, 0.4),
    "sustain_feedback_forms": (0.70, 0.0),
    "sustain_pre_post_assessment": (0.40, 0.3),
}
TOOL_RATES = {
    "tool_mobile_learning": 0.45,
    "tool_gamification": 0.25,
    "tool_mentor_network": 0.30,
    "tool_video_coaching": 0.35,
}

#: P(buys customized solutions | group): ineffective, effective, very effective.
CUSTOMIZED_RATE = {"ineffective": 0.30, "effective": 0.45, "very effective": 0.60}

#: Meeting cadence with senior sales leadership, by group, in CADENCE_LEVELS order.
CADENCE_RATE = {
    "ineffective": (0.10, 0.25, 0.30, 0.20, 0.15),
    "effective": (0.25, 0.40, 0.25, 0.08, 0.02),
    "very effective": (0.45, 0.35, 0.15, 0.05, 0.00),
}
INITIATIVE_RATE = (0.26, 0.24, 0.22, 0.16, 0.12)
SIZE_RATE = (0.35, 0.40, 0.25)


def _group(level: str) -> str:
    return "ineffective" if level in EFFECTIVENESS_LEVELS[:2] else level


def _solve_cutpoints() -> np.ndarray:
    names = list(PRACTICE_MODEL)
    p = np.array([PRACTICE_MODEL[n][0] for n in names])
    beta = np.array([PRACTICE_MODEL[n][1] for n in names])
    profiles = np.array(list(itertools.product([0, 1], repeat=len(names))))
    weight = np.prod(np.where(profiles == 1, p, 1 - p), axis=1)
    eta = profiles @ beta
    cumulative = np.cumsum(EFFECTIVENESS_SHARES)[:-1]

    def population_cdf(theta: float) -> float:
        return float(np.sum(weight * special.expit(theta - eta)))

    return np.array(
        [
            optimize.brentq(lambda t, c=c: population_cdf(t) - c, -20, 20, xtol=1e-12)
            for c in cumulative
        ]
    )


def planted_truth() -> dict:
    """Return the generator's population values, for tests that check recovery.

    Returns
    -------
    dict
        ``cutpoints`` (array of 3), ``beta`` (practice -> log-odds), ``shares``
        (level -> population share), ``customized_risk_ratio`` (very effective vs
        ineffective) and ``value_proposition_share``.
    """
    return {
        "cutpoints": _solve_cutpoints(),
        "beta": {name: effect for name, (_, effect) in PRACTICE_MODEL.items()},
        "shares": dict(zip(EFFECTIVENESS_LEVELS, EFFECTIVENESS_SHARES, strict=True)),
        "customized_risk_ratio": CUSTOMIZED_RATE["very effective"] / CUSTOMIZED_RATE["ineffective"],
        "value_proposition_share": INITIATIVE_RATE[0],
    }


def _quota_counts(n: int, shares: Sequence[float] | np.ndarray) -> np.ndarray:
    """Largest-remainder rounding of ``n * shares`` to whole counts summing to ``n``."""
    raw = np.asarray(shares) * n
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts))[: n - counts.sum()]] += 1
    return counts


def generate_survey(
    n: int = 174, *, seed: int = 2012, n_industries: int = 23, match_published: bool = False
) -> pd.DataFrame:
    """Draw one survey wave that follows the study-1 contract.

    Parameters
    ----------
    n : int
        Number of respondents (174 in the 2012 study).
    seed : int
        Seed of the random generator; the same seed gives the same survey.
    n_industries : int
        Number of industries (23 in the 2012 study, at most 23). Each appears at
        least once when ``n >= n_industries``.
    match_published : bool
        Draw a quota sample: the effectiveness levels and the share naming a new
        value proposition hit the published margins exactly (after rounding), as a
        survey weighted to known margins would. Effectiveness is then assigned by
        ranking the same latent variable (practices plus logistic noise) into the
        quotas. Default False: a simple random sample from the population model,
        used by the simulation tests.

    Returns
    -------
    DataFrame
        One row per respondent, columns as in :mod:`analysis.contracts.survey`.

    Examples
    --------
    >>> survey = generate_survey(seed=1)
    >>> len(survey), survey["industry"].nunique()
    (174, 23)
    """
    if not 1 <= n_industries <= len(INDUSTRIES):
        raise ValueError(
            f"n_industries must be between 1 and {len(INDUSTRIES)}; got {n_industries}."
        )
    if n < 2:
        raise ValueError(f"n must be at least 2; got {n}.")
    rng = np.random.default_rng(seed)
    industries = np.array(INDUSTRIES[:n_industries])
    first = rng.permutation(industries)[: min(n, n_industries)]
    rest = rng.choice(industries, size=n - len(first))
    data = pd.DataFrame(
        {
            "respondent_id": [f"R{i:04d}" for i in range(1, n + 1)],
            "industry": rng.permutation(np.concatenate([first, rest])),
            "size_band": rng.choice(SIZE_BANDS, size=n, p=SIZE_RATE),
        }
    )
    eta = np.zeros(n)
    for name, (rate, effect) in PRACTICE_MODEL.items():
        data[name] = rng.random(n) < rate
        eta += effect * data[name].to_numpy()
    for name, rate in TOOL_RATES.items():
        data[name] = rng.random(n) < rate
    theta = _solve_cutpoints()
    latent_u = rng.random(n)
    if match_published:
        latent = eta + special.logit(latent_u)  # eta + standard logistic noise
        level_index = np.empty(n, dtype=int)
        level_index[np.argsort(latent)] = np.repeat(
            np.arange(4), _quota_counts(n, EFFECTIVENESS_SHARES)
        )
    else:
        cdf = special.expit(theta[None, :] - eta[:, None])  # n x 3, P(Y <= j)
        level_index = (latent_u[:, None] > cdf).sum(axis=1)
    data["effectiveness"] = np.array(EFFECTIVENESS_LEVELS)[level_index]
    groups = data["effectiveness"].map(_group)
    data["solution_type"] = np.where(
        rng.random(n) < groups.map(CUSTOMIZED_RATE).to_numpy(), "customized", "off-the-shelf"
    )
    data["leadership_meetings"] = [rng.choice(CADENCE_LEVELS, p=CADENCE_RATE[g]) for g in groups]
    if match_published:
        data["top_initiative"] = rng.permutation(
            np.repeat(INITIATIVES, _quota_counts(n, INITIATIVE_RATE))
        )
    else:
        data["top_initiative"] = rng.choice(INITIATIVES, size=n, p=INITIATIVE_RATE)
    ordered = [
        "respondent_id",
        "industry",
        "size_band",
        "effectiveness",
        "solution_type",
        "leadership_meetings",
        "top_initiative",
    ]
    practice_columns = [c for group in PRACTICES.values() for c in group]
    return data[ordered + practice_columns]
