"""Each study's parameters, declared once as a typed model.

One pydantic model per study lists every parameter a client.yml (under ``data:`` or
``parameters:``) or a notebook may set: its type, default, allowed range or values,
unit and a one-line help. The same declaration

* checks client.yml (:func:`check_parameters`), with one message per problem that
  names the key, what was expected and an example, a "did you mean" for an unknown
  key and a scale hint ("a share between 0 and 1: did you mean 0.35?");
* writes each notebook's ``parameters`` cell (:func:`parameters_cell`; a test fails
  when a notebook drifts from it);
* documents the parameters in data/README.md and in the client.yml that
  ``workbench new-client`` writes (:func:`parameters_markdown`, :func:`scaffold_lines`).

File parameters are relative paths inside the client's folder: never absolute,
never with ``..``; :func:`resolve_files` resolves them (after symlinks, with
:func:`analysis.clients.files.resolve_path`) and refuses anything that lands
outside the folder.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    field_validator,
    model_validator,
)

from analysis.clients.files import relative_path, resolve_path
from analysis.core.currencies import check_currency
from analysis.core.errors import ConfigError
from analysis.core.options import SEED
from analysis.core.validation import did_you_mean
from analysis.core.validation import problems_of as core_problems

__all__ = [
    "STUDIES",
    "ClientPath",
    "Column",
    "ConfLevel",
    "Currency",
    "EvaluationPlan",
    "FinitePositive",
    "Margin",
    "OrgEffectiveness",
    "ReadinessAlignment",
    "Share",
    "StudyParameters",
    "TrainingImpact",
    "check_parameters",
    "file_fields",
    "kind",
    "meta",
    "problems_of",
    "resolve_files",
]

FILE, FILES, FOLDER = "file", "files", "folder"


#: A file (or folder) named relative to the client's folder.
ClientPath = Annotated[str, AfterValidator(relative_path)]


def _share_between_0_and_1(example: str) -> Callable[[float], float]:
    def check(value: float) -> float:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"must be a finite number, e.g. {example}")
        if 1 < value <= 100:
            raise ValueError(f"is a share between 0 and 1: did you mean {value / 100:g}?")
        if not 0 < value < 1:
            raise ValueError(f"must lie strictly between 0 and 1, e.g. {example}")
        return value

    return check


ConfLevel = Annotated[float, AfterValidator(_share_between_0_and_1("0.95"))]
Margin = Annotated[float, AfterValidator(_share_between_0_and_1("0.35"))]
Share = Annotated[float, AfterValidator(_share_between_0_and_1("0.8"))]


def _column(value: str) -> str:
    if not value.strip():
        raise ValueError("must name a column, e.g. revenue")
    return value.strip()


Column = Annotated[str, AfterValidator(_column)]


#: An ISO 4217 currency code (EUR, USD, GBP, ...).
Currency = Annotated[str, AfterValidator(check_currency)]


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value}")
    return value


#: A positive number that is not infinite (YAML's .inf reads as a number).
FinitePositive = Annotated[PositiveFloat, AfterValidator(_finite)]


def meta(help: str, *, example: Any, unit: str = "", kind: str = "") -> dict[str, Any]:
    """Field metadata: the one-line help (description), an example, the unit and the kind."""
    return {
        "description": help,
        "json_schema_extra": {"example": example, "unit": unit, "kind": kind},
    }


class StudyParameters(BaseModel):
    """Base of every study's parameters: strict types, unknown keys refused, frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    min_cell_size: int = Field(
        5,
        ge=1,
        **meta(
            "groups with fewer respondents are suppressed in tables", example=5, unit="respondents"
        ),
    )
    conf_level: ConfLevel = Field(
        0.95, **meta("confidence level of every interval", example=0.95, unit="share")
    )


class OrgEffectiveness(StudyParameters):
    """Study 1: effective vs ineffective training organisations (the learning-leader survey)."""

    survey_path: ClientPath | None = Field(
        None,
        **meta(
            "the learning-leader survey (contract: data/README.md, study 1)",
            example="survey.csv",
            kind=FILE,
        ),
    )
    segment: str | None = Field(None, **meta("keep one industry only", example="Banking"))
    highlight: str | None = Field(
        None,
        **meta("respondent_id of one organisation to set against the population", example="R0007"),
    )
    weights: str | None = Field(
        "weight",
        **meta(
            "the survey's weight column: when the survey has it, shares, risk ratios and tests are "
            "weighted with design-based intervals and the models are left out; null: unweighted",
            example="weight",
        ),
    )
    strata: str | None = Field(
        None,
        **meta(
            "survey design: the column naming each respondent's stratum (sampled "
            "independently); null: one stratum",
            example="region",
        ),
    )
    clusters: str | None = Field(
        None,
        **meta(
            "survey design: the column naming each respondent's primary sampling unit (e.g. "
            "the company sampled first), read within its stratum; null: respondents sampled "
            "one by one",
            example="company",
        ),
    )
    fpc: str | None = Field(
        None,
        **meta(
            "survey design: finite-population correction, a column holding the population "
            "size of the stratum (or the sampling fraction, 0 to 1), the same on every row of "
            "a stratum; null: sampled with replacement",
            example="population",
        ),
    )
    model_terms: Literal["counts", "practices"] = Field(
        "counts",
        **meta(
            "regression terms: counts (how many alignment and sustainment practices are in "
            "place, 2 terms) or practices (each of the 8, needs about 10 cases per term)",
            example="counts",
        ),
    )


class TrainingImpact(StudyParameters):
    """Study 2: training-to-outcome effects, by Kirkpatrick level, with ROI."""

    reps_path: ClientPath | None = Field(
        None,
        **meta(
            "one row per rep, with training_start (panel design)", example="reps.csv", kind=FILE
        ),
    )
    panel_path: ClientPath | None = Field(
        None,
        **meta(
            "one row per rep and period; one row per rep when time is null",
            example="panel.csv",
            kind=FILE,
        ),
    )
    reactions_path: ClientPath | None = Field(
        None, **meta("optional: level-1 reaction ratings", example="reactions.csv", kind=FILE)
    )
    assessments_path: ClientPath | None = Field(
        None,
        **meta(
            "optional: level-2 scores before and after training",
            example="assessments.csv",
            kind=FILE,
        ),
    )
    costs_path: ClientPath | None = Field(
        None, **meta("optional: programme costs, for ROI", example="costs.csv", kind=FILE)
    )
    outcome: Column = Field(
        "revenue", **meta("results measure (a panel column)", example="revenue")
    )
    outcome_label: str | None = Field(
        None,
        **meta(
            "the client's name for the outcome, with its unit, as the report shows it; "
            "default: the column name",
            example="Bookings, USD",
        ),
    )
    behaviour: Column | None = Field(
        None,
        **meta(
            "behaviour measure in the panel (level 3); null: level 3 is left out",
            example="call_score",
        ),
    )
    treatment: Column = Field(
        "trained",
        **meta(
            "0/1 training indicator (derived from training_start in a panel)", example="trained"
        ),
    )
    unit: Column = Field("rep_id", **meta("rep identifier column", example="rep_id"))
    time: Column | None = Field(
        "period", **meta("period column; null for a plain cross-section", example="period")
    )
    covariates: list[Column] = Field(
        [], **meta("control columns of the panel", example=["baseline_revenue"])
    )
    cluster: Column | None = Field(
        None, **meta("cluster standard errors by this column (default: the rep)", example="team")
    )
    segment: Column | None = Field(
        None, **meta("effects by the levels of this rep column", example="tenure_band")
    )
    event_window: list[int] = Field(
        [-4, 6],
        **meta(
            "periods before and after the training start in the event study",
            example=[-4, 6],
            unit="periods",
        ),
    )
    margin: Margin = Field(
        0.35,
        **meta(
            "profit contribution per unit of outcome (never ROI on raw revenue)",
            example=0.35,
            unit="share",
        ),
    )
    outcome_unit: Literal["money", "count", "rate", "score", "number"] | None = Field(
        None,
        **meta(
            "unit of the outcome; default: from the data contract (revenue is money); ROI needs "
            "money or value_per_unit",
            example="money",
        ),
    )
    value_per_unit: FinitePositive | None = Field(
        None,
        **meta(
            "money per unit of an outcome that is not money (e.g. revenue per win), for ROI",
            example=2500.0,
            unit="currency",
        ),
    )
    currency: Currency | None = Field(
        None,
        **meta(
            "ISO 4217 code of the outcome's money and of value_per_unit, as the report shows it; "
            "`workbench import` sets it from the codebook's units",
            example="EUR",
        ),
    )
    costs_currency: Currency | None = Field(
        None,
        **meta(
            "ISO 4217 code of the costs when it differs from currency; ROI then needs "
            "exchange_rate",
            example="USD",
        ),
    )
    exchange_rate: FinitePositive | None = Field(
        None,
        **meta(
            "units of currency per 1 unit of costs_currency (e.g. 1.365 CAD per USD), from a "
            "stated source and date; the costs are converted with it for ROI",
            example=1.365,
            unit="currency per costs_currency",
        ),
    )
    currency_style: Literal["code", "symbol"] = Field(
        "code",
        **meta(
            "how the report writes money: code (EUR 2,400) or symbol (€2,400; a currency "
            "without a common symbol keeps its code)",
            example="symbol",
        ),
    )
    conservative_roi: bool = Field(
        False, **meta("ROI from the lower confidence bound of the effect", example=False)
    )
    intangibles: list[str] = Field(
        [],
        **meta(
            "benefits not converted to money, as the client names them",
            example=["Shared sales language across teams"],
        ),
    )

    @model_validator(mode="after")
    def _currencies(self) -> TrainingImpact:
        if self.exchange_rate is not None and self.costs_currency is None:
            raise ValueError(
                "exchange_rate is given but costs_currency is not: name the costs' currency "
                "(e.g. costs_currency: USD), or remove exchange_rate if the costs are in the "
                "outcome's currency"
            )
        if self.costs_currency is not None and self.costs_currency == self.currency:
            raise ValueError(
                f"costs_currency {self.costs_currency} is the outcome's currency too; remove "
                "costs_currency" + (" and exchange_rate" if self.exchange_rate else "")
            )
        return self

    @field_validator("event_window")
    @classmethod
    def _window(cls, value: list[int]) -> list[int]:
        if len(value) != 2 or not (value[0] <= -2 and value[1] >= 0):
            raise ValueError(
                "must be two whole numbers [before, after] with before <= -2 (the check of "
                "trends before training needs a period before the reference period -1) and "
                "after >= 0, e.g. [-4, 6]"
            )
        return value


class ReadinessAlignment(StudyParameters):
    """Study 3: strategic readiness, failure reasons, stakeholder alignment and KPI gaming."""

    responses: dict[str, ClientPath] | None = Field(
        None,
        **meta(
            "instrument id (an instrument YAML) -> responses file",
            example={"strategic_readiness": "readiness.csv"},
            kind=FILES,
        ),
    )
    instruments_dir: ClientPath | None = Field(
        None,
        **meta(
            "folder of extra instrument YAML files inside the client's folder (default: data/instruments)",
            example="instruments",
            kind=FOLDER,
        ),
    )
    kpi_panel_path: ClientPath | None = Field(
        None,
        **meta(
            "optional: rep-period activity panel for the KPI gaming check",
            example="kpi_panel.csv",
            kind=FILE,
        ),
    )
    kpi_targets_path: ClientPath | None = Field(
        None,
        **meta(
            "optional: KPI targets (metric, start_period, scope)",
            example="kpi_targets.csv",
            kind=FILE,
        ),
    )


class EvaluationPlan(StudyParameters):
    """Study 4: the measurement plan before rollout: power, break-even and the smallest design."""

    reps_path: ClientPath | None = Field(
        None,
        **meta(
            "optional baseline: one row per rep, with training_start (blank: untrained)",
            example="reps.csv",
            kind=FILE,
        ),
    )
    panel_path: ClientPath | None = Field(
        None,
        **meta(
            "optional baseline: rep-period panel with the plan's primary outcome; its untrained "
            "rows give the outcome's variation (else plan.assumptions)",
            example="panel.csv",
            kind=FILE,
        ),
    )
    power_target: Share = Field(
        0.8, **meta("power the design should reach", example=0.8, unit="share")
    )
    n_resamples: int = Field(
        1000,
        ge=100,
        le=20_000,
        **meta("simulated rollouts of the planned design", example=1000, unit="draws"),
    )
    seed: int = Field(SEED, **meta("seed of the simulated rollouts", example=SEED))


#: Study name -> its parameter model. A study is a notebook with the same name.
STUDIES: dict[str, type[StudyParameters]] = {
    "org_effectiveness": OrgEffectiveness,
    "training_impact": TrainingImpact,
    "readiness_alignment": ReadinessAlignment,
    "evaluation_plan": EvaluationPlan,
}


def kind(model: type[StudyParameters], name: str) -> str:
    """Return the ``kind`` a parameter model declares for one field.

    Parameters
    ----------
    model : type[StudyParameters]
        A study's parameter model.
    name : str
        One of its fields.

    Returns
    -------
    str
        The field's ``kind`` (``"file"``, ``"folder"``, ...) from its JSON schema extra,
        or ``""`` when it declares none.
    """
    extra = model.model_fields[name].json_schema_extra
    return str(extra.get("kind", "")) if isinstance(extra, dict) else ""


def file_fields(model: type[StudyParameters]) -> list[str]:
    """Names of the parameters that name files or folders of the client."""
    return [name for name in model.model_fields if kind(model, name)]


def _example(model: type[StudyParameters], name: str) -> str:
    import json

    extra = model.model_fields[name].json_schema_extra if name in model.model_fields else None
    if isinstance(extra, dict) and "example" in extra:
        return json.dumps(extra["example"])
    return ""


def problems_of(error: ValidationError, model: type[StudyParameters], where: str) -> list[str]:
    """Return one message per failed parameter: the key, what was expected, an example.

    An unknown key gets a "did you mean" (:func:`analysis.core.validation.problems_of`).
    """
    fields = list(model.model_fields)

    def unknown(_parent: tuple[str | int, ...], name: str) -> str:
        return (
            f"unknown parameter {name!r}{did_you_mean(name, fields)}; this study takes: "
            f"{', '.join(fields)}."
        )

    def example(loc: tuple[str | int, ...]) -> str:
        name = str(loc[0]) if loc else "?"
        shown = _example(model, name)
        return f"{name}: {shown}" if shown else ""

    return core_problems(error, where, unknown=unknown, example=example)


def check_parameters(study: str, values: dict[str, Any], where: str) -> StudyParameters:
    """Return the study's parameters checked against its model.

    Raises
    ------
    ConfigError
        Every problem at once (see :func:`problems_of`).
    """
    model = STUDIES[study]
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise ConfigError(problems_of(error, model, where)) from None


def resolve_files(
    params: StudyParameters, folder: Path, where: str
) -> tuple[dict[str, Any], list[str]]:
    """Every file parameter resolved inside ``folder``: (name -> Path or {key: Path}, problems)."""
    found: dict[str, Any] = {}
    problems: list[str] = []
    model = type(params)
    for name in file_fields(model):
        value = getattr(params, name)
        if value is None:
            continue
        try:
            if kind(model, name) == FILES:
                group = {}
                for key, relative in value.items():
                    try:
                        group[key] = resolve_path(
                            folder, relative, name=f"{name}.{key}", where=where
                        )
                    except ConfigError as error:
                        problems += error.problems
                found[name] = group
            else:
                found[name] = resolve_path(
                    folder, value, name=name, where=where, directory=kind(model, name) == FOLDER
                )
        except ConfigError as error:
            problems += error.problems
    return found, problems


if __name__ == "__main__":  # pragma: no cover - writes the parameters cells
    from analysis.clients.parameter_docs import write_parameters_cells

    write_parameters_cells()
