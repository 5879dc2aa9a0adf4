"""Benchmark: rendering 20 generated clients three (four) ways, side by side in one run.

1. naive loop   - what a user would write: the papermill CLI, then the
                  ``jupyter nbconvert`` CLI, per report, one after another;
2. workbench    - ``workbench render --jobs 2`` (warm kernel per worker), and
                  ``--fresh-kernel`` (a new kernel per report) to show what reuse buys,
                  and ``--cluster local`` (the same warm kernels on a Dask LocalCluster);
3. floor        - the same analysis as one plain Python script per client (the
                  notebook's code cells), no notebook machinery, run serially.

Also times a no-change re-run (everything skipped) of ``workbench render`` on the
same 20 clients and of ``make reports`` on the repository.

Run with ``make bench``. Figures are printed and written to
``benchmarks/output/bench_render.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

from analysis.core import paths
from analysis.datasets.examples import client_config
from analysis.datasets.survey import generate_survey

N_CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
STUDY = "org_effectiveness"
OUTPUT = Path(__file__).resolve().parent / "output"
BIN = Path(sys.executable).parent


def make_project(root: Path) -> list[str]:
    """A throw-away project root with the study notebook and N generated clients."""
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(paths.NOTEBOOKS_DIR, root / "notebooks")
    ids = []
    for i in range(N_CLIENTS):
        client_id = f"bench-{i:02d}"
        folder = root / "data" / "clients" / client_id
        folder.mkdir(parents=True)
        generate_survey(150 + 5 * i, seed=100 + i).to_csv(folder / "survey.csv", index=False)
        (folder / "client.yml").write_text(yaml.safe_dump(client_config(f"Benchmark client {i}")))
        ids.append(client_id)
    return ids


def timed(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs
    )
    return time.perf_counter() - start


def naive_loop(root: Path, ids: list[str]) -> float:
    out = root / "naive"
    out.mkdir()
    start = time.perf_counter()
    for client_id in ids:
        executed = out / f"{client_id}.ipynb"
        subprocess.run(
            [
                str(BIN / "papermill"),
                str(root / "notebooks" / f"{STUDY}.ipynb"),
                str(executed),
                "-p",
                "client_id",
                client_id,
                "--cwd",
                str(root / "notebooks"),
                "--no-progress-bar",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "WORKBENCH_ROOT": str(root)},
        )
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - start


def floor_scripts(root: Path, ids: list[str]) -> float:
    """One plain Python script per client: the notebook's code with the client's parameters."""
    nb = nbformat.read(root / "notebooks" / f"{STUDY}.ipynb", as_version=4)
    scripts = root / "scripts"
    scripts.mkdir()
    files = []
    for client_id in ids:
        lines = [
            "import matplotlib",
            "matplotlib.use('Agg')",
            "from IPython.display import display",
        ]
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            lines.append(cell.source)
            if "parameters" in cell.metadata.get("tags", []):
                lines.append(f"client_id = {client_id!r}")
        file = scripts / f"{client_id}.py"
        file.write_text("\n\n".join(lines))
        files.append(file)
    start = time.perf_counter()
    for file in files:
        subprocess.run(
            [sys.executable, str(file)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=root / "notebooks",
            env={**os.environ, "WORKBENCH_ROOT": str(root)},
        )
    return time.perf_counter() - start


def workbench(root: Path, *extra: str) -> float:
    env = {**os.environ, "WORKBENCH_ROOT": str(root)}
    return timed([str(BIN / "workbench"), "render", "--no-progress", *extra], env=env)


def main() -> int:
    OUTPUT.mkdir(exist_ok=True)
    root = OUTPUT / "project"
    ids = make_project(root)
    print(f"Rendering {len(ids)} generated clients x 1 study on {os.cpu_count()} cores\n")
    results: dict[str, float] = {}
    results["naive loop (papermill CLI + nbconvert CLI, serial)"] = naive_loop(root, ids)
    results["workbench render --jobs 2 --fresh-kernel"] = workbench(
        root, "--jobs", "2", "--force", "--fresh-kernel"
    )
    results["workbench render --jobs 1"] = workbench(root, "--jobs", "1", "--force")
    results["workbench render --jobs 2"] = workbench(root, "--jobs", "2", "--force")
    results["workbench render --jobs 2 --cluster local (Dask LocalCluster)"] = workbench(
        root, "--jobs", "2", "--force", "--cluster", "local"
    )
    results["floor: plain Python script per client, serial"] = floor_scripts(root, ids)
    results["no-change re-run: workbench render (all skipped)"] = workbench(root)
    if shutil.which("make") and (paths.PROJECT_ROOT / "Makefile").exists():
        env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_ROOT"}
        subprocess.run(
            ["make", "-s", "reports"],
            cwd=paths.PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,  # the timing is what matters; failures show in the reports
        )
        results["no-change re-run: make reports (repository)"] = timed(
            ["make", "-s", "reports"], cwd=paths.PROJECT_ROOT, env=env
        )

    naive = results["naive loop (papermill CLI + nbconvert CLI, serial)"]
    width = max(map(len, results))
    print(f"{'approach':<{width}}  {'seconds':>8}  {'per report':>10}  {'vs naive':>8}")
    for name, seconds in results.items():
        per = f"{seconds / len(ids):.2f}" if "re-run" not in name else ""
        print(f"{name:<{width}}  {seconds:8.2f}  {per:>10}  {naive / seconds:7.1f}x")
    jobs2 = results["workbench render --jobs 2"]
    floor = results["floor: plain Python script per client, serial"]
    print()
    print(
        f"target: --jobs 2 at least 8x faster than the naive loop: {naive / jobs2:.1f}x -> "
        f"{'met' if naive / jobs2 >= 8 else 'MISSED'}"
    )
    print(
        f"target: --jobs 2 at most 0.4x the serial floor: {jobs2:.1f} s vs {floor:.1f} s = "
        f"{jobs2 / floor:.2f}x -> {'met' if jobs2 <= 0.4 * floor else 'MISSED'}"
    )
    rerun = results["no-change re-run: workbench render (all skipped)"]
    print(
        f"target: no-change re-run under 1 s: {rerun:.2f} s -> {'met' if rerun < 1 else 'MISSED'}"
    )
    (OUTPUT / "bench_render.json").write_text(
        json.dumps({"clients": len(ids), "cores": os.cpu_count(), "seconds": results}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
