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
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    field_validator,
    model_validator,
)

from analysis.clients.parameters import Column, Margin
from analysis.core.errors import ConfigError
from analysis.core.formats import counted_from, figure

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FROZEN_FILE",
    "PLAN_FILE",
    "ActivityKpi",
    "Assumptions",
    "Behaviour",
    "Cohort",
    "Outcomes",
    "Plan",
    "PlanPeriod",
    "Rollout",
    "check_plan",
    "plan_markdown",
    "plan_sha256",
]

#: The freeze record, beside client.yml.
FROZEN_FILE = "plan.frozen.json"
#: A plan kept in its own file instead of a ``plan:`` block.
PLAN_FILE = "plan.yml"


class _Strict(BaseModel):
    # allow_inf_nan=False: `budget: .inf` (YAML's infinity) or .nan is refused, never planned with
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


@dataclass(frozen=True)
class PlanPeriod:
    """A month or a quarter of a plan, counted from year 0 (``ordinal``).

    Subtracting two gives the number of periods between them, adding an integer moves
    on, and ``str`` writes ``2025-03`` or ``2025Q1`` as pandas does. Months and quarters
    do not compare (ValueError). Written here rather than with ``pandas.Period`` so that
    reading a client.yml does not import pandas (0.45 s on every command).
    """

    freq: Literal["M", "Q"]
    ordinal: int

    def _same(self, other: PlanPeriod) -> PlanPeriod:
        if self.freq != other.freq:
            raise ValueError(f"{self} and {other} are different period kinds (months and quarters)")
        return other

    def __sub__(self, other: PlanPeriod) -> int:
        """Return the number of periods from ``other`` to this one."""
        return self.ordinal - self._same(other).ordinal

    def __add__(self, periods: int) -> PlanPeriod:
        """Return the period ``periods`` steps later."""
        return PlanPeriod(self.freq, self.ordinal + periods)

    def __lt__(self, other: PlanPeriod) -> bool:
        """Tell whether this period comes before ``other`` (of the same kind)."""
        return self.ordinal < self._same(other).ordinal

    def __le__(self, other: PlanPeriod) -> bool:
        """Tell whether this period is ``other`` or comes before it."""
        return self.ordinal <= self._same(other).ordinal

    def __str__(self) -> str:
        """Return the period as ``2025-03`` (month) or ``2025Q1`` (quarter)."""
        year, step = divmod(self.ordinal, 12 if self.freq == "M" else 4)
        return f"{year}-{step + 1:02d}" if self.freq == "M" else f"{year}Q{step + 1}"


def _period(text: str) -> PlanPeriod:
    """Return a plan period: ``2025-03`` (month) or ``2025-Q1`` (quarter)."""
    value = str(text).strip()
    month = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", value)
    if month:
        return PlanPeriod("M", int(month[1]) * 12 + int(month[2]) - 1)
    quarter = re.fullmatch(r"(\d{4})-?Q([1-4])", value)
    if quarter:
        return PlanPeriod("Q", int(quarter[1]) * 4 + int(quarter[2]) - 1)
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
    """One cohort of the rollout: when it starts training and how many reps it holds.

    Attributes
    ----------
    start : str
        The period the cohort starts training, e.g. ``2025-04``.
    reps : int
        The reps in the cohort (at least one).
    """

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
            if not 0 < start - first < self.periods:
                where = (
                    "is the study's first period, which leaves no baseline before training"
                    if start == first
                    else f"is not inside the {self.periods} periods from {self.first_period}"
                )
                raise ValueError(
                    f"training start {label!r} {where}: start the cohort later, or the study earlier"
                )
        latest = max(_period(c.start) for c in self.cohorts)
        if self.untrained_until is not None and _period(self.untrained_until) <= latest:
            raise ValueError(
                f"untrained_until {self.untrained_until!r} is not after the last cohort's start "
                f"({latest}): the untrained reps are the comparison group and are trained last"
            )
        if not self.untrained and len(set(starts)) < 2:
            raise ValueError(
                "every rep starts training in the same period, so nobody is left to compare with: "
                "leave some reps untrained (e.g. untrained: "
                f"{max(2, sum(c.reps for c in self.cohorts) // 3)}) or start "
                "cohorts at different periods"
            )
        return self

    def schedule(self) -> list[tuple[int | None, int]]:
        """``(start index, reps)`` per cohort, the untrained group last (None: never trained)."""
        first = _period(self.first_period)
        rows: list[tuple[int | None, int]] = [
            (_period(c.start) - first, c.reps) for c in self.cohorts
        ]
        if self.untrained:
            until = self.untrained_until
            rows.append((_period(until) - first if until else None, self.untrained))
        return rows

    def label(self, index: int) -> str:
        """Return the label of the period ``index`` steps after the first period."""
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
    expected_effect: float = Field(
        description="expected rise per rep and period, outcome units (above 0)"
    )
    effect_from: int = Field(
        0, ge=0, le=36, description="periods after the training start before the effect counts"
    )
    rollout: Rollout
    budget: PositiveFloat = Field(description="fully loaded programme cost")
    margin: Margin = Field(0.35, description="profit contribution per unit of money outcome")
    outcome_unit: Literal["money", "count", "rate", "score", "number"] | None = Field(
        None,
        description="unit of the primary outcome: money, count, rate, score or number; default: "
        "from the data contract",
    )
    value_per_unit: PositiveFloat | None = Field(
        None, description="money per unit of an outcome that is not money"
    )
    assumptions: Assumptions = Assumptions()
    activity_kpis: list[ActivityKpi] = []

    @field_validator("expected_effect")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(
                "must be above 0: the rise per rep and period the training should bring (for an "
                "outcome that should fall, such as cycle days, plan on one that rises)"
            )
        return value

    @model_validator(mode="after")
    def _window(self) -> Plan:
        first = _period(self.rollout.first_period)
        room = max(self.rollout.periods - (_period(c.start) - first) for c in self.rollout.cohorts)
        if self.effect_from >= room:
            raise ValueError(
                f"effect_from {self.effect_from} leaves no period in the study in which the effect "
                f"counts: the earliest cohort is observed for {room} period(s) from its start; lower "
                "effect_from or observe more periods"
            )
        return self

    def role(self, outcome: str) -> str:
        """``primary``, ``secondary`` or ``exploratory`` (not in the plan)."""
        if outcome == self.outcomes.primary:
            return "primary"
        return "secondary" if outcome in self.outcomes.secondary else "exploratory"

    def overview(self) -> pd.DataFrame:
        """Return the plan as a two-column table (``term, value``) for a report."""
        import pandas as pd

        money = f"{self.budget:,.0f}"
        rows = [
            ("primary outcome", self.outcomes.primary),
            ("secondary outcomes", ", ".join(self.outcomes.secondary) or "none"),
            ("expected effect", f"{figure(self.expected_effect)} per rep and period"),
            (
                "effect counted",
                f"{counted_from(self.effect_from)} (the period training starts is the 1st; "
                f"the {self.effect_from} before are ramp-up)"
                if self.effect_from
                else counted_from(0),
            ),
            *(
                (
                    f"behaviour: {b.measure}",
                    (b.description or "")
                    + (
                        f" (planned change {'+' if b.expected_change >= 0 else '-'}{figure(abs(b.expected_change))})"
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
        """Return the cohorts and the untrained group: ``group, start, reps``."""
        import pandas as pd

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
        """Return the plan as plain JSON values (the form that is hashed and frozen)."""
        return self.model_dump(mode="json")


def plan_sha256(plan: Plan) -> str:
    """SHA-256 of the plan's canonical JSON (keys sorted): layout and comments do not count."""
    text = json.dumps(plan.canonical(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_plan(values: Any, where: str) -> Plan:
    """Return the plan block checked against :class:`Plan`, every problem at once.

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
            message = ": " + str(item["msg"]).removeprefix("Value error, ").rstrip(".")
            given = item.get("input")
            if item["type"] == "extra_forbidden":
                message = " is not a plan entry" + _did_you_mean(item["loc"])
            elif item["type"] == "missing":
                message = " is missing"
            elif item["type"] == "finite_number":
                message = (
                    f": {given} is not a number a plan can hold; write the planned figure, "
                    "e.g. 250000"
                )
            elif isinstance(given, (date, datetime)):
                message = (
                    f": YAML read {given} as a date; write the period as text in quotes, e.g. "
                    f"'{given:%Y-%m}' (a month) or '{given.year}-Q{(given.month - 1) // 3 + 1}' (a quarter)"
                )
            elif isinstance(given, str) and item["type"] in (
                "float_type",
                "float_parsing",
                "int_type",
            ):
                digits = given.replace(",", "").replace(" ", "").replace("_", "")
                example = digits if digits.replace(".", "", 1).isdigit() else "250000"
                message = (
                    f": {given!r} is text; write a plain number without separators, e.g. {example}"
                )
            lines.append(f"{where}: {key}{message}" + ("" if message.endswith(("?", ".")) else "."))
        raise ConfigError(lines) from None


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    """Return " (did you mean 'expected_effect'?)" for a misspelt plan entry, from the model's fields."""
    import difflib

    model: Any = Plan
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        annotation = model.model_fields[part].annotation if part in model.model_fields else None
        args = getattr(annotation, "__args__", (annotation,))
        model = next((t for t in args if isinstance(t, type) and issubclass(t, BaseModel)), None)
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
    return (
        f" (did you mean {close[0]!r}?)"
        if close
        else f"; entries here: {', '.join(model.model_fields)}"
    )


def plan_markdown() -> str:
    """Return the plan's entries as a Markdown table (``entry | required | default | meaning``), from the model."""
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
