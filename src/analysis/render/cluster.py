"""Rendering on a Dask distributed cluster, one warm kernel per Dask worker.

``workbench render --cluster ADDRESS`` sends each report to a Dask cluster instead of
the local worker processes (:mod:`analysis.render.workers`). What stays the same:

- the jobs are planned in the calling process (incremental skips, configuration
  errors, the index), so a skipped report never reaches the cluster;
- each Dask worker holds one :class:`~analysis.render.execute.Renderer`, a warm
  kernel reset between reports, created by a worker plugin and closed with the worker;
  a kernel that will not start is tried again for the worker's next report (each start
  itself tries a few times with growing pauses), never given up for the whole batch,
  and the report at hand goes back to the scheduler (:data:`HAND_BACKS` times) for
  another worker before it fails with the reason;
- a report that fails, times out or runs out of memory fails alone;
- outcomes come back to the same ``finish`` callback as locally: status files, the
  progress bar and the summary are written by the one code path.

A report is rendered at most once, on any scheduler. Each task is submitted with
``retries=0`` (no retry of a report that failed). When a worker dies, the scheduler
hands every report it held to other workers, up to its
``distributed.scheduler.allowed-failures`` (Dask's default, 3; ``--cluster local`` sets
:data:`ALLOWED_FAILURES` for its own scheduler). A report that had started on the dead
worker is claimed (a Dask ``Event`` per report and batch): its second attempt fails it
at once, saying that the worker died, instead of rendering it again. Reports that were
only queued on the dead worker are rendered by the others. A scheduler configured with
``allowed-failures: 0`` fails those queued reports too (``KilledWorker``).

Workers write nothing into the reports folder: a report's files come back with its
outcome and the calling process writes them (:func:`~analysis.render.execute.write_delivered`),
so a worker the scheduler gave up on cannot write a report after the summary and the
index. Workers must see the project (notebooks, client folders) at the same paths, as
on a shared file system. Each worker notes its kernel's pid under
``reports/.workbench/dask/<host>/``; at the end of the batch every worker, and this
process for its own host, stops the kernels of workers that died and removes their
records. ``ADDRESS`` is a scheduler address (``tcp://host:8786``) or ``local`` for a
:class:`distributed.LocalCluster` of ``--jobs`` single-threaded worker processes.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["ALLOWED_FAILURES", "HAND_BACKS", "PLUGIN_NAME", "host_state_dir", "run_on_cluster"]

PLUGIN_NAME = "workbench-renderer"

#: The scheduler's ``allowed-failures`` for ``--cluster local`` (Dask's default): how often a
#: report held by a worker that died is handed to another worker.
ALLOWED_FAILURES = 3

#: How often a worker that cannot start a kernel hands a report back to the scheduler
#: (for another worker, or itself after a pause) before the report fails with the reason.
HAND_BACKS = 2


def host_state_dir(state_dir: str | Path, host: str | None = None) -> Path:
    """Where the Dask workers of ``host`` (default: this machine) note their kernels' pids."""
    return Path(state_dir) / "dask" / (host or socket.gethostname())


def _plugin_class() -> Any:
    from distributed.diagnostics.plugin import WorkerPlugin

    class RendererPlugin(WorkerPlugin):
        """Gives a Dask worker one warm kernel, started on first use, closed with the worker."""

        name = PLUGIN_NAME

        def __init__(self, options: Any, root: str):
            self.options, self.root = options, root
            self.renderer: Any = None
            self.error: str | None = None  # kept only when trying again cannot help

        def setup(self, worker: Any) -> None:  # noqa: ARG002 - Dask passes worker= by name
            """Point this worker at the project and give it its own state folder."""
            from dataclasses import replace

            os.environ["WORKBENCH_ROOT"] = self.root
            if self.options.state_dir:
                own = host_state_dir(self.options.state_dir)
                self.options = replace(self.options, state_dir=str(own))

        def teardown(self, worker: Any) -> None:  # noqa: ARG002 - Dask passes worker= by name
            """Stop this worker's kernel."""
            if self.renderer is not None:
                self.renderer.close()

        def get(self) -> tuple[Any, str | None]:
            """Return this worker's Renderer, starting its kernel if needed; else why not."""
            from analysis.render.execute import Renderer

            if self.renderer is None and self.error is None:
                try:
                    self.renderer = Renderer(self.options)
                except Exception as exc:  # noqa: BLE001 - this report fails; the next one tries again
                    reason = f"{type(exc).__name__}: {exc}"
                    if getattr(exc, "permanent", False):
                        self.error = reason
                    return None, reason
            return self.renderer, self.error

    return RendererPlugin


def _claim_name(batch: str, job: Any) -> str:
    return f"workbench-{batch}-claimed-{job.key}"


def _render_on_worker(job: Any, context: dict[str, Any], batch: str) -> Any:
    """Render as the Dask task: one report on this worker's warm kernel, at most once per batch."""
    from distributed import Event, Reschedule, get_worker

    from analysis.render.jobs import Outcome

    claim = Event(_claim_name(batch, job))
    if claim.is_set():
        return Outcome(
            job.client_id,
            job.study,
            "failed",
            f"the Dask worker rendering {job.client_id}/{job.study} died, and the scheduler handed "
            "the report to another worker; it is not rendered a second time (no retry). Render it "
            "again on its own, or with fewer reports per worker.",
        )
    claim.set()
    plugin: Any = get_worker().plugins[PLUGIN_NAME]
    renderer, error = plugin.get()
    if renderer is None and not plugin.error:  # hand the report back to the scheduler, twice
        for turn in range(1, HAND_BACKS + 1):
            handed = Event(f"workbench-{batch}-handed-back-{turn}-{job.key}")
            if not handed.is_set():
                handed.set()
                claim.clear()
                raise Reschedule()
    if renderer is None:
        return Outcome(
            job.client_id,
            job.study,
            "failed",
            f"no kernel could be started for {job.client_id}/{job.study} on Dask worker "
            f"{get_worker().address}: {error}",
        )
    try:
        return renderer.render(job, context, deliver=True)
    except Exception as exc:  # noqa: BLE001 - a bug fails one report, not the batch
        return Outcome(job.client_id, job.study, "failed", f"{type(exc).__name__}: {exc}")


def _stop_dead_workers_kernels(state_dir: str) -> int:
    """Run on each worker at the end: stop the kernels of this host's dead workers, drop their records."""
    from analysis.render.workers import stop_orphan_kernels

    folder = host_state_dir(state_dir)
    return stop_orphan_kernels(folder) if folder.is_dir() else 0


def _remove_empty(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents up to ``top`` (exclusive) while they are empty."""
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def run_on_cluster(
    jobs: list,
    context: dict[str, Any],
    workers: int,
    options: Any,
    finish: Callable[[Any], None],
    *,
    address: str,
    root: str,
) -> None:
    """Render ``jobs`` on the Dask cluster at ``address`` (``"local"``: a LocalCluster)."""
    import dask
    import distributed  # noqa: F401 - registers the distributed.* defaults before the config.set below

    # Reports queued on a worker that dies go to the others (the scheduler's allowed-failures,
    # here Dask's default of 3, spent only on reports that had not started); the report it was
    # rendering comes back once and is failed by its claim (_render_on_worker), never rendered twice.
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        client, cluster = _connect(address, workers=workers, n_jobs=len(jobs))
        batch = uuid.uuid4().hex[:8]
        futures: dict[Any, Any] = {}
        try:
            client.register_plugin(_plugin_class()(options, root), name=PLUGIN_NAME)
            futures = {
                client.submit(
                    _render_on_worker,
                    job,
                    context,
                    batch,
                    key=f"render-{batch}-{job.key}",
                    pure=False,
                    retries=0,
                ): job
                for job in jobs
            }
            _collect(futures, finish)
        finally:
            _close(client, cluster, futures, batch, options)


def _connect(address: str, *, workers: int, n_jobs: int) -> tuple[Any, Any]:
    """Start a LocalCluster (``address`` "local") or reach the scheduler at ``address``.

    Parameters
    ----------
    address : str
        ``"local"`` or the scheduler's address (tcp://HOST:8786).
    workers : int
        Workers of a local cluster (at most one per report).
    n_jobs : int
        The reports to render.

    Returns
    -------
    (Client, LocalCluster or None)
        The client, and the local cluster it runs on.

    Raises
    ------
    ClientConfigError
        When the cluster cannot be started or reached, saying what to check.
    """
    from distributed import Client, LocalCluster

    from analysis.clients.discovery import ClientConfigError

    cluster = None
    try:
        if address == "local":
            cluster = LocalCluster(
                n_workers=max(1, min(workers, n_jobs)),
                threads_per_worker=1,  # one kernel per worker, one report at a time
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
            client = Client(cluster)
        else:
            client = Client(address, timeout="30s")
    except (OSError, TimeoutError, RuntimeError, ValueError) as error:
        if cluster is not None:
            cluster.close()
        where = "a local Dask cluster" if address == "local" else f"the Dask scheduler at {address}"
        raise ClientConfigError(
            f"--cluster: could not start or reach {where} ({type(error).__name__}: {error}). "
            "Check the address (tcp://HOST:8786) and that `dask scheduler` runs there, or "
            "render without --cluster."
        ) from None
    return client, cluster


def _collect(futures: dict[Any, Any], finish: Callable[[Any], None]) -> None:
    """Hand each report's outcome to ``finish`` as it completes; a lost worker fails its report only.

    Parameters
    ----------
    futures : dict
        Dask future -> the job it renders.
    finish : callable
        Receives each :class:`~analysis.render.jobs.Outcome`.
    """
    from distributed import as_completed

    from analysis.render.jobs import Outcome

    for future in as_completed(futures):
        job = futures[future]
        try:
            outcome = future.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker, lost connection, ...
            outcome = Outcome(
                job.client_id,
                job.study,
                "failed",
                f"the Dask worker rendering {job.client_id}/{job.study} failed "
                f"({type(exc).__name__}: {exc}); the other reports went on.",
            )
        finish(outcome)


def _close(client: Any, cluster: Any, futures: dict, batch: str, options: Any) -> None:
    """End the batch on the cluster: nothing left running for it, no claims, no stale pid records."""
    from distributed import Event

    from analysis.render.workers import stop_orphan_kernels

    try:
        client.cancel(list(futures))
        for job in futures.values():
            for name in (
                _claim_name(batch, job),
                *(f"workbench-{batch}-handed-back-{t}-{job.key}" for t in range(1, HAND_BACKS + 1)),
            ):
                Event(name, client=client).clear()
        if options.state_dir:
            client.run(_stop_dead_workers_kernels, options.state_dir)
    except Exception:  # noqa: BLE001 - the cluster is going away; this process cleans its own host below
        pass
    client.close()
    if cluster is not None:
        cluster.close()
    if options.state_dir:  # this machine's workers (LocalCluster, or a scheduler run here)
        folder = host_state_dir(options.state_dir)
        if folder.is_dir():
            stop_orphan_kernels(folder)
            _remove_empty(folder, Path(options.state_dir))
