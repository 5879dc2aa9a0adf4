"""Example clients with generated data, written to ``data/clients/``.

Each example is defined here once (id, display name, generator settings) and
written by ``workbench examples``; the files are committed so that a fresh clone
renders without generating anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from analysis.core import paths
from analysis.datasets.plans import EXAMPLE_PLANS, write_example_plan
from analysis.datasets.survey import generate_survey
from analysis.datasets.training import TrainingDesign, generate_training_client

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EXAMPLES",
    "EXAMPLE_INTANGIBLES",
    "READINESS_DESIGNS",
    "TRAINING_DESIGNS",
    "TRAINING_UNITS",
    "client_config",
    "cross_section",
    "readiness_files",
    "write_example",
    "write_examples",
]

#: Study-3 settings: respondents per instrument, two-views misalignment, KPI episode.
#: Leadership leaning to View 1 where sales training leans to View 2 is the planted
#: misalignment; borealis-pharma has a KPI target that nobody games.
READINESS_DESIGNS = {
    "acme-learning": {
        "n": 24,
        "p_true": 0.5,
        "groups": 8,
        "misaligned": {
            "value": {"sales leadership": 0.1, "sales training": 0.9},
            "design_point": {"sales leadership": 0.2, "sales training": 0.85},
        },
        "kpi": {"gamed": True, "targeted_teams": ("North", "South")},
        "seed": 21,
    },
    "borealis-pharma": {
        "n": 18,
        "p_true": 0.7,
        "groups": 6,
        "misaligned": {"strategy": {"product marketing": 0.15}},
        "kpi": {"gamed": False, "targeted_teams": ("East",)},
        "seed": 22,
    },
    "cobalt-software": {
        "n": 12,
        "p_true": 0.35,
        "groups": 5,
        "misaligned": {},
        "kpi": {"gamed": True, "targeted_teams": ()},
        "seed": 23,
    },
    "delta-logistics": {
        "n": 15,
        "p_true": 0.6,
        "groups": 5,
        "misaligned": {"scope": {"sales operations": 0.1}},
        "kpi": None,
        "seed": 24,
    },
}

#: Study-2 designs of the example clients: a panel with a staggered rollout, a panel
#: where effects build up slowly (two-way fixed effects visibly biased), and a plain
#: cross-section (one row per rep, regression adjustment only).
TRAINING_DESIGNS: dict[str, tuple[Any, Any, Any]] = {
    "acme-learning": ("panel", TrainingDesign(), 11),
    "borealis-pharma": (
        "panel",
        TrainingDesign(
            n_reps=240,
            cohorts=(2, 5, 8),
            never_share=0.12,
            ramp=8,
            effect=5000.0,
            noise=4000.0,
            first_period="2024-07",
        ),
        12,
    ),
    "cobalt-software": (
        "cross-section",
        TrainingDesign(n_reps=180, cohorts=(4,), never_share=0.45, ramp=1),
        13,
    ),
    # A pilot too small to settle the question: 40 reps, half trained for four months.
    # The planted effect pays for the programme, but the design cannot show it (its
    # minimum detectable effect is well above break-even): the report says so.
    "delta-logistics": (
        "panel",
        TrainingDesign(
            n_reps=40,
            n_periods=8,
            cohorts=(4,),
            never_share=0.5,
            effect=2500.0,
            ramp=1,
            noise=8000.0,
            first_period="2025-03",
            programme_cost=60_000.0,
        ),
        14,
    ),
}

#: The currency of each example client's money (training study parameters): codes or
#: symbols in the report, and delta-logistics paying its (European) trainer in EUR, converted
#: at a stated rate.
TRAINING_UNITS: dict[str, dict[str, Any]] = {
    "acme-learning": {"currency": "USD"},
    "borealis-pharma": {"currency": "EUR", "currency_style": "symbol"},
    "cobalt-software": {"currency": "GBP"},
    "delta-logistics": {"currency": "USD", "costs_currency": "EUR", "exchange_rate": 1.08},
}

EXAMPLES: dict[str, dict[str, Any]] = {
    # The 2012 study's shape: 174 respondents in 23 industries, quota-matched to the published margins.
    "acme-learning": {
        "display_name": "Acme Learning Partners",
        "n": 174,
        "seed": 2012,
        "n_industries": 23,
        "match_published": True,
    },
    # A client survey that highlights the client's own organisation against the others.
    "borealis-pharma": {
        "display_name": "Borealis Pharma",
        "n": 120,
        "seed": 7,
        "n_industries": 12,
        "highlight": "R0007",
    },
    "cobalt-software": {"display_name": "Cobalt Software", "n": 90, "seed": 31, "n_industries": 8},
    # A client without the survey: the readiness study and a small training pilot.
    "delta-logistics": {"display_name": "Delta Logistics", "n": 0, "seed": 0, "n_industries": 1},
}


#: Benefits the example clients name but do not convert to money (the ROI section lists them).
EXAMPLE_INTANGIBLES = [
    "Confidence in handling objections",
    "Shared sales language across teams",
    "Manager coaching habits",
]


def client_config(
    display_name: str,
    highlight: str | None = None,
    training: str | None = None,
    survey: bool = True,
    readiness: dict | None = None,
    plan: dict | None = None,
    units: dict[str, Any] | None = None,
) -> dict:
    """One example client's client.yml; ``units`` are the training study's currency parameters."""
    parameters: dict[str, Any] = {"min_cell_size": 5, "conf_level": 0.95}
    if highlight is not None:
        parameters["highlight"] = highlight
    studies: dict[str, Any] = (
        {"org_effectiveness": {"data": {"survey_path": "survey.csv"}, "parameters": parameters}}
        if survey
        else {}
    )
    if training == "panel":
        studies["training_impact"] = {
            "data": {
                "reps_path": "reps.csv",
                "panel_path": "panel.csv",
                "reactions_path": "reactions.csv",
                "assessments_path": "assessments.csv",
                "costs_path": "costs.csv",
            },
            "parameters": {
                "behaviour": "call_score",
                "margin": 0.35,
                "segment": "tenure_band",
                "event_window": [-4, 6],
                "intangibles": EXAMPLE_INTANGIBLES,
            },
        }
    elif training == "cross-section":
        studies["training_impact"] = {
            "data": {"panel_path": "cross_section.csv", "costs_path": "costs.csv"},
            "parameters": {"time": None, "covariates": ["baseline_revenue"], "margin": 0.3},
        }
    if "training_impact" in studies and units:
        studies["training_impact"]["parameters"].update(units)
    if plan is not None:
        studies["evaluation_plan"] = {"parameters": {"power_target": 0.8, "n_resamples": 1000}}
    if readiness is not None:
        data: dict[str, Any] = {
            "responses": {
                "strategic_readiness": "readiness.csv",
                "failure_reasons": "failure_reasons.csv",
                "two_views": "two_views.csv",
            }
        }
        if readiness.get("kpi") is not None:
            data.update({"kpi_panel_path": "kpi_panel.csv", "kpi_targets_path": "kpi_targets.csv"})
        studies["readiness_alignment"] = {"data": data, "parameters": {"min_cell_size": 5}}
    # generated data: benchmarks pool it only with other generated clients, never a real one's
    config: dict[str, Any] = {"display_name": display_name, "synthetic": True, "studies": studies}
    if plan is not None:
        config["plan"] = plan
    return config


def readiness_files(design: dict) -> dict[str, pd.DataFrame]:
    """Return the study-3 files of one example client."""
    from analysis.contracts import instruments as ins
    from analysis.datasets.instruments import (
        generate_checklist,
        generate_kpi_episode,
        generate_true_false,
        generate_two_views,
    )

    found = ins.load_instruments(paths.INSTRUMENTS_DIR)
    seed = design["seed"]
    files = {
        "readiness.csv": generate_true_false(
            found["strategic_readiness"], design["n"], p_true=design["p_true"], seed=seed
        ),
        "failure_reasons.csv": generate_checklist(found["failure_reasons"], design["n"], seed=seed),
        "two_views.csv": generate_two_views(
            found["two_views"], design["groups"], misaligned=design["misaligned"], seed=seed
        ),
    }
    if design.get("kpi") is not None:
        panel, targets = generate_kpi_episode(seed=seed, **design["kpi"])
        files.update({"kpi_panel.csv": panel, "kpi_targets.csv": targets})
    return files


def cross_section(client: dict) -> pd.DataFrame:
    """One row per rep: revenue in the last period, baseline revenue before the rollout, trained flag."""
    import pandas as pd

    panel = client["panel"].merge(client["reps"], on="rep_id")
    first_start = client["reps"]["training_start"].dropna().min()
    baseline = (
        panel[panel["period"] < first_start]
        .groupby("rep_id")["revenue"]
        .mean()
        .rename("baseline_revenue")
    )
    last = panel[panel["period"] == panel["period"].max()].set_index("rep_id")
    table = pd.DataFrame(
        {
            "tenure_band": last["tenure_band"],
            "market_segment": last["market_segment"],
            "baseline_revenue": baseline.round(2),
            "trained": last["training_start"].notna().astype(int),
            "revenue": last["revenue"],
        }
    )
    return table.reset_index()


def write_example(
    client_id: str,
    folder: Path,
    *,
    display_name: str,
    n: int,
    seed: int,
    n_industries: int,
    match_published: bool = False,
    highlight: str | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write one example client (``client.yml``, ``survey.csv`` and its study-2 files) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    readiness = READINESS_DESIGNS.get(client_id)
    if readiness is not None:
        for name, table in readiness_files(readiness).items():
            if overwrite or not (folder / name).exists():
                table.to_csv(folder / name, index=False)
                written.append(folder / name)
    kind, design, training_seed = TRAINING_DESIGNS.get(client_id, (None, None, None))
    if kind is not None:
        client = generate_training_client(design, seed=training_seed)
        files = {"costs.csv": client["costs"]}
        if kind == "panel":
            files.update(
                {
                    f"{name}.csv": client[name]
                    for name in ("reps", "panel", "reactions", "assessments")
                }
            )
        else:
            files["cross_section.csv"] = cross_section(client)
        for name, table in files.items():
            if overwrite or not (folder / name).exists():
                table.to_csv(folder / name, index=False)
                written.append(folder / name)
    survey = folder / "survey.csv"
    if n > 0 and (overwrite or not survey.exists()):
        generate_survey(
            n, seed=seed, n_industries=n_industries, match_published=match_published
        ).to_csv(survey, index=False)
        written.append(survey)
    config = folder / "client.yml"
    if overwrite or not config.exists():
        config.write_text(
            f"# Example client {client_id}: generated data (analysis.datasets.examples).\n"
            + yaml.safe_dump(
                client_config(
                    display_name,
                    highlight,
                    kind,
                    survey=n > 0,
                    readiness=readiness,
                    plan=EXAMPLE_PLANS[client_id][0] if client_id in EXAMPLE_PLANS else None,
                    units=TRAINING_UNITS.get(client_id),
                ),
                sort_keys=False,
            ),
            encoding="utf-8",
        )
        written.append(config)
    written += write_example_plan(client_id, folder, overwrite=overwrite)
    return written


def write_examples(clients_dir: Path | None = None, overwrite: bool = False) -> list[Path]:
    """Write every example client; existing files are kept unless ``overwrite``."""
    root = clients_dir or paths.CLIENTS_DIR
    written: list[Path] = []
    for client_id, spec in EXAMPLES.items():
        written += write_example(client_id, root / client_id, overwrite=overwrite, **spec)
    return written
