"""The codebook as a typed model: every rule a table takes, its shape and what it does.

``codebook.yml`` (see :mod:`analysis.ingest.codebook` for the format with examples) is
checked once, before any raw file is opened, by :func:`check_codebook`: one
:class:`CodebookTable` per table, with one model per rule whose shape is more than a
mapping (:class:`Source`, :class:`DropRule`, :class:`Aggregate`, :class:`Unit`, ...).
Every model refuses keys it does not know (a misspelt rule would otherwise be ignored),
and every problem becomes one line in the workbench's style
(:func:`analysis.core.validation.problems_of`)::

    codebook table panel: unknown rule 'renmae' (did you mean 'rename'?); a table takes ...
    codebook table panel: aggregate: unknown key 'summ' (did you mean 'sum'?); it takes ...
    codebook table panel: drop_rows must be a list, not {...}; e.g. drop_rows: [...].

What types cannot say (exactly one test per drop rule, a currency that is an ISO 4217
code, a rule that does not combine with another) the rules' own checkers say, called
by the models' validators: :func:`~analysis.ingest.rules.drops.check_drop_rule`,
:func:`~analysis.ingest.rules.aggregate.check_aggregate`,
:func:`~analysis.ingest.rules.units.check_units`,
:func:`~analysis.ingest.rules.money.check_money_rules`,
:func:`~analysis.ingest.rules.pseudonyms.check_rep_ids` and
:func:`~analysis.ingest.events.rules.check_event_rules`. A ``CHECK`` placeholder left by
``workbench draft-codebook`` is named before anything else.

The field descriptions document the codebook: :func:`rules_reference` lists them (the
end of :mod:`analysis.ingest.codebook`'s docstring is written from it).
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from analysis.core.validation import did_you_mean, key_path, problems_of
from analysis.ingest.events.rules import check_event_rules, is_event_table
from analysis.ingest.read.sources import CodebookError
from analysis.ingest.read.stacking import is_stacked, source_files, stack_parts
from analysis.ingest.rules.aggregate import check_aggregate
from analysis.ingest.rules.drops import check_drop_rule
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
    "check_codebook",
    "check_table_name",
    "check_table_spec",
    "rules_reference",
]


def _doc(help: str, example: str) -> dict[str, Any]:
    """Field metadata: what the key does (the description) and an example as YAML writes it."""
    return {"description": help, "json_schema_extra": {"example": example}}


def _where(info: ValidationInfo) -> str:
    """``codebook table <name>``, the start of every message (the name comes in the context)."""
    return f"codebook table {(info.context or {}).get('table', '?')}"


def _checked(
    value: Any, handler: ValidatorFunctionWrapHandler, check: Callable[[Any], object]
) -> Any:
    """Validate ``value`` by its types, then by ``check`` (a rule's own checker).

    Where the types fail for another reason than an unknown key, ``check`` still runs on
    the raw value first: its message names the rule's form (``drop_rows entry for column
    'score' has two tests``) better than a type could. A checker written for values of
    the right shape may stumble on another one; the types' message then stands.
    """
    try:
        result = handler(value)
    except ValidationError as error:
        if not any(item["type"] == "extra_forbidden" for item in error.errors()):
            try:
                check(value)
            except CodebookError:
                raise
            except Exception:  # noqa: BLE001, S110 - a checker fed the wrong shape: the types' message stands
                pass
        raise
    check(value)
    return result


def _one_of(test: Callable[[Any], bool], said: str) -> PlainValidator:
    """A validator accepting the values ``test`` accepts, otherwise saying what is expected."""

    def check(value: Any) -> Any:
        if not test(value):
            raise ValueError(f"must be {said}, not {value!r}")
        return value

    return PlainValidator(check)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


#: One value as YAML writes it: a text, a number or true/false.
Scalar = Annotated[
    str | int | float | bool, _one_of(_is_scalar, "a single value (a text or a number)")
]
#: A sheet by its name or its position (0 = the first).
Sheet = Annotated[
    str | int,
    _one_of(
        lambda v: isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool) and v >= 0),
        "a sheet's name or its position (0 = the first)",
    ),
]
#: A value or a list of values (``won: Closed Won`` or ``won: [Closed Won, Won]``).
OneOrMore = Annotated[
    str | list[str],
    _one_of(
        lambda v: _is_scalar(v) or (isinstance(v, list) and all(map(_is_scalar, v))),
        "a value or a list of values",
    ),
]
#: The test of a from_completions programme: titles, a list of them, or one of
#: ``{titles: [...]}``, ``{starts_with: ...}``, ``{pattern: ...}`` (checked by its rule).
Programme = Annotated[
    str | list[str] | dict[str, Any],
    _one_of(
        lambda v: _is_scalar(v) or isinstance(v, list | dict),
        "titles: [exact titles], starts_with: 'title start' or pattern: 'regular expression'",
    ),
]
Share = Annotated[float, Field(ge=0, le=1)]


class _Strict(BaseModel):
    """Base of every codebook model: exact types (YAML's, as the import reads them), no
    unknown key."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False)


class Names(_Strict):
    """A person's name in two columns."""

    first: str = Field(**_doc("the column of first names", "Prénom"))
    last: str = Field(**_doc("the column of last names", "Nom"))


def _by_shape(one: str, many: str) -> Discriminator:
    return Discriminator(lambda value: many if isinstance(value, dict) else one)


#: A column of full names, or two columns (``{first: ..., last: ...}``).
NameColumns = Annotated[
    Annotated[str, Tag("one column")] | Annotated[Names, Tag("two columns")],
    _by_shape("one column", "two columns"),
]


class NamedFormat(_Strict):
    """A period format strftime cannot read (:mod:`analysis.ingest.rules.units`)."""

    format: Literal["excel_serial", "month_name", "sap_period", "fiscal_quarter"] = Field(
        **_doc(
            "excel_serial (45230 = 2023-10), month_name (janv. 2025), sap_period "
            "(001.2025) or fiscal_quarter (FY25 Q1)",
            "excel_serial",
        )
    )
    fiscal_year_start: int | None = Field(
        None, **_doc("fiscal_quarter: the month the fiscal year starts, 1, 4, 7 or 10", "4")
    )
    fiscal_year_named: Literal["end", "start"] | None = Field(
        None,
        **_doc(
            "fiscal_quarter: whether FY24 names the fiscal year ending in 2024 (end, the "
            "default) or starting in 2024 (start)",
            "end",
        ),
    )
    special_periods: Literal["drop", "refuse"] | None = Field(
        None, **_doc("sap_period: the year-end periods 13-16 dropped or refused", "drop")
    )


#: A strftime format (``'%m/%Y'``) or a named format (``{format: excel_serial}``).
DateFormat = Annotated[
    Annotated[str, Tag("strftime format")] | Annotated[NamedFormat, Tag("named format")],
    _by_shape("strftime format", "named format"),
]
_TAGS = frozenset({"one column", "two columns", "strftime format", "named format"})


class Source(_Strict):
    """Where a table's rows come from and how to read them."""

    file: str | None = Field(
        None, **_doc("the raw file, inside the client's folder", "raw/export.csv")
    )
    files: list[str] | None = Field(
        None,
        **_doc("files with the same columns, stacked in the order listed", "[jan.csv, feb.csv]"),
    )
    format: Literal["csv", "qualtrics", "xlsx", "parquet"] | None = Field(
        None, **_doc("csv, qualtrics, xlsx or parquet (default: from the file)", "qualtrics")
    )
    questions: dict[str, str] | None = Field(
        None,
        **_doc(
            "qualtrics: the wording each question had when the codebook was written",
            "{Q2: Which industry is your company in?}",
        ),
    )
    sheet: Sheet | None = Field(None, **_doc("xlsx: the sheet, by name or position", "Activity"))
    sheets: list[Sheet] | None = Field(
        None, **_doc("xlsx: sheets with the same columns, stacked", "[North, South]")
    )
    sheet_column: str | None = Field(
        None, **_doc("with sheets: a column holding each row's sheet name", "region")
    )
    file_column: str | None = Field(
        None, **_doc("with files: a column holding each row's file name", "export")
    )
    header_row: int | None = Field(
        None, ge=1, **_doc("the header's row (default: found under any title rows)", "3")
    )
    decimal: Literal[".", ","] | None = Field(
        None, **_doc("the decimal mark of numbers written as text", "','")
    )
    encoding: str | None = Field(None, **_doc("a CSV file's encoding if not UTF-8", "cp1252"))

    @model_validator(mode="wrap")
    @classmethod
    def _readable(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        def check(source: Any) -> None:
            if not isinstance(source, dict):
                return
            if is_stacked(source):  # the stacking rules, before a sheet is read
                stack_parts(source, ", ".join(source_files(source)))
            elif source.get("file") is None:
                raise CodebookError(
                    f"{_where(info)}: source needs file: (or files: to stack several), e.g. "
                    "source: {file: export.csv, format: csv}."
                )

        return _checked(value, handler, check)


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


_KEY = _doc("how the file names the reps: id, email or name (default: guessed)", "email")
_PERIOD = _doc("month or quarter", "month")
_FORMATS = _doc("date formats, where day and month could be swapped", "{Close Date: '%m/%d/%Y'}")
_ALIASES = _doc("a person the file names differently -> the roster's id", "{Alex Novak: '25660'}")
_UNMATCHED = _doc("the largest share of people left unmatched (default 0.10)", "0.10")


class Match(_Strict):
    """The roster: how other files name its reps (:mod:`analysis.ingest.events`)."""

    id: str | None = Field(None, **_doc("a column of ids other files use", "Employee ID"))
    email: str | None = Field(None, **_doc("the e-mail column", "Work Email"))
    name: str | None = Field(None, **_doc("the name column", "Employee Name"))
    hired: str | None = Field(None, **_doc("first active month", "Hire Date"))
    left: str | None = Field(
        None, **_doc("last active month (blank = still there)", "Termination Date")
    )
    formats: dict[str, DateFormat] | None = Field(None, **_FORMATS)


class FromCompletions(_Strict):
    """``training_start`` from an LMS export: the period of each rep's first completion."""

    source: Source | None = Field(
        None, **_doc("the LMS export (default: the table's own)", "{file: lms.xlsx}")
    )
    learner: NameColumns = Field(
        **_doc("the learner column (or {first: ..., last: ...})", "User ID")
    )
    key: Literal["id", "email", "name"] | None = Field(None, **_KEY)
    aliases: dict[str, Scalar] | None = Field(None, **_ALIASES)
    course: str = Field(**_doc("the course title column", "Training Title"))
    programme: Programme = Field(
        **_doc(
            "which courses are the programme: titles, starts_with or pattern",
            "{starts_with: 'Value Selling:'}",
        )
    )
    status: str | None = Field(None, **_doc("the status column", "Status"))
    completed: OneOrMore | None = Field(
        None, **_doc("the statuses that count as completed", "[Completed]")
    )
    date: str = Field(**_doc("the completion date column", "Completion Date"))
    period: Literal["month", "quarter"] | None = Field(None, **_PERIOD)
    formats: dict[str, DateFormat] | None = Field(None, **_FORMATS)
    max_unmatched: Share | None = Field(None, **_UNMATCHED)


class Periods(_Strict):
    """The study window of a panel built from deals."""

    from_: Scalar | None = Field(None, alias="from", **_doc("the first period", "2024-01"))
    to: Scalar | None = Field(None, **_doc("the last period", "2025-12"))


class FromDeals(_Strict):
    """The rep-period panel from a CRM export, one row per deal."""

    roster: str | None = Field(
        None, **_doc("the roster table, listed above (default reps)", "reps")
    )
    owner: str = Field(**_doc("the deal owner column", "Owner Email"))
    key: Literal["id", "email", "name"] | None = Field(None, **_KEY)
    aliases: dict[str, Scalar] | None = Field(None, **_ALIASES)
    close_date: str = Field(**_doc("the close date column", "Close Date"))
    stage: str = Field(**_doc("the stage column", "Stage"))
    won: OneOrMore = Field(**_doc("the won stages (revenue and wins)", "[Closed Won]"))
    lost: OneOrMore | None = Field(
        None, **_doc("the lost stages (closed, not won)", "[Closed Lost]")
    )
    amount: str = Field(**_doc("the amount column", "Amount"))
    currency: str | None = Field(None, **_doc("the amounts' ISO 4217 code", "USD"))
    currency_column: str | None = Field(
        None, **_doc("a column with each deal's currency", "Currency")
    )
    rates: dict[str, float] | None = Field(
        None, **_doc("each other currency's rate", "{CAD: 0.75}")
    )
    period: Literal["month", "quarter"] | None = Field(None, **_PERIOD)
    periods: Periods | None = Field(
        None, **_doc("the study window", "{from: 2024-01, to: 2025-12}")
    )
    formats: dict[str, DateFormat] | None = Field(None, **_FORMATS)
    max_unmatched: Share | None = Field(None, **_UNMATCHED)


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


TABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def check_table_name(name: Any) -> None:
    """Refuse a codebook table name that is not a plain file name inside ``imported/``.

    The name becomes ``imported/<name>.parquet``, so a name with a path separator or
    ``..`` would write into another folder (another client's, or the reports). Names
    start with a letter and hold letters, digits, ``_`` and ``-`` (at most 64).

    Parameters
    ----------
    name : Any
        A key of ``tables:``, as YAML read it.

    Raises
    ------
    CodebookError
        A name still marked CHECK by ``draft-codebook``, or one that is not a plain name.
    """
    text = str(name)
    if text.startswith("CHECK"):
        raise CodebookError(
            f"codebook table {text}: the drafted codebook still names this table CHECK...; "
            "rename it to what the table holds (survey, reps, panel, costs, ...)."
        )
    if not isinstance(name, str) or not TABLE_NAME.fullmatch(name):
        raise CodebookError(
            f"codebook table name {text!r} is not a plain name: it becomes imported/<name>.parquet, "
            "so use letters, digits, _ and - only, starting with a letter (e.g. panel, reps_2025)."
        )


def check_table_spec(spec: Any, name: str) -> CodebookTable:
    """Return one codebook table checked against :class:`CodebookTable`.

    Parameters
    ----------
    spec : Any
        The table's entry under ``tables:``, as YAML read it.
    name : str
        The table's name (messages start ``codebook table <name>``).

    Returns
    -------
    CodebookTable
        The table's rules, typed.

    Raises
    ------
    CodebookError
        Every problem at once, one line each: a CHECK placeholder, an unknown rule or
        key (with the closest known one), a value of the wrong type or form.
    """
    try:
        return CodebookTable.model_validate(spec, context={"table": name})
    except ValidationError as error:
        raise CodebookError(
            problems_of(
                error, f"codebook table {name}", unknown=_unknown, example=_example, skip=_TAGS
            )
        ) from None


def check_codebook(codebook: Any) -> Codebook:
    """Return ``codebook.yml`` checked: every table's name and rules, before any file is read.

    Parameters
    ----------
    codebook : Any
        codebook.yml as YAML read it.

    Returns
    -------
    Codebook
        The tables, typed (none when codebook.yml lists none: the importer says so).

    Raises
    ------
    CodebookError
        Every problem of every table at once, one line each.
    """
    if not isinstance(codebook, dict):
        raise CodebookError(
            f"codebook.yml must be a mapping with tables: (output name -> source and rules), "
            f"not {type(codebook).__name__}."
        )
    problems = [
        f"codebook.yml: unknown key {key!r}{did_you_mean(str(key), Codebook.model_fields)}; "
        "a codebook takes tables."
        for key in codebook
        if key not in Codebook.model_fields
    ]
    tables: dict[str, CodebookTable] = {}
    listed = codebook.get("tables")
    for name, spec in (listed if isinstance(listed, dict) else {}).items():
        try:
            check_table_name(name)
            tables[name] = check_table_spec(spec, name)
        except CodebookError as error:
            problems += error.problems
    if problems:
        raise CodebookError(problems)
    return Codebook.model_construct(tables=tables)


# --------------------------------------------------------------------------- messages


def _bare(node: Any) -> Any:
    """A field's type without ``Annotated`` and ``None``: the model, list or dict inside."""
    while True:
        if typing.get_origin(node) is Annotated:
            node = typing.get_args(node)[0]
        elif typing.get_origin(node) in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(node) if a is not type(None)]
            models = [m for m in members if _model(_bare(m))]
            node = models[0] if models else members[0]
        else:
            return node


def _model(node: Any) -> type[BaseModel] | None:
    return node if isinstance(node, type) and issubclass(node, BaseModel) else None


def _walk(loc: tuple[str | int, ...]) -> tuple[Any, tuple[str, FieldInfo] | None]:
    """The type at ``loc`` in a table, and the last model field passed on the way."""
    node: Any = CodebookTable
    last = None
    for part in loc:
        node = _bare(node)
        model = _model(node)
        if model is not None:
            fields = {f.alias or n: f for n, f in model.model_fields.items()}
            if part not in fields:
                return None, last
            last = (str(part), fields[str(part)])
            node = fields[str(part)].annotation
        elif typing.get_origin(node) in (list, dict):
            node = typing.get_args(node)[-1]
        else:
            return None, last
    return _bare(node), last


def _unknown(parent: tuple[str | int, ...], key: str) -> str:
    model = _model(_walk(parent)[0])
    keys = [f.alias or n for n, f in model.model_fields.items()] if model else []
    hint = did_you_mean(key, keys)
    if not parent and key == "formats":  # it belongs to the rule that reads the dates
        hint = (
            " (formats: goes inside match:, from_completions: or from_deals:, e.g. from_deals: "
            "{..., formats: {Close Date: '%d-%b-%Y'}}; a plain table reads dates with dates:)"
        )
    if not parent:
        return (
            f"unknown rule {key!r}{hint}; a table takes {', '.join(keys)}. An unknown rule would "
            "be ignored, so the import stops."
        )
    return f"{key_path(parent)}: unknown key {key!r}{hint}; it takes {', '.join(keys)}."


def _example(loc: tuple[str | int, ...]) -> str:
    last = _walk(loc)[1]
    if last is None:
        return ""
    extra = last[1].json_schema_extra
    example = extra.get("example") if isinstance(extra, dict) else None
    return f"{last[0]}: {example}" if example else ""


# --------------------------------------------------------------------------- documentation


def rules_reference(
    model: type[BaseModel] = CodebookTable, indent: str = "", depth: int | None = None
) -> str:
    """Return the rules of a codebook table as text, from the models' field descriptions.

    Parameters
    ----------
    model : type[BaseModel], optional
        The model to describe (default: a whole table).
    indent : str, optional
        Put before each line (the keys of a rule are indented under it).
    depth : int, optional
        How many levels to list (1: the rules alone); default all.

    Returns
    -------
    str
        One line per key, ``key: what it does; e.g. example``, a rule's own keys
        indented under it.
    """
    lines = []
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra
        example = extra.get("example") if isinstance(extra, dict) else None
        needed = " (required)" if field.is_required() else ""
        lines.append(
            f"{indent}{field.alias or name}{needed}: {field.description}"
            + (f"; e.g. {example}" if example else "")
        )
        inner = _bare(field.annotation)
        if typing.get_origin(inner) in (list, dict):
            inner = _bare(typing.get_args(inner)[-1])
        if _model(inner) is not None and inner is not model and depth != 1:
            lines.append(
                rules_reference(inner, indent + "    ", None if depth is None else depth - 1)
            )
    return "\n".join(lines)
