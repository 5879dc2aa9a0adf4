"""A client's measurement plan: the change agreed before rollout, typed and frozen.

Source article 000 starts an evaluation by defining the change the training should
drive and agreeing with the business that it will drive success, then baselines,
re-assesses at set intervals and only then claims success. The plan is that
agreement, written down before the data arrive, as a ``plan:`` block in
``client.yml`` (or a ``plan.yml`` beside it)::

    plan:
      agreed_with: VP Sales and the enablement lead
      behaviours:                       # what sellers should do differently
        - measure: call_score           # a panel column
          description: discovery quality of recorded calls (0-100)
          expected_change: 2
      outcomes:
        primary: revenue                # one primary results KPI
        secondary: [wins]               # Holm-adjusted in the report
      expected_effect: 3000             # per rep and period, in outcome units
      effect_from: 2                    # periods after the training start
      rollout:
        first_period: 2025-01
        periods: 12
        cohorts:
          - {start: 2025-04, reps: 35}
        untrained: 45                   # reps left untrained ...
        untrained_until: null           # ... until this period (null: to the end)
      budget: 250000
      margin: 0.35
      assumptions: {residual_sd: 6000, autocorrelation: 0.2}
      activity_kpis:                    # checked for gaming against their conversion
        - {metric: meetings, start_period: 2025-07, scope: all}

``workbench plan freeze CLIENT`` writes :data:`FROZEN_FILE` with the plan's SHA-256
(of its canonical JSON, so comments and layout do not count) and the date; a later
edit is listed by :func:`plan_changes` and every report of the client says so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    field_validator,
    model_validator,
)

from analysis.inputs.errors import ConfigError
from analysis.inputs.parameters import Column, Margin

#: The freeze record, beside client.yml.
FROZEN_FILE = "plan.frozen.json"
#: A plan kept in its own file instead of a ``plan:`` block.
PLAN_FILE = "plan.yml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _period(text: str) -> pd.Period:
    """A plan period: ``2025-03`` (month) or ``2025-Q1`` (quarter)."""
    import re

    value = str(text).strip()
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        return pd.Period(value, freq="M")
    if re.fullmatch(r"\d{4}-?Q[1-4]", value):
        return pd.Period(value.replace("-", ""), freq="Q")
    raise ValueError(f"{value!r} is not a period; write a month as 2025-03 or a quarter as 2025-Q1")


class Behaviour(_Strict):
    """A behaviour the training should change, and how it is measured."""

    measure: Column = Field(description="panel column measuring it, e.g. call_score")
    description: str = Field("", description="what the measure records")
    expected_change: float | None = Field(None, description="planned change, in measure units")


class Outcomes(_Strict):
    """The results KPIs: one primary outcome and optional secondary ones."""

    primary: Column = Field(
        description="the one results KPI the plan is judged on (a panel column)"
    )
    secondary: list[Column] = Field([], description="further results KPIs (Holm-adjusted together)")

    @model_validator(mode="after")
    def _distinct(self) -> Outcomes:
        if self.primary in self.secondary or len(set(self.secondary)) < len(self.secondary):
            raise ValueError("each outcome appears once: the primary outcome is not also secondary")
        return self


class Cohort(_Strict):
    start: str = Field(description="period the cohort starts training, e.g. 2025-04")
    reps: int = Field(ge=1, description="reps in the cohort")

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        _period(value)
        return value


class Rollout(_Strict):
    """Who is trained when, and who stays untrained until when."""

    first_period: str = Field(description="first period observed, e.g. 2025-01")
    periods: int = Field(ge=2, le=240, description="periods observed")
    cohorts: list[Cohort] = Field(min_length=1, description="trained cohorts, each with its start")
    untrained: int = Field(0, ge=0, description="reps left untrained")
    untrained_until: str | None = Field(
        None, description="period the untrained reps are trained; null: never in the study"
    )

    @model_validator(mode="after")
    def _schedule(self) -> Rollout:
        first = _period(self.first_period)
        starts = [c.start for c in self.cohorts]
        if self.untrained_until is not None:
            starts.append(self.untrained_until)
        for label in starts:
            start = _period(label)
            if start.freq != first.freq:
                raise ValueError(
                    f"{label!r} and first_period {self.first_period!r} use different period kinds "
                    "(months and quarters); use one"
                )
            if not 0 < (start - first).n < self.periods:
                raise ValueError(
                    f"training start {label!r} is not inside the {self.periods} periods from "
                    f"{self.first_period} (a start in the first period leaves no baseline)"
                )
        return self

    def schedule(self) -> list[tuple[int | None, int]]:
        """``(start index, reps)`` per cohort, the untrained group last (None: never trained)."""
        first = _period(self.first_period)
        rows: list[tuple[int | None, int]] = [
            ((_period(c.start) - first).n, c.reps) for c in self.cohorts
        ]
        if self.untrained:
            until = self.untrained_until
            rows.append(((_period(until) - first).n if until else None, self.untrained))
        return rows

    def label(self, index: int) -> str:
        return str(_period(self.first_period) + index)


class Assumptions(_Strict):
    """What the power computation assumes when the client has no baseline data yet."""

    residual_sd: PositiveFloat | None = Field(
        None, description="SD of the outcome around rep and period means, per rep-period"
    )
    autocorrelation: float = Field(
        0.0, ge=-0.5, le=0.95, description="correlation of a rep's residuals one period apart"
    )


class ActivityKpi(_Strict):
    """An activity KPI the plan sets a target on: checked against its conversion for gaming."""

    metric: Column = Field(description="activity column with a target, e.g. meetings")
    start_period: str = Field(description="period the target starts, in the panel's labels")
    scope: str = Field("all", description="all, a team, or teams separated by ';'")


class Plan(_Strict):
    """The measurement plan (see the module docstring for an example)."""

    agreed_with: str = Field("", description="who in the business agreed the plan")
    behaviours: list[Behaviour] = []
    outcomes: Outcomes
    expected_effect: float = Field(description="expected effect per rep and period, outcome units")
    effect_from: int = Field(
        0, ge=0, le=36, description="periods after the training start before the effect counts"
    )
    rollout: Rollout
    budget: PositiveFloat = Field(description="fully loaded programme cost")
    margin: Margin = Field(0.35, description="profit contribution per unit of money outcome")
    outcome_unit: Literal["money", "count", "rate", "score", "number"] | None = Field(
        None, description="unit of the primary outcome; default: from the data contract"
    )
    value_per_unit: PositiveFloat | None = Field(
        None, description="money per unit of an outcome that is not money"
    )
    assumptions: Assumptions = Assumptions()
    activity_kpis: list[ActivityKpi] = []

    @property
    def planned_outcomes(self) -> list[str]:
        return [self.outcomes.primary, *self.outcomes.secondary]

    def role(self, outcome: str) -> str:
        """``primary``, ``secondary`` or ``exploratory`` (not in the plan)."""
        if outcome == self.outcomes.primary:
            return "primary"
        return "secondary" if outcome in self.outcomes.secondary else "exploratory"

    def overview(self) -> pd.DataFrame:
        """The plan as a two-column table (``term, value``) for a report."""
        money = f"{self.budget:,.0f}"
        rows = [
            ("primary outcome", self.outcomes.primary),
            ("secondary outcomes", ", ".join(self.outcomes.secondary) or "none"),
            ("expected effect", f"{self.expected_effect:,.4g} per rep and period"),
            (
                "effect counted",
                f"from {self.effect_from} period(s) after the training start"
                if self.effect_from
                else "from the period training starts",
            ),
            *(
                (
                    f"behaviour: {b.measure}",
                    (b.description or "")
                    + (
                        f" (planned change {b.expected_change:+,.4g})"
                        if b.expected_change is not None
                        else ""
                    ),
                )
                for b in self.behaviours
            ),
            ("budget (fully loaded)", money),
            ("margin", f"{self.margin:.0%}"),
            *(
                (f"activity KPI: {k.metric}", f"from {k.start_period} ({k.scope})")
                for k in self.activity_kpis
            ),
        ]
        if self.agreed_with:
            rows.insert(0, ("agreed with", self.agreed_with))
        return pd.DataFrame(rows, columns=["term", "value"])

    def rollout_table(self) -> pd.DataFrame:
        """Cohorts and the untrained group: ``group, start, reps``."""
        rows = [(f"cohort {i + 1}", c.start, c.reps) for i, c in enumerate(self.rollout.cohorts)]
        if self.rollout.untrained:
            rows.append(
                (
                    "untrained",
                    self.rollout.untrained_until or "not during the study",
                    self.rollout.untrained,
                )
            )
        return pd.DataFrame(rows, columns=["group", "start", "reps"])

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def plan_sha256(plan: Plan) -> str:
    """SHA-256 of the plan's canonical JSON (keys sorted): layout and comments do not count."""
    text = json.dumps(plan.canonical(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_plan(values: Any, where: str) -> Plan:
    """The plan block checked against :class:`Plan`, every problem at once.

    Raises
    ------
    ConfigError
        One line per problem naming the key (``plan.rollout.cohorts.0.reps``) and the fix.
    """
    if not isinstance(values, dict):
        raise ConfigError(
            f"{where}: plan must be a mapping (see data/README.md, measurement plan)."
        )
    try:
        return Plan.model_validate(values)
    except ValidationError as error:
        lines = []
        for item in error.errors(include_url=False):
            key = ".".join(["plan", *map(str, item["loc"])])
            message = ": " + str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = " is not a plan entry"
            elif item["type"] == "missing":
                message = " is missing"
            lines.append(f"{where}: {key}{message}.")
        raise ConfigError(lines) from None


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def plan_changes(frozen: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What changed between the frozen and the current plan: ``key: old -> new`` lines."""
    before, after = _flat(frozen), _flat(current)
    lines = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            lines.append(f"{key}: {before.get(key)!r} -> {after.get(key)!r}")
    return lines


@dataclass(frozen=True)
class PlanStatus:
    """A client's plan and its freeze record: what every report says about the plan."""

    plan: Plan
    frozen_at: str | None = None
    frozen_sha256: str | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return plan_sha256(self.plan)

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def sentences(self) -> list[str]:
        """The plan's standing, for the report summary."""
        if not self.frozen:
            text = (
                "The measurement plan was not frozen, so these results cannot be shown to follow a "
                "plan agreed before the data arrived."
            )
            return [text]
        if self.changes:
            shown = "; ".join(self.changes[:4]) + (
                f"; and {len(self.changes) - 4} more" if len(self.changes) > 4 else ""
            )
            text = (
                f"The measurement plan was changed after it was frozen on {self.frozen_at}: {shown}. "
                "Results are set against the plan as it reads now."
            )
            return [text]
        return [f"The measurement plan was frozen on {self.frozen_at} and has not changed since."]

    def provenance(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "frozen_at": self.frozen_at,
            "frozen_sha256": self.frozen_sha256,
            "changes": list(self.changes),
        }


def read_frozen(folder: Path) -> dict[str, Any] | None:
    """The freeze record of a client, or None; :class:`ConfigError` when it is unreadable."""
    path = folder / FROZEN_FILE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or not {"frozen_at", "sha256", "plan"} <= set(record):
            raise ValueError("frozen_at, sha256 and plan are required")
    except (ValueError, OSError) as error:
        raise ConfigError(
            f"{path.name} in {folder.name}/ is not a freeze record ({error}); restore it from "
            "version control. It is written only by `workbench plan freeze`."
        ) from None
    return record


def plan_status(plan: Plan, folder: Path) -> PlanStatus:
    """The plan with its freeze date and the changes since the freeze."""
    record = read_frozen(folder)
    if record is None:
        return PlanStatus(plan)
    changes = (
        plan_changes(record["plan"], plan.canonical())
        if record["sha256"] != plan_sha256(plan)
        else []
    )
    if record["sha256"] != plan_sha256(plan) and not changes:
        changes = ["the plan's text differs from the frozen one"]
    return PlanStatus(plan, str(record["frozen_at"]), str(record["sha256"]), changes)


def freeze(plan: Plan, folder: Path, *, again: bool = False, now: datetime | None = None) -> dict:
    """Write the freeze record: the plan, its SHA-256 and the UTC date.

    A plan already frozen is not frozen again unless ``again``; the earlier records are
    kept under ``earlier``, so a report can still name the first freeze.

    Raises
    ------
    ConfigError
        Already frozen (unchanged, or changed without ``again``).
    """
    record = read_frozen(folder)
    sha = plan_sha256(plan)
    if record is not None and record["sha256"] == sha:
        raise ConfigError(f"the plan of {folder.name} is already frozen ({record['frozen_at']}).")
    if record is not None and not again:
        raise ConfigError(
            f"the plan of {folder.name} was frozen on {record['frozen_at']} and has changed since: "
            + "; ".join(plan_changes(record["plan"], plan.canonical())[:5])
            + ". Reports say so. To freeze the edited plan as a new version, run "
            "`workbench plan freeze --again`; the earlier freeze stays on record."
        )
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    earlier = []
    if record is not None:
        earlier = [*record.get("earlier", []), {k: record[k] for k in ("frozen_at", "sha256")}]
    new = {"frozen_at": stamp, "sha256": sha, "plan": plan.canonical(), "earlier": earlier}
    path = folder / FROZEN_FILE
    path.write_text(json.dumps(new, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return new


def plan_markdown() -> str:
    """The plan's entries as a Markdown table (``entry | required | default | meaning``), from the model."""
    lines = ["| entry | required | default | meaning |", "| --- | --- | --- | --- |"]

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            annotation = info.annotation
            args = getattr(annotation, "__args__", (annotation,))
            sub = next((t for t in args if isinstance(t, type) and issubclass(t, BaseModel)), None)
            listed = getattr(annotation, "__origin__", None) is list
            key = f"{prefix}{name}" + ("[]" if listed else "")
            doc = (sub.__doc__ or "").strip().splitlines() if sub else []
            meaning = info.description or (doc[0] if doc else "")
            default = ""
            if not info.is_required() and sub is None:
                value = info.get_default(call_default_factory=True)
                default = f"`{json.dumps(value)}`"
            lines.append(
                f"| `{key}` | {'yes' if info.is_required() else 'no'} | {default} | {meaning} |"
            )
            if sub is not None:
                walk(sub, key + ".")

    walk(Plan, "plan.")
    return "\n".join(lines)
