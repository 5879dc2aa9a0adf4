"""Benchmark: the imputation event study's memory and time, ours against pyfixest's ``did2s``.

Each measurement runs in a fresh Python process (peak resident memory from
``getrusage``) on a generated panel of ``reps`` x 24 months with a staggered rollout:

1. ``pyfixest.did2s`` as released (its variance builds dense rep and period
   indicators): run up to 3,000 reps, above which it needs tens of GB;
2. ``effects.event_study(estimator="imputation")`` (pyfixest's two stages, the sparse
   variance of :func:`analysis.effects.did2s.two_stage_vcov`);
3. ``effects.event_study(estimator="twfe")``, the one-regression floor.

Run with ``make bench``. Figures are printed and written to
``benchmarks/output/bench_imputation.json``. ``BENCH_REPS`` (comma-separated) sets the
sizes, default ``1000,3000,10000,100000``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "output"
PERIODS = 24
PYFIXEST_LIMIT = 3000  # larger panels exhaust memory with the dense variance

CHILD = r"""
import json, resource, sys, time
import numpy as np, pandas as pd

reps, periods, how = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
start = rng.choice([4, 8, 12, 16, np.nan], size=reps)
unit = np.repeat(np.arange(reps), periods)
t = np.tile(np.arange(periods), reps)
g = np.repeat(start, periods)
trained = (t >= g) & ~np.isnan(g)
y = rng.normal(size=reps)[unit] * 5 + 0.1 * t + 2.0 * trained + rng.normal(size=reps * periods)
labels = pd.period_range("2024-01", periods=periods, freq="M").astype(str)
panel = pd.DataFrame({"rep": unit, "period": labels[t], "start": pd.Series(g).map(lambda v: None if np.isnan(v) else labels[int(v)]).to_numpy(), "y": y})
before = time.perf_counter()
if how == "pyfixest":
    import pyfixest as pf
    from analysis.effects.staggered import _staggered_frame
    frame = _staggered_frame(panel, outcome="y", unit="rep", time="period", start="start", window=(-4, 6))
    pf.did2s(frame, yname="y", first_stage="~ 0 | unit + t", second_stage="~ i(rel, ref=-1.0)", treatment="treated", cluster="unit")
else:
    from analysis import effects
    effects.event_study(panel, outcome="y", unit="rep", time="period", start="start", window=(-4, 6), estimator=how)
seconds = time.perf_counter() - before
print(json.dumps({"seconds": seconds, "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
"""


def measure(reps: int, how: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(reps), str(PERIODS), how],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_REPS", "1000,3000,10000,100000").split(",")]
    rows = []
    print(f"{'reps':>8} {'rows':>10} {'approach':<22} {'seconds':>8} {'peak GB':>8}")
    for reps in sizes:
        for how in ("pyfixest", "imputation", "twfe"):
            if how == "pyfixest" and reps > PYFIXEST_LIMIT:
                continue
            result = measure(reps, how)
            name = {
                "pyfixest": "pyfixest.did2s",
                "imputation": "workbench imputation",
                "twfe": "workbench twfe",
            }[how]
            rows.append({"reps": reps, "rows": reps * PERIODS, "approach": name, **result})
            if "error" in result:
                print(f"{reps:>8} {reps * PERIODS:>10} {name:<22} failed: {result['error']}")
            else:
                print(
                    f"{reps:>8} {reps * PERIODS:>10} {name:<22} {result['seconds']:>8.1f} {result['peak_gb']:>8.2f}"
                )
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "bench_imputation.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
