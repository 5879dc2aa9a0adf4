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
    import pandas as pd

    from analysis.clients.plan import Plan
    from analysis.planning import RolloutDesign
    from analysis.studies import StudyInputs

__all__ = ["MIN_BASELINE_REPS", "SIMULATED_CELLS", "prepare"]

#: Fewest reps with two or more untrained periods for a baseline estimate of the variation.
MIN_BASELINE_REPS = 10
#: Rep-period cells simulated in all (draws x reps x periods) before fewer draws are taken.
SIMULATED_CELLS = 200_000_000


def _currency(inputs: StudyInputs) -> str | None:
    """Return the outcome's currency as the client's training study states it, else None.

    The study states it in its ``currency`` parameter, or as a code or symbol in its
    ``outcome_label``.
    """
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
    from analysis.planning import RolloutDesign

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
    variation = _variation(inputs, plan, errors)
    if variation is None:
        return
    sd, rho, source = variation
    if not _estimable(inputs, design, outcome, sd, rho, errors):
        return
    assert sd is not None  # _estimable refuses a missing variation
    inputs.extras.update(residual_sd=float(sd), autocorrelation=float(rho), variation_source=source)
    _draws(inputs, design, p.n_resamples)
    _break_even(inputs, plan, design)


def _variation(
    inputs: StudyInputs, plan: Plan, errors: list[str]
) -> tuple[float | None, float, str] | None:
    """Return the outcome's residual SD and autocorrelation, and where they come from.

    The sentence names the client's baseline data when it has enough reps, else the
    plan's assumptions. None, with the problem added to ``errors``, when the baseline
    cannot be used.
    """
    from analysis.planning import baseline_variance

    outcome = plan.outcomes.primary
    sd, rho = plan.assumptions.residual_sd, plan.assumptions.autocorrelation
    source = "the plan's stated assumptions"
    if ("panel_path" in inputs.files) != ("reps_path" in inputs.files):
        errors.append(
            f"{inputs.where}: baseline data needs both reps_path and panel_path (the reps' "
            "training starts tell untrained rows from trained ones)."
        )
        return None
    if "panel_path" not in inputs.files:
        return sd, rho, source
    data = _baseline_data(inputs, outcome, errors)
    if data is None:
        return None
    name = source_name(inputs.files["panel_path"])
    found = baseline_variance(
        data, outcome=outcome, unit="rep_id", time="period", treatment="trained"
    )
    if found.reps >= MIN_BASELINE_REPS:
        source = (
            f"the client's baseline data ({name}: {found.n:,} untrained rep-periods of "
            f"{found.reps:,} reps)"
        )
        inputs.tables["baseline"] = data
        return found.residual_sd, found.autocorrelation, source
    if sd is None:
        errors.append(
            f"{name}: only {found.reps} reps have two or more untrained periods of {outcome!r}; "
            f"at least {MIN_BASELINE_REPS} are needed to estimate its variation. Give "
            "plan.assumptions.residual_sd instead."
        )
        return None
    inputs.warnings.append(
        f"{name} has only {found.reps} reps with two or more untrained periods; the "
        "power computation uses plan.assumptions instead."
    )
    return sd, rho, source


def _baseline_data(inputs: StudyInputs, outcome: str, errors: list[str]) -> pd.DataFrame | None:
    """Return the baseline panel joined with the reps, or None when it cannot be used.

    None, with the problems added to ``errors``, when a file cannot be read or lacks the
    plan's primary outcome.
    """
    try:
        tables = load_training_data(
            reps_path=inputs.files["reps_path"], panel_path=inputs.files["panel_path"]
        )
    except InputError as error:
        errors += error.problems
        return None
    data = training_panel(tables)
    if outcome not in data.columns:
        errors.append(
            f"{source_name(inputs.files['panel_path'])}: the plan's primary outcome {outcome!r} "
            f"is not a column; columns: {', '.join(map(str, data.columns))}. Correct "
            "plan.outcomes.primary or the file."
        )
        return None
    return data


def _estimable(
    inputs: StudyInputs,
    design: RolloutDesign,
    outcome: str,
    sd: float | None,
    rho: float,
    errors: list[str],
) -> bool:
    """Return True when the power can be computed; otherwise an error says why.

    The outcome's variation must be known and the planned rollout must compare trained
    with untrained reps.
    """
    if sd is None:
        errors.append(
            f"{inputs.where}: the power of the plan needs the outcome's variation: give baseline "
            "data (reps_path and panel_path) or plan.assumptions.residual_sd (the SD of "
            f"{outcome} per rep and period around each rep's own level), e.g. from last year."
        )
        return False
    from analysis.planning import design_std_error

    if not math.isfinite(design_std_error(design, residual_sd=1.0, autocorrelation=float(rho))):
        errors.append(
            f"{inputs.where}: the planned rollout cannot estimate the effect: in every period the "
            "reps counted as trained and those compared with them do not both appear (plan.rollout, "
            "plan.effect_from). Leave reps untrained, stagger the cohorts, or observe longer."
        )
        return False
    return True


def _draws(inputs: StudyInputs, design: RolloutDesign, n_resamples: int) -> None:
    """Set ``extras["n_draws"]``, the number of simulated rollouts.

    A large design gets fewer than ``n_resamples``, with a warning.
    """
    cells = design.n_reps * design.periods
    inputs.extras["n_draws"] = min(n_resamples, max(100, SIMULATED_CELLS // cells))
    if inputs.extras["n_draws"] < n_resamples:
        inputs.warnings.append(
            f"The planned design has {cells:,} rep-periods; {inputs.extras['n_draws']:,} simulated "
            f"rollouts are drawn instead of n_resamples = {n_resamples:,}, to keep the report to "
            "about a minute. The power figures are computed exactly and are not affected."
        )


def _break_even(inputs: StudyInputs, plan: Plan, design: RolloutDesign) -> None:
    """Set the display unit and ``extras["break_even"]``.

    The break-even is None, with the section left out, when the outcome has no money
    value. Warn when the plan's unit overrides the contract's.
    """
    from analysis.planning import break_even

    outcome = plan.outcomes.primary
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
