"""The bad-input corpus: every broken input gives its clear message through `workbench validate`.

Each folder in tests/bad_inputs/ holds broken files and a case.yml with the study, the
data entries (as in client.yml), and the error and warning messages (regular
expressions) that must appear. Rebuild with ``python tests/bad_inputs/build_corpus.py``.
"""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from analysis.report.validate import validate_client

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "case.yml").is_file())


def test_the_corpus_has_at_least_thirty_cases_across_the_three_studies():
    studies = {yaml.safe_load((case / "case.yml").read_text())["study"] for case in CASES}
    assert len(CASES) >= 30 and studies == {"org_effectiveness", "training_impact", "readiness_alignment"}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_bad_input_gives_its_message(case, tmp_path):
    spec = yaml.safe_load((case / "case.yml").read_text())
    folder = tmp_path / "clients" / "corpus-client"
    shutil.copytree(case, folder)
    (folder / "client.yml").write_text(yaml.safe_dump({
        "display_name": "Corpus client",
        "studies": {spec["study"]: {"data": spec["data"], "parameters": spec["parameters"]}},
    }))
    problems = validate_client("corpus-client", clients_dir=tmp_path / "clients")
    errors = [p.message for p in problems if p.level == "error"]
    warnings = [p.message for p in problems if p.level == "warning"]
    for pattern in spec["errors"]:
        assert any(re.search(pattern, message) for message in errors), (pattern, errors)
    for pattern in spec["warnings"]:
        assert any(re.search(pattern, message) for message in warnings), (pattern, warnings)
    if not spec["errors"]:
        assert errors == [], errors
    assert not any("Traceback" in m for m in errors + warnings)
