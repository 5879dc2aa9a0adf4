"""``workbench new-client``: a client folder with a commented client.yml to fill in."""

from __future__ import annotations

import json
from pathlib import Path

from analysis.inputs import paths
from analysis.report.clients import ClientConfigError, available_studies, check_client_id

TEMPLATE = """\
# Client configuration for {client_id}. Fill in, put the files next to this one, then run
#   workbench validate {client_id}
# and remove the studies this client does not take part in.
display_name: {display_name}
studies:
{studies}"""

STUDY_DATA = {
    "org_effectiveness": "      survey_path: survey.csv            # learning-leader survey (data/README.md, study 1)\n",
    "training_impact": (
        "      reps_path: reps.csv                # one row per rep, with training_start\n"
        "      panel_path: panel.csv              # one row per rep and period\n"
        "      reactions_path: reactions.csv      # optional: level-1 ratings\n"
        "      assessments_path: assessments.csv  # optional: level-2 scores before/after\n"
        "      costs_path: costs.csv              # optional: programme costs for ROI\n"
    ),
    "readiness_alignment": (
        "      responses:                         # instrument id (data/instruments/) -> responses file\n"
        "        strategic_readiness: readiness.csv\n"
        "        failure_reasons: failure_reasons.csv\n"
        "        two_views: two_views.csv\n"
        "      kpi_panel_path: kpi_panel.csv      # optional: rep-period activity panel\n"
        "      kpi_targets_path: kpi_targets.csv  # optional: metric, start_period, scope\n"
    ),
}


def scaffold_client(client_id: str, *, display_name: str | None = None, clients_dir: Path | None = None) -> Path:
    """Create ``data/clients/<client_id>/client.yml`` (never overwriting an existing client)."""
    check_client_id(client_id)
    folder = (clients_dir or paths.CLIENTS_DIR) / client_id
    if folder.exists():
        raise ClientConfigError(f"data/clients/{client_id}/ already exists; choose another id or edit its client.yml.")
    studies = ""
    for study in available_studies():
        data = STUDY_DATA.get(study, "      # data files of this study\n")
        studies += f"  {study}:\n    data:\n{data}    parameters:\n      min_cell_size: 5\n"
    name = display_name or client_id.replace("-", " ").replace("_", " ").title()
    folder.mkdir(parents=True)
    (folder / "client.yml").write_text(TEMPLATE.format(client_id=client_id, display_name=json.dumps(name), studies=studies),
                                       encoding="utf-8")
    (folder / "codebook.yml").write_text(CODEBOOK_TEMPLATE, encoding="utf-8")
    return folder


CODEBOOK_TEMPLATE = """\
# Codebook: how this client's raw files map to the study contracts (see
# src/analysis/inputs/importers.py and data/examples/codebook.yml for a full example).
# `workbench import <id>` writes the mapped tables to imported/<table>.parquet;
# point client.yml at those files. Raw files are never modified.
tables: {}
#  survey:
#    source:
#      file: raw/qualtrics_export.csv
#      format: qualtrics                 # csv | qualtrics | xlsx | parquet
#      questions:                        # Qualtrics: the wording this mapping was written for;
#        Q1: Which industry is your company in?   # import stops if a later wave changes it
#    drop_rows: [{column: Status, equals: Survey Preview}, {column: Finished, equals: "0"}]
#    rename: {ResponseId: respondent_id, Q1: industry, Q2: effectiveness}
#    values: {effectiveness: {"1": not effective, "2": somewhat effective, "3": effective, "4": very effective}}
#    multi_select: {Q6: {separator: ",", options: {Coaching: sustain_coaching}}}
#    dates: {training_start: "%m/%Y"}
"""
