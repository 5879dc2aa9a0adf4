"""The batch survives a dying worker or kernel, leaves no state or paths behind, and refuses bad options."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from analysis import cli
from analysis.core import paths
from analysis.render.batch import render_batch
from conftest import add_client, make_notebook

pytestmark = pytest.mark.render

PARAMETERS = 'client_name = "Probe"\nclient_id = "probe"\nmode = ""\ndata_path = None'
ACTIONS = """import os, sys
import numpy as np, pandas as pd
if mode == "kill-worker":
    os.kill(os.getppid(), 9)  # the kernel's parent is the worker process
    os._exit(1)
if mode == "kill-worker-once" and not os.path.exists(os.environ["WORKBENCH_KILLED_ONCE"]):
    open(os.environ["WORKBENCH_KILLED_ONCE"], "w").close()
    os.kill(os.getppid(), 9)  # a retry on another worker would render it
    os._exit(1)
if mode == "kill-kernel":
    os.kill(os.getpid(), 9)  # as the out-of-memory killer would
if mode == "change-state":
    pd.set_option("display.max_rows", 3)
    np.random.seed(123)
    sys.path.append("/tmp/leaked-path")
    os.environ["WORKBENCH_LEAKED"] = "1"
    os.chdir("/")
if mode == "check-state":
    assert np.random.rand() != 0.6964691855978616, "numpy's global random state leaked (first draw after seed 123)"
    assert pd.get_option("display.max_rows") == 60, "pandas options leaked"
    assert "/tmp/leaked-path" not in sys.path, "sys.path leaked"
    assert "WORKBENCH_LEAKED" not in os.environ, "environment leaked"
    assert os.path.basename(os.getcwd()) == "notebooks", "working directory leaked"
"""
CELLS = [
    ("markdown", "# Robustness probe", ["hide-in-report"]),
    ("code", PARAMETERS, ["parameters"]),
    ("code", ACTIONS, []),
    (
        "code",
        "from analysis import report\nreport.publish_summary([{'name': 'ok', 'label': 'ok', 'estimate': 1}])",
        ["summary"],
    ),
]


@pytest.fixture
def robust(tmp_path):
    make_notebook(tmp_path / "notebooks" / "probe.ipynb", CELLS)
    return {
        "notebooks": tmp_path / "notebooks",
        "clients": tmp_path / "clients",
        "reports": tmp_path / "reports",
        "root": tmp_path,
    }


def run(project, **kwargs):
    return render_batch(
        output_dir=project["reports"],
        clients_dir=project["clients"],
        notebooks_dir=project["notebooks"],
        progress=False,
        **kwargs,
    )


@pytest.mark.slow  # a worker or kernel killed on purpose: CI runs it in make test-slow
def test_a_killed_worker_fails_only_its_report(robust):
    for i in range(6):
        add_client(
            robust["clients"],
            f"c{i}",
            f"Client {i}",
            parameters={"mode": "kill-worker" if i == 1 else ""},
        )
    result = run(robust, jobs=2)
    status = {o.client_id: o.status for o in result.outcomes}
    assert status == {"c0": "ok", "c1": "failed", "c2": "ok", "c3": "ok", "c4": "ok", "c5": "ok"}, (
        result.outcomes
    )
    failed = next(o for o in result.outcomes if o.status == "failed")
    assert "c1/probe" in failed.error and "died" in failed.error


@pytest.mark.slow  # a worker or kernel killed on purpose: CI runs it in make test-slow
def test_a_kernel_killed_for_memory_says_out_of_memory_with_client_and_study(robust):
    add_client(robust["clients"], "alpha", "Alpha", parameters={"mode": "kill-kernel"})
    add_client(robust["clients"], "beta", "Beta")
    result = run(robust, jobs=1)
    outcomes = {o.client_id: o for o in result.outcomes}
    assert outcomes["beta"].status == "ok", outcomes
    assert outcomes["alpha"].status == "failed" and "out of memory" in outcomes["alpha"].error
    assert "alpha/probe" in outcomes["alpha"].error


def test_the_warm_kernel_reset_restores_options_random_state_path_cwd_and_environment(robust):
    add_client(robust["clients"], "alpha", "Alpha", parameters={"mode": "change-state"})
    add_client(robust["clients"], "beta", "Beta", parameters={"mode": "check-state"})
    result = run(robust, jobs=1)
    assert [o.status for o in result.outcomes] == ["ok", "ok"], result.outcomes


def test_published_notebooks_carry_no_absolute_path(robust):
    add_client(robust["clients"], "alpha", "Alpha")
    assert run(robust, jobs=1).exit_code == 0
    for name in ("probe.ipynb", "probe.html"):
        text = (robust["reports"] / "alpha" / name).read_text()
        for path in (
            str(robust["root"]),
            str(paths.PROJECT_ROOT),
            sys.prefix,
            str(robust["root"].resolve()),
        ):
            assert path not in text, (name, path)
    nb = nbformat.read(robust["reports"] / "alpha" / "probe.ipynb", as_version=4)
    assert nb.metadata["papermill"]["input_path"] == "notebooks/probe.ipynb"


def test_an_interrupted_render_leaves_nothing_behind_for_the_next(robust):
    add_client(robust["clients"], "alpha", "Alpha")
    leftover = robust["reports"] / "alpha" / ".probe.running.ipynb"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("{}")
    orphan = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "ipykernel_launcher"]
    )
    deadline = (
        time.monotonic() + 10
    )  # a real orphan has long been running: wait until it shows its command line
    while (
        b"ipykernel" not in Path(f"/proc/{orphan.pid}/cmdline").read_bytes()
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    state = robust["reports"] / ".workbench"
    state.mkdir()
    (state / "kernel-of-worker-999999.pid").write_text(str(orphan.pid))
    try:
        assert run(robust, jobs=1).exit_code == 0
        deadline = time.monotonic() + 10
        while orphan.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert orphan.poll() is not None, "the orphaned kernel was not stopped"
    finally:
        if orphan.poll() is None:
            orphan.kill()
    assert not leftover.exists() and not list(state.glob("*.pid"))


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-5", "ten"])
def test_timeout_must_be_a_positive_finite_number(value, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["render", "--timeout", value])
    assert stop.value.code == 2 and "--timeout" in capsys.readouterr().err


def test_an_output_dir_that_is_a_file_is_a_one_line_error(tmp_path, capsys):
    target = tmp_path / "reports.txt"
    target.write_text("x")
    assert cli.main(["render", "--output-dir", str(target), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and err.count("\n") == 1 and "Traceback" not in err
    assert cli.main(["render", "--output-dir", str(target / "sub"), "--no-progress"]) == 2
    assert "cannot be written" in capsys.readouterr().err


def test_a_failed_cell_is_named_as_a_researcher_sees_it_not_by_papermills_count(tmp_path):
    """papermill counts the injected parameters cell; the message counts the notebook's code cells."""
    import nbformat

    from analysis.render.execute import _failed_cell_message

    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell("client_id = 'x'")
    injected.metadata["tags"] = ["injected-parameters"]
    failing = nbformat.v4.new_code_cell("\n  gain = learning_gain(tables)\nshow(gain)")
    failing.metadata["papermill"] = {"exception": True}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Study"),
        nbformat.v4.new_code_cell("import analysis"),
        injected,
        nbformat.v4.new_code_cell("inputs = load()"),
        failing,
    ]
    path = tmp_path / "failed.ipynb"
    nbformat.write(nb, path)
    assert _failed_cell_message(path, "LinAlgError in cell 4: SVD did not converge") == (
        "LinAlgError in code cell 3 of the notebook ('gain = learning_gain(tables)'): "
        "SVD did not converge"
    )


def test_a_render_leaves_the_kernels_and_notebooks_of_another_running_render_alone(tmp_path):
    """Two renders at once: the second must not stop the first one's kernels as orphans."""
    import os

    from analysis.render.batch import remove_leftovers
    from analysis.render.workers import renders_running, stop_orphan_kernels

    state = tmp_path / ".workbench"
    state.mkdir()
    running = state / f"kernel-of-worker-{os.getpid()}.pid"  # a worker that is alive
    running.write_text(str(os.getpid()))
    dead = state / "kernel-of-worker-999999999.pid"  # a worker that died
    dead.write_text("999999999")
    assert renders_running(state)
    assert stop_orphan_kernels(state) == 0
    assert running.exists() and not dead.exists()
    running.unlink()
    assert not renders_running(state)
    leftover = tmp_path / "alpha" / ".probe.running.ipynb"
    leftover.parent.mkdir()
    leftover.write_text("{}")
    assert remove_leftovers(tmp_path) == [leftover] and not leftover.exists()


def test_one_clients_broken_configuration_or_link_fails_that_client_alone(tmp_path):
    """Issue 29: each of these once ended the render of every client in a traceback, or read
    another client's files; now each fails alone and the others render, index included."""
    from conftest import PROBE_CELLS

    make_notebook(tmp_path / "notebooks" / "probe.ipynb", PROBE_CELLS)
    clients = tmp_path / "clients"
    add_client(clients, "alpha", "Alpha Corp")
    add_client(clients, "beta", "Beta Ltd")
    one = "display_name: {}\nstudies: {{probe: {{data: {{data_path: data.csv}}}}}}\n"
    broken = {
        "set-key": (one.format("Set") + "? !!set {a: null}\n: 1\n", "!!set (a set)"),
        "deep": (one.format("Deep") + "notes: " + "[" * 3000 + "]" * 3000 + "\n", "nested"),
        "not-utf8": (one.format('"Bad \\udc80 name"'), "not a character"),
    }
    for client_id, (text, _) in broken.items():
        add_client(clients, client_id, "x")
        (clients / client_id / "client.yml").write_text(text, encoding="utf-8")
    outside = add_client(tmp_path / "elsewhere", "linked", "Linked Out Co")
    (clients / "linked").symlink_to(outside, target_is_directory=True)
    add_client(clients, "copycat", "Copycat")
    (clients / "copycat" / "client.yml").unlink()
    (clients / "copycat" / "client.yml").symlink_to(clients / "alpha" / "client.yml")
    result = render_batch(
        output_dir=tmp_path / "reports",
        clients_dir=clients,
        notebooks_dir=tmp_path / "notebooks",
        jobs=1,
        progress=False,
    )
    assert {o.client_id: o.status for o in result.outcomes} == {"alpha": "ok", "beta": "ok"}
    assert set(result.config_errors) == {*broken, "linked", "copycat"}
    for client_id, (_, message) in broken.items():
        assert message in result.config_errors[client_id], result.config_errors[client_id]
    assert "is a symbolic link to" in result.config_errors["linked"]
    assert "is a symbolic link to" in result.config_errors["copycat"]
    assert not (tmp_path / "reports" / "copycat").exists()  # Alpha's name never in its report
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Alpha Corp" in index and "Beta Ltd" in index and "Linked Out Co" not in index
    assert all(client_id in index for client_id in result.config_errors)


# --- kernels that start under load -------------------------------------------------

#: A kernel that fails its first ``fails`` starts (exit 1 at once, counted by files made
#: with O_EXCL, so parallel workers share the count), then waits ``delay`` seconds before
#: ipykernel starts: a kernel on a machine whose CPUs are busy, or one that will not start.
SLOW_KERNEL = """import os, runpy, sys, time
delay, fails, folder = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for n in range(fails):
    try:
        os.close(os.open(os.path.join(folder, f"failed-start-{n}"), os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        continue
    sys.exit(1)
time.sleep(delay)
sys.argv = ["ipykernel_launcher", *sys.argv[4:]]
runpy.run_module("ipykernel_launcher", run_name="__main__")
"""


def slow_kernel(tmp_path, monkeypatch, *, delay=0.0, fails=0, name="workbench-slow-start"):
    """Register a kernel spec ``name`` that starts slowly or fails its first starts."""
    import json

    spec = tmp_path / "jupyter" / "kernels" / name
    spec.mkdir(parents=True)
    script = tmp_path / "jupyter" / "slow_kernel.py"
    script.write_text(SLOW_KERNEL)
    counts = tmp_path / "jupyter" / "starts"
    counts.mkdir()
    argv = [sys.executable, str(script), str(delay), str(fails), str(counts)]
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [*argv, "-f", "{connection_file}"],
                "display_name": name,
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))  # workers inherit it
    return name, counts


def test_a_kernel_slow_to_start_is_waited_for_not_declared_dead(tmp_path, monkeypatch):
    # Under CPU load a kernel took seconds to start; its first heartbeat went unanswered
    # and it was declared dead after ~1 s ("Kernel died before replying to kernel_info").
    from analysis.render.kernels import WarmKernel

    name, _ = slow_kernel(tmp_path, monkeypatch, delay=4)
    began = time.monotonic()
    kernel = WarmKernel(name, tmp_path, preload="", start_attempts=1)
    try:
        assert time.monotonic() - began >= 4 and kernel.is_alive()
        kernel.run("answer = 6 * 7")
    finally:
        kernel.shutdown()


def test_a_kernel_start_that_fails_is_tried_again_with_growing_pauses(tmp_path, monkeypatch):
    from analysis.render.kernels import KernelError, WarmKernel

    name, counts = slow_kernel(tmp_path, monkeypatch, fails=2)
    began = time.monotonic()
    kernel = WarmKernel(name, tmp_path, preload="", start_attempts=3, start_backoff=0.5)
    try:
        assert kernel.is_alive() and len(list(counts.iterdir())) == 2
        assert time.monotonic() - began >= 0.5 + 1.0  # paused 0.5 s, then 1 s
    finally:
        kernel.shutdown()
    name, _ = slow_kernel(tmp_path / "never", monkeypatch, fails=99, name="workbench-never")
    with pytest.raises(KernelError, match=r"failed to start \(2 attempt\(s\) in .*exit code 1"):
        WarmKernel(name, tmp_path, preload="", start_attempts=2, start_backoff=0.1)
    with pytest.raises(KernelError, match="no Jupyter kernel named 'no-such-kernel'") as caught:
        WarmKernel("no-such-kernel", tmp_path, preload="")
    assert caught.value.permanent


def _quick_retries(monkeypatch):
    """Render with short pauses between kernel start attempts (0.2 s, 0.4 s)."""
    from functools import partial

    from analysis.render import batch
    from analysis.render.execute import KernelOptions

    monkeypatch.setattr(batch, "KernelOptions", partial(KernelOptions, start_backoff=0.2))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_kernel_start_failure_is_not_kept_for_the_rest_of_the_batch(robust, monkeypatch, jobs):
    # Before: a worker whose kernel failed to start kept the error and failed every report
    # it was handed in 0 s (11 of 12 reports). Now it tries again, or hands its report back
    # to the pool and a new worker takes its place.
    # jobs=1: 3 failed attempts, then a second round; jobs=2: both workers fail both their
    # rounds (6 attempts each), hand their reports back and leave; new workers render all.
    fails = {1: 4, 2: 12}[jobs]
    name, counts = slow_kernel(robust["root"], monkeypatch, fails=fails)
    _quick_retries(monkeypatch)
    for i in range(5):
        add_client(robust["clients"], f"c{i}", f"Client {i}")
    result = run(robust, jobs=jobs, kernel_name=name)
    assert [o.status for o in result.outcomes] == ["ok"] * 5, result.outcomes
    assert len(list(counts.iterdir())) == fails  # every planted failure was met
    assert not list((robust["reports"] / ".workbench").rglob("*.pid"))


def test_reports_fail_with_the_reason_when_no_kernel_of_that_name_exists(robust):
    for i in range(3):
        add_client(robust["clients"], f"c{i}", f"Client {i}")
    began = time.monotonic()
    result = run(robust, jobs=2, kernel_name="no-such-kernel")
    assert {o.status for o in result.outcomes} == {"failed"}
    assert all("no Jupyter kernel named 'no-such-kernel'" in o.error for o in result.outcomes)
    assert time.monotonic() - began < 60  # no pauses: trying again cannot help


def test_a_report_rendered_for_dask_writes_nothing_in_the_reports_folder(robust):
    # A Dask worker sends the files back; the calling process writes them (before the
    # summary and the index), so a worker the scheduler gave up on cannot write late.
    from analysis.clients.discovery import discover_clients
    from analysis.render.execute import KernelOptions, Renderer, write_delivered
    from analysis.render.jobs import plan_jobs

    add_client(robust["clients"], "alpha", "Alpha")
    (job,) = plan_jobs(
        discover_clients(robust["clients"], robust["notebooks"]),
        output_dir=robust["reports"],
        notebooks_dir=robust["notebooks"],
    )
    renderer = Renderer(KernelOptions(cwd=str(robust["notebooks"])))
    try:
        outcome = renderer.render(job, {}, deliver=True)
    finally:
        renderer.close()
    assert outcome.status == "ok", outcome.error
    assert not robust["reports"].exists()
    assert sorted(outcome.files) == ["probe.html", "probe.ipynb", "probe.results.json"]
    assert str(robust["root"]) not in outcome.files["probe.ipynb"]
    assert "/tmp/workbench-" not in outcome.files["probe.ipynb"]
    write_delivered(outcome, robust["reports"] / "alpha")
    assert sorted(p.name for p in (robust["reports"] / "alpha").iterdir()) == [
        "probe.html",
        "probe.ipynb",
        "probe.results.json",
    ]
    assert outcome.files == {}


@pytest.mark.slow  # a Dask worker killed on purpose: CI runs it in make test-slow
def test_a_killed_dask_worker_fails_its_report_once_and_leaves_nothing_behind(robust):
    for i in range(4):
        add_client(
            robust["clients"],
            f"c{i}",
            f"Client {i}",
            parameters={"mode": "kill-worker" if i == 1 else ""},
        )
    result = run(robust, jobs=2, cluster="local")
    status = {o.client_id: o.status for o in result.outcomes}
    assert status == {"c0": "ok", "c1": "failed", "c2": "ok", "c3": "ok"}, result.outcomes
    assert len(result.outcomes) == 4  # rendered once: no retry on another worker
    failed = next(o for o in result.outcomes if o.status == "failed")
    assert "c1/probe died" in failed.error and "not rendered a second time" in failed.error
    index = (robust["reports"] / "index.html").stat().st_mtime
    time.sleep(3)  # a worker still running would write now
    late = [
        p
        for p in robust["reports"].rglob("*")
        if p.is_file() and p.stat().st_mtime > index and p.name != "index.html"
    ]
    assert late == [] and not (robust["reports"] / "c1" / "probe.html").exists()
    assert not list((robust["reports"] / ".workbench").rglob("*.pid"))


@pytest.mark.slow  # a Dask scheduler of our own and a worker killed on purpose
def test_a_scheduler_that_retries_does_not_render_a_report_twice(robust, monkeypatch):
    # A scheduler started elsewhere keeps its allowed-failures (Dask's default: 3) and
    # hands a dead worker's report to another worker; that second attempt must not render.
    import dask
    from distributed import LocalCluster

    monkeypatch.setenv("WORKBENCH_KILLED_ONCE", str(robust["root"] / "killed-once"))
    for i in range(3):
        add_client(
            robust["clients"],
            f"c{i}",
            f"Client {i}",
            parameters={"mode": "kill-worker-once" if i == 1 else ""},
        )
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 3}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
    ):
        result = run(robust, jobs=2, cluster=cluster.scheduler_address)
    outcomes = {o.client_id: o for o in result.outcomes}
    assert outcomes["c0"].status == "ok" and outcomes["c2"].status == "ok", result.outcomes
    assert outcomes["c1"].status == "failed"
    assert "not rendered a second time" in outcomes["c1"].error
    assert not (robust["reports"] / "c1" / "probe.html").exists()
    assert not list((robust["reports"] / ".workbench").rglob("*.pid"))


# --- the example reports while busy processes hold the CPUs ---------------------------

EXAMPLES = ["acme-learning", "borealis-pharma", "cobalt-software", "delta-logistics"]


def _spin(stop) -> None:
    while not stop.is_set():
        sum(range(100_000))


@pytest.fixture
def busy_cpus():
    """One process spinning on each CPU (at least two) for the length of the test."""
    import multiprocessing
    import os

    ctx = multiprocessing.get_context("fork")  # a plain loop: nothing to re-import
    stop = ctx.Event()
    spinners = [
        ctx.Process(target=_spin, args=(stop,), daemon=True)
        for _ in range(max(2, os.cpu_count() or 2))
    ]
    for spinner in spinners:
        spinner.start()
    try:
        yield len(spinners)
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join(timeout=10)
            if spinner.is_alive():
                spinner.terminate()


@pytest.mark.slow  # twelve example reports under load: about 2 minutes on 2 cores
@pytest.mark.parametrize("cluster", [None, "local"], ids=["local-pool", "dask-local"])
def test_the_example_reports_render_while_busy_processes_hold_the_cpus(
    example_project, busy_cpus, cluster
):
    # Before: kernels were declared dead while starting ("Kernel died before replying to
    # kernel_info") and the worker failed every later report in 0 s: 11 of 12 failed.
    result = run(example_project, clients=EXAMPLES, jobs=2, cluster=cluster)
    statuses = {f"{o.client_id}/{o.study}": (o.status, o.error) for o in result.outcomes}
    assert len(result.outcomes) == 12
    assert [k for k, (status, _) in statuses.items() if status != "ok"] == [], statuses
    assert not list((example_project["reports"] / ".workbench").rglob("*.pid"))
