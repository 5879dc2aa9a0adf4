"""Column profiles: what a raw column's values are, from the values (the header only supports)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.ingest.mapping.roles import decide_roles
from analysis.ingest.profiles import profile_column


def kind(values, header="x"):
    return profile_column(pd.Series(values, dtype=object), header=header)


@pytest.mark.parametrize(
    ("values", "header", "currencies"),
    [
        (["$1,234.56", "$31,077.51", "$0.00"], "Amount", ("USD",)),
        (["£48.3k", "£10.1k", "£52.0k"], "Revenue", ("GBP",)),
        (["₹38,45,210", "₹1,23,45,000", "₹77,50,000"], "Revenue", ("INR",)),
        (["46\u00a0390,79", "68\u202f500,00", "-18\u00a0000,00"], "CA (€)", ("EUR",)),
        (["283500", "62000", "264000"], "Costs (USD)", ("USD",)),
        (["12 345,67 EUR", "1 200,00 EUR", "300,50 EUR"], "Betrag", ("EUR",)),
    ],
)
def test_money_with_its_currency_from_the_values_or_the_header(values, header, currencies):
    found = kind(values, header)
    assert found.kind == "money" and found.currencies == currencies


def test_money_read_with_k_indian_grouping_nbsp_and_trailing_minus():
    assert kind(["£48.3k", "£10.1k"]).maximum == 48_300
    assert kind(["₹38,45,210", "₹1,23,45,000"]).maximum == 12_345_000
    german = kind(["3.412,80-", "54.105,90", "1.000,00"], "Nettowert")
    assert german.minimum == -3412.80 and "trailing minus" in german.notes
    mixed = kind(["£48.3k", "€52.1k", "£10.0k"], "Revenue")
    assert mixed.kind == "money" and mixed.currencies == ("GBP", "EUR")


def test_counts_shares_scores_and_plain_numbers():
    assert kind(["0", "4", "2", "1", "3"] * 5, "Won (#)").kind == "count"
    assert kind(["79.6%", "69.1%", "103.7%"]).kind == "share"
    share = kind(["0.873", "0.51", "1.02", "0.95"], "Quota attainment %")
    assert share.kind == "share" and share.maximum == pytest.approx(1.02)
    score = kind(["3", "4", "5", "2"], "Relevance (1-5)")
    assert score.kind == "score" and score.scale == (1, 5)
    assert kind(["56.8", "67.2", "99.1"], "Call Review Score (0-100)").scale == (0, 100)
    assert kind(["108259.18", "50628.35", "73604.8"], "Won value").kind == "number"


def test_ids_that_look_like_counts_are_identifiers():
    panel_ids = [str(i) for i in (1, 3, 4, 5, 6, 9, 11, 14, 15, 19, 20, 23) for _ in range(3)]
    assert kind(panel_ids, "Rep #").kind == "identifier"  # each value on three rows
    assert kind([f"{i:05d}" for i in (1234, 2392, 9032, 6502)], "Emp No").kind == "identifier"
    assert kind(["00004711", "00001924", "00002282"]).kind == "identifier"
    assert kind([str(17883821663 + i) for i in range(30)]).kind == "identifier"  # record ids
    assert kind([f"SD{i:04d}" for i in range(12)]).kind == "identifier"
    tokens = [f"R_{i:03d}VPN1cBsI26k" for i in range(12)]  # Qualtrics response ids
    assert kind(tokens).kind == "identifier"


@pytest.mark.parametrize(
    ("values", "fmt", "what"),
    [
        (["Jan-24", "Feb-24", "Mar-24"], "%b-%y", "period"),
        (["janv. 2025", "févr. 2025", "août 2025", "déc. 2025"], "month_name", "period"),
        (["001.2025", "002.2025", "012.2025"], "sap_period", "period"),
        (["01.2024", "10.2020", "12.2023"], "%m.%Y", "period"),
        (["FY25 Q1", "FY25 Q2", "FY26 Q1"], "fiscal_quarter", "period"),
        (["45230", "45260", "45291"], "excel_serial", "period"),  # month ends
        (["45490", "45643", "45486", "45341"], "excel_serial", "date"),
        (["08/04/2024", "15/04/2024", "01/07/2024"], "%d/%m/%Y", "date"),  # day first
        (["6/3/2024", "1/24/2024", "12/31/2024"], "%m/%d/%Y", "date"),  # month first
        (["11/4/2025 9:14:03", "10/31/2025 17:42:05"], "%m/%d/%Y %H:%M:%S", "date"),
        (["2024-07-01", "2024-08-01", "2024-09-01"], "%Y-%m-%d", "period"),
    ],
)
def test_periods_and_dates_with_their_format(values, fmt, what):
    found = kind(values, "Period")
    assert (found.kind, found.date_format) == (what, fmt)


def test_a_month_label_is_never_a_number_and_special_periods_are_named():
    found = kind(["001.2024", "012.2024", "013.2024", "016.2024"])
    assert found.kind == "period" and any("special periods" in n for n in found.notes)
    assert kind(["01.2024", "10.2020"]).kind == "period"


@pytest.mark.parametrize(
    ("values", "header", "personal"),
    [
        (["a.b@example.com", "anonymous", "anonymous", "c.d@example.org"], "Email", "email"),
        (["46.64.197.188", "79.165.147.90", "27.24.34.170"], "IPAddress", "ip"),
        (["(748) 347-6253", "(660) 260-5769", "+44 20 7946 0958"], "Mobile", "phone"),
        (["46.4764", "39.8968", "-28.5794"], "LocationLatitude", "location"),
        (["Allen, Chloe", "Bailey, Karen", "Delacroix, Simone"], "Manager", "name"),
        (
            [
                f"{f} {l}"
                for f in ("Chloe", "Jack", "Mei", "Omar", "Zoé", "Ravi")
                for l in ("Ali", "Baker", "Cruz", "Dunn", "Evans")
            ],
            "Rep",
            "name",
        ),
        (
            ["Lange", "Lorenz", "Neumann", "Schulze", "Becker", "Jörg", "Weiß", "Kaya"],
            "Nachname",
            "name",
        ),
        ([f"{w} Holdings Inc." for w in "abcdefghij"], "Organisation name", "organisation"),
    ],
)
def test_personal_data(values, header, personal):
    found = kind(values, header)
    assert (found.kind, found.personal) == ("personal", personal)


def test_categories_free_text_multi_selects_and_booleans():
    assert (
        kind(["North", "South", "North", "East", "South", "West"] * 4, "Region").kind == "category"
    )
    notes = kind([f"on leave {i} weeks, see email from Tom" for i in range(30)])
    assert notes.kind == "text" and "free text" in notes.notes
    ticked = [
        "Coaching;Feedback forms;",
        "Feedback forms;",
        "Coaching;Pre/post;",
        "Pre/post;Coaching;",
    ]
    assert kind(ticked).kind == "multi_select"
    codes = ["1,2,4", "2,3", "1,3,4", "4", "2,4"]
    assert kind(codes).kind == "multi_select"
    comments = [
        "Coaching, coaching, coaching.",
        "testing the form",
        "We use a mix, depends on region",
    ]
    assert kind(comments).kind != "multi_select"
    assert kind(["TRUE", "FALSE", "TRUE"]).kind == "boolean"
    assert kind(["0", "1", "1", "0"], "Finished").kind == "boolean"


def test_the_describe_line_gives_samples_min_median_max_and_unit():
    line = kind(["£48.3k", "£10.1k", "£52.0k"], "Revenue").describe()
    assert (
        "money (GBP)" in line
        and "'£48.3k'" in line
        and "min 10,100, median 48,300, max 52,000" in line
    )


def frame_of(**columns):
    from analysis.ingest.profiles import profile_frame

    return profile_frame(pd.DataFrame(columns, dtype=object))


def test_a_money_name_on_small_whole_numbers_is_a_check_not_a_mapping():
    # the silent mistake: a count of won deals named like revenue, the money elsewhere
    profiles = frame_of(
        **{
            "Rep": ["A1", "A2", "A3", "A4"] * 6,
            "Month": ["2025-01"] * 8 + ["2025-02"] * 8 + ["2025-03"] * 8,
            "Revenue": ["0", "4", "2", "1", "3", "2"] * 4,
            "Deal value": [f"${v},345.67" for v in range(10, 34)],
        }
    )
    decisions = decide_roles(profiles, ["rep_id", "period", "revenue", "wins"], "panel")
    assert decisions["revenue"].column is None
    assert (
        "'Revenue'" in decisions["revenue"].check
        and "not what revenue holds" in decisions["revenue"].check
    )


def test_two_columns_competing_for_a_role_give_a_check_naming_both():
    profiles = frame_of(
        Region=["North", "South"] * 6,
        Territory=["N1", "S1", "N2", "S2"] * 3,
        Employee=[f"E{i:03d}" for i in range(12)],
    )
    decisions = decide_roles(profiles, ["rep_id", "team"], "reps")
    assert decisions["team"].column is None and "compete" in decisions["team"].check
    assert "'Region'" in decisions["team"].check and "'Territory'" in decisions["team"].check
    assert decisions["rep_id"].column == "Employee"


def test_a_name_is_never_the_rep_id_when_an_id_column_exists():
    profiles = frame_of(
        Rep=[
            f"{f} {l}"
            for f in ("Chloe", "Jack", "Mei", "Omar", "Zoé")
            for l in ("Ali", "Baker", "Cruz", "Dunn", "Evans", "Ford")
        ],
        **{"Emp No": [f"{i:05d}" for i in range(1000, 1030)]},
    )
    decisions = decide_roles(profiles, ["rep_id"], "reps")
    assert decisions["rep_id"].column == "Emp No"
