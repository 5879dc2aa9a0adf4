"""The instrument contract: instrument definitions and the responses to them.

Instruments defined as data: strategic readiness, failure-reason checklist, two-views alignment.

An instrument is a YAML file in ``data/instruments/`` (items in plain words, source,
type, scoring and thresholds). Adding a file with a new ``id`` adds an instrument; no
Python changes. Three types are supported:

``true_false``
    statements answered true/false, scored by counting answers equal to
    ``scoring.count_value`` and banded by ``scoring.bands`` (``min``/``max`` inclusive);
``checklist``
    reasons ticked when they apply, ranked by frequency and grouped by ``themes``;
``two_views``
    statements with a View 1 and a View 2, answered by respondents in stakeholder
    ``groups``; agreement within groups and misalignment between them.

Responses are one row per respondent: ``respondent_id``, ``group`` (two_views), and one
column per item id.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.contracts.readers import DataContractError, read_table
from analysis.core.strict import read_yaml

if TYPE_CHECKING:
    import pandera.pandas as pa

__all__ = [
    "TYPES",
    "VIEWS",
    "Instrument",
    "InstrumentError",
    "check_responses",
    "load_instrument",
    "load_instruments",
    "load_responses",
    "response_schema",
]

TYPES = ("true_false", "checklist", "two_views")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


class InstrumentError(DataContractError):
    """An instrument file or a response file breaks its definition; the message says how to fix it."""


@dataclass(frozen=True)
class Instrument:
    """A parsed instrument definition (see module docstring)."""

    id: str
    title: str
    type: str
    source: str
    items: list[dict[str, Any]]
    scoring: dict[str, Any] = field(default_factory=dict)
    themes: dict[str, str] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)

    @property
    def item_ids(self) -> list[str]:
        """Return the ids of the items, in the instrument's order."""
        return [item["id"] for item in self.items]

    def label(self, item_id: str) -> str:
        """Short display text of an item (its topic for two_views, else its text)."""
        item = next(i for i in self.items if i["id"] == item_id)
        return item.get("topic") or item.get("text") or item_id


def load_instrument(path: str | Path) -> Instrument:
    """Read and check an instrument YAML file.

    Raises
    ------
    InstrumentError
        Naming the file and the entry to fix: missing keys, an unknown type,
        duplicate item ids, items without text, a checklist item with an unknown theme,
        bands that do not cover the possible scores.
    """
    path = Path(path)
    where = path.name
    if not path.is_file():
        raise InstrumentError(f"{path}: instrument file not found.")
    # strict like client.yml: no anchors or aliases, bounded size and nesting, plain keys
    spec = read_yaml(
        path,
        f"{path.parent.name}/{where}",
        error=InstrumentError,
        inside=path.parent,
        what="instrument file",
    )
    items = _checked_items(spec, where)
    themes = dict(spec.get("themes") or {})
    if spec["type"] == "checklist" and themes:
        unknown = [i["id"] for i in items if i.get("theme") not in themes]
        if unknown:
            raise InstrumentError(
                f"{where}: item(s) {unknown} have a theme not listed under themes ({', '.join(themes)})."
            )
    scoring = dict(spec.get("scoring") or {})
    if spec["type"] == "true_false":
        _check_bands(scoring, len(items), where)
    groups = [str(g) for g in spec.get("groups") or []]
    return Instrument(
        str(spec["id"]),
        str(spec["title"]),
        spec["type"],
        str(spec.get("source", "")),
        [dict(i, id=str(i["id"])) for i in items],
        scoring,
        themes,
        groups,
    )


def _checked_items(spec: Any, where: str) -> list[dict[str, Any]]:
    """Return an instrument's items after checking its keys, type, item ids and item texts.

    Parameters
    ----------
    spec : object
        The instrument file as read.
    where : str
        The file's name, for messages.

    Returns
    -------
    list of dict
        The items, each with an id.

    Raises
    ------
    InstrumentError
        Naming what to fix: not a mapping, missing keys, an unknown type (with the closest
        one), no items, duplicate ids, an item without its text.
    """
    if not isinstance(spec, dict):
        raise InstrumentError(f"{where}: must be a mapping with id, title, type, items.")
    missing = [k for k in ("id", "title", "type", "items") if k not in spec]
    if missing:
        raise InstrumentError(f"{where}: missing key(s) {', '.join(missing)}.")
    if spec["type"] not in TYPES:
        close = difflib.get_close_matches(str(spec["type"]), TYPES, n=1)
        raise InstrumentError(
            f"{where}: type {spec['type']!r} is not one of {', '.join(TYPES)}"
            + (f"; did you mean {close[0]!r}?" if close else ".")
        )
    items = spec["items"]
    if (
        not isinstance(items, list)
        or not items
        or not all(isinstance(i, dict) and "id" in i for i in items)
    ):
        raise InstrumentError(
            f"{where}: items must be a non-empty list of mappings, each with an id."
        )
    ids = [str(i["id"]) for i in items]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise InstrumentError(f"{where}: duplicate item id(s) {duplicated}.")
    needed = ("topic", "view_1", "view_2") if spec["type"] == "two_views" else ("text",)
    for item in items:
        lacking = [k for k in needed if not str(item.get(k, "")).strip()]
        if lacking:
            raise InstrumentError(f"{where}: item {item['id']!r} lacks {', '.join(lacking)}.")
    return items


def _check_bands(scoring: dict[str, Any], n_items: int, where: str) -> None:
    """Refuse a true_false scoring whose bands do not give exactly one band to every score.

    Parameters
    ----------
    scoring : dict
        ``scoring:`` of the instrument (``count_value`` and ``bands``).
    n_items : int
        The number of items: the scores run from 0 to it.
    where : str
        The file's name, for messages.

    Raises
    ------
    InstrumentError
        Naming the first score in no band or in several.
    """
    if not isinstance(scoring.get("count_value"), bool) or not scoring.get("bands"):
        raise InstrumentError(
            f"{where}: a true_false instrument needs scoring.count_value (true or false) and scoring.bands."
        )
    for score in range(n_items + 1):
        if sum(_in_band(score, band) for band in scoring["bands"]) != 1:
            raise InstrumentError(
                f"{where}: scoring.bands must give exactly one band for every score 0-{n_items}; "
                f"score {score} falls in {sum(_in_band(score, b) for b in scoring['bands'])}."
            )


def load_instruments(
    folder: str | Path, *, inside: str | Path | None = None
) -> dict[str, Instrument]:
    """Every ``*.yml`` instrument in ``folder``, by id.

    With ``inside`` (a client's folder), a file that resolves outside it (a symbolic
    link to another client's or the system's files) is refused before it is opened.
    """
    found = {}
    for path in sorted(Path(folder).glob("*.yml")):
        if inside is not None and not path.resolve().is_relative_to(Path(inside).resolve()):
            raise InstrumentError(
                f"{path.name}: this instrument file in {Path(folder).name}/ leads outside the client's "
                "folder (a symbolic link); copy the file into the folder instead."
            )
        instrument = load_instrument(path)
        if instrument.id in found:
            raise InstrumentError(
                f"{path.name}: instrument id {instrument.id!r} is used twice in {folder}."
            )
        found[instrument.id] = instrument
    return found


def _in_band(score: int, band: dict) -> bool:
    return band.get("min", -np.inf) <= score <= band.get("max", np.inf)


def load_responses(
    path: str | Path, instrument: Instrument, *, encoding: str = "utf-8"
) -> pd.DataFrame:
    """Read a response file and check it with :func:`check_responses`.

    The file is read by :func:`~analysis.contracts.readers.read_table`.
    """
    try:
        raw = read_table(path, encoding=encoding, dtype={"respondent_id": "string"})
    except DataContractError as error:
        raise InstrumentError(str(error)) from None
    return check_responses(raw, instrument, source=Path(path).name)


#: Accepted spellings of the two views (after trimming and lower-casing).
VIEWS = {"view 1": 1, "view 2": 2, "view1": 1, "view2": 2, "1": 1, "2": 2}


def response_schema(instrument: Instrument) -> pa.DataFrameSchema:
    """Return the responses contract of ``instrument`` as a pandera schema.

    One row per respondent: a unique ``respondent_id``, ``group`` (two_views), and one
    column per item: true/false (or yes/no, 1/0) for true_false and checklist items,
    View 1 or View 2 for two_views items. Answers are matched after trimming and
    lower-casing, as in the other contracts (:mod:`analysis.contracts.schemas`).
    """
    import pandera.pandas as pa

    from analysis.contracts.schemas import levels

    columns = {
        "respondent_id": pa.Column(
            str, unique=True, nullable=False, description="unique respondent id"
        )
    }
    if instrument.type == "two_views":
        groups = f": one of {', '.join(instrument.groups)}" if instrument.groups else ""
        columns["group"] = pa.Column(str, nullable=False, description=f"stakeholder group{groups}")
        for item in instrument.items:
            columns[item["id"]] = levels(
                list(VIEWS),
                description=f"View 1 or View 2: {item['topic']}",
                shown="View 1 or View 2",
            )
    else:
        answers = sorted(_TRUE | _FALSE)
        for item in instrument.items:
            columns[item["id"]] = pa.Column(
                str,
                pa.Check.isin(answers),
                nullable=False,
                description=f"true/false: {item['text']}",
                metadata={"levels": answers, "boolean": True},
            )
    return pa.DataFrameSchema(columns, strict=False)


def check_responses(
    data: pd.DataFrame, instrument: Instrument, source: str = "responses"
) -> pd.DataFrame:
    """Check responses against :func:`response_schema` and return them typed.

    true_false and checklist answers become booleans; two_views answers become 1 or 2.
    Every problem is reported at once with file, column and lines; a missing column
    names the near miss it probably is.
    """
    from analysis.contracts.schemas import validate

    problems = []
    schema = response_schema(instrument)
    missing = [c for c in schema.columns if c not in data.columns]
    if missing:
        close = {c: difflib.get_close_matches(c, map(str, data.columns), n=1) for c in missing}
        hints = [f"{c} (found {close[c][0]!r}?)" if close[c] else c for c in missing]
        problems.append(
            f"{source}: missing column(s) {', '.join(hints)} for instrument {instrument.id}."
        )
        schema = schema.remove_columns(missing)
    if data.empty:
        problems.append(f"{source}: no responses.")
    frame = data.copy()
    items = [i for i in instrument.item_ids if i in frame.columns]
    for item in items:
        column = frame[item]
        if pd.api.types.is_float_dtype(column) and (column.dropna() % 1 == 0).all():
            column = column.astype("Int64")  # 1.0 / 0.0 read from a column with blanks
        frame[item] = column.astype("string").str.strip().str.lower()
    if "respondent_id" in frame:
        frame["respondent_id"] = frame["respondent_id"].astype("string")
    if not data.empty:
        problems += validate(frame, schema, source)[1]
    if problems:
        raise InstrumentError(
            "\n".join([f"The responses do not match instrument {instrument.id}:", *problems])
        )
    for item in items:
        if instrument.type == "two_views":
            frame[item] = frame[item].map(VIEWS).astype(int)
        else:
            frame[item] = frame[item].isin(_TRUE)
    return frame
