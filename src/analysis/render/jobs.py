"""Planning a batch: one :class:`Job` per client and study, its inputs hash and its status file.

The inputs hash covers every file a report reads: the notebook, the client's data
files, the cross-client benchmarks it compares with, the instrument definitions of
``data/instruments/`` (:func:`analysis.studies.shared_files`), the import record of
imported tables, the parameters and client.yml's values, the plan and the package.

A job is plain data (it crosses process boundaries); :func:`plan_jobs` builds them
from discovered clients, :func:`is_current` compares a job with its last good run,
and :func:`write_status` records what happened.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.clients.discovery import (
    Client,
    ClientConfigError,
    Discovery,
    check_client_id,
    check_parameters,
    flat_files,
)
from analysis.clients.parameters import file_fields
from analysis.core import paths
from analysis.render.hashing import atomic_write_json, inputs_sha256, package_sha256
from analysis.studies import shared_files

__all__ = [
    "BatchResult",
    "Job",
    "Outcome",
    "benchmark_inputs",
    "check_job_parameters",
    "is_current",
    "plan_jobs",
    "read_status",
    "status_path",
    "write_client_results",
    "write_status",
]


@dataclass(frozen=True)
class Job:
    """One report to render (plain data, so it can cross process boundaries)."""

    client_id: str
    client_name: str
    study: str
    notebook: str
    data_files: dict[str, str]  # flattened: "name" or "group.name" -> path
    parameters: dict[str, Any]
    out_dir: str
    inputs_hash: str
    notebooks_dir: str
    shown_parameters: dict[str, Any] = field(default_factory=dict)  # for the provenance footer
    errors: tuple[str, ...] = ()  # configuration errors of this study (client.yml)
    plan: dict[str, Any] | None = None  # the client's measurement plan: hash, freeze, changes

    @property
    def key(self) -> str:
        """Return ``client/study``, the job's name in logs and claims."""
        return f"{self.client_id}/{self.study}"


@dataclass
class Outcome:
    """What happened to one report."""

    client_id: str
    study: str
    status: str  # "ok", "failed", "skipped" (up to date) or "config-error"
    error: str | None = None
    duration: float = 0.0
    records: list[dict[str, Any]] = field(default_factory=list)
    # file name -> content, for the calling process to write (a Dask worker writes nothing)
    files: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class BatchResult:
    """What happened to a batch of reports."""

    outcomes: list[Outcome]
    config_errors: dict[str, str]
    elapsed: float
    messages: list[str] = field(default_factory=list)  # e.g. why PDFs were skipped
    pdf_errors: list[str] = field(default_factory=list)  # PDFs asked for that failed

    @property
    def failed(self) -> list[Outcome]:
        """Return the reports that failed or could not be configured."""
        return [o for o in self.outcomes if o.status in ("failed", "config-error")]

    @property
    def exit_code(self) -> int:
        """Return the command's exit code: 1 if anything failed, else 0."""
        return 1 if self.failed or self.config_errors or self.pdf_errors else 0


def status_path(out_dir: Path, study: str) -> Path:
    """Return the path of a study's status file."""
    return out_dir / f"{study}.status.json"


def read_status(out_dir: Path, study: str) -> dict[str, Any]:
    """Return a study's last status, or an empty dict when there is none readable."""
    try:
        return json.loads(status_path(out_dir, study).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def plan_jobs(
    discovery: Discovery,
    *,
    output_dir: Path,
    clients: list[str] | None = None,
    studies: list[str] | None = None,
    notebooks_dir: Path | None = None,
    benchmarks_dir: Path | None = None,
) -> list[Job]:
    """Turn discovered clients into jobs, filtered by ``clients`` and ``studies``.

    Raises
    ------
    ClientConfigError
        For an unsafe client id or a client or study that does not exist.
    """
    notebooks_dir = notebooks_dir or paths.NOTEBOOKS_DIR
    benchmarks_dir = benchmarks_dir or paths.BENCHMARKS_DIR
    _check_selection(discovery, clients, studies)
    package = package_sha256()
    return [
        _job(client, name, spec, output_dir, notebooks_dir, benchmarks_dir, package)
        for client in discovery.clients
        if not clients or client.client_id in clients
        for name, spec in client.studies.items()
        if not studies or name in studies
    ]


def _check_selection(
    discovery: Discovery, clients: list[str] | None, studies: list[str] | None
) -> None:
    """Refuse an unsafe client id, or a client or study that does not exist."""
    known = {c.client_id: c for c in discovery.clients}
    for client_id in clients or []:
        check_client_id(client_id)
        if client_id not in known and client_id not in discovery.errors:
            raise ClientConfigError(
                f"no client {client_id!r} in data/clients/; known: "
                f"{', '.join(sorted([*known, *discovery.errors])) or 'none'}. "
                f"`workbench new-client {client_id}` creates it."
            )
    all_studies = {s for c in discovery.clients for s in c.studies}
    for study in studies or []:
        if study not in all_studies:
            raise ClientConfigError(
                f"no client renders study {study!r}; configured: "
                f"{', '.join(sorted(all_studies)) or 'none'}."
            )


def _parameters(
    client: Client, spec: Any, notebooks_dir: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the notebook's parameters for one report, and those shown in its footer."""
    if (
        spec.params is not None or spec.errors
    ):  # a study with a model: the notebook reads client.yml
        shown = (
            {
                k: v
                for k, v in spec.params.model_dump().items()
                if k not in file_fields(type(spec.params))
            }
            if spec.params is not None
            else {}
        )
        return {"client_id": client.client_id}, shown
    parameters = {
        "client_name": client.display_name,
        "client_id": client.client_id,
        **{key: _relative(value, notebooks_dir) for key, value in spec.data_files.items()},
        **spec.parameters,
    }
    return parameters, {k: v for k, v in parameters.items() if k not in spec.data_files}


def _job(
    client: Client,
    name: str,
    spec: Any,
    output_dir: Path,
    notebooks_dir: Path,
    benchmarks_dir: Path,
    package: str,
) -> Job:
    """One report to render: the client's study with its parameters and inputs hash."""
    parameters, shown = _parameters(client, spec, notebooks_dir)
    files = flat_files(spec.data_files)
    plan = client.plan.provenance() if client.plan is not None else None
    benchmarks = benchmark_inputs(spec.data_files, benchmarks_dir)
    if benchmarks and spec.params is None:
        parameters["benchmarks"] = _relative(benchmarks, notebooks_dir)
    hashed = {
        **files,
        **{f"benchmarks.{k}": v for k, v in benchmarks.items()},
        **shared_files(name),  # instrument definitions in data/instruments/
        **_import_records(files),  # the footer names the import and its hashes
    }
    return Job(
        client_id=client.client_id,
        client_name=client.display_name,
        study=name,
        notebook=str(spec.notebook),
        data_files={k: str(v) for k, v in files.items()},
        parameters=parameters,
        out_dir=str(Path(output_dir) / client.client_id),
        inputs_hash=inputs_sha256(
            notebook=spec.notebook,
            data_files=hashed,
            parameters={
                **parameters,
                "client.yml": spec.values,
                "client_name": client.display_name,
                "plan": plan,
            },
            package=package,
        ),
        notebooks_dir=str(notebooks_dir),
        shown_parameters=shown,
        errors=spec.errors,
        plan=plan,
    )


def _import_records(files: dict[str, Path]) -> dict[str, Path]:
    """``imported/import_record.json`` of every imported table a report reads (its provenance)."""
    records = {}
    for path in files.values():
        record = Path(path).parent / "import_record.json"
        if Path(path).parent.name == "imported" and record.is_file():
            records["imported/import_record.json"] = record
    return records


def _relative(value, start: Path):
    """Write a path (or a dict of paths) relative to the notebooks folder, as notebooks get them."""
    if isinstance(value, dict):
        return {k: os.path.relpath(v, start) for k, v in value.items()}
    return os.path.relpath(value, start)


def benchmark_inputs(data_files: dict, benchmarks_dir: Path) -> dict[str, Path]:
    """Benchmark files (aggregates of all clients) for the instruments a study reads.

    They are passed to the notebook as ``benchmarks`` and hashed as inputs, so a
    change in another client's responses re-renders the reports that compare with it.
    """
    from analysis.clients.benchmarks import benchmark_path

    responses = data_files.get("responses")
    if not isinstance(responses, dict):
        return {}
    found = {key: benchmark_path(key, benchmarks_dir) for key in responses}
    return {key: path for key, path in found.items() if path.is_file()}


def is_current(job: Job) -> bool:
    """Return True when ``job`` last succeeded with the same inputs and its report exists."""
    out_dir = Path(job.out_dir)
    status = read_status(out_dir, job.study)
    return (
        status.get("status") == "ok"
        and status.get("inputs_hash") == job.inputs_hash
        and (out_dir / f"{job.study}.html").is_file()
    )


def check_job_parameters(job: Job, cache: dict[str, dict]) -> None:
    """Compare the job's parameters with the notebook's ``parameters`` cell."""
    import papermill

    if job.notebook not in cache:
        cache[job.notebook] = papermill.inspect_notebook(job.notebook)
    check_parameters(
        job.study,
        Path(job.notebook),
        job.parameters,
        cache[job.notebook],
        f"data/clients/{job.client_id}/client.yml",
    )


def write_status(job: Job, outcome: Outcome) -> None:
    """Record the outcome; a failure keeps the last good run's details."""
    out_dir = Path(job.out_dir)
    previous = read_status(out_dir, job.study)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    status: dict[str, Any] = {
        "client_id": job.client_id,
        "client_name": job.client_name,
        "study": job.study,
        "status": outcome.status,
        "error": outcome.error,
        "finished": now,
        "duration": round(outcome.duration, 2),
    }
    if outcome.status == "ok":
        status["inputs_hash"] = job.inputs_hash
        status["last_success"] = now
    else:
        status["inputs_hash"] = (
            previous.get("inputs_hash") if previous.get("status") == "ok" else None
        )
        status["last_success"] = previous.get("last_success")
    atomic_write_json(status_path(out_dir, job.study), status)


def write_client_results(out_dir: Path) -> None:
    """Gather every study's records of one client into ``results.json``."""
    records: list[dict[str, Any]] = []
    for file in sorted(out_dir.glob("*.results.json")):
        try:
            records.extend(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    atomic_write_json(out_dir / "results.json", records)
