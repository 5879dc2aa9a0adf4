"""No computed sentence claims more than its interval supports."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from analysis import effects, roi, survey
from analysis.core.conclusions import direction, phrase
from analysis.datasets.training import TrainingDesign, generate_training_client


@pytest.mark.parametrize(
    "low,high,null,expected",
    [
        (0.1, 2.0, 0.0, "above"),
        (-2.0, -0.1, 0.0, "below"),
        (-1.0, 1.0, 0.0, "unclear"),
        (0.0, 1.0, 0.0, "unclear"),  # touching the reference is not clearly above it
        (1.2, 3.0, 1.0, "above"),
        (0.5, 1.5, 1.0, "unclear"),
        (float("nan"), 1.0, 0.0, "unclear"),
        (0.5, float("inf"), 0.0, "unclear"),
        (None, 1.0, 0.0, "unclear"),
    ],
)
def test_direction_follows_the_interval(low, high, null, expected):
    assert direction(low, high, null=null) == expected
    assert (
        phrase(low, high, null=null, above="a", below="b", unclear="c")
        == {
            "above": "a",
            "below": "b",
            "unclear": "c",
        }[expected]
    )


def _designs(n: int):
    """Generated clients from well powered to hopeless: size, noise and effect vary."""
    rng = np.random.default_rng(20261123)
    for i in range(n):
        n_reps = int(rng.choice([12, 20, 40, 80, 150]))
        n_periods = int(rng.choice([6, 8, 12]))
        first = int(rng.integers(2, n_periods - 2))
        cohorts = (first,) if rng.random() < 0.4 else (first, min(n_periods - 1, first + 2))
        yield (
            i,
            TrainingDesign(
                n_reps=n_reps,
                n_periods=n_periods,
                cohorts=cohorts,
                never_share=float(rng.choice([0.2, 0.4])),
                effect=float(rng.choice([0.0, 500.0, 2_000.0, 6_000.0])),
                noise=float(rng.choice([1_000.0, 5_000.0, 15_000.0])),
            ),
        )


CLAIMS = {
    "raised": "above",
    "lowered": "below",
    "did not clearly change": "unclear",
}
ROI_CLAIMS = {
    "The benefits covered the costs": "above",
    "The benefits did not cover the costs": "below",
    "The data cannot tell whether the programme paid for itself": "unclear",
}


@pytest.mark.slow
def test_no_sentence_contradicts_its_interval_over_200_generated_clients():
    seen = {"above": 0, "below": 0, "unclear": 0}
    roi_seen = {"above": 0, "below": 0, "unclear": 0}
    for i, design in _designs(200):
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
            sentences = effects.explain_comparison(table, outcome_label="revenue")
        isolated = table.set_index("term").loc["staggered (imputation)"]
        claim = next(v for k, v in CLAIMS.items() if f"Training {k} revenue" in sentences[0])
        assert claim == direction(isolated["conf_low"], isolated["conf_high"]), sentences[0]
        seen[claim] += 1
        # ROI: benefits move with the effect, so the effect's interval gives ROI's
        treated = float(data["trained"].sum())
        costs = 50_000.0 + 400.0 * design.n_reps
        margin = 0.35
        benefits = isolated["estimate"] * treated * margin
        point = roi.roi_figures(benefits, costs, benefit_per_period=benefits / design.n_periods)
        result = roi.RoiResult(
            figures=point,
            intervals={
                "roi_percent": tuple(
                    (isolated[bound] * treated * margin - costs) / costs * 100
                    for bound in ("conf_low", "conf_high")
                )
            },
            conf_level=0.95,
            conservative=False,
            n_clusters=design.n_reps,
        )
        text = " ".join(roi.describe(result))
        said = [v for k, v in ROI_CLAIMS.items() if k in text]
        assert len(said) == 1, text
        low, high = result.intervals["roi_percent"]
        assert said[0] == direction(low, high), text
        assert ("paid for itself in about" in text) == (said[0] == "above"), text
        roi_seen[said[0]] += 1
    # the grid holds clear and unclear cases of both kinds (underpowered ones included)
    assert seen["above"] >= 20 and seen["unclear"] >= 20, seen
    assert roi_seen["unclear"] >= 20 and roi_seen["above"] >= 5 and roi_seen["below"] >= 5, roi_seen


def test_a_ratio_sentence_follows_its_interval():
    row = pd.Series({"estimate": 1.8, "conf_low": 0.9, "conf_high": 3.6})
    share = pd.Series({"estimate": 0.7, "conf_low": 0.6, "conf_high": 0.8})
    never = pd.Series(dtype=float)
    text = " ".join(survey.describe_contrast(row, share, never))
    assert "the data cannot tell" in text and "more likely" not in text
    clear = " ".join(survey.describe_contrast(row.copy().replace({0.9: 1.2}), share, never))
    assert "more likely than ineffective ones" in clear


def test_the_cross_section_explanation_does_not_describe_a_panel():
    table = pd.DataFrame(
        [
            {
                "term": "naive difference",
                "estimate": 900.0,
                "std_error": 50.0,
                "conf_low": 800.0,
                "conf_high": 1000.0,
            },
            {
                "term": "regression adjusted",
                "estimate": 300.0,
                "std_error": 50.0,
                "conf_low": 200.0,
                "conf_high": 400.0,
            },
        ]
    )
    text = " ".join(
        effects.explain_comparison(table, outcome_label="revenue", unit_label="per rep")
    )
    assert "before training" not in text and "itself" not in text
    assert re.search(r"covariates", text)
    assert not math.isnan(table["estimate"].sum())
