"""Study 4 inputs: the client's measurement plan and, when there is some, baseline data.

The plan (``plan:`` in client.yml) gives the rollout, the expected effect, the
budget and the margin. The outcome's variation comes from the client's baseline data
(the untrained rep-periods of ``panel_path`` joined with ``reps_path``) when given,
else from ``plan.assumptions``; with neither the study cannot compute power and says
which of the two to supply.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from analysis.clients.parameters import EvaluationPlan
from analysis.contracts.readers import source_name
from analysis.contracts.training import MEASURE_UNITS, load_training_data, training_panel
from analysis.core.errors import InputError

if TYPE_CHECKING:
    from analysis.studies import StudyInputs

__all__ = ["MIN_BASELINE_REPS", "SIMULATED_CELLS", "prepare"]

#: Fewest reps with two or more untrained periods for a baseline estimate of the variation.
MIN_BASELINE_REPS = 10
#: Rep-period cells simulated in all (draws x reps x periods) before fewer draws are taken.
SIMULATED_CELLS = 200_000_000


def _currency(inputs: StudyInputs) -> str | None:
    """The outcome's currency as the client's training study states it (its ``currency``
    parameter, or a code or symbol in its ``outcome_label``), else None."""
    from analysis.clients.config import load_client
    from analysis.core.formats import currency_from_label

    spec = load_client(inputs.folder).studies.get("training_impact")
    params = getattr(spec, "params", None)
    given = getattr(params, "currency", None)
    if given:
        return str(given).strip().upper()
    return currency_from_label(getattr(params, "outcome_label", None))


def prepare(inputs: StudyInputs, errors: list[str]) -> None:
    """Check the plan and the baseline, and settle where the outcome's variation comes from.

    Adds ``extras["design"]`` (:class:`~analysis.planning.RolloutDesign`),
    ``extras["residual_sd"]``, ``extras["autocorrelation"]``, ``extras["variation_source"]``
    (a sentence), ``extras["break_even"]`` (None when the outcome is not money and the
    plan gives no ``value_per_unit``), ``extras["outcome_label"]``, ``extras["display_unit"]``
    (how outcome figures are formatted), ``extras["n_draws"]`` (simulated rollouts),
    ``extras["currency"]`` (the outcome's currency as the client's training study states it,
    or None) and ``extras["period"]`` (``month`` or ``quarter``, from the plan's periods).
    """
    from analysis.planning import RolloutDesign, baseline_variance, break_even

    p = inputs.params
    assert isinstance(p, EvaluationPlan), type(p)
    if inputs.plan is None:
        errors.append(
            f"{inputs.where}: this study needs the client's measurement plan: add a plan: block to "
            "client.yml (data/README.md, measurement plan) and freeze it with "
            f"`workbench plan freeze {inputs.client_id}`."
        )
        return
    plan = inputs.plan.plan
    outcome = plan.outcomes.primary
    design = RolloutDesign.from_plan(plan)
    inputs.extras.update(
        design=design,
        outcome_label=outcome.replace("_", " "),
        currency=_currency(inputs),
        period="quarter" if "Q" in str(plan.rollout.first_period).upper() else "month",
    )
    sd, rho = plan.assumptions.residual_sd, plan.assumptions.autocorrelation
    source = "the plan's stated assumptions"
    if ("panel_path" in inputs.files) != ("reps_path" in inputs.files):
        errors.append(
            f"{inputs.where}: baseline data needs both reps_path and panel_path (the reps' "
            "training starts tell untrained rows from trained ones)."
        )
        return
    if "panel_path" in inputs.files:
        try:
            tables = load_training_data(
                reps_path=inputs.files["reps_path"], panel_path=inputs.files["panel_path"]
            )
        except InputError as error:
            errors += error.problems
            return
        data = training_panel(tables)
        name = source_name(inputs.files["panel_path"])
        if outcome not in data.columns:
            errors.append(
                f"{name}: the plan's primary outcome {outcome!r} is not a column; columns: "
                f"{', '.join(map(str, data.columns))}. Correct plan.outcomes.primary or the file."
            )
            return
        found = baseline_variance(
            data, outcome=outcome, unit="rep_id", time="period", treatment="trained"
        )
        if found.reps >= MIN_BASELINE_REPS:
            sd, rho = found.residual_sd, found.autocorrelation
            source = (
                f"the client's baseline data ({name}: {found.n:,} untrained rep-periods of "
                f"{found.reps:,} reps)"
            )
            inputs.tables["baseline"] = data
        elif sd is None:
            errors.append(
                f"{name}: only {found.reps} reps have two or more untrained periods of {outcome!r}; "
                f"at least {MIN_BASELINE_REPS} are needed to estimate its variation. Give "
                "plan.assumptions.residual_sd instead."
            )
            return
        else:
            inputs.warnings.append(
                f"{name} has only {found.reps} reps with two or more untrained periods; the "
                "power computation uses plan.assumptions instead."
            )
    if sd is None:
        errors.append(
            f"{inputs.where}: the power of the plan needs the outcome's variation: give baseline "
            "data (reps_path and panel_path) or plan.assumptions.residual_sd (the SD of "
            f"{outcome} per rep and period around each rep's own level), e.g. from last year."
        )
        return
    from analysis.planning import design_std_error

    if not math.isfinite(design_std_error(design, residual_sd=1.0, autocorrelation=float(rho))):
        errors.append(
            f"{inputs.where}: the planned rollout cannot estimate the effect: in every period the "
            "reps counted as trained and those compared with them do not both appear (plan.rollout, "
            "plan.effect_from). Leave reps untrained, stagger the cohorts, or observe longer."
        )
        return
    inputs.extras.update(residual_sd=float(sd), autocorrelation=float(rho), variation_source=source)
    cells = design.n_reps * design.periods
    inputs.extras["n_draws"] = min(p.n_resamples, max(100, SIMULATED_CELLS // cells))
    if inputs.extras["n_draws"] < p.n_resamples:
        inputs.warnings.append(
            f"The planned design has {cells:,} rep-periods; {inputs.extras['n_draws']:,} simulated "
            f"rollouts are drawn instead of n_resamples = {p.n_resamples:,}, to keep the report to "
            "about a minute. The power figures are computed exactly and are not affected."
        )
    contract = MEASURE_UNITS.get(outcome)
    if plan.outcome_unit and contract and plan.outcome_unit != contract:
        inputs.warnings.append(
            f"plan.outcome_unit says {outcome} is {plan.outcome_unit}, but the data contract measures "
            f"it as {contract} (data/README.md); the plan's unit is used. Check it: break-even and ROI "
            "depend on it."
        )
    money = (plan.outcome_unit or contract) == "money"
    inputs.extras["display_unit"] = "currency" if money else "number"
    if money or plan.value_per_unit is not None:
        inputs.extras["break_even"] = break_even(
            design,
            budget=plan.budget,
            margin=plan.margin,
            value_per_unit=plan.value_per_unit or 1.0,
        )
        if plan.expected_effect <= inputs.extras["break_even"]:
            inputs.skip(
                "smallest_design",
                "The plan expects an effect at or below break-even, so no design could show that the "
                "programme pays for itself; a larger design is not searched for.",
            )
    else:
        inputs.extras["break_even"] = None
        inputs.skip(
            "break_even",
            f"{outcome.replace('_', ' ').capitalize()} is not money and the plan gives no money "
            "value per unit of it (such as the average revenue of one), so the effect at which "
            "the programme pays for itself is not known.",
            "set plan.value_per_unit, or plan.outcome_unit: money",
        )
