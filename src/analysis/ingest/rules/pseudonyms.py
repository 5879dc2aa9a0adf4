"""Pseudonymous rep ids for files that name the reps only by their names.

A French CRM report lists ``LEFEVRE Zoé`` on every row and no employee number; the
training department's workbook writes ``Lefèvre`` and ``Zoé`` in two columns. A name
cannot be a rep id: it would reach ``imported/``, the charts and the appendix. The
codebook rule ``rep_ids:`` makes the id from the name instead::

    rep_ids:
      from: Commercial                   # one column of full names,
      # from: {first: Prénom, last: Nom} # or two columns
      key: name

Names are compared as :func:`analysis.ingest.events.matching.normalise_name` compares
them (accents, case, punctuation and spacing ignored; ``Last, First`` and ``LAST First``
read as ``First Last``), so the same person gets the same id in every table and file.

How the id is made, and why
    ``rep_id`` is ``R`` and the first 10 hexadecimal digits of HMAC-SHA256 of the
    normalised name, keyed with 32 random bytes kept in ``<client>/pseudonyms.key``
    (written by the first import that needs it, read by every later one). Ids are
    stable: the same name gives the same id in the panel, the reps table and a later
    delivery, whatever order the files list people in. Numbering the names instead
    (R001, R002, ...) would change an id whenever a rep joins, and would leak each
    rep's alphabetical rank; a plain hash of a name is undone by hashing the client's
    staff list. Without the key, an id says nothing about the name; the key stays with
    the raw files (which hold the names anyway), never in ``imported/`` or a report.
    Deleting the key gives every rep a new id at the next import (all tables at once).

What is refused (never guessed)
    * a blank name (the row belongs to no one): drop it with ``drop_rows``;
    * two names made of the same words in another order (``Martin Thomas`` and
      ``Thomas Martin``, or ``MARTIN Thomas`` and ``Martin THOMAS``): one person
      written two ways or two people, which only the client can tell; write one order
      in the raw file, or give the reps an id column;
    * one name on two rows of the same period in a panel (``rename`` maps a column to
      ``period``): two reps who share a name cannot be told apart by it.

The import record keeps counts only (reps, rows, names written in more than one way).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

import pandas as pd

from analysis.core.files import atomic_replace
from analysis.ingest.events.matching import full_names, normalise
from analysis.ingest.read.sources import CodebookError

__all__ = ["KEY_FILE", "add_rep_ids", "check_rep_ids", "client_key", "pseudonym"]

#: The client's key file, next to its raw files.
KEY_FILE = "pseudonyms.key"
_KEYS = {"from", "key"}


def check_rep_ids(spec: dict, name: str) -> None:
    """Refuse a ``rep_ids`` rule of the wrong shape, naming the key and its form.

    Raises
    ------
    CodebookError
    """
    rule = spec.get("rep_ids")
    if rule is None:
        return
    where = f"codebook table {name}: rep_ids"
    if not isinstance(rule, dict) or rule.get("from") is None:
        raise CodebookError(
            f"{where} must be a mapping such as {{from: Sales rep, key: name}} or "
            "{from: {first: First name, last: Last name}, key: name}."
        )
    unknown = sorted(str(k) for k in rule if k not in _KEYS)
    if unknown:
        raise CodebookError(f"{where} has unknown key(s) {unknown}; it takes from and key.")
    if rule.get("key", "name") != "name":
        raise CodebookError(
            f"{where}.key must be name (ids are made from people's names), not {rule['key']!r}."
        )
    given = rule["from"]
    if isinstance(given, dict) and set(given) != {"first", "last"}:
        raise CodebookError(
            f"{where}.from takes one column or {{first: <column>, last: <column>}}."
        )
    renamed = [raw for raw, role in (spec.get("rename") or {}).items() if role == "rep_id"]
    if renamed:
        raise CodebookError(
            f"codebook table {name}: rename maps {renamed[0]!r} to rep_id and rep_ids makes rep_id "
            "from names; keep one of the two."
        )


def client_key(folder: Path) -> bytes:
    """The client's pseudonym key: read from ``pseudonyms.key``, written there first if absent.

    Raises
    ------
    CodebookError
        The file is there but does not hold a key (64 hexadecimal digits).
    """
    path = folder / KEY_FILE
    if not path.exists():
        text = (
            "# The key that turns reps' names into ids (see analysis.ingest.rules.pseudonyms). Keep it with\n"
            "# the raw files and never share it with a report: with it, a name's id can be recomputed.\n"
            f"{secrets.token_hex(32)}\n"
        )

        def write(target: Path) -> None:
            target.write_text(text, encoding="utf-8")

        atomic_replace(path, write)
    lines = [
        line.strip()
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    try:
        key = bytes.fromhex(lines[0]) if len(lines) == 1 else b""
    except ValueError:
        key = b""
    if len(key) != 32:
        raise CodebookError(
            f"{folder.name}/{KEY_FILE} does not hold a key (one line of 64 hexadecimal digits); "
            "restore it from a backup (the reps keep their ids), or delete it to give every rep a "
            "new id at the next import."
        )
    return key


def pseudonym(key: bytes, name: str) -> str:
    """The id of one normalised name: ``R`` and 10 hexadecimal digits of its keyed hash."""
    digest = hmac.new(key, name.encode("utf-8"), hashlib.sha256).hexdigest()
    return "R" + digest[:10].upper()


def add_rep_ids(
    folder: Path, frame: pd.DataFrame, spec: dict, name: str
) -> tuple[pd.DataFrame, dict]:
    """``frame`` with a ``rep_id`` column made from the names ``spec['rep_ids']`` points at.

    Parameters
    ----------
    folder : Path
        The client's folder (its key file).
    frame : DataFrame
        The raw table as read, indexed by the raw file's line numbers.
    spec : dict
        The codebook table.
    name : str
        The table's name.

    Returns
    -------
    (DataFrame, dict)
        The table with ``rep_id`` added, and the record (counts, no names).

    Raises
    ------
    CodebookError
        The rule's columns are missing, a name is blank, two names differ only in the
        order of their words, or one name appears twice in one period (see the module
        docstring); each names the file, the column, the lines and the fix.
    """
    check_rep_ids(spec, name)
    where = str((spec.get("source") or {}).get("file", name))
    given = spec["rep_ids"]["from"]
    shown = f"{given['last']} + {given['first']}" if isinstance(given, dict) else str(given)
    if "rep_id" in frame.columns:
        raise CodebookError(
            f"{where}: the file already has a rep_id column; map it with rename and remove rep_ids."
        )
    names = full_names(frame, given, where=where, rule="rep_ids.from")
    keys = normalise(names, "name")
    blank = keys.isna()
    if blank.any():
        lines = ", ".join(map(str, frame.index[blank.to_numpy()][:5]))
        raise CodebookError(
            f"{where}: column {shown} has no name on line(s) {lines} ({int(blank.sum())} row(s)); "
            "every row needs the rep's name to get an id: fill it in, or drop the rows with "
            "drop_rows."
        )
    _refuse_reordered(names, keys, where, shown)
    _refuse_namesakes(frame, spec, keys, where, shown)
    secret = client_key(folder)
    ids = {k: pseudonym(secret, k) for k in keys.unique()}
    if len(set(ids.values())) < len(ids):  # 40 bits: about 1 in 10^8 for 100 reps
        raise CodebookError(
            f"{where}: two names of column {shown} got the same id; delete {KEY_FILE} and import "
            "again (every rep gets a new id)."
        )
    table = frame.copy()
    table["rep_id"] = keys.map(ids).astype(object)
    spellings = names.astype("string").str.strip().groupby(keys).nunique()
    record = {
        "from": shown,
        "key": "name",
        "reps": len(ids),
        "rows": len(frame),
        "names_written_more_than_one_way": int((spellings > 1).sum()),
        "key_file": KEY_FILE,
    }
    return table, record


def _refuse_reordered(names: pd.Series, keys: pd.Series, where: str, shown: str) -> None:
    """Refuse two keys made of the same words in another order (one person or two?)."""
    distinct = pd.Series(keys.unique())
    words = distinct.map(lambda k: " ".join(sorted(k.split())))
    twins = distinct[words.duplicated(keep=False)]
    if twins.empty:
        return
    first = twins.iloc[0]
    other = next(k for k in twins if k != first and sorted(k.split()) == sorted(first.split()))
    found = []
    for key in (first, other):
        rows = names.index[(keys == key).to_numpy()]
        found.append(f"{str(names.loc[rows[0]]).strip()!r} (line {rows[0]})")
    raise CodebookError(
        f"{where}: column {shown} holds {' and '.join(found)}: the same words in another order "
        f"({len(twins)} names are alike this way). One person written two ways or two people? "
        "Only the client can tell: write one order in the raw file for one person, or give the "
        "reps an id column (rename it to rep_id) if they are two."
    )


def _refuse_namesakes(
    frame: pd.DataFrame, spec: dict, keys: pd.Series, where: str, shown: str
) -> None:
    """One name on two rows of one period of a panel: two reps who share a name."""
    period = [raw for raw, role in (spec.get("rename") or {}).items() if role == "period"]
    if not period or period[0] not in frame.columns:
        return
    pairs = pd.DataFrame({"key": keys, "period": frame[period[0]].astype("string").str.strip()})
    twice = pairs.duplicated(keep=False)
    if not twice.any():
        return
    lines = ", ".join(map(str, frame.index[twice.to_numpy()][:6]))
    raise CodebookError(
        f"{where}: one name of column {shown} appears on two rows of the same {period[0]} (lines "
        f"{lines}; {int(twice.sum())} rows): two reps who share a name cannot be told apart by it, "
        "and a repeated row would count twice. Remove a repeated row, or give the reps an id "
        "column (rename it to rep_id) if they are two people."
    )
