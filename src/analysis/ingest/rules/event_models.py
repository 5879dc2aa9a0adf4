"""The models of the rules that build a table from events: the roster (``match``), training
starts from an LMS export (``from_completions``) and the rep-period panel from a CRM export
of deals (``from_deals``, with its study window ``periods``).

Their types are checked here; which of them go together, and what types cannot say, is
:func:`analysis.ingest.events.rules.check_event_rules`' (called by the table's model).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from analysis.ingest.rules.fields import (
    DateFormat,
    NameColumns,
    OneOrMore,
    Programme,
    Scalar,
    Share,
    Source,
    _doc,
    _Strict,
)

__all__ = ["FromCompletions", "FromDeals", "Match", "Periods"]


_KEY = _doc("how the file names the reps: id, email or name (default: guessed)", "email")
_PERIOD = _doc("month or quarter", "month")
_FORMATS = _doc("date formats, where day and month could be swapped", "{Close Date: '%m/%d/%Y'}")
_ALIASES = _doc("a person the file names differently -> the roster's id", "{Alex Novak: '25660'}")
_UNMATCHED = _doc("the largest share of people left unmatched (default 0.10)", "0.10")


class Match(_Strict):
    """The roster: how other files name its reps (:mod:`analysis.ingest.events`)."""

    id: str | None = Field(None, **_doc("a column of ids other files use", "Employee ID"))
    email: str | None = Field(None, **_doc("the e-mail column", "Work Email"))
    name: str | None = Field(None, **_doc("the name column", "Employee Name"))
    hired: str | None = Field(None, **_doc("first active month", "Hire Date"))
    left: str | None = Field(
        None, **_doc("last active month (blank = still there)", "Termination Date")
    )
    formats: dict[str, DateFormat] | None = Field(None, **_FORMATS)


class FromCompletions(_Strict):
    """``training_start`` from an LMS export: the period of each rep's first completion."""

    source: Source | None = Field(
        None, **_doc("the LMS export (default: the table's own)", "{file: lms.xlsx}")
    )
    learner: NameColumns = Field(
        **_doc("the learner column (or {first: ..., last: ...})", "User ID")
    )
    key: Literal["id", "email", "name"] | None = Field(None, **_KEY)
    aliases: dict[str, Scalar] | None = Field(None, **_ALIASES)
    course: str = Field(**_doc("the course title column", "Training Title"))
    programme: Programme = Field(
        **_doc(
            "which courses are the programme: titles, starts_with or pattern",
            "{starts_with: 'Value Selling:'}",
        )
    )
    status: str | None = Field(None, **_doc("the status column", "Status"))
    completed: OneOrMore | None = Field(
        None, **_doc("the statuses that count as completed", "[Completed]")
    )
    date: str = Field(**_doc("the completion date column", "Completion Date"))
    period: Literal["month", "quarter"] | None = Field(None, **_PERIOD)
    formats: dict[str, DateFormat] | None = Field(None, **_FORMATS)
    max_unmatched: Share | None = Field(None, **_UNMATCHED)


class Periods(_Strict):
    """The study window of a panel built from deals."""

    from_: Scalar | None = Field(None, alias="from", **_doc("the first period", "2024-01"))
    to: Scalar | None = Field(None, **_doc("the last period", "2025-12"))


class FromDeals(_Strict):
    """The rep-period panel from a CRM export, one row per deal."""

    roster: str | None = Field(
        None, **_doc("the roster table, listed above (default reps)", "reps")
    )
    owner: str = Field(**_doc("the deal owner column", "Owner Email"))
    key: Literal["id", "email", "name"] | None = Field(None, **_KEY)
    aliases: dict[str, Scalar] | None = Field(None, **_ALIASES)
    close_date: str = Field(**_doc("the close date column", "Close Date"))
    stage: str = Field(**_doc("the stage column", "Stage"))
    won: OneOrMore = Field(**_doc("the won stages (revenue and wins)", "[Closed Won]"))
    lost: OneOrMore | None = Field(
        None, **_doc("the lost stages (closed, not won)", "[Closed Lost]")
    )
    amount: str = Field(**_doc("the amount column", "Amount"))
    currency: str | None = Field(None, **_doc("the amounts' ISO 4217 code", "USD"))
    currency_column: str | None = Field(
        None, **_doc("a column with each deal's currency", "Currency")
    )
    rates: dict[str, float] | None = Field(
        None, **_doc("each other currency's rate", "{CAD: 0.75}")
    )
    period: Literal["month", "quarter"] | None = Field(None, **_PERIOD)
    periods: Periods | None = Field(
        None, **_doc("the study window", "{from: 2024-01, to: 2025-12}")
    )
    formats: dict[str, DateFormat] | None = Field(None, **_FORMATS)
    max_unmatched: Share | None = Field(None, **_UNMATCHED)
