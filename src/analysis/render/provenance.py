"""The report's provenance in plain words: the files the client sent and what was made of them.

The footer of every report names the raw files the client sent (not the imported tables
or the parameters that point at them), the day they were imported, what the codebook's
rules did to each (rows set aside, deals summed, training starts taken, reps matched)
and the match counts, in sentences. Hashes are for the analyst who checks that a
report was made from the files at hand: one small fingerprint line, each hash cut to
its first 12 characters (enough to tell two files apart by eye).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from analysis.clients.files import file_sha256
from analysis.core import formats
from analysis.core.strict import read_json

__all__ = ["FINGERPRINT_CHARS", "data_provenance", "short_hash"]

#: Characters of a SHA-256 shown in the fingerprint line.
FINGERPRINT_CHARS = 12

#: What each imported table is, in the client's words.
_TABLES = {
    "panel": "results per rep and period",
    "reps": "list of reps",
    "costs": "programme costs",
    "survey": "survey responses",
    "responses": "survey responses",
    "reactions": "reaction ratings",
    "assessments": "assessment scores",
    "cross_section": "results per rep",
}

#: How reps were matched across files, by the kind of key.
_KEYS = {"email": "e-mail address", "name": "full name", "id": "employee number"}


def short_hash(sha256: str) -> str:
    """Return the first :data:`FINGERPRINT_CHARS` characters of a hash ("" for none).

    Parameters
    ----------
    sha256 : str
        A hexadecimal digest.

    Returns
    -------
    str
        Its first characters.
    """
    return str(sha256 or "")[:FINGERPRINT_CHARS]


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{formats.number(n, 0)} {one if n == 1 else many or one + 's'}"


def _day(stamp: str) -> str:
    """Write an ISO time stamp as a day in words: 8 December 2026 (the stamp if unreadable)."""
    try:
        when = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    return f"{when.day} {when:%B %Y}"


def _month(label: str) -> str:
    """Write a period label 2024-01 as January 2024 (other labels as they are)."""
    try:
        when = datetime.strptime(str(label), "%Y-%m")
    except ValueError:
        return str(label)
    return f"{when:%B %Y}"


def _listed(items: list[str]) -> str:
    quoted = [f"“{i}”" for i in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _layout(table: dict) -> str | None:
    """Rows above and below the data that were set aside, in words."""
    layout = table.get("layout") or {}
    parts = []
    header = layout.get("header_row")
    if header and int(header) > 1:
        parts.append(f"the column headings are in row {header}")
    aside = [
        _count(len(layout.get(key) or []), word)
        for key, word in (
            ("title_rows", "title row"),
            ("totals_rows", "total row"),
            ("notes_rows", "note line"),
        )
        if layout.get(key)
    ]
    if aside:
        parts.append(f"{', '.join(aside)} set aside as not data")
    return "; ".join(parts) or None


#: The personal data a rule's column holds, as a report names the column.
_PERSONAL = {
    "email": "e-mail",
    "ip": "IP address",
    "phone": "phone number",
    "name": "name",
    "organisation": "organisation name",
    "location": "location",
    "device": "device",
}
#: A header that names personal data (for import records written before the import noted it).
_PERSONAL_HEADER = re.compile(
    r"e-?mail|correo|courriel|\bmail\b|phone|telef|\bip\b|\bname\b|\bnome\b|\bnombre\b|"
    r"\bnom\b|surname|sobrenome|apellido",
    re.IGNORECASE,
)
#: A rule's value that marks a test or preview response (``Test``, ``teste@...``, ``Preview``).
_TEST_MARK = re.compile(r"(?<![^\W\d_])(test[a-z]*|preview|prueba|essai)", re.IGNORECASE)


def _hidden(entry: Mapping[str, Any]) -> tuple[bool, str | None]:
    """Return whether a rule's values must stay out of the report, and its personal data.

    The personal data is what the rule's column holds ("email", ...; "" for personal
    data of an unknown kind; None for none).

    The import notes for each rule whether its column holds personal data and whether it
    reaches the imported table; an older record is judged by the rule's values and header.
    """
    rule = entry.get("rule") or {}
    if "personal" in entry or "column_kept" in entry:
        personal = entry.get("personal") or None
        return bool(personal) or entry.get("column_kept") is False, personal
    import pandas as pd  # only for records older than the personal-data notes

    from analysis.ingest.profiles import profile_column

    values = [str(v) for v in (rule.get("keep") or rule.get("in") or [rule.get("equals")])]
    profile = profile_column(pd.Series([v for v in values if v not in ("", "None")], dtype=object))
    if profile.kind == "personal":
        return True, str(profile.personal or "")
    if _PERSONAL_HEADER.search(str(rule.get("column", ""))):
        return True, ""
    return False, None


def _rule(entry: Mapping[str, Any]) -> str:
    """Write one codebook rule that left rows out, in words.

    Never a value of personal data or of a column the imported table does not keep.
    """
    rule = entry.get("rule") or {}
    column = rule.get("column")
    if "blank" in rule or ("equals" in rule and rule.get("equals") in (None, "")):
        return f"where {column} is blank"
    for test in ("below", "above"):
        if test in rule:
            return f"whose {column} is {test} {formats.number(rule[test])}"
    if rule.get("special_periods"):
        return f"whose {column} is not a calendar period"
    if not any(key in rule for key in ("equals", "keep", "in")):
        return "by a rule of the codebook"
    values = [str(v) for v in (rule.get("keep") or rule.get("in") or [rule.get("equals")])]
    hidden, personal = _hidden(entry)
    if hidden:
        test = " (a test response)" if "equals" in rule and _TEST_MARK.search(values[0]) else ""
        if personal:
            return f"by a rule on the {_PERSONAL.get(personal, personal)} column{test}"
        if personal == "":
            return f"by a rule on a column of personal data{test}"
        return f"by a rule on {column}, a column not imported{test}"
    if "equals" in rule:
        return f"where {column} is “{values[0]}”"
    return f"whose {column} is none of {_listed(values)}"


def _dropped(table: dict) -> list[str]:
    return [
        f"{_count(int(d.get('rows', 0)), 'row')} left out {_rule(d)}"
        for d in table.get("dropped") or []
        if int(d.get("rows", 0))
    ]


def _matched(match: Mapping[str, Any], what: str) -> str:
    """Return the match counts of one file against the list of reps."""
    key = _KEYS.get(str(match.get("key")), "a key")
    unmatched = match.get("unmatched_in_file") or []
    rows = sum(int(u.get("rows", 0)) for u in unmatched)
    said = (
        f"reps matched to the list of reps by {key}: {formats.number(match.get('matched_reps', 0), 0)} "
        f"of {formats.number(match.get('roster_reps', 0), 0)}"
    )
    if unmatched:
        said += (
            f"; {_count(len(unmatched), 'person', 'people')} in this file "
            f"{'is' if len(unmatched) == 1 else 'are'} not on the list ({_count(rows, what)}, left out)"
        )
    else:
        said += "; everyone in this file is on the list"
    missing = len(match.get("unmatched_in_roster") or [])
    if missing:
        said += f"; {_count(missing, 'rep')} on the list {'has' if missing == 1 else 'have'} no row here"
    shared = len(match.get("ambiguous") or [])
    said += (
        f"; {_count(shared, 'name')} shared by two reps, left out rather than guessed"
        if shared
        else "; no two reps share a key"
    )
    return said


def _deals(deals: Mapping[str, Any]) -> str:
    period = str(deals.get("period") or "month")
    window = [_month(w) for w in deals.get("window") or []]
    said = (
        f"{_count(int(deals.get('deals', 0)), 'deal')}: the "
        f"{formats.number(deals.get('won_deals', 0), 0)} won ({_listed(list(deals.get('won') or []))}) "
        f"are summed per rep and {period} into revenue and deals won"
        + (f", {window[0]} to {window[-1]}" if window else "")
        + f" ({_count(int(deals.get('rep_periods', 0)), f'rep-{period}')}; a {period} without a "
        "won deal counts as zero); "
        f"{formats.number(deals.get('lost_deals', 0), 0)} lost and "
        f"{formats.number(deals.get('open_deals', 0), 0)} still open are not revenue; "
        + _matched(deals.get("match") or {}, "deal row")
    )
    outside = sum(int(o.get("deals", 0)) for o in deals.get("outside_active_months") or [])
    if outside:
        said += (
            f"; {_count(outside, 'deal')} closed outside the rep's months of employment, left out"
        )
    return said


def _completions(done: Mapping[str, Any]) -> str:
    programme = done.get("programme") or {}
    if programme.get("starts_with"):
        courses = f"courses whose title starts with “{programme['starts_with']}”"
    elif programme.get("titles"):
        courses = f"the courses {_listed([str(t) for t in programme['titles']])}"
    else:
        courses = "the programme's courses"
    statuses = list(done.get("completed") or [])
    said = (
        f"training start = the {'month'} of each rep's first completion of {courses}"
        + (f" (status {_listed(statuses)})" if statuses else "")
        + f": {formats.number(done.get('trained_reps', 0), 0)} reps trained, "
        f"{formats.number(done.get('untrained_reps', 0), 0)} never"
    )
    registered = len(done.get("programme_not_completed") or [])
    if registered:
        said += (
            f", {_count(registered, 'rep')} registered without completing (counted as untrained)"
        )
    return said + "; " + _matched(done.get("match") or {}, "row")


def _record(folder: Path) -> dict:
    path = folder / "import_record.json"
    try:
        record = read_json(path, "imported/import_record.json", inside=folder.parent)
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def data_provenance(data_files: Mapping[str, str | Path]) -> dict[str, Any]:
    """Return the files behind a report, in plain words, and their short fingerprints.

    Parameters
    ----------
    data_files : mapping
        Each data parameter of the report and the file it reads (an imported table
        under ``imported/``, or a file read as it is).

    Returns
    -------
    dict
        ``imported`` (the day of the import in words, "" if nothing was imported),
        ``sources`` (one ``file``, ``said`` per raw file the client sent, in the order
        first met) and ``fingerprint`` (``file``, ``sha256`` cut to 12 characters, for
        every raw file and the codebook).
    """
    sources: dict[str, list[str]] = {}
    prints: dict[str, str] = {}
    imported = ""
    for _name, given in sorted(data_files.items()):
        path = Path(given)
        record = _record(path.parent) if path.parent.name == "imported" else {}
        table = (record.get("tables") or {}).get(path.stem) if record else None
        if not table:
            sources.setdefault(path.name, []).append("read as it is")
            if path.is_file():
                prints[path.name] = short_hash(file_sha256(path))
            continue
        imported = _day(record.get("imported", "")) or imported
        source = table.get("source") or {}
        raw = str(source.get("file", path.name))
        prints[raw] = short_hash(source.get("sha256", ""))
        what = _TABLES.get(path.stem, path.stem.replace("_", " "))
        said = sources.setdefault(raw, [])
        deals = table.get("from_deals")
        roster = table.get("roster")
        if deals:
            said.append(_deals(deals))
        elif roster:
            said.append(
                f"the list of reps: {_count(int(roster.get('reps', 0)), 'rep')}"
                + (
                    f", {formats.number(roster['with_leaving_date'], 0)} with a leaving date "
                    "(their months after leaving are left out)"
                    if roster.get("with_leaving_date")
                    else ""
                )
            )
        else:
            said.append(f"{_count(int(table.get('rows_out', 0)), 'row')} read as the {what}")
        said += [s for s in (_layout(table), *_dropped(table)) if s]
        for extra in table.get("more_sources") or []:
            name = str(extra.get("file", ""))
            prints[name] = short_hash(extra.get("sha256", ""))
            if table.get("from_completions") and extra.get("role") == "completions":
                sources.setdefault(name, []).append(_completions(table["from_completions"]))
                sources[name] += [s for s in (_layout(extra),) if s]
        if record.get("codebook_sha256"):
            prints["codebook"] = short_hash(record["codebook_sha256"])
    return {
        "imported": imported,
        "sources": [
            {"file": file, "said": "; ".join(dict.fromkeys(said))} for file, said in sources.items()
        ],
        "fingerprint": [{"file": f, "sha256": h} for f, h in prints.items() if h],
    }
