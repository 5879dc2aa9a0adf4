"""The bad-input corpus: every broken input gives its clear message through `workbench validate`.

Each folder in tests/bad_inputs/ holds broken files and a case.yml with the study, the
data entries (as in client.yml), and the error and warning messages (regular
expressions) that must appear. Cases with study ``import`` hold raw files and a
codebook that `workbench import` must refuse, leaving the raw files untouched and
writing nothing. Rebuild with ``python tests/bad_inputs/build_corpus.py``.
"""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from analysis import cli
from analysis.clients.files import file_sha256
from analysis.core import paths
from analysis.studies.validate import validate_client

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "case.yml").is_file())


def _study(case: Path) -> str:
    return yaml.safe_load((case / "case.yml").read_text())["study"]


IMPORT_CASES = [case for case in CASES if _study(case) == "import"]
STUDY_CASES = [case for case in CASES if _study(case) != "import"]


def test_the_corpus_has_at_least_thirty_cases_across_the_four_studies():
    studies = {_study(case) for case in STUDY_CASES}
    assert len(CASES) >= 30 and studies == {
        "org_effectiveness",
        "training_impact",
        "readiness_alignment",
        "evaluation_plan",
    }
    assert len(IMPORT_CASES) >= 5


@pytest.mark.parametrize("case", IMPORT_CASES, ids=lambda p: p.name)
def test_bad_raw_file_stops_the_import_with_its_message(case, tmp_path, monkeypatch, capsys):
    spec = yaml.safe_load((case / "case.yml").read_text())
    folder = tmp_path / "data" / "clients" / "corpus-client"
    shutil.copytree(case, folder)
    before = {p.name: file_sha256(p) for p in folder.iterdir()}
    monkeypatch.setattr(paths, "CLIENTS_DIR", tmp_path / "data" / "clients")
    assert cli.main(["import", "corpus-client"]) == 2
    error = capsys.readouterr().err
    for pattern in spec["errors"]:
        assert re.search(pattern, error), (pattern, error)
    assert "Traceback" not in error and error.count("\n") == 1  # one clear line, no stack trace
    assert {
        p.name: file_sha256(p) for p in folder.iterdir() if p.is_file()
    } == before  # raw files untouched
    assert not (folder / "imported").exists()


def _client_folder(case: Path, clients: Path, client_id: str = "corpus-client") -> dict:
    """The case as a client folder; its own client.yml (raw YAML cases) or one written from case.yml."""
    spec = yaml.safe_load((case / "case.yml").read_text())
    folder = clients / client_id
    shutil.copytree(case, folder, ignore=shutil.ignore_patterns("case.yml"))
    if not (case / "client.yml").exists():
        (folder / "client.yml").write_text(
            yaml.safe_dump(
                {
                    "display_name": "Corpus client",
                    "studies": {
                        spec["study"]: {"data": spec["data"], "parameters": spec["parameters"]}
                    },
                }
            )
        )
    return spec


@pytest.mark.parametrize("case", STUDY_CASES, ids=lambda p: p.name)
def test_bad_input_gives_its_message(case, tmp_path):
    spec = _client_folder(case, tmp_path / "clients")
    problems = validate_client("corpus-client", clients_dir=tmp_path / "clients")
    errors = [p.message for p in problems if p.level == "error"]
    warnings = [p.message for p in problems if p.level != "error"]  # warnings and sections left out
    for pattern in spec["errors"]:
        assert any(re.search(pattern, message) for message in errors), (pattern, errors)
    for pattern in spec["warnings"]:
        assert any(re.search(pattern, message) for message in warnings), (pattern, warnings)
    if not spec["errors"]:
        assert errors == [], errors
    assert not any("Traceback" in m for m in errors + warnings)


def _render_lines(outcome) -> set[str]:
    """The problem lines of a failed render (the notebook's message or the configuration error)."""
    lines = [line.strip() for line in (outcome.error or "").splitlines() if line.strip()]
    return {line for line in lines if not line.startswith(("InputError:", "The inputs of "))}


@pytest.mark.render
def test_validate_agrees_with_render_on_every_corpus_case(tmp_path):
    """Both fail with the same messages, or both succeed: validate predicts render."""
    from analysis.render.batch import render_batch

    clients = tmp_path / "clients"
    shutil.copytree(paths.NOTEBOOKS_DIR, tmp_path / "notebooks")
    expected = {}
    for case in STUDY_CASES:
        _client_folder(case, clients, client_id=case.name)
        expected[case.name] = {
            p.message for p in validate_client(case.name, clients_dir=clients) if p.level == "error"
        }
    result = render_batch(
        output_dir=tmp_path / "reports",
        clients_dir=clients,
        notebooks_dir=tmp_path / "notebooks",
        jobs=2,
        progress=False,
    )
    rendered: dict[str, set[str]] = {name: set() for name in expected}
    statuses: dict[str, str] = {}
    for outcome in result.outcomes:
        statuses[outcome.client_id] = outcome.status
        rendered[outcome.client_id] |= _render_lines(outcome) if outcome.status != "ok" else set()
    for folder, message in result.config_errors.items():
        statuses[folder] = "config-error"
        rendered[folder] |= {line.strip() for line in message.splitlines() if line.strip()}
    disagree = {
        name: (expected[name], rendered[name])
        for name in expected
        if expected[name] != rendered[name]
    }
    assert disagree == {}, disagree
    for name, errors in expected.items():
        assert (statuses[name] == "ok") == (not errors), (name, statuses[name], errors)
    assert len(expected) >= 60 and sum(not e for e in expected.values()) >= 8


@pytest.mark.render
def test_markup_renders_as_text_and_a_broken_client_fails_alone(tmp_path):
    """Issue 29's cases (b*): render fails exactly the clients validate fails, with the same
    line, renders the others, and no payload reaches a report or the index as markup."""
    from analysis.render.batch import render_batch
    from injection import unescaped

    clients = tmp_path / "clients"
    shutil.copytree(paths.NOTEBOOKS_DIR, tmp_path / "notebooks")
    expected = {}
    for case in (c for c in STUDY_CASES if c.name.startswith("b")):
        _client_folder(case, clients, client_id=case.name)
        expected[case.name] = {
            p.message for p in validate_client(case.name, clients_dir=clients) if p.level == "error"
        }
    result = render_batch(
        output_dir=tmp_path / "reports",
        clients_dir=clients,
        notebooks_dir=tmp_path / "notebooks",
        jobs=2,
        progress=False,
    )
    rendered = {o.client_id: o for o in result.outcomes}
    for name, errors in expected.items():
        if errors:
            if name in result.config_errors:
                message = result.config_errors[name]
                lines = {line.strip() for line in message.splitlines() if line.strip()}
            else:
                assert rendered[name].status != "ok", name
                lines = _render_lines(rendered[name])
            assert lines == errors, (name, lines, errors)
        else:
            assert rendered[name].status == "ok", rendered[name]
            report = tmp_path / "reports" / name / f"{rendered[name].study}.html"
            assert unescaped(report.read_text(encoding="utf-8")) == [], name
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert unescaped(index) == [] and all(name in index for name in expected)
