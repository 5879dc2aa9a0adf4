r"""The one reader of the YAML and JSON files a user writes or keeps: strict and bounded.

Every ``client.yml``, ``plan.yml``, ``codebook.yml``, instrument file and record
(``plan.frozen.json``, ``imported/import_record.json``) is read here, so one client's
broken file fails that client with one clear :class:`~analysis.core.errors.ConfigError`
(or the error class the caller names) and never stops the others. A file is refused
when it

* is a symbolic link that leads out of the folder it must stay in (``inside=``);
* is larger than ``max_bytes`` or not UTF-8 text;
* nests deeper than :data:`MAX_DEPTH` (3,000 brackets would exhaust Python's stack);
* uses YAML anchors or aliases (a 2 KB "billion laughs" file expands to gigabytes);
* gives a key twice, or uses a list, a mapping or a set as a key;
* uses ``!!set``, ``!!omap``, ``!!pairs`` or ``!!binary`` (a plain list or mapping says the same);
* holds an escaped lone surrogate such as ``"\udc80"``, which is not a character and
  cannot be written to a UTF-8 report or index;
* (JSON) holds ``NaN`` or ``Infinity``, which JSON does not have.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import yaml

from analysis.core.errors import ConfigError, InputError

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "link_outside",
    "parse_json",
    "parse_yaml",
    "read_json",
    "read_text",
    "read_yaml",
]

#: Largest YAML file read (bytes): a client.yml or an instrument is a few kilobytes.
MAX_BYTES = 256 * 1024

#: Deepest nesting of lists and mappings accepted; the deepest real file (a freeze
#: record's earlier plans) nests 7 levels.
MAX_DEPTH = 32

_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[^\[\]{}]+")
_REFUSED_TAGS = {
    "tag:yaml.org,2002:set": "a set",
    "tag:yaml.org,2002:omap": "an ordered map",
    "tag:yaml.org,2002:pairs": "a list of pairs",
    "tag:yaml.org,2002:binary": "binary data",
}

ErrorType = Callable[[str], InputError]


class _Refused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _surrogate_message(line: int) -> str:
    return (
        f"line {line}: the text holds an escaped code such as \\udc80 that is not a character "
        "(a byte that is not UTF-8, escaped); retype the text or save the file as UTF-8"
    )


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader refusing anchors, aliases, deep nesting, duplicate or compound keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(
                f"line {line}: anchors and aliases (&name, *name) are not allowed; "
                "write each value out"
            )
        tag = getattr(event, "tag", None)
        if tag in _REFUSED_TAGS:
            raise _Refused(
                f"line {line}: {tag.replace('tag:yaml.org,2002:', '!!')} ({_REFUSED_TAGS[tag]}) "
                "is not allowed; write a plain list or mapping"
            )
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    f"line {line}: lists and mappings are nested more than {MAX_DEPTH} deep; "
                    "a configuration needs a few levels, so look for unclosed or repeated brackets"
                )
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)

    def construct_scalar(self, node: yaml.ScalarNode | yaml.MappingNode) -> str:
        value = super().construct_scalar(node)
        if isinstance(value, str) and _SURROGATE.search(value):
            raise _Refused(_surrogate_message(node.start_mark.line + 1))
        return value

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    f"line {line}: a key must be a plain name, not a list, a mapping or a set"
                )
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise _Refused(
                    f"key {key!r} is given twice (lines {seen[key]} and {line}); keep one"
                )
            seen[key] = line
        return super().construct_mapping(node, deep)


def link_outside(path: Path, folder: Path) -> Path | None:
    """Where ``path`` really is when a symbolic link takes it out of ``folder``; else None.

    Parameters
    ----------
    path : Path
        The path to check.
    folder : Path
        The folder it must stay in.

    Returns
    -------
    Path or None
        The resolved target when a link leads out of ``folder``, else None.
    """
    target = Path(path).resolve()
    root = Path(folder).resolve()
    return None if target == root or root in target.parents else target


def read_text(
    path: Path,
    where: str,
    *,
    max_bytes: int = MAX_BYTES,
    error: ErrorType = ConfigError,
    inside: Path | None = None,
    what: str | None = None,
) -> str:
    """Return a small text file as UTF-8, refused when too large, not UTF-8 or a link out of ``inside``.

    Parameters
    ----------
    path : Path
        The file.
    where : str
        How messages name it.
    max_bytes : int, default MAX_BYTES
        Largest size read.
    error : type, default ConfigError
        The :class:`~analysis.core.errors.InputError` subclass raised.
    inside : Path, optional
        A folder the file must really be in.
    what : str, optional
        What the file is, for the size message.

    Returns
    -------
    str
        The text.

    Raises
    ------
    InputError
        Of class ``error``: too large, not UTF-8, or a link out of ``inside``.
    """
    path = Path(path)
    if inside is not None:
        target = link_outside(path, inside)
        if target is not None:
            raise error(
                f"{where} is a symbolic link to {target}, outside {Path(inside).name}/; nothing "
                f"is read through a link out of the folder. Put a copy of the file in its place "
                f"(cp --remove-destination {target} {where})."
            )
    size = path.stat().st_size
    if size > max_bytes:
        what = what or Path(where).name
        raise error(
            f"{where} is {size:,} bytes; a {what} is at most {max_bytes:,} bytes. "
            f"Keep data in the data files, not in {what}."
        )
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as problem:
        raise error(
            f"{where} is not UTF-8 text (byte {problem.start}); save it as UTF-8."
        ) from None


def parse_yaml(text: str, where: str, *, error: ErrorType = ConfigError) -> Any:
    """YAML text parsed strictly (see the module docstring).

    Parameters
    ----------
    text : str
        The YAML text.
    where : str
        How messages name the text's source.
    error : type, default ConfigError
        The :class:`~analysis.core.errors.InputError` subclass raised.

    Returns
    -------
    Any
        The parsed value.

    Raises
    ------
    InputError
        Of class ``error``, naming the line and the fix.
    """
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except _Refused as problem:
        raise error(f"{where}: {problem.message}.") from None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        reason = getattr(problem, "problem", None) or str(problem).splitlines()[0]
        raise error(f"{where} is not valid YAML{at}: {reason}.") from None
    except RecursionError:  # not reached with MAX_DEPTH; kept as the last line of defence
        raise error(f"{where}: nested too deeply to read.") from None


def read_yaml(
    path: Path,
    where: str,
    *,
    max_bytes: int = MAX_BYTES,
    error: ErrorType = ConfigError,
    inside: Path | None = None,
    what: str | None = None,
) -> Any:
    """Read and parse a small YAML file strictly.

    Parameters
    ----------
    path : Path
        The file.
    where : str
        How messages name it (``data/clients/<id>/client.yml``).
    max_bytes : int
        Largest size read.
    error : callable
        The :class:`~analysis.core.errors.InputError` subclass raised (default ConfigError).
    inside : Path, optional
        A folder the file must really be in: a symbolic link out of it is refused
        before anything is read.
    what : str, optional
        What the file is, for the size message (default: its name).

    Returns
    -------
    Any
        The parsed value.

    Raises
    ------
    InputError
        Of class ``error``: every refusal of the module docstring, one line naming the
        file, the line and the fix.
    """
    text = read_text(path, where, max_bytes=max_bytes, error=error, inside=inside, what=what)
    return parse_yaml(text, where, error=error)


def _json_depth(text: str) -> int:
    """Return the deepest bracket nesting of JSON text (brackets inside strings ignored)."""
    depth = deepest = 0
    for char in _BRACKETS.sub("", _JSON_STRING.sub("", text)):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise _Refused(f"key {twice[0]!r} is given twice; keep one")
    return dict(pairs)


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number JSON has; write a number or null")


def _check_strings(value: Any) -> None:
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise _Refused("a text holds an escaped code such as \\udc80 that is not a character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def parse_json(text: str, where: str, *, error: ErrorType = ConfigError) -> Any:
    """JSON text parsed strictly: bounded nesting, no duplicate keys, NaN or surrogates.

    Parameters
    ----------
    text : str
        The JSON text.
    where : str
        How messages name the text's source.
    error : type, default ConfigError
        The :class:`~analysis.core.errors.InputError` subclass raised.

    Returns
    -------
    Any
        The parsed value.

    Raises
    ------
    InputError
        Of class ``error``, naming the line and the fix.
    """
    if _json_depth(text) > MAX_DEPTH:
        raise error(
            f"{where}: lists and objects are nested more than {MAX_DEPTH} deep; this is not a "
            "file the workbench wrote."
        )
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
        _check_strings(value)
    except _Refused as problem:
        raise error(f"{where}: {problem.message}.") from None
    except ValueError as problem:
        raise error(f"{where} is not valid JSON ({problem}).") from None
    return value


def read_json(
    path: Path,
    where: str,
    *,
    max_bytes: int = 16 * 1024 * 1024,
    error: ErrorType = ConfigError,
    inside: Path | None = None,
    what: str | None = None,
) -> Any:
    """Read and parse a JSON record strictly (see :func:`read_yaml` for the parameters).

    Parameters
    ----------
    path : Path
        The file.
    where : str
        How messages name it.
    max_bytes : int, default 16 MiB
        Largest size read.
    error : type, default ConfigError
        The :class:`~analysis.core.errors.InputError` subclass raised.
    inside : Path, optional
        A folder the file must really be in.
    what : str, optional
        What the file is, for the size message.

    Returns
    -------
    Any
        The parsed value.
    """
    text = read_text(path, where, max_bytes=max_bytes, error=error, inside=inside, what=what)
    return parse_json(text, where, error=error)
