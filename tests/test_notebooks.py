"""Every study notebook can be parameterized, is stored clean and is covered by nbval."""

import tomllib

import nbformat
import pytest

from analysis.clients.discovery import discover_clients
from analysis.core import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))


def test_notebooks_exist_for_every_configured_study():
    assert NOTEBOOKS, "no notebooks found in notebooks/"
    configured = {study for client in discover_clients().clients for study in client.studies}
    assert configured <= {p.stem for p in NOTEBOOKS}


def test_nbval_collects_the_notebooks_folder():
    config = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"
    ]
    assert "notebooks" in config["testpaths"] and "--nbval-lax" in config["addopts"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_parameterized_clean_and_on_the_project_kernel(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged 'parameters'"
    assert all(
        not c.get("outputs") and not c.get("execution_count")
        for c in nb.cells
        if c.cell_type == "code"
    ), "notebooks are committed without outputs"
    assert nb.metadata["kernelspec"]["name"] == paths.KERNEL_NAME
    assert nb.metadata.get("workbench", {}).get("title"), (
        "set metadata.workbench.title for the report title block"
    )
    assert any("summary" in c.metadata.get("tags", []) for c in nb.cells), (
        "tag the headline summary cell 'summary'"
    )
