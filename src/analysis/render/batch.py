"""Batch rendering: every client's studies through papermill, exported by nbconvert.

Flow for one report (client x study):

1. the inputs hash (notebook, data files, parameters, package source) is compared
   with the last good run; an unchanged report is skipped unless ``force``;
2. the notebook's declared parameters are checked against client.yml (an unknown
   or misspelled parameter is an error, not papermill's warning);
3. papermill executes it on a warm kernel (:mod:`analysis.render.kernels`) with a
   per-report deadline;
4. on success the executed notebook, ``<study>.results.json`` and the HTML report are
   written atomically; on failure the previous good report stays in place and the
   executed notebook is kept as ``<study>.failed.ipynb`` for debugging.

Reports run in ``jobs`` worker processes, each with one kernel started once.
Planning lives in :mod:`analysis.render.jobs`, executing one report in
:mod:`analysis.render.execute`, the worker pool in :mod:`analysis.render.workers`.
"""

import math
import os
import time
from pathlib import Path

import analysis
from analysis.clients.discovery import ClientConfigError
from analysis.core import paths
from analysis.render.execute import (
    KernelOptions,
    Renderer,
    extract_records,
    git_commit,
    scrub_paths,
    write_delivered,
)
from analysis.render.jobs import (
    BatchResult,
    Job,
    Outcome,
    check_job_parameters,
    is_current,
    plan_jobs,
    write_client_results,
    write_status,
)
from analysis.render.workers import renders_running, run_pool, stop_orphan_kernels

__all__ = [
    "MAX_MEMORY_LIMIT_GB",
    "BatchResult",
    "Job",
    "KernelOptions",
    "Outcome",
    "Renderer",
    "check_output_dir",
    "extract_records",
    "memory_limit_problem",
    "remove_leftovers",
    "render_batch",
    "scrub_paths",
]


#: The largest ``--memory-limit`` in GB (64 TB): more memory than any machine has, and far
#: below the largest address-space limit the system takes (2**63 bytes).
MAX_MEMORY_LIMIT_GB = 65536


def memory_limit_problem(value: object) -> str:
    """Return the message for a ``--memory-limit`` that is not a number of GB from 2 to 65536."""
    return (
        f"--memory-limit must be a number of GB from 2 to {MAX_MEMORY_LIMIT_GB} (a kernel that has run "
        "a study reserves about 2 GB of address space for 0.3 GB in use; no machine has more than "
        f"{MAX_MEMORY_LIMIT_GB} GB), e.g. 8; got {value}."
    )


def check_output_dir(folder: Path) -> Path:
    """``folder``, created if needed; a one-line :class:`ClientConfigError` if it cannot hold reports."""
    if folder.exists() and not folder.is_dir():
        raise ClientConfigError(
            f"--output-dir {folder} is a file, not a folder; choose a folder for the reports."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ClientConfigError(
            f"--output-dir {folder} cannot be written ({error.strerror or error}); choose a "
            "folder you can write to."
        ) from None
    return folder


def remove_leftovers(output_dir: Path) -> list[Path]:
    """Delete the ``.<study>.running.ipynb`` files an interrupted render left behind."""
    removed = []
    for leftover in output_dir.glob("*/.*.running.ipynb"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


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
    memory_limit_gb: float | None = None,
    formats: tuple[str, ...] = ("html",),
    cluster: str | None = None,
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
    memory_limit_gb : float, optional
        Address-space limit of each kernel in GB. A report that needs more fails
        with "out of memory (N GB)" naming the client and study; the other reports
        and the machine go on. Default: 80% of the physical memory shared among the
        workers (no limit where the system does not report its memory).
    formats : tuple of str
        ``("html",)`` (default) or ``("html", "pdf")``: a PDF printed from each HTML
        report by headless Chromium (:mod:`analysis.render.pdf`), written beside it;
        skipped with a message (``BatchResult.messages``) where Chromium is missing.
    cluster : str, optional
        Render on a Dask distributed cluster: a scheduler address (``tcp://host:8786``)
        or ``"local"`` for a LocalCluster of ``jobs`` workers
        (:mod:`analysis.render.cluster`). Default: local worker processes.

    Returns
    -------
    BatchResult
        Outcomes; ``exit_code`` is 1 when anything failed. A client whose raw files or
        codebook changed after ``workbench import`` fails with that message (its
        previous report stays), rather than being rendered from the outdated import.
    """
    from analysis.clients.discovery import discover_clients
    from analysis.render.benchmarks import write_benchmarks
    from analysis.render.index import write_index

    _check_arguments(jobs, timeout, memory_limit_gb, formats)
    t0 = time.monotonic()
    output_dir = check_output_dir(Path(output_dir or paths.REPORTS_DIR))
    state_dir = output_dir / ".workbench"
    _clear_leftovers(output_dir, state_dir)
    notebooks_dir = Path(notebooks_dir or paths.NOTEBOOKS_DIR)
    discovery = discover_clients(clients_dir, notebooks_dir)
    benchmarks_dir = (Path(clients_dir).parent if clients_dir else paths.DATA_DIR) / "benchmarks"
    write_benchmarks(discovery, benchmarks_dir)
    planned = plan_jobs(
        discovery,
        output_dir=output_dir,
        clients=clients,
        studies=studies,
        notebooks_dir=notebooks_dir,
        benchmarks_dir=benchmarks_dir,
    )
    config_errors = {k: v for k, v in discovery.errors.items() if not clients or k in clients}
    outcomes, to_run = _sort_jobs(planned, Path(clients_dir or paths.CLIENTS_DIR), force)
    if to_run:
        context = {"package_version": analysis.__version__, "git_commit": git_commit()}
        env = (
            ("WORKBENCH_CLIENTS_DIR", str(Path(clients_dir or paths.CLIENTS_DIR).resolve())),
            ("WORKBENCH_NOTEBOOKS_DIR", str(notebooks_dir.resolve())),
        )
        workers = jobs or os.cpu_count() or 1
        options = KernelOptions(
            timeout,
            kernel_name,
            str(notebooks_dir),
            reuse_kernel,
            env,
            str(state_dir),
            memory_limit_gb
            or (
                None
                if cluster not in (None, "local")
                else default_memory_limit(min(workers, len(to_run)))
            ),
        )
        outcomes.extend(_run(to_run, context, workers, options, progress, cluster))
    for folder in {Path(job.out_dir) for job in to_run}:
        write_client_results(folder)
    messages: list[str] = []
    pdf_errors: list[str] = []
    if "pdf" in formats:
        messages, pdf_errors = _pdfs(output_dir, outcomes)
    write_index(output_dir, discovery, config_errors)  # after the PDFs, so it links them
    return BatchResult(outcomes, config_errors, time.monotonic() - t0, messages, pdf_errors)


def _check_arguments(
    jobs: int | None, timeout: float, memory_limit_gb: float | None, formats: tuple[str, ...]
) -> None:
    """Refuse a batch option out of range, with the option's name and an example."""
    if jobs is not None and jobs < 1:
        raise ClientConfigError(f"--jobs must be at least 1; got {jobs}.")
    if not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0:
        raise ClientConfigError(
            f"--timeout must be a positive, finite number of seconds, e.g. 600; got {timeout}."
        )
    if memory_limit_gb is not None and (
        not isinstance(memory_limit_gb, (int, float))
        or not math.isfinite(memory_limit_gb)
        or not 2 <= memory_limit_gb <= MAX_MEMORY_LIMIT_GB
    ):
        raise ClientConfigError(memory_limit_problem(memory_limit_gb))
    unknown = [f for f in formats if f not in ("html", "pdf")]
    if unknown or "html" not in formats:
        raise ClientConfigError(
            f"--format takes html or html,pdf (a PDF is printed from the HTML report); got "
            f"{','.join(formats)}."
        )


def _clear_leftovers(output_dir: Path, state_dir: Path) -> None:
    """Remove what an interrupted render left: running notebooks and orphan kernels."""
    from analysis.render.cluster import host_state_dir

    if not renders_running(state_dir):  # another render's notebooks are not leftovers
        remove_leftovers(output_dir)
    stop_orphan_kernels(state_dir)  # left by an interrupted render
    if host_state_dir(state_dir).is_dir():  # left by Dask workers of this machine that died
        stop_orphan_kernels(host_state_dir(state_dir))


def _sort_jobs(
    planned: list[Job], clients_dir: Path, force: bool
) -> tuple[list[Outcome], list[Job]]:
    """Split the planned reports: outcomes decided now (stale import, skipped, bad config), and to run."""
    from analysis.ingest.record import stale_imports

    outcomes: list[Outcome] = []
    to_run: list[Job] = []
    inspected: dict[str, dict] = {}
    stale: dict[str, list[str]] = {}
    for job in planned:
        if job.client_id not in stale:  # raw files or codebook changed since `workbench import`
            stale[job.client_id] = stale_imports(clients_dir / job.client_id)
        if stale[job.client_id]:
            outcome = Outcome(
                job.client_id, job.study, "config-error", " ".join(stale[job.client_id])
            )
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
    return outcomes, to_run


def _pdfs(output_dir: Path, outcomes: list[Outcome]) -> tuple[list[str], list[str]]:
    """Print the PDFs of the good reports that lack an up-to-date one: (messages, errors)."""
    from analysis.render.pdf import pdf_unavailable, stale_pdfs, write_pdfs

    reason = pdf_unavailable()
    if reason:
        return [reason], []
    html = [
        output_dir / o.client_id / f"{o.study}.html"
        for o in outcomes
        if o.status in ("ok", "skipped")
    ]
    todo = stale_pdfs(p for p in html if p.exists())
    if not todo:
        return ["every PDF is up to date"], []
    failures = write_pdfs(todo)
    return [f"{len(todo) - len(failures)} PDF(s) written beside the HTML reports"], list(
        failures.values()
    )


def _run(
    to_run, context, jobs: int, options: KernelOptions, progress, cluster: str | None = None
) -> list[Outcome]:
    from tqdm.auto import tqdm

    by_key = {job.key: job for job in to_run}
    outcomes: list[Outcome] = []
    bar = tqdm(
        total=len(to_run),
        unit="report",
        desc="Rendering",
        disable=(None if progress is None else not progress),
    )

    def finish(outcome: Outcome) -> None:
        job = by_key[f"{outcome.client_id}/{outcome.study}"]
        write_delivered(outcome, Path(job.out_dir))  # the files a Dask worker sent back
        write_status(job, outcome)
        outcomes.append(outcome)
        bar.set_postfix_str(f"{outcome.client_id}/{outcome.study}: {outcome.status}")
        bar.update()

    workers = min(jobs, len(to_run))
    try:
        if cluster is not None:
            from analysis.render.cluster import run_on_cluster

            run_on_cluster(
                to_run,
                context,
                workers,
                options,
                finish,
                address=cluster,
                root=str(paths.PROJECT_ROOT),
            )
        elif workers == 1:
            _run_here(to_run, context, options, finish)
        else:
            run_pool(to_run, context, workers, options, finish)
    finally:
        bar.close()
    return outcomes


def _run_here(to_run: list[Job], context, options: KernelOptions, finish) -> None:
    """Render ``to_run`` one after another in this process, on one warm kernel.

    A kernel that will not start is given a second round of attempts (each with growing
    pauses); if that fails too, the report at hand fails and the next report tries again:
    a start failure is not kept for the batch. When no kernel of that name exists,
    trying again cannot help and every report fails with that reason at once.
    """
    renderer = None
    try:
        for index, job in enumerate(to_run):
            if renderer is None:
                try:
                    try:
                        renderer = Renderer(options)
                    except Exception as error:  # a second round, unless it cannot help
                        if getattr(error, "permanent", False):
                            raise
                        renderer = Renderer(options)
                except Exception as error:  # noqa: BLE001 - this report fails; the next one tries again
                    permanent = getattr(error, "permanent", False)
                    for failed in to_run[index:] if permanent else [job]:
                        finish(Outcome(failed.client_id, failed.study, "failed", str(error)))
                    if permanent:
                        return
                    continue
            try:
                finish(renderer.render(job, context))
            except Exception as error:  # noqa: BLE001 - a bug fails one report, not the batch
                finish(
                    Outcome(job.client_id, job.study, "failed", f"{type(error).__name__}: {error}")
                )
    finally:
        if renderer is not None:
            renderer.close()


def default_memory_limit(workers: int) -> float | None:
    """Each kernel's share of 80% of the physical memory, in GB, at least 4 (None if unknown).

    The kernels together then stay below the machine's memory, so a report that
    would need more fails alone with a clear message instead of the machine swapping
    or the system's out-of-memory killer stopping other programs. The limit is on
    address space, which runs ahead of memory in use (a kernel that ran the
    training-impact study: 1.9 GB of address space, 0.3 GB resident), hence the floor.
    """
    from analysis.render.kernels import physical_memory_gb

    total = physical_memory_gb()
    if total is None:
        return None
    return max(4.0, round(0.8 * total / max(1, workers), 1))
