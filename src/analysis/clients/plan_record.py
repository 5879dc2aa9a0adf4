"""The freeze record of a measurement plan: its hash, its date, and every earlier version.

``workbench plan freeze`` writes :data:`~analysis.clients.plan.FROZEN_FILE` beside
client.yml: the plan's canonical JSON, its SHA-256 and the UTC date. Freezing an
edited plan again (``--again``) keeps every earlier version in ``earlier``, so a
report names the first freeze and what changed since, not only the latest. A record
whose hash does not match the plan it holds was edited by hand and is refused; the
chained hash covers the client id, so a record copied from another client's folder
is refused too, whatever its ``client_id`` line says. The record is written
atomically: a full disk leaves the earlier record whole.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.clients.plan import FROZEN_FILE, Plan, plan_sha256
from analysis.core.errors import ConfigError
from analysis.core.files import atomic_write
from analysis.core.strict import read_json

__all__ = ["STAMP", "PlanStatus", "freeze", "plan_changes", "plan_status", "read_frozen"]


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def plan_changes(frozen: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Return what changed between two versions of a plan: ``key: old -> new`` lines."""
    before, after = _flat(frozen), _flat(current)
    return [
        f"{key}: {before.get(key)!r} -> {after.get(key)!r}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


def _shown(changes: list[str], limit: int = 4) -> str:
    more = f"; and {len(changes) - limit} more" if len(changes) > limit else ""
    return "; ".join(changes[:limit]) + more


@dataclass(frozen=True)
class PlanStatus:
    """A client's plan and its freeze record: what every report says about the plan.

    ``changes`` are the edits since the latest freeze; ``first_frozen_at`` and
    ``since_first`` name the first freeze and everything changed since it, when the
    plan was frozen again.
    """

    plan: Plan
    frozen_at: str | None = None
    frozen_sha256: str | None = None
    changes: list[str] = field(default_factory=list)
    first_frozen_at: str | None = None
    since_first: list[str] = field(default_factory=list)
    versions: int = 0
    this_plan_frozen_at: str | None = None

    @property
    def sha256(self) -> str:
        """Return the SHA-256 of the plan as it reads now."""
        return plan_sha256(self.plan)

    @property
    def frozen(self) -> bool:
        """Return whether the plan has been frozen at least once."""
        return self.frozen_at is not None

    @property
    def frozen_date(self) -> str | None:
        """Return the date (YYYY-MM-DD) the plan as it reads now was first frozen; None if never."""
        return None if self.this_plan_frozen_at is None else self.this_plan_frozen_at[:10]

    @property
    def first_frozen_date(self) -> str | None:
        """Return the date (YYYY-MM-DD) any version of the plan was first frozen; None if never.

        A plan first frozen after training began stays late when it is edited or frozen
        again afterwards: no later version can have been agreed before the results.
        """
        first = self.first_frozen_at or self.frozen_at
        return None if first is None else first[:10]

    @property
    def edited_after_first_freeze(self) -> bool:
        """The plan differs from the one first frozen (edited since, frozen again or not)."""
        return bool(self.changes or self.since_first)

    def sentences(self) -> list[str]:
        """Return the plan's standing, for the report summary."""
        if not self.frozen:
            text = (
                "The measurement plan was not frozen, so these results cannot be shown to follow a "
                "plan agreed before the data arrived."
            )
            return [text]
        first = ""
        if self.first_frozen_at is not None and self.since_first:
            first = (
                f" It was first frozen on {self.first_frozen_at} ({self.versions} versions frozen "
                f"in all); since the first freeze: {_shown(self.since_first)}."
            )
        if self.changes:
            text = (
                f"The measurement plan was changed after it was frozen on {self.frozen_at}: "
                f"{_shown(self.changes)}. Results are set against the plan as it reads now.{first}"
            )
            return [text]
        if first:
            return [f"The measurement plan was frozen again on {self.frozen_at}.{first}"]
        if self.first_frozen_at is not None:
            text = (
                f"The measurement plan reads exactly as first frozen on {self.first_frozen_at} "
                f"(frozen again on {self.frozen_at}, {self.versions} versions in all)."
            )
            return [text]
        return [f"The measurement plan was frozen on {self.frozen_at} and has not changed since."]

    def provenance(self) -> dict[str, Any]:
        """Return the hashes, freeze dates and changes, for a report's provenance record."""
        return {
            "sha256": self.sha256,
            "frozen_at": self.frozen_at,
            "frozen_sha256": self.frozen_sha256,
            "changes": list(self.changes),
            "first_frozen_at": self.first_frozen_at,
            "since_first": list(self.since_first),
            "versions": self.versions,
        }


def _digest(plan: dict[str, Any]) -> str:
    text = json.dumps(plan, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


#: How a freeze date is written (UTC).
STAMP = "%Y-%m-%d %H:%M UTC"


def _chain(client_id: str, frozen_at: str, sha256: str, previous: str) -> str:
    """Return the record's own hash, over the client, date, plan hash and previous record's hash.

    Chaining makes a back-dated freeze, a dropped earlier version or a re-ordered
    history visible (the record no longer verifies), and the client id in every link
    makes a record copied from another client's folder fail here, with its
    ``client_id`` line edited or deleted. It is evidence against hand edits, not
    against forgery: the committed file's git history is the audit trail.
    """
    text = f"{client_id}|{frozen_at}|{sha256}|{previous}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chain_without_client(frozen_at: str, sha256: str, previous: str) -> str:
    """Return the chained hash as records written before it covered the client id had it."""
    text = f"{frozen_at}|{sha256}|{previous}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_frozen(folder: Path) -> dict[str, Any] | None:
    """Return the freeze record of a client, or None.

    Raises
    ------
    ConfigError
        Unreadable, incomplete, a folder, or altered: a hash that does not match the plan
        it holds, or a chain that does not follow from this client (a copied record).
    """
    path = folder / FROZEN_FILE
    fix = "restore it from version control; it is written only by `workbench plan freeze`."
    if path.exists() and not path.is_file():
        raise ConfigError(
            f"{path.name} in {folder.name}/ is a folder, not a freeze record; move it away (if it "
            f"holds the record, put the file back in its place), or {fix}"
        )
    if not path.is_file():
        return None
    record = read_json(path, f"data/clients/{folder.name}/{FROZEN_FILE}", inside=folder)
    _check_record_shape(record, path, folder, fix)
    owner = record.get("client_id")
    if owner is not None and owner != folder.name:
        raise ConfigError(
            f"{path.name} in {folder.name}/ records the plan freeze of client {owner!r}: it came "
            f"with a copied folder, and a freeze is that client's alone. Delete {path.name} from "
            f"{folder.name}/, and run `workbench plan freeze {folder.name}` once this client has "
            "agreed its plan."
        )
    _check_chain(record, owner, path, folder, fix)
    return record


def _check_record_shape(record: Any, path: Path, folder: Path, fix: str) -> None:
    """Refuse a freeze record without its date, hash and plan, or with earlier versions malformed.

    Parameters
    ----------
    record : object
        The file as read.
    path : Path
        The record's file.
    folder : Path
        The client's folder.
    fix : str
        What to do, ending every message.

    Raises
    ------
    ConfigError
        One message for every shape that is not a freeze record.
    """
    try:
        if not isinstance(record, dict) or not {"frozen_at", "sha256", "plan"} <= set(record):
            raise ValueError("frozen_at, sha256 and plan are required")
        earlier = record.get("earlier", [])
        if not isinstance(earlier, list):  # caught below: one ConfigError for every shape
            raise ValueError("earlier must be the list of the versions frozen before")
        versions = [record, *earlier]
        if not all(isinstance(v, dict) and isinstance(v.get("plan"), dict) for v in versions):
            raise ValueError("every version needs its plan")
    except (ValueError, TypeError, OSError) as error:
        raise ConfigError(
            f"{path.name} in {folder.name}/ is not a freeze record ({error}); {fix}"
        ) from None


def _check_chain(record: dict[str, Any], owner: Any, path: Path, folder: Path, fix: str) -> None:
    """Refuse a freeze record whose versions do not follow from this client, each from the last.

    Each version's date must read as a freeze date, its SHA-256 must match its plan, and its
    record hash must chain the client id, the date, the plan's hash and the version before,
    in time order.

    Parameters
    ----------
    record : dict
        The freeze record (checked by :func:`_check_record_shape`).
    owner : object
        The client id the record names (None in records written before it did).
    path : Path
        The record's file.
    folder : Path
        The client's folder.
    fix : str
        What to do, ending every message.

    Raises
    ------
    ConfigError
        Saying the record was altered or copied, or predates records with the client id.
    """
    previous, old_previous, last_date = "", "", None
    for version in [*record.get("earlier", []), record]:
        when = str(version.get("frozen_at"))
        try:
            date = datetime.strptime(when, STAMP)
        except ValueError:
            raise ConfigError(
                f"{path.name} in {folder.name}/ was altered: {when!r} is not a freeze date "
                f"(written as 2024-12-02 09:00 UTC); {fix}"
            ) from None
        if _digest(version["plan"]) != version.get("sha256"):
            raise ConfigError(
                f"{path.name} in {folder.name}/ was altered: the SHA-256 of the freeze of "
                f"{when} does not match the plan it holds; {fix}"
            )
        chained = _chain(folder.name, when, version["sha256"], previous)
        old_chained = _chain_without_client(when, version["sha256"], old_previous)
        if version.get("record_sha256") == old_chained and owner == folder.name:
            raise ConfigError(
                f"{path.name} in {folder.name}/ was written before freeze records covered the "
                "client id, so it cannot show that it is this client's freeze. If it is, keep it "
                "in version control as the history, delete it and run "
                f"`workbench plan freeze {folder.name}`; "
                f"if it came from another client's folder, delete it."
            )
        if version.get("record_sha256") != chained or (last_date and date < last_date):
            raise ConfigError(
                f"{path.name} in {folder.name}/ was altered or copied: the freeze of {when} does "
                "not follow from this client and the versions before it (the client id, a date, an "
                f"order or an earlier version changed); {fix}"
            )
        previous, old_previous, last_date = chained, old_chained, date


def plan_status(plan: Plan, folder: Path) -> PlanStatus:
    """Return the plan with its freeze date, changes since and, if refrozen, its first freeze."""
    record = read_frozen(folder)
    if record is None:
        return PlanStatus(plan)
    current, sha = plan.canonical(), plan_sha256(plan)
    changes = plan_changes(record["plan"], current) if record["sha256"] != sha else []
    versions = [*record.get("earlier", []), record]
    first = versions[0] if len(versions) > 1 else None
    same = [v["frozen_at"] for v in versions if v["sha256"] == sha]
    return PlanStatus(
        plan,
        str(record["frozen_at"]),
        str(record["sha256"]),
        changes,
        str(first["frozen_at"]) if first else None,
        plan_changes(first["plan"], current) if first else [],
        versions=len(versions),
        this_plan_frozen_at=str(same[0]) if same else None,
    )


def freeze(plan: Plan, folder: Path, *, again: bool = False, now: datetime | None = None) -> dict:
    """Write the freeze record: the plan, its SHA-256 and the UTC date.

    A plan already frozen is not frozen again unless ``again``; every earlier version
    (plan, hash, date) is kept under ``earlier``, so reports still name the first freeze
    and what changed since.

    Raises
    ------
    ConfigError
        Already frozen and unchanged, or changed without ``again``.
    WriteError
        The record could not be written (a full disk); the earlier record is unchanged.
    """
    record = read_frozen(folder)
    sha = plan_sha256(plan)
    if record is not None and record["sha256"] == sha:
        raise ConfigError(
            f"the plan of {folder.name} is already frozen ({record['frozen_at']}) and unchanged; "
            "there is nothing new to freeze."
        )
    if record is not None and not again:
        raise ConfigError(
            f"the plan of {folder.name} was frozen on {record['frozen_at']} and has changed since: "
            + _shown(plan_changes(record["plan"], plan.canonical()), limit=5)
            + ". Reports say so. To freeze the edited plan as a new version, run "
            "`workbench plan freeze --again`; the earlier version and its date stay on record and "
            "reports name them."
        )
    stamp = (now or datetime.now(UTC)).strftime(STAMP)
    earlier = []
    previous = ""
    if record is not None:
        earlier = [
            *record.get("earlier", []),
            {k: record[k] for k in ("frozen_at", "sha256", "record_sha256", "plan")},
        ]
        previous = record["record_sha256"]
    new = {
        "client_id": folder.name,  # named, and in the chained hash (read_frozen refuses a copy)
        "frozen_at": stamp,
        "sha256": sha,
        "record_sha256": _chain(folder.name, stamp, sha, previous),
        "plan": plan.canonical(),
        "earlier": earlier,
    }
    # the earlier freeze stays whole on disk until the new record is complete (a full disk
    # fails the freeze with a WriteError and leaves the old record as it was)
    atomic_write(folder / FROZEN_FILE, json.dumps(new, indent=2, sort_keys=True) + "\n")
    return new
