"""Over 200 generated panels, no sentence prints a number that contradicts its verdict.

Panels come from :func:`analysis.datasets.training.generate_training_client` with planted
effects of zero, near zero and well above it, and programme costs set so that break-even
lies at 0.3 to 1.4 times the planted effect. For each panel the isolated effect is estimated and every
sentence builder that reports it is run: the comparison (effects.explain_comparison), the
plan (planning.describe_against_plan), ROI (roi.describe) and whether the design could
show that it paid (power.describe_design). Each is also run on the same table moved so
that a bound lies just past zero (0.4 or -0.3 units of the last printed digit), the edge
where rounding used to print "CI 0 to 900" beside "raised".

The check reads the printed numbers back from each sentence: a "raised" sentence prints
a positive lower bound, a "lowered" one a negative upper bound and a positive size, a
"cannot tell" one bounds around zero; a plan, ROI or break-even comparison likewise.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import effects, planning, power, roi
from analysis.core.conclusions import direction, width_decimals
from analysis.datasets.training import TrainingDesign, generate_training_client, planted_att

NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
N_PANELS = 200


def _value(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def _interval(sentence: str, lead: str) -> tuple[float, float]:
    match = re.search(rf"{lead} ({NUMBER})%? to ({NUMBER})%?", sentence)
    assert match, (lead, sentence)
    return _value(match.group(1)), _value(match.group(2))


def _agrees(verdict: str, low: float, high: float, null: float = 0.0) -> bool:
    if verdict == "above":
        return low > null
    if verdict == "below":
        return high < null
    return low <= null <= high


def _panels(n: int):
    """Generated panels: effects of zero, near zero (a small share of the noise) and clear."""
    rng = np.random.default_rng(20260530)
    for i in range(n):
        n_periods = int(rng.choice([6, 8, 12]))
        first = int(rng.integers(2, n_periods - 2))
        yield (
            i,
            TrainingDesign(
                n_reps=int(rng.choice([16, 30, 60, 100])),
                n_periods=n_periods,
                cohorts=(first,) if rng.random() < 0.4 else (first, min(n_periods - 1, first + 2)),
                never_share=float(rng.choice([0.2, 0.4])),
                effect=float(rng.choice([0.0, 100.0, 300.0, 1_000.0, 4_000.0])),
                noise=float(rng.choice([1_000.0, 4_000.0, 12_000.0])),
            ),
            float(rng.uniform(0.3, 1.4)),  # break-even as a multiple of the planted effect
        )


def _moved(table: pd.DataFrame, term: str, shift: float) -> pd.DataFrame:
    """The table with the isolated row moved by ``shift`` (estimate and both bounds)."""
    out = table.copy()
    row = out["term"] == term
    out.loc[row, ["estimate", "conf_low", "conf_high"]] += shift
    return out


def _edges(table: pd.DataFrame, term: str) -> list[pd.DataFrame]:
    """The panel's own table, and copies whose lower or upper bound sits just past zero."""
    row = table.set_index("term").loc[term]
    step = 10.0 ** -width_decimals(row["conf_low"], row["conf_high"])
    return [
        table,
        _moved(table, term, 0.4 * step - row["conf_low"]),  # lower bound at +0.4 of a digit
        _moved(table, term, -0.3 * step - row["conf_high"]),  # upper bound at -0.3 of one
    ]


def _check_comparison(table: pd.DataFrame, term: str) -> str:
    sentence = effects.explain_comparison(table, outcome_label="revenue")[0]
    row = table.set_index("term").loc[term]
    verdict = direction(row["conf_low"], row["conf_high"])
    verb = {"above": "raised", "below": "lowered", "unclear": "did not clearly change"}[verdict]
    assert sentence.startswith(f"Training {verb} revenue"), sentence
    assert _agrees(verdict, *_interval(sentence, "CI")), sentence
    estimate = re.search(rf"\) is ({NUMBER}) per rep", sentence)
    assert estimate, sentence
    if verdict != "unclear":  # the estimate lies inside a clear interval: same sign in print
        assert np.sign(_value(estimate.group(1))) == (1 if verdict == "above" else -1), sentence
    return verdict


def _check_plan(row: pd.Series, planned: float) -> None:
    table = pd.DataFrame(
        [{**row.to_dict(), "term": "revenue", "role": "primary", "planned": planned}]
    ).assign(p_value_adjusted=row["p_value"])
    sentence = planning.describe_against_plan(table)[0]
    verdict = direction(row["conf_low"], row["conf_high"])
    low, high = _interval(sentence, "interval")
    assert _agrees(verdict, low, high), sentence
    if verdict != "unclear":
        size = re.search(rf"by an estimated ({NUMBER})", sentence)
        assert size and _value(size.group(1)) > 0, sentence
    versus = direction(row["conf_low"], row["conf_high"], null=planned)
    shown = re.search(rf"planned (?:fall of )?({NUMBER})", sentence)
    assert shown, sentence
    plan = _value(shown.group(1)) * (-1 if "planned fall of" in sentence else 1)
    assert _agrees(versus, low, high, null=plan), sentence


def _check_roi(row: pd.Series, treated: float, costs: float, margin: float, n_reps: int) -> str:
    benefits = row["estimate"] * treated * margin
    result = roi.RoiResult(
        figures=roi.roi_figures(benefits, costs, benefit_per_period=benefits / 12),
        intervals={
            "roi_percent": tuple(
                (row[b] * treated * margin - costs) / costs * 100 for b in ("conf_low", "conf_high")
            )
        },
        conf_level=0.95,
        conservative=False,
        n_clusters=n_reps,
    )
    text = " ".join(roi.describe(result))
    low, high = result.intervals["roi_percent"]
    verdict = direction(low, high)
    claim = {
        "above": "The benefits covered the costs",
        "below": "The benefits did not cover the costs",
        "unclear": "The data cannot tell whether the programme paid for itself",
    }[verdict]
    assert claim in text, text
    assert _agrees(verdict, *_interval(text, "runs from")), text
    point = re.search(
        rf"An estimated ({NUMBER}) was returned .* \(estimated ROI ({NUMBER})%\)", text
    )
    assert point, text
    returned, percent = _value(point.group(1)), _value(point.group(2))
    assert np.sign(returned - 1) == np.sign(percent), text  # 0.99 beside -1%, never beside 0%
    return verdict


def _check_design(row: pd.Series, even: float, n_reps: int) -> None:
    check = power.design_check(
        std_error=row["std_error"], break_even=even, effect=row["estimate"], df=n_reps - 1
    )
    text = power.describe_design(check, conf_low=row["conf_low"], conf_high=row["conf_high"])
    side = direction(row["conf_low"], row["conf_high"], null=even)
    chance = check.set_index("term")["estimate"]["power against break-even at the estimated effect"]
    if side != "unclear":
        assert text.startswith(f"The interval of the effect lies wholly {side} the break-even")
    elif chance >= 0.8:
        assert text.startswith("This design could have shown"), text
    else:
        assert text.startswith("This design could not have shown"), text
    shown = re.search(rf"the estimated ({NUMBER}), .* break-even effect of ({NUMBER})", text)
    if shown:  # the effect and break-even printed in their true order
        printed = np.sign(_value(shown.group(1)) - _value(shown.group(2)))
        assert printed == np.sign(row["estimate"] - even), text


@pytest.mark.slow
def test_no_sentence_contradicts_its_numbers_over_200_generated_panels():
    seen = {"above": 0, "below": 0, "unclear": 0}
    roi_seen = {"above": 0, "below": 0, "unclear": 0}
    margin = 0.35
    for i, design, multiple in _panels(N_PANELS):
        client = generate_training_client(design, seed=i)
        data = client["panel"].merge(client["reps"], on="rep_id")
        data["trained"] = (
            data["training_start"].notna() & (data["period"] >= data["training_start"])
        ).astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # small panels warn about few clusters
            table = effects.compare_estimators(
                data,
                outcome="revenue",
                treatment="trained",
                unit="rep_id",
                time="period",
                start="training_start",
            )
        term = effects.isolated_term(table)
        planted = planted_att(client)
        treated = float(data["trained"].sum())
        # costs that put break-even near the planted effect (or near a modest one when none)
        even = multiple * max(planted, 50.0)
        costs = even * treated * margin
        for moved in _edges(table, term):
            seen[_check_comparison(moved, term)] += 1
            row = moved.set_index("term").loc[term]
            _check_plan(row, planned=float(planted if planted else 100.0))
            roi_seen[_check_roi(row, treated, costs, margin, design.n_reps)] += 1
            _check_design(row, even, design.n_reps)
    # every verdict is reached often; each panel adds one edge case on either side of zero
    assert seen["above"] >= 200 and seen["below"] >= 200 and seen["unclear"] >= 40, seen
    assert min(roi_seen.values()) >= 10, roi_seen  # 14 clearly paid, 222 did not, 364 cannot tell
