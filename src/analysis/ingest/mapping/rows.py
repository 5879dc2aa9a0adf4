"""Drafting the rules that make rows and amounts fit the contract: several rows per key
summed into one (``aggregate``, :mod:`analysis.ingest.rules.aggregate`), and one money column in
several currencies converted at the client's rates (``numbers.<col>.rates``,
:mod:`analysis.ingest.rules.money`).

Both are drafted from what the values show, and both leave the client's choice to the
client: which kinds of row count towards a sum (invoices, credit memos, cancellations;
attended, cancelled, no-show) and the rate of each currency are ``CHECK`` placeholders
listing what the file holds, never guesses. A table that cannot be summed as it is (a
share or a score that differs within a key) stays commented out with a CHECK saying why.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.contracts.numbers import NumberFormatError, currencies_in, parse_numbers
from analysis.contracts.training import PANEL_MEASURES
from analysis.ingest.mapping.roles import COUNT_ROLES, MONEY_ROLES
from analysis.ingest.rules.aggregate import NOT_ADDITIVE

__all__ = ["KEYS", "draft_aggregate", "draft_rates"]

#: The key of each contract table that can be summed into: one row per rep (and period).
KEYS = {"panel": ("rep_id", "period"), "reps": ("rep_id",)}
#: Largest number of distinct values a column telling kinds of row apart may have.
MAX_TYPES = 30
COMMENT = (
    "several rows per key (billing lines, registrations): one row per key, each column summed, "
    "the earliest, or one value per key"
)
_ADDITIVE = {r for r, (kind, _, _) in PANEL_MEASURES.items() if kind in ("count", "amount")}


def _panel_like(frame: pd.DataFrame, rep: str, start: str | None) -> bool:
    """Whether the rows of each rep carry the same two or more dates (a rep-period grid).

    A list of registrations has a rep's own dates; a sheet in which every rep has the same
    months is a panel, whose earliest month is not a training start.
    """
    if start is None:
        return True
    dates = {
        key: frozenset(values.dropna().astype(str))
        for key, values in frame.groupby(frame[rep].astype("string"))[start]
    }
    shared = set(dates.values())
    return len(dates) > 1 and len(shared) == 1 and len(next(iter(shared))) > 1


def _roles(draft) -> dict[str, str]:
    """Role -> raw column, for the roles mapped, those suggested on a commented line, and
    those a CHECK leaves open between candidates (the first stands for their kind): the
    rule names each, so that answering the CHECK is enough."""
    found = {}
    for role, decision in draft.decisions.items():
        column = decision.column or (decision.suggestion if decision.check else None)
        if not column and decision.check and decision.candidates:
            column = decision.candidates[0][0]
        if column and column in draft.profiles:
            found[role] = str(column)
    return found


def draft_aggregate(draft, frame: pd.DataFrame) -> None:
    """A panel or reps table with several rows per key: draft ``aggregate`` in place of
    the CHECK that kept it out, when every column it keeps can be combined.

    ``draft`` is the :class:`~analysis.ingest.mapping.tables.TableDraft` after its other
    rules; it is changed in place (spec, checks, comments, commented). Money and counts
    are summed, dates and periods take the earliest, other columns must be one value
    per key. The column telling the kinds of row apart (the category that differs
    within a key and has the fewest values) gets ``line_types`` with the types that
    count as a CHECK placeholder listing each type's rows (and its sum).
    """
    if draft.table == "costs":
        _net_credits(draft, frame)
        return
    keys = KEYS.get(draft.table)
    why = [c for c in draft.table_checks if c.startswith("several rows per rep")]
    if keys is None or not draft.commented or not why:
        return
    roles = _roles(draft)
    if any(k not in draft.mapped for k in keys):
        return
    if draft.table == "reps" and _panel_like(frame, roles[keys[0]], roles.get("training_start")):
        return  # every rep on the same dates: a panel sheet, not a list of the trained
    raw_keys = [roles[k] for k in keys]
    groups = frame.groupby([frame[c].astype("string") for c in raw_keys], sort=False)
    varies = {c: bool((groups[c].nunique() > 1).any()) for c in frame.columns if c not in raw_keys}
    rule, refused = _aggregate_rule(draft, roles, keys, varies)
    if refused:
        draft.table_checks.append(
            "these columns cannot be summed into one row per key: "
            + "; ".join(refused)
            + " (a share or score is not additive: ask for its parts, or leave it out)"
        )
        return
    spec: dict[str, Any] = {k: v for k, v in rule.items() if v}
    if _copies_only(draft, frame, raw_keys, keys, spec, why):
        return
    types, note = _line_types(draft, frame, groups, varies, roles, rule["sum"])
    twice = int(frame.duplicated(raw_keys).sum())
    done = [f"{', '.join(rule['sum'])} added up"] if rule["sum"] else []
    done += [f"{', '.join(rule['earliest'])} the earliest"] if rule["earliest"] else []
    done += [f"{', '.join(rule['same'])} one value per key"] if rule["same"] else []
    head = (
        f"several rows per {' and '.join(keys)} ({twice} of {len(frame)} rows repeat a key): "
        f"combined into one row per key (aggregate: {'; '.join(done) or 'the key only'})"
    )
    if types:
        spec["line_types"] = types
        draft.checks.append(f"{head}; {note}")
    else:
        draft.checks.append(
            f"{head}; no column tells the rows of a key apart: if they are copies of one "
            "another rather than parts of one total, drop them instead of summing"
        )
    draft.table_checks = [c for c in draft.table_checks if c not in why]
    draft.commented = bool(draft.table_checks)
    draft.spec["aggregate"] = spec
    draft.comments["aggregate"] = [COMMENT]


def _aggregate_rule(
    draft, roles: dict[str, str], keys, varies: dict[str, bool]
) -> tuple[dict[str, list[str]], list[str]]:
    """How each role combines into one row per key, and the columns that cannot.

    Returns
    -------
    (dict, list of str)
        ``by`` (the keys), ``sum``, ``same`` and ``earliest`` role lists, and one
        phrase per column that cannot be combined (a share or score, or another
        column, that differs within a key).
    """
    rule: dict[str, list[str]] = {"by": list(keys), "sum": [], "same": [], "earliest": []}
    refused = []
    for role, column in roles.items():
        if role in keys:
            continue
        profile = draft.profiles[column]
        if role == "training_start" or profile.kind in ("date", "period"):
            rule["earliest"].append(role)
        elif role in NOT_ADDITIVE or profile.kind in ("share", "score"):
            if varies[column]:
                refused.append(f"{column!r} ({role}, {profile.kind}) differs within a key")
            else:
                rule["same"].append(role)
        elif (role in MONEY_ROLES or role in COUNT_ROLES or role in _ADDITIVE) and profile.kind in (
            "money",
            "number",
            "count",
        ):
            rule["sum"].append(role)
        elif varies[column]:
            refused.append(f"{column!r} ({role}) has several values within a key")
        else:
            rule["same"].append(role)
    return rule, refused


def _copies_only(draft, frame: pd.DataFrame, raw_keys, keys, spec: dict, why: list[str]) -> bool:
    """Rows repeating a key that are copies of one another in every raw column: a row
    exported twice, not the parts of one total. Summing them would count it twice, so the
    draft asks (``identical_rows``, as for a form submitted twice) instead of drafting
    ``aggregate``; returns whether it did (``draft`` changed in place)."""
    text = frame.astype("string")
    repeats = text.duplicated(raw_keys, keep=False).to_numpy()
    if not repeats.any():
        return False
    alike = text[repeats]
    if len(alike.drop_duplicates()) != len(alike[raw_keys].drop_duplicates()):
        return False  # some key has rows that differ: parts of one total, for aggregate
    copies = frame.index[text.duplicated(keep="first").to_numpy()]
    lines = ", ".join(map(str, copies[:6])) + (
        f" and {len(copies) - 6} more" if len(copies) > 6 else ""
    )
    sums = f", sum: [{', '.join(spec['sum'])}]" if spec.get("sum") else ""
    draft.spec["identical_rows"] = "CHECK_drop_or_keep"
    draft.checks.append(
        f"rows {lines} repeat a {' and '.join(keys)} and are copies of an earlier row in every "
        "column: set identical_rows: drop if the export wrote them twice (the first of each is "
        "kept), or keep if they are truly separate lines; these then also need "
        f"aggregate: {{by: [{', '.join(keys)}]{sums}}} to become one row per key"
    )
    draft.table_checks = [c for c in draft.table_checks if c not in why]
    draft.commented = bool(draft.table_checks)
    return True


def _net_credits(draft, frame: pd.DataFrame) -> None:
    """Cost lines with credits (negative amounts, a refund or a cancelled booking): the
    costs contract takes no negative amount, so ``aggregate`` nets the lines of one
    ``item``; the CHECK asks for the column naming the kind of cost, which a credit and
    the cost it reverses share (listing the category columns that could). A column that
    is the difference of two others (a budget-vs-actual variance) is not an amount."""
    amount, item = draft.decisions.get("amount"), draft.decisions.get("item")
    if amount is None or item is None:
        return
    columns = [amount.column] if amount.column else [c for c, _, _ in amount.candidates]
    measured = [c for c, p in draft.profiles.items() if p.kind in ("money", "number", "count")]
    numbers = {c: _numbers_of(frame[c]) for c in dict.fromkeys([*columns, *measured])}
    negative = [
        c for c in columns if (draft.profiles[c].minimum or 0) < 0 and not _difference(c, numbers)
    ]
    if not negative:
        return
    kinds = [
        c
        for c in ([item.column] if item.column else [c for c, _, _ in item.candidates])
        if draft.profiles[c].kind == "category"
        and 1 < draft.profiles[c].unique < draft.profiles[c].n
    ]
    others = [r for r in draft.mapped if r not in ("item", "amount")]
    draft.spec["aggregate"] = {
        "by": ["item"],
        "sum": ["amount"],
        **({"same": others} if others else {}),
    }
    draft.comments["aggregate"] = [
        "credits netted against the costs of their kind: amount added up per item"
    ]
    lowest = min(draft.profiles[c].minimum or 0 for c in negative)
    draft.checks.append(
        f"amount: {', '.join(map(repr, negative))} holds credits (down to {lowest:,.2f}), and a cost "
        "table takes no negative amount: aggregate adds amount up per item, so set item to the "
        "column naming the kind of cost, which a credit shares with the cost it reverses"
        + (f" ({', '.join(map(repr, kinds))})" if kinds else "")
        + "; with one item per line, each credit stays negative and validate names it"
    )


def _numbers_of(values: pd.Series) -> pd.Series | None:
    try:
        return parse_numbers(values, column=str(values.name), where="")[0]
    except NumberFormatError:
        numbers = pd.to_numeric(values, errors="coerce")
        return numbers if numbers.notna().any() else None


def _difference(column: str, numbers: dict[str, pd.Series | None]) -> bool:
    """Whether ``column`` equals one other column minus another, row by row."""
    mine = numbers[column]
    others = [c for c, v in numbers.items() if c != column and v is not None]
    if mine is None:
        return False
    return any(
        ((numbers[a] - numbers[b] - mine).abs() < 0.005).all()  # type: ignore[operator]
        for a in others
        for b in others
        if a != b
    )


def _line_types(draft, frame, groups, varies, roles, summed) -> tuple[dict, str]:
    """The ``line_types`` placeholder and the CHECK text listing what each type holds."""
    taken = set(roles.values())
    options = [
        c
        for c, p in draft.profiles.items()
        if p.kind == "category"
        and p.personal is None
        and c not in taken
        and varies.get(c)
        and 2 <= p.unique <= MAX_TYPES
    ]
    if not options:
        return {}, ""
    column = min(options, key=lambda c: (draft.profiles[c].unique, options.index(c)))
    text = frame[column].astype("string").str.strip().fillna("")
    twins = [c for c in options if c != column and _same_split(frame, column, c)]
    labels = frame.groupby(text)[twins[0]].first().astype(str) if twins else None
    amounts = _amounts(frame, roles, summed)
    shown = []
    for value, rows in text.value_counts().items():
        label = f" = {labels[value]}" if labels is not None else ""
        total = f", sum {amounts[text == value].sum():,.2f}" if amounts is not None else ""
        shown.append(f"{value}{label} ({rows:,} rows{total})")
    others = [c for c in options if c != column and c not in twins]
    also = (
        f"; {', '.join(map(repr, others[:3]))} also differ within a key (drop_rows can leave "
        "out rows by their values)"
        if others
        else ""
    )
    values = ", ".join(str(v) for v in text.value_counts().index)
    types = {
        "column": column,
        "include": f"CHECK: the {column} values whose rows count, from {values}",
    }
    signed = " (signed amounts net out, so credits and cancellations usually count)"
    note = (
        f"which kinds of row count is the client's choice: {column!r} holds {'; '.join(shown)}; "
        f"list those that count under aggregate.line_types.include{signed if amounts is not None else ''}"
        f"{also}"
    )
    return types, note


def _same_split(frame: pd.DataFrame, one: str, other: str) -> bool:
    """Whether two columns tell the rows apart alike (a code and its text, F2 = Rechnung)."""
    pair = frame[[one, other]].astype("string").drop_duplicates()
    return bool(pair[one].is_unique and pair[other].is_unique)


def _amounts(frame: pd.DataFrame, roles: dict[str, str], summed: list[str]) -> pd.Series | None:
    """The first summed money column as numbers, for the CHECK's per-type sums (None if
    it cannot be read as it stands)."""
    for role in summed:
        if role in MONEY_ROLES:
            try:
                values, _ = parse_numbers(frame[roles[role]], column=roles[role], where="")
            except NumberFormatError:
                return None
            return values.fillna(0.0)
    return None


def draft_rates(draft, frame: pd.DataFrame) -> None:
    """A money role whose values mix currencies: mapped, converted to the currency most
    values are in, with the rate of each other currency as a CHECK placeholder (the
    client's rate, never guessed) and a CHECK naming the currencies and their counts.

    Runs after the draft's ``numbers`` and ``units``; changes ``draft`` in place.
    """
    for role, decision in draft.decisions.items():
        column = decision.column
        if role not in MONEY_ROLES or not column or len(draft.profiles[column].currencies) < 2:
            continue
        codes = [
            found[0] if len(found) == 1 else ""
            for found in (currencies_in(str(t)) for t in frame[column].dropna())
        ]
        counts = pd.Series([c for c in codes if c]).value_counts()
        target = str(counts.index[0])
        others = [str(c) for c in counts.index[1:]]
        draft.spec.setdefault("numbers", {})[role] = {
            "currency": target,
            "rates": {c: f"CHECK: {target} per {c}, the client's rate" for c in others},
        }
        draft.spec.setdefault("units", {})[role] = {"unit": "money", "currency": target}
        draft.evidence[("units", role)] = f"converted to {target}: numbers.{role}"
        bare = sum(1 for c in codes if not c)
        draft.checks.append(
            f"{role}: {column!r} mixes currencies ("
            + ", ".join(f"{c} {n:,} values" for c, n in counts.items())
            + (f", {bare:,} with no currency sign" if bare else "")
            + f"): converted to {target}, the currency most values are in; write the rate the "
            f"client converts at for {', '.join(others)} under numbers.{role}.rates "
            f"({target} per unit of each)"
        )
