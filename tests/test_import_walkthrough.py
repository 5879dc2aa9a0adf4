"""The README walk-through, end to end: new-client, import, validate, render, on data/examples/."""

import hashlib
import json
import shutil

import pandas as pd
import pytest
import yaml

from analysis.clients.scaffold import scaffold_client
from analysis.contracts.readers import DataContractError
from analysis.core import paths
from analysis.ingest.codebook import CodebookError, read_qualtrics, run_codebook
from analysis.render.batch import render_batch
from analysis.studies.validate import validate_client

EXAMPLES = paths.DATA_DIR / "examples"


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.render
def test_from_raw_qualtrics_and_excel_to_rendered_reports(example_project):
    clients = example_project["clients"]
    folder = scaffold_client("northwind", display_name="Northwind Traders", clients_dir=clients)
    for name in ("qualtrics_export.csv", "rep_panel.xlsx", "codebook.yml", "client.yml"):
        shutil.copy(EXAMPLES / name, folder / name)
    before = {name: _sha(folder / name) for name in ("qualtrics_export.csv", "rep_panel.xlsx")}

    record = run_codebook(folder)
    assert (
        record["tables"]["survey"]["rows_out"] == 60
    )  # the preview and the incomplete response are dropped
    assert [d["rows"] for d in record["tables"]["survey"]["dropped"]] == [1, 1]
    assert {name: _sha(folder / name) for name in before} == before  # raw files untouched
    saved = json.loads((folder / "imported" / "import_record.json").read_text())
    assert saved["tables"]["panel"]["source"]["sha256"] == before["rep_panel.xlsx"]
    survey = pd.read_parquet(folder / "imported" / "survey.parquet")
    assert set(survey["effectiveness"]) <= {
        "not effective",
        "somewhat effective",
        "effective",
        "very effective",
    }
    assert survey["sustain_coaching"].dtype == bool

    assert [
        p for p in validate_client("northwind", clients_dir=clients) if p.level == "error"
    ] == []
    result = render_batch(
        output_dir=example_project["reports"],
        clients_dir=clients,
        notebooks_dir=example_project["notebooks"],
        clients=["northwind"],
        jobs=1,
        progress=False,
    )
    assert [o.status for o in result.outcomes] == ["ok", "ok"], result.outcomes
    report = next(
        (example_project["reports"] / "northwind").glob("training_impact*.html")
    ).read_text()
    # provenance names the raw file in words, with the hashes taken at import cut to 12
    footer = report[report.index('class="wb-provenance"') :]
    assert "<strong>rep_panel.xlsx</strong>: " in footer and "read as the" in footer
    assert f"rep_panel.xlsx <code>{before['rep_panel.xlsx'][:12]}</code>" in footer
    assert f"codebook <code>{_sha(folder / 'codebook.yml')[:12]}</code>" in footer
    assert before["rep_panel.xlsx"] not in report


def test_qualtrics_header_rows_and_codebook_errors(tmp_path):
    frame, texts = read_qualtrics(EXAMPLES / "qualtrics_export.csv")
    assert texts["Q2"].startswith("How effective") and frame.iloc[0]["ResponseId"] == "R_00001"
    plain = tmp_path / "plain.csv"
    frame.to_csv(plain, index=False)
    with pytest.raises(CodebookError, match="not a Qualtrics export"):
        read_qualtrics(plain)
    folder = tmp_path / "client"
    folder.mkdir()
    shutil.copy(EXAMPLES / "qualtrics_export.csv", folder)
    codebook = yaml.safe_load((EXAMPLES / "codebook.yml").read_text())
    codebook["tables"] = {"survey": codebook["tables"]["survey"]}
    codebook["tables"]["survey"]["rename"]["Q9"] = "extra"  # a question that changed or vanished
    (folder / "codebook.yml").write_text(yaml.safe_dump(codebook))
    with pytest.raises(CodebookError, match=r"rename names source column\(s\) \['Q9'\]"):
        run_codebook(folder)
    assert not (folder / "imported" / "survey.parquet").exists()


def test_excel_with_merged_header_cells_is_named(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Reps"
    sheet.append(["Rep", None, "Team"])
    sheet.merge_cells("A1:B1")
    sheet.append(["rep-1", "x", "North"])
    book.save(tmp_path / "merged.xlsx")
    (tmp_path / "codebook.yml").write_text(
        yaml.safe_dump(
            {
                "tables": {
                    "reps": {"source": {"file": "merged.xlsx", "format": "xlsx", "sheet": "Reps"}}
                }
            }
        )
    )
    with pytest.raises(
        DataContractError, match=r"column\(s\) B hold data but no header in row 1 \(e.g. a merged"
    ):
        run_codebook(tmp_path)


def test_a_raw_file_changed_after_import_is_an_error_until_reimported(tmp_path):
    clients = tmp_path / "clients"
    folder = scaffold_client("northwind", display_name="Northwind Traders", clients_dir=clients)
    for name in ("qualtrics_export.csv", "rep_panel.xlsx", "codebook.yml", "client.yml"):
        shutil.copy(EXAMPLES / name, folder / name)
    run_codebook(folder)
    assert [
        p for p in validate_client("northwind", clients_dir=clients) if p.study == "import"
    ] == []

    late = (
        (EXAMPLES / "qualtrics_export.csv")
        .read_text(encoding="utf-8")
        .splitlines()[4]
        .replace("R_00002", "R_09999")
    )
    with open(
        folder / "qualtrics_export.csv", "a", encoding="utf-8"
    ) as export:  # a late response arrives
        export.write(late + "\n")
    stale = [p for p in validate_client("northwind", clients_dir=clients) if p.study == "import"]
    assert [p.level for p in stale] == ["error"]
    assert (
        "qualtrics_export.csv changed after it was imported into imported/survey.parquet; run `workbench import northwind` again"
        in stale[0].message
    )
    result = render_batch(
        output_dir=tmp_path / "reports",
        clients_dir=clients,
        clients=["northwind"],
        jobs=1,
        progress=False,
    )
    assert {o.status for o in result.outcomes} == {
        "config-error"
    } and result.exit_code != 0  # nothing rendered from the old import
    assert all("changed after it was imported" in o.error for o in result.outcomes)

    run_codebook(folder)
    assert [
        p for p in validate_client("northwind", clients_dir=clients) if p.study == "import"
    ] == []
    (folder / "codebook.yml").write_text((folder / "codebook.yml").read_text() + "\n# edited\n")
    assert any(
        "codebook.yml changed after the last import" in p.message
        for p in validate_client("northwind", clients_dir=clients)
    )


def test_an_imported_table_replaced_after_import_is_an_error(tmp_path):
    # a hand-edited or overwritten imported table must not be reported as the raw file
    clients = tmp_path / "clients"
    folder = scaffold_client("northwind", display_name="Northwind Traders", clients_dir=clients)
    for name in ("qualtrics_export.csv", "rep_panel.xlsx", "codebook.yml", "client.yml"):
        shutil.copy(EXAMPLES / name, folder / name)
    run_codebook(folder)
    panel = pd.read_parquet(folder / "imported" / "panel.parquet")
    panel.head(10).to_parquet(folder / "imported" / "panel.parquet", index=False)
    stale = [p for p in validate_client("northwind", clients_dir=clients) if p.study == "import"]
    assert [p.level for p in stale] == ["error"]
    assert "imported/panel.parquet is not the table `workbench import` wrote" in stale[0].message
    (folder / "imported" / "import_record.json").unlink()  # the record removed as well
    stale = [p for p in validate_client("northwind", clients_dir=clients) if p.study == "import"]
    assert [p.level for p in stale] == ["error"] and "but no import_record.json" in stale[0].message


def test_a_table_dropped_from_the_codebook_leaves_imported_with_the_next_import(tmp_path):
    # a table renamed in codebook.yml must not stay behind in imported/ to be read as current;
    # a file the user changed by hand there is named and kept, never deleted
    clients = tmp_path / "clients"
    folder = scaffold_client("northwind", display_name="Northwind Traders", clients_dir=clients)
    for name in ("qualtrics_export.csv", "rep_panel.xlsx", "codebook.yml", "client.yml"):
        shutil.copy(EXAMPLES / name, folder / name)
    run_codebook(folder)
    book = yaml.safe_load((folder / "codebook.yml").read_text())
    book["tables"]["sales"] = book["tables"].pop("panel")
    (folder / "codebook.yml").write_text(yaml.safe_dump(book, sort_keys=False))
    record = run_codebook(folder)
    assert not (folder / "imported" / "panel.parquet").exists()
    assert (folder / "imported" / "sales.parquet").is_file()
    assert any("panel.parquet removed" in w for w in record["warnings"])
    # a hand-changed leftover is kept and named
    book["tables"]["panel"] = book["tables"].pop("sales")
    (folder / "codebook.yml").write_text(yaml.safe_dump(book, sort_keys=False))
    run_codebook(folder)
    pd.DataFrame({"x": [1]}).to_parquet(folder / "imported" / "panel.parquet", index=False)
    book["tables"]["sales"] = book["tables"].pop("panel")
    (folder / "codebook.yml").write_text(yaml.safe_dump(book, sort_keys=False))
    record = run_codebook(folder)
    assert (folder / "imported" / "panel.parquet").is_file()
    assert any("changed by hand; it is kept" in w for w in record["warnings"])


def test_ids_in_an_imported_table_are_trimmed_like_a_csvs(tmp_path):
    # a workbook cell "KF-001  " and a CSV's "KF-001" name the same rep in every study
    from analysis.contracts.readers import read_table

    folder = tmp_path / "imported"
    folder.mkdir()
    pd.DataFrame({"rep_id": ["KF-001  ", " KF-002"], "team": ["North ", "South"]}).to_parquet(
        folder / "reps.parquet", index=False
    )
    frame = read_table(folder / "reps.parquet")
    assert frame["rep_id"].tolist() == ["KF-001", "KF-002"]
    assert frame["team"].tolist() == ["North", "South"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../../other-client/imported/panel", "is not a plain name"),
        ("/tmp/panel", "is not a plain name"),
        ("sub/panel", "is not a plain name"),
        ("CHECK_table", "still names this table CHECK"),
        ("1panel", "is not a plain name"),
    ],
)
def test_a_codebook_table_name_writes_only_into_its_own_imported_folder(tmp_path, name, message):
    clients = tmp_path / "clients"
    other = clients / "other-client" / "imported"
    other.mkdir(parents=True)
    folder = scaffold_client("northwind", display_name="Northwind Traders", clients_dir=clients)
    shutil.copy(EXAMPLES / "rep_panel.xlsx", folder / "rep_panel.xlsx")
    tables = yaml.safe_load((EXAMPLES / "codebook.yml").read_text())["tables"]
    (folder / "codebook.yml").write_text(yaml.safe_dump({"tables": {name: tables["panel"]}}))
    with pytest.raises(CodebookError, match=message):
        run_codebook(folder)
    assert list(other.iterdir()) == [] and not (folder / "imported" / "import_record.json").exists()


def test_the_committed_delivery_is_what_its_generator_writes(tmp_path):
    # data/examples/ is written by analysis.datasets.deliveries; regenerating it
    # gives the same survey export, codebook and client.yml, and the same workbook cells.
    import pandas as pd

    from analysis.datasets.deliveries import write_byod_example

    written = {p.name: p for p in write_byod_example(tmp_path)}
    assert set(written) == {"qualtrics_export.csv", "rep_panel.xlsx", "codebook.yml", "client.yml"}
    for name in ("qualtrics_export.csv", "codebook.yml", "client.yml"):
        assert written[name].read_bytes() == (EXAMPLES / name).read_bytes(), name
    ours = pd.read_excel(written["rep_panel.xlsx"], sheet_name=None)
    committed = pd.read_excel(EXAMPLES / "rep_panel.xlsx", sheet_name=None)
    assert ours.keys() == committed.keys()
    for sheet in ours:
        pd.testing.assert_frame_equal(ours[sheet], committed[sheet])


@pytest.mark.parametrize("link", ["folder", "file"])
def test_import_never_writes_through_a_link_into_another_client(tmp_path, link):
    clients = tmp_path / "clients"
    victim = clients / "victim" / "imported"
    victim.mkdir(parents=True)
    (victim / "panel.parquet").write_bytes(b"the victim's table")
    folder = scaffold_client("northwind", display_name="Northwind Traders", clients_dir=clients)
    for name in ("rep_panel.xlsx", "codebook.yml"):
        shutil.copy(EXAMPLES / name, folder / name)
    tables = yaml.safe_load((folder / "codebook.yml").read_text())["tables"]
    (folder / "codebook.yml").write_text(yaml.safe_dump({"tables": {"panel": tables["panel"]}}))
    if link == "folder":
        (folder / "imported").symlink_to(victim, target_is_directory=True)
        with pytest.raises(CodebookError, match="imported is a symbolic link"):
            run_codebook(folder)
    else:
        (folder / "imported").mkdir()
        (folder / "imported" / "panel.parquet").symlink_to(victim / "panel.parquet")
        run_codebook(folder)  # the link is replaced by this client's own table
        assert not (folder / "imported" / "panel.parquet").is_symlink()
        assert len(pd.read_parquet(folder / "imported" / "panel.parquet")) > 0
    assert (victim / "panel.parquet").read_bytes() == b"the victim's table"
    assert sorted(p.name for p in victim.iterdir()) == ["panel.parquet"]


def test_a_notebook_run_directly_refuses_an_outdated_import_as_validate_does(tmp_path, monkeypatch):
    # load_study is the first call of every study notebook (papermill, JupyterLab): it
    # refuses an import whose raw file changed afterwards, with validate's message.
    from analysis.core.errors import InputError
    from analysis.studies import load_study

    clients = tmp_path / "clients"
    folder = scaffold_client("northwind", display_name="Northwind Traders", clients_dir=clients)
    for name in ("qualtrics_export.csv", "rep_panel.xlsx", "codebook.yml", "client.yml"):
        shutil.copy(EXAMPLES / name, folder / name)
    run_codebook(folder)
    monkeypatch.setattr(paths, "CLIENTS_DIR", clients)
    assert load_study("org_effectiveness", "northwind").tables
    with open(folder / "rep_panel.xlsx", "ab") as panel:  # the client sent a corrected panel
        panel.write(b"\0")
    validate = [p.message for p in validate_client("northwind", clients_dir=clients)]
    for study in ("org_effectiveness", "training_impact"):
        with pytest.raises(InputError) as refused:
            load_study(study, {"client_id": "northwind"})
        assert refused.value.problems == validate
        assert "rep_panel.xlsx changed after it was imported" in str(refused.value)
