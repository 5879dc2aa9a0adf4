"""The ``drop_rows`` rules of a codebook table: rows that are not usable responses.

Each entry names one raw column (as the file writes it: drop rules run before
``rename``) and one test::

    drop_rows:
      - {column: Status, equals: Survey Preview}       # the trimmed cell is this text
      - {column: Q3, blank: true}                      # the cell is blank
      - {column: Q_RecaptchaScore, below: 0.5}         # the cell, read as a number, is below 0.5
      - {column: Duration (in seconds), above: 7200}   # ... or above 7200

* ``equals``: previews, unfinished responses, test rows named by the export's own values;
  ``equals: ""`` is the same as ``blank: true``.
* ``blank: true``: a required answer left blank (item nonresponse). The row cannot enter
  an analysis of that answer; it is dropped and counted in the import record rather than
  kept as a missing value the study contract would refuse.
* ``below`` / ``above``: a threshold on a number (a bot-detection score, a duration).
  The comparison is strict: ``below: 0.5`` keeps 0.5. A blank cell is kept (there is
  nothing to compare; the import record counts such cells), and a cell that is not a
  number stops the import naming its lines.

Every rule writes ``{rule, rows, lines}`` to the table's ``dropped`` list in
``imported/import_record.json``: how many rows it dropped and their lines in the raw file
(the first :data:`MAX_LINES`), so a reader can see which responses were set aside and why.
"""

from __future__ import annotations

import pandas as pd

from analysis.ingest.read.sources import CodebookError

__all__ = ["DROP_TESTS", "MAX_LINES", "check_drop_rule", "column_facts", "drop_mask", "drop_rows"]

#: The tests a drop rule may hold (exactly one per rule).
DROP_TESTS = ("equals", "blank", "below", "above")
#: Lines of dropped rows kept per rule in the import record.
MAX_LINES = 100


def check_drop_rule(rule: object, where: str) -> None:
    """Refuse a ``drop_rows`` entry that is not ``{column, <one test>}``.

    Parameters
    ----------
    rule
        One entry of the table's ``drop_rows`` list, as read from codebook.yml.
    where
        ``codebook table <name>``, the start of every message.

    Raises
    ------
    CodebookError
        No column, no test or two tests, ``blank`` other than true, or a threshold that
        is not a number.
    """
    example = "e.g. {column: Status, equals: Survey Preview} or {column: Score, below: 0.5}"
    if not isinstance(rule, dict) or "column" not in rule:
        raise CodebookError(f"{where}: each drop_rows entry needs a column and a test, {example}.")
    tests = [t for t in DROP_TESTS if t in rule]  # unknown keys: the codebook model's DropRule
    if len(tests) != 1:
        said = "no test" if not tests else f"two tests ({', '.join(tests)})"
        raise CodebookError(
            f"{where}: drop_rows entry for column {rule['column']!r} has {said}; give exactly one "
            f"of {', '.join(DROP_TESTS)} ({example}; two tests are two entries)."
        )
    test = tests[0]
    if test == "blank" and rule["blank"] is not True:
        raise CodebookError(
            f"{where}: drop_rows blank for column {rule['column']!r} must be true (drop the rows "
            f"where it is blank), not {rule['blank']!r}; remove the entry to keep them."
        )
    if test in ("below", "above"):
        value = rule[test]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CodebookError(
                f"{where}: drop_rows {test} for column {rule['column']!r} must be a number "
                f"(e.g. {test}: 0.5), not {value!r}."
            )


def _blank(text: pd.Series) -> pd.Series:
    return (text.isna() | (text == "")).fillna(True).astype(bool)


def drop_mask(frame: pd.DataFrame, rule: dict, where: str, decimal: str | None = None) -> pd.Series:
    """The rows ``rule`` drops, as a boolean Series on ``frame``'s index.

    ``frame``'s index holds the raw file's line numbers (messages name them); ``decimal``
    is the source's decimal mark for numbers written as text (``","`` reads ``0,4``).

    Raises
    ------
    CodebookError
        The column is not in the source, or a threshold meets a cell that is not a number.
    """
    column = rule["column"]
    if column not in frame.columns:
        raise CodebookError(f"{where}: drop_rows column {column!r} is not in the source.")
    text = frame[column].astype("string").str.strip()
    if "equals" in rule:
        equals = "" if rule["equals"] is None else str(rule["equals"])
        if equals == "":
            return _blank(text)
        return (text == equals).fillna(False).astype(bool)
    if "blank" in rule:
        return _blank(text)
    test = "below" if "below" in rule else "above"
    blank = _blank(text)
    written = text.str.replace(",", ".", regex=False) if decimal == "," else text
    numbers = pd.to_numeric(written.where(~blank), errors="coerce")
    bad = numbers.isna() & ~blank
    if bad.any():
        lines = ", ".join(map(str, frame.index[bad.to_numpy()][:5]))
        more = f" and {int(bad.sum()) - 5} more" if bad.sum() > 5 else ""
        sample = sorted(set(text[bad].astype(str)))[:3]
        raise CodebookError(
            f"{where}: drop_rows {test} {rule[test]} on column {column!r}: {int(bad.sum())} value(s) "
            f"are not numbers on lines {lines}{more}, e.g. {sample}. Correct them in the raw file, "
            "or drop those rows first with an equals rule listed above this one."
        )
    limit = float(rule[test])
    hit = numbers < limit if test == "below" else numbers > limit
    return hit.fillna(False).astype(bool)


def drop_rows(
    frame: pd.DataFrame, rules: list[dict], where: str, decimal: str | None = None
) -> tuple[pd.DataFrame, list[dict]]:
    """Apply ``rules`` in order; return the rows kept and one record entry per rule.

    Each entry is ``{"rule": rule, "rows": n, "lines": [...]}`` (the lines of the rows
    dropped, the first :data:`MAX_LINES`), with ``"blank_kept": n`` for a threshold rule
    that met blank cells (kept: nothing to compare).
    """
    entries = []
    for rule in rules:
        mask = drop_mask(frame, rule, where, decimal)
        entry: dict = {
            "rule": rule,
            "rows": int(mask.sum()),
            "lines": [int(i) for i in frame.index[mask.to_numpy()][:MAX_LINES]],
        }
        if "below" in rule or "above" in rule:
            blank = int(_blank(frame[rule["column"]].astype("string").str.strip()).sum())
            if blank:
                entry["blank_kept"] = blank
        entries.append(entry)
        frame = frame[~mask.to_numpy()]
    return frame, entries


def column_facts(frame: pd.DataFrame, spec: dict, column: str) -> dict:
    """What a report may say about a rule's column: whether it reaches the imported table
    and what personal data it holds.

    The import record keeps each rule as written (it stays in the client's folder); these
    two facts beside it tell the report's provenance not to print a rule's value from a
    column that is personal or left out of the imported table.

    Parameters
    ----------
    frame : DataFrame
        The raw table before the rule dropped any row.
    spec : dict
        The codebook table (its ``keep`` and ``rename``).
    column : str
        The rule's raw column.

    Returns
    -------
    dict
        ``column_kept`` (bool) and ``personal`` (``email``, ``name``, ``phone``, ``ip``, ...
        as :func:`analysis.ingest.profiles.profile_column` finds it, or None).
    """
    from analysis.ingest.profiles import profile_column

    keep = spec.get("keep")
    rename = spec.get("rename") or {}
    kept = keep is None or column in rename or column in keep
    profile = profile_column(frame[column], header=str(column)) if column in frame else None
    personal = profile.personal if profile is not None and profile.kind == "personal" else None
    return {"column_kept": bool(kept), "personal": personal}
