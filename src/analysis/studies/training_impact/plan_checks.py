"""Study 2 against the client's measurement plan: which measures the plan names, and their roles.

Called by :func:`analysis.studies.training_impact.prepare`. Without a plan the
section is left out with the reason; a plan's measure missing from the panel is a
warning naming the file and the column (its row is left out); a primary outcome that
is missing leaves the section out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from analysis.core import formats

if TYPE_CHECKING:
    from analysis.clients.plan import Plan
    from analysis.studies import StudyInputs

__all__ = ["ROLE_NOTES", "WINDOW_NOTE", "check_plan_measures", "rollout_deviations"]

#: Why the plan's effect can differ from the isolated estimate of the results section.
WINDOW_NOTE = (
    "The effect here counts only the plan's window (the imputation estimator, ramp-up periods "
    "left out), so it can differ from the isolated estimate further down, which counts every "
    "period after training."
)

#: How the report labels the study's outcome by its role in the plan.
ROLE_NOTES = {
    "primary": " (the plan's primary outcome)",
    "secondary": " (a secondary outcome of the plan)",
    "exploratory": " (exploratory: not an outcome of the measurement plan)",
}


def check_plan_measures(inputs: StudyInputs, data: pd.DataFrame, source: str, outcome: str) -> None:
    """Set ``extras["outcome_role"]`` and ``extras["role_note"]`` and decide whether section ``plan`` runs."""
    inputs.extras.update(
        outcome_role=None, role_note="", role_sentences=[], plan_measures=[], rollout_sentences=[]
    )
    if inputs.plan is None:
        inputs.skip(
            "plan",
            "No measurement plan was agreed for this client before the rollout, so none of the "
            "results was defined before the data arrived.",
            "agree a plan under plan: in client.yml, then run workbench plan freeze",
        )
        return
    plan = inputs.plan.plan
    _outcome_role(inputs, plan, outcome)
    if not inputs.extras["panel_design"]:
        inputs.skip(
            "plan",
            "The plan's window (effects from a set period after training) needs a rep-period panel; "
            "this client provided a cross-section.",
        )
        return
    usable = _usable_measures(inputs, plan, data, source)
    inputs.extras["plan_measures"] = usable
    if plan.outcomes.primary not in usable:
        inputs.skip(
            "plan",
            f"The plan's primary outcome {plan.outcomes.primary!r} cannot be estimated from {source} "
            "(see the warning above).",
        )
        return
    problem = _window_problem(plan, data)
    if problem:
        inputs.skip("plan", f"The plan's window cannot be estimated from {source}: {problem}.")
        return
    inputs.extras["rollout_sentences"] = [
        *_frozen_after_start(inputs, data, source),
        *rollout_deviations(plan, data),
        *_budget_against_costs(inputs),
        WINDOW_NOTE,
    ]


def _outcome_role(inputs: StudyInputs, plan: Plan, outcome: str) -> None:
    """Record the outcome's role in the plan.

    An exploratory outcome gets the summary's sentence.
    """
    role = plan.role(outcome)
    inputs.extras.update(outcome_role=role, role_note=ROLE_NOTES[role])
    if role == "exploratory":
        sentence = (
            f"The results for {inputs.extras['outcome_label']} below are exploratory: it is not an "
            f"outcome of the measurement plan (primary: {plan.outcomes.primary}), so they are not "
            "evidence for the plan."
        )
        inputs.extras["role_sentences"] = [sentence]


def _usable_measures(inputs: StudyInputs, plan: Plan, data: pd.DataFrame, source: str) -> list[str]:
    """Return the plan's outcomes and behaviours the panel can estimate; warn of each other."""
    named = [
        ("plan.outcomes.primary", plan.outcomes.primary),
        *(("plan.outcomes.secondary", name) for name in plan.outcomes.secondary),
        *(("plan.behaviours", b.measure) for b in plan.behaviours),
    ]
    usable = []
    for key, name in named:
        problem = _unusable(data, name)
        if problem:
            inputs.warnings.append(
                f"{source}: the plan names {name!r} ({key}) but {problem}; it is left out of the "
                "comparison with the plan. Correct the data or the plan (a change after the freeze "
                "is reported)."
            )
        else:
            usable.append(name)
    return usable


def _window_problem(plan: Plan, data: pd.DataFrame) -> str:
    """Return why the plan's window has no rep-period to count or none to compare with.

    The reason is "" when the window can be estimated.
    """
    from analysis.contracts.periods import period_index
    from analysis.effects.staggered import first_treated_index

    event = period_index(data["period"]) - first_treated_index(
        data, unit="rep_id", time="period", start="training_start"
    )
    counted = int((event >= plan.effect_from).sum())
    untreated = int((event.isna() | (event < 0)).sum())
    if counted == 0:
        return f"no rep-period lies {plan.effect_from} or more periods after its training start"
    if untreated == 0:
        return "every rep-period is after a training start, so nothing is left to compare with"
    return ""


def _frozen_after_start(inputs: StudyInputs, data: pd.DataFrame, source: str) -> list[str]:
    """Warn and write a sentence when the plan was frozen only after training began."""
    status = inputs.plan
    frozen = None if status is None else status.first_frozen_date
    if frozen is None:
        return []
    starts = pd.to_datetime(data["training_start"].dropna().astype(str), errors="coerce").dropna()
    if starts.empty or pd.Timestamp(frozen) <= starts.min():
        return []
    text = (
        f"The plan was first frozen on {frozen}, after training began ({starts.min():%Y-%m} in "
        f"{source}): it cannot show that its outcomes were chosen before early results were seen."
    )
    inputs.warnings.append(text)
    inputs.extras["role_sentences"].append(text)  # in the summary too
    return [text]


def _budget_against_costs(inputs: StudyInputs) -> list[str]:
    """Compare the fully loaded costs with the plan's budget, when the client supplied costs."""
    costs = inputs.tables.get("costs")
    if inputs.plan is None or costs is None or "amount" not in costs:
        return []
    total = float(pd.to_numeric(costs["amount"], errors="coerce").sum())
    budget = inputs.plan.plan.budget
    units = inputs.units
    currency, symbol = (units.currency, units.symbol) if units is not None else (None, False)

    def money(value: float) -> str:  # in the outcome's currency, as the costs now are
        return formats.money(value, currency, decimals=0, symbol=symbol)

    if abs(total - budget) <= 0.005 * budget:
        return [f"The programme cost what the plan budgeted ({money(budget)})."]
    text = (
        f"The programme cost {money(total)} against a planned budget of {money(budget)}; the "
        "return on investment below uses the actual costs."
    )
    return [text]


def _unusable(data: pd.DataFrame, name: str) -> str:
    """Why a planned measure cannot be estimated ("" when it can)."""
    if name not in data.columns:
        return "the panel has no such column"
    values = pd.to_numeric(data[name], errors="coerce")
    if values.notna().sum() == 0 and data[name].notna().any():
        return "the column holds text, not numbers (a label such as a team, not a measure)"
    if values.notna().sum() < data[name].notna().sum():
        return "the column holds text as well as numbers"
    if values.nunique() < 2:
        return "the column does not vary"
    return ""


def rollout_deviations(plan, data: pd.DataFrame) -> list[str]:
    """Sentences on where the rollout in the data differs from the planned cohorts."""
    reps = data.drop_duplicates("rep_id")
    actual = reps["training_start"].astype("string").fillna("untrained").value_counts()
    planned = {c.start: c.reps for c in plan.rollout.cohorts}
    if plan.rollout.untrained:
        planned[plan.rollout.untrained_until or "untrained"] = plan.rollout.untrained
    lines = []
    for start in sorted(set(planned) | set(actual.index), key=str):
        want, got = planned.get(start, 0), int(actual.get(start, 0))
        if want != got:
            label = "left untrained" if start == "untrained" else f"starting {start}"
            lines.append(f"{label}: planned {want}, in the data {got}")
    if not lines:
        return ["The rollout in the data matches the plan's cohorts."]
    return ["The rollout in the data differs from the plan (reps " + "; ".join(lines) + ")."]
