"""Reps named only by their names: pseudonymous ids (rep_ids), names in two columns,
``LAST First`` read as ``First Last``, and the names never reaching imported/."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.core.errors import InputError
from analysis.ingest.codebook import run_codebook
from analysis.ingest.events.matching import full_names, normalise_name
from analysis.ingest.read.sources import CodebookError
from analysis.ingest.rules.pseudonyms import KEY_FILE, add_rep_ids, client_key, pseudonym


def column(values: list) -> pd.DataFrame:
    """A raw table with one column of names, indexed by file lines (header = line 1)."""
    return pd.DataFrame({"Seller": values}, index=range(2, 2 + len(values)))


SPEC = {"source": {"file": "crm.csv"}, "rep_ids": {"from": "Seller", "key": "name"}}


@pytest.mark.parametrize(
    "written",
    ["LEFEVRE Zoé", "Zoé Lefèvre", "Lefèvre, Zoé", "LEFÈVRE, ZOÉ", "zoe   lefevre", "Zoé LEFEVRE"],
)
def test_a_name_is_one_key_whatever_its_accents_case_and_order(written):
    assert normalise_name(written) == "zoe lefevre"


def test_only_leading_capitals_are_a_surname_first():
    assert normalise_name("DE LA TOUR Jean-Pierre") == "jean-pierre de la tour"
    assert normalise_name("ZOE LEFEVRE") == "zoe lefevre"  # all capitals: order as written
    assert normalise_name("Martin Thomas") == "martin thomas"  # no capitals: as written
    assert normalise_name("J. SMITH") == "j smith"  # an initial is not a surname


def test_two_columns_of_a_name_read_as_last_first():
    frame = pd.DataFrame({"Nom": ["Lefèvre", "Blanc", None], "Prénom": ["Zoé", "Mehdi", "Ana"]})
    names = full_names(frame, {"first": "Prénom", "last": "Nom"}, where="f.xlsx", rule="learner")
    keys = names.map(normalise_name)
    assert keys[:2].tolist() == ["zoe lefevre", "mehdi blanc"] and pd.isna(keys[2])
    with pytest.raises(CodebookError, match=r"f.xlsx: learner names column\(s\) \['Name'\]"):
        full_names(frame, {"first": "Prénom", "last": "Name"}, where="f.xlsx", rule="learner")


def test_the_same_name_gets_the_same_id_in_every_table_and_at_every_import(tmp_path):
    panel, _ = add_rep_ids(
        tmp_path, column(["LEFEVRE Zoé", "BLANC Mehdi", "LEFEVRE Zoé"]), SPEC, "panel"
    )
    other = {**SPEC, "rep_ids": {"from": {"first": "First", "last": "Last"}}}
    reps, record = add_rep_ids(
        tmp_path,
        pd.DataFrame({"Last": ["Blanc", "Lefèvre"], "First": ["Mehdi", "Zoé"]}, index=[2, 3]),
        other,
        "reps",
    )
    assert panel["rep_id"].iloc[0] == panel["rep_id"].iloc[2] == reps["rep_id"].iloc[1]
    assert panel["rep_id"].iloc[1] == reps["rep_id"].iloc[0]
    assert panel["rep_id"].str.fullmatch(r"R[0-9A-F]{10}").all()
    assert (tmp_path / KEY_FILE).is_file()
    again, _ = add_rep_ids(tmp_path, column(["Zoé Lefèvre"]), SPEC, "panel")  # the key is reused
    assert again["rep_id"].iloc[0] == panel["rep_id"].iloc[0]
    assert record == {
        "from": "Last + First",
        "key": "name",
        "reps": 2,
        "rows": 2,
        "names_written_more_than_one_way": 0,
        "key_file": KEY_FILE,
    }


def test_an_id_depends_on_the_client_key(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = client_key(tmp_path / "a"), client_key(tmp_path / "b")
    assert a != b and pseudonym(a, "zoe lefevre") != pseudonym(b, "zoe lefevre")


def test_a_broken_key_file_is_refused_not_replaced(tmp_path):
    (tmp_path / KEY_FILE).write_text("not a key\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"pseudonyms.key does not hold a key.*restore it"):
        client_key(tmp_path)


def test_the_same_words_in_another_order_are_refused_as_ambiguous(tmp_path):
    with pytest.raises(CodebookError) as error:
        add_rep_ids(tmp_path, column(["Martin Thomas", "Ana Ruiz", "Thomas Martin"]), SPEC, "panel")
    said = str(error.value)
    assert "crm.csv: column Seller" in said
    assert "'Martin Thomas' (line 2)" in said and "'Thomas Martin' (line 4)" in said
    assert "give the reps an id column" in said
    with pytest.raises(CodebookError, match="same words in another order"):
        add_rep_ids(tmp_path, column(["MARTIN Thomas", "Martin THOMAS"]), SPEC, "panel")


def test_a_name_twice_in_one_period_is_refused(tmp_path):
    frame = column(["Ana Ruiz", "Ana Ruiz", "Ana Ruiz"]).assign(Month=["Jan", "Feb", "Feb"])
    spec = {**SPEC, "rename": {"Month": "period"}}
    with pytest.raises(CodebookError, match=r"crm.csv: .*same Month \(lines 3, 4;"):
        add_rep_ids(tmp_path, frame, spec, "panel")


def test_a_blank_name_is_refused_with_its_line(tmp_path):
    with pytest.raises(CodebookError, match=r"crm.csv: column Seller has no name on line\(s\) 3"):
        add_rep_ids(tmp_path, column(["Ana Ruiz", " ", "Bo Li"]), SPEC, "panel")


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        ({"from": "Seller", "key": "email"}, "key must be name"),
        ({"column": "Seller"}, "must be a mapping such as"),
        ({"from": {"first": "A"}}, "takes one column or"),
    ],
)
def test_a_rule_of_the_wrong_shape_is_refused(tmp_path, rule, said):
    with pytest.raises(CodebookError, match=said):
        add_rep_ids(tmp_path, column(["Ana Ruiz"]), {**SPEC, "rep_ids": rule}, "panel")


def _write(path, text):
    path.write_text(text, encoding="utf-8")


def test_import_builds_reps_and_panel_from_names_and_keeps_the_names_out(tmp_path):
    """A CRM report keyed by ``LAST First`` names and a training list with the name in two
    columns: the reps, their training starts and the panel share the pseudonymous ids."""
    _write(
        tmp_path / "crm.csv",
        "Seller;Month;Sales\n"
        + "".join(
            f"{name};{month};{value}\n"
            for name in ("LEFEVRE Zoé", "BLANC Mehdi", "RUIZ Ana")
            for month, value in (("2025-01", "100"), ("2025-02", "120"))
        ),
    )
    _write(
        tmp_path / "training.csv",
        "Last;First;Course;Attended;Date\n"
        "Lefèvre;Zoé;Course A;yes;2025-02-03\n"
        "Blanc;Mehdi;Course A;no;2025-02-03\n"
        "Stranger;Sam;Course A;yes;2025-02-03\n",
    )
    _write(
        tmp_path / "codebook.yml",
        """tables:
  reps:
    source: {file: crm.csv}
    rep_ids: {from: Seller, key: name}
    match: {name: Seller}
    from_completions:
      source: {file: training.csv}
      learner: {first: First, last: Last}
      key: name
      course: Course
      programme: {titles: [Course A]}
      status: Attended
      completed: ["yes"]
      date: Date
      max_unmatched: 0.5
    keep: [rep_id, training_start]
  panel:
    source: {file: crm.csv}
    rep_ids: {from: Seller, key: name}
    rename: {Month: period, Sales: revenue}
    keep: [rep_id, period, revenue]
""",
    )
    record = run_codebook(tmp_path)
    reps = pd.read_parquet(tmp_path / "imported" / "reps.parquet")
    panel = pd.read_parquet(tmp_path / "imported" / "panel.parquet")
    assert len(reps) == 3 and len(panel) == 6
    assert set(panel["rep_id"]) == set(reps["rep_id"])
    trained = reps.dropna(subset=["training_start"])
    assert trained["training_start"].tolist() == ["2025-02"]  # Zoé; Mehdi did not attend
    assert any("'Stranger, Sam'" in w and "match no rep" in w for w in record["warnings"])
    match = record["tables"]["reps"]["from_completions"]["match"]
    assert match["unmatched_in_file"] == [{"first_line": 4, "rows": 1}]
    stored = (tmp_path / "imported" / "import_record.json").read_text(encoding="utf-8")
    for frame in (reps, panel):
        text = frame.astype(str).to_string()
        assert "LEFEVRE" not in text and "Zoé" not in text and "Seller" not in frame.columns
    assert "Lef" not in stored and "Stranger" not in stored
    assert json.loads(stored)["tables"]["panel"]["rep_ids"]["reps"] == 3
