"""``workbench validate``: every problem a render of this client would meet, and nothing rendered.

For each study of the client's ``client.yml`` it runs :func:`analysis.studies.check_study`,
the same function a study notebook's first cell calls (:func:`analysis.studies.load_study`):
the parameters against the study's model, every file through its contract reader, and the
checks that decide which sections run. A study with errors fails in ``render`` with the
same messages; a study without errors renders. Warnings are caveats that the report shows.
"""

from __future__ import annotations

from pathlib import Path

from analysis.clients.config import load_client
from analysis.clients.discovery import RUNNER_PARAMETERS, check_parameters
from analysis.clients.parameters import STUDIES
from analysis.core import paths
from analysis.core.errors import ConfigError
from analysis.ingest.record import stale_imports
from analysis.studies import Problem, check_study

__all__ = ["Problem", "validate_client"]


def validate_client(
    client_id: str, clients_dir: Path | None = None, notebooks_dir: Path | None = None
) -> list[Problem]:
    """Every problem a render of this client would meet, errors and warnings."""
    folder = (clients_dir or paths.CLIENTS_DIR) / client_id
    try:
        client = load_client(folder, notebooks_dir)
    except ConfigError as error:
        return [Problem("error", "client.yml", message) for message in error.problems]
    stale = stale_imports(folder)
    problems: list[Problem] = [Problem("error", "import", message) for message in stale]
    for name, spec in client.studies.items():
        if name in STUDIES:
            if not stale:
                problems += check_study(client_id, name, clients_dir=clients_dir or folder.parent)
            continue
        import papermill

        problems += [Problem("error", name, message) for message in spec.errors]
        try:
            check_parameters(
                name,
                spec.notebook,
                [*RUNNER_PARAMETERS, *spec.data_files, *spec.parameters],
                papermill.inspect_notebook(str(spec.notebook)),
                f"data/clients/{client_id}/client.yml",
            )
        except ConfigError as error:
            problems.append(Problem("error", name, str(error)))
        problems.append(
            Problem(
                "warning",
                name,
                f"study {name!r} has no parameter model; only its parameters were checked.",
            )
        )
    return problems
