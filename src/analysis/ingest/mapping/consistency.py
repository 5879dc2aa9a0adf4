"""A drafted table held to the study contract's row rules before the user imports it.

Two rules of the training contract concern whole rows, and a draft that breaks them
would import and then stop at ``workbench validate``:

* :func:`unanswered_rows`: a reaction or assessment row needs every measure (a feedback
  form not returned leaves the ratings blank). Rows blank in a required measure are no
  record of the table: the draft drops them with a ``drop_rows`` rule per column, saying
  how many;
* :func:`cross_column`: where two mapped measures must keep an order in every row
  (:data:`analysis.contracts.quality.CROSS_COLUMN_RULES`: wins cannot exceed
  opportunities) and the values break it on some rows, the two columns do not count the
  same things (opportunities created in the month, deals won from older ones): the
  larger role is left unmapped, with a CHECK naming both columns and the rows.
"""

from __future__ import annotations

import pandas as pd

from analysis.contracts.quality import CROSS_COLUMN_RULES
from analysis.contracts.training import REQUIRED
from analysis.ingest.mapping.tables import TableDraft

__all__ = ["cross_column", "unanswered_rows"]

#: Tables whose rows need every required measure.
MEASURED = ("reactions", "assessments")


def unanswered_rows(tdraft: TableDraft, frame: pd.DataFrame) -> None:
    """Draft ``drop_rows`` for reaction (assessment) rows blank in a required measure."""
    if tdraft.table not in MEASURED or tdraft.commented:
        return
    rules, said = [], []
    for role in REQUIRED[tdraft.table]:
        column = tdraft.mapped.get(role)
        if role == "rep_id" or column is None or column not in frame:
            continue
        blank = frame[column].isna() | (frame[column].astype("string").str.strip() == "")
        if blank.any():
            rules.append({"column": column, "equals": ""})
            said.append(f"{column!r} blank on {int(blank.sum())} row(s)")
    if not rules:
        return
    tdraft.spec["drop_rows"] = [*(tdraft.spec.get("drop_rows") or []), *rules]
    why = f"rows without the answer the {tdraft.table} table needs (not returned or not taken)"
    tdraft.comments["drop_rows"] = [f"{why}: {'; '.join(said)}"]
    order = ["drop_rows", *[k for k in tdraft.spec if k != "drop_rows"]]
    tdraft.spec = {k: tdraft.spec[k] for k in order}


def cross_column(tdraft: TableDraft, frame: pd.DataFrame) -> None:
    """Leave the larger of two mapped measures out where the values break their order."""
    if tdraft.commented:
        return
    for smaller, larger, why in CROSS_COLUMN_RULES:
        low_column, high_column = tdraft.mapped.get(smaller), tdraft.mapped.get(larger)
        if low_column is None or high_column is None:
            continue
        low = pd.to_numeric(frame[low_column], errors="coerce")
        high = pd.to_numeric(frame[high_column], errors="coerce")
        bad = low > high
        if not bad.any():
            continue
        lines = ", ".join(str(i) for i in frame.index[bad.to_numpy()][:5])
        _unmap(tdraft, larger)
        tdraft.checks.append(
            f"{larger}: {high_column!r} is below {smaller} {low_column!r} on {int(bad.sum())} of "
            f"{len(frame)} rows (e.g. rows {lines}), but {why}: the two count different things "
            f"(such as opportunities created in the month and deals won from older ones), so "
            f"{larger} is left out; map it only if it counts what {smaller} comes from"
        )


def _unmap(tdraft: TableDraft, role: str) -> None:
    """Take ``role`` out of a drafted table's rules (rename, units, numbers, keep)."""
    decision = tdraft.decisions[role]
    column = decision.column
    decision.column = None
    (tdraft.spec.get("rename") or {}).pop(column, None)
    for key in ("units", "numbers", "dates"):
        (tdraft.spec.get(key) or {}).pop(role, None)
        if key in tdraft.spec and not tdraft.spec[key]:
            del tdraft.spec[key]
    if role in (tdraft.spec.get("keep") or []):
        tdraft.spec["keep"].remove(role)
    tdraft.evidence.pop(("rename", str(column)), None)
    tdraft.evidence.pop(("units", role), None)
