"""Define the change before measuring it: power before rollout, results held to the plan.

- :mod:`~analysis.planning.design`: the planned rollout (:class:`RolloutDesign`), the
  standard error of the planned estimate, power, the minimum detectable and the
  break-even effect, and the smallest design that detects break-even;
- :mod:`~analysis.planning.simulate`: whole rollouts simulated with the expected
  effect planted, fitted with the planned estimator;
- :mod:`~analysis.planning.baseline`: the outcome's variation among untrained
  rep-periods of a client's baseline data;
- :mod:`~analysis.planning.against`: effects on the planned outcomes and behaviours
  from the plan's window, Holm for secondary outcomes, the rest exploratory.
"""

from analysis.planning.against import describe_against_plan, holm, plan_records, planned_effects
from analysis.planning.baseline import BaselineVariance, baseline_variance
from analysis.planning.design import (
    DesignPower,
    RolloutDesign,
    best_per_length,
    break_even,
    clears,
    describe_power,
    describe_smallest,
    design_power,
    design_std_error,
    number,
    power_table,
    residualize,
    smallest_design,
)
from analysis.planning.simulate import describe_draws, draw_panel, simulate_rollout, summarise_draws

__all__ = [
    "BaselineVariance",
    "DesignPower",
    "RolloutDesign",
    "baseline_variance",
    "best_per_length",
    "break_even",
    "clears",
    "describe_against_plan",
    "describe_draws",
    "describe_power",
    "describe_smallest",
    "design_power",
    "design_std_error",
    "draw_panel",
    "holm",
    "number",
    "plan_records",
    "planned_effects",
    "power_table",
    "residualize",
    "simulate_rollout",
    "smallest_design",
    "summarise_draws",
]
