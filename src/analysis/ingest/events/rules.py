"""The codebook's event rules (``match:``, ``from_completions:``, ``from_deals:``): their
keys checked, and what they share: the programme test, dates of an export, period labels."""

from __future__ import annotations

import re

import pandas as pd

from analysis.ingest.read.sources import CodebookError, likely_date_formats

__all__ = [
    "EVENT_RULES",
    "PERIODS",
    "check_event_rules",
    "is_event_table",
    "listed",
    "period_labels",
    "programme_test",
    "read_event_dates",
    "require_columns",
    "source_name",
    "to_periods",
]

EVENT_RULES = ("match", "from_completions", "from_deals")
PERIODS = ("month", "quarter")


def is_event_table(spec) -> bool:
    """Whether a codebook table uses one of :data:`EVENT_RULES`."""
    return isinstance(spec, dict) and any(k in spec for k in EVENT_RULES)


def listed(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def check_event_rules(spec: dict, name: str) -> None:
    """Refuse event rules that do not combine, naming the rule and the fix.

    The keys and types of each rule are the codebook model's
    (:class:`analysis.ingest.rules.event_models.FromDeals` and its siblings); this checks what
    they cannot: which rules go together, the programme test, a learner in two columns.

    Raises
    ------
    CodebookError
    """
    where = f"codebook table {name}"
    if "from_deals" in spec and ("match" in spec or "from_completions" in spec):
        raise CodebookError(
            f"{where}: from_deals builds a panel, match/from_completions a roster; put them in two tables."
        )
    if "from_completions" in spec and "match" not in spec:
        raise CodebookError(
            f"{where}: from_completions adds training_start to a roster; add match: (the roster's "
            "e-mail, name or id columns) to this table."
        )
    completions = spec.get("from_completions")
    if completions is not None:
        programme_test(completions["programme"], where)
        if isinstance(completions["learner"], dict) and completions.get("key", "name") != "name":
            raise CodebookError(
                f"{where}: from_completions.learner takes one column or {{first: <column>, "
                "last: <column>}} (two columns of a name, matched by key: name)."
            )


def programme_test(programme, where: str):
    """A function telling whether a course title is part of the programme."""
    if isinstance(programme, str | list):
        programme = {"titles": listed(programme)}
    if not isinstance(programme, dict) or len(programme) != 1:
        raise CodebookError(
            f"{where}: from_completions.programme must be one of titles: [exact titles], "
            "starts_with: 'title start' or pattern: 'regular expression'."
        )
    ((how, value),) = programme.items()
    if how == "titles":
        titles = {t.strip().casefold() for t in listed(value)}
        return lambda title: str(title).strip().casefold() in titles
    if how == "starts_with":
        starts = [s.strip().casefold() for s in listed(value)]
        return lambda title: any(str(title).strip().casefold().startswith(s) for s in starts)
    if how == "pattern":
        try:
            compiled = re.compile(str(value), re.IGNORECASE)
        except re.error as error:
            raise CodebookError(
                f"{where}: from_completions.programme.pattern is not a regular expression ({error})."
            ) from None
        return lambda title: bool(compiled.search(str(title)))
    raise CodebookError(
        f"{where}: from_completions.programme takes titles, starts_with or pattern, not {how!r}."
    )


# --------------------------------------------------------------------------- dates


def read_event_dates(
    values: pd.Series,
    *,
    column: str,
    where: str,
    fmt: str | dict | None = None,
    rule: str | None = None,
) -> pd.Series:
    """Dates of an export column: ISO dates and date-times (as Excel cells are read) whatever
    ``fmt`` says, otherwise ``fmt`` or the one common format that reads every value.

    A time after the date (``6/3/2024 9:14:03``) is ignored. Day-first and month-first
    forms that both read every value are not guessed: the error asks for ``formats:``.
    Months written with their name (``Jul 2025``, ``janv. 2025``) are read as the month's
    first day, as is a named period format (``{format: month_name}``, ``excel_serial``,
    ``fiscal_quarter``: see :mod:`analysis.ingest.rules.units`).

    ``rule`` names the codebook rule the column belongs to (``match``,
    ``from_completions``, ``from_deals``), so that a message says where ``formats:`` goes.

    Raises
    ------
    CodebookError
        Values no format reads (naming the lines), or two formats that both fit.
    """
    if isinstance(fmt, dict):  # a named period format of the codebook
        return _named_dates(values, fmt, column=column, where=where)
    text = values.astype("string").str.strip()
    text = text.where(text != "")
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    iso = text.str.match(r"^\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    if iso.any():
        parsed[iso] = pd.to_datetime(text[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    rest = text.notna() & ~iso
    if rest.any():
        # a time after the date is dropped; a month name and its year stay together
        dates = text[rest].str.replace(
            r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?$", "", regex=True
        )
        if fmt is None and not likely_date_formats(dates):
            months = _month_names(dates)
            if months is not None:
                parsed[rest] = months
                return parsed
        if fmt is None:
            fits = likely_date_formats(dates)
            if len(fits) > 1 and not {"%d/%m/%Y", "%m/%d/%Y"}.isdisjoint(fits):
                raise CodebookError(
                    f"{where}: column {column} reads as {' and as '.join(map(repr, fits))} (every day "
                    f"is 12 or less); {_formats_go(rule, column, repr(fits[0]))}"
                )
            fmt = fits[0] if fits else None
        if fmt is None:
            sample = dates.unique()[:3].tolist()
            raise CodebookError(
                f"{where}: column {column} holds dates in no common format (e.g. {sample}; "
                "'%d.%m.%Y' reads 31.01.2025, '%d-%b-%Y' 15-Mar-2025, {format: excel_serial} Excel "
                f"day numbers); {_formats_go(rule, column, repr('%d.%m.%Y'))}"
            )
        parsed[rest] = pd.to_datetime(dates, format=fmt, errors="coerce")
    bad = text.notna() & parsed.isna()
    if bad.any():
        lines = ", ".join(str(i) for i in values.index[bad.to_numpy()][:5])
        raise CodebookError(
            f"{where}: column {column} has {int(bad.sum())} value(s) that are not dates on lines "
            f"{lines}, e.g. {text[bad].unique()[:3].tolist()}; correct them, or "
            + _formats_go(rule, column, repr(fmt) if isinstance(fmt, str) else "'%d.%m.%Y'")
        )
    return parsed


def _formats_go(rule: str | None, column: str, example: str) -> str:
    """Where a date column's format is written, with a one-line example (a message's end)."""
    inside = (
        f"{rule}:" if rule else "match:, from_completions: or from_deals: (the rule reading it)"
    )
    line = f"{rule or 'from_deals'}: {{..., formats: {{{column}: {example}}}}}"
    return f"name the column's format under formats: inside {inside}, e.g. {line}."


def _month_names(dates: pd.Series) -> pd.Series | None:
    """The first day of each month written with its name (``Jul 2025``), or None when any
    value is not such a month."""
    from analysis.contracts.periods import read_label

    labels = dates.map(lambda t: (read_label(str(t)) or ("", None))[1])
    if labels.isna().any() or not labels.map(lambda v: len(str(v)) == 7).all():
        return None  # quarters, or not all months: not read as dates
    return pd.to_datetime(labels + "-01", format="%Y-%m-%d")


def _named_dates(values: pd.Series, rule: dict, *, column: str, where: str) -> pd.Series:
    """Dates (the first day of the period) from a named format of :mod:`analysis.ingest.rules.units`."""
    from analysis.ingest.rules.units import check_named_format, read_named_periods

    check_named_format(rule, f"{where}: formats.{column}")
    labels, _ = read_named_periods(values, rule, f"{where}: column {column}")
    present = values.notna() & (values.astype("string").str.strip() != "")
    bad = present & labels.isna()
    if bad.any():
        lines = ", ".join(str(i) for i in values.index[bad.to_numpy()][:5])
        raise CodebookError(
            f"{where}: column {column} has {int(bad.sum())} value(s) that {rule.get('format')!r} "
            f"does not read on lines {lines}, e.g. {values[bad].astype(str).unique()[:3].tolist()}."
        )
    return pd.Series(
        [pd.Period(v).start_time if isinstance(v, str) else pd.NaT for v in labels],
        index=values.index,
        dtype="datetime64[ns]",
    )


def period_labels(periods: pd.Series) -> pd.Series:
    """Period labels as the contracts read them: 2025-03 (month), 2025-Q1 (quarter)."""
    return periods.map(
        lambda p: (
            None
            if pd.isna(p)
            else (
                f"{p.year}-Q{p.quarter}" if p.freqstr.startswith("Q") else f"{p.year}-{p.month:02d}"
            )
        )
    )


def to_periods(dates: pd.Series, period: str) -> pd.Series:
    return dates.dt.to_period("Q" if period == "quarter" else "M")


def source_name(spec: dict) -> str:
    source = spec.get("source") or {}
    sheet = f" (sheet {source['sheet']})" if source.get("sheet") is not None else ""
    return f"{source.get('file', '?')}{sheet}"


def _columns_needed(spec: dict, extra: list[str]) -> list[str]:
    """The raw columns a table's ordinary rules name, so nothing else is parsed."""
    rename = spec.get("rename") or {}
    back = {v: k for k, v in rename.items()}
    names = [r.get("column") for r in spec.get("drop_rows") or [] if isinstance(r, dict)]
    names += list(rename)
    for key in ("values", "dates", "numbers", "case", "multi_select", "flags"):
        names += [back.get(c, c) for c in spec.get(key) or {}]
    names += [back.get(c, c) for c in spec.get("text") or []]
    names += [back.get(c, c) for c in spec.get("keep") or [] if c != "training_start"]
    return list(dict.fromkeys(str(n) for n in names + extra if n is not None))


def require_columns(frame: pd.DataFrame, columns: list[str], where: str, rule: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CodebookError(
            f"{where}: {rule} names column(s) {missing} that the file lacks; it has "
            f"{', '.join(map(str, frame.columns[:14]))}."
        )
