"""Batch rendering: every client's studies through papermill, exported by nbconvert.

Flow for one report (client x study):

1. the inputs hash (notebook, data files, parameters, package source) is compared
   with the last good run; an unchanged report is skipped unless ``force``;
2. the notebook's declared parameters are checked against client.yml (an unknown
   or misspelled parameter is an error, not papermill's warning);
3. papermill executes it on a warm kernel (:mod:`analysis.report.kernels`) with a
   per-report deadline;
4. on success the executed notebook, ``<study>.results.json`` and the HTML report are
   written atomically; on failure the previous good report stays in place and the
   executed notebook is kept as ``<study>.failed.ipynb`` for debugging.

Reports run in ``jobs`` worker processes, each with one kernel started once.
"""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import analysis
from analysis.inputs import paths
from analysis.inputs.parameters import file_fields
from analysis.report.clients import (
    Client,
    ClientConfigError,
    Discovery,
    check_client_id,
    check_parameters,
    flat_files,
)
from analysis.report.workers import run_pool, stop_orphan_kernels
from analysis.report.hashing import atomic_write, atomic_write_json, file_sha256, inputs_sha256, package_sha256

ENGINE_NAME = "workbench-warm-kernel"
TIMEOUT_ENAME = "ReportTimeout"


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

    @property
    def key(self) -> str:
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


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    config_errors: dict[str, str]
    elapsed: float

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in ("failed", "config-error")]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.config_errors else 0


# --------------------------------------------------------------------- planning


def status_path(out_dir: Path, study: str) -> Path:
    return out_dir / f"{study}.status.json"


def read_status(out_dir: Path, study: str) -> dict[str, Any]:
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
    known = {c.client_id: c for c in discovery.clients}
    for client_id in clients or []:
        check_client_id(client_id)
        if client_id not in known and client_id not in discovery.errors:
            raise ClientConfigError(
                f"no client {client_id!r} in data/clients/; known: {', '.join(sorted([*known, *discovery.errors])) or 'none'}."
            )
    selected: list[Client] = [c for c in discovery.clients if not clients or c.client_id in clients]
    all_studies = {s for c in discovery.clients for s in c.studies}
    for study in studies or []:
        if study not in all_studies:
            raise ClientConfigError(f"no client renders study {study!r}; configured: {', '.join(sorted(all_studies)) or 'none'}.")
    package = package_sha256()
    jobs = []
    for client in selected:
        for name, spec in client.studies.items():
            if studies and name not in studies:
                continue
            if spec.params is not None or spec.errors:  # a study with a model: the notebook loads client.yml itself
                parameters: dict[str, Any] = {"client_id": client.client_id}
                shown = ({k: v for k, v in spec.params.model_dump().items() if k not in file_fields(type(spec.params))}
                         if spec.params is not None else {})
            else:
                parameters = {"client_name": client.display_name, "client_id": client.client_id,
                              **{key: _relative(value, notebooks_dir) for key, value in spec.data_files.items()},
                              **spec.parameters}
                shown = {k: v for k, v in parameters.items() if k not in spec.data_files}
            files = flat_files(spec.data_files)
            benchmarks = benchmark_inputs(spec.data_files, benchmarks_dir)
            if benchmarks and spec.params is None:
                parameters["benchmarks"] = _relative(benchmarks, notebooks_dir)
            hashed = {**files, **{f"benchmarks.{k}": v for k, v in benchmarks.items()}}
            jobs.append(
                Job(
                    client_id=client.client_id,
                    client_name=client.display_name,
                    study=name,
                    notebook=str(spec.notebook),
                    data_files={k: str(v) for k, v in files.items()},
                    parameters=parameters,
                    out_dir=str(Path(output_dir) / client.client_id),
                    inputs_hash=inputs_sha256(
                        notebook=spec.notebook, data_files=hashed,
                        parameters={**parameters, "client.yml": spec.values, "client_name": client.display_name},
                        package=package,
                    ),
                    notebooks_dir=str(notebooks_dir),
                    shown_parameters=shown,
                    errors=spec.errors,
                )
            )
    return jobs


def _relative(value, start: Path):
    """A path (or a dict of paths) relative to the notebooks folder, as notebooks receive them."""
    if isinstance(value, dict):
        return {k: os.path.relpath(v, start) for k, v in value.items()}
    return os.path.relpath(value, start)


def benchmark_inputs(data_files: dict, benchmarks_dir: Path) -> dict[str, Path]:
    """Benchmark files (aggregates of all clients) for the instruments a study reads.

    They are passed to the notebook as ``benchmarks`` and hashed as inputs, so a
    change in another client's responses re-renders the reports that compare with it.
    """
    from analysis.report.benchmarks import benchmark_path

    responses = data_files.get("responses")
    if not isinstance(responses, dict):
        return {}
    found = {key: benchmark_path(key, benchmarks_dir) for key in responses}
    return {key: path for key, path in found.items() if path.is_file()}


def is_current(job: Job) -> bool:
    """True when the last run of ``job`` succeeded with the same inputs and its report exists."""
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
        job.study, Path(job.notebook), job.parameters, cache[job.notebook], f"data/clients/{job.client_id}/client.yml"
    )


# --------------------------------------------------------------------- execution


def git_commit(root: Path | None = None) -> str:
    """Short commit of the project checkout, with ``+dirty`` for uncommitted changes."""
    root = root or paths.PROJECT_ROOT
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"


_QUIET_LOG = logging.getLogger("analysis.report.nbclient")
_QUIET_LOG.setLevel(logging.CRITICAL)


def _register_engine() -> None:
    """Register the papermill engine that runs on a caller-owned (warm) kernel."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            deadline, limit = kwargs.pop("deadline"), kwargs.pop("limit")
            client = PapermillNotebookClient(
                nb_man,
                km=kwargs.pop("km"),
                kernel_name=kernel_name,
                startup_timeout=start_timeout,
                timeout_func=lambda cell: max(0.5, deadline - time.monotonic()),
                interrupt_on_timeout=True,
                error_on_timeout={
                    "ename": TIMEOUT_ENAME,
                    "evalue": f"the report exceeded its time limit of {limit:g} s",
                    "traceback": [],
                },
                log_output=False,
                log=_QUIET_LOG,  # time-outs are reported by the batch, not as log noise
            )
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE_NAME, WarmKernelEngine)


def extract_records(nb) -> list[dict[str, Any]]:
    """Headline records published by :func:`analysis.report.publish_summary`."""
    from analysis.report.display import RESULTS_MIMETYPE

    records: list[dict[str, Any]] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(RESULTS_MIMETYPE)
            if payload:
                records.extend(payload)
    return records


def _is_file_parameter(name: str, job: Job) -> bool:
    """Data files are listed with their hashes in the footer, not again as parameters."""
    return name == "benchmarks" or name in job.data_files or any(f.startswith(f"{name}.") for f in job.data_files)


def _failed_cell_message(path: Path) -> str | None:
    """The concise data-error message printed by the failing cell, if it printed one."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None
    for cell in nb.cells:
        if cell.get("metadata", {}).get("papermill", {}).get("exception"):
            texts = [o.get("text", "") for o in cell.get("outputs", [])
                     if o.get("output_type") == "stream" and o.get("name") == "stderr"]
            text = "".join(texts).strip()
            return text if "the input data need fixing" in text else None
    return None


def _error_text(error: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, PapermillExecutionError):
        value = str(error.evalue).strip()
        return f"{error.ename} in cell {error.exec_count}: {value}"
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class KernelOptions:
    """How reports are executed (plain data, passed to worker processes)."""

    timeout: float = 600
    kernel_name: str = paths.KERNEL_NAME
    cwd: str = str(paths.NOTEBOOKS_DIR)
    reuse_kernel: bool = True
    env: tuple[tuple[str, str], ...] = ()  # extra environment of the kernels (where the clients are)
    state_dir: str = ""  # where kernels note their pid (reports/.workbench)


class Renderer:
    """Renders jobs one after another on one kernel (one per worker process).

    With ``reuse_kernel`` (the default) the kernel is started once, preloaded and
    reset between reports; without it every report gets a fresh kernel, as papermill
    does by default (slower; useful to rule out state carried between reports).
    """

    def __init__(self, options: KernelOptions):
        from analysis.report.kernels import PRELOAD, WarmKernel

        _register_engine()
        self.options = options
        self.timeout = options.timeout
        self.kernel = WarmKernel(options.kernel_name, Path(options.cwd), preload=PRELOAD if options.reuse_kernel else "",
                                 env=dict(options.env), state_dir=Path(options.state_dir) if options.state_dir else None)

    _used = False

    def close(self) -> None:
        self.kernel.shutdown()

    def _fresh_kernel(self) -> None:
        from analysis.report.kernels import KernelError

        if not self.options.reuse_kernel and self._used:
            self.kernel.restart()
        self._used = True
        try:
            if not self.kernel.is_alive():
                raise KernelError("kernel died")
            self.kernel.reset()
        except Exception:
            self.kernel.restart()
            self.kernel.reset()

    @staticmethod
    def _context(job: Job, context: dict[str, Any], started: datetime, duration: float) -> dict[str, Any]:
        """Title block and provenance footer of one report."""
        return {
            **context,
            "client_id": job.client_id,
            "client_name": job.client_name,
            "study": job.study,
            "parameters": {k: v for k, v in job.shown_parameters.items() if not _is_file_parameter(k, job)},
            "data_files": [
                {"name": name, "file": Path(path).name, "sha256": file_sha256(Path(path))}
                for name, path in sorted(job.data_files.items())
            ],
            "started": started.strftime("%Y-%m-%d %H:%M UTC"),
            "duration": f"{duration:.1f} s",
        }

    def _died(self, error: BaseException, job: Job) -> str | None:
        """A plain message when the kernel ran out of memory or died, naming the client and study."""
        import signal

        if getattr(error, "ename", None) == "MemoryError":
            return (f"out of memory: {job.client_id}/{job.study} ran out of memory (MemoryError in cell "
                    f"{getattr(error, 'exec_count', '?')}); render it alone or with fewer --jobs, or reduce the data.")
        if type(error).__name__ != "DeadKernelError" and self.kernel.is_alive():
            return None
        code = self.kernel.exit_code()
        if code == -signal.SIGKILL:
            return (f"out of memory: the kernel rendering {job.client_id}/{job.study} was killed (signal 9, usually the "
                    "system's out-of-memory killer); render it alone or with fewer --jobs, or reduce the data.")
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return f"the kernel rendering {job.client_id}/{job.study} died ({how})."

    def render(self, job: Job, context: dict[str, Any]) -> Outcome:
        import nbformat
        import papermill

        from analysis.report.export import export_html

        out_dir = Path(job.out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        running = out_dir / f".{job.study}.running.ipynb"
        failed_nb = out_dir / f"{job.study}.failed.ipynb"
        started = datetime.now(timezone.utc)
        t0 = time.monotonic()
        self._fresh_kernel()
        try:
            nb = papermill.execute_notebook(
                job.notebook,
                str(running),
                parameters=job.parameters,
                engine_name=ENGINE_NAME,
                km=self.kernel.km,
                deadline=t0 + self.timeout,
                limit=self.timeout,
                progress_bar=False,
                request_save_on_cell_execute=True,
            )
        except Exception as error:  # the notebook failed or timed out: keep it, report it
            duration = time.monotonic() - t0
            message = _error_text(error)
            # nbclient interrupts the kernel at the deadline; the cell then shows KeyboardInterrupt.
            timed_out = getattr(error, "ename", None) in (TIMEOUT_ENAME, "KeyboardInterrupt")
            if timed_out and time.monotonic() >= t0 + self.timeout - 0.5:
                message = f"timed out: the report exceeded its time limit of {self.timeout:g} s (--timeout)"
            message = self._died(error, job) or message
            if running.exists():
                shown = _failed_cell_message(running)
                if shown:  # a data error shown concisely by analysis.report.setup_notebook
                    message = shown
                os.replace(running, failed_nb)
            return Outcome(job.client_id, job.study, "failed", message, duration)
        duration = time.monotonic() - t0
        try:
            records = [{"client_id": job.client_id, "study": job.study, **r} for r in extract_records(nb)]
            nb = nbformat.reads(scrub_paths(nbformat.writes(nb), job), as_version=4)
            html = export_html(nb, self._context(job, context, started, duration))
            atomic_write(out_dir / f"{job.study}.ipynb", nbformat.writes(nb))
            atomic_write_json(out_dir / f"{job.study}.results.json", records)
            atomic_write(out_dir / f"{job.study}.html", html)
        except Exception as error:  # export failed: keep the executed notebook for debugging
            if running.exists():
                os.replace(running, failed_nb)
            return Outcome(job.client_id, job.study, "failed", f"export failed: {type(error).__name__}: {error}", duration)
        running.unlink(missing_ok=True)
        failed_nb.unlink(missing_ok=True)
        return Outcome(job.client_id, job.study, "ok", None, duration, records)


# --------------------------------------------------------------------- batch


def check_output_dir(folder: Path) -> Path:
    """``folder``, created if needed; a one-line :class:`ClientConfigError` if it cannot hold reports."""
    if folder.exists() and not folder.is_dir():
        raise ClientConfigError(f"--output-dir {folder} is a file, not a folder; choose a folder for the reports.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ClientConfigError(f"--output-dir {folder} cannot be written ({error.strerror or error}); choose a "
                                "folder you can write to.") from None
    return folder


def remove_leftovers(output_dir: Path) -> list[Path]:
    """Delete the ``.<study>.running.ipynb`` files an interrupted render left behind."""
    removed = []
    for leftover in output_dir.glob("*/.*.running.ipynb"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def scrub_paths(text: str, job: Job) -> str:
    """Replace this machine's absolute paths in a published notebook by relative names.

    papermill records the input and output paths, and warnings name source files; a
    report sent to a client carries none of the folders of the machine that rendered it.
    """
    import sys

    replacements = [
        (str(Path(job.notebook).resolve().parent), "notebooks"),
        (str(Path(job.out_dir).resolve()), "."),
        (str(Path(job.out_dir)), "."),
        (str(paths.PACKAGE_DIR.resolve()), "analysis"),
        (str(paths.PROJECT_ROOT.resolve()), "."),
        (str(Path(sys.prefix).resolve()), "<python>"),
        (sys.prefix, "<python>"),
        (sys.base_prefix, "<python>"),
        (str(Path.home()), "~"),
    ]
    for file in job.data_files.values():
        folders = [f for f in Path(file).resolve().parents if f.name == job.client_id]
        if folders:
            replacements.append((str(folders[0].parent), "data/clients"))
    for old, new in sorted(replacements, key=lambda pair: -len(pair[0])):
        if len(old) > 1:
            text = text.replace(json.dumps(old)[1:-1], new)
    return text


def write_status(job: Job, outcome: Outcome) -> None:
    """Record the outcome; a failure keeps the last good run's details."""
    out_dir = Path(job.out_dir)
    previous = read_status(out_dir, job.study)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
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
        status["inputs_hash"] = previous.get("inputs_hash") if previous.get("status") == "ok" else None
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


def render_batch(
    *,
    clients: list[str] | None = None,
    studies: list[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    timeout: float = 600,
    output_dir: Path | None = None,
    clients_dir: Path | None = None,
    notebooks_dir: Path | None = None,
    kernel_name: str = paths.KERNEL_NAME,
    progress: bool | None = None,
    reuse_kernel: bool = True,
) -> BatchResult:
    """Render reports for the selected clients and studies, then rewrite the index.

    Parameters
    ----------
    clients, studies : list of str, optional
        Restrict to these client ids / studies (default: all discovered).
    jobs : int, optional
        Parallel worker processes, each with one warm kernel (default: CPU cores).
    force : bool
        Re-render even when the inputs are unchanged.
    timeout : float
        Seconds allowed for one report; a report over time fails, the others go on.
    output_dir : Path, optional
        Where reports go (default ``reports/``).
    progress : bool, optional
        Show a progress bar (default: only on a terminal).
    reuse_kernel : bool
        Start one kernel per worker and reset it between reports (default), or
        start a fresh kernel for every report.

    Returns
    -------
    BatchResult
        Outcomes; ``exit_code`` is 1 when anything failed. A client whose raw files or
        codebook changed after ``workbench import`` fails with that message (its
        previous report stays), rather than being rendered from the outdated import.
    """
    from analysis.inputs.importers import stale_imports
    from analysis.report.clients import discover_clients
    from analysis.report.index import write_index

    if jobs is not None and jobs < 1:
        raise ValueError(f"--jobs must be at least 1; got {jobs}.")
    if not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise ClientConfigError(f"--timeout must be a positive, finite number of seconds, e.g. 600; got {timeout}.")
    t0 = time.monotonic()
    output_dir = check_output_dir(Path(output_dir or paths.REPORTS_DIR))
    state_dir = output_dir / ".workbench"
    remove_leftovers(output_dir)
    stop_orphan_kernels(state_dir)  # left by an interrupted render
    notebooks_dir = Path(notebooks_dir or paths.NOTEBOOKS_DIR)
    discovery = discover_clients(clients_dir, notebooks_dir)
    from analysis.report.benchmarks import write_benchmarks

    benchmarks_dir = (Path(clients_dir).parent if clients_dir else paths.DATA_DIR) / "benchmarks"
    write_benchmarks(discovery, benchmarks_dir)
    planned = plan_jobs(discovery, output_dir=output_dir, clients=clients, studies=studies,
                        notebooks_dir=notebooks_dir, benchmarks_dir=benchmarks_dir)
    config_errors = {k: v for k, v in discovery.errors.items() if not clients or k in clients}

    outcomes: list[Outcome] = []
    to_run: list[Job] = []
    inspected: dict[str, dict] = {}
    stale: dict[str, list[str]] = {}
    for job in planned:
        if job.client_id not in stale:  # raw files or codebook changed since `workbench import`
            stale[job.client_id] = stale_imports(Path(clients_dir or paths.CLIENTS_DIR) / job.client_id)
        if stale[job.client_id]:
            outcome = Outcome(job.client_id, job.study, "config-error", " ".join(stale[job.client_id]))
            write_status(job, outcome)
            outcomes.append(outcome)
            continue
        if not job.errors and not force and is_current(job):
            outcomes.append(Outcome(job.client_id, job.study, "skipped"))
            continue
        try:
            if job.errors:
                raise ClientConfigError(list(job.errors))
            check_job_parameters(job, inspected)
        except ClientConfigError as error:
            outcome = Outcome(job.client_id, job.study, "config-error", str(error))
            write_status(job, outcome)
            outcomes.append(outcome)
            continue
        to_run.append(job)

    if to_run:
        context = {"package_version": analysis.__version__, "git_commit": git_commit()}
        env = (("WORKBENCH_CLIENTS_DIR", str(Path(clients_dir or paths.CLIENTS_DIR).resolve())),
               ("WORKBENCH_NOTEBOOKS_DIR", str(notebooks_dir.resolve())))
        options = KernelOptions(timeout, kernel_name, str(notebooks_dir), reuse_kernel, env, str(state_dir))
        outcomes.extend(_run(to_run, context, jobs or os.cpu_count() or 1, options, progress))
    touched = {Path(job.out_dir) for job in to_run}
    for folder in touched:
        write_client_results(folder)
    write_index(output_dir, discovery, config_errors)
    return BatchResult(outcomes, config_errors, time.monotonic() - t0)


def _run(to_run, context, jobs: int, options: KernelOptions, progress) -> list[Outcome]:
    from tqdm.auto import tqdm

    by_key = {job.key: job for job in to_run}
    outcomes: list[Outcome] = []
    bar = tqdm(total=len(to_run), unit="report", desc="Rendering", disable=(None if progress is None else not progress))

    def finish(outcome: Outcome) -> None:
        write_status(by_key[f"{outcome.client_id}/{outcome.study}"], outcome)
        outcomes.append(outcome)
        bar.set_postfix_str(f"{outcome.client_id}/{outcome.study}: {outcome.status}")
        bar.update()

    workers = min(jobs, len(to_run))
    try:
        if workers == 1:
            try:
                renderer = Renderer(options)
            except Exception as error:
                for job in to_run:
                    finish(Outcome(job.client_id, job.study, "failed", str(error)))
                return outcomes
            try:
                for job in to_run:
                    try:
                        finish(renderer.render(job, context))
                    except Exception as error:
                        finish(Outcome(job.client_id, job.study, "failed", f"{type(error).__name__}: {error}"))
            finally:
                renderer.close()
        else:
            run_pool(to_run, context, workers, options, finish)
    finally:
        bar.close()
    return outcomes

