"""A warm Jupyter kernel that is started once and reused for many reports.

Starting a kernel (~0.5 s) and importing pandas, statsmodels and seaborn inside it
(~1.5 s) dominate the cost of a small report. :class:`WarmKernel` pays both once
per worker. Between reports it resets the kernel so that nothing of one client
reaches the next:

* the user namespace is cleared and the execution counter restarts
  (``InteractiveShell.reset(new_session=True)``);
* every matplotlib figure is closed and rcParams return to the defaults;
* warning registries are cleared so a warning shown for one client is shown again
  for the next;
* pandas options, numpy's global random state, ``sys.path`` and the environment
  variables return to what they were after the preload;
* the working directory is set to the notebooks folder.

Imported modules stay loaded: that is the point. The package keeps no module-level
state that depends on data.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

__all__ = [
    "LIMIT",
    "PRELOAD",
    "RESET",
    "SNAPSHOT",
    "START_ATTEMPTS",
    "START_BACKOFF",
    "KernelError",
    "WarmKernel",
    "physical_memory_gb",
]

#: Only third-party libraries are preloaded. Preloading ``analysis`` submodules would
#: make ``analysis.report.plots`` reachable as an attribute in a warm kernel but not in
#: a fresh one (nbval, JupyterLab), hiding a missing import in a notebook.
PRELOAD = textwrap.dedent(
    """
    import pandas, numpy, scipy.stats, statsmodels.api, statsmodels.formula.api, seaborn, matplotlib.pyplot
    """
)

#: Taken once after the preload: what every report starts from. The objects of the
#: preloaded libraries are then moved out of the garbage collector's sight
#: (``gc.freeze``): they live as long as the kernel, and every later collection,
#: including the one in each reset, no longer walks them (a full collection took 0.10 s
#: with pandas, statsmodels and seaborn loaded, and 0.0002 s once they are frozen).
SNAPSHOT = textwrap.dedent(
    """
    def _workbench_snapshot():
        import os, sys, numpy
        return {"environ": dict(os.environ), "path": list(sys.path), "random": numpy.random.get_state()}
    __builtins__.__dict__["_workbench_start"] = _workbench_snapshot()
    del _workbench_snapshot
    import gc
    gc.collect()
    gc.freeze()
    """
)

RESET = textwrap.dedent(
    """
    def _workbench_reset(cwd):
        import os, sys, warnings
        import matplotlib, matplotlib.pyplot as plt
        import numpy, pandas
        own = __builtins__.__dict__ if isinstance(__builtins__, type(sys)) else __builtins__
        start = own["_workbench_start"]
        plt.close("all")
        matplotlib.rcdefaults()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pandas.reset_option("all")
        numpy.random.set_state(start["random"])
        sys.path[:] = start["path"]
        os.environ.clear()
        os.environ.update(start["environ"])
        for module in list(sys.modules.values()):
            registry = getattr(module, "__warningregistry__", None)
            if isinstance(registry, dict):
                registry.clear()
        warnings.resetwarnings()
        warnings.simplefilter("default")
        os.chdir(cwd)
        get_ipython().reset(new_session=True)
    _workbench_reset({cwd!r})
    """
)


#: Run once after start when a memory limit is set: the kernel's address space is capped
#: (RLIMIT_AS), so a report that needs more gets a MemoryError in its own kernel instead
#: of pushing the machine into swap or the out-of-memory killer. Children inherit it.
LIMIT = textwrap.dedent(
    """
    def _workbench_limit(limit):
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    _workbench_limit({limit})
    del _workbench_limit
    """
)


def physical_memory_gb() -> float | None:
    """Return the machine's physical memory in GB (None where the system does not say)."""
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError, AttributeError):
        return None


class KernelError(RuntimeError):
    """The warm kernel failed to start, preload or reset.

    ``permanent`` is True when trying again cannot help (no kernel of that name is
    installed); a start that failed under load is worth another attempt.
    """

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


#: Attempts to start a kernel before a worker gives up, and the first pause between them
#: (doubled after each failed attempt: 2 s, 4 s, ...).
START_ATTEMPTS = 3
START_BACKOFF = 2.0


class WarmKernel:
    """A kernel started once, preloaded, and reset between notebooks.

    Parameters
    ----------
    kernel_name : str
        Jupyter kernel spec name.
    cwd : Path
        Working directory of the notebooks.
    preload : str
        Code run once after start (imports).
    """

    def __init__(
        self,
        kernel_name: str,
        cwd: Path,
        preload: str = PRELOAD,
        startup_timeout: float = 60,
        env: dict[str, str] | None = None,
        state_dir: Path | None = None,
        memory_limit_gb: float | None = None,
        start_attempts: int = START_ATTEMPTS,
        start_backoff: float = START_BACKOFF,
    ):
        self.kernel_name, self.cwd, self.preload = kernel_name, Path(cwd), preload
        self.memory_limit_gb = memory_limit_gb
        self.env = dict(env or {})
        self.state_dir = Path(state_dir) if state_dir else None
        self.startup_timeout = startup_timeout
        self.start_attempts, self.start_backoff = max(1, start_attempts), start_backoff
        self.km: AsyncKernelManager | None = None
        self._kc: Any = None
        self.start()

    def start(self) -> None:
        """Start the kernel and preload, trying again with growing pauses; :class:`KernelError` explains a failure.

        Under CPU load a kernel can take many seconds to answer; each attempt waits up to
        ``startup_timeout`` for its ``kernel_info`` reply while its process runs. A start
        that still fails is tried again after ``start_backoff`` seconds, doubled each
        time, ``start_attempts`` times in all.
        """
        import time

        from jupyter_client.kernelspec import NoSuchKernel

        pause, began, problems = self.start_backoff, time.monotonic(), []
        for attempt in range(1, self.start_attempts + 1):
            try:
                self._start()
                return
            except NoSuchKernel:
                self.shutdown()
                raise KernelError(
                    f"no Jupyter kernel named {self.kernel_name!r}; run `make setup` to register it.",
                    permanent=True,
                ) from None
            except (RuntimeError, TimeoutError, OSError) as error:
                self.shutdown()
                problems.append(str(error))
                if attempt < self.start_attempts:
                    time.sleep(pause)
                    pause *= 2
        raise KernelError(
            f"kernel {self.kernel_name!r} failed to start ({self.start_attempts} attempt(s) in "
            f"{time.monotonic() - began:.0f} s; the last: {problems[-1]})"
        )

    def _start(self) -> None:
        # nbclient needs an asynchronous manager (its output polling must not block the
        # event loop, or per-cell time limits never fire); our own control client blocks.
        self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        # ipykernel warns about plain-TCP transport on loopback at every start; keep errors only.
        import os

        run_sync(self.km.start_kernel)(
            cwd=str(self.cwd),
            env={**os.environ, **self.env},
            # No command history: a kernel's sqlite history would keep every client's
            # parameters on disk, and writing it costs time on every cell.
            extra_arguments=["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"],
        )
        self._kc = BlockingKernelClient()
        self._kc.load_connection_info(self.km.get_connection_info())
        self._kc.start_channels()
        self._wait_until_ready()
        self._record_pid()
        if self.memory_limit_gb:
            self.run(LIMIT.format(limit=int(self.memory_limit_gb * 1024**3)))
        if self.preload:
            self.run(self.preload)
        self.run(SNAPSHOT)

    def _wait_until_ready(self) -> None:
        """Wait for the kernel's ``kernel_info`` reply for up to ``startup_timeout`` seconds.

        jupyter_client's ``wait_for_ready`` judges a client without a manager by its
        heartbeat, and the heartbeat counts as failed when the first ping goes unanswered
        within a second; under CPU load a kernel still importing ipykernel misses it and
        was declared dead ("Kernel died before replying to kernel_info") while starting.
        Here liveness is the kernel process itself: only its exit ends the wait early.
        """
        import time
        from queue import Empty

        deadline = time.monotonic() + self.startup_timeout
        while True:
            self._kc.kernel_info()
            try:
                reply = self._kc.get_shell_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # its status messages show that IOPub is connected too
                    self._kc.get_iopub_msg(timeout=0.5)
                    return
                except Empty:
                    pass
            if not self.is_alive():
                code = self.exit_code()
                raise RuntimeError(f"the kernel process ended while starting (exit code {code})")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"no reply to kernel_info within {self.startup_timeout:g} s of starting"
                )

    @property
    def pid(self) -> int | None:
        """Return the kernel process's id, or None before it started."""
        provisioner = getattr(self.km, "provisioner", None)
        return getattr(provisioner, "pid", None)

    def exit_code(self) -> int | None:
        """Return the kernel process's exit code once it has died (negative: killed by a signal)."""
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return process.poll() if process is not None else None

    def _record_pid(self) -> None:
        """Note the kernel's pid so that a later render can stop it if this process dies."""
        if self.state_dir is not None and self.pid:
            import os

            from analysis.core.files import atomic_write

            atomic_write(self.state_dir / f"kernel-of-worker-{os.getpid()}.pid", str(self.pid))

    def run(self, code: str, timeout: float = 120) -> None:
        """Run ``code`` silently; raise :class:`KernelError` if it fails."""
        reply = self._kc.execute_interactive(
            code, silent=False, store_history=False, timeout=timeout, output_hook=lambda _msg: None
        )
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelError(f"{content.get('ename')}: {content.get('evalue')}")

    def reset(self) -> None:
        """Clear all user state before the next notebook (see module docstring)."""
        self.run(RESET.format(cwd=str(self.cwd)))

    def restart(self) -> None:
        """Replace the kernel by a fresh one (after a timeout or a crash)."""
        self.shutdown()
        self.start()

    def is_alive(self) -> bool:
        """Return whether the kernel is running."""
        return self.km is not None and run_sync(self.km.is_alive)()

    def shutdown(self) -> None:
        """Stop the kernel and its channels."""
        if self._kc is not None:
            self._kc.stop_channels()
            self._kc = None
        if self.km is not None:
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
            self.km = None
        if self.state_dir is not None:
            import os

            (self.state_dir / f"kernel-of-worker-{os.getpid()}.pid").unlink(missing_ok=True)
