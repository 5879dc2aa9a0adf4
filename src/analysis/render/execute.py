"""Executing one report: papermill on a warm kernel, then the HTML export.

:class:`Renderer` runs jobs one after another on one kernel (one per worker
process); on success the executed notebook, its headline records and the HTML
report are written atomically, on failure the executed notebook is kept as
``<study>.failed.ipynb`` and the previous good report stays in place.
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.core import paths
from analysis.ingest.record import import_provenance
from analysis.render.hashing import atomic_write, file_sha256
from analysis.render.imports import skip_iri_format_checker
from analysis.render.jobs import Job, Outcome
from analysis.render.provenance import data_provenance

__all__ = [
    "ENGINE_NAME",
    "TIMEOUT_ENAME",
    "KernelOptions",
    "Renderer",
    "extract_records",
    "git_commit",
    "scrub_paths",
    "write_delivered",
]

skip_iri_format_checker()  # before papermill and nbconvert bring in nbformat and jsonschema

ENGINE_NAME = "workbench-warm-kernel"


TIMEOUT_ENAME = "ReportTimeout"


def git_commit(root: Path | None = None) -> str:
    """Short commit of the project checkout, with ``+dirty`` for uncommitted changes."""
    root = root or paths.PROJECT_ROOT
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,  # a failure here just means "not dirty"
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
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            # papermill passes these by name; they are taken here so that they do not reach
            # the notebook client through kwargs
            log_output=False,  # noqa: ARG003
            stdout_file=None,  # noqa: ARG003
            stderr_file=None,  # noqa: ARG003
            start_timeout=60,
            execution_timeout=None,  # noqa: ARG003
            **kwargs,
        ):
            deadline, limit = kwargs.pop("deadline"), kwargs.pop("limit")
            client = PapermillNotebookClient(
                nb_man,
                km=kwargs.pop("km"),
                kernel_name=kernel_name,
                startup_timeout=start_timeout,
                timeout_func=lambda _cell: max(0.5, deadline - time.monotonic()),
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
    """Return the headline records published by :func:`analysis.report.publish_summary`."""
    from analysis.report.display import RESULTS_MIMETYPE

    records: list[dict[str, Any]] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(RESULTS_MIMETYPE)
            if payload:
                records.extend(payload)
    return records


def _is_file_parameter(name: str, job: Job) -> bool:
    """Return whether ``name`` is a data file, not a parameter shown in the footer.

    Data files are listed with their hashes in the footer, not again as parameters.
    """
    return (
        name == "benchmarks"
        or name in job.data_files
        or any(f.startswith(f"{name}.") for f in job.data_files)
    )


def _failed_cell_message(path: Path, error_text: str) -> str:
    """Return what to show for a failed notebook: its data-error lines, or where it failed.

    A data error (shown concisely by :func:`analysis.report.setup_notebook`) is returned
    as printed. Otherwise ``error_text`` is kept, with papermill's execution count
    (which counts the injected parameters cell) replaced by the cell's position among
    the study notebook's code cells and its first line, as a researcher sees it in
    JupyterLab.
    """
    import re

    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return error_text
    position = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        position += 1
        if cell.get("metadata", {}).get("papermill", {}).get("exception"):
            texts = [
                o.get("text", "")
                if o.get("output_type") == "stream"
                else "\n".join(o.get("traceback", []))
                for o in cell.get("outputs", [])
                if (o.get("output_type") == "stream" and o.get("name") == "stderr")
                or o.get("output_type") == "error"
            ]
            text = "".join(texts).strip()
            if "the input data need fixing" in text:
                return text
            first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
            where = f"code cell {position} of the notebook ({first[:60]!r})"
            return re.sub(r"in cell \S+:", f"in {where}:", error_text, count=1)
    return error_text


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
    env: tuple[
        tuple[str, str], ...
    ] = ()  # extra environment of the kernels (where the clients are)
    state_dir: str = ""  # where kernels note their pid (reports/.workbench)
    memory_limit_gb: float | None = None  # address-space limit of each kernel (None: none)
    startup_timeout: float = 60  # seconds a starting kernel may take to answer kernel_info
    start_attempts: int = 3  # attempts to start a kernel, with growing pauses between them
    start_backoff: float = 2.0  # the first pause (seconds), doubled after each failed attempt


class Renderer:
    """Renders jobs one after another on one kernel (one per worker process).

    With ``reuse_kernel`` (the default) the kernel is started once, preloaded and
    reset between reports; without it every report gets a fresh kernel, as papermill
    does by default (slower; useful to rule out state carried between reports).
    """

    def __init__(self, options: KernelOptions):
        from analysis.render.kernels import PRELOAD, WarmKernel

        _register_engine()
        self.options = options
        self.timeout = options.timeout
        self.kernel = WarmKernel(
            options.kernel_name,
            Path(options.cwd),
            preload=PRELOAD if options.reuse_kernel else "",
            startup_timeout=options.startup_timeout,
            env=dict(options.env),
            state_dir=Path(options.state_dir) if options.state_dir else None,
            memory_limit_gb=options.memory_limit_gb,
            start_attempts=options.start_attempts,
            start_backoff=options.start_backoff,
        )

    _used = False

    def close(self) -> None:
        """Shut down the kernel."""
        self.kernel.shutdown()

    def _fresh_kernel(self) -> None:
        from analysis.render.kernels import KernelError

        if not self.options.reuse_kernel and self._used:
            self.kernel.restart()
        self._used = True
        try:
            if not self.kernel.is_alive():
                raise KernelError("kernel died")
            self.kernel.reset()
        except Exception:  # noqa: BLE001 - any failure to reset means: start a new kernel
            self.kernel.restart()
            self.kernel.reset()

    @staticmethod
    def _context(
        job: Job, context: dict[str, Any], started: datetime, duration: float
    ) -> dict[str, Any]:
        """Title block and provenance footer of one report."""
        return {
            **context,
            "client_id": job.client_id,
            "client_name": job.client_name,
            "study": job.study,
            "parameters": {
                k: v for k, v in job.shown_parameters.items() if not _is_file_parameter(k, job)
            },
            "data_files": [
                {
                    "name": name,
                    "file": Path(path).name,
                    "sha256": file_sha256(Path(path)),
                    **import_provenance(path),
                }
                for name, path in sorted(job.data_files.items())
            ],
            "provenance": data_provenance(job.data_files),
            "plan": job.plan,
            "started": started.strftime("%Y-%m-%d %H:%M UTC"),
            "duration": f"{duration:.1f} s",
        }

    def _died(self, error: BaseException, job: Job) -> str | None:
        """Return a plain message, naming the report, when its kernel ran out of memory or died."""
        import signal

        limit = self.options.memory_limit_gb
        if getattr(error, "ename", None) == "MemoryError" and limit:
            return (
                f"out of memory ({limit:g} GB): {job.client_id}/{job.study} needed more than the "
                f"kernel's limit of {limit:g} GB (MemoryError in cell {getattr(error, 'exec_count', '?')}); "
                "render it with a larger --memory-limit or fewer --jobs, or reduce the data."
            )
        if getattr(error, "ename", None) == "MemoryError":
            return (
                f"out of memory: {job.client_id}/{job.study} ran out of memory (MemoryError in cell "
                f"{getattr(error, 'exec_count', '?')}); render it alone or with fewer --jobs, or reduce the data."
            )
        if type(error).__name__ != "DeadKernelError" and self.kernel.is_alive():
            return None
        code = self.kernel.exit_code()
        if code == -signal.SIGKILL:
            return (
                f"out of memory: the kernel rendering {job.client_id}/{job.study} was killed (signal 9, usually the "
                "system's out-of-memory killer); render it alone or with fewer --jobs, or reduce the data."
            )
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return f"the kernel rendering {job.client_id}/{job.study} died ({how})."

    def render(self, job: Job, context: dict[str, Any], *, deliver: bool = False) -> Outcome:
        """Execute and export one report.

        By default the report's files are written to ``job.out_dir`` here. With
        ``deliver`` (a Dask worker) nothing is written under the reports folder: the
        notebook runs in a private temporary folder and the files come back in
        :attr:`Outcome.files`, for the calling process to write with
        :func:`write_delivered` before it records the outcome. A worker the scheduler
        gave up on (a lost heartbeat under load) then cannot write a report after the
        batch has printed its summary and written the index.
        """
        import shutil
        import tempfile

        out_dir = Path(job.out_dir)
        private = Path(tempfile.mkdtemp(prefix="workbench-")) if deliver else None
        try:
            if private is None:
                out_dir.mkdir(parents=True, exist_ok=True)
            running = (private or out_dir) / f".{job.study}.running.ipynb"
            outcome = self._render(job, context, running, private)
        finally:
            if private is not None:
                shutil.rmtree(private, ignore_errors=True)
        if not deliver:
            write_delivered(outcome, out_dir)
        return outcome

    def _render(
        self, job: Job, context: dict[str, Any], running: Path, private: Path | None
    ) -> Outcome:
        import nbformat
        import papermill

        from analysis.render.export import export_html

        failed_name = f"{job.study}.failed.ipynb"
        started = datetime.now(UTC)
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
                request_save_on_cell_execute=False,
            )
        except Exception as error:  # noqa: BLE001 - any notebook failure fails this report only
            duration = time.monotonic() - t0
            message = _error_text(error)
            # nbclient interrupts the kernel at the deadline; the cell then shows KeyboardInterrupt.
            timed_out = getattr(error, "ename", None) in (TIMEOUT_ENAME, "KeyboardInterrupt")
            if timed_out and time.monotonic() >= t0 + self.timeout - 0.5:
                message = f"timed out: the report exceeded its time limit of {self.timeout:g} s (--timeout)"
            message = self._died(error, job) or message
            files = {}
            if running.exists():
                message = _failed_cell_message(running, message)
                files = _failed_notebook(running, failed_name, job, private)
            return Outcome(job.client_id, job.study, "failed", message, duration, files=files)
        duration = time.monotonic() - t0
        try:
            records = [
                {"client_id": job.client_id, "study": job.study, **r} for r in extract_records(nb)
            ]
            nb = nbformat.reads(scrub_paths(nbformat.writes(nb), job, private), as_version=4)
            html = export_html(nb, self._context(job, context, started, duration))
            results = json.dumps(records, indent=2, default=str, allow_nan=False) + "\n"
            files = {
                f"{job.study}.ipynb": nbformat.writes(nb),
                f"{job.study}.results.json": results,
                f"{job.study}.html": html,
            }
        except Exception as error:  # noqa: BLE001 - export failed: keep the executed notebook
            files = _failed_notebook(running, failed_name, job, private) if running.exists() else {}
            return Outcome(
                job.client_id,
                job.study,
                "failed",
                f"export failed: {type(error).__name__}: {error}",
                duration,
                files=files,
            )
        running.unlink(missing_ok=True)
        return Outcome(job.client_id, job.study, "ok", None, duration, records, files=files)


def write_delivered(outcome: Outcome, out_dir: Path) -> None:
    """Write a report's files (:attr:`Outcome.files`) into ``out_dir``, each atomically.

    A good report replaces the previous one and removes an earlier ``.failed.ipynb``; a
    failed one writes only its ``.failed.ipynb``, so the previous good report stays.
    Afterwards ``outcome.files`` is empty (the content is not kept twice). A write that
    fails turns a good outcome into a failed one naming the file.
    """
    if not outcome.files:
        return
    out_dir = Path(out_dir)
    try:
        for name, content in outcome.files.items():
            atomic_write(out_dir / name, content)
    except OSError as error:
        outcome.status, outcome.error, outcome.records = "failed", f"export failed: {error}", []
    else:
        if outcome.status == "ok":
            (out_dir / f"{outcome.study}.failed.ipynb").unlink(missing_ok=True)
    outcome.files = {}


def _failed_notebook(running: Path, name: str, job: Job, private: Path | None) -> dict[str, str]:
    """Return the failed run's notebook, without this machine's paths, as ``{name: text}``."""
    try:
        text = scrub_paths(running.read_text(encoding="utf-8"), job, private)
    except (OSError, UnicodeDecodeError):
        return {}
    finally:
        running.unlink(missing_ok=True)
    return {name: text}


def scrub_paths(text: str, job: Job, private: Path | None = None) -> str:
    """Replace this machine's absolute paths in a published notebook by relative names.

    papermill records the input and output paths, and warnings name source files; a
    report sent to a client carries none of the folders of the machine that rendered it.
    ``private`` is a worker's temporary folder the notebook ran in (shown as ``.``).
    """
    import sys

    replacements = [
        *([(str(private), "."), (str(private.resolve()), ".")] if private is not None else []),
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
