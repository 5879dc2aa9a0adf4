"""Client discovery for the batch, and the parameter check of notebooks without a model.

client.yml is read and checked in :mod:`analysis.clients.config` (the one reader);
this module re-exports it for the reporting layer.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from analysis.clients.config import (
    RUNNER_PARAMETERS,
    Client,
    Discovery,
    StudySpec,
    available_studies,
    check_client_id,
    client_folder,
    discover_clients,
    load_client,
)
from analysis.core.errors import ConfigError

#: The configuration error of the reporting layer is the inputs' one.
ClientConfigError = ConfigError

__all__ = [
    "RUNNER_PARAMETERS",
    "Client",
    "ClientConfigError",
    "Discovery",
    "StudySpec",
    "available_studies",
    "check_client_id",
    "check_parameters",
    "client_folder",
    "discover_clients",
    "flat_files",
    "load_client",
]


def flat_files(data_files: dict[str, Any]) -> dict[str, Path]:
    """Return data files as ``name`` or ``group.name`` -> path (for hashing and provenance).

    A folder (``instruments_dir``) stands for the YAML files in it, as ``name/file``.
    """
    flat: dict[str, Path] = {}
    for name, value in data_files.items():
        if isinstance(value, dict):
            flat.update({f"{name}.{k}": v for k, v in value.items()})
        elif Path(value).is_dir():
            flat.update({f"{name}/{p.name}": p for p in sorted(Path(value).glob("*.yml"))})
        else:
            flat[name] = value
    return flat


def check_parameters(
    study: str, notebook: Path, given: Iterable[str], declared: dict[str, Any], where: str
) -> None:
    """Fail on a parameter the notebook does not declare (papermill only warns).

    Studies with a parameter model are checked by the model; this covers notebooks
    without one (and the model's drift from the notebook is a test).
    """
    unknown = [name for name in given if name not in declared]
    if unknown:
        lines = []
        for name in unknown:
            close = difflib.get_close_matches(name, declared, n=1)
            lines.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ConfigError(
            f"{where}: study {study!r} sets unknown parameter(s) {', '.join(lines)}; "
            f"notebooks/{notebook.name} declares: {', '.join(declared) or 'none'}."
        )
