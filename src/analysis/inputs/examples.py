"""Example clients with generated data, written to ``data/clients/``.

Each example is defined here once (id, display name, generator settings) and
written by ``workbench examples``; the files are committed so that a fresh clone
renders without generating anything.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from analysis.inputs import paths
from analysis.inputs.synthetic_survey import generate_survey

EXAMPLES = {
    # The 2012 study's shape: 174 respondents in 23 industries, quota-matched to the published margins.
    "acme-learning": {"display_name": "Acme Learning Partners", "n": 174, "seed": 2012, "n_industries": 23,
                      "match_published": True},
    # A client survey that highlights the client's own organisation against the others.
    "borealis-pharma": {"display_name": "Borealis Pharma", "n": 120, "seed": 7, "n_industries": 12,
                        "highlight": "R0007"},
    "cobalt-software": {"display_name": "Cobalt Software", "n": 90, "seed": 31, "n_industries": 8},
}


def client_config(display_name: str, highlight: str | None = None) -> dict:
    parameters = {"min_cell_size": 5, "conf_level": 0.95}
    if highlight is not None:
        parameters["highlight"] = highlight
    return {
        "display_name": display_name,
        "studies": {
            "org_effectiveness": {
                "data": {"survey_path": "survey.csv"},
                "parameters": parameters,
            }
        },
    }


def write_example(client_id: str, folder: Path, *, display_name: str, n: int, seed: int, n_industries: int,
                  match_published: bool = False, highlight: str | None = None,
                  overwrite: bool = False) -> list[Path]:
    """Write one example client (``client.yml`` and ``survey.csv``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    survey = folder / "survey.csv"
    if overwrite or not survey.exists():
        generate_survey(n, seed=seed, n_industries=n_industries, match_published=match_published).to_csv(
            survey, index=False
        )
        written.append(survey)
    config = folder / "client.yml"
    if overwrite or not config.exists():
        config.write_text(
            f"# Example client {client_id}: generated data (analysis.inputs.examples).\n"
            + yaml.safe_dump(client_config(display_name, highlight), sort_keys=False),
            encoding="utf-8",
        )
        written.append(config)
    return written


def write_examples(clients_dir: Path | None = None, overwrite: bool = False) -> list[Path]:
    """Write every example client; existing files are kept unless ``overwrite``."""
    root = clients_dir or paths.CLIENTS_DIR
    written: list[Path] = []
    for client_id, spec in EXAMPLES.items():
        written += write_example(client_id, root / client_id, overwrite=overwrite, **spec)
    return written
