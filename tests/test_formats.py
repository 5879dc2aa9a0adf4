"""The one number formatter: currency, shares and points, minus signs, ranges, digits, axes."""

from __future__ import annotations

import math

import pytest

from analysis.core import formats
from analysis.core.formats import MINUS


@pytest.mark.parametrize(
    "call,expected",
    [
        (lambda: formats.money(2400, "EUR"), "EUR 2,400"),
        (lambda: formats.money(2400, "eur", symbol=True), "€2,400"),
        (lambda: formats.money(-259.4, "EUR"), f"EUR {MINUS}259"),
        (lambda: formats.money(-259.4, "GBP", symbol=True), f"{MINUS}£259"),
        (lambda: formats.money(2400, "CHF", symbol=True), "CHF 2,400"),  # no symbol: the code
        (lambda: formats.money(12.345, "USD"), "USD 12.3"),
        (lambda: formats.money(350000), "350,000"),
        (lambda: formats.percent(-37.2), f"{MINUS}37%"),
        (lambda: formats.share(0.206), "21%"),
        (lambda: formats.share(0.9996, 1), ">99.9%"),
        (lambda: formats.share(0.9996), ">99%"),
        (lambda: formats.share(1.0), "100%"),
        (lambda: formats.power(1.0), ">99.9%"),
        (lambda: formats.power(0.754), "75.4%"),
        (lambda: formats.value(0.0, "power"), "<0.1%"),
        (lambda: formats.points(0.04), "4 percentage points"),
        (lambda: formats.points(-0.01), f"{MINUS}1 percentage point"),
        (lambda: formats.count(1234.4), "1,234"),
        (lambda: formats.number(147.076), "147"),
        (lambda: formats.number(-0.0004, 2), "0.00"),  # no sign on a zero
        (lambda: formats.plural(1, "KPI target"), "1 KPI target"),
        (lambda: formats.plural(3, "KPI target"), "3 KPI targets"),
        (lambda: formats.number(float("nan")), "–"),
        (lambda: formats.number(-math.inf), f"{MINUS}∞"),
    ],
)
def test_each_unit_is_written_one_way(call, expected):
    assert call() == expected


def test_ranges_use_to_real_minus_signs_and_a_plus_across_zero():
    assert formats.interval(-66.2, -9.1, "percent") == f"{MINUS}66% to {MINUS}9%"
    assert formats.interval(-61, 62, "percent") == f"{MINUS}61% to +62%"
    assert formats.interval(780.4, 2979.6, "currency", currency="EUR") == "EUR 780 to 2,980"
    assert (
        formats.interval(780.4, 2979.6, "currency", currency="EUR", symbol=True) == "€780 to €2,980"
    )
    assert "-" not in formats.interval(-975, -12, "currency", currency="USD")
    assert formats.interval(float("nan"), 1) == "not computable"


def test_an_estimate_and_its_range_share_their_decimals():
    assert formats.estimate_with_range(0.466, 0.247, 0.684) == "0.47 (95% range 0.25 to 0.68)"
    assert formats.estimate_with_range(5.56, 4.31, 12.81) == "5.6 (95% range 4.3 to 12.8)"
    text = formats.estimate_with_range(
        1903.2, 780.4, 2979.6, "currency", currency="EUR", conf_level=0.9
    )
    assert text == "EUR 1,903 (90% range EUR 780 to 2,980)"
    assert formats.decimals_for(0.0331) == 3 and formats.decimals_for(4642, 0.5) == 0


def test_hyphens_before_numbers_become_minus_signs_and_words_keep_theirs():
    text = formats.minus_signs("ROI -37% (-66% to -9%); a two-way fixed-effects model, 2-3")
    assert text == f"ROI {MINUS}37% ({MINUS}66% to {MINUS}9%); a two-way fixed-effects model, 2-3"


def test_a_currency_is_read_from_the_clients_label_only_when_written_there():
    assert formats.currency_from_label("Bookings, USD") == "USD"
    assert formats.currency_from_label("Umsatz (€)") == "EUR"
    assert formats.currency_from_label("Revenue") is None
    assert formats.currency_from_label("ABC score") is None  # not a currency code


def test_axis_ticks_follow_the_same_rules():
    import matplotlib

    matplotlib.use("Agg")
    tick = formats.axis_formatter("currency", currency="EUR")
    assert tick(-2500, 0) == f"EUR {MINUS}2,500" and tick(12000, 0) == "EUR 12,000"
    assert formats.axis_formatter("share")(0.25, 0) == "25%"
    assert formats.axis_formatter("number")(-1.5, 0) == f"{MINUS}1.50"
    assert formats.axis_formatter("percent")(-50, 0) == f"{MINUS}50%"


def test_the_sentence_helpers_keep_their_behaviour():
    assert formats.figure(200000) == "200,000" and formats.figure(0.01234) == "0.0123"
    assert formats.ordinal(22) == "22nd" and formats.counted_from(2) == (
        "from the 3rd period after training"
    )


def test_a_number_a_sentence_printed_gets_its_currency_in_either_style():
    assert formats.with_currency("3,982", "usd") == "USD 3,982"
    assert formats.with_currency("-259", "EUR") == f"EUR {MINUS}259"
    assert formats.with_currency("-259", "EUR", symbol=True) == f"{MINUS}€259"
    assert formats.with_currency("12", "CHF", symbol=True) == "CHF 12"  # no common symbol
    assert formats.with_currency("12", None) == "12"
    assert formats.with_currency_range("2,839", "5,126", "GBP") == "GBP 2,839 to 5,126"
    assert formats.with_currency_range("2,839", "5,126", "GBP", symbol=True) == "£2,839 to £5,126"
