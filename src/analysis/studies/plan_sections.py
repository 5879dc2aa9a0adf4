"""Study 2 against the client's measurement plan: which measures the plan names, and their roles.

Called by :func:`analysis.studies.training_impact.prepare`. Without a plan the
section is left out with the reason; a plan's measure missing from the panel is a
warning naming the file and the column (its row is left out); a primary outcome that
is missing leaves the section out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from analysis.studies import StudyInputs

#: How the report labels the study's outcome by its role in the plan.
ROLE_NOTES = {
    "primary": " (the plan's primary outcome)",
    "secondary": " (a secondary outcome of the plan)",
    "exploratory": " (exploratory: not an outcome of the measurement plan)",
}


def check_plan_measures(inputs: StudyInputs, data: pd.DataFrame, source: str, outcome: str) -> None:
    """Set ``extras["outcome_role"]`` and ``extras["role_note"]`` and decide whether section ``plan`` runs."""
    inputs.extras.update(outcome_role=None, role_note="", role_sentences=[])
    if inputs.plan is None:
        inputs.skip(
            "plan",
            "No measurement plan was agreed for this client (plan: in client.yml), so no result "
            "below was defined before the data arrived.",
        )
        return
    plan = inputs.plan.plan
    role = plan.role(outcome)
    inputs.extras.update(outcome_role=role, role_note=ROLE_NOTES[role])
    if role == "exploratory":
        sentence = (
            f"The results for {inputs.extras['outcome_label']} below are exploratory: it is not an "
            f"outcome of the measurement plan (primary: {plan.outcomes.primary}), so they are not "
            "evidence for the plan."
        )
        inputs.extras["role_sentences"] = [sentence]
    if not inputs.extras["panel_design"]:
        inputs.skip(
            "plan",
            "The plan's window (effects from a set period after training) needs a rep-period panel; "
            "this client provided a cross-section.",
        )
        return
    named = [
        ("plan.outcomes.primary", plan.outcomes.primary),
        *(("plan.outcomes.secondary", name) for name in plan.outcomes.secondary),
        *(("plan.behaviours", b.measure) for b in plan.behaviours),
    ]
    missing = [(key, name) for key, name in named if name not in data.columns]
    for key, name in missing:
        inputs.warnings.append(
            f"{source}: the plan names {name!r} ({key}) but the panel has no such column; it is left "
            "out of the comparison with the plan. Add the column or correct the plan (a change after "
            "the freeze is reported)."
        )
    if plan.outcomes.primary not in data.columns:
        inputs.skip(
            "plan",
            f"The plan's primary outcome {plan.outcomes.primary!r} is not a column of {source}.",
        )
        return
    starts = data["training_start"].dropna()
    if starts.empty:
        inputs.skip(
            "plan", f"No rep in {source} was trained, so there is nothing to hold to the plan."
        )
