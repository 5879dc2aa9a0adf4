"""The rep-period panel from one row per deal (``from_deals:``)."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from analysis.contracts.numbers import parse_numbers
from analysis.contracts.readers import SOURCE_ROW
from analysis.ingest.events.matching import (
    MAX_UNMATCHED,
    Roster,
    check_unmatched,
    guess_key_kind,
    match_people,
)
from analysis.ingest.events.rules import (
    listed,
    period_labels,
    read_event_dates,
    require_columns,
    source_name,
    to_periods,
)
from analysis.ingest.read.sources import CodebookError
from analysis.ingest.rules.money import check_declared_currency
from analysis.ingest.rules.units import ISO_4217

__all__ = ["build_deals_table"]


def build_deals_table(
    frame: pd.DataFrame, spec: dict, name: str, rosters: dict[str, Roster], apply_table
) -> tuple[pd.DataFrame, dict, list[str]]:
    """The rep-period panel from one row per deal (see the module docstring).

    Returns
    -------
    (DataFrame, dict, list of str)
        The panel (``rep_id, period, revenue, wins, opportunities, avg_deal_size``), its
        record (deals by kind, match report, deals outside active months, window) and
        warnings for the user.

    Raises
    ------
    CodebookError
        A roster table not built before this one, a won or lost stage the file never
        holds, a won deal without an amount, an amount in another currency without a
        stated rate, or more unmatched reps than ``max_unmatched``.
    """
    where = source_name(spec)
    rule = spec["from_deals"]
    roster = _deals_roster(rule, rosters, name)
    deals, record = _read_deals(frame, spec, name, apply_table)
    owner, stage = str(rule["owner"]), str(rule["stage"])
    stages = deals[stage].astype("string").str.strip()
    won, lost = listed(rule.get("won")), listed(rule.get("lost"))
    is_won, is_lost = _stage_flags(stages, won, lost, stage, where)
    closed = is_won | is_lost
    values = _deal_amounts(deals, rule, is_won, where)
    period = rule.get("period", "month")
    periods = _close_periods(deals, rule, closed, where)
    kind = rule.get("key") or guess_key_kind(deals[owner])
    result = match_people(
        deals[owner], roster, kind, where=where, column=owner, aliases=rule.get("aliases")
    )
    messages = check_unmatched(
        result,
        counted=values.where(is_won, 0.0).fillna(0.0).astype(float),
        what="won revenue",
        roster_side=True,
        limit=float(rule.get("max_unmatched", MAX_UNMATCHED)),
    )
    window = _window(rule, periods[closed], period, where)
    rows = pd.DataFrame(
        {
            "rep_id": result.rep_id,
            "period": periods,
            "won": is_won,
            "closed": closed,
            "amount": values.where(is_won, 0.0),
        }
    )[closed.to_numpy()]
    rows = rows.dropna(subset=["rep_id"])
    active = _active_periods(roster, window, period, set(rows["rep_id"]))
    rows, outside_record = _drop_outside_active(rows, active, roster, window, where, messages)
    panel = _deals_panel(rows, active)
    record.update(
        {
            "rows_out": len(panel),
            "units": _units(rule.get("currency")),
            "from_deals": _deals_summary(
                rule, where, stages, (is_won, is_lost), panel, window, outside_record
            )
            | {"match": result.report},
        }
    )
    return panel, record, messages


def _deals_summary(
    rule: dict,
    where: str,
    stages: pd.Series,
    flags: tuple[pd.Series, pd.Series],
    panel: pd.DataFrame,
    window: tuple[pd.Period, pd.Period],
    outside_record: list[dict],
) -> dict:
    """The ``from_deals`` part of the table's record, without the match report.

    Returns
    -------
    dict
        Stages, deal counts by kind, period, window, reps, revenue, wins, currency and
        the deals outside active months.
    """
    is_won, is_lost = flags
    closed = is_won | is_lost
    return {
        "file": where,
        "won": listed(rule.get("won")),
        "lost": listed(rule.get("lost")),
        "open_stages": sorted(set(stages.dropna()) - set(stages[closed].dropna())),
        "deals": len(stages),
        "won_deals": int(is_won.sum()),
        "lost_deals": int(is_lost.sum()),
        "open_deals": int((~closed).sum()),
        "period": rule.get("period", "month"),
        "window": [str(window[0]), str(window[1])],
        "reps": int(panel["rep_id"].nunique()),
        "rep_periods": len(panel),
        "revenue": round(float(panel["revenue"].sum()), 2),
        "wins": int(panel["wins"].sum()),
        "currency": rule.get("currency"),
        "outside_active_months": outside_record,
    }


def _deals_roster(rule: dict, rosters: dict[str, Roster], name: str) -> Roster:
    """The roster that ``from_deals.roster`` names, built by a table listed earlier.

    Raises
    ------
    CodebookError
        The roster is not among the tables built so far.
    """
    roster_name = str(rule.get("roster", "reps"))
    if roster_name not in rosters:
        raise CodebookError(
            f"codebook table {name}: from_deals.roster names {roster_name!r}, which is not a roster "
            "table listed above this one; list the roster (a table with match:) first."
        )
    return rosters[roster_name]


def _read_deals(
    frame: pd.DataFrame, spec: dict, name: str, apply_table
) -> tuple[pd.DataFrame, dict]:
    """The deal rows after the table's common rules, indexed by their file line.

    Returns
    -------
    (DataFrame, dict)
        The deals (only the columns ``from_deals`` uses) and the table's record.

    Raises
    ------
    CodebookError
        A named column the file lacks, or amounts whose signs disagree with
        ``from_deals.currency``.
    """
    where = source_name(spec)
    rule = spec["from_deals"]
    owner, close, stage, amount = (str(rule[k]) for k in ("owner", "close_date", "stage", "amount"))
    currency_column = rule.get("currency_column")
    used = [c for c in (owner, close, stage, amount, currency_column) if c]
    require_columns(frame, used, where, "from_deals")
    drops = [str(r.get("column")) for r in spec.get("drop_rows") or [] if isinstance(r, dict)]
    require_columns(frame, drops, where, "drop_rows")
    core = {
        "source": spec["source"],
        "drop_rows": spec.get("drop_rows") or [],
        "text": [c for c in used if c != amount],
        "keep": used,
    }
    if spec.get("numbers"):
        core["numbers"] = spec["numbers"]
    deals, record = apply_table(frame[list(dict.fromkeys(used + drops))], core, name)
    deals.index = pd.Index(deals.pop(SOURCE_ROW).astype(int).to_numpy())
    if rule.get("currency") and not currency_column:  # the signs must agree with currency:
        check_declared_currency(
            frame.loc[frame.index.isin(deals.index), amount],
            str(rule["currency"]),
            column=repr(amount),
            where=where,
            declared_in="from_deals.currency",
            several=(
                "deals in several currencies need from_deals.currency_column (the column naming "
                "each deal's currency) and rates:"
            ),
        )
    return deals, record


def _stage_flags(
    stages: pd.Series, won: list[str], lost: list[str], stage: str, where: str
) -> tuple[pd.Series, pd.Series]:
    """Which deals are won and which lost, matching stage names without regard to case.

    Raises
    ------
    CodebookError
        A won or lost stage the column never holds.
    """
    present = set(stages.dropna().str.casefold())
    absent = [s for s in won + lost if s.casefold() not in present]
    if absent:
        raise CodebookError(
            f"{where}: from_deals names stage(s) {absent} that column {stage} never holds; its stages "
            f"are {sorted(stages.dropna().unique())}."
        )
    is_won = stages.str.casefold().isin({s.casefold() for s in won}).fillna(False).astype(bool)
    is_lost = stages.str.casefold().isin({s.casefold() for s in lost}).fillna(False).astype(bool)
    return is_won, is_lost


def _deal_amounts(deals: pd.DataFrame, rule: dict, is_won: pd.Series, where: str) -> pd.Series:
    """Each deal's amount as a number in the study currency.

    Raises
    ------
    CodebookError
        A won deal without an amount, or an amount in another currency without a rate.
    """
    amount = str(rule["amount"])
    values = deals[amount]
    if values.dtype == object or str(values.dtype) == "string":
        values, _ = parse_numbers(values, column=amount, where=where)
    values = pd.to_numeric(values, errors="coerce")
    missing = is_won & values.isna()
    if missing.any():
        raise CodebookError(
            f"{where}: {int(missing.sum())} won deal(s) have no {amount} (lines "
            f"{', '.join(map(str, deals.index[missing.to_numpy()][:5]))}); fill it in the export, or "
            "drop the rows with drop_rows if they are not sales."
        )
    return _convert(values, deals, rule, is_won, where, amount)


def _close_periods(deals: pd.DataFrame, rule: dict, closed: pd.Series, where: str) -> pd.Series:
    """The period in which each deal closed.

    Raises
    ------
    CodebookError
        A closed deal without a close date, or a date that cannot be read.
    """
    close = str(rule["close_date"])
    dates = read_event_dates(
        deals[close],
        column=close,
        where=where,
        fmt=(rule.get("formats") or {}).get(close),
        rule="from_deals",
    )
    undated = closed & dates.isna()
    if undated.any():
        raise CodebookError(
            f"{where}: {int(undated.sum())} closed deal(s) have no {close} (lines "
            f"{', '.join(map(str, deals.index[undated.to_numpy()][:5]))}); a closed deal needs its close date."
        )
    return to_periods(dates, rule.get("period", "month"))


def _drop_outside_active(
    rows: pd.DataFrame,
    active: set[tuple[str, pd.Period]],
    roster: Roster,
    window: tuple[pd.Period, pd.Period],
    where: str,
    messages: list[str],
) -> tuple[pd.DataFrame, list[dict]]:
    """The closed deals inside their rep's active months, warning about the others.

    Returns
    -------
    (DataFrame, list of dict)
        The deals kept and, per rep and period, the deals left out; a warning naming
        them is appended to ``messages``.
    """
    inside_mask = pd.Series(
        [(r, p) in active for r, p in zip(rows["rep_id"], rows["period"], strict=True)],
        index=rows.index,
        dtype=bool,
    )
    outside = rows[~inside_mask]
    outside_record = _outside(outside)
    if outside_record:
        reps_out = sorted({o["rep_id"] for o in outside_record})
        messages.append(
            f"{where}: {len(outside)} closed deal(s) of {len(reps_out)} rep(s) close outside the rep's "
            f"active months (hire to leaving date in {roster.where}, within {window[0]} to {window[1]}) "
            f"and are not counted ({outside['won'].sum()} won, {outside['amount'].sum():,.2f}): "
            + "; ".join(
                f"{o['rep_id']} {o['period']} ({o['deals']} deals)" for o in outside_record[:8]
            )
            + (" ..." if len(outside_record) > 8 else "")
            + ". Correct the dates in the roster or the CRM if these deals belong in the study."
        )
    return rows[inside_mask], outside_record


def _deals_panel(rows: pd.DataFrame, active: set[tuple[str, pd.Period]]) -> pd.DataFrame:
    """One row per active rep-period with revenue, wins, opportunities and deal size.

    Returns
    -------
    DataFrame
        ``rep_id, period, revenue, wins, opportunities, avg_deal_size``; rep-periods
        without a closed deal hold zeros and a missing average.
    """
    grid = pd.DataFrame(sorted(active), columns=["rep_id", "period"])
    sums = rows.groupby(["rep_id", "period"]).agg(
        revenue=("amount", "sum"), wins=("won", "sum"), opportunities=("closed", "sum")
    )
    panel = grid.merge(sums.reset_index(), on=["rep_id", "period"], how="left")
    panel[["revenue", "wins", "opportunities"]] = panel[
        ["revenue", "wins", "opportunities"]
    ].fillna(0)
    panel["wins"] = panel["wins"].astype(int)
    panel["opportunities"] = panel["opportunities"].astype(int)
    panel["revenue"] = panel["revenue"].astype(float).round(2)
    panel["avg_deal_size"] = (panel["revenue"] / panel["wins"].where(panel["wins"] > 0)).round(2)
    panel["period"] = period_labels(panel["period"])
    return panel


def _units(currency) -> dict[str, dict]:
    """What the built columns hold, for the import record (reports name the currency)."""
    money: dict[str, Any] = {"unit": "money"}
    if isinstance(currency, str) and currency.strip().upper() in ISO_4217:
        money["currency"] = currency.strip().upper()
    return {
        "revenue": money,
        "wins": {"unit": "count", "label": "deals won"},
        "opportunities": {"unit": "count", "label": "deals closed"},
        "avg_deal_size": dict(money),
    }


def _convert(
    values: pd.Series, deals: pd.DataFrame, rule: dict, is_won: pd.Series, where: str, amount: str
) -> pd.Series:
    """Amounts in the study's currency: rows in another currency need a stated rate."""
    column = rule.get("currency_column")
    if not column:
        return values
    currency = rule.get("currency")
    if not currency:
        raise CodebookError(
            f"{where}: from_deals.currency_column is {column}; name the study's currency too "
            "(currency: USD), so that amounts in others are converted with rates:."
        )
    codes = deals[column].astype("string").str.strip().str.upper()
    rates = {str(k).upper(): v for k, v in (rule.get("rates") or {}).items()}
    rates[str(currency).upper()] = 1.0
    other = is_won & ~codes.isin(list(rates)).fillna(False).astype(bool)
    if other.any():
        found = codes[other].fillna("blank").value_counts()
        raise CodebookError(
            f"{where}: {int(other.sum())} won deal(s) have {amount} in another currency than {currency} "
            f"({', '.join(f'{c}: {n}' for c, n in found.items())}; lines "
            f"{', '.join(map(str, deals.index[other.to_numpy()][:5]))}). Use a column the CRM already "
            f"converted (HubSpot's 'Amount in company currency', Salesforce's 'Amount (converted)') as "
            f"amount: and drop currency_column:, or state each rate as {currency} per unit: "
            f"rates: {{{found.index[0]}: <{currency} per {found.index[0]}>}}. Amounts are never added across currencies."
        )
    factor = codes.map(rates).astype(float)
    return values * factor.where(factor.notna(), 1.0)


def _window(
    rule: dict, closed_periods: pd.Series, period: str, where: str
) -> tuple[pd.Period, pd.Period]:
    """The study window: ``periods: {from:, to:}`` or the first to the last period with a closed deal."""
    declared = rule.get("periods") or {}
    freq = "Q" if period == "quarter" else "M"
    if closed_periods.dropna().empty:
        raise CodebookError(
            f"{where}: no deal is closed (won or lost stages); check from_deals.won and lost."
        )
    start = (
        pd.Period(str(declared["from"]), freq=freq)
        if declared.get("from")
        else closed_periods.min()
    )
    end = pd.Period(str(declared["to"]), freq=freq) if declared.get("to") else closed_periods.max()
    if end < start:
        raise CodebookError(f"{where}: from_deals.periods ends ({end}) before it starts ({start}).")
    return start, end


def _active_periods(
    roster: Roster, window, period: str, reps: set[str]
) -> set[tuple[str, pd.Period]]:
    """(rep, period) pairs inside both the window and the rep's months of employment."""
    freq = "Q" if period == "quarter" else "M"
    pairs: set[tuple[str, pd.Period]] = set()
    hired: Any
    left: Any
    for rep, hired, left in zip(
        roster.reps["rep_id"], roster.reps["first"], roster.reps["last"], strict=True
    ):
        if rep not in reps:
            continue
        first = window[0] if pd.isna(hired) else max(window[0], hired.asfreq(freq))
        last = window[1] if pd.isna(left) else min(window[1], left.asfreq(freq))
        if first <= last:
            pairs.update((str(rep), p) for p in pd.period_range(first, last, freq=freq))
    return pairs


def _outside(outside: pd.DataFrame) -> list[dict]:
    if outside.empty:
        return []
    groups = outside.groupby(["rep_id", "period"]).agg(
        deals=("closed", "size"), won=("won", "sum"), amount=("amount", "sum")
    )
    return [
        {
            "rep_id": str(r),
            "period": str(p),
            "deals": int(g.deals),
            "won": int(g.won),
            "amount": round(float(g.amount), 2),
        }
        for (r, p), g in cast(Any, groups).iterrows()
    ]
