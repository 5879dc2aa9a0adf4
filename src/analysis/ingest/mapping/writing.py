"""Writing a drafted codebook table as YAML, with the evidence beside each line.

:func:`table_lines` writes one table of a drafted codebook by hand rather than through
``yaml.safe_dump``, so that every mapping can carry its evidence as a comment (sample
values, min/median/max, the unit found) and a role left open can carry a commented
suggestion (``# "CA (€)": revenue``) that the reviewer uncomments. Every key and value
is quoted when plain YAML would read it differently (a file name with a newline, a
``#``, a colon, ``yes``): :func:`scalar`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

__all__ = ["scalar", "table_lines"]

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_ .()/+&%-]*")


def scalar(value: Any) -> str:
    """``value`` as a YAML scalar that reads back as itself (quoted where needed)."""
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, dict):  # flow style, nested mappings too
        return "{" + ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    plain = (
        _PLAIN.fullmatch(text)
        and text == text.strip()
        and " #" not in text
        and yaml.safe_load(text) == text
    )
    return text if plain else json.dumps(text, ensure_ascii=False)


def _flow(mapping: dict) -> str:
    items = []
    for key, value in mapping.items():
        shown = (
            "[" + ", ".join(scalar(v) for v in value) + "]"
            if isinstance(value, list | tuple)
            else scalar(value)
        )
        items.append(f"{scalar(key)}: {shown}")
    return "{" + ", ".join(items) + "}"


def _block(value: Any, indent: int) -> list[str]:
    """Block-style YAML lines for nested mappings and lists of scalars or flat mappings."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                flat = (
                    all(not isinstance(v, dict | list) for v in item.values())
                    if isinstance(item, dict)
                    else False
                )
                if flat and set(item) <= {
                    "format",
                    "fiscal_year_start",
                    "fiscal_year_named",
                    "special_periods",
                    "decimal",
                }:
                    lines.append(f"{pad}{scalar(key)}: {_flow(dict(item))}")
                else:
                    lines.append(f"{pad}{scalar(key)}:")
                    lines += _block(item, indent + 2)
            else:
                lines.append(
                    f"{pad}{scalar(key)}: {scalar(item) if not isinstance(item, dict | list) else '{}'}"
                )
    elif isinstance(value, list):
        for item in value:
            lines.append(f"{pad}- {_flow(item) if isinstance(item, dict) else scalar(item)}")
    return lines


def table_lines(
    name: str,
    spec: dict,
    *,
    comments: dict[str, list[str]] | None = None,
    evidence: dict[tuple[str, str], str] | None = None,
    open_roles: list[tuple[str, list[str], str | None]] | None = None,
) -> list[str]:
    """The YAML lines of one codebook table, indented under ``tables:``.

    Parameters
    ----------
    name, spec
        The table's name and its rules (as :mod:`analysis.ingest.codebook` reads them).
    comments
        Comment lines to write above a rule (key -> lines, without ``#``).
    evidence
        (rule, key) -> a comment written at the end of that entry's line.
    open_roles
        Roles left open: (role, CHECK lines, a raw column to suggest or None); each is
        written under ``rename:`` as CHECK comments and a commented ``raw: role`` line.
    """
    comments, evidence = comments or {}, evidence or {}
    lines = [f"  {scalar(name)}:"]
    rename_written = False
    # a column only a commented rename would make: the rules that need it (a date format, a
    # decimal mark) stay commented with it, so an unanswered CHECK leaves the table importable;
    # its units stay, since they name a column's unit without needing it
    pending = {role for role, _, suggested in open_roles or [] if suggested is not None}
    pending -= set((spec.get("rename") or {}).values())
    for key, value in spec.items():
        lines += [f"    # {c}" for c in comments.get(key, [])]
        if key in ("dates", "numbers") and isinstance(value, dict):
            later = {c: v for c, v in value.items() if c in pending}
            if later:
                now = {c: v for c, v in value.items() if c not in pending}
                hint = f"  # uncomment with the rename of {', '.join(later)} above"
                lines += (
                    table_lines(name, {key: now}, evidence=evidence)[1:]
                    if now
                    else [f"    # {scalar(key)}:{hint}"]
                )
                for column, rule in later.items():
                    entry = table_lines(name, {key: {column: rule}}, evidence=evidence)[2:]
                    lines += [_commented(line) for line in entry]
                    lines[-len(entry)] += "" if " # " in entry[0] else hint
                continue
        if key == "units":
            lines.append("    units:")
            for column, unit in value.items():
                note = evidence.get(("units", column))
                lines.append(
                    f"      {scalar(column)}: {_flow(unit)}" + (f"  # {note}" if note else "")
                )
            continue
        if key == "rename":
            rename_written = True
            lines.append("    rename:")
            for raw, role in value.items():
                note = evidence.get(("rename", raw))
                lines.append(
                    f"      {scalar(raw)}: {scalar(role)}" + (f"  # {note}" if note else "")
                )
            lines += _open_lines(open_roles or [])
            continue
        if isinstance(value, dict | list) and value:
            lines.append(f"    {scalar(key)}:")
            lines += _block(value, 6)
        else:
            lines.append(f"    {scalar(key)}: {scalar(value)}")
    if open_roles and not rename_written:
        lines.append("    rename:")
        lines += _open_lines(open_roles)
    return lines


def _commented(line: str) -> str:
    """A YAML line commented out where it stands (``# `` after its indentation)."""
    body = line.lstrip(" ")
    return f"{' ' * (len(line) - len(body))}# {body}"


def _open_lines(open_roles: list[tuple[str, list[str], str | None]]) -> list[str]:
    lines = []
    for role, checks, suggestion in open_roles:
        lines += [f"      # CHECK {c}" for c in checks]
        if suggestion is not None:
            lines.append(f"      # {scalar(suggestion)}: {scalar(role)}")
    return lines
