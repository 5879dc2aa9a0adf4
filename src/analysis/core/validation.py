"""pydantic's validation errors as the workbench's messages: one line per problem.

A user edits client.yml or codebook.yml by hand; pydantic's own text ("Input should be a
valid list [type=list_type, ...]") is written for programmers. :func:`problems_of` turns
each error of a :class:`pydantic.ValidationError` into one line that names the file (or
table), the key path, what was expected, what was found and an example, with a "did you
mean" for a misspelt key (:func:`did_you_mean`). The models' own checks raise an
:class:`~analysis.core.errors.InputError` whose lines are kept as they are.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from analysis.core.errors import InputError

__all__ = ["did_you_mean", "expected_of", "key_path", "problems_of", "shown"]

_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "string_type": "a text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "greater_than_equal": "a larger number",
}
_LONGEST = 80


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest of ``choices``, or ``""`` when none is close.

    Parameters
    ----------
    word : str
        The key or value the user wrote.
    choices : iterable of str
        What may be written there.

    Returns
    -------
    str
        The hint, starting with a space, ready to follow the quoted word.
    """
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def key_path(loc: Iterable[str | int]) -> str:
    """Return a key path as a user reads it: ``aggregate.sum``, ``drop_rows entry 2.column``.

    List positions (0-based in pydantic) are counted from 1, as a user counts the
    ``- `` lines of a YAML list.
    """
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f" entry {part + 1}"
        else:
            text += f".{part}" if text else str(part)
    return text.strip()


def shown(value: Any) -> str:
    """Return ``repr(value)``, cut to a readable length (a whole mapping can be long)."""
    text = repr(value)
    return text if len(text) <= _LONGEST else text[: _LONGEST - 3] + "..."


def expected_of(item: Mapping[str, Any]) -> str:
    """Return what one pydantic error says was expected, in words (``a list``, ``upper or lower``)."""
    kind = item["type"]
    ctx = item.get("ctx") or {}
    if kind == "greater_than_equal":
        return f"a number of at least {ctx['ge']}"
    if kind == "greater_than":
        return f"a number above {ctx['gt']}"
    if kind == "less_than_equal":
        return f"a number of at most {ctx['le']}"
    if kind == "less_than":
        return f"a number below {ctx['lt']}"
    if kind == "too_short":
        return f"at least {ctx['min_length']} entr{'y' if ctx['min_length'] == 1 else 'ies'}"
    if kind == "too_long":
        return f"at most {ctx['max_length']} entries"
    if kind == "literal_error":
        options = str(ctx["expected"]).replace("'", "")
        return options if options.count(" or ") == 1 and "," not in options else f"one of {options}"
    return _EXPECTED.get(kind, str(item["msg"]).lower())


def problems_of(
    error: ValidationError,
    where: str,
    *,
    unknown: Callable[[tuple[str | int, ...], str], str],
    example: Callable[[tuple[str | int, ...]], str] | None = None,
    skip: frozenset[str] = frozenset(),
) -> list[str]:
    """Return one message per problem: the key path, what was expected, what was found, an example.

    Parameters
    ----------
    error : pydantic.ValidationError
        What a model's validation raised.
    where : str
        The start of every message: the file, or the part of it (``codebook table panel``).
    unknown : callable
        ``unknown(parent, key)``: the sentence for a key the model does not take, given the
        path of the mapping holding it; it should name what the mapping takes and add
        :func:`did_you_mean`.
    example : callable, optional
        ``example(loc)``: an example of the value at ``loc``, as the user would write it
        (``by: [rep_id, period]``), or ``""``.
    skip : frozenset of str, optional
        Parts of an error's location that are not keys (the tags of a union's members).

    Returns
    -------
    list of str
        The messages, each once, in pydantic's order. An
        :class:`~analysis.core.errors.InputError` raised by a model's own check keeps
        its lines as they are.
    """
    messages: list[str] = []
    for item in error.errors(include_url=False):
        loc = tuple(part for part in item["loc"] if part not in skip)
        path = key_path(loc)
        kind = item["type"]
        cause = (item.get("ctx") or {}).get("error")
        if kind == "extra_forbidden":
            messages.append(f"{where}: {unknown(loc[:-1], str(loc[-1]))}")
            continue
        if isinstance(cause, InputError):
            messages += cause.problems
            continue
        if kind in ("value_error", "assertion_error"):
            text = str(item["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
            messages.append(
                f"{where}: {f'{path} ' if path else ''}{text}"
                + ("" if text.endswith(("?", ".")) else ".")
            )
            continue
        sample = example(loc) if example else ""
        if kind == "missing":
            said = f"{path} is missing"
        else:
            verb = "must have" if kind in ("too_short", "too_long") else "must be"
            said = f"{path or 'it'} {verb} {expected_of(item)}, not {shown(item.get('input'))}"
        messages.append(f"{where}: {said}" + (f"; e.g. {sample}" if sample else "") + ".")
    return list(dict.fromkeys(messages))
