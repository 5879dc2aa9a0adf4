"""Shared fixtures: a throw-away project (notebooks, clients, reports) for batch tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from analysis.core import paths

PROBE_PARAMETERS = """client_name = "Probe"
client_id = "probe"
text = ""
data_path = None
sleep = 0.0
fail = False"""

PROBE_CELLS = [
    ("markdown", "# Probe notebook", ["hide-in-report"]),
    ("code", PROBE_PARAMETERS, ["parameters"]),
    (
        "code",
        "import time, warnings\nimport matplotlib.pyplot as plt\nfrom analysis import report\nreport.set_theme()",
        [],
    ),
    ("code", "if fail:\n    raise ValueError('planted failure')\ntime.sleep(sleep)", []),
    ("markdown", "## First section\n\nSome narrative.", []),
    (
        "code",
        (
            "rows = open(data_path, encoding='utf-8').read().splitlines() if data_path else []\n"
            "leaked = [name for name in ('client_secret',) if name in globals()]\n"
            "client_secret = client_name"
        ),
        [],
    ),
    ("markdown", "## Second section", []),
    (
        "code",
        "fig, ax = plt.subplots()\nax.plot([0, 1], [0, len(rows)])\nreport.figure(fig, caption=f'Rows of {client_name}')",
        [],
    ),
    ("code", "warnings.warn('a planted note for the reader')", []),
    (
        "code",
        (
            "report.publish_summary([\n"
            "    {'name': 'rows', 'label': 'Rows read', 'estimate': len(rows), 'unit': 'count'},\n"
            "    {'name': 'leaked', 'label': 'Leaked names', 'estimate': len(leaked), 'unit': 'count'},\n"
            "    {'name': 'text', 'label': text, 'estimate': 0.264, 'conf_low': 0.2, 'conf_high': 0.33, 'n': 174, 'unit': 'share'},\n"
            "], sentences=[f'Summary for {client_name}.'])"
        ),
        ["summary"],
    ),
]


def make_notebook(path: Path, cells=PROBE_CELLS) -> Path:
    nb = nbformat.v4.new_notebook()
    for kind, source, tags in cells:
        maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(maker(source, metadata={"tags": tags}))
    nb.metadata["kernelspec"] = {
        "name": paths.KERNEL_NAME,
        "display_name": "Sales training workbench",
        "language": "python",
    }
    nb.metadata["workbench"] = {"title": "Probe study", "subtitle": "A notebook used by the tests"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def add_client(
    clients_dir: Path,
    client_id: str,
    display_name: str,
    *,
    rows: int = 3,
    parameters=None,
    study="probe",
):
    folder = clients_dir / client_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.csv").write_text(
        "\n".join(f"{client_id}-row-{i}" for i in range(rows)), encoding="utf-8"
    )
    config = {
        "display_name": display_name,
        "studies": {study: {"data": {"data_path": "data.csv"}, "parameters": parameters or {}}},
    }
    (folder / "client.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


@pytest.fixture
def project(tmp_path):
    """A temporary project with the probe notebook and two clients."""
    notebooks = tmp_path / "notebooks"
    make_notebook(notebooks / "probe.ipynb")
    clients = tmp_path / "clients"
    add_client(clients, "alpha", "Alpha Corp", rows=3)
    add_client(clients, "beta", "Beta Ltd", rows=5)
    return {
        "root": tmp_path,
        "notebooks": notebooks,
        "clients": clients,
        "reports": tmp_path / "reports",
    }


@pytest.fixture
def example_project(tmp_path):
    """A copy of the shipped notebooks and example clients (the real study)."""
    shutil.copytree(paths.NOTEBOOKS_DIR, tmp_path / "notebooks")
    shutil.copytree(paths.CLIENTS_DIR, tmp_path / "clients")
    return {
        "root": tmp_path,
        "notebooks": tmp_path / "notebooks",
        "clients": tmp_path / "clients",
        "reports": tmp_path / "reports",
    }


def copy_example_client(client_id: str, folder: Path) -> Path:
    """Copy a shipped example client to ``folder`` (another client id), with its plan's
    freeze record made again as if this client had frozen the same plans on the same
    dates (a copied record is refused, see ``tests/test_plan_inputs.py``)."""
    shutil.copytree(paths.CLIENTS_DIR / client_id, folder)
    refreeze_as_own(folder)
    return folder


def refreeze_as_own(folder: Path) -> None:
    """Freeze every version of the copied record in ``folder`` again, with its date, as
    this client's own freeze (the chained hash covers the client id)."""
    import json
    from datetime import UTC, datetime

    from analysis.clients.plan import FROZEN_FILE, check_plan
    from analysis.clients.plan_record import STAMP, freeze

    record_path = folder / FROZEN_FILE
    if not record_path.is_file():
        return
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record_path.unlink()
    for version in [*record.get("earlier", []), record]:
        when = datetime.strptime(version["frozen_at"], STAMP).replace(tzinfo=UTC)
        freeze(check_plan(version["plan"], FROZEN_FILE), folder, again=True, now=when)
