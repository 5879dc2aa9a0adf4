"""Drafting a delivery whose reps are named only by name, with headers in a language the
synonyms do not know: roles from the values, a CHECK for each choice, pseudonymous ids."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from analysis.ingest.codebook import run_codebook
from analysis.ingest.drafting import draft, draft_codebook

FIRST = ["Anna", "Piotr", "Zofia", "Jan", "Łucja", "Marek", "Ewa", "Tomasz", "Iga", "Oskar"]
LAST = ["Nowak", "Wójcik", "Kowalczyk"]
PEOPLE = [(first, last) for last in LAST for first in FIRST]  # 30 reps
MONTHS = ["2025-01", "2025-02", "2025-03"]


def _capitals(text: str) -> str:
    """A surname as a CRM writes it: capitals without accents (Wójcik -> WOJCIK)."""
    return text.upper().replace("Ó", "O").replace("Ł", "L")


@pytest.fixture
def delivery(tmp_path):
    """A rep-month panel keyed by ``LAST First`` (Polish headers) and a list of
    registrations with the name in two columns, one rep absent then present."""
    rows = [
        f"{_capitals(last)} {first};{month};{1000 + 10 * i + j},50 €\n"
        for i, (first, last) in enumerate(PEOPLE)
        for j, month in enumerate(MONTHS)
    ]
    (tmp_path / "sprzedaz.csv").write_text("Handlowiec;Miesiąc;Przychód\n" + "".join(rows), "utf-8")
    registrations = [
        (last, first, "Sesja 1", "03.02.2025", "obecny") for first, last in PEOPLE[:8]
    ] + [
        ("Wójcik", "Anna", "Sesja 1", "03.02.2025", "nieobecny"),
        ("Wójcik", "Anna", "Sesja 2", "17.03.2025", "obecny"),
        ("Wójcik", "Piotr", "Sesja 2", "17.03.2025", "nieobecny"),
    ]
    pd.DataFrame(registrations, columns=["Nazwisko", "Imię", "Sesja", "Data", "Obecność"]).to_csv(
        tmp_path / "szkolenie.csv", sep=";", index=False
    )
    return tmp_path


FILES = ["sprzedaz.csv", "szkolenie.csv"]


def test_the_draft_proposes_pseudonymous_ids_and_reads_the_list_from_its_values(delivery):
    text, notes = draft_codebook(delivery, FILES)
    book = yaml.safe_load(text)["tables"]
    assert book["reps"]["rep_ids"] == {"from": "CHECK Handlowiec", "key": "name"}
    assert book["panel"]["rep_ids"] == {"from": "Handlowiec", "key": "name"}
    assert "Handlowiec" not in book["panel"]["keep"] and book["reps"]["keep"][0] == "rep_id"
    rule = book["reps"]["from_completions"]
    assert rule["learner"] == {"first": "Imię", "last": "Nazwisko"}
    assert (rule["course"], rule["status"], rule["date"]) == ("Sesja", "Obecność", "Data")
    assert rule["programme"] == rule["completed"] == "CHECK"
    assert rule["formats"] == {"Data": "%d.%m.%Y"}
    # the period and revenue are asked, each a line the reviewer uncomments
    assert '# "Miesiąc": period' in text and '# "Przychód": revenue' in text
    assert "dates" not in book["panel"]  # 2025-01 is read as it is
    assert book["panel"]["units"] == {"revenue": {"unit": "money", "currency": "EUR"}}
    assert any("rep_ids: no file has a rep id" in n for n in notes)
    # nothing is mapped silently: the panel's measures wait for their CHECK answers
    panel = next(s for s in draft(delivery, FILES).sources if s.draft and s.draft.table == "panel")
    assert panel.draft is not None
    assert panel.draft.mapped == {} and "rep_id" in panel.draft.built


def test_the_answers_alone_import_it_and_no_name_reaches_imported(delivery):
    text, _ = draft_codebook(delivery, FILES)
    book = yaml.safe_load(text)
    tables = book["tables"]
    tables["reps"]["rep_ids"]["from"] = "Handlowiec"  # the client confirms: one name, one rep
    tables["reps"]["from_completions"]["programme"] = {"starts_with": "Sesja"}
    tables["reps"]["from_completions"]["completed"] = ["obecny"]
    tables["panel"]["rename"] = {"Miesiąc": "period", "Przychód": "revenue"}
    (delivery / "codebook.yml").write_text(yaml.safe_dump(book, allow_unicode=True), "utf-8")
    record = run_codebook(delivery)
    reps = pd.read_parquet(delivery / "imported" / "reps.parquet")
    panel = pd.read_parquet(delivery / "imported" / "panel.parquet")
    assert len(reps) == 30 and len(panel) == 90 and set(reps["rep_id"]) == set(panel["rep_id"])
    starts = reps["training_start"].value_counts().to_dict()
    assert starts == {"2025-02": 8, "2025-03": 1}  # Anna Wójcik: the later, attended session
    assert panel["revenue"].iloc[0] == 1000.5
    shown = pd.concat([reps, panel]).astype(str).to_string()
    assert not any(last.upper() in shown.upper() for last in ("Nowak", "Wojcik", "Kowalczyk"))
    assert record["tables"]["reps"]["from_completions"]["match"]["unmatched_in_file"] == []


def test_the_learner_is_the_columns_whose_names_match_the_reps_never_a_guess():
    from analysis.ingest.mapping.people import learner_columns

    roster = {"zoe lefevre", "mehdi blanc", "ana ruiz"}
    frame = pd.DataFrame(
        {"A": ["Zoé", "Mehdi", "Ana"], "B": ["Lefèvre", "BLANC", "Ruiz"], "C": ["x", "y", "z"]}
    )
    assert learner_columns(frame, roster, ["A", "B", "C"]) == ({"first": "A", "last": "B"}, 3, 3)
    strangers = pd.DataFrame({"A": ["Sam", "Kim", "Ana"], "B": ["Stone", "Park", "Ruiz"]})
    assert learner_columns(strangers, roster, ["A", "B"]) is None  # 1 of 3: not the reps
