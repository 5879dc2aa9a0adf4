"""Recognising an opportunity or completion export and drafting its rule with CHECK lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.ingest.events.matching import KEY_KINDS, guess_key_kind
from analysis.ingest.mapping.writing import scalar
from analysis.ingest.profiles import DATE_FORMATS_NAMED
from analysis.ingest.read.sources import likely_date_formats

__all__ = ["EventDraft", "date_formats", "draft_event_rules", "draft_roster_match"]


@dataclass
class EventDraft:
    """A drafted event rule: which kind of export, the rule, and its YAML with CHECK lines.

    Attributes
    ----------
    kind : {"deals", "completions", "roster"}
    rule : dict
        The rule as a mapping (placeholders start with ``CHECK``, so import stops on them).
    notes : dict
        Key -> the comment written at the end of its line (evidence, or ``CHECK: ...``).
    listings : dict
        Key -> comment lines written under it (the stages or titles found).
    """

    kind: str
    rule: dict
    notes: dict = field(default_factory=dict)
    listings: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The codebook key of the rule: ``from_deals`` or ``from_completions``."""
        return "from_deals" if self.kind == "deals" else "from_completions"

    @property
    def checks(self) -> list[str]:
        """The choices left to the client: one line per ``CHECK`` note."""
        return [
            f"{self.name}.{key}: {note.split('CHECK', 1)[1].lstrip(': ')}"
            for key, note in self.notes.items()
            if "CHECK" in note
        ]

    def lines(self, indent: int = 0, first: dict | None = None) -> list[str]:
        """The rule as codebook lines, ``indent`` spaces in; ``first`` keys (a ``source:``)
        are written before the rule's own."""
        pad = " " * indent
        lines = [f"{pad}{self.name}:"]
        for key, value in {**(first or {}), **self.rule}.items():
            if isinstance(value, dict):
                shown = "{" + ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in value.items()) + "}"
            else:
                shown = scalar(value)
            note = self.notes.get(key)
            lines.append(f"{pad}  {key}: {shown}" + (f"  # {note}" if note else ""))
            lines += [f"{pad}    #   {line}" for line in self.listings.get(key, [])]
        return lines

    @property
    def yaml(self) -> str:
        """The rule as codebook YAML (not indented)."""
        return "\n".join(self.lines()) + "\n"


_OWNER = re.compile(
    r"owner|sales ?rep|account executive|salesperson|seller|verk[aä]ufer|commercial", re.IGNORECASE
)
_CLOSE = re.compile(r"close|closing|won date|abschluss", re.IGNORECASE)
_STAGE = re.compile(r"stage|phase|status", re.IGNORECASE)
_AMOUNT = re.compile(r"amount|value|revenue|betrag|montant|umsatz", re.IGNORECASE)
_LEARNER = re.compile(r"learner|user|employee|participant|person|email|e-mail", re.IGNORECASE)
_COURSE = re.compile(r"title|course|content|training|learning object|module", re.IGNORECASE)
_DONE_DATE = re.compile(r"complet|finish|passed|attended", re.IGNORECASE)
_EMAIL = re.compile(r"e-?mail|login|user id", re.IGNORECASE)
_NAME = re.compile(r"name|learner", re.IGNORECASE)
_HIRED = re.compile(r"hire|start date|joined|entry", re.IGNORECASE)
_LEFT = re.compile(r"termination|leav|left|exit|end date", re.IGNORECASE)


def _dates_share(values: pd.Series) -> float:
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return 0.0
    iso = text.str.match(r"^\d{4}-\d{2}-\d{2}")
    slash = text.str.split().str[0].str.fullmatch(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}")
    return float((iso | slash).mean())


def _dated(facts: dict, *, blanks: bool = False):
    """A test of a column for :func:`_pick`: its profile says dates (any format the
    profiles read: ``15-Mar-2025``, Excel serials, month names), or most values are
    ISO or numeric dates; ``blanks``: an empty column passes (no one has left yet)."""

    def test(values: pd.Series) -> bool:
        if blanks and values.dropna().astype(str).str.strip().eq("").all():
            return True
        kind = (facts.get(str(values.name)) or {}).get("kind")
        return kind in ("date", "period") or _dates_share(values) >= 0.9

    return test


def date_formats(frame: pd.DataFrame, columns: list[str], facts: dict) -> tuple[dict, list[str]]:
    """The ``formats:`` entries a rule needs for its date columns, and CHECK notes.

    A column the importer reads by itself (ISO dates, the common numeric forms) needs
    none; a strftime format the profile found (``%d-%b-%Y``) or a named one (Excel
    serials) is written; dates whose month names no format reads are a CHECK.
    """
    formats: dict[str, Any] = {}
    notes: list[str] = []
    for column in dict.fromkeys(columns):
        fact = facts.get(column) or {}
        fmt = fact.get("date_format")
        text = frame[column].dropna().astype(str).str.strip()
        text = text[text != ""]
        if text.empty or (fmt is None and fact.get("kind") not in ("date", "period")):
            continue
        if fmt in DATE_FORMATS_NAMED:
            formats[column] = {"format": fmt}
        elif fmt and not text.str.match(r"^\d{4}-\d{2}-\d{2}").all():
            if fmt not in likely_date_formats(text.str.split().str[0]):
                formats[column] = fmt
        elif fmt is None:
            formats[column] = "CHECK"
            notes.append(
                f"{column}: dates such as {text.iloc[0]!r} that no strftime format reads; write "
                "them as 2025-03-15 in the export, or name the format under formats:"
            )
    return formats, notes


def _pick(frame: pd.DataFrame, pattern: re.Pattern, test=None) -> list[str]:
    """Columns whose header matches ``pattern`` and whose values pass ``test``; a header
    worded as a question (a survey's) is never an export's column."""
    return [
        str(c)
        for c in frame.columns
        if pattern.search(str(c))
        and len(str(c)) <= 60
        and "?" not in str(c)
        and (test is None or test(frame[c]))
    ]


def _money_like(values: pd.Series) -> bool:
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    return (
        not text.empty
        and text.str.fullmatch(r"[-(]?[$€£¥₹]?\s?[\d.,' ]+\)?(\s?[A-Z]{3})?").mean() >= 0.95
    )


def _yaml_list(items: list[str]) -> str:
    import json

    return "[" + ", ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"


def draft_event_rules(frame: pd.DataFrame, facts: dict | None = None) -> EventDraft | None:
    """Recognise an opportunity export or an LMS completion export and draft its rule.

    An opportunity export has an owner, a close date, an amount (money) and a stage
    whose values include a won one; a completion export has a learner, a course title,
    a status (or a completion date) and a date. Column names are the first hint and the
    values decide: a close date must hold dates, an amount numbers.

    Parameters
    ----------
    frame : DataFrame
        The raw table as read (text cells).
    facts : dict, optional
        Known facts about the columns from the draft's column profiles, e.g.
        ``{"Owner Email": {"kind": "email"}}``; used for the match key.

    Returns
    -------
    EventDraft or None
        None when the table is neither kind of export.
    """
    facts = facts or {}
    deals = _draft_deals(frame, facts)
    if deals is not None:
        return deals
    return _draft_completions(frame, facts)


def _key_of(frame: pd.DataFrame, column: str, facts: dict) -> str:
    kind = (facts.get(column) or {}).get("kind")
    if kind in KEY_KINDS:
        return str(kind)
    if kind in ("person name", "person_name"):
        return "name"
    return guess_key_kind(frame[column])


def _one_row_per_deal(frame: pd.DataFrame, facts: dict, owner: str, close: str) -> bool:
    """The rows are deals: an id column with a distinct value on every row, or owners
    that recur on many rows with dates to the day (not one row per rep and period)."""
    for column in frame.columns:
        fact = facts.get(str(column)) or {}
        values = frame[column].dropna().astype(str).str.strip()
        if (
            fact.get("kind") == "identifier"
            and len(values) == len(frame) >= 10
            and values.nunique() == len(frame)
        ):
            return True
    kind = (facts.get(close) or {}).get("kind")
    owners = frame[owner].astype("string").str.strip().nunique()
    return kind == "date" and len(frame) >= 20 and owners <= len(frame) / 3


def _stage_like(values: pd.Series) -> bool:
    """A few labels repeated on many rows (2 to 40 values, each on several rows)."""
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    distinct = text.nunique()
    return 1 < distinct <= 40 and len(text) >= 2 * distinct


def _draft_deals(frame: pd.DataFrame, facts: dict) -> EventDraft | None:
    owners = _pick(frame, _OWNER)
    closes = _pick(frame, _CLOSE, _dated(facts))
    stages = _pick(frame, _STAGE, _stage_like)
    amounts = _pick(
        frame,
        _AMOUNT,
        lambda v: (facts.get(str(v.name)) or {}).get("kind") == "money" or _money_like(v),
    )
    if not (owners and closes and stages and amounts):
        return None
    stage = stages[0]
    values = frame[stage].astype("string").str.strip().value_counts()
    won, lost = _won_and_lost(values)
    owner = next((c for c in owners if guess_key_kind(frame[c]) == "email"), owners[0])
    if not won and not _one_row_per_deal(frame, facts, owner, closes[0]):
        return None  # no won stage by its words, and the rows are not deals by their shape
    key = _key_of(frame, owner, facts)
    converted = [
        c
        for c in amounts
        if re.search(r"company currency|converted|home currency", c, re.IGNORECASE)
    ]
    currencies = _currency_columns(frame)
    amount = converted[0] if converted else amounts[0]
    rule: dict[str, Any] = {
        "roster": "reps",
        "owner": owner,
        "key": key,
        "close_date": closes[0],
        "period": "month",
        "stage": stage,
        "won": f"CHECK {won}",
        "lost": lost if lost else "CHECK []",
        "amount": amount,
    }
    notes = _deal_notes(owner, key, len(values), won, lost)
    _add_date_formats(frame, closes[0], facts, rule, notes)
    listings = {"stage": [f"{s!r}: {n} deals" for s, n in values.head(40).items()]}
    if len(amounts) > 1:
        notes["amount"] = f"the amount columns are {', '.join(map(repr, amounts))}" + (
            "; the CRM's converted one is taken" if converted else ""
        )
    currency_rule, notes["currency"] = _draft_currency(
        frame, facts, amounts, converted, currencies, amount
    )
    rule.update(currency_rule)
    return EventDraft(kind="deals", rule=rule, notes=notes, listings=listings)


def _currency_columns(frame: pd.DataFrame) -> list[str]:
    """Return the columns whose name says they hold each deal's currency.

    Parameters
    ----------
    frame : DataFrame
        The deals file.

    Returns
    -------
    list of str
        Columns named like "Currency", "Deal currency code", "Währung" or "Devise".
    """
    return [
        c
        for c in frame.columns
        if re.fullmatch(r"(deal )?currency( code)?|w[aä]hrung|devise", str(c), re.IGNORECASE)
    ]


def _draft_currency(
    frame: pd.DataFrame,
    facts: dict,
    amounts: list[str],
    converted: list[str],
    currencies: list[str],
    amount: str,
) -> tuple[dict[str, Any], str]:
    """Draft the currency of the deals' amounts, and the note that explains it.

    Parameters
    ----------
    frame : DataFrame
        The deals file.
    facts : dict
        What the column profiles found, by column.
    amounts : list of str
        The amount columns.
    converted : list of str
        Those the CRM converted to the company currency.
    currencies : list of str
        Columns holding each deal's currency.
    amount : str
        The amount column drafted.

    Returns
    -------
    (dict, str)
        The rule's ``currency`` (and ``currency_column``) entries and the note; "CHECK"
        marks what the user must confirm.
    """
    if converted and currencies:
        code, why = _company_currency(frame, amounts, converted[0], currencies[0])
        return {"currency": code or "CHECK"}, why
    if currencies:
        codes = frame[currencies[0]].astype("string").str.strip().value_counts()
        return (
            {"currency_column": currencies[0], "currency": f"CHECK {codes.index[0]}"},
            f"CHECK: currencies {dict(codes)}: the study's currency; add rates: for the others",
        )
    found = list((facts.get(amount) or {}).get("currencies") or [])
    if len(found) == 1:
        return (
            {"currency": found[0]},
            f"found in {amount!r}: {(facts.get(amount) or {}).get('unit')}",
        )
    return (
        {"currency": "CHECK"},
        (
            f"CHECK: no single currency in {amount!r} ({', '.join(found) or 'none'}): "
            "write its ISO code"
        ),
    )


def _kind_words(key: str) -> str:
    return {"email": "e-mail addresses", "name": "people's names", "id": "ids"}.get(key, key)


def _company_currency(
    frame: pd.DataFrame, amounts: list[str], converted: str, column: str
) -> tuple[str | None, str]:
    """The currency a CRM converted amounts into: the code of the deals whose own amount
    equals the converted one (HubSpot's company currency), or None with a CHECK."""
    from analysis.contracts.numbers import NumberFormatError, parse_numbers

    def numbers(name: str) -> pd.Series:
        try:
            parsed, _ = parse_numbers(frame[name], column=name, where="")
        except (NumberFormatError, ValueError):
            parsed = frame[name]
        return pd.to_numeric(parsed, errors="coerce")

    own = [c for c in amounts if c != converted]
    codes = frame[column].astype("string").str.strip().str.upper()
    if own:
        mine, theirs = numbers(own[0]), numbers(converted)
        same = (mine - theirs).abs() < 0.005
        other = mine.notna() & theirs.notna() & ~same
        kept = codes[same & codes.notna()].value_counts()
        if len(kept) and not codes[other].isin([kept.index[0]]).any():
            code = str(kept.index[0])
            return code, (
                f"{int(kept.iloc[0])} deals in {code} have {own[0]!r} = {converted!r}; "
                f"those in {', '.join(sorted(set(codes[other].dropna()))) or 'no other'} do not: "
                f"{converted!r} is in {code}"
            )
    return None, (
        f"CHECK: the currency {converted!r} is converted into (the CRM's company currency); "
        f"{column!r} holds {', '.join(sorted(set(codes.dropna())))}"
    )


def _draft_completions(frame: pd.DataFrame, facts: dict) -> EventDraft | None:
    learners = _pick(frame, _LEARNER)
    courses = _pick(frame, _COURSE, lambda v: v.nunique() > 1)
    statuses = _pick(frame, re.compile(r"status", re.IGNORECASE), lambda v: 1 < v.nunique() <= 20)
    dates = [c for c in _pick(frame, _DONE_DATE, _dated(facts)) if c not in statuses]
    if not (learners and courses and dates):
        return None
    learner = _learner_column(frame, learners)
    key = _key_of(frame, learner, facts)
    course = next((c for c in courses if c not in learners), courses[0])
    titles = frame[course].astype("string").str.strip().value_counts()
    rule: dict[str, Any] = {
        "learner": learner,
        "key": key,
        "course": course,
        "programme": "CHECK",
        "date": dates[0],
        "period": "month",
    }
    notes = {
        "key": f"{learner} holds {_kind_words(key)}: matched to the roster by {key}",
        "programme": (
            "CHECK: which courses are the programme? titles: [...], starts_with: '...' or "
            f"pattern: '...'; the {len(titles)} titles found are listed below"
        ),
        "date": "training_start = the period of a rep's first completed programme row",
    }
    listings = {"programme": [f"{t!r}: {n} rows" for t, n in titles.head(30).items()]}
    if statuses:
        rule = _with_status(frame, statuses[0], rule, notes)
    _add_date_formats(frame, dates[0], facts, rule, notes)
    return EventDraft(kind="completions", rule=rule, notes=notes, listings=listings)


def _won_and_lost(values: pd.Series) -> tuple[list[str], list[str]]:
    """The stages that read as won and as lost (English, German or French words).

    Parameters
    ----------
    values : Series
        Deal counts indexed by stage.
    """
    won = [
        str(v) for v in values.index if re.search(r"\bwon\b|gewonnen|gagn", str(v), re.IGNORECASE)
    ]
    lost = [
        str(v) for v in values.index if re.search(r"\blost\b|verloren|perdu", str(v), re.IGNORECASE)
    ]
    return won, lost


def _deal_notes(owner: str, key: str, n_stages: int, won: list[str], lost: list[str]) -> dict:
    """The notes beside a drafted ``from_deals:`` rule's roster, key and stages."""
    return {
        "roster": "the table with match: (the reps and their active months)",
        "key": f"{owner} holds {_kind_words(key)}: matched to the roster by {key}",
        "stage": f"{n_stages} stages, listed below",
        "won": "CHECK: which stages are won deals? write the list without CHECK"
        + ("" if won else " (no stage reads as won in English, German or French)"),
        "lost": "closed, not won; every other stage is open and not counted"
        if lost
        else "CHECK: which stages are closed and lost? write the list without CHECK (an empty "
        "list counts only won deals as opportunities)",
    }


def _add_date_formats(
    frame: pd.DataFrame, column: str, facts: dict, rule: dict, notes: dict
) -> None:
    """Add the date column's ``formats:`` to a drafted rule, with its note, when it needs one."""
    formats, unread = date_formats(frame, [column], facts)
    if formats:
        rule["formats"] = formats
        notes["formats"] = (
            "CHECK: " + "; ".join(unread)
            if unread
            else f"{column!r}: {(facts.get(column) or {}).get('unit') or 'as the values show'}"
        )


def _learner_column(frame: pd.DataFrame, learners: list[str]) -> str:
    """The learner column to match by: an id-like column not holding names, else the first."""
    return next(
        (
            c
            for c in learners
            if re.search(r"id\b|number|no\.?$", c, re.IGNORECASE)
            and guess_key_kind(frame[c]) != "name"
        ),
        learners[0],
    )


def _with_status(frame: pd.DataFrame, status: str, rule: dict, notes: dict) -> dict[str, Any]:
    """A drafted ``from_completions:`` rule with its status column and completed statuses.

    Returns
    -------
    dict
        The rule with ``status`` and ``completed`` placed before ``date``; the statuses
        found are noted in ``notes``.
    """
    states = frame[status].astype("string").str.strip().value_counts()
    completed = [
        str(s)
        for s in states.index
        if re.fullmatch(
            r"complete[d]?|passed|attended|teilgenommen|termin[ée]", str(s), re.IGNORECASE
        )
    ]
    found = ", ".join(f"{s} ({n})" for s, n in states.items())
    notes["completed"] = (
        f"statuses: {found}" if completed else f"CHECK: which statuses are completions? {found}"
    )
    return {
        **{k: rule[k] for k in ("learner", "key", "course", "programme")},
        "status": status,
        "completed": completed or "CHECK",
        **{k: rule[k] for k in ("date", "period")},
    }


def draft_roster_match(frame: pd.DataFrame, facts: dict | None = None) -> dict:
    """The ``match:`` keys of a roster: its e-mail, full-name, hire and leaving date columns
    (with ``formats:`` for dates the importer does not read by itself, from ``facts``)."""
    facts = facts or {}
    match: dict = {}
    emails = [c for c in _pick(frame, _EMAIL) if guess_key_kind(frame[c]) == "email"]
    names = [c for c in _pick(frame, _NAME) if guess_key_kind(frame[c]) == "name"]
    hired = _pick(frame, _HIRED, _dated(facts))
    left = _pick(frame, _LEFT, _dated(facts, blanks=True))
    if emails:
        match["email"] = emails[0]
    if names:
        match["name"] = names[0]
    if hired:
        match["hired"] = hired[0]
    if left:
        match["left"] = left[0]
    formats, _ = date_formats(frame, [c for c in (hired[:1] + left[:1])], facts)
    formats = {c: f for c, f in formats.items() if f != "CHECK"}
    if formats:
        match["formats"] = formats
    return match
