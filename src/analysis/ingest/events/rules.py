"""The codebook's event rules (``match:``, ``from_completions:``, ``from_deals:``): their
keys checked, and what they share: the programme test, dates of an export, period labels."""

from __future__ import annotations

import re

import pandas as pd

from analysis.ingest.events.matching import KEY_KINDS, MAX_UNMATCHED
from analysis.ingest.sources import CodebookError, likely_date_formats

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

_MATCH_KEYS = {"id", "email", "name", "hired", "left", "formats"}
_COMPLETION_KEYS = {
    "source",
    "learner",
    "key",
    "aliases",
    "course",
    "programme",
    "status",
    "completed",
    "date",
    "period",
    "formats",
    "max_unmatched",
}
_DEAL_KEYS = {
    "roster",
    "owner",
    "key",
    "aliases",
    "close_date",
    "stage",
    "won",
    "lost",
    "amount",
    "currency",
    "currency_column",
    "rates",
    "period",
    "periods",
    "formats",
    "max_unmatched",
}


def is_event_table(spec) -> bool:
    """Whether a codebook table uses one of :data:`EVENT_RULES`."""
    return isinstance(spec, dict) and any(k in spec for k in EVENT_RULES)


def listed(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def check_event_rules(spec: dict, name: str) -> None:
    """Refuse an event rule with unknown keys or the wrong shape, naming the key and its form.

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
    allowed = {"match": _MATCH_KEYS, "from_completions": _COMPLETION_KEYS, "from_deals": _DEAL_KEYS}
    for rule, keys in allowed.items():
        if rule not in spec:
            continue
        body = spec[rule]
        if not isinstance(body, dict):
            raise CodebookError(
                f"{where}: {rule} must be a mapping of its keys ({', '.join(sorted(keys))})."
            )
        unknown = sorted(str(k) for k in body if k not in keys)
        if unknown:
            raise CodebookError(
                f"{where}: {rule} has unknown key(s) {unknown}; it takes {', '.join(sorted(keys))}."
            )
        if body.get("key") is not None and body["key"] not in KEY_KINDS:
            raise CodebookError(
                f"{where}: {rule}.key must be one of {', '.join(KEY_KINDS)}, not {body['key']!r}."
            )
        if body.get("period", "month") not in PERIODS:
            raise CodebookError(
                f"{where}: {rule}.period must be month or quarter, not {body['period']!r}."
            )
        for key in ("aliases", "formats", "rates"):
            if body.get(key) is not None and not isinstance(body[key], dict):
                raise CodebookError(f"{where}: {rule}.{key} must be a mapping.")
        share = body.get("max_unmatched", MAX_UNMATCHED)
        if not isinstance(share, int | float) or not 0 <= share <= 1:
            raise CodebookError(
                f"{where}: {rule}.max_unmatched must be a share between 0 and 1, not {share!r}."
            )
    completions = spec.get("from_completions")
    if completions is not None:
        for key in ("learner", "course", "programme", "date"):
            if completions.get(key) is None:
                raise CodebookError(
                    f"{where}: from_completions needs {key}: (see the codebook format)."
                )
        programme_test(completions["programme"], where)
    deals = spec.get("from_deals")
    if deals is not None:
        for key in ("owner", "close_date", "stage", "won", "amount"):
            if deals.get(key) is None:
                raise CodebookError(f"{where}: from_deals needs {key}: (see the codebook format).")


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
    values: pd.Series, *, column: str, where: str, fmt: str | None = None
) -> pd.Series:
    """Dates of an export column: ISO dates and date-times (as Excel cells are read) whatever
    ``fmt`` says, otherwise ``fmt`` or the one common format that reads every value.

    A time after the date (``6/3/2024 9:14:03``) is ignored. Day-first and month-first
    forms that both read every value are not guessed: the error asks for ``formats:``.

    Raises
    ------
    CodebookError
        Values no format reads (naming the lines), or two formats that both fit.
    """
    text = values.astype("string").str.strip()
    text = text.where(text != "")
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    iso = text.str.match(r"^\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    if iso.any():
        parsed[iso] = pd.to_datetime(text[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    rest = text.notna() & ~iso
    if rest.any():
        dates = text[rest].str.split().str[0]
        if fmt is None:
            fits = likely_date_formats(dates)
            if len(fits) > 1 and not {"%d/%m/%Y", "%m/%d/%Y"}.isdisjoint(fits):
                raise CodebookError(
                    f"{where}: column {column} reads as {' and as '.join(map(repr, fits))} (every day "
                    f"is 12 or less); name its format under the rule's formats: {{{column}: '%m/%d/%Y'}}."
                )
            fmt = fits[0] if fits else None
        if fmt is None:
            sample = dates.unique()[:3].tolist()
            raise CodebookError(
                f"{where}: column {column} holds dates in no common format (e.g. {sample}); name it "
                f"under the rule's formats: {{{column}: '%d.%m.%Y'}}."
            )
        parsed[rest] = pd.to_datetime(dates, format=fmt, errors="coerce")
    bad = text.notna() & parsed.isna()
    if bad.any():
        lines = ", ".join(str(i) for i in values.index[bad.to_numpy()][:5])
        raise CodebookError(
            f"{where}: column {column} has {int(bad.sum())} value(s) that are not dates on lines "
            f"{lines}, e.g. {text[bad].unique()[:3].tolist()}; correct them or name the format under formats:."
        )
    return parsed


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
