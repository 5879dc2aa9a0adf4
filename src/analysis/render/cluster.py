"""Rendering on a Dask distributed cluster, one warm kernel per Dask worker.

``workbench render --cluster ADDRESS`` sends each report to a Dask cluster instead of
the local worker processes (:mod:`analysis.render.workers`). What stays the same:

- the jobs are planned in the calling process (incremental skips, configuration
  errors, the index), so a skipped report never reaches the cluster;
- each Dask worker holds one :class:`~analysis.render.execute.Renderer`, a warm
  kernel reset between reports, created by a worker plugin and closed with the worker;
- a report that fails, times out or runs out of memory fails alone; a worker that
  dies fails the report it was rendering (Dask's ``KilledWorker``, with no retry on
  another worker) and the others go on;
- outcomes come back to the same ``finish`` callback as locally: status files, the
  progress bar and the summary are written by the one code path.

Workers must see the project (notebooks, client folders, reports) at the same paths,
as on a shared file system; the reports are written with the same atomic writes.
``ADDRESS`` is a scheduler address (``tcp://host:8786``) or ``local`` for a
:class:`distributed.LocalCluster` of ``--jobs`` single-threaded worker processes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import Any

__all__ = ["PLUGIN_NAME", "run_on_cluster"]

PLUGIN_NAME = "workbench-renderer"


def _plugin_class() -> Any:
    from distributed.diagnostics.plugin import WorkerPlugin

    class RendererPlugin(WorkerPlugin):
        """Gives a Dask worker one warm kernel, started on first use, closed with the worker."""

        name = PLUGIN_NAME

        def __init__(self, options: Any, root: str):
            self.options, self.root = options, root
            self.renderer: Any = None
            self.error: str | None = None

        def setup(self, worker: Any) -> None:
            os.environ["WORKBENCH_ROOT"] = self.root

        def teardown(self, worker: Any) -> None:
            if self.renderer is not None:
                self.renderer.close()

        def get(self) -> Any:
            from analysis.render.execute import Renderer

            if self.renderer is None and self.error is None:
                try:
                    self.renderer = Renderer(self.options)
                except Exception as exc:  # noqa: BLE001 - reported per report: no kernel here
                    self.error = f"{type(exc).__name__}: {exc}"
            return self.renderer

    return RendererPlugin


def _render_on_worker(job: Any, context: dict[str, Any]) -> Any:
    """The Dask task: render one report on this worker's warm kernel."""
    from distributed import get_worker

    from analysis.render.jobs import Outcome

    plugin: Any = get_worker().plugins[PLUGIN_NAME]
    renderer = plugin.get()
    if renderer is None:
        return Outcome(job.client_id, job.study, "failed", plugin.error or "no kernel")
    try:
        return renderer.render(job, context)
    except Exception as exc:  # noqa: BLE001 - a bug fails one report, not the batch
        return Outcome(job.client_id, job.study, "failed", f"{type(exc).__name__}: {exc}")


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
    from distributed import Client, LocalCluster, as_completed

    from analysis.clients.discovery import ClientConfigError
    from analysis.render.jobs import Outcome

    # a report is rendered once: a worker that dies does not pass it to the next worker
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = None
        try:
            if address == "local":
                cluster = LocalCluster(
                    n_workers=max(1, min(workers, len(jobs))),
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
            where = (
                "a local Dask cluster" if address == "local" else f"the Dask scheduler at {address}"
            )
            raise ClientConfigError(
                f"--cluster: could not start or reach {where} ({type(error).__name__}: {error}). "
                "Check the address (tcp://HOST:8786) and that `dask scheduler` runs there, or "
                "render without --cluster."
            ) from None
        try:
            client.register_plugin(_plugin_class()(options, root), name=PLUGIN_NAME)
            batch = uuid.uuid4().hex[:8]
            futures = {
                client.submit(
                    _render_on_worker, job, context, key=f"render-{batch}-{job.key}", pure=False
                ): job
                for job in jobs
            }
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
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
