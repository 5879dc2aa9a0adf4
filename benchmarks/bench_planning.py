"""Benchmark: simulated rollouts of a planned design, vectorised against fitting each draw.

The evaluation_plan report simulates 1,000 rollouts of the planned design. Side by
side in one run, for three design sizes:

* ``analysis.planning.simulate_rollout``: every draw at once, through the linear form
  of the planned estimate (one residualised treatment, alternating projections for the
  residuals, CR1 scores);
* the naive approach: ``analysis.effects.estimate`` (pyfixest) on each drawn panel,
  timed on a sample of draws and scaled to 1,000;
* the analytic standard error (``design_std_error``) and the smallest-design search
  (``smallest_design``, 20 layouts), which need no simulation at all.

Prints wall time per 1,000 draws, peak traced memory of the vectorised run, and the
largest difference between the two estimators' estimates on the sampled draws (they
must agree). Run with ``make bench``.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

from analysis import effects
from analysis.planning import (
    RolloutDesign,
    design_std_error,
    draw_panel,
    simulate_rollout,
    smallest_design,
)

DESIGNS = {
    "150 reps x 12 months": RolloutDesign(12, ((3, 35), (5, 35), (7, 35)), 45, None, 2),
    "600 reps x 24 months": RolloutDesign(24, ((6, 150), (12, 150), (18, 150)), 150, None, 2),
    "2,000 reps x 36 months": RolloutDesign(36, ((6, 500), (12, 500), (24, 500)), 500, None, 3),
}
DRAWS = 1000
NAIVE_SAMPLE = 20  # draws fitted one by one; the time is scaled to DRAWS


def main() -> None:
    warm = draw_panel(RolloutDesign(6, ((2, 10),), 10), effect=1.0, residual_sd=1.0)
    effects.estimate(warm, outcome="outcome", treatment="trained", unit="rep_id", time="period")
    print(
        f"{'design':<24} {'vectorised':>12} {'peak MB':>8} {'naive (scaled)':>15} {'speed-up':>9} "
        f"{'max |diff|':>11} {'analytic SE':>12} {'smallest design':>16}"
    )
    for name, design in DESIGNS.items():
        kwargs = {"effect": 1500.0, "residual_sd": 6000.0, "autocorrelation": 0.3}
        tracemalloc.start()
        start = time.perf_counter()
        draws = simulate_rollout(design, n_resamples=DRAWS, seed=1, **kwargs)
        vectorised = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        start = time.perf_counter()
        diffs = []
        for seed in range(NAIVE_SAMPLE):
            panel = draw_panel(design, seed=seed, **kwargs)
            fit = effects.estimate(
                panel[panel["kept"]],
                outcome="outcome",
                treatment="trained",
                unit="rep_id",
                time="period",
            ).tidy()
            one = simulate_rollout(design, n_resamples=1, seed=seed, **kwargs)
            diffs.append(abs(fit["estimate"].iloc[0] - one["estimate"].iloc[0]))
        naive = (time.perf_counter() - start) / NAIVE_SAMPLE * DRAWS
        start = time.perf_counter()
        design_std_error(design, residual_sd=6000.0, autocorrelation=0.3)
        analytic = time.perf_counter() - start
        start = time.perf_counter()
        smallest_design(design, **kwargs)
        search = time.perf_counter() - start
        print(
            f"{name:<24} {vectorised:>10.2f} s {peak:>8.0f} {naive:>13.1f} s {naive / vectorised:>8.0f}x "
            f"{max(diffs):>11.1e} {analytic * 1000:>9.1f} ms {search:>14.2f} s"
        )
        assert len(draws) == DRAWS and np.isfinite(draws["std_error"]).all()


if __name__ == "__main__":
    main()
