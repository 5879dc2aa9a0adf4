"""Edit a YAML file's text in place of re-writing it: comments, order and layout stay.

PyYAML (the only YAML library the project depends on) reads a file but cannot write it
back with its comments. Re-dumping client.yml would lose every comment the user and
``workbench new-client`` wrote, so the few changes ``workbench import`` makes are made
on the text instead: :func:`set_key` replaces one scalar or inserts one line,
:func:`delete_key` removes one entry with the lines nested under it. Each edit finds its
place from the positions PyYAML's composer gives every node, and touches no other line.

Only block mappings are edited; a flow mapping on the way (``parameters: {margin: 0.35}``)
is first written out as a block (its comments, if any, inside the braces are lost; none
are expected there). What the edits cannot place safely raises :class:`YamlEditError`;
callers check the result by reading it again (:mod:`analysis.clients.wiring` compares it
with the intended values before writing anything).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

__all__ = ["YamlEditError", "delete_key", "set_key"]


class YamlEditError(ValueError):
    """The text cannot be edited safely at this place (the caller leaves the file as it is)."""


def _compose(text: str) -> yaml.Node:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        raise YamlEditError("the file is not a mapping of keys to values")
    return node


def _entry(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _dump(key: str, value: Any) -> str:
    """``key: value`` on one line, quoted where YAML needs it."""
    if value is None:
        return f"{key}:"
    text = yaml.safe_dump(
        {key: value}, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False
    ).strip()
    if not (text.startswith("{") and text.endswith("}")) or "\n" in text:
        raise YamlEditError(f"cannot write {value!r} on one line")
    return text[1:-1]


def _last_line(node: yaml.Node) -> int:
    """Return the last line (0-based) holding text of ``node``."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False) or not node.value:
        end = node.end_mark
        return end.line if end.column > 0 else end.line - 1
    last = node.value[-1]
    return _last_line(last[1] if isinstance(node, yaml.MappingNode) else last)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _navigate(text: str, path: Sequence[str]) -> tuple[yaml.Node, yaml.Node | None]:
    """Return the node at ``path`` and the key node that holds it (None for the document)."""
    node: yaml.Node = _compose(text)
    key_node = None
    for part in path:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            raise KeyError(part)  # `parent:` with nothing under it yet
        if not isinstance(node, yaml.MappingNode):
            raise YamlEditError(f"{'.'.join(path)}: {part!r} is not under a mapping")
        found = _entry(node, part)
        if found is None:
            raise KeyError(part)
        key_node, node = found
    return node, key_node


def _blockify(text: str, path: Sequence[str]) -> str:
    """Return the flow mapping (or empty value) at ``path`` written as a block under its key."""
    node, key_node = _navigate(text, path)
    if key_node is None:
        raise YamlEditError("the document itself is a flow mapping")
    lines = text.splitlines(keepends=True)
    start, end = node.start_mark, node.end_mark
    if start.line != key_node.start_mark.line:
        raise YamlEditError(f"{'.'.join(path)}: the value does not start on its key's line")
    value = yaml.safe_load(text[start.index : end.index]) or {}
    rest = lines[end.line][end.column :].strip() if end.line < len(lines) else ""
    if rest and not rest.startswith("#"):
        raise YamlEditError(f"{'.'.join(path)}: text follows the value on its line")
    head = lines[start.line][: start.column].rstrip() + (f"  {rest}" if rest else "") + "\n"
    indent = " " * (key_node.start_mark.column + 2)
    body = yaml.safe_dump(value, default_flow_style=False, allow_unicode=True, sort_keys=False)
    block = [indent + line + "\n" for line in body.splitlines()] if value else []
    return "".join([*lines[: start.line], head, *block, *lines[end.line + 1 :]])


def _mapping_at(text: str, path: Sequence[str]) -> tuple[str, yaml.Node, yaml.Node | None]:
    """Return the block mapping (or empty value) at ``path``, flow mappings written out first."""
    node, key_node = _navigate(text, path)
    if isinstance(node, yaml.MappingNode) and node.flow_style:
        text = _blockify(text, path)
        node, key_node = _navigate(text, path)
    empty = isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")
    if not (isinstance(node, yaml.MappingNode) or empty):
        raise YamlEditError(f"{'.'.join(path)} is not a mapping")
    return text, node, key_node


def set_key(text: str, path: Sequence[str], key: str, value: Any) -> str:
    """``text`` with ``path.key`` set to the scalar ``value`` (added when absent).

    Missing mappings on ``path`` are added; an existing scalar is replaced where it
    stands (a comment after it stays); a new key goes after the mapping's last entry.
    """
    for depth in range(len(path)):
        try:
            _navigate(text, path[: depth + 1])
        except KeyError:
            text = set_key(text, path[:depth], path[depth], None)
    text, node, key_node = _mapping_at(text, path)
    lines = text.splitlines(keepends=True)
    found = _entry(node, key) if isinstance(node, yaml.MappingNode) else None
    if found is not None:
        old = found[1]
        if not isinstance(old, yaml.ScalarNode) or old.start_mark.line != old.end_mark.line:
            return set_key(delete_key(text, path, key), path, key, value)
        line = lines[old.start_mark.line]
        new = _dump(key, value)[len(key) + 1 :].strip()
        if old.start_mark.index == old.end_mark.index:  # an empty value: `key:`
            new = " " + new if new else ""
        lines[old.start_mark.line] = (
            line[: old.start_mark.column] + new + line[old.end_mark.column :]
        )
        return "".join(lines)
    if isinstance(node, yaml.MappingNode) and node.value:
        column = node.value[0][0].start_mark.column
        after = _last_line(node)
    elif key_node is not None:  # `parameters:` with nothing (or only comments) under it
        column = key_node.start_mark.column + 2
        after = key_node.start_mark.line
        if node.start_mark.index != node.end_mark.index:  # `parameters: null` / `~`
            line = lines[after]
            lines[after] = line[: node.start_mark.column].rstrip() + line[node.end_mark.column :]
    else:
        column, after = 0, len(lines) - 1
    if after >= 0 and not lines[after].endswith("\n"):
        lines[after] += "\n"
    lines.insert(after + 1, " " * column + _dump(key, value) + "\n")
    return "".join(lines)


def delete_key(text: str, path: Sequence[str], key: str) -> str:
    """``text`` without ``path.key``: its line, the lines nested under it and their comments.

    Comment lines indented deeper than the key, right after its last entry, go with it;
    a comment at the key's own indentation or shallower belongs to what follows and stays.
    """
    text, node, _ = _mapping_at(text, path)
    found = _entry(node, key) if isinstance(node, yaml.MappingNode) else None
    if found is None:
        return text
    key_node, value_node = found
    lines = text.splitlines(keepends=True)
    first = key_node.start_mark.line
    column = key_node.start_mark.column
    if lines[first][:column].strip():
        raise YamlEditError(f"{'.'.join([*path, key])} does not start its line")
    last = _last_line(value_node)
    while (
        last + 1 < len(lines) and _is_comment(lines[last + 1]) and _indent(lines[last + 1]) > column
    ):
        last += 1
    return "".join(lines[:first] + lines[last + 1 :])
