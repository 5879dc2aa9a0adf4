"""Content hashing decides staleness; atomic writes never leave half a file."""

import errno
import os
import stat

import pytest

from analysis.core import files
from analysis.render import hashing


def _inputs(tmp_path):
    nb = tmp_path / "nb.ipynb"
    nb.write_text("{}")
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    return nb, data


def test_hash_changes_with_each_input_and_only_then(tmp_path):
    nb, data = _inputs(tmp_path)
    base = {"notebook": nb, "data_files": {"data": data}, "parameters": {"x": 1}, "package": "p1"}
    first = hashing.inputs_sha256(**base)
    assert hashing.inputs_sha256(**base) == first
    os.utime(data, (0, 0))  # touching a file does not make it stale: content counts
    assert hashing.inputs_sha256(**base) == first
    assert hashing.inputs_sha256(**{**base, "parameters": {"x": 2}}) != first
    assert hashing.inputs_sha256(**{**base, "package": "p2"}) != first
    data.write_text("a,b\n1,3\n")
    assert hashing.inputs_sha256(**base) != first
    data.write_text("a,b\n1,2\n")
    nb.write_text('{"cells": []}')
    assert hashing.inputs_sha256(**base) != first


def test_package_hash_covers_templates():
    from analysis.core import paths

    files = {
        p.relative_to(paths.PACKAGE_DIR).as_posix()
        for p in paths.PACKAGE_DIR.rglob("*")
        if p.is_file()
    }
    assert "render/templates/workbench/index.html.j2" in files
    assert len(hashing.package_sha256()) == 64


def test_atomic_write_replaces_whole_file_with_normal_permissions(tmp_path):
    target = tmp_path / "report.html"
    hashing.atomic_write(target, "old")
    hashing.atomic_write(target, "new")
    assert target.read_text() == "new"
    mode = stat.S_IMODE(target.stat().st_mode)
    assert mode & stat.S_IRGRP and mode & stat.S_IROTH
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    hashing.atomic_write(target, "good report")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError):
        hashing.atomic_write(target, "half")
    assert target.read_text() == "good report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_the_one_atomic_write_lives_in_core_and_render_names_still_import():
    from analysis.render.hashing import atomic_write, atomic_write_json

    assert atomic_write is files.atomic_write and atomic_write_json is files.atomic_write_json


def test_a_full_disk_mid_write_keeps_the_old_record_and_says_so(tmp_path, monkeypatch):
    target = tmp_path / "import_record.json"
    files.atomic_write_json(target, {"tables": {"survey": "old"}})
    before = target.read_bytes()
    real_write = os.write

    def write_then_fill(handle, data):  # the disk fills after 10 bytes of the new version
        real_write(handle, bytes(data[:10]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "write", write_then_fill)
    with pytest.raises(files.WriteError) as caught:
        files.atomic_write_json(target, {"tables": {"survey": "new" * 1000}})
    assert str(caught.value) == (
        f"could not write {target}: the disk is full; free some space and run the command "
        "again (No space left on device); the previous import_record.json is unchanged."
    )
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["import_record.json"]


def test_a_full_disk_at_fsync_and_a_folder_in_the_way_are_write_errors(tmp_path, monkeypatch):
    folder = tmp_path / "plan.frozen.json"
    folder.mkdir()
    with pytest.raises(files.WriteError, match="a folder of that name is in the way"):
        files.atomic_write(folder, "{}")
    assert folder.is_dir() and list(tmp_path.iterdir()) == [folder]

    def no_space(handle):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", no_space)
    with pytest.raises(files.WriteError, match="the disk is full.*no report.html was written"):
        files.atomic_write(tmp_path / "report.html", "x")
    assert list(tmp_path.iterdir()) == [folder]


def test_editing_an_instrument_renders_the_reports_that_read_it_again(tmp_path, monkeypatch):
    # Before: instrument files were not in the inputs hash; editing a band rendered nothing
    # ("1 skipped") and the report kept the old band.
    import shutil

    from analysis.clients.discovery import discover_clients
    from analysis.core import paths
    from analysis.render.jobs import plan_jobs

    instruments = tmp_path / "instruments"
    shutil.copytree(paths.INSTRUMENTS_DIR, instruments)
    monkeypatch.setattr(paths, "INSTRUMENTS_DIR", instruments)

    def hashes():
        jobs = plan_jobs(
            discover_clients(paths.CLIENTS_DIR, paths.NOTEBOOKS_DIR),
            output_dir=tmp_path / "reports",
            clients=["acme-learning"],
        )
        return {job.study: job.inputs_hash for job in jobs}

    before = hashes()
    definition = instruments / "strategic_readiness.yml"
    definition.write_text(
        definition.read_text().replace("min: 6", "min: 7").replace("max: 5", "max: 6")
    )
    after = hashes()
    assert after["readiness_alignment"] != before["readiness_alignment"]
    assert {s: h for s, h in after.items() if s != "readiness_alignment"} == {
        s: h for s, h in before.items() if s != "readiness_alignment"
    }


def test_a_new_import_record_renders_the_reports_of_its_tables_again(tmp_path):
    nb = tmp_path / "nb.ipynb"
    nb.write_text("{}")
    imported = tmp_path / "client" / "imported"
    imported.mkdir(parents=True)
    (imported / "survey.parquet").write_bytes(b"PAR1")
    (imported / "import_record.json").write_text('{"imported": "2025-01-01T00:00:00+00:00"}')
    from analysis.render.jobs import _import_records

    files = {"survey_path": imported / "survey.parquet"}
    assert _import_records(files) == {
        "imported/import_record.json": imported / "import_record.json"
    }
    assert _import_records({"survey_path": tmp_path / "client" / "survey.csv"}) == {}
