"""A codebook checked against its model, before anything is read, and the model's errors
said in the workbench's words.

:func:`check_codebook` checks ``codebook.yml`` once, before any raw file is opened:
every table's name (:func:`check_table_name`) and its rules against
:class:`~analysis.ingest.rules.model.CodebookTable` (:func:`check_table_spec`). Every
problem becomes one line in the workbench's style
(:func:`analysis.core.validation.problems_of`), an unknown key with the closest known
one and the keys its place takes, a wrong value with an example::

    codebook table panel: unknown rule 'renmae' (did you mean 'rename'?); a table takes ...
    codebook table panel: aggregate: unknown key 'summ' (did you mean 'sum'?); it takes ...
    codebook table panel: drop_rows must be a list, not {...}; e.g. drop_rows: [...].

:func:`rules_reference` lists every rule and key from the models' field descriptions
(the end of :mod:`analysis.ingest.codebook`'s docstring is written from it).
"""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from analysis.core.validation import did_you_mean, key_path, problems_of
from analysis.ingest.read.sources import CodebookError
from analysis.ingest.rules.fields import _TAGS
from analysis.ingest.rules.model import TABLE_KEYS, Codebook, CodebookTable

__all__ = [
    "TABLE_KEYS",
    "TABLE_NAME",
    "check_codebook",
    "check_table_name",
    "check_table_spec",
    "rules_reference",
]

#: A codebook table's name: it becomes ``imported/<name>.parquet``.
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
