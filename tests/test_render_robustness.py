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
