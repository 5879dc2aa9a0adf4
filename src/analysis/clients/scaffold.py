"""``workbench new-client``: a client folder with a commented client.yml to fill in."""

from __future__ import annotations

import json
from pathlib import Path

from analysis.clients.discovery import ClientConfigError, available_studies, check_client_id
from analysis.clients.parameter_docs import scaffold_lines
from analysis.clients.parameters import STUDIES
from analysis.core import paths

__all__ = ["CODEBOOK_TEMPLATE", "TEMPLATE", "scaffold_client"]

TEMPLATE = """\
# Client configuration for {client_id}. Fill in, put the files next to this one, then run
#   workbench validate {client_id}
# and remove the studies this client does not take part in.
display_name: {display_name}
studies:
{studies}
# The measurement plan (data/README.md, "Measurement plan"): agree it with the business
# before the rollout, then `workbench plan freeze {client_id}`. The evaluation_plan study
# needs it; training_impact holds its results to it.
# plan:
#   outcomes: {{primary: revenue, secondary: [wins]}}
#   behaviours: [{{measure: call_score, expected_change: 3}}]
#   expected_effect: 3000          # per rep and period, in outcome units
#   effect_from: 2                 # periods after the training start
#   rollout:
#     first_period: 2025-01
#     periods: 12
#     cohorts: [{{start: 2025-04, reps: 40}}, {{start: 2025-07, reps: 40}}]
#     untrained: 40
#   budget: 250000
#   margin: 0.35
#   assumptions: {{residual_sd: 6000}}   # until baseline data arrive
"""


def scaffold_client(
    client_id: str, *, display_name: str | None = None, clients_dir: Path | None = None
) -> Path:
    """Create ``data/clients/<client_id>/client.yml`` (never overwriting an existing client).

    A folder that already holds the client's raw files but no client.yml (the delivery
    was unpacked first) gets its client.yml and codebook template; files already there
    are kept as they are.
    """
    check_client_id(client_id)
    folder = (clients_dir or paths.CLIENTS_DIR) / client_id
    if (folder / "client.yml").exists():
        raise ClientConfigError(
            f"data/clients/{client_id}/client.yml already exists; choose another id or edit it."
        )
    if folder.exists() and not folder.is_dir():
        raise ClientConfigError(f"data/clients/{client_id} is a file, not a folder; move it away.")
    studies = ""
    for study in available_studies():
        block = (
            scaffold_lines(study)
            if study in STUDIES
            else "    data:\n      # data files of this study\n    parameters: {}\n"
        )
        studies += f"  {study}:\n{block}"
    name = display_name or client_id.replace("-", " ").replace("_", " ").title()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "client.yml").write_text(
        TEMPLATE.format(client_id=client_id, display_name=json.dumps(name), studies=studies),
        encoding="utf-8",
    )
    if not (folder / "codebook.yml").exists():
        (folder / "codebook.yml").write_text(CODEBOOK_TEMPLATE, encoding="utf-8")
    return folder


CODEBOOK_TEMPLATE = """\
# Codebook: how this client's raw files map to the study contracts (see
# src/analysis/ingest/codebook.py and data/examples/codebook.yml for a full example).
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
