"""Benchmark: the panel estimators' memory and time, against pyfixest's ``did2s``.

Each measurement runs in a fresh Python process (peak resident memory from
``getrusage``) on a generated panel of ``reps`` x 24 months with a staggered rollout:

1. ``pyfixest.did2s`` as released (its variance builds dense rep and period
   indicators): run up to 3,000 reps, above which it needs tens of GB;
2. ``effects.event_study(estimator="imputation")`` (pyfixest's two stages, the sparse
   variance of :func:`analysis.effects.did2s.two_stage_vcov`);
3. ``effects.event_study(estimator="twfe")``, the one-regression floor;
4. ``effects.staggered_att`` (the imputation ATT, one number with its interval);
5. ``effects.estimate`` (two-way fixed effects of a trained indicator, clustered by rep).

The issue's targets: every estimator on 10,000 reps x 24 months under 2 GB and 60 s;
``estimate``, ``event_study`` and ``staggered_att`` on 100,000 reps x 24 months
(2.4 million rows) under 8 GB.

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
if how == "estimate":
    from analysis import effects
    panel["trained"] = trained.astype(float)
    before = time.perf_counter()
    effects.estimate(panel, outcome="y", treatment="trained", unit="rep", time="period", cluster="rep")
elif how == "staggered_att":
    from analysis import effects
    effects.staggered_att(panel, outcome="y", unit="rep", time="period", start="start")
elif how == "pyfixest":
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
        for how in ("pyfixest", "imputation", "twfe", "staggered_att", "estimate"):
            if how == "pyfixest" and reps > PYFIXEST_LIMIT:
                continue
            result = measure(reps, how)
            name = {
                "pyfixest": "pyfixest.did2s",
                "imputation": "workbench imputation",
                "twfe": "workbench twfe",
                "staggered_att": "staggered_att",
                "estimate": "estimate (two-way FE)",
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
    ours = [r for r in rows if r["approach"] != "pyfixest.did2s"]
    for reps, limit_gb, limit_s in ((10_000, 2.0, 60.0), (100_000, 8.0, None)):
        measured = [r for r in ours if r["reps"] == reps]
        if not measured:
            continue
        met = all(
            "error" not in r
            and r["peak_gb"] < limit_gb
            and (limit_s is None or r["seconds"] < limit_s)
            for r in measured
        )
        within = f"under {limit_gb:g} GB" + (f" and {limit_s:g} s" if limit_s else "")
        print(
            f"target: every workbench estimator on {reps:,} reps x {PERIODS} months {within}: "
            f"{'met' if met else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
