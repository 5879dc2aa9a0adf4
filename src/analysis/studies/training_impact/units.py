"""The outcome's unit, its currency and the panel's period, as the study's sentences need them.

:func:`study_units` gathers them once in :func:`analysis.studies.training_impact.prepare`
(``inputs.units``), so a sentence, a table or results.json can say "CAD 6,339 per rep and
month" without reading client.yml or the panel again. :meth:`Units.money` writes an amount
in the client's style (``currency_style``: ``EUR 2,400`` or ``€2,400``).
:func:`costs_in_outcome_currency` converts costs stated in another currency with the
client's stated rate, and refuses ROI (the reason naming both currencies) when there is
none; :meth:`Units.statement` says both in the report's appendix.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from analysis.core import formats

if TYPE_CHECKING:
    from analysis.clients.parameters import TrainingImpact

__all__ = ["Units", "costs_in_outcome_currency", "period_name", "study_units"]

Period = Literal["month", "quarter"]
Style = Literal["code", "symbol"]


@dataclass(frozen=True)
class Units:
    """What one figure of the training study is measured in.

    Attributes
    ----------
    outcome : str
        The outcome column.
    outcome_unit : str or None
        money, count, rate, score or number (None: a column the contract does not know).
    currency : str or None
        ISO 4217 code of the outcome's money (and of ``value_per_unit``).
    period : "month", "quarter" or None
        The panel's period; None for a cross-section.
    costs_currency : str or None
        The costs' currency as stated, when it differs from ``currency``.
    exchange_rate : float or None
        Units of ``currency`` per 1 unit of ``costs_currency``, as stated.
    costs_converted : bool
        Whether the costs table now holds amounts converted into ``currency``.
    currency_style : "code" or "symbol"
        How the report writes money: ``EUR 2,400`` or ``€2,400``.
    """

    outcome: str
    outcome_unit: str | None = None
    currency: str | None = None
    period: Period | None = None
    costs_currency: str | None = None
    exchange_rate: float | None = None
    costs_converted: bool = False
    currency_style: Style = "code"

    @property
    def per(self) -> str:
        """``per rep and month``, ``per rep and quarter`` or ``per rep`` (a cross-section)."""
        return f"per rep and {self.period}" if self.period else "per rep"

    @property
    def symbol(self) -> bool:
        """Whether money is written with its symbol (``€2,400``)."""
        return self.currency_style == "symbol"

    def money(self, value: Any, *, decimals: int | None = None) -> str:
        """Write money in the outcome's currency the client's way: ``EUR 2,400``, ``€2,400``."""
        return formats.money(value, self.currency, decimals=decimals, symbol=self.symbol)

    def per_one(self) -> str:
        """``per USD 1`` (``per $1``): what a benefit-cost ratio is per."""
        return f"per {self.money(1, decimals=0)}" if self.currency else "per 1"

    def statement(self) -> str:
        """Describe the units of the report's figures in one or two sentences, for its appendix.

        The period (what "per rep and month" counts), the currency of the money and, for
        costs stated in another currency, the rate they were converted at, as stated.
        """
        what = (
            f"Effects are {self.per}: one {self.period} of one rep's results is one row of the data."
            if self.period
            else "Effects are per rep: one row of the data is one rep."
        )
        if self.currency:
            what += f" Money is in {self.currency}."
        if self.costs_converted and self.costs_currency and self.exchange_rate:
            what += (
                f" The costs were stated in {self.costs_currency} and converted at the stated "
                f"rate of {self.exchange_rate:,.10g} {self.currency} per 1 {self.costs_currency}."
            )
        return what

    def record(self) -> dict[str, object]:
        """Return the units as plain values (for results.json)."""
        return asdict(self)


def period_name(labels: pd.Series) -> Period | None:
    """``quarter`` for normalised quarter labels (2025Q1), ``month`` for months (2025-03)."""
    values = labels.dropna().astype(str)
    if values.empty:
        return None
    return "quarter" if values.str.contains("Q").all() else "month"


def study_units(params: TrainingImpact, data: pd.DataFrame, outcome_unit: str | None) -> Units:
    """Return the units of one client's training study (``outcome_unit`` as resolved).

    The currency is the ``currency`` parameter, else a code or symbol the client wrote
    into the outcome's label ("Bookings, USD").
    """
    period = period_name(data[params.time]) if params.time and params.time in data else None
    return Units(
        outcome=params.outcome,
        outcome_unit=outcome_unit,
        currency=params.currency or formats.currency_from_label(params.outcome_label),
        period=period,
        costs_currency=params.costs_currency,
        exchange_rate=params.exchange_rate,
        currency_style=params.currency_style,
    )


def costs_in_outcome_currency(
    costs: pd.DataFrame, units: Units, source: str
) -> tuple[pd.DataFrame, str | None]:
    """Return the costs in the outcome's currency, or why ROI cannot be computed.

    Returns
    -------
    (DataFrame, str or None)
        The costs (``amount`` converted, the stated amount kept as
        ``amount_<costs currency>``) and None; or the costs unchanged and the reason ROI
        is refused: costs in another currency with no stated rate, or an outcome whose
        currency is not stated beside costs whose currency is.
    """
    stated = units.costs_currency
    if stated is None:
        return costs, None
    if units.currency is None:
        return costs, (
            f"{source}: the costs are in {stated}, but the currency of the results is not "
            "stated, so benefits and costs cannot be set against each other and no return on "
            "investment is computed."
        )
    if units.exchange_rate is None:
        return costs, (
            f"{source}: the costs are in {stated} and the results in {units.currency}; the "
            f"client has not given the exchange rate from {stated} to {units.currency} (with its "
            "source and date), so no return on investment is computed."
        )
    amounts = pd.to_numeric(costs["amount"], errors="coerce")
    converted = costs.assign(
        **{f"amount_{stated.lower()}": amounts, "amount": amounts * units.exchange_rate}
    )
    return converted, None
