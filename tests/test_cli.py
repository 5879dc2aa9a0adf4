"""The ``workbench`` command: clear messages and exit codes, never a traceback."""

import subprocess
import sys

from analysis.cli import main


def test_unsafe_client_id_is_rejected_without_traceback(capsys):
    assert main(["render", "--client", "../x", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "not a safe id" in err and "Traceback" not in err


def test_unknown_client_and_study_are_named(capsys):
    assert main(["render", "--client", "nobody", "--no-progress"]) == 2
    assert "no client 'nobody'" in capsys.readouterr().err
    assert main(["render", "--study", "org_efectiveness", "--no-progress"]) == 2
    assert "org_efectiveness" in capsys.readouterr().err


def test_python_dash_m_analysis_lists_clients():
    out = subprocess.run(
        [sys.executable, "-m", "analysis", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "acme-learning" in out.stdout


def test_bad_jobs_value_is_a_usage_error(capsys):
    assert main(["render", "--jobs", "0", "--no-progress"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err


def test_validate_reports_problems_and_exit_codes(tmp_path, monkeypatch, capsys):
    import shutil

    from analysis.core import paths

    clients = tmp_path / "clients"
    shutil.copytree(paths.CLIENTS_DIR / "cobalt-software", clients / "cobalt-software")
    monkeypatch.setattr(paths, "CLIENTS_DIR", clients)
    assert main(["validate", "cobalt-software"]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    survey = clients / "cobalt-software" / "survey.csv"
    survey.write_text(survey.read_text().replace("monthly", "montly", 2))
    assert main(["validate", "cobalt-software"]) == 1
    captured = capsys.readouterr()
    assert "ERROR [org_effectiveness] survey.csv: column leadership_meetings" in captured.err
    assert "Did you mean 'monthly'" in captured.err and "1 error(s)" in captured.out
    assert main(["validate", "../etc"]) == 2


def test_new_client_scaffolds_a_valid_template(tmp_path, monkeypatch, capsys):
    import yaml

    from analysis.core import paths

    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path)
    assert main(["new-client", "fresh-co", "--name", "Fresh: Co"]) == 0
    config = yaml.safe_load((tmp_path / "fresh-co" / "client.yml").read_text())
    assert config["display_name"] == "Fresh: Co"
    assert {"org_effectiveness", "training_impact", "readiness_alignment"} <= set(config["studies"])
    assert main(["new-client", "fresh-co"]) == 2
    assert "already exists" in capsys.readouterr().err
    # a delivery unpacked before new-client: its files stay, client.yml is added
    (tmp_path / "unpacked").mkdir()
    (tmp_path / "unpacked" / "export.csv").write_text("a,b\n1,2\n")
    assert main(["new-client", "unpacked"]) == 0
    assert (tmp_path / "unpacked" / "client.yml").is_file()
    assert (tmp_path / "unpacked" / "export.csv").read_text() == "a,b\n1,2\n"


def test_deciding_that_nothing_needs_rendering_loads_no_data_library():
    # A no-change `workbench render` reads every client.yml (plans included), hashes
    # the inputs and the cross-client benchmarks' fingerprint, and stops: pandas
    # (0.45 s to import) is not needed for that and is not loaded.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from analysis.render import batch as render\n"
        "from analysis.clients.discovery import discover_clients\n"
        "from analysis.render.benchmarks import _inputs_fingerprint\n"
        "from analysis.core import paths\n"
        "discovery = discover_clients(paths.CLIENTS_DIR, paths.NOTEBOOKS_DIR)\n"
        "assert any(c.plan for c in discovery.clients)\n"
        "_inputs_fingerprint(discovery, paths.INSTRUMENTS_DIR)\n"
        "print(sorted(m for m in ('pandas', 'scipy', 'matplotlib') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_absurd_memory_limits_are_refused_at_the_command_line(capsys):
    import pytest

    for value in ("1e30", "inf", "nan", "-4", "1", "8GB", "70000"):
        with pytest.raises(SystemExit) as stopped:
            main(["render", "--memory-limit", value, "--no-progress"])
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert "--memory-limit: must be a number of GB from 2 to 65536" in err, value
        assert "Traceback" not in err


def _northwind(tmp_path, monkeypatch):
    import shutil

    from analysis.core import paths

    examples = paths.DATA_DIR / "examples"
    folder = tmp_path / "clients" / "northwind"
    folder.mkdir(parents=True)
    for name in ("qualtrics_export.csv", "rep_panel.xlsx", "codebook.yml", "client.yml"):
        shutil.copy(examples / name, folder / name)
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "clients")
    return folder


def test_draft_codebook_on_an_ods_file_says_save_as_xlsx_or_csv(tmp_path, monkeypatch, capsys):
    import zipfile

    folder = _northwind(tmp_path, monkeypatch)
    with zipfile.ZipFile(folder / "panel.ods", "w") as archive:  # as LibreOffice writes one
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert main(["draft-codebook", "northwind", "qualtrics_export.csv", "panel.ods"]) == 2
    err = capsys.readouterr().err
    assert "panel.ods: an OpenDocument spreadsheet (.ods" in err
    assert "save it as an Excel workbook (.xlsx) or as CSV (.csv)" in err
    assert "Traceback" not in err and not (folder / "codebook.draft.yml").exists()


def _disk_full_after(monkeypatch, nbytes):
    """Writes through analysis.core.files store ``nbytes`` of the new file, then the disk is full."""
    import errno
    import os

    from analysis.core import files

    real_write = os.write

    def write(handle, data):
        real_write(handle, bytes(data[:nbytes]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "write", write)


def test_draft_codebook_on_a_full_disk_keeps_the_previous_draft(tmp_path, monkeypatch, capsys):
    folder = _northwind(tmp_path, monkeypatch)
    assert main(["draft-codebook", "northwind", "qualtrics_export.csv", "rep_panel.xlsx"]) == 0
    draft = (folder / "codebook.draft.yml").read_bytes()
    capsys.readouterr()
    _disk_full_after(monkeypatch, 100)
    assert main(["draft-codebook", "northwind", "qualtrics_export.csv"]) == 1
    err = capsys.readouterr().err
    assert "codebook.draft.yml: the disk is full" in err and "Traceback" not in err
    assert "the previous codebook.draft.yml is unchanged" in err
    assert (folder / "codebook.draft.yml").read_bytes() == draft
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_import_on_a_full_disk_is_a_message_and_keeps_the_record(tmp_path, monkeypatch, capsys):
    import errno
    import os

    import pandas as pd

    folder = _northwind(tmp_path, monkeypatch)
    assert main(["import", "northwind"]) == 0
    record = (folder / "imported" / "import_record.json").read_bytes()
    capsys.readouterr()

    _disk_full_after(monkeypatch, 512)  # the record itself cannot be written
    assert main(["import", "northwind"]) == 1
    err = capsys.readouterr().err
    assert "import of northwind stopped: could not write" in err and "the disk is full" in err
    assert "the previous import_record.json is unchanged" in err and "Traceback" not in err
    assert (folder / "imported" / "import_record.json").read_bytes() == record
    monkeypatch.undo()
    monkeypatch.setattr("analysis.core.paths.CLIENTS_DIR", folder.parent)

    def half_a_table(frame, path, **kwargs):  # the disk fills while a table is written
        with open(path, "wb") as handle:
            handle.write(b"PAR1" + b"\0" * 100)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_a_table)
    assert main(["import", "northwind"]) == 1
    err = capsys.readouterr().err
    assert "import of northwind stopped" in err and "free some space" in err
    assert "Traceback" not in err
    assert (folder / "imported" / "import_record.json").read_bytes() == record
    assert not [p for p in (folder / "imported").iterdir() if p.name.endswith(".tmp")]


def _with_closed_reader(args, env=None):
    """Run ``python -m analysis ARGS`` writing into a pipe nobody reads any more (``| head -0``)."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE, as after `head -1` has exited
    try:
        done = subprocess.run(
            [sys.executable, "-m", "analysis", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )
    finally:
        os.close(write_end)
    return done


def test_a_closed_pipe_ends_every_command_quietly(tmp_path, monkeypatch):
    import os

    folder = _northwind(tmp_path, monkeypatch)
    env = {**os.environ, "WORKBENCH_CLIENTS_DIR": str(folder.parent)}
    for args in (["list"], ["--help"], ["import", "northwind"]):
        done = _with_closed_reader(args, env)
        assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, (
            args,
            done.stderr,
        )
        assert done.returncode == 0, (args, done.stderr)
