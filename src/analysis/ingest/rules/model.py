"""The codebook as a typed model: every rule a table takes, its shape and what it does.

``codebook.yml`` (see :mod:`analysis.ingest.codebook` for the format with examples) is one
:class:`Codebook`: one :class:`CodebookTable` per table, with one model per rule whose
shape is more than a mapping (:class:`Source`, :class:`DropRule`, :class:`Aggregate`,
:class:`Unit`, ...). Every model refuses keys it does not know: a misspelt rule would
otherwise be ignored. The parts the models share live in
:mod:`analysis.ingest.rules.fields`, the models of the event rules (``match``,
``from_completions``, ``from_deals``) in :mod:`analysis.ingest.rules.event_models`; both
are imported here, so every model of the codebook can be named from this module.

What types cannot say (exactly one test per drop rule, a currency that is an ISO 4217
code, a rule that does not combine with another) the rules' own checkers say, called
by the models' validators: :func:`~analysis.ingest.rules.drops.check_drop_rule`,
:func:`~analysis.ingest.rules.aggregate.check_aggregate`,
:func:`~analysis.ingest.rules.units.check_units`,
:func:`~analysis.ingest.rules.money.check_money_rules`,
:func:`~analysis.ingest.rules.pseudonyms.check_rep_ids` and
:func:`~analysis.ingest.events.rules.check_event_rules`. A ``CHECK`` placeholder left by
``workbench draft-codebook`` is named before anything else.

Checking a whole codebook, and turning the models' errors into the workbench's messages,
is :mod:`analysis.ingest.rules.checks`' (:func:`~analysis.ingest.rules.checks.check_codebook`).
The field descriptions document the codebook
(:func:`~analysis.ingest.rules.checks.rules_reference`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from analysis.ingest.events.rules import check_event_rules, is_event_table
from analysis.ingest.read.sources import CodebookError
from analysis.ingest.rules.aggregate import check_aggregate
from analysis.ingest.rules.drops import check_drop_rule
from analysis.ingest.rules.event_models import FromCompletions, FromDeals, Match, Periods
from analysis.ingest.rules.fields import (
    DateFormat,
    NameColumns,
    NamedFormat,
    Names,
    Scalar,
    Source,
    _checked,
    _doc,
    _Strict,
    _where,
)
from analysis.ingest.rules.money import check_money_rules
from analysis.ingest.rules.pseudonyms import check_rep_ids
from analysis.ingest.rules.units import check_named_format, check_units

__all__ = [
    "TABLE_KEYS",
    "Aggregate",
    "Codebook",
    "CodebookTable",
    "DropRule",
    "FromCompletions",
    "FromDeals",
    "LineTypes",
    "Match",
    "MultiSelect",
    "NamedFormat",
    "Names",
    "NumberFormat",
    "Periods",
    "RepIds",
    "Source",
    "Unit",
]


class DropRule(_Strict):
    """One ``drop_rows`` entry: a raw column and exactly one test
    (:mod:`analysis.ingest.rules.drops`)."""

    column: str = Field(**_doc("the raw column, as the file names it", "Status"))
    equals: Scalar | None = Field(
        None, **_doc("drop the rows whose cell is this text", "Survey Preview")
    )
    blank: Literal[True] | None = Field(None, **_doc("drop the rows whose cell is blank", "true"))
    below: float | None = Field(None, **_doc("drop the rows whose number is below this", "0.5"))
    above: float | None = Field(None, **_doc("drop the rows whose number is above this", "7200"))

    @model_validator(mode="wrap")
    @classmethod
    def _one_test(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        return _checked(value, handler, lambda rule: check_drop_rule(rule, _where(info)))


class MultiSelect(_Strict):
    """One delimited column, split into a true/false column per option."""

    separator: str | None = Field(None, **_doc("what separates the options (default ',')", "';'"))
    options: dict[str, str] = Field(
        min_length=1,
        **_doc(
            "each option's text -> its true/false column (two options may share one)",
            "{Mobile learning: tool_mobile_learning}",
        ),
    )


class NumberFormat(_Strict):
    """How a column's numbers are written, and the rates of a column in several currencies
    (:mod:`analysis.ingest.rules.money`)."""

    decimal: Literal[".", ","] | None = Field(None, **_doc("the column's decimal mark", "','"))
    currency: str | None = Field(
        None, **_doc("the ISO 4217 code the column is converted to", "GBP")
    )
    rates: dict[str, float] | None = Field(
        None, **_doc("each other currency's rate (currency per other)", "{EUR: 0.85}")
    )


class Unit(_Strict):
    """What a measured column holds, for the reports (:mod:`analysis.ingest.rules.units`)."""

    unit: Literal["money", "count", "rate", "score", "number"] = Field(
        **_doc("money, count, rate (a share 0-1), score or number", "money")
    )
    currency: str | None = Field(None, **_doc("unit money: its ISO 4217 code", "GBP"))
    label: str | None = Field(None, **_doc("what the reports call it", "deals won"))
    scale: list[float] | None = Field(
        None, **_doc("unit score: its lowest and highest", "[0, 100]")
    )


class LineTypes(_Strict):
    """Which kinds of raw row count towards an ``aggregate``."""

    column: str = Field(**_doc("the column telling the rows apart", "FArt"))
    include: list[Scalar] | None = Field(None, **_doc("only these types count", "[F2, G2]"))
    exclude: list[Scalar] | None = Field(None, **_doc("all types but these count", "[S1]"))


class Aggregate(_Strict):
    """Several raw rows per key combined into one (:mod:`analysis.ingest.rules.aggregate`)."""

    by: list[str] = Field(**_doc("the key: one output row per value (pair)", "[rep_id, period]"))
    sum: list[str] | None = Field(None, **_doc("columns added up (money, counts)", "[revenue]"))
    same: list[str] | None = Field(None, **_doc("columns with one value per key", "[team]"))
    earliest: list[str] | None = Field(
        None, **_doc("columns taking their smallest value (a first period)", "[training_start]")
    )
    line_types: LineTypes | None = Field(
        None, **_doc("which kinds of row count", "{column: FArt, include: [F2, G2]}")
    )

    @model_validator(mode="wrap")
    @classmethod
    def _one_rule_each(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        return _checked(value, handler, lambda rule: check_aggregate(rule, _where(info)))


class RepIds(_Strict):
    """A pseudonymous ``rep_id`` made from people's names (:mod:`analysis.ingest.rules.pseudonyms`)."""

    from_: NameColumns = Field(
        alias="from",
        **_doc("the column of names, or {first: ..., last: ...}", "Sales rep"),
    )
    key: Literal["name"] | None = Field(None, **_doc("what the ids are made from: name", "name"))

    @model_validator(mode="wrap")
    @classmethod
    def _from_names(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        table = (info.context or {}).get("table", "?")
        return _checked(value, handler, lambda rule: check_rep_ids({"rep_ids": rule}, table))


class CodebookTable(_Strict):
    """One table of ``imported/``: its source and the rules applied to it, in this order."""

    source: Source = Field(
        **_doc("the raw file(s) and how to read them", "{file: export.csv, format: csv}")
    )
    drop_rows: list[DropRule] | None = Field(
        None,
        **_doc(
            "rows that are not usable responses, one test per entry (raw names)",
            "[{column: Status, equals: Survey Preview}]",
        ),
    )
    keep_rows: dict[str, list[Scalar]] | None = Field(
        None,
        **_doc(
            "a column -> the values whose rows are kept",
            "{Job Profile: [Account Executive, Senior Account Executive]}",
        ),
    )
    rename: dict[Scalar, str] | None = Field(
        None, **_doc("raw column -> contract column", "{ResponseId: respondent_id, Q2: industry}")
    )
    values: dict[str, Annotated[dict[Scalar, Scalar], Field(min_length=1)]] | None = Field(
        None,
        **_doc(
            "per column: source value -> contract value", "{effectiveness: {'1': not effective}}"
        ),
    )
    multi_select: dict[str, MultiSelect] | None = Field(
        None,
        **_doc(
            "one delimited column -> one true/false column per option",
            "{Q7: {separator: ',', options: {Mobile learning: tool_mobile_learning}}}",
        ),
    )
    flags: dict[str, str] | None = Field(
        None,
        **_doc(
            "per-option column -> true/false column (any answer true, blank false)",
            "{Q7_1: tool_mobile_learning}",
        ),
    )
    dates: dict[str, DateFormat] | None = Field(
        None,
        **_doc(
            "per column: a strftime format or a named format; stored as 2025-03",
            "{period: '%m/%Y', training_start: {format: excel_serial}}",
        ),
    )
    numbers: dict[str, NumberFormat] | None = Field(
        None,
        **_doc(
            "per column: its decimal mark, or its currency and rates",
            "{amount: {decimal: ','}, revenue: {currency: GBP, rates: {EUR: 0.85}}}",
        ),
    )
    units: dict[str, Unit] | None = Field(
        None,
        **_doc(
            "what each measured column holds (reports name it)",
            "{revenue: {unit: money, currency: GBP}, wins: {unit: count}}",
        ),
    )
    text: list[str] | None = Field(
        None, **_doc("columns kept as text though they look numeric", "[zip_code]")
    )
    case: dict[str, Literal["upper", "lower"]] | None = Field(
        None, **_doc("ids written in one case: upper or lower", "{rep_id: upper}")
    )
    row_ids: str | None = Field(
        None, **_doc("a column of row ids made for a tool that gives none", "respondent_id")
    )
    identical_rows: Literal["error", "drop", "keep"] | None = Field(
        None, **_doc("rows alike in every kept column: error (default), drop or keep", "drop")
    )
    keep: list[str] | None = Field(
        None,
        **_doc("the columns kept, in order (with those rename maps)", "[respondent_id, industry]"),
    )
    aggregate: Aggregate | None = Field(
        None,
        **_doc("several rows per key combined into one", "{by: [rep_id, period], sum: [revenue]}"),
    )
    match: Match | None = Field(
        None,
        **_doc("this table is the roster: how other files name its reps", "{email: Work Email}"),
    )
    from_completions: FromCompletions | None = Field(
        None,
        **_doc(
            "training_start from an LMS export (with match)",
            "{learner: User ID, course: Title, programme: {titles: [VSF]}, date: Completed}",
        ),
    )
    from_deals: FromDeals | None = Field(
        None,
        **_doc(
            "the panel from a CRM export of deals",
            "{owner: Owner Email, close_date: Close Date, stage: Stage, won: [Closed Won], amount: Amount}",
        ),
    )
    add_reps_from: str | None = Field(
        None,
        **_doc(
            "the panel's reps a list of the trained lacks, added untrained (a table above)", "panel"
        ),
    )
    rep_ids: RepIds | None = Field(
        None, **_doc("a pseudonymous rep_id from people's names", "{from: Sales rep, key: name}")
    )

    @field_validator("keep_rows", mode="wrap")
    @classmethod
    def _kept_values(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        def check(rows: Any) -> None:
            if rows is not None and (
                not isinstance(rows, dict)
                or not all(isinstance(v, list) and v for v in rows.values())
            ):
                raise CodebookError(
                    f"{_where(info)}: keep_rows maps a column to the values whose rows are kept, "
                    "e.g. {Job Profile: [Account Executive, Senior Account Executive]}."
                )

        return _checked(value, handler, check)

    @field_validator("dates", mode="wrap")
    @classmethod
    def _readable_dates(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        return _checked(value, handler, lambda dates: _check_dates(dates, _where(info)))

    @field_validator("units", mode="wrap")
    @classmethod
    def _known_units(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        return _checked(value, handler, lambda units: check_units(units, _where(info)))

    @model_validator(mode="wrap")
    @classmethod
    def _whole_table(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        where = _where(info)
        left = _placeholders(value)
        if left:
            raise CodebookError(
                f"{where}: the drafted codebook still has {len(left)} CHECK placeholder(s) "
                f"({'; '.join(left[:3])}); replace each with the column or value it should be, "
                "or remove the line."
            )
        if not isinstance(value, dict):
            raise CodebookError(
                f"{where}: must be a mapping with source: {{file: ...}} and its rules, not {value!r}."
            )
        table = handler(value)
        _check_combined(value, str((info.context or {}).get("table", "?")))
        return table


#: The rules a codebook table may hold (anything else is refused, not ignored).
TABLE_KEYS = tuple(CodebookTable.model_fields)


class Codebook(_Strict):
    """``codebook.yml``: the tables ``workbench import`` writes to ``imported/``, in order."""

    tables: dict[str, CodebookTable] = Field(
        **_doc("output name -> its source and rules (imported/<name>.parquet)", "{survey: {...}}")
    )


def _placeholders(node: Any, path: str = "") -> list[str]:
    """Keys and values still marked CHECK by `workbench draft-codebook`."""
    if isinstance(node, dict):
        found = [f"{path}{k}" for k in node if str(k).startswith("CHECK")]
        for key, value in node.items():
            found += _placeholders(value, f"{path}{key}.")
        return found
    if isinstance(node, list):
        return [p for i, item in enumerate(node) for p in _placeholders(item, f"{path}{i}.")]
    return (
        [f"{path.rstrip('.')}: {node}"]
        if isinstance(node, str) and node.startswith("CHECK")
        else []
    )


def _check_dates(dates: Any, where: str) -> None:
    """Each ``dates`` entry: a format strftime reads, or a named format with what it needs."""
    if not isinstance(dates, dict):
        return
    for column, fmt in dates.items():
        if isinstance(fmt, dict):
            check_named_format(fmt, f"{where}: dates.{column}")
            continue
        try:
            ok = isinstance(fmt, str) and "%" in fmt
            if ok:
                pd.to_datetime(pd.Series(["2025-01-01"]), format=fmt, errors="coerce")
        except ValueError:
            ok = False
        if not ok:
            raise CodebookError(
                f"{where}: dates.{column} must be a date format such as '%m/%Y' or '%d.%m.%Y', "
                f"or {{format: excel_serial}} and the like, not {fmt!r}."
            )


def _check_combined(spec: dict, name: str) -> None:
    """What no single rule can say: rules that need or exclude each other."""
    where = f"codebook table {name}"
    if is_event_table(spec):
        check_event_rules(spec, name)
        if spec.get("aggregate") is not None:
            raise CodebookError(
                f"{where}: aggregate does not combine with match, from_deals or from_completions, "
                "which build their table from the rows themselves; use one or the other."
            )
    check_rep_ids(spec, name)  # rep_ids and a rename to rep_id
    check_money_rules(spec, where)  # a currency and its column's units
