"""Matching the reps of a roster with the people named in a CRM or LMS export.

A roster (an HR export, or any table with one row per rep) names each rep by a
``rep_id`` and, optionally, an e-mail and a full name. An opportunity export names the
deal's owner, an LMS export the learner: by id, e-mail or display name, each written
its own way. :func:`match_people` finds the roster rep behind every value of such a
column through one key:

``id``
    trimmed, case and inner spaces ignored, leading zeros of all-digit ids ignored
    (``SD 0123`` = ``sd0123``; ``00004711`` = ``4711``);
``email``
    trimmed and compared without case (``First.Last@Example.com`` = ``first.last@example.com``);
``name``
    accents, case, punctuation and spacing ignored, and ``Last, First`` read as
    ``First Last`` (``LEFEVRE, Zoé`` = ``Zoe  Lefèvre``), as is ``LAST First`` (the
    surname first and in capitals: ``LEFEVRE Zoé``); a name in two columns is read as
    ``Last, First`` (:func:`full_names`). A nickname or a married name
    is a different name: it is reported, never guessed (a codebook ``aliases:`` entry
    names the rep it stands for).

Nothing is guessed. A key that two roster reps share (two reps called Chris Lee) is
*ambiguous*: rows carrying it are matched to no one and reported with both rep ids.
A value no rep has is *unmatched in the file*; a rep no row names is *unmatched in
the roster*. :func:`check_unmatched` turns the shares into an error (above
:data:`MAX_UNMATCHED`) or warnings naming the people left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from analysis.ingest.read.sources import CodebookError

__all__ = [
    "KEY_KINDS",
    "MAX_UNMATCHED",
    "MatchResult",
    "Roster",
    "check_unmatched",
    "full_names",
    "guess_key_kind",
    "match_people",
    "normalise",
    "normalise_email",
    "normalise_id",
    "normalise_name",
]

#: The keys a rep can be matched by.
KEY_KINDS = ("id", "email", "name")

#: The largest share of unmatched reps (roster side) or of counted rows (file side, the
#: won deals or programme completions of people no rep matches) that import accepts
#: with a warning. Individual cases (a rep renamed after marriage, a nickname in the
#: CRM, an integration user, a director who closes a few deals) stay well under it: in
#: the two CRM/LMS deliveries checked, 1 rep of 112 and 0 of 132 were unmatched, and the
#: won rows of non-reps were 0.4% and 5.6% of the won revenue. A wrong key column, an
#: e-mail domain that changed, or names written in another order leave most rows
#: unmatched; 10% sits between the two. It also bounds the cost of leaving reps out:
#: a tenth fewer reps widens an interval by about 1/sqrt(0.9) - 1 = 5%. A rule's
#: ``max_unmatched:`` sets another share for a delivery where more is known.
MAX_UNMATCHED = 0.10

_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ı": "i",
    }
)


def _text(value) -> str | None:
    """A cell as stripped text; blanks and missing values are None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def normalise_id(value) -> str | None:
    """An id compared without case, inner spaces or the leading zeros of an all-digit id."""
    text = _text(value)
    if text is None:
        return None
    text = re.sub(r"\s+", "", text).upper()
    if re.fullmatch(r"\d+\.0+", text):  # a number cell read as 4711.0
        text = text.split(".")[0]
    if text.isdigit():
        text = text.lstrip("0") or "0"
    return text


def normalise_email(value) -> str | None:
    """An e-mail compared trimmed and without case (``mailto:`` removed)."""
    text = _text(value)
    if text is None:
        return None
    text = text.casefold().removeprefix("mailto:").strip()
    return text or None


def _capitals(word: str) -> bool:
    """A word written in capitals (two letters or more: ``LEFEVRE``, ``O'NEIL``, not ``J.``)."""
    return word.isupper() and sum(c.isalpha() for c in word) >= 2


def normalise_name(value) -> str | None:
    """A full name compared without accents, case, punctuation or spacing; ``Last, First``
    and ``LAST First`` (leading words in capitals, the others not) become ``first last``."""
    text = _text(value)
    if text is None:
        return None
    if text.count(",") == 1:
        last, first = (part.strip() for part in text.split(","))
        if last and first:
            text = f"{first} {last}"
    words = text.split()
    lead = next((i for i, w in enumerate(words) if not _capitals(w)), len(words))
    if 0 < lead < len(words) and not any(_capitals(w) for w in words[lead:]):
        text = " ".join(words[lead:] + words[:lead])  # LAST First: the surname goes last
    text = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^\w\s'-]", " ", text)
    text = re.sub(r"\s*-\s*", "-", text)
    text = " ".join(text.split())
    return text or None


_NORMALISERS = {"id": normalise_id, "email": normalise_email, "name": normalise_name}


def normalise(values: pd.Series, kind: str) -> pd.Series:
    """``values`` normalised as keys of ``kind`` (id, email or name); blanks become None."""
    if kind not in _NORMALISERS:
        raise CodebookError(f"a match key is one of {', '.join(KEY_KINDS)}, not {kind!r}.")
    return values.map(_NORMALISERS[kind]).astype(object)


def full_names(frame: pd.DataFrame, given, *, where: str, rule: str) -> pd.Series:
    """The people a rule names: one column of full names, or ``{first: ..., last: ...}``
    (two columns, read as ``Last, First``; a row missing either part is blank).

    Raises
    ------
    CodebookError
        ``given`` is neither a column nor that mapping, or names a column the file lacks.
    """
    if isinstance(given, dict):
        if set(given) != {"first", "last"}:
            raise CodebookError(
                f"{where}: {rule} takes one column or {{first: <column>, last: <column>}}, not "
                f"{given!r}."
            )
        columns = [str(given["last"]), str(given["first"])]
    else:
        columns = [str(given)]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CodebookError(
            f"{where}: {rule} names column(s) {missing} that the file lacks; it has "
            f"{', '.join(map(str, frame.columns[:14]))}."
        )
    if len(columns) == 1:
        return frame[columns[0]]
    last, first = (frame[c].astype("string").str.strip() for c in columns)
    last, first = last.where(last != ""), first.where(first != "")
    joined = (last + ", " + first).astype(object)
    return joined.where(last.notna() & first.notna(), None)


def guess_key_kind(values: pd.Series) -> str:
    """The key kind a column's values look like: e-mails, names (letters and spaces), or ids."""
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return "id"
    if text.str.contains(r"^[^@\s]+@[^@\s]+$", regex=True).mean() >= 0.8:
        return "email"
    if text.str.fullmatch(r"[^\W\d_][^\d]*[ ,][^\d]*", case=False).mean() >= 0.8:
        return "name"
    return "id"


@dataclass
class Roster:
    """The reps of a study with the keys other files may name them by.

    Attributes
    ----------
    reps : DataFrame
        One row per rep: ``rep_id`` and the normalised keys ``id``, ``email``, ``name``
        (None where the roster has no such column), ``first`` and ``last`` (the first
        and last active month as ``pandas.Period``, or NaT), ``line`` (the roster's row).
    where : str
        The roster's raw file, for messages.
    """

    reps: pd.DataFrame
    where: str
    columns: dict[str, str] = field(default_factory=dict)

    def keys(self, kind: str) -> tuple[dict[str, str], dict[str, list[str]]]:
        """Key -> rep_id for the keys one rep has, and key -> rep ids for shared keys."""
        pairs = self.reps[["rep_id", kind]].dropna()
        groups = pairs.groupby(kind)["rep_id"].agg(lambda ids: sorted(set(map(str, ids))))
        unique = {str(k): ids[0] for k, ids in groups.items() if len(ids) == 1}
        shared = {str(k): ids for k, ids in groups.items() if len(ids) > 1}
        return unique, shared


@dataclass
class MatchResult:
    """The rep behind each value of a column, and what could not be matched.

    Attributes
    ----------
    rep_id : Series
        Aligned with the values matched: the roster's rep_id, or None.
    report : dict
        For the import record (no names or e-mails, only counts, lines and rep ids):
        ``file``, ``column``, ``key``, ``roster_reps``, ``matched_reps``,
        ``unmatched_in_file`` (first line and row count of each value no rep has),
        ``unmatched_in_roster`` (rep ids no row names), ``ambiguous`` (first line, rows
        and the rep ids sharing the key), ``blank_rows``.
    unmatched : dict
        Value as written -> raw file lines, for messages to the user.
    ambiguous : dict
        Value as written -> rep ids sharing its key, for messages to the user.
    """

    rep_id: pd.Series
    report: dict
    unmatched: dict[str, list[int]]
    ambiguous: dict[str, list[str]]
    suggestions: dict[str, list[str]] = field(default_factory=dict)


def match_people(
    values: pd.Series,
    roster: Roster,
    kind: str,
    *,
    where: str,
    column: str,
    aliases: Mapping[str, str] | None = None,
) -> MatchResult:
    """Find the roster rep behind each value of a CRM or LMS column.

    Parameters
    ----------
    values : Series
        The column as read, indexed by the raw file's line numbers.
    roster : Roster
        The reps and their keys.
    kind : {"id", "email", "name"}
        The key the values are compared by (normalised as the module docstring says).
    where, column
        The raw file and column, for the report and messages.
    aliases : mapping, optional
        Value as written -> rep_id, for a person the file names differently from the
        roster (``Alex Novak`` for the roster's Alexandra Novak). Compared by the same key.

    Returns
    -------
    MatchResult

    Raises
    ------
    CodebookError
        An alias that names a rep_id the roster lacks, or a roster with no column for ``kind``.
    """
    unique, shared, known = _roster_keys_with_aliases(
        roster, kind, aliases, where=where, column=column
    )
    keys = normalise(values, kind)
    rep_id = pd.Series(
        [unique.get(k) if isinstance(k, str) else None for k in keys],
        index=keys.index,
        dtype=object,
    )
    unmatched, ambiguous, ambiguous_lines = _unmatched_and_ambiguous(values, keys, rep_id, shared)
    matched = set(rep_id.dropna())
    missing = sorted(known - matched)
    report = {
        "file": where,
        "column": column,
        "key": kind,
        "roster": roster.where,
        "roster_reps": len(known),
        "matched_reps": len(matched),
        "rows": len(values),
        "matched_rows": int(rep_id.notna().sum()),
        "blank_rows": int(keys.isna().sum()),
        "unmatched_in_file": [
            {"first_line": found[0], "rows": len(found)} for found in unmatched.values()
        ],
        "unmatched_in_roster": missing,
        "ambiguous": [
            {"first_line": ambiguous_lines[v][0], "rows": len(ambiguous_lines[v]), "rep_ids": ids}
            for v, ids in ambiguous.items()
        ],
        "aliases": len(aliases or {}),
    }
    suggestions = _near_names(roster, missing, list(unmatched), kind)
    return MatchResult(
        rep_id=rep_id,
        report=report,
        unmatched=unmatched,
        ambiguous=ambiguous,
        suggestions=suggestions,
    )


def _roster_keys_with_aliases(
    roster: Roster,
    kind: str,
    aliases: Mapping[str, str] | None,
    *,
    where: str,
    column: str,
) -> tuple[dict[str, str], dict[str, list[str]], set[str]]:
    """Return the roster's keys of one kind, the aliases added, and the roster's rep ids.

    Parameters
    ----------
    roster : Roster
        The reps and their keys.
    kind : {"id", "email", "name"}
        The key compared.
    aliases : mapping, optional
        Value as written -> rep_id.
    where, column : str
        The raw file and column, for messages.

    Returns
    -------
    (dict, dict, set)
        Key -> the one rep holding it, key -> the reps sharing it, and every rep id.

    Raises
    ------
    CodebookError
        An unknown key kind, a roster without that key, or an alias to a rep the roster lacks.
    """
    if kind not in KEY_KINDS:
        raise CodebookError(
            f"{where}: column {column} is matched by {kind!r}; a match key is one of {', '.join(KEY_KINDS)}."
        )
    if roster.reps[kind].isna().all():
        raise CodebookError(
            f"{where}: column {column} names reps by {kind}, but the roster {roster.where} has no "
            f"{kind} column; add it to the roster's match: rule ({kind}: <column>), or match by "
            f"{' or '.join(k for k in KEY_KINDS if roster.reps[k].notna().any())}."
        )
    unique, shared = roster.keys(kind)
    known = set(roster.reps["rep_id"].astype(str))
    for alias, rep in (aliases or {}).items():
        if str(rep) not in known:
            raise CodebookError(
                f"{where}: aliases maps {alias!r} to rep {rep!r}, which the roster {roster.where} lacks; "
                "write the rep_id as the roster has it."
            )
        key = _NORMALISERS[kind](alias)
        if key is not None:
            unique[key] = str(rep)
            shared.pop(key, None)
    return unique, shared, known


def _unmatched_and_ambiguous(
    values: pd.Series, keys: pd.Series, rep_id: pd.Series, shared: dict[str, list[str]]
) -> tuple[dict[str, list[int]], dict[str, list[str]], dict[str, list[int]]]:
    """Group the values no rep matches, and those several reps share, by their key.

    Parameters
    ----------
    values : Series
        The column as read, indexed by raw line.
    keys : Series
        Its normalised keys.
    rep_id : Series
        The matched rep of each value (missing when none).
    shared : dict
        Key -> the reps sharing it.

    Returns
    -------
    (dict, dict, dict)
        Unmatched value as first written -> its lines; ambiguous value -> the reps
        sharing its key; ambiguous value -> its lines.
    """
    lines = pd.Series(values.index, index=values.index)
    unmatched_mask = keys.notna() & rep_id.isna() & ~keys.isin(list(shared))
    ambiguous_mask = keys.isin(list(shared))
    unmatched: dict[str, list[int]] = {}
    for _, group in lines[unmatched_mask].groupby(keys[unmatched_mask], sort=True):
        first = values.loc[group.iloc[0]]
        unmatched[str(first).strip()] = [int(i) for i in group]
    ambiguous: dict[str, list[str]] = {}
    ambiguous_lines: dict[str, list[int]] = {}
    for key, group in lines[ambiguous_mask].groupby(keys[ambiguous_mask], sort=True):
        first = str(values.loc[group.iloc[0]]).strip()
        ambiguous[first] = shared[key]
        ambiguous_lines[first] = [int(i) for i in group]
    return unmatched, ambiguous, ambiguous_lines


def _tokens(text: str | None, kind: str) -> list[str]:
    """A person's name as words: a full name, or an e-mail's local part split at . and _."""
    if text is None:
        return []
    if kind == "email":
        text = text.split("@")[0].replace(".", " ").replace("_", " ")
    return (normalise_name(text) or "").split()


def _near_names(
    roster: Roster, missing: list[str], values: list[str], kind: str
) -> dict[str, list[str]]:
    """Unmatched values that may name an unmatched rep: same last name and one first name
    the start of the other (Alex / Alexandra). Shown to the user as a question, never applied."""
    if kind == "id" or not missing or not values:
        return {}
    reps = roster.reps.set_index("rep_id")
    found: dict[str, list[str]] = {}
    for rep in missing:
        name, email = reps.at[rep, "name"], reps.at[rep, "email"]
        words = _tokens(name if isinstance(name, str) else None, "name")
        words = words or _tokens(email if isinstance(email, str) else None, "email")
        if len(words) < 2:
            continue
        for value in values:
            other = _tokens(value, kind)
            if len(other) < 2 or other[-1] != words[-1]:
                continue
            a, b = other[0], words[0]
            if a != b and (a.startswith(b) or b.startswith(a)):
                found.setdefault(rep, []).append(value)
    return found


def _some(items: list[str], most: int = 8) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def check_unmatched(
    result: MatchResult,
    *,
    counted: pd.Series,
    what: str,
    roster_side: bool,
    limit: float = MAX_UNMATCHED,
) -> list[str]:
    """Hold the unmatched shares to ``limit``: an error above it, warnings naming people below.

    Parameters
    ----------
    result : MatchResult
        From :func:`match_people`.
    counted : Series of float
        Aligned with the matched values: each row's weight in what the study counts
        (a won deal's amount, 1 for a programme completion, 0 for rows that do not count).
    what : str
        What the rows are, for messages ("won revenue", "programme completions").
    roster_side : bool
        Whether a roster rep no row names is left out (deals: a rep without a single
        deal is far likelier a failed match than a rep who sold nothing for the whole
        window) or merely has no rows (completions: a rep absent from the LMS is untrained).

    Returns
    -------
    list of str
        Warnings naming what was left out (empty when everything matched).

    Raises
    ------
    CodebookError
        Naming the unmatched people when a share exceeds ``limit``.
    """
    report = result.report
    where, column = report["file"], report["column"]
    warnings = []
    total = float(counted.sum())
    lost = float(counted[result.rep_id.isna()].sum())
    file_share = lost / total if total > 0 else 0.0
    report["unmatched_share_of_" + what.replace(" ", "_")] = round(file_share, 4)
    names = [
        f"{v!r} (lines {_some([str(x) for x in lines], 3)})"
        for v, lines in result.unmatched.items()
    ]
    doubles = [f"{v!r} = reps {' and '.join(ids)}" for v, ids in result.ambiguous.items()]
    missing = report["unmatched_in_roster"] if roster_side else []
    roster_share = len(missing) / report["roster_reps"] if report["roster_reps"] else 0.0
    if file_share > limit or roster_share > limit:
        raise _too_many_unmatched(
            report, what, names + doubles, missing, file_share, roster_share, limit
        )
    if names:
        warnings.append(
            f"{where}: {len(names)} value(s) of column {column} match no rep by {report['key']} and "
            f"are left out ({file_share:.1%} of the {what}): {_some(names)}. If one is a rep, add "
            "aliases: {value as written: rep_id}."
        )
    if doubles:
        warnings.append(
            f"{where}: {len(doubles)} value(s) of column {column} fit more than one rep and are "
            f"matched to none: {_some(doubles)}. Match by another key (e-mail or id), or map the "
            "rows with aliases."
        )
    if missing:
        near = "".join(
            f" {where} names {' or '.join(map(repr, values))} (same last name, a shorter or longer "
            f"first name): if that is rep {rep}, add aliases: {{{values[0]}: '{rep}'}} to the rule."
            for rep, values in result.suggestions.items()
        )
        warnings.append(
            f"{len(missing)} rep(s) of {report['roster']} have no row in {where} and are left out "
            f"of the table built from it: {_some(missing)}. If one is named differently there, add "
            "aliases: {value as written: rep_id}." + near
        )
    if report["blank_rows"]:
        warnings.append(
            f"{where}: {report['blank_rows']} row(s) have no {column} and belong to no rep."
        )
    return warnings


def _too_many_unmatched(
    report: dict,
    what: str,
    named: list[str],
    missing: list[str],
    file_share: float,
    roster_share: float,
    limit: float,
) -> CodebookError:
    """Return the error naming the unmatched people when a share exceeds the limit.

    Parameters
    ----------
    report : dict
        The match report (:class:`MatchResult`).
    what : str
        What the rows are ("won revenue").
    named : list of str
        The file's unmatched and ambiguous values, as the message shows them.
    missing : list of str
        Roster reps with no row (empty when that side is not checked).
    file_share, roster_share : float
        The unmatched shares of the file's rows and of the roster.
    limit : float
        The largest share allowed.

    Returns
    -------
    CodebookError
        To be raised.
    """
    where, column = report["file"], report["column"]
    parts = []
    if file_share > limit:
        parts.append(
            f"{file_share:.0%} of the {what} in {where} belong to people column {column} names "
            f"but no roster rep matches by {report['key']}: {_some(named)}"
        )
    if roster_share > limit:
        parts.append(
            f"{len(missing)} of the {report['roster_reps']} reps of {report['roster']} "
            f"({roster_share:.0%}) have no row in {where}: {_some(missing)}"
        )
    return CodebookError(
        "; ".join(parts)
        + f". More than {limit:.0%} unmatched points at the wrong key column or a key written "
        f"another way (another e-mail domain, names in another order); check which column of "
        f"{where} names the reps and the key it is matched by, or map single people with "
        "aliases: {value as written: rep_id}. Nothing is left out silently."
    )
