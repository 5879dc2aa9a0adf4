"""After ``workbench import``: client.yml names the imported tables, with no hand edit.

:func:`wire_client` changes a client's client.yml so that it matches what the import
wrote:

* each study's file entries (``studies.<study>.data.<table>_path``) name the imported
  tables, ``imported/<table>.parquet``; an optional entry naming a file that does not
  exist (the ``reactions.csv`` placeholder of ``workbench new-client``) is removed;
* a study the delivery has no data for is removed (a survey study without a survey,
  the training study without a panel, the evaluation plan without a plan, ...);
* the training study's ``outcome``, ``outcome_unit``, ``outcome_label``, ``currency`` and
  ``costs_currency`` are taken from the units the codebook gave the imported columns.

The file's text is edited, not re-written (:mod:`analysis.clients.yaml_text`), so the
user's comments, order and other keys stay. The result is read again and compared with
the intended values before it replaces client.yml, through a temporary file in the same
folder (written, flushed to disk, renamed over the old one): the old file stays whole
until the new one is complete. This module takes plain values (the imported table names
and their units), so it needs nothing of the ingest layer.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_args

import yaml

from analysis.clients.config import read_yaml
from analysis.clients.files import inside_folder
from analysis.clients.parameters import FILE, FILES, STUDIES, TrainingImpact, kind
from analysis.clients.plan import PLAN_FILE
from analysis.clients.yaml_text import YamlEditError, delete_key, set_key
from analysis.core.currencies import ISO_4217
from analysis.core.errors import ConfigError
from analysis.core.files import atomic_replace
from analysis.core.strict import parse_yaml

__all__ = ["Change", "Wiring", "plan_wiring", "wire_client", "write_atomically"]

#: The entries a study cannot run without (``plan`` is the measurement plan).
NEEDS = {
    "org_effectiveness": ("survey_path",),
    "training_impact": ("panel_path",),
    "readiness_alignment": ("responses",),
    "evaluation_plan": ("plan",),
}
_UNITS = frozenset(get_args(get_args(TrainingImpact.model_fields["outcome_unit"].annotation)[0]))
_TRAINING = "training_impact"


@dataclass(frozen=True)
class Change:
    """One change to client.yml: set ``path.key`` to ``new``, or delete it."""

    path: tuple[str, ...]
    key: str
    old: Any = None
    new: Any = None
    delete: bool = False
    why: str = ""

    def describe(self) -> str:
        """Return the change as one line, e.g. ``studies.x.data.panel_path: a -> b (why)``."""
        where = ".".join([*self.path, self.key])
        if self.delete:
            return f"removed {where}" + (f": {self.why}" if self.why else "")
        before = f"{self.old} -> " if self.old is not None else ""
        return f"{where}: {before}{self.new}" + (f" ({self.why})" if self.why else "")


@dataclass
class Wiring:
    """What :func:`wire_client` did: the changes written, notes, and whether it wrote."""

    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False


def _where(spec: Mapping[str, Any], key: str, default: str) -> str:
    """Return the section (data or parameters) that holds ``key``, else ``default``."""
    for section in ("data", "parameters"):
        if isinstance(spec.get(section), dict) and key in spec[section]:
            return section
    return default


def _value(spec: Mapping[str, Any], key: str) -> Any:
    section = _where(spec, key, "")
    return spec[section][key] if section else None


def _exists(folder: Path, value: Any) -> bool:
    path = inside_folder(folder, str(value)) if isinstance(value, str) and value else None
    return path is not None and path.is_file()


def _file_changes(
    study: str, spec: Mapping[str, Any], folder: Path, tables: Collection[str]
) -> tuple[list[Change], set[str]]:
    """Each file entry of one study pointed at its imported table; missing optional files out.

    Returns the changes and the file entries the study has afterwards.
    """
    model, base = STUDIES[study], ("studies", study)
    changes, present = [], set()
    for name in model.model_fields:
        current = _value(spec, name)
        if kind(model, name) == FILES:
            files = current if isinstance(current, dict) else {}
            if any(_exists(folder, value) for value in files.values()):
                present.add(name)
            continue
        if kind(model, name) != FILE:
            continue
        table, section = name.removesuffix("_path"), _where(spec, name, "data")
        if table in tables:
            target = f"imported/{table}.parquet"
            present.add(name)
            if current != target:
                changes.append(Change((*base, section), name, current, target, why="imported"))
        elif current is not None and not _exists(folder, current):
            why = f"{current} is not in the client's folder and the import wrote no {table} table"
            changes.append(Change((*base, section), name, current, delete=True, why=why))
        elif current is not None:
            present.add(name)
    return changes, present


def _outcome(spec: Mapping[str, Any], panel: Mapping[str, dict], notes: list[str]) -> str | None:
    """Return the panel column the training study measures, as the codebook's units show it."""
    current = _value(spec, "outcome")
    money = [column for column, unit in panel.items() if unit.get("unit") == "money"]
    if current in panel:
        return str(current)
    if current is None and "revenue" in panel:
        return "revenue"
    if current is None and len(money) == 1:
        return money[0]
    notes.append(
        f"the codebook gives no unit for the outcome {current or 'revenue'!r}"
        + (f" and several money columns ({', '.join(money)})" if len(money) > 1 else "")
        + ": set outcome, outcome_unit and currency under studies.training_impact.parameters."
    )
    return None


def _currency(unit: Mapping[str, Any], panel: Mapping[str, dict], notes: list[str]) -> str | None:
    """Return the outcome's currency; for an outcome that is not money, the panel's one currency."""
    if unit.get("unit") == "money":
        found = {unit.get("currency")}
    else:
        found = {u.get("currency") for u in panel.values() if u.get("unit") == "money"}
    found.discard(None)
    if len(found) != 1:
        return None
    code = str(found.pop())
    if code not in ISO_4217:
        notes.append(f"the codebook's currency {code!r} is not an ISO 4217 code; currency not set.")
        return None
    return code


def _unit_changes(
    spec: Mapping[str, Any], units: Mapping[str, Mapping[str, dict]], notes: list[str]
) -> list[Change]:
    """Return the training study's outcome, its unit, label and currency from the codebook's units."""
    panel = units.get("panel") or {}
    outcome = _outcome(spec, panel, notes) if panel else None
    if outcome is None:
        return []
    unit, base = panel[outcome], ("studies", _TRAINING)
    wanted: dict[str, Any] = {"outcome": outcome}
    if unit.get("unit") in _UNITS:
        wanted["outcome_unit"] = unit["unit"]
    if isinstance(unit.get("label"), str) and unit["label"].strip():
        wanted["outcome_label"] = unit["label"].strip()
    currency = _currency(unit, panel, notes)
    if currency:
        wanted["currency"] = currency
    costs = ((units.get("costs") or {}).get("amount") or {}).get("currency")
    if costs in ISO_4217 and currency:
        wanted["costs_currency"] = costs if costs != currency else None
        if costs != currency and _value(spec, "exchange_rate") is None:
            notes.append(
                f"the costs are in {costs} and the outcome in {currency}: set exchange_rate "
                f"({currency} per 1 {costs}) under studies.training_impact.parameters for ROI."
            )
    changes = []
    for key, new in wanted.items():
        old = _value(spec, key)
        section = _where(spec, key, "parameters")
        if new is None and old is not None:
            why = "the costs are in the outcome's currency"
            changes.append(Change((*base, section), key, old, delete=True, why=why))
        elif (
            new is not None
            and old != new
            and not (key == "outcome" and old is None and new == "revenue")
        ):
            changes.append(Change((*base, section), key, old, new, why="from the codebook's units"))
    return changes


def plan_wiring(
    config: Mapping[str, Any],
    folder: Path,
    tables: Collection[str],
    units: Mapping[str, Mapping[str, dict]],
) -> Wiring:
    """Return the changes that make ``config`` (client.yml as read) match an import.

    Parameters
    ----------
    config : mapping
        client.yml as read.
    folder : Path
        The client's folder (files named in client.yml are looked up there).
    tables : collection of str
        The tables the import wrote to ``imported/`` (``survey``, ``reps``, ``panel``, ...).
    units : mapping
        Table -> column -> unit, as :func:`analysis.ingest.record.import_units` reads them.
    """
    wiring = Wiring()
    studies = config.get("studies")
    studies = studies if isinstance(studies, dict) else {}
    has_plan = "plan" in config or (folder / PLAN_FILE).is_file()
    kept, dropped = [], []
    for study, given in studies.items():
        if study not in STUDIES or not (given is None or isinstance(given, dict)):
            continue
        spec = given or {}
        changes, present = _file_changes(study, spec, folder, tables)
        present |= {"plan"} if has_plan else set()
        missing = [need for need in NEEDS.get(study, ()) if need not in present]
        if missing:
            why = f"no {' or '.join(missing)} in this delivery"
            dropped.append(Change(("studies",), study, delete=True, why=why))
            continue
        kept.append(study)
        wiring.changes += changes
        if study == _TRAINING:
            wiring.changes += _unit_changes(spec, units, wiring.notes)
    added = _added_studies(studies, folder, tables, units, wiring.notes)
    kept += [change.key for change in added if change.path == ("studies",)]
    wiring.changes += [change for change in added if change.path != ("studies",)]
    if kept:
        wiring.changes += dropped
    elif dropped:
        wiring.notes.append(
            "no study of client.yml has its data among the imported tables "
            f"({', '.join(sorted(tables)) or 'none'}); the studies were left as they are."
        )
    return wiring


def _added_studies(
    studies: Mapping[str, Any],
    folder: Path,
    tables: Collection[str],
    units: Mapping[str, Mapping[str, dict]],
    notes: list[str],
) -> list[Change]:
    """Wire again a study an earlier import left out, once this import brings its data.

    A study client.yml no longer names (an earlier import left it out) whose data this
    import brought and no study reads (a survey delivered later) is wired again instead of
    "nothing changed". A study the client removed while its data stay in use is not added.

    Returns its file entries as changes, plus a marker ``Change(("studies",), study)`` per
    study added (not written; it tells :func:`plan_wiring` the study is kept).
    """
    changes: list[Change] = []
    read = {  # tables some study of client.yml already reads: no new study for them
        name.removesuffix("_path")
        for spec in studies.values()
        if isinstance(spec, dict)
        for section in spec.values()
        if isinstance(section, dict)
        for name in section
        if str(name).endswith("_path")
    }
    for study in STUDIES:
        if study in studies or study == "evaluation_plan":
            continue
        files, present = _file_changes(study, {}, folder, tables)
        needs = NEEDS.get(study, ())
        if not files or any(need not in present for need in needs):
            continue
        if all(need.removesuffix("_path") in read for need in needs):
            continue
        changes.append(Change(("studies",), study, why="marker"))
        changes.extend(
            replace(change, why=f"{change.why}: the import brought this study's data")
            for change in files
        )
        if study == _TRAINING:
            changes += _unit_changes({}, units, notes)
    return changes


def _expected(config: Mapping[str, Any], changes: list[Change]) -> Any:
    """``config`` with ``changes`` applied, as reading the edited file must give it."""
    result = copy.deepcopy(dict(config))
    for change in changes:
        node = result
        for part in change.path:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        if change.delete:
            node.pop(change.key, None)
        else:
            node[change.key] = change.new
    return _normal(result)


def _normal(value: Any) -> Any:
    """Empty mappings as None (``data:`` with nothing under it reads as None)."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()} or None
    return value


def _edited(text: str, changes: list[Change]) -> str:
    for change in changes:
        if change.delete:
            text = delete_key(text, change.path, change.key)
        else:
            text = set_key(text, change.path, change.key, change.new)
    return text


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` whole or not at all, keeping its permissions.

    Written through :func:`analysis.core.files.atomic_replace` (temporary file, fsync,
    rename); a client.yml readable by its owner alone stays so.

    Parameters
    ----------
    path : Path
        client.yml.
    text : str
        Its new text.
    """
    mode = path.stat().st_mode & 0o7777 if path.exists() else None

    def write(temporary: Path) -> None:
        temporary.write_text(text, encoding="utf-8", newline="")
        if mode is not None:
            os.chmod(temporary, mode)

    atomic_replace(path, write)


def _read_text(text: str) -> Any:
    """YAML text read as strictly as client.yml (duplicate keys, anchors refused)."""
    return parse_yaml(text, "client.yml")


def wire_client(
    folder: Path, tables: Collection[str], units: Mapping[str, Mapping[str, dict]]
) -> Wiring:
    """Point ``folder``'s client.yml at the imported tables (see the module docstring).

    Nothing is written when nothing changes, or when client.yml cannot be read or edited
    safely; ``notes`` then say why and what to write by hand.
    """
    path = folder / "client.yml"
    where = f"data/clients/{folder.name}/client.yml"
    if not path.is_file():
        return Wiring(notes=[f"{where} does not exist (`workbench new-client {folder.name}`)."])
    try:
        config = read_yaml(path, where)
    except ConfigError as error:
        return Wiring(notes=[f"{where} was left as it is: {error}"])
    if not isinstance(config, dict):
        return Wiring(notes=[f"{where} was left as it is: it is not a mapping."])
    wiring = plan_wiring(config, folder, tables, units)
    if not wiring.changes:
        return wiring
    text = path.read_text(encoding="utf-8")
    try:
        edited = _edited(text, wiring.changes)
        same = _normal(_read_text(edited)) == _expected(config, wiring.changes)
    except (YamlEditError, yaml.YAMLError, ConfigError):
        same = False
    if not same:
        wiring.notes.append(
            f"{where} was left as it is: its layout could not be edited safely; make these "
            "changes by hand."
        )
        return wiring
    write_atomically(path, edited)
    wiring.written = True
    return wiring
