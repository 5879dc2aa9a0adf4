"""The parts the codebook's models are built from (:mod:`analysis.ingest.rules.model` and
:mod:`analysis.ingest.rules.event_models`).

Field metadata (a key's description and an example as YAML writes it), the strict base
every model derives from (exact YAML types, no unknown key), the value types YAML gives
(:data:`Scalar`, :data:`Sheet`, :data:`OneOrMore`, :data:`Programme`, :data:`Share`),
the two fields that take two shapes (:data:`NameColumns`, :data:`DateFormat`) and
:class:`Source`, which a table and ``from_completions`` both take. ``_checked`` runs a
rule's own checker after its types, so the checker's message names the rule's form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

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
    model_validator,
)

from analysis.ingest.read.sources import CodebookError
from analysis.ingest.read.stacking import is_stacked, source_files, stack_parts

__all__ = [
    "DateFormat",
    "NameColumns",
    "NamedFormat",
    "Names",
    "OneOrMore",
    "Programme",
    "Scalar",
    "Share",
    "Sheet",
    "Source",
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
