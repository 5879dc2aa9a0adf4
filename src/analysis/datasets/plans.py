"""The example clients' measurement plans, agreed and frozen before their data.

acme-learning planned its rollout in December 2024, before its first period
(2025-01): three cohorts of 35 reps from April, June and August, 45 reps left
untrained, the effect on revenue counted from the third month after training.
The expected effect (3,000 per rep and month) is below what the generator plants
(4,000 when fully built up), as a cautious plan would be. The freeze record is
written with the plan's date, as ``workbench plan freeze`` would have written it then.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["EXAMPLE_PLANS", "write_example_plan"]

#: Client id -> (plan block, the date it was frozen).
EXAMPLE_PLANS: dict[str, tuple[dict[str, Any], datetime]] = {
    "acme-learning": (
        {
            "agreed_with": "Head of sales and the enablement lead",
            "behaviours": [
                {
                    "measure": "call_score",
                    "description": "quality of discovery calls, scored by managers (0-100)",
                    "expected_change": 3.0,
                }
            ],
            "outcomes": {"primary": "revenue", "secondary": ["wins", "opportunities"]},
            "expected_effect": 3000.0,
            "effect_from": 2,
            "rollout": {
                "first_period": "2025-01",
                "periods": 12,
                "cohorts": [
                    {"start": "2025-04", "reps": 35},
                    {"start": "2025-06", "reps": 35},
                    {"start": "2025-08", "reps": 35},
                ],
                "untrained": 45,
                "untrained_until": None,
            },
            "budget": 250000.0,
            "margin": 0.35,
            "assumptions": {"residual_sd": 6000.0, "autocorrelation": 0.0},
            "activity_kpis": [
                {"metric": "meetings", "start_period": "2025-07", "scope": "North; South"}
            ],
        },
        datetime(2024, 12, 2, 9, 0, tzinfo=UTC),
    ),
}


def write_example_plan(client_id: str, folder: Path, *, overwrite: bool = False) -> list[Path]:
    """Write the example client's freeze record (its plan goes into client.yml)."""
    from analysis.clients.plan import FROZEN_FILE, check_plan
    from analysis.clients.plan_record import freeze

    if client_id not in EXAMPLE_PLANS:
        return []
    path = folder / FROZEN_FILE
    if path.exists() and not overwrite:
        return []
    if path.exists():
        path.unlink()
    values, frozen_at = EXAMPLE_PLANS[client_id]
    freeze(check_plan(values, f"example {client_id}"), folder, now=frozen_at)
    return [path]
