"""One raw table in a drafted codebook: which contract table it feeds and its rules.

:func:`draft_frame` profiles every raw column (:mod:`analysis.ingest.profiles`), picks
the contract table whose roles the columns fill best (:func:`choose_table`), decides
each role (:mod:`analysis.ingest.mapping.roles`) and turns the decisions into codebook rules:
``rename`` with the evidence of each mapping, ``dates`` in the format the values show
(Excel serials, SAP posting periods, fiscal quarters, month names), ``numbers``,
``units`` (money with its ISO currency, counts, rates, scores) and ``keep`` (only the
mapped columns: personal data and free text stay out). A raw table with several rows per
rep and period (billing lines) or per rep (registrations) gets an ``aggregate`` rule
(:mod:`analysis.ingest.mapping.rows`); one row per deal with dates to the day is drafted
as a CHECK only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.contracts.numbers import NumberFormatError, looks_formatted, parse_numbers
from analysis.contracts.survey import ORDERED
from analysis.contracts.training import REQUIRED
from analysis.ingest.mapping import answers, screening
from analysis.ingest.mapping.answers import scale_order
from analysis.ingest.mapping.roles import COUNT_ROLES, LEVELS, MONEY_ROLES, Decision, decide_roles
from analysis.ingest.mapping.rows import draft_aggregate, draft_rates
from analysis.ingest.profiles import ColumnProfile

__all__ = [
    "TableDraft",
    "draft_frame",
    "grain",
    "looks_like_survey",
    "rank_tables",
    "transactions",
]

LABELS = {
    "meetings": "meetings held",
    "calls": "calls made",
    "opportunities": "opportunities created",
    "wins": "deals won",
    "coaching_sessions": "coaching sessions",
}
SURVEY_REQUIRED = ("respondent_id", "effectiveness")


@dataclass
class TableDraft:
    """The draft of one raw table: its contract table, rules, decisions and CHECK lines.

    ``commented`` drafts are written commented out (not imported): a table the draft
    could not place, or one that needs aggregating first.
    """

    table: str
    spec: dict[str, Any]
    decisions: dict[str, Decision] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    table_checks: list[str] = field(default_factory=list)
    evidence: dict[tuple[str, str], str] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)
    commented: bool = False
    profiles: dict[str, ColumnProfile] = field(default_factory=dict)
    #: roles an event rule builds (from deals or completions) rather than maps from a column
    built: tuple[str, ...] = ()

    @property
    def mapped(self) -> dict[str, str]:
        """Role -> raw column, for the roles the draft settled."""
        return {r: d.column for r, d in self.decisions.items() if d.column}


def _answers(frame: pd.DataFrame, profiles: dict[str, ColumnProfile]) -> dict[str, list[str]]:
    return {
        c: sorted(set(frame[c].dropna().astype(str).str.strip()) - {""})
        for c, p in profiles.items()
        if p.kind == "category"
    }


def rank_tables(
    frame: pd.DataFrame,
    profiles: dict[str, ColumnProfile],
    tables: dict[str, list[str]],
    questions: dict[str, str],
) -> list[tuple[tuple[float, int, int], str, dict[str, Decision]]]:
    """The contract tables the columns could fill, best first, with their role decisions.

    Each table is scored by the share of its required roles that some column fits, then
    by the roles settled, then by the roles with a candidate. A table must also look
    like itself: costs are short (60 rows at most), a panel has a period and a measure,
    a survey has answers worded like the contract's, reactions hold 1-5 ratings.
    """
    found = _answers(frame, profiles)
    survey = looks_like_survey(frame, profiles)
    ranked = []
    for table, roles in tables.items():
        if survey and table in ("reps", "panel"):
            continue  # respondents are not reps, and their answers are not a panel
        decisions = decide_roles(profiles, roles, table, questions=questions, answers=found)
        if survey:
            _ladder_roles(frame, profiles, decisions, found)
        settled = [r for r, d in decisions.items() if d.column]
        seen = [r for r, d in decisions.items() if d.column or d.candidates]
        if table == "panel" and "rep_id" not in seen and _names_repeat(profiles):
            seen.append("rep_id")  # reps named by name on every period: rep_ids makes the id
        required = SURVEY_REQUIRED if table == "survey" else REQUIRED.get(table, ())
        share = sum(r in seen for r in required) / max(len(required), 1)
        if (
            share >= 0.5
            and (settled or share == 1.0)
            and _plausible(table, frame, decisions, profiles)
        ):
            ranked.append(((share, len(settled), len(seen)), table, decisions))
    return sorted(ranked, key=lambda r: r[0], reverse=True)


def looks_like_survey(frame: pd.DataFrame, profiles: dict[str, ColumnProfile]) -> bool:
    """A survey export by its structure, in any language: questions for headers (two or
    more with a ``?`` or of six words and more: the question row), three or more columns
    of answers (categories, yes/no, multi-selects), and a respondent id (an id on every
    row, each distinct) or response timestamps (dates with times)."""
    questions = sum("?" in str(c) or len(str(c).split()) >= 6 for c in frame.columns)
    answers = sum(
        p.kind in ("category", "boolean", "multi_select") and not p.personal
        for p in profiles.values()
    )
    rows = len(frame)
    respondent = any(
        p.kind == "identifier" and p.n == p.unique == rows and rows >= 5 for p in profiles.values()
    )
    stamps = any(p.kind == "date" and ":" in "".join(p.samples) for p in profiles.values())
    return questions >= 2 and answers >= 3 and (respondent or stamps)


def _ladder_roles(
    frame: pd.DataFrame,
    profiles: dict[str, ColumnProfile],
    decisions: dict[str, Decision],
    answers: dict[str, list[str]],
) -> None:
    """A survey's ordered answers recognised by their form where no wording settled the
    role: a column whose answers are a scale of one word and its negation, each also
    with one intensifying word (``Muito ineficaz``, ``Ineficaz``, ``Eficaz``, ``Muito
    eficaz``) is the ordered role with as many levels; its value mapping is a CHECK."""
    taken = {d.column for d in decisions.values() if d.column}
    for role, levels in ORDERED.items():
        decision = decisions.get(role)
        if decision is None or decision.column:
            continue
        found = [
            c
            for c, values in answers.items()
            if c not in taken and (order := scale_order(values)) and len(order) == len(levels)
        ]
        if len(found) == 1:
            decision.column, decision.check = found[0], ""
            taken.add(found[0])


def _names_repeat(profiles: dict[str, ColumnProfile]) -> bool:
    """A column of people's names, each on several rows (a rep on every period)."""
    return any(p.personal == "name" and p.unique <= p.n / 2 for p in profiles.values())


def transactions(frame: pd.DataFrame, profiles: dict[str, ColumnProfile]) -> str | None:
    """Why a raw table is one row per deal or transaction (not per rep and period), if it is:
    many rows, dates to the day with many distinct values, and amounts."""
    days = [c for c, p in profiles.items() if p.kind == "date" and p.unique > 60]
    amounts = [c for c, p in profiles.items() if p.kind in ("money", "number")]
    if len(frame) > 500 and days and amounts:
        return (
            f"one row per deal or transaction ({len(frame)} rows; dates to the day in "
            f"{', '.join(map(repr, days[:2]))}; amounts in {', '.join(map(repr, amounts[:2]))}): "
            "aggregate to the rep-period panel first, one row per rep and month (not yet "
            "supported by the codebook)"
        )
    return None


def _plausible(
    table: str,
    frame: pd.DataFrame,
    decisions: dict[str, Decision],
    profiles: dict[str, ColumnProfile],
) -> bool:
    def has(role: str) -> bool:
        return role in decisions and bool(decisions[role].column or decisions[role].candidates)

    if table == "costs":
        return len(frame) <= 60 and has("amount") and has("item")
    if table == "panel":
        return has("period") and any(has(r) for r in (*MONEY_ROLES, *COUNT_ROLES, "call_score"))
    if table == "survey":
        return sum(bool(decisions[r].column) for r in LEVELS if r in decisions) >= 1
    if table == "reactions":
        return (
            sum(bool(decisions[r].column) for r in ("rating", "relevance", "intent_to_apply")) >= 2
        )
    if table == "assessments":
        return all(decisions[r].column for r in ("score_before", "score_after"))
    if table == "reps":  # keyed by an id, or only by people's names or e-mails
        people = any(p.personal in ("name", "email") for p in profiles.values())
        return has("rep_id") or (people and has("training_start"))
    return True


def grain(table: str, frame: pd.DataFrame, profiles, decisions) -> str | None:
    """Why the raw table is not one row per rep (and period), if it is not."""
    rep = decisions.get("rep_id")
    keys = [
        c
        for c, p in profiles.items()
        if p.kind in ("identifier", "personal") and p.personal in (None, "email", "name")
    ]
    if table == "panel":
        period = decisions.get("period")
        dates = [
            c
            for c, _, _ in (period.candidates if period else [])
            if profiles[c].kind == "date" and profiles[c].unique > 60
        ]
        if dates and not (period and period.column and profiles[period.column].kind == "period"):
            return (
                f"one row per deal or transaction ({len(frame)} rows, dates to the day in "
                f"{', '.join(map(repr, dates[:2]))}): build the rep-month panel with from_deals: "
                "(a CRM export: owner, close_date, stage, won, amount) or, for rows already per "
                "rep, with aggregate: {by: [rep_id, period], sum: [...]} after dates: reads the month"
            )
        if rep and rep.column and period and period.column:
            twice = frame.duplicated([rep.column, period.column]).sum()
            if twice:
                return (
                    f"several rows per rep and period ({twice} of {len(frame)} rows repeat a "
                    f"{rep.column!r}, {period.column!r} pair: billing lines or deal rows): sum them "
                    "into one row per rep and period with an aggregate rule (a share or score "
                    "that differs within a pair cannot be summed)"
                )
    if table == "reps" and keys and all(profiles[c].unique < profiles[c].n for c in keys):
        return (
            f"several rows per rep ({len(frame)} rows, {max(profiles[c].unique for c in keys)} "
            "people: one row per learning record or registration): an aggregate rule by "
            "rep_id takes each rep's earliest training_start once rep_id is mapped"
        )
    return None


def draft_frame(
    frame: pd.DataFrame,
    table: str | None,
    decisions: dict[str, Decision],
    profiles: dict[str, ColumnProfile],
    *,
    questions: dict[str, str] | None = None,
    qualtrics: bool = False,
    labels: dict[str, tuple[dict[str, str], str]] | None = None,
) -> TableDraft:
    """The draft of one raw table as contract ``table`` (see the module docstring).

    ``labels``: column -> (code -> label, the file listing them), from a printed survey
    delivered with a survey exported as numeric codes (:mod:`analysis.ingest.mapping.recodes`).
    """
    questions = questions or {}
    if table is None:
        return TableDraft(
            "",
            {},
            commented=True,
            profiles=profiles,
            table_checks=[
                (
                    "no contract table: the columns fill no table's roles (a cover, notes or "
                    "parameters sheet?); name the table and map its columns, or leave it out"
                )
            ],
        )
    draft = TableDraft(table, {}, decisions=decisions, profiles=profiles)
    why = transactions(frame, profiles) or grain(table, frame, profiles, decisions)
    if why:
        draft.table_checks.append(why)
        draft.commented = True
    if table == "survey":
        _survey_rules(draft, frame, questions, qualtrics, labels or {})
    _prune_checks(draft)
    _summarise_optional(draft)
    _required_open(draft)
    _left_out(draft)
    _rename(draft)
    _dates(draft)
    _numbers(draft, frame)
    _units(draft)
    _keep(draft)
    draft_rates(draft, frame)  # a money column in two currencies: the client's rates
    draft_aggregate(draft, frame)  # several rows per key: summed, where they can be
    return draft


def _survey_rules(
    draft: TableDraft, frame: pd.DataFrame, questions, qualtrics: bool, labels: dict
) -> None:
    drop, notes = answers.drop_rules(frame, draft.profiles, qualtrics)
    draft.checks += [n[len("CHECK ") :] for n in notes if n.startswith("CHECK ")]
    notes = [n for n in notes if not n.startswith("CHECK ")]
    first_line = 4 if qualtrics else 0
    required = {
        r: d.column
        for r in SURVEY_REQUIRED
        if r in LEVELS and (d := draft.decisions.get(r)) and d.column
    }
    blank, lines = screening.blank_key_answers(frame, required, drop, first_line)
    drop, draft.checks = drop + blank, draft.checks + lines
    if drop:
        draft.spec["drop_rows"] = drop
        if notes:
            draft.comments["drop_rows"] = [f"rows that are not responses: {'; '.join(notes)}"]
    multi, flags, checks, used = answers.practice_rules(frame, draft.profiles, questions, labels)
    if multi:
        draft.spec["multi_select"] = multi
    if flags:
        draft.spec["flags"] = flags
    draft.checks += checks
    for decision in draft.decisions.values():
        if decision.column in used:
            decision.column = None
    values = {}
    for role in LEVELS:
        level_decision = draft.decisions.get(role)
        if level_decision is not None and level_decision.column:
            mapping, lines = answers.value_mapping(
                role, frame[level_decision.column], labels.get(level_decision.column)
            )
            if mapping:
                values[role] = mapping
            draft.checks += lines
    if values:
        draft.spec["values"] = values
    _unworded_questions(draft, frame)
    weight = draft.decisions.get("weight")
    if weight is not None and not weight.column:  # a survey weight is drafted, never dropped
        taken = set(draft.mapped.values()) | used
        weight.column, weight.check = screening.survey_weight(
            frame, draft.profiles, taken, first_line
        )
        draft.checks += [weight.check] if weight.column else []
        weight.check = ""
        if not weight.column:  # no column is a weight by its values and name: none to list
            weight.candidates = []
    rid = draft.decisions.get("respondent_id")
    if rid is not None and not rid.column and not rid.candidates:
        draft.spec["row_ids"] = "respondent_id"
        draft.checks.append("no respondent id: each response gets one from its row (row_ids)")
        rid.check = ""
        _identical_answers(draft, frame)


def _unworded_questions(draft: TableDraft, frame: pd.DataFrame) -> None:
    """A survey recognised by its structure alone (no answer worded like the contract's
    levels, as in another language): one CHECK naming the roles left open and the
    questions no rule took, so the reviewer maps them by their wording."""
    worded = [
        r for r in LEVELS if (d := draft.decisions.get(r)) is not None and d.column and d.candidates
    ]
    if worded:
        return
    open_roles = [r for r in LEVELS if (d := draft.decisions.get(r)) is None or not d.column]
    taken = set(draft.mapped.values()) | set(draft.spec.get("multi_select") or {})
    taken |= set(draft.spec.get("flags") or {})
    left = [
        c
        for c, p in draft.profiles.items()
        if c not in taken and p.kind in ("category", "boolean") and not p.personal and "?" in c
    ]
    if not open_roles or not left:
        return
    shown = "; ".join(f"{c!r} [{draft.profiles[c].describe()}]" for c in left[:6])
    draft.checks.append(
        f"the answers are worded in no way the draft reads ({', '.join(open_roles)} are open): "
        f"if one of these questions asks one of them, add it under rename and map its answers "
        f"under values: {shown}"
    )


def _identical_answers(draft: TableDraft, frame: pd.DataFrame) -> None:
    """Responses that give the same answer to every mapped question, in a tool without
    response ids: a form submitted twice, or two people who answered alike. Only the
    client can tell, so the draft asks (``identical_rows``) instead of counting both."""
    columns = [d.column for d in draft.decisions.values() if d.column and d.column in frame]
    columns += [c for c in (draft.spec.get("flags") or {}) if c in frame]
    columns += [c for c in (draft.spec.get("multi_select") or {}) if c in frame]
    columns = list(dict.fromkeys(columns))
    if not columns:
        return
    twins = frame[columns].astype("string").duplicated(keep=False)
    if not twins.any():
        return
    lines = ", ".join(str(i) for i in frame.index[twins][:6])
    draft.spec["identical_rows"] = "CHECK_drop_or_keep"
    draft.checks.append(
        f"rows {lines} give the same answer to every question: set identical_rows: drop if a "
        "response was submitted twice (one person, moments apart), or keep if different "
        "people answered alike"
    )


def _summarise_optional(draft: TableDraft) -> None:
    """Optional roles no column's name points at: one CHECK listing the unmapped columns
    whose values could fill them, instead of one line per role."""
    required = {
        *REQUIRED.get(draft.table, ()),
        *SURVEY_REQUIRED,
        "revenue",
        "amount",
        "item",
        *LEVELS,
    }
    taken = set(draft.mapped.values())
    roles, columns = [], {}
    for role, decision in draft.decisions.items():
        if decision.column or role in required or "name points at" in decision.check:
            continue
        if "compete" in decision.check:
            continue
        left = [c for c, _, _ in decision.candidates if c not in taken]
        if left:
            roles.append(role)
            columns.update({c: draft.profiles[c] for c in left})
        decision.check, decision.suggestion = "", None
    if columns:
        shown = "; ".join(f"{c!r} [{p.describe()}]" for c, p in list(columns.items())[:6])
        draft.checks.append(
            f"unmapped columns whose values could be {', '.join(roles)}: {shown}; add any a study "
            "needs under rename"
        )


def _prune_checks(draft: TableDraft) -> None:
    """An open role's CHECK names only columns no other role took; none left, no CHECK."""
    taken = (
        set(draft.mapped.values())
        | set(draft.spec.get("multi_select") or {})
        | set(draft.spec.get("flags") or {})
    )
    for decision in draft.decisions.values():
        if decision.column or not decision.check or "compete" in decision.check:
            continue
        left = [c for c in decision.candidates if c[0] not in taken]
        if "the name points at" not in decision.check and not left:
            decision.check, decision.suggestion = "", None
        elif decision.suggestion in taken:
            decision.suggestion = None


def _rename(draft: TableDraft) -> None:
    rename = {}
    for role, decision in draft.decisions.items():
        if role == "weight" and not decision.column:
            decision.check = ""
        if decision.column:
            rename[decision.column] = role
            draft.evidence[("rename", decision.column)] = draft.profiles[decision.column].describe()
    if rename:
        draft.spec["rename"] = rename


def _dates(draft: TableDraft) -> None:
    dates: dict[str, Any] = {}
    for role in ("period", "training_start"):
        decision = draft.decisions.get(role)
        column = draft.mapped.get(role) or (decision.suggestion if decision else None)
        if column is None:  # a suggestion's format is written too: uncommenting it is enough
            continue
        profile = draft.profiles[column]
        fmt = profile.date_format
        if fmt == "fiscal_quarter":
            dates[role] = {
                "format": fmt,
                "fiscal_year_start": "CHECK: the month the fiscal year starts (1-12)",
                "fiscal_year_named": "end",
            }
            if not any("fiscal_year_start" in c for c in draft.checks):  # once per table
                draft.checks += _fiscal_checks(role, profile)
        elif fmt == "sap_period":
            dates[role] = {"format": fmt}
            if any("special periods" in n for n in profile.notes):
                dates[role]["special_periods"] = "drop"
                draft.checks.append(
                    f"{role}: SAP special periods 13-16 (year-end postings) are dropped"
                )
        elif fmt in ("excel_serial", "month_name"):
            dates[role] = {"format": fmt}
        elif fmt:
            dates[role] = fmt
            draft.checks += [f"{role}: {n}" for n in profile.notes if "cannot be told" in n]
    if dates:
        draft.spec["dates"] = dates


def _fiscal_checks(role: str, profile: ColumnProfile) -> list[str]:
    """The two questions fiscal quarters leave: the month the fiscal year starts, and
    whether a fiscal year is named by the calendar year it ends or starts in."""
    label = str(profile.samples[0]) if profile.samples else "FY25 Q1"
    year = re.search(r"FY\s*'?(\d{2}|\d{4})", label, re.IGNORECASE)
    name = f"FY{year[1]}" if year else "FY25"
    number = int(year[1]) if year else 25
    full = number + 2000 if number < 100 else number
    start = (
        f"{role}: fiscal quarters ({', '.join(map(repr, profile.samples))}): write the month "
        "the client's fiscal year starts as fiscal_year_start (4 for April)"
    )
    naming = (
        f"{role}: does {name} end in {full} or start in {full}? Companies differ. Drafted: "
        f"fiscal_year_named: end ({name} ends in {full}: with an April start, Q1 {name} is "
        f"April-June {full - 1}); write start if {name} starts in {full} (Q1 {name} = "
        f"April-June {full})"
    )
    return [start, naming]


def _numbers(draft: TableDraft, frame: pd.DataFrame) -> None:
    numbers = {}
    for role, column in draft.mapped.items():
        if draft.profiles[column].kind not in ("money", "number", "count", "share", "score"):
            continue
        if frame[column].dtype == object and looks_formatted(frame[column]):
            try:
                _, info = parse_numbers(frame[column], column=column, where="")
            except NumberFormatError as error:
                if "mixes currencies" in str(error):
                    continue
                numbers[role] = {"decimal": "CHECK: '.' or ','"}
                draft.checks.append(
                    f"{column}: the decimal mark cannot be told from the values; set it"
                )
                continue
            if info["decimal"] == ",":
                numbers[role] = {"decimal": ","}
    if numbers:
        draft.spec["numbers"] = numbers


def _units(draft: TableDraft) -> None:
    units: dict[str, dict] = {}
    for role, column in list(draft.mapped.items()):
        profile = draft.profiles[column]
        if profile.kind in ("money", "number") and role in MONEY_ROLES:
            units[role] = {"unit": "money"}
            if profile.currencies:
                units[role]["currency"] = profile.currencies[0]
            else:
                draft.checks.append(
                    f"{role}: no currency in {column!r} or its header: add currency: to units.{role}"
                )
            draft.evidence[("units", role)] = f"unit found: {profile.unit or 'none'}"
        elif role in COUNT_ROLES:
            units[role] = {"unit": "count", "label": LABELS[role]}
        elif profile.kind == "share" or role == "win_rate":
            units[role] = {"unit": "rate"}
        elif profile.kind == "score" and profile.scale:
            units[role] = {"unit": "score", "scale": [int(v) for v in profile.scale]}
        elif role == "call_score":  # the contract's scale, which the values keep to
            units[role] = {"unit": "score", "scale": [0, 100]}
    for role, decision in draft.decisions.items():  # money suggested, not yet mapped
        suggested = decision.suggestion
        found = {draft.profiles[c].currencies for c, _, _ in decision.candidates}
        if suggested is None and decision.check and role in MONEY_ROLES and len(found) == 1:
            (codes,) = found  # candidates in one currency: the answer is the column alone
            if len(codes) == 1:
                units[role] = {"unit": "money", "currency": codes[0]}
                draft.evidence[("units", role)] = f"every candidate for {role} is in {codes[0]}"
            continue
        if decision.column or role not in MONEY_ROLES or suggested not in draft.profiles:
            continue
        profile = draft.profiles[str(suggested)]
        if profile.currencies:  # written now, so uncommenting the suggestion is enough
            units[role] = {"unit": "money", "currency": profile.currencies[0]}
            draft.evidence[("units", role)] = f"of {suggested!r} if it is {role}: {profile.unit}"
        else:
            draft.checks.append(
                f"units.{role}: if {suggested!r} is {role}, its currency is in neither its values "
                f"nor its header: add units: {{{role}: {{unit: money, currency: <ISO code>}}}}"
            )
    if units:
        draft.spec["units"] = units


def _left_out(draft: TableDraft) -> None:
    """Measured columns (money, counts, shares, scores) that no role took and no CHECK
    names: said aloud, since another table of the study may need them."""
    said = " ".join(draft.checks + [d.check for d in draft.decisions.values()])
    taken = set(draft.mapped.values())
    left = [
        c
        for c, p in draft.profiles.items()
        if p.kind in ("money", "share", "score") and c not in taken and repr(c) not in said
    ]
    if left:
        shown = "; ".join(f"{c!r} [{draft.profiles[c].describe()}]" for c in left[:4])
        draft.checks.append(
            f"left out (no {draft.table} role fits): {shown}; another table may need them"
        )


def _required_open(draft: TableDraft) -> None:
    """A required role with no candidate at all still gets a CHECK, naming the personal
    columns when they are the only key (names or e-mails cannot be ids in a report)."""
    required = SURVEY_REQUIRED if draft.table == "survey" else REQUIRED.get(draft.table, ())
    people = [c for c, p in draft.profiles.items() if p.personal in ("name", "email")]
    for role in required:
        decision = draft.decisions.get(role)
        if decision is None or decision.column or decision.check or draft.spec.get("row_ids"):
            continue
        if role == "rep_id" and people:
            shown = "; ".join(f"{c!r} [{draft.profiles[c].describe()}]" for c in people[:3])
            decision.check = (
                f"rep_id: no id column; the rows are keyed only by personal data ({shown}): make "
                "a pseudonymous rep id from the names with rep_ids: {from: <name column>, key: "
                "name}, or match the people to a roster with ids (match:)"
            )
        else:
            decision.check = f"{role}: no column's values fit {role}; the file may not hold it"


def _keep(draft: TableDraft) -> None:
    keep = [r for r in draft.decisions if draft.decisions[r].column]
    for rule in ("flags", "multi_select"):
        for target in (draft.spec.get(rule) or {}).values():
            options = target["options"].values() if isinstance(target, dict) else [target]
            keep += [
                t for t in dict.fromkeys(options) if not t.startswith("other_") and t not in keep
            ]
    if draft.spec.get("row_ids"):
        keep.insert(0, "respondent_id")
    draft.spec["keep"] = keep
    draft.comments["keep"] = [
        "only these columns are imported: names, e-mails and free text stay out"
    ]
