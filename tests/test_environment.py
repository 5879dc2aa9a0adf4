"""The conda environment and pyproject.toml declare the same pinned dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

from analysis.core import paths


def _normalise(requirement: str) -> str:
    name, _, version = requirement.partition("==")
    return f"{re.sub(r'[-_.]+', '-', name.strip().lower())}=={version.strip()}"


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    declared = {_normalise(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_normalise(r) for r in extra}
    env = yaml.safe_load((paths.PROJECT_ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert conda_python == ["python=3.11"]
    listed = {_normalise(r) for r in pip_section if not r.startswith("-e")}
    assert listed == declared
    assert "-e ." in pip_section


def test_every_dependency_is_pinned_exactly_and_in_constraints():
    project = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [
        r for e in project["optional-dependencies"].values() for r in e
    ]
    constraints = {
        _normalise(line)
        for line in (paths.PROJECT_ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for requirement in requirements:
        assert "==" in requirement, f"{requirement} is not pinned"
        assert _normalise(requirement) in constraints, (
            f"{requirement} disagrees with constraints.txt"
        )


def test_makefile_help_lists_every_target():
    makefile = (Path(paths.PROJECT_ROOT) / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE).group(1).split()
    documented = re.findall(r"^([a-zA-Z_-]+):.*?## ", makefile, re.MULTILINE)
    assert set(phony) == set(documented)
    for required in ("reports", "test", "lab", "clean", "bench", "help"):
        assert required in documented


def test_data_readme_contract_tables_come_from_the_schemas(tmp_path):
    import shutil

    from analysis.studies import docs as contract_docs

    copy = tmp_path / "README.md"
    shutil.copy(paths.DATA_DIR / "README.md", copy)
    assert not contract_docs.update(copy), (
        "data/README.md is stale: run python -m analysis.studies.docs"
    )
