"""`workbench draft-codebook`: a codebook drafted from raw files imports them without edits."""

from __future__ import annotations

import shutil

import pandas as pd

from analysis import cli
from analysis.inputs import paths
from analysis.inputs.drafting import draft_codebook, match_column
from analysis.inputs.importers import run_codebook
from analysis.report.validate import validate_client

EXAMPLES = paths.DATA_DIR / "examples"


def test_the_draft_for_the_example_files_needs_no_edit(tmp_path, monkeypatch, capsys):
    clients = tmp_path / "clients"
    folder = clients / "northwind"
    folder.mkdir(parents=True)
    for name in ("qualtrics_export.csv", "rep_panel.xlsx", "client.yml"):
        shutil.copy(EXAMPLES / name, folder / name)
    monkeypatch.setattr(paths, "CLIENTS_DIR", clients)
    assert cli.main(["draft-codebook", "northwind", "qualtrics_export.csv", "rep_panel.xlsx"]) == 0
    printed = capsys.readouterr().out
    assert "wrote data/clients/northwind/codebook.yml" in printed and "CHECK" in printed
    run_codebook(folder)
    assert [
        p.message for p in validate_client("northwind", clients_dir=clients) if p.level == "error"
    ] == []
    # the same tables as the hand-written example codebook gives
    reference = tmp_path / "reference"
    shutil.copytree(EXAMPLES, reference)
    run_codebook(reference)
    for table in ("survey", "reps", "panel"):
        drafted = pd.read_parquet(folder / "imported" / f"{table}.parquet")
        written = pd.read_parquet(reference / "imported" / f"{table}.parquet")
        pd.testing.assert_frame_equal(
            drafted[written.columns].astype("string"), written.astype("string"), check_dtype=False
        )


def test_an_existing_codebook_is_never_overwritten(tmp_path, monkeypatch):
    folder = tmp_path / "clients" / "northwind"
    folder.mkdir(parents=True)
    shutil.copy(EXAMPLES / "rep_panel.xlsx", folder)
    (folder / "codebook.yml").write_text("# reviewed\n")
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "clients")
    assert cli.main(["draft-codebook", "northwind", "rep_panel.xlsx"]) == 0
    assert (folder / "codebook.yml").read_text() == "# reviewed\n"
    assert "rep_panel.xlsx sheet 'Activity' -> panel" in (folder / "codebook.draft.yml").read_text()


def test_columns_are_matched_by_name_synonym_and_question():
    columns = ["rep_id", "period", "revenue", "training_start"]
    assert match_column("Rep ID", columns) == ("rep_id", 1.0)
    assert match_column("Bookings", columns) == ("revenue", 0.9)
    assert match_column("Q2", ["effectiveness"], "How effective is your training?") == (
        "effectiveness",
        0.8,
    )
    assert match_column("Favourite colour", columns) == (None, 0.0)


def test_per_option_columns_become_flags(tmp_path):
    (tmp_path / "s.csv").write_text(
        "respondent_id,effectiveness,Mobile learning,Coaching\nR1,effective,Mobile learning,\nR2,very effective,,Coaching\n"
    )
    text, _ = draft_codebook(tmp_path, ["s.csv"])
    assert (
        "flags:" in text
        and "Mobile learning: tool_mobile_learning" in text
        and "Coaching: sustain_coaching" in text
    )


def test_a_check_placeholder_left_in_the_codebook_stops_the_import(tmp_path):
    import pytest
    import yaml

    from analysis.inputs.importers import CodebookError

    (tmp_path / "s.csv").write_text(
        'respondent_id,Practices\nR1,"Coaching,Podcasts"\nR2,Coaching\n'
    )
    (tmp_path / "codebook.yml").write_text(
        yaml.safe_dump(
            {
                "tables": {
                    "survey": {
                        "source": {"file": "s.csv"},
                        "multi_select": {
                            "Practices": {
                                "options": {
                                    "Coaching": "sustain_coaching",
                                    "Podcasts": "CHECK_podcasts",
                                }
                            }
                        },
                    }
                }
            }
        )
    )
    with pytest.raises(
        CodebookError,
        match=r"1 CHECK placeholder\(s\) \(multi_select.Practices.options.Podcasts: CHECK_podcasts\)",
    ):
        run_codebook(tmp_path)
