"""Benchmark: the whole training-impact report on a large client, time and kernel memory.

Generates one client of ``BENCH_STUDY_REPS`` reps (default 10,000) x 24 months with a
staggered rollout (reps, panel, reactions, assessments, costs, as the example clients),
renders its training-impact report with ``workbench render --fresh-kernel --jobs 1``
(a kernel of its own, so its peak memory is that report's) and prints the wall time
and the peak resident memory of the render and its kernel (``getrusage`` of the
waited-for children).

Run with ``make bench``; written to ``benchmarks/output/bench_study_scale.json``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from analysis.core import paths
from analysis.datasets.examples import client_config
from analysis.datasets.training import TrainingDesign, generate_training_client

OUTPUT = Path(__file__).resolve().parent / "output"
BIN = Path(sys.executable).parent


def main() -> None:
    reps = int(os.environ.get("BENCH_STUDY_REPS", "10000"))
    design = TrainingDesign(n_reps=reps, n_periods=24, cohorts=(4, 8, 12, 16), never_share=0.3)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "clients" / "large-client"
        folder.mkdir(parents=True)
        client = generate_training_client(design, seed=5)
        for name in ("reps", "panel", "reactions", "assessments", "costs"):
            client[name].to_csv(folder / f"{name}.csv", index=False)
        config = client_config("Large Client", training="panel", survey=False)
        (folder / "client.yml").write_text(yaml.safe_dump(config, sort_keys=False))
        env = {**os.environ, "WORKBENCH_CLIENTS_DIR": str(root / "clients")}
        command = [
            str(BIN / "workbench"), "render", "--client", "large-client", "--study",
            "training_impact", "--jobs", "1", "--fresh-kernel", "--no-progress",
            "--output-dir", str(root / "reports"),
        ]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    rows = len(client["panel"])
    status = "ok" if done.returncode == 0 else f"failed: {done.stdout[-300:]} {done.stderr[-300:]}"
    print(f"training-impact report, {reps:,} reps x 24 months ({rows:,} rep-periods): {status}")
    print(
        f"  wall time {seconds:.1f} s (kernel start and imports included), peak memory {peak_gb:.2f} GB"
    )
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "bench_study_scale.json").write_text(
        json.dumps(
            {
                "reps": reps,
                "rows": rows,
                "seconds": seconds,
                "peak_gb": peak_gb,
                "status": status,
                "clients_dir": str(paths.CLIENTS_DIR),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
