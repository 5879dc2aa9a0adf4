"""The one place where the project's folders are defined.

Every notebook, command and test imports its paths from here; nothing else
hard-codes a folder. The project root can be moved with the environment
variable ``WORKBENCH_ROOT`` (used by tests that render into a temporary copy).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "BENCHMARKS_DIR",
    "CLIENTS_DIR",
    "DATA_DIR",
    "INSTRUMENTS_DIR",
    "KERNEL_NAME",
    "NOTEBOOKS_DIR",
    "PACKAGE_DIR",
    "PROJECT_ROOT",
    "REPORTS_DIR",
    "TEMPLATES_DIR",
]

#: Root of the source checkout (the folder holding ``pyproject.toml``).
PROJECT_ROOT = Path(os.environ.get("WORKBENCH_ROOT", Path(__file__).resolve().parents[3]))

#: Study notebooks, one ``<study>.ipynb`` per study (``WORKBENCH_NOTEBOOKS_DIR`` moves it).
NOTEBOOKS_DIR = Path(os.environ.get("WORKBENCH_NOTEBOOKS_DIR", PROJECT_ROOT / "notebooks"))

#: All data; raw inputs are read-only.
DATA_DIR = PROJECT_ROOT / "data"

#: One folder per client, each with a ``client.yml`` (``WORKBENCH_CLIENTS_DIR`` moves it:
#: ``workbench render`` sets it for its kernels when it renders another clients folder).
CLIENTS_DIR = Path(os.environ.get("WORKBENCH_CLIENTS_DIR", DATA_DIR / "clients"))

#: Instrument definitions (YAML), one file per instrument.
INSTRUMENTS_DIR = DATA_DIR / "instruments"

#: Aggregates of all clients' instrument responses, written by ``workbench render``.
BENCHMARKS_DIR = CLIENTS_DIR.parent / "benchmarks"

#: Rendered reports (git-ignored).
REPORTS_DIR = PROJECT_ROOT / "reports"

#: Source of the installed package, hashed to decide whether a report is stale.
PACKAGE_DIR = Path(__file__).resolve().parents[1]

#: nbconvert templates shipped with the package.
TEMPLATES_DIR = PACKAGE_DIR / "render" / "templates"

#: Name of the Jupyter kernel that ``make setup`` registers for this project.
KERNEL_NAME = "sales-training-workbench"
