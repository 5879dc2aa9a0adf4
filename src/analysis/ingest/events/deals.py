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
    roster = _roster_of(rule, rosters, name)
    owner, close, stage = (str(rule[k]) for k in ("owner", "close_date", "stage"))
    deals, record = _read_deals(frame, spec, name, apply_table, where)
    stages = deals[stage].astype("string").str.strip()
    won, lost = listed(rule.get("won")), listed(rule.get("lost"))
    is_won, is_lost = _won_and_lost(stages, won, lost, stage, where)
    closed = is_won | is_lost
    values = _won_amounts(deals, rule, is_won, where)
    period = rule.get("period", "month")
    periods = to_periods(_close_dates(deals, close, closed, rule, where), period)
    result, messages = _match_owners(deals[owner], roster, rule, values.where(is_won, 0.0), where)
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
    inside_mask = _inside(rows, active)
    outside = rows[~inside_mask]
    outside_record = _outside(outside)
    if outside_record:
        messages.append(_outside_message(outside, outside_record, roster, window, where))
    panel = _deals_panel(rows[inside_mask], active)
    summary = {
        "file": where,
        "won": won,
        "lost": lost,
        **_deal_counts(stages, is_won, is_lost),
        "period": period,
        "window": [str(window[0]), str(window[1])],
    }
    record.update(
        {
            "rows_out": len(panel),
            "units": _units(rule.get("currency")),
            "from_deals": {
                **summary,
                "reps": int(panel["rep_id"].nunique()),
                "rep_periods": len(panel),
                "revenue": round(float(panel["revenue"].sum()), 2),
                "wins": int(panel["wins"].sum()),
                "currency": rule.get("currency"),
                "outside_active_months": outside_record,
                "match": result.report,
            },
        }
    )
    return panel, record, messages


def _roster_of(rule: dict, rosters: dict[str, Roster], name: str) -> Roster:
    """Return the roster ``from_deals.roster`` names (``reps`` by default).

    Parameters
    ----------
    rule : dict
        The table's ``from_deals:`` rule.
    rosters : dict
        The roster tables built so far, by name.
    name : str
        The codebook table, for the message.

    Returns
    -------
    Roster
        The roster the deals' owners are matched against.

    Raises
    ------
    CodebookError
        When no roster table of that name is listed above this one.
    """
    roster_name = str(rule.get("roster", "reps"))
    if roster_name not in rosters:
        raise CodebookError(
            f"codebook table {name}: from_deals.roster names {roster_name!r}, which is not a roster "
            "table listed above this one; list the roster (a table with match:) first."
        )
    return rosters[roster_name]


def _read_deals(
    frame: pd.DataFrame, spec: dict, name: str, apply_table: Any, where: str
) -> tuple[pd.DataFrame, dict]:
    """Return the deals with the columns ``from_deals`` uses, read by the codebook's rules.

    Parameters
    ----------
    frame : DataFrame
        The raw deals file.
    spec : dict
        The codebook table.
    name : str
        Its name.
    apply_table : callable
        Applies a codebook table's rules to a frame (source, drops, text, numbers).
    where : str
        The raw file, for messages.

    Returns
    -------
    (DataFrame, dict)
        The deals indexed by their line in the raw file, and the table's import record.

    Raises
    ------
    CodebookError
        When a column named by ``from_deals`` or ``drop_rows`` is missing.
    """
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
    return deals, record


def _won_and_lost(
    stages: pd.Series, won: list[str], lost: list[str], stage: str, where: str
) -> tuple[pd.Series, pd.Series]:
    """Return which deals are won and which are lost, their stages compared without case.

    Parameters
    ----------
    stages : Series
        The deals' stages, stripped.
    won, lost : list of str
        The stages ``from_deals`` names won and lost.
    stage : str
        The stage column, for the message.
    where : str
        The raw file, for the message.

    Returns
    -------
    (Series, Series)
        Boolean masks of won and of lost deals.

    Raises
    ------
    CodebookError
        When a named stage never occurs in the column.
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


def _won_amounts(deals: pd.DataFrame, rule: dict, is_won: pd.Series, where: str) -> pd.Series:
    """Return the deals' amounts as numbers in the study's currency.

    Parameters
    ----------
    deals : DataFrame
        The deals (:func:`_read_deals`).
    rule : dict
        The table's ``from_deals:`` rule.
    is_won : Series
        Boolean: the won deals.
    where : str
        The raw file, for messages.

    Returns
    -------
    Series
        The amounts, converted at the stated rates.

    Raises
    ------
    CodebookError
        A won deal without an amount, or in another currency without a stated rate.
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


def _close_dates(
    deals: pd.DataFrame, close: str, closed: pd.Series, rule: dict, where: str
) -> pd.Series:
    """Return the deals' close dates, read in the format the rule states.

    Parameters
    ----------
    deals : DataFrame
        The deals.
    close : str
        The close-date column.
    closed : Series
        Boolean: the won or lost deals.
    rule : dict
        The table's ``from_deals:`` rule (``formats:``).
    where : str
        The raw file, for messages.

    Returns
    -------
    Series
        The dates (missing on open deals without one).

    Raises
    ------
    CodebookError
        When a closed deal has no close date.
    """
    dates = read_event_dates(
        deals[close], column=close, where=where, fmt=(rule.get("formats") or {}).get(close)
    )
    undated = closed & dates.isna()
    if undated.any():
        raise CodebookError(
            f"{where}: {int(undated.sum())} closed deal(s) have no {close} (lines "
            f"{', '.join(map(str, deals.index[undated.to_numpy()][:5]))}); a closed deal needs its close date."
        )
    return dates


def _inside(rows: pd.DataFrame, active: set[tuple[str, pd.Period]]) -> pd.Series:
    """Return which deals close in an active month of their rep.

    Parameters
    ----------
    rows : DataFrame
        The closed deals with ``rep_id`` and ``period``.
    active : set of (str, Period)
        The active rep-periods (:func:`_active_periods`).

    Returns
    -------
    Series
        Boolean, aligned with ``rows``.
    """
    return pd.Series(
        [(r, p) in active for r, p in zip(rows["rep_id"], rows["period"], strict=True)],
        index=rows.index,
        dtype=bool,
    )


def _match_owners(
    owners: pd.Series, roster: Roster, rule: dict, won_amounts: pd.Series, where: str
) -> tuple[Any, list[str]]:
    """Match the deals' owners to the roster's reps and check how much revenue stays unmatched.

    Parameters
    ----------
    owners : Series
        The owner of each deal.
    roster : Roster
        The reps.
    rule : dict
        The table's ``from_deals:`` rule (``key``, ``aliases``, ``max_unmatched``).
    won_amounts : Series
        Each deal's won amount (0 for a deal not won).
    where : str
        The raw file, for messages.

    Returns
    -------
    (match result, list of str)
        The match (:func:`~analysis.ingest.events.matching.match_people`) and warnings.

    Raises
    ------
    CodebookError
        When more than ``max_unmatched`` of the won revenue is unmatched.
    """
    kind = rule.get("key") or guess_key_kind(owners)
    result = match_people(
        owners, roster, kind, where=where, column=str(owners.name), aliases=rule.get("aliases")
    )
    messages = check_unmatched(
        result,
        counted=won_amounts.fillna(0.0).astype(float),
        what="won revenue",
        roster_side=True,
        limit=float(rule.get("max_unmatched", MAX_UNMATCHED)),
    )
    return result, messages


def _deal_counts(stages: pd.Series, is_won: pd.Series, is_lost: pd.Series) -> dict[str, Any]:
    """Return the stages left open and the deals by kind, for the import record.

    Parameters
    ----------
    stages : Series
        The deals' stages.
    is_won, is_lost : Series
        Boolean masks of won and lost deals.

    Returns
    -------
    dict
        ``open_stages, deals, won_deals, lost_deals, open_deals``.
    """
    closed = is_won | is_lost
    return {
        "open_stages": sorted(set(stages.dropna()) - set(stages[closed].dropna())),
        "deals": len(stages),
        "won_deals": int(is_won.sum()),
        "lost_deals": int(is_lost.sum()),
        "open_deals": int((~closed).sum()),
    }


def _outside_message(
    outside: pd.DataFrame,
    outside_record: list[dict],
    roster: Roster,
    window: tuple[pd.Period, pd.Period],
    where: str,
) -> str:
    """Say which closed deals fall outside their rep's active months and are not counted.

    Parameters
    ----------
    outside : DataFrame
        The closed deals outside (``rep_id, period, won, closed, amount``).
    outside_record : list of dict
        The same per rep and period (:func:`_outside`).
    roster : Roster
        The roster, whose file the message names.
    window : (Period, Period)
        The study window.
    where : str
        The deals file.

    Returns
    -------
    str
        The warning for the user, with the first eight rep-periods.
    """
    reps_out = sorted({o["rep_id"] for o in outside_record})
    return (
        f"{where}: {len(outside)} closed deal(s) of {len(reps_out)} rep(s) close outside the rep's "
        f"active months (hire to leaving date in {roster.where}, within {window[0]} to {window[1]}) "
        f"and are not counted ({outside['won'].sum()} won, {outside['amount'].sum():,.2f}): "
        + "; ".join(f"{o['rep_id']} {o['period']} ({o['deals']} deals)" for o in outside_record[:8])
        + (" ..." if len(outside_record) > 8 else "")
        + ". Correct the dates in the roster or the CRM if these deals belong in the study."
    )


def _deals_panel(rows: pd.DataFrame, active: set[tuple[str, pd.Period]]) -> pd.DataFrame:
    """Return the rep-period panel: every active rep-period, with its deals summed.

    Parameters
    ----------
    rows : DataFrame
        The counted closed deals (``rep_id, period, won, closed, amount``).
    active : set of (str, Period)
        The rep-periods inside the window and the reps' months of employment.

    Returns
    -------
    DataFrame
        ``rep_id, period, revenue, wins, opportunities, avg_deal_size`` (0 for a
        rep-period with no deal; the average missing without a win).
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
