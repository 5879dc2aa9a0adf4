"""The sparse two-stage variance equals pyfixest's dense one, and stays small on large panels."""

from __future__ import annotations

import numpy as np
import pyfixest as pf
import pytest

from analysis.contracts.training import training_panel
from analysis.datasets.training import TrainingDesign, generate_training_client
from analysis.effects.did2s import did2s_keeping_singletons
from analysis.effects.staggered import _staggered_frame


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


def test_two_stage_intervals_and_p_values_use_t_with_clusters_minus_one(panel):
    # the same convention as every other clustered estimate: t(G - 1) for the interval
    # and the p-value alike (pyfixest's did2s gives a normal interval)
    from scipy import stats

    from analysis import effects

    few = panel[panel["rep_id"].isin(panel["rep_id"].unique()[:12])]
    for table in (
        effects.staggered_att(  # 7 treated reps: the analytic interval asked for, not the bootstrap
            few,
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
            bootstrap="off",
        ),
        effects.event_study(
            few,
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
            window=(-2, 2),
            estimator="imputation",
        )
        .tidy()
        .query("term != 'event_-1'"),
    ):
        row = table.iloc[0]
        critical = stats.t.ppf(0.975, 12 - 1)
        assert row["conf_high"] - row["estimate"] == pytest.approx(critical * row["std_error"])
        t_value = abs(row["estimate"]) / row["std_error"]
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(t_value, 11))


def test_clustering_by_a_coarser_column_equals_pyfixest_did2s(panel):
    # reps grouped in 24 offices of 5: the two-stage variance summed over offices
    from analysis import effects

    office = {rep: i // 5 for i, rep in enumerate(panel["rep_id"].unique())}
    data = panel.assign(office=panel["rep_id"].map(office))
    ours = effects.staggered_att(
        data,
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
        cluster="office",
    ).iloc[0]
    frame = _staggered_frame(
        data,
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
        window=(-2, 0),
        cluster="office",
    )
    library = pf.did2s(
        frame,
        yname="y",
        first_stage="~ 0 | unit + t",
        second_stage="~ treated",
        treatment="treated",
        cluster="cluster",
    )
    assert ours["estimate"] == pytest.approx(library.coef()["treated"], rel=1e-10)
    assert ours["std_error"] == pytest.approx(library.se()["treated"], rel=1e-9)
    by_rep = effects.staggered_att(
        data, outcome="revenue", unit="rep_id", time="period", start="training_start"
    ).iloc[0]
    assert ours["std_error"] != pytest.approx(by_rep["std_error"], rel=1e-3)
    event = effects.event_study(
        data,
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
        estimator="twfe",
        cluster="office",
    ).tidy()
    twfe = pf.feols(
        "y ~ i(rel, ref=-1.0) | unit + t",
        data=_staggered_frame(
            data,
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
            window=(-4, 6),
            cluster="office",
        ),
        vcov={"CRV1": "cluster"},
    )
    lag0 = next(name for name in twfe.se().index if name.endswith("::0.0"))
    assert event.set_index("term").loc["event_0", "std_error"] == pytest.approx(
        twfe.se()[lag0], rel=1e-9
    )


def test_first_stage_covariates_equal_pyfixest_did2s(panel):
    # a time-varying control in the first stage (Borusyak, Jaravel and Spiess 2024):
    # the imputed untreated outcome accounts for it, with the same two-stage variance
    from analysis import effects

    rng = np.random.default_rng(8)
    data = panel.assign(market=rng.normal(size=len(panel)))
    data["revenue"] = data["revenue"] + 900.0 * data["market"]
    ours = effects.staggered_att(
        data,
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
        covariates=["market"],
    ).iloc[0]
    frame = _staggered_frame(
        data,
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
        window=(-2, 0),
        covariates=["market"],
    )
    library = pf.did2s(
        frame,
        yname="y",
        first_stage="~ x0 | unit + t",
        second_stage="~ treated",
        treatment="treated",
        cluster="unit",
    )
    assert ours["estimate"] == pytest.approx(library.coef()["treated"], rel=1e-9)
    assert ours["std_error"] == pytest.approx(library.se()["treated"], rel=1e-9)
    plain = effects.staggered_att(
        data, outcome="revenue", unit="rep_id", time="period", start="training_start"
    ).iloc[0]
    assert ours["std_error"] < plain["std_error"]  # the control explains outcome noise
    # the TWFE event study takes the same control as a regressor
    study = effects.event_study(
        data,
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
        covariates=["market"],
    ).tidy()
    twfe = pf.feols(
        "y ~ i(rel, ref=-1.0) + x0 | unit + t",
        data=_staggered_frame(
            data,
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
            window=(-4, 6),
            covariates=["market"],
        ),
        vcov={"CRV1": "unit"},
    )
    lag0 = next(name for name in twfe.coef().index if name.endswith("::0.0"))
    row = study.set_index("term").loc["event_0"]
    assert row["estimate"] == pytest.approx(twfe.coef()[lag0], rel=1e-9)
    assert "market" not in set(study["term"])
