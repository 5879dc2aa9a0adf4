"""Worker processes that render reports, each on its own warm kernel, isolated from each other.

A worker that dies (killed, out of memory, a crash in a C extension) fails only the
report it was rendering: the batch records that report as failed, stops the dead
worker's kernel and starts a replacement worker for the rest of the queue.
:class:`concurrent.futures.ProcessPoolExecutor` cannot do this: one dead worker breaks
the whole pool and fails every report still queued (8 of 10 in a measured run).

Each worker reads jobs from its own pipe and answers with an outcome; the parent waits
on the pipes and on the processes' sentinels at once (:func:`multiprocessing.connection.wait`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from analysis.core import paths

__all__ = [
    "KERNEL_FAILURES_PER_WORKER",
    "NoKernel",
    "kernel_pid_file",
    "renders_running",
    "run_pool",
    "stop_orphan_kernels",
    "stop_orphan_kernels_for",
]


@dataclass(frozen=True)
class NoKernel:
    """A worker's answer when it could not start a kernel: it hands ``job`` back and leaves.

    ``permanent`` is True when no other worker can do better (no kernel of that name).
    """

    job: Any
    error: str
    permanent: bool = False


def _start_renderer(options: Any) -> tuple[Any, NoKernel | None]:
    """Return a Renderer (its kernel started, with retries), or why there is none."""
    from analysis.render.execute import Renderer

    try:
        return Renderer(options), None
    except Exception as exc:  # noqa: BLE001 - the worker reports it and leaves the queue
        return None, NoKernel(
            None, f"{type(exc).__name__}: {exc}", getattr(exc, "permanent", False)
        )


def _worker_main(conn: Connection, options: Any, root: str) -> None:
    """Render the jobs sent on ``conn`` until ``None``; leave when no kernel will start.

    A start that failed is not kept for the rest of the batch: the first job is a
    second chance (another round of attempts); if that fails too, the worker hands the
    job back (:class:`NoKernel`) and exits, so the parent gives it to another worker
    instead of this one failing every report it is handed in no time.
    """
    from dataclasses import replace

    from analysis.render.jobs import Outcome

    os.environ["WORKBENCH_ROOT"] = root
    renderer, failure = _start_renderer(options)
    try:
        while True:
            item = conn.recv()
            if item is None:
                break
            job, context = item
            if renderer is None:
                renderer, failure = _start_renderer(options)
            if renderer is None:
                conn.send(replace(failure, job=job) if failure else NoKernel(job, "no kernel"))
                break
            try:
                outcome = renderer.render(job, context)
            except Exception as exc:  # noqa: BLE001 - export or write failed: report it, keep the batch going
                outcome = Outcome(
                    job.client_id, job.study, "failed", f"{type(exc).__name__}: {exc}"
                )
            conn.send(outcome)
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        if renderer is not None:
            renderer.close()


def kernel_pid_file(state_dir: Path, worker_pid: int) -> Path:
    """Return the file where a worker notes its kernel's pid."""
    return state_dir / f"kernel-of-worker-{worker_pid}.pid"


def stop_orphan_kernels(state_dir: Path) -> int:
    """Stop the kernels an interrupted or crashed render left running; returns how many were stopped.

    A kernel whose worker process still runs belongs to another render going on at the
    same time and is left alone.
    """
    return sum(
        stop_orphan_kernels_for(record)
        for record in state_dir.glob("kernel-of-worker-*.pid")
        if not _alive(record.stem.removeprefix("kernel-of-worker-"))
    )


def renders_running(state_dir: Path) -> bool:
    """Return True when a worker of some render (this one's are not started yet) is running."""
    return any(
        _alive(record.stem.removeprefix("kernel-of-worker-"))
        for record in state_dir.glob("kernel-of-worker-*.pid")
    )


def _alive(pid: str) -> bool:
    """Return True when process ``pid`` (a render's worker) is running."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # it exists, run by someone else: not ours to stop
        return True
    return True


#: Kernel start failures (after each worker's own attempts) a batch absorbs per worker
#: before the reports still queued fail with the last reason.
KERNEL_FAILURES_PER_WORKER = 3


def run_pool(
    jobs: list, context: dict[str, Any], workers: int, options: Any, finish: Callable[[Any], None]
) -> None:
    """Render ``jobs`` on ``workers`` processes; ``finish`` receives every outcome, crashed ones included.

    A worker that cannot start a kernel hands its job back and leaves: the job goes to
    the front of the queue and a new worker takes the free place, up to
    :data:`KERNEL_FAILURES_PER_WORKER` failures per worker. Past that, or when no kernel
    of that name exists, the reports no worker is left to render fail with the reason.
    """
    pool = _Pool(jobs, context, workers, options, finish)
    try:
        pool.run()
    finally:
        pool.close()


class _Pool:
    """The worker processes of one :func:`run_pool` call and the jobs they hold."""

    def __init__(
        self,
        jobs: list,
        context: dict[str, Any],
        workers: int,
        options: Any,
        finish: Callable[[Any], None],
    ) -> None:
        self.ctx = multiprocessing.get_context("spawn")
        self.pending = list(jobs)
        self.context, self.workers, self.options, self.finish = context, workers, options, finish
        self.processes: dict[Connection, Any] = {}
        self.busy: dict[Connection, Any] = {}
        state = getattr(options, "state_dir", "")
        self.state_dir = Path(state) if state else None
        self.failures: list[NoKernel] = []

    def start(self) -> Connection:
        """Start one worker process; return the pipe to it."""
        parent, child = self.ctx.Pipe()
        process = self.ctx.Process(
            target=_worker_main, args=(child, self.options, str(paths.PROJECT_ROOT)), daemon=True
        )
        process.start()
        child.close()
        self.processes[parent] = process
        return parent

    def assign(self, conn: Connection) -> None:
        """Give the worker the next job, or tell it to leave when none is left."""
        if self.pending:
            job = self.pending.pop(0)
            self.busy[conn] = job
            conn.send((job, self.context))
        else:
            with contextlib.suppress(OSError):
                conn.send(None)

    def retire(self, conn: Connection) -> Any:
        """Forget a worker that has left or died; its kernel is stopped if it still runs."""
        process = self.processes.pop(conn)
        process.join(timeout=5)
        if self.state_dir is not None and process.pid is not None:  # its kernel would be left
            record = kernel_pid_file(self.state_dir, process.pid)
            if record.exists():
                stop_orphan_kernels_for(record)
        return process

    def crashed(self, conn: Connection) -> None:
        """Handle a dead worker: its report fails alone and a new worker takes its place."""
        from analysis.render.jobs import Outcome

        process = self.retire(conn)
        job = self.busy.pop(conn)
        code = process.exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        oom = (
            " (signal 9 is usually the system's out-of-memory killer: out of memory)"
            if code == -signal.SIGKILL
            else ""
        )
        self.finish(
            Outcome(
                job.client_id,
                job.study,
                "failed",
                f"the worker rendering {job.client_id}/{job.study} died ({how}){oom}; "
                "the other reports went on.",
            )
        )
        if self.pending:
            self.assign(self.start())

    def no_kernel(self, conn: Connection, answer: NoKernel) -> None:
        """Handle a worker that could not start a kernel: its job goes back to the queue's front."""
        self.busy.pop(conn)
        self.retire(conn)
        self.pending.insert(0, answer.job)  # another worker renders it
        self.failures.append(answer)
        if not answer.permanent and len(self.failures) < KERNEL_FAILURES_PER_WORKER * self.workers:
            self.assign(self.start())

    def receive(self, conn: Connection) -> None:
        """Take one worker's answer (an outcome, a kernel failure) or notice that it died."""
        if conn.poll():
            try:
                answer = conn.recv()
            except (EOFError, OSError):
                self.crashed(conn)
                return
            if isinstance(answer, NoKernel):
                self.no_kernel(conn, answer)
                return
            self.busy.pop(conn)
            self.finish(answer)
            self.assign(conn)
        elif not self.processes[conn].is_alive():
            self.crashed(conn)

    def fail_pending(self) -> None:
        """Every worker left without a kernel while reports wait: those reports fail."""
        from analysis.render.jobs import Outcome

        for job in self.pending:
            self.finish(
                Outcome(
                    job.client_id,
                    job.study,
                    "failed",
                    f"no kernel could be started for {job.client_id}/{job.study} "
                    f"({len(self.failures)} worker(s) tried): {self.failures[-1].error}",
                )
            )
        self.pending.clear()

    def run(self) -> None:
        """Start the workers and hand out jobs until every outcome is in."""
        for _ in range(min(self.workers, len(self.pending))):
            self.assign(self.start())
        while self.busy:
            sentinels = {self.processes[conn].sentinel: conn for conn in self.busy}
            for ready in wait([*self.busy, *sentinels]):
                conn = ready if isinstance(ready, Connection) else sentinels[ready]
                if conn in self.busy:
                    self.receive(conn)
            if self.pending and not self.busy:
                self.fail_pending()

    def close(self) -> None:
        """Tell every live worker to leave, then wait for them (terminating the stuck)."""
        for conn, process in self.processes.items():
            if process.is_alive():
                with contextlib.suppress(OSError):
                    conn.send(None)
        for process in self.processes.values():
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()


def stop_orphan_kernels_for(record: Path) -> bool:
    """Stop the one kernel named in ``record`` if it still runs; True when one was stopped."""
    stopped = False
    try:
        pid = int(record.read_text().strip())
        if "ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
            os.kill(pid, signal.SIGKILL)
            stopped = True
    except (OSError, ValueError):
        pass
    record.unlink(missing_ok=True)
    return stopped
