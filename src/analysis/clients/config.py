"""client.yml: read strictly, checked against each study's parameter model.

A ``client.yml`` looks like::

    display_name: Northwind Medical
    studies:
      org_effectiveness:            # notebooks/org_effectiveness.ipynb
        data:                       # files, relative to the client's folder
          survey_path: survey.csv
        parameters:                 # other parameters (analysis.clients.parameters)
          min_cell_size: 5

The YAML is read strictly (:func:`read_yaml`): a key given twice is an error naming
both lines, anchors and aliases are refused (no "billion laughs"), and the file may
not exceed :data:`MAX_BYTES`. ``data:`` and ``parameters:`` are merged and checked by
the same model, so a file named under ``parameters:`` is confined to the client's
folder exactly like one under ``data:``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.clients.parameters import STUDIES, StudyParameters, check_parameters, resolve_files
from analysis.clients.plan import PLAN_FILE, check_plan
from analysis.clients.plan_record import PlanStatus, plan_status
from analysis.core import paths, strict
from analysis.core.errors import ConfigError

__all__ = [
    "MAX_BYTES",
    "RUNNER_PARAMETERS",
    "SECRET_NAME",
    "SLUG",
    "Client",
    "Discovery",
    "StudySpec",
    "available_studies",
    "check_client_id",
    "client_folder",
    "discover_clients",
    "load_client",
    "read_yaml",
    "refuse_linked_folder",
    "study_spec",
]

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
SECRET_NAME = re.compile(r"(password|passwd|secret|token|api_?key|credential)", re.IGNORECASE)

#: Largest client.yml read (bytes); a real one is a few hundred bytes.
MAX_BYTES = strict.MAX_BYTES

#: Parameters every notebook receives from the runner.
RUNNER_PARAMETERS = ("client_name", "client_id")


def check_client_id(client_id: Any) -> str:
    """Return ``client_id`` if it is a safe slug, else raise :class:`ConfigError`.

    A safe id is lower-case letters, digits, ``-`` and ``_``, starting with a letter
    or digit, at most 63 characters: no path separators, dots, spaces or absolute paths.
    """
    if not isinstance(client_id, str) or not SLUG.fullmatch(client_id):
        suggestion = (
            re.sub(r"[^a-z0-9_-]+", "-", str(client_id).lower()).strip("-_") or "client-name"
        )
        raise ConfigError(
            f"client id {client_id!r} is not a safe id: use lower-case letters, digits, '-' and '_' "
            f"only (no '/', '..', spaces or absolute paths), e.g. {suggestion!r}."
        )
    return client_id


def read_yaml(path: Path, where: str, *, max_bytes: int = MAX_BYTES) -> Any:
    """Parse a small YAML file of a client strictly (:func:`analysis.core.strict.read_yaml`).

    The file must really be in its folder: a symbolic link out of it is refused.

    Raises
    ------
    ConfigError
        Too large, not UTF-8, not valid YAML, a duplicate or compound key, an anchor or an
        alias, nesting deeper than the workbench reads, or a link out of the folder.
    """
    return strict.read_yaml(path, where, max_bytes=max_bytes, inside=Path(path).parent)


@dataclass(frozen=True)
class StudySpec:
    """One study of a client, as client.yml configures it.

    ``values`` are the merged ``data:`` and ``parameters:`` as written. For a study with
    a parameter model, ``params`` is the checked model and ``data_files`` the resolved
    files; ``errors`` lists what is wrong with this study's configuration (the other
    studies of the client are unaffected).
    """

    study: str
    notebook: Path
    values: dict[str, Any]
    data_files: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    params: StudyParameters | None = None
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Client:
    """A client folder with its parsed ``client.yml``."""

    client_id: str
    display_name: str
    folder: Path
    studies: dict[str, StudySpec] = field(default_factory=dict)
    plan: PlanStatus | None = None  # the measurement plan with its freeze record
    synthetic: bool = False  # generated data: benchmarked only against other generated clients


def available_studies(notebooks_dir: Path | None = None) -> dict[str, Path]:
    """Studies are the notebooks in ``notebooks/`` (found by glob)."""
    folder = notebooks_dir or paths.NOTEBOOKS_DIR
    return {p.stem: p for p in sorted(folder.glob("*.ipynb"))}


def _merged(study: str, spec: Any, where: str) -> dict[str, Any]:
    """Return ``data:`` and ``parameters:`` of one study as one mapping (a key in both is an error)."""
    if spec is None:
        return {}
    if not isinstance(spec, dict) or set(spec) - {"data", "parameters"}:
        unknown = (
            sorted(map(str, set(spec) - {"data", "parameters"})) if isinstance(spec, dict) else []
        )
        hints = [
            f"{key!r}: did you mean {close[0]!r}?"
            for key in unknown
            if (close := difflib.get_close_matches(key, ["data", "parameters"], n=1))
        ]
        found = f" (found {', '.join(map(repr, unknown))})" if unknown else ""
        raise ConfigError(
            f"{where}: study {study!r} may only have 'data' and 'parameters' entries{found}."
            + (" " + " ".join(hints) if hints else "")
        )
    merged: dict[str, Any] = {}
    for section in ("data", "parameters"):
        entries = spec.get(section)
        if entries is None:
            continue
        if not isinstance(entries, dict):
            raise ConfigError(
                f"{where}: studies.{study}.{section} must be a mapping of names to values, "
                f"e.g. {'survey_path: survey.csv' if section == 'data' else 'min_cell_size: 5'}."
            )
        for name, value in entries.items():
            if not isinstance(name, str):
                raise ConfigError(
                    f"{where}: studies.{study}.{section}: {name!r} is not a parameter name."
                )
            if name in merged:
                raise ConfigError(
                    f"{where}: studies.{study}: {name} is set under both data and parameters; keep one."
                )
            merged[name] = value
    secret = [name for name in merged if SECRET_NAME.search(name)]
    if secret:
        raise ConfigError(
            f"{where}: parameter(s) {', '.join(secret)} look like credentials; secrets never go in client.yml or "
            "parameters (they would be stored in the executed notebook). Read them from an environment variable."
        )
    reserved = set(merged) & {*RUNNER_PARAMETERS, "benchmarks"}
    if reserved:
        raise ConfigError(
            f"{where}: studies.{study}: {', '.join(sorted(reserved))} is set by the runner, not in client.yml."
        )
    return merged


def study_spec(
    study: str, notebook: Path, values: dict[str, Any], folder: Path, where: str
) -> StudySpec:
    """Check one study's values against its model and resolve its files inside ``folder``."""
    if (
        study not in STUDIES
    ):  # a notebook without a model: files are resolved, parameters passed as written
        files: dict[str, Any] = {}
        errors: list[str] = []
        params = {k: v for k, v in values.items() if not str(k).endswith(("_path", "_dir"))}
        from analysis.clients.files import resolve_path

        for name, value in values.items():
            if name in params:
                continue
            try:
                files[name] = resolve_path(folder, str(value), name=name, where=where)
            except ConfigError as error:
                errors += error.problems
        return StudySpec(study, notebook, values, files, params, None, tuple(errors))
    context = f"{where}: studies.{study}"
    try:
        checked = check_parameters(study, values, context)
    except ConfigError as error:
        return StudySpec(study, notebook, values, errors=tuple(error.problems))
    files, problems = resolve_files(checked, folder, context)
    parameters = {k: v for k, v in checked.model_dump().items() if k not in files and k in values}
    return StudySpec(study, notebook, values, files, parameters, checked, tuple(problems))


def load_client(folder: Path, notebooks_dir: Path | None = None) -> Client:
    """Parse and check ``folder/client.yml``.

    Problems in one study's parameters or files are kept in that study's ``errors``;
    problems with the file as a whole raise.

    Raises
    ------
    ConfigError
        Naming the file and what to change: a bad id, bad or unsafe YAML, a missing
        display name, an unknown study.
    """
    client_id = check_client_id(folder.name)
    config_path = folder / "client.yml"
    where = f"data/clients/{client_id}/client.yml"
    refuse_linked_folder(folder, client_id)
    if not config_path.is_file():
        raise ConfigError(
            f"{where} is missing; every client folder needs one (`workbench new-client {client_id}`)."
        )
    config = read_yaml(config_path, where) or {}
    if not isinstance(config, dict):
        raise ConfigError(f"{where} must be a mapping with display_name and studies.")
    unknown_keys = set(map(str, config)) - {"display_name", "synthetic", "studies", "notes", "plan"}
    if unknown_keys:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown_keys))}; allowed: display_name, "
            "synthetic, studies, notes, plan."
        )
    synthetic = config.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise ConfigError(
            f"{where}: synthetic must be true or false, not {synthetic!r} (true marks generated "
            "example data, which benchmarks never pool with a real client's)."
        )
    display_name = config.get("display_name")
    if not isinstance(display_name, str) or not display_name.strip():
        raise ConfigError(
            f"{where}: display_name must be a non-empty text, e.g. display_name: Northwind Traders."
        )
    control = [c for c in display_name if unicodedata.category(c) == "Cc"]
    if control:
        raise ConfigError(
            f"{where}: display_name holds a control character (U+{ord(control[0]):04X}); write the "
            "name as one line of plain text, e.g. display_name: Northwind Traders."
        )
    studies_config = config.get("studies")
    if not isinstance(studies_config, dict) or not studies_config:
        raise ConfigError(
            f"{where}: studies must name at least one study, e.g. 'org_effectiveness:'."
        )
    notebooks = available_studies(notebooks_dir)
    studies: dict[str, StudySpec] = {}
    for study, spec in studies_config.items():
        if study not in notebooks:
            close = difflib.get_close_matches(str(study), notebooks, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{where}: study {study!r} has no notebook in notebooks/; "
                f"available: {', '.join(notebooks) or 'none'}.{hint}"
            )
        studies[str(study)] = study_spec(
            str(study), notebooks[study], _merged(str(study), spec, where), folder, where
        )
    return Client(
        client_id,
        display_name.strip(),
        folder,
        studies,
        _plan(config, folder, where),
        synthetic=synthetic,
    )


def refuse_linked_folder(folder: Path, client_id: str) -> None:
    """Refuse a client's folder that is a symbolic link (to anywhere), naming the fix."""
    if folder.is_symlink():
        target = folder.resolve()
        raise ConfigError(
            f"data/clients/{client_id} is a symbolic link to {target}; a client's folder must be a "
            "real folder in data/clients/, so that nothing outside it is read. Move the folder there "
            f"(rm data/clients/{client_id} && mv {target} data/clients/{client_id})."
        )


def _plan(config: dict, folder: Path, where: str) -> PlanStatus | None:
    """Return the measurement plan (``plan:`` in client.yml or ``plan.yml`` beside it), checked."""
    separate = folder / PLAN_FILE
    if "plan" in config and separate.is_file():
        raise ConfigError(
            f"{where} has a plan block and {folder.name}/{PLAN_FILE} exists too; keep the plan in one place."
        )
    if separate.is_file():
        values, where = (
            read_yaml(separate, f"data/clients/{folder.name}/{PLAN_FILE}"),
            (f"data/clients/{folder.name}/{PLAN_FILE}"),
        )
        values = values.get("plan", values) if isinstance(values, dict) else values
    elif "plan" in config:
        values = config["plan"]
    else:
        return None
    return plan_status(check_plan(values, where), folder)


def client_folder(client_id: str, clients_dir: Path | None = None) -> Path:
    """Return the folder of ``client_id``; :class:`ConfigError` names the folder searched when it is missing."""
    check_client_id(client_id)
    root = clients_dir or paths.CLIENTS_DIR
    folder = root / client_id
    if not (folder / "client.yml").is_file():
        known = (
            sorted(p.name for p in root.iterdir() if (p / "client.yml").is_file())
            if root.is_dir()
            else []
        )
        close = difflib.get_close_matches(client_id, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"no client {client_id!r}: {folder} has no client.yml; known clients: "
            f"{', '.join(known) or 'none'}.{hint}"
        )
    refuse_linked_folder(folder, client_id)  # import and freeze write nothing through a link
    return folder


@dataclass(frozen=True)
class Discovery:
    """Result of scanning the clients folder: usable clients and broken folders."""

    clients: list[Client]
    errors: dict[str, str]


def discover_clients(
    clients_dir: Path | None = None, notebooks_dir: Path | None = None
) -> Discovery:
    """Scan ``data/clients/`` for client folders (no hand-kept list).

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
        except ConfigError as error:
            errors[child.name] = str(error)
    return Discovery(clients, errors)
