"""Client discovery and ``client.yml`` checking.

Clients are the sub-folders of ``data/clients/`` that hold a ``client.yml``; nothing
keeps a hand-written list. A ``client.yml`` looks like::

    display_name: Northwind Medical
    studies:
      org_effectiveness:            # notebooks/org_effectiveness.ipynb
        data:                       # notebook parameter -> file in the client folder
          survey_path: survey.csv   # (or -> a mapping of names to files, passed as a dict)
        parameters:                 # other notebook parameters
          min_cell_size: 5

Data files are resolved to absolute paths and passed to the notebook under their
parameter name; they are also hashed to decide whether a report is stale.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.inputs import paths
from analysis.inputs.readers import inside

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
SECRET_NAME = re.compile(r"(password|passwd|secret|token|api_?key|credential)", re.IGNORECASE)

#: Parameters the runner passes to every notebook; notebooks declare them in
#: their ``parameters`` cell.
RUNNER_PARAMETERS = ("client_name", "client_id")


class ClientConfigError(ValueError):
    """A client folder or its client.yml is unusable; the message says how to fix it."""


def check_client_id(client_id: str) -> str:
    """Return ``client_id`` if it is a safe slug, else raise :class:`ClientConfigError`.

    A safe id is lower-case letters, digits, ``-`` and ``_``, starting with a letter
    or digit, at most 63 characters: no path separators, dots, spaces or absolute paths.
    """
    if not isinstance(client_id, str) or not SLUG.fullmatch(client_id):
        suggestion = re.sub(r"[^a-z0-9_-]+", "-", str(client_id).lower()).strip("-_") or "client-name"
        raise ClientConfigError(
            f"client id {client_id!r} is not a safe id: use lower-case letters, digits, '-' and '_' "
            f"only (no '/', '..', spaces or absolute paths), e.g. {suggestion!r}."
        )
    return client_id


def _data_file(folder: Path, relative, name: str, where: str) -> Path:
    file = inside(folder, relative)
    if file is None:
        raise ClientConfigError(
            f"{where}: data file {relative!r} for {name!r} lies outside the client folder; "
            "keep every client's files inside its own folder."
        )
    if not file.is_file():
        raise ClientConfigError(f"{where}: data file {relative!r} for {name!r} does not exist.")
    return file


def flat_files(data_files: dict) -> dict[str, Path]:
    """Data files as ``name`` or ``group.name`` -> path (for hashing and provenance)."""
    flat = {}
    for name, value in data_files.items():
        if isinstance(value, dict):
            flat.update({f"{name}.{k}": v for k, v in value.items()})
        else:
            flat[name] = value
    return flat


@dataclass(frozen=True)
class StudySpec:
    """One study to render for a client."""

    study: str
    notebook: Path
    data_files: dict[str, Any]  # parameter -> Path, or -> {key: Path} for a group of files
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Client:
    """A client folder with its parsed ``client.yml``."""

    client_id: str
    display_name: str
    folder: Path
    studies: dict[str, StudySpec] = field(default_factory=dict)


def available_studies(notebooks_dir: Path | None = None) -> dict[str, Path]:
    """Studies are the notebooks in ``notebooks/`` (found by glob)."""
    folder = notebooks_dir or paths.NOTEBOOKS_DIR
    return {p.stem: p for p in sorted(folder.glob("*.ipynb"))}


def load_client(folder: Path, notebooks_dir: Path | None = None) -> Client:
    """Parse and check ``folder/client.yml``.

    Raises
    ------
    ClientConfigError
        Naming the file and what to change: a bad id, bad YAML, an unknown study,
        a missing data file or a malformed entry.
    """
    client_id = check_client_id(folder.name)
    config_path = folder / "client.yml"
    where = f"data/clients/{client_id}/client.yml"
    if not config_path.is_file():
        raise ClientConfigError(f"{where} is missing; every client folder needs one (see README).")
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ClientConfigError(f"{where} is not valid YAML: {error}") from None
    if not isinstance(config, dict):
        raise ClientConfigError(f"{where} must be a mapping with display_name and studies.")
    unknown_keys = set(config) - {"display_name", "studies", "notes"}
    if unknown_keys:
        raise ClientConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown_keys))}; allowed: display_name, studies, notes."
        )
    display_name = config.get("display_name")
    if not isinstance(display_name, str) or not display_name.strip():
        raise ClientConfigError(f"{where}: display_name must be a non-empty text.")
    studies_config = config.get("studies")
    if not isinstance(studies_config, dict) or not studies_config:
        raise ClientConfigError(f"{where}: studies must name at least one study, e.g. 'org_effectiveness:'.")
    notebooks = available_studies(notebooks_dir)
    studies: dict[str, StudySpec] = {}
    for study, spec in studies_config.items():
        if study not in notebooks:
            close = difflib.get_close_matches(str(study), notebooks, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ClientConfigError(
                f"{where}: study {study!r} has no notebook in notebooks/; "
                f"available: {', '.join(notebooks) or 'none'}.{hint}"
            )
        spec = spec or {}
        if not isinstance(spec, dict) or set(spec) - {"data", "parameters"}:
            raise ClientConfigError(f"{where}: study {study!r} may only have 'data' and 'parameters' entries.")
        data_files: dict[str, Path | dict[str, Path]] = {}
        for name, relative in (spec.get("data") or {}).items():
            if isinstance(relative, dict):  # a named group of files, e.g. responses per instrument
                data_files[str(name)] = {str(k): _data_file(folder, v, f"{name}.{k}", where) for k, v in relative.items()}
            else:
                data_files[str(name)] = _data_file(folder, relative, name, where)
        parameters = dict(spec.get("parameters") or {})
        secret = [name for name in parameters if SECRET_NAME.search(str(name))]
        if secret:
            raise ClientConfigError(
                f"{where}: parameter(s) {', '.join(secret)} look like credentials; secrets never go in client.yml or "
                "parameters (they would be stored in the executed notebook). Read them from an environment variable."
            )
        reserved = set(RUNNER_PARAMETERS) | ({"benchmarks"} if isinstance(data_files.get("responses"), dict) else set())
        clash = set(parameters) & (set(data_files) | reserved)
        if clash:
            raise ClientConfigError(
                f"{where}: parameter(s) {', '.join(sorted(clash))} are set twice (data, parameters or by the runner)."
            )
        studies[str(study)] = StudySpec(str(study), notebooks[study], data_files, parameters)
    return Client(client_id, display_name.strip(), folder, studies)


@dataclass(frozen=True)
class Discovery:
    """Result of scanning the clients folder: usable clients and broken folders."""

    clients: list[Client]
    errors: dict[str, str]


def discover_clients(clients_dir: Path | None = None, notebooks_dir: Path | None = None) -> Discovery:
    """Scan ``data/clients/`` for client folders.

    A folder with a ``client.yml`` is a client; folders starting with ``.`` or ``_``
    are ignored. A broken client is reported in ``errors`` (folder name -> message)
    and does not stop the others.
    """
    folder = clients_dir or paths.CLIENTS_DIR
    clients: list[Client] = []
    errors: dict[str, str] = {}
    if not folder.is_dir():
        return Discovery(clients, errors)
    for child in sorted(folder.iterdir()):
        if not child.is_dir() or child.name.startswith((".", "_")):
            continue
        try:
            clients.append(load_client(child, notebooks_dir))
        except ClientConfigError as error:
            errors[child.name] = str(error)
    return Discovery(clients, errors)


def check_parameters(study: str, notebook: Path, given, declared: dict[str, Any], where: str) -> None:
    """Fail on a parameter the notebook does not declare (papermill only warns).

    Parameters
    ----------
    study : str
        Study name.
    notebook : Path
        The study's notebook.
    given : iterable of str
        Parameter names the runner will pass (data, parameters and runner parameters).
    declared : dict
        Parameters declared in the notebook's ``parameters`` cell
        (:func:`papermill.inspect_notebook`).
    where : str
        The client.yml path, for the message.
    """
    unknown = [name for name in given if name not in declared]
    if unknown:
        lines = []
        for name in unknown:
            close = difflib.get_close_matches(name, declared, n=1)
            lines.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ClientConfigError(
            f"{where}: study {study!r} sets unknown parameter(s) {', '.join(lines)}; "
            f"notebooks/{notebook.name} declares: {', '.join(declared) or 'none'}."
        )
