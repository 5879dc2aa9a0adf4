"""Several rows per key summed into one (``aggregate``), and one money column in several
currencies converted at the client's rates (``numbers: {col: {currency, rates}}``).

Small tables written by hand; every expected figure is worked out in the comment beside it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.errors import InputError
from analysis.ingest.codebook import CodebookError, apply_codebook_table, check_table_spec


def lines(rows: list[dict], first: int = 2) -> pd.DataFrame:
    """A raw table as read: text cells, indexed by file line (header on line 1)."""
    frame = pd.DataFrame(rows, dtype=object)
    frame.index = pd.RangeIndex(first, first + len(frame), name="row")
    return frame


BILLING = lines(
    [  # one row per rep, month and billing type; SAP's trailing minus on credits
        {
            "Rep": "007",
            "Month": "2024-01",
            "Type": "F2",
            "Net": "1.000,00",
            "Docs": "3",
            "Office": "HH",
        },
        {
            "Rep": "007",
            "Month": "2024-01",
            "Type": "G2",
            "Net": "250,50-",
            "Docs": "1",
            "Office": "HH",
        },
        {
            "Rep": "007",
            "Month": "2024-01",
            "Type": "S1",
            "Net": "0,00",
            "Docs": "0",
            "Office": "HH",
        },
        {
            "Rep": "007",
            "Month": "2024-02",
            "Type": "F2",
            "Net": "400,00",
            "Docs": "2",
            "Office": "HH",
        },
        {
            "Rep": "012",
            "Month": "2024-01",
            "Type": "F2",
            "Net": "80,00",
            "Docs": "1",
            "Office": "B",
        },
        {
            "Rep": "012",
            "Month": "2024-01",
            "Type": "ZZ",
            "Net": "5.000,00",
            "Docs": "9",
            "Office": "B",
        },
    ]
)


def billing_spec(**aggregate) -> dict:
    return {
        "source": {"file": "billing.txt"},
        "rename": {"Rep": "rep_id", "Month": "period", "Net": "revenue", "Docs": "wins"},
        "numbers": {"revenue": {"decimal": ","}},
        "aggregate": {"by": ["rep_id", "period"], "sum": ["revenue", "wins"], **aggregate},
        "keep": ["rep_id", "period", "revenue", "wins"],
    }


def test_rows_of_one_key_are_summed_with_negative_and_zero_lines():
    spec = billing_spec(line_types={"column": "Type", "exclude": ["ZZ"]})
    table, record = apply_codebook_table(BILLING.copy(), spec, "panel")
    got = table.set_index(["rep_id", "period"])
    # 007/2024-01: 1000.00 - 250.50 + 0.00 = 749.50; 3 + 1 + 0 = 4 documents
    assert got.loc[("007", "2024-01"), "revenue"] == pytest.approx(749.50)
    assert got.loc[("007", "2024-01"), "wins"] == 4
    # 007/2024-02: one row, 400.00; 012/2024-01: 80.00 (the ZZ line of 5,000 left out)
    assert got.loc[("007", "2024-02"), "revenue"] == pytest.approx(400.0)
    assert got.loc[("012", "2024-01"), "revenue"] == pytest.approx(80.0)
    assert len(table) == 3 and record["rows_out"] == 3
    # each row points at the first raw line of its key
    assert table["_source_row"].tolist() == [2, 5, 6]
    said = record["aggregate"]
    assert said["rows_in"] == 6 and said["rows_out"] == 3 and said["keys_with_several_rows"] == 1
    assert said["line_types"]["ZZ"] == {"rows": 1, "counted": False}
    assert said["line_types"]["G2"] == {"rows": 1, "counted": True}


def test_include_counts_only_the_types_listed():
    spec = billing_spec(line_types={"column": "Type", "include": ["F2"]})
    table, _ = apply_codebook_table(BILLING.copy(), spec, "panel")
    # F2 only: 1000.00, 400.00, 80.00
    assert table["revenue"].tolist() == pytest.approx([1000.0, 400.0, 80.0])


def test_without_a_type_rule_every_row_counts():
    table, _ = apply_codebook_table(BILLING.copy(), billing_spec(), "panel")
    # 012/2024-01: 80.00 + 5000.00 = 5080.00
    assert table["revenue"].tolist() == pytest.approx([749.5, 400.0, 5080.0])


def test_a_key_whose_summed_cells_are_all_blank_stays_blank_and_blanks_are_skipped():
    raw = lines(
        [
            {"Rep": "1", "Month": "2024-01", "Net": "10"},
            {"Rep": "1", "Month": "2024-01", "Net": ""},
            {"Rep": "2", "Month": "2024-01", "Net": None},
            {"Rep": "2", "Month": "2024-01", "Net": None},
        ]
    )
    spec = {
        "source": {"file": "x.csv"},
        "rename": {"Rep": "rep_id", "Month": "period", "Net": "revenue"},
        "aggregate": {"by": ["rep_id", "period"], "sum": ["revenue"]},
        "identical_rows": "keep",  # lines 4 and 5 are alike: separate (blank) lines, by choice
    }
    table, _ = apply_codebook_table(raw, spec, "panel")
    assert table["revenue"].iloc[0] == 10 and pd.isna(table["revenue"].iloc[1])


def test_same_keeps_the_one_value_and_earliest_takes_the_first():
    raw = lines(
        [  # registrations: rep 4711 cancelled one course, attended two
            {"Id": "4711", "Start": "2024-09", "Status": "attended", "Team": "North"},
            {"Id": "4711", "Start": "2024-05", "Status": "cancelled", "Team": "North"},
            {"Id": "4711", "Start": "2024-10", "Status": "attended", "Team": "North"},
            {"Id": "815", "Start": "2025-02", "Status": "attended", "Team": "South"},
        ]
    )
    spec = {
        "source": {"file": "hr.xlsx"},
        "rename": {"Id": "rep_id", "Start": "training_start", "Team": "team"},
        "aggregate": {
            "by": ["rep_id"],
            "same": ["team"],
            "earliest": ["training_start"],
            "line_types": {"column": "Status", "include": ["attended"]},
        },
    }
    table, _ = apply_codebook_table(raw, spec, "reps")
    # 4711: the earliest attended start is 2024-09 (the cancelled 2024-05 does not count)
    assert table.to_dict("records") == [
        {"rep_id": "4711", "team": "North", "training_start": "2024-09", "_source_row": 2},
        {"rep_id": "815", "team": "South", "training_start": "2025-02", "_source_row": 5},
    ]


def test_a_same_column_with_two_values_in_one_key_is_refused_naming_the_lines():
    spec = billing_spec()
    spec["rename"]["Office"] = "team"
    spec["aggregate"]["same"] = ["team"]
    spec["keep"].append("team")
    raw = BILLING.copy()
    raw.loc[3, "Office"] = "B"
    with pytest.raises(InputError, match=r"billing.txt.*'team'.*lines 2, 3, 4"):
        apply_codebook_table(raw, spec, "panel")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"units": {"revenue": {"unit": "rate"}}}, "its unit is rate"),
        ({"units": {"revenue": {"unit": "score", "scale": [0, 100]}}}, "its unit is score"),
    ],
)
def test_a_share_or_a_score_is_never_summed(change, said):
    spec = {**billing_spec(), **change}
    with pytest.raises(InputError, match=rf"billing.txt.*aggregate.sum.*'revenue'.*{said}"):
        apply_codebook_table(BILLING.copy(), spec, "panel")


def test_percentages_and_contract_averages_are_never_summed():
    raw = lines(
        [
            {"Rep": "1", "Month": "2024-01", "Rate": "40%", "Avg": "100"},
            {"Rep": "1", "Month": "2024-01", "Rate": "60%", "Avg": "300"},
        ]
    )
    spec = {
        "source": {"file": "kpi.csv"},
        "rename": {"Rep": "rep_id", "Month": "period", "Rate": "share"},
        "aggregate": {"by": ["rep_id", "period"], "sum": ["share"]},
    }
    with pytest.raises(InputError, match=r"kpi.csv.*'share'.*percentages"):
        apply_codebook_table(raw.copy(), spec, "panel")
    spec["rename"] = {"Rep": "rep_id", "Month": "period", "Avg": "avg_deal_size"}
    spec["aggregate"]["sum"] = ["avg_deal_size"]
    with pytest.raises(InputError, match=r"'avg_deal_size'.*average, share or score"):
        apply_codebook_table(raw.copy(), spec, "panel")


def test_a_kept_column_without_a_rule_is_refused():
    spec = billing_spec()
    spec["aggregate"]["sum"] = ["revenue"]  # wins kept, but neither summed nor the same
    with pytest.raises(InputError, match=r"\['wins'\] are kept but have no aggregate rule"):
        apply_codebook_table(BILLING.copy(), spec, "panel")


def test_text_under_sum_and_blank_keys_are_refused_naming_the_lines():
    raw = BILLING.copy()
    raw.loc[4, "Docs"] = "n/a"
    with pytest.raises(InputError, match=r"\(wins\).*not numbers on line\(s\) 4 .*'n/a'"):
        apply_codebook_table(raw, billing_spec(), "panel")
    raw = BILLING.copy()
    raw.loc[6, "Rep"] = " "
    with pytest.raises(InputError, match=r"blank rep_id or period \(lines 6\)"):
        apply_codebook_table(raw, billing_spec(), "panel")


def test_a_line_type_column_the_file_lacks_is_refused():
    spec = billing_spec(line_types={"column": "Kind", "include": ["F2"]})
    with pytest.raises(InputError, match=r"line_types.column 'Kind' is not a column"):
        apply_codebook_table(BILLING.copy(), spec, "panel")


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ({"sum": ["revenue"]}, r"aggregate.by must be a list"),
        ({"by": "rep_id"}, r"aggregate.by must be a list"),
        (
            {"by": ["rep_id"], "total": ["revenue"]},
            r"aggregate: unknown key 'total'; it takes by, sum",
        ),
        ({"by": ["rep_id"], "sum": ["x"], "same": ["x"]}, r"'x' is under both sum and same"),
        ({"by": ["rep_id"], "line_types": {"column": "T"}}, "exactly one of include"),
        (
            {"by": ["rep_id"], "line_types": {"column": "T", "include": ["a"], "exclude": ["b"]}},
            "not both",
        ),
        ({"by": ["rep_id"], "line_types": {"column": "T", "include": "F2"}}, "must be a list"),
    ],
)
def test_a_malformed_aggregate_rule_is_refused_before_anything_is_read(rule, said):
    spec = {"source": {"file": "x.csv"}, "aggregate": rule}
    with pytest.raises(CodebookError, match=said):
        check_table_spec(spec, "panel")


# ------------------------------------------------------------------ currencies

MIXED = lines(
    [
        {"Rep": "01", "Revenue": "£48.3k"},
        {"Rep": "02", "Revenue": "€52.1k"},
        {"Rep": "03", "Revenue": "£0.0k"},
        {"Rep": "04", "Revenue": "-€1.0k"},
        {"Rep": "05", "Revenue": ""},
    ]
)


def money_spec(**options) -> dict:
    return {
        "source": {"file": "perf.csv"},
        "rename": {"Rep": "rep_id", "Revenue": "revenue"},
        "numbers": {"revenue": {"currency": "GBP", **options}},
        "units": {"revenue": {"unit": "money", "currency": "GBP"}},
    }


def test_each_value_is_converted_by_its_own_currency():
    table, record = apply_codebook_table(MIXED.copy(), money_spec(rates={"EUR": 0.85}), "panel")
    # £48.3k = 48,300; €52.1k x 0.85 = 44,285; £0.0k = 0; -€1.0k x 0.85 = -850; blank stays blank
    assert table["revenue"].tolist()[:4] == pytest.approx([48300.0, 44285.0, 0.0, -850.0])
    assert pd.isna(table["revenue"].iloc[4])
    said = record["numbers"]["revenue"]
    assert said["converted_to"] == "GBP" and said["rates"] == {"EUR": 0.85}
    assert said["values"] == {"GBP": 2, "EUR": 2}


def test_a_currency_without_a_rate_is_refused_naming_file_column_lines_and_fix():
    with pytest.raises(InputError) as error:
        apply_codebook_table(MIXED.copy(), money_spec(), "panel")
    message = str(error.value)
    assert "perf.csv" in message and "'revenue'" in message and "line(s) 3, 5" in message
    assert "rates: {EUR:" in message


def test_a_bare_amount_in_a_mixed_column_is_refused():
    raw = MIXED.copy()
    raw.loc[4, "Revenue"] = "48300"
    with pytest.raises(
        InputError, match=r"perf.csv.*1 value\(s\) carry no currency sign on line\(s\) 4"
    ):
        apply_codebook_table(raw, money_spec(rates={"EUR": 0.85}), "panel")


@pytest.mark.parametrize(
    ("options", "units", "said"),
    [
        (
            {"rates": {"EUR": "CHECK: GBP per EUR"}},
            None,
            "not a CHECK placeholder|CHECK placeholder",
        ),
        ({"rates": {"EUR": -1}}, None, "positive number"),
        ({"rates": {"Euro": 0.85}}, None, "not an ISO 4217 code"),
        ({"rates": {"GBP": 1.0}}, None, "its own rate is 1"),
        (
            {"currency": "£", "rates": {"EUR": 0.85}},
            None,
            "ISO 4217 code the column is converted to",
        ),
        ({"rates": {"EUR": 0.85}}, {"unit": "money", "currency": "EUR"}, "units.revenue says EUR"),
    ],
)
def test_a_malformed_rate_rule_is_refused(options, units, said):
    spec = money_spec(**options)
    if "currency" in options:
        spec["numbers"]["revenue"] = options
    if units:
        spec["units"]["revenue"] = units
    with pytest.raises(CodebookError, match=said):
        check_table_spec(spec, "panel")


def test_earliest_refuses_dates_that_do_not_sort_as_written_and_skips_absent_columns():
    raw = lines(
        [
            {"Id": "1", "Start": "15/03/2024"},
            {"Id": "1", "Start": "08/04/2024"},
        ]
    )
    spec = {
        "source": {"file": "hr.csv"},
        "rename": {"Id": "rep_id", "Start": "training_start"},
        "aggregate": {"by": ["rep_id"], "earliest": ["training_start"]},
    }
    with pytest.raises(InputError, match=r"hr.csv.*'15/03/2024' \(line 2\).*dates"):
        apply_codebook_table(raw.copy(), spec, "reps")
    spec["dates"] = {"training_start": "%d/%m/%Y"}
    table, _ = apply_codebook_table(raw.copy(), spec, "reps")
    assert table["training_start"].tolist() == ["2024-03"]
    # a role named before its CHECK was answered (its rename line left commented): skipped
    spec["aggregate"]["sum"] = ["revenue"]
    table, record = apply_codebook_table(raw.copy(), spec, "reps")
    assert list(table.columns) == ["rep_id", "training_start", "_source_row"]
    assert record["aggregate"]["not_in_table"] == ["revenue"]


# ------------------------------------------------------------------ drafts


def write(folder, name: str, header: str, rows: list[str]) -> str:
    (folder / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return name


def billing_lines() -> list[str]:
    """Twelve reps x six months; each rep-month an invoice, every third a credit memo."""
    rows = []
    for rep in range(101, 113):
        for month in range(1, 7):
            rows.append(f"E{rep},2024-{month:02d},INV,{1000 + rep}.00,North")
            if (rep + month) % 3 == 0:
                rows.append(f"E{rep},2024-{month:02d},CRN,-{rep}.00,North")
    return rows


def test_the_draft_sums_billing_lines_and_asks_which_types_count(tmp_path):
    import yaml

    from analysis.ingest.codebook import run_codebook
    from analysis.ingest.drafting import draft_codebook

    write(tmp_path, "lines.csv", "Rep ID,Period,Doc type,Revenue,Region", billing_lines())
    text, notes = draft_codebook(tmp_path, ["lines.csv"])
    panel = yaml.safe_load(text)["tables"]["panel"]  # imported, not commented out
    rule = panel["aggregate"]
    assert rule["by"] == ["rep_id", "period"] and rule["sum"] == ["revenue"]
    assert rule["line_types"]["column"] == "Doc type"
    assert rule["line_types"]["include"].startswith("CHECK")
    said = " ".join(notes)
    # 72 invoices; 24 credit memos ((rep + month) divisible by 3: 2 of every 6 months)
    assert "INV (72 rows" in said and "CRN (24 rows" in said and "line_types.include" in said
    rule["line_types"]["include"] = ["INV", "CRN"]
    (tmp_path / "codebook.yml").write_text(yaml.safe_dump({"tables": {"panel": panel}}))
    run_codebook(tmp_path)
    table = pd.read_parquet(tmp_path / "imported" / "panel.parquet")
    assert len(table) == 72
    got = table.set_index(["rep_id", "period"])["revenue"]
    # E101 2024-01: 101 + 1 = 102 is a multiple of 3, a credit: 1101.00 - 101.00 = 1000.00
    # E101 2024-02: 101 + 2 = 103 is not: the invoice alone, 1101.00
    assert got[("E101", "2024-01")] == pytest.approx(1000.0)
    assert got[("E101", "2024-02")] == pytest.approx(1101.0)
    # the whole: 72 invoices of 1000 + rep (12 reps x 6 months x 1106.50 on average) less
    # each rep's two credits: 79,668.00 - 2 x (101 + ... + 112) = 79,668.00 - 2,556.00
    assert table["revenue"].sum() == pytest.approx(77112.0)


def test_a_share_that_differs_within_a_key_keeps_the_table_out_with_a_check(tmp_path):
    from analysis.ingest.drafting import draft

    rows = [
        f"E{rep},2024-{month:02d},{line},{1000 + rep},0.{rep % 9 + line}"
        for rep in range(101, 113)
        for month in range(1, 7)
        for line in (1, 2)
    ]
    write(tmp_path, "kpi.csv", "Rep ID,Period,Line,Revenue,Win rate", rows)
    result = draft(tmp_path, ["kpi.csv"])
    tdraft = result.sources[0].draft
    assert tdraft.commented and "aggregate" not in tdraft.spec
    assert any("cannot be summed" in c and "'Win rate'" in c for c in tdraft.table_checks)


def test_a_cost_credit_is_netted_per_item_once_item_names_the_kind_of_cost(tmp_path):
    import yaml

    from analysis.ingest.codebook import run_codebook
    from analysis.ingest.drafting import draft_codebook

    write(
        tmp_path,
        "costs.csv",
        "Item,Amount (EUR)",
        ["Trainer,5000.00", "Hotel,3000.00", "Hotel,-400.00", "Design,1200.00"],
    )
    text, notes = draft_codebook(tmp_path, ["costs.csv"])
    costs = yaml.safe_load(text)["tables"]["costs"]
    assert costs["aggregate"] == {"by": ["item"], "sum": ["amount"]}
    assert any("holds credits (down to -400.00)" in n for n in notes)
    (tmp_path / "codebook.yml").write_text(text)
    run_codebook(tmp_path)
    table = pd.read_parquet(tmp_path / "imported" / "costs.parquet")
    # Hotel: 3000.00 - 400.00 = 2600.00; the total stays 5000 + 2600 + 1200 = 8800
    assert dict(zip(table["item"], table["amount"], strict=True)) == {
        "Trainer": 5000.0,
        "Hotel": 2600.0,
        "Design": 1200.0,
    }


def test_a_variance_column_is_not_taken_for_credits(tmp_path):
    from analysis.ingest.drafting import draft

    write(
        tmp_path,
        "costs.csv",
        "Cost line,Budget,Actual,Variance",
        # Variance = Budget - Actual on every line: 0, -400, 250
        ["Trainer,5000,5000,0", "Hotel,3000,3400,-400", "Design,1200,950,250"],
    )
    tdraft = draft(tmp_path, ["costs.csv"]).sources[0].draft
    assert tdraft.table == "costs" and "aggregate" not in tdraft.spec
    assert not any("holds credits" in c for c in tdraft.checks)
