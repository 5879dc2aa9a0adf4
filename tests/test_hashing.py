"""Content hashing decides staleness; atomic writes never leave half a file."""

import os
import stat

import pytest

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

    monkeypatch.setattr(hashing.os, "replace", broken_replace)
    with pytest.raises(OSError):
        hashing.atomic_write(target, "half")
    assert target.read_text() == "good report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
