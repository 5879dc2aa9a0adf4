"""Raw column names a codebook may no longer use: names the header gives twice.

A header that names two columns alike (Typeform heads the free-text column of every
multi-select ``Other``) is read with each of those columns named by its position,
``Other (column 13)`` and ``Other (column 17)``
(:func:`analysis.ingest.read.spreadsheets.by_position`). :func:`check_named_twice` stops an
import whose codebook still names the plain ``Other``, saying which positioned names the
file has, instead of a bare "not in the file".
"""

from __future__ import annotations

from typing import Any

from analysis.ingest.read.sources import CodebookError

__all__ = ["check_named_twice", "raw_names"]

#: Rules whose keys are raw (or renamed) column names.
KEYED = ("rename", "flags", "multi_select", "values", "dates", "numbers", "units", "case")
#: Rules that list column names.
LISTED = ("keep", "text")


def raw_names(spec: dict) -> list[str]:
    """Every column name a codebook table's rules mention (keys, lists, drop rule columns)."""
    names: list[Any] = []
    for key in KEYED:
        if isinstance(spec.get(key), dict):
            names += list(spec[key])
    for key in LISTED:
        if isinstance(spec.get(key), list):
            names += spec[key]
    names += [r.get("column") for r in spec.get("drop_rows") or [] if isinstance(r, dict)]
    if isinstance(spec.get("row_ids"), str):
        names.append(spec["row_ids"])
    return [str(n) for n in names if n is not None]


def check_named_twice(spec: dict, layout: dict, table: str, file: str) -> None:
    """Refuse a rule that names a column the header gives twice by its plain name.

    Parameters
    ----------
    spec
        One codebook table.
    layout
        What :func:`analysis.ingest.read.sources.read_source` found; ``duplicate_headers``
        maps each name given twice to the positioned names its columns got.
    table, file
        How the message names the codebook table and the raw file.

    Raises
    ------
    CodebookError
        Naming the rule's column, the columns it stands for and the names to use.
    """
    twice = layout.get("duplicate_headers") or {}
    named = [n for n in dict.fromkeys(raw_names(spec)) if n in twice]
    if not named:
        return
    said = "; ".join(
        f"{n!r} heads {len(twice[n])} columns, read as " + " and ".join(repr(p) for p in twice[n])
        for n in named
    )
    raise CodebookError(
        f"{file}: codebook table {table} names {', '.join(map(repr, named))}, but the header gives "
        f"that name to more than one column: {said}. Write the name of the column you mean "
        "(its number counts the columns from 1 at the left), as `workbench draft-codebook` does."
    )
