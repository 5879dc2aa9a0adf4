"""The sparse two-stage variance equals pyfixest's dense one, and stays small on large panels."""

from __future__ import annotations

import numpy as np
import pyfixest as pf
import pytest

from analysis.effects.did2s import did2s_keeping_singletons
from analysis.effects.staggered import _staggered_frame
from analysis.inputs.synthetic_training import TrainingDesign, generate_training_client
from analysis.inputs.training_contract import training_panel


@pytest.fixture(scope="module")
def panel():
    client = generate_training_client(
        TrainingDesign(n_reps=120, n_periods=10, cohorts=(3, 6)), seed=3
    )
    data = training_panel(client)
    rng = np.random.default_rng(1)
    size = dict(zip(data["rep_id"].unique(), rng.uniform(0.5, 2.0, data["rep_id"].nunique())))
    return data.assign(w=data["rep_id"].map(size))


@pytest.mark.parametrize("weights", [None, "w"])
@pytest.mark.parametrize("second_stage", ["~ treated", "~ i(rel, ref=-1.0)"])
def test_sparse_variance_equals_pyfixest_did2s(panel, weights, second_stage):
    frame = _staggered_frame(
        panel,
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
        window=(-3, 3),
        weights=weights,
    )
    weight = "w" if weights else None
    ours = did2s_keeping_singletons(frame, second_stage=second_stage, weights=weight)
    library = pf.did2s(
        frame,
        yname="y",
        first_stage="~ 0 | unit + t",
        second_stage=second_stage,
        treatment="treated",
        cluster="unit",
        weights=weight,
    )
    np.testing.assert_allclose(ours.coef().to_numpy(), library.coef().to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(
        ours._vcov, library._vcov, rtol=1e-9, atol=1e-12 * np.abs(library._vcov).max()
    )
    np.testing.assert_allclose(ours.se().to_numpy(), library.se().to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours.pvalue().to_numpy(), library.pvalue().to_numpy(), rtol=1e-7)
