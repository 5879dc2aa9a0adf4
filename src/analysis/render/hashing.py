"""Content hashes that decide whether a report is stale.

The atomic writes live in :mod:`analysis.core.files` (every layer writes records);
``atomic_write`` and ``atomic_write_json`` stay importable from here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from analysis.clients.files import file_sha256
from analysis.core import paths
from analysis.core.files import atomic_write, atomic_write_json

__all__ = ["atomic_write", "atomic_write_json", "inputs_sha256", "package_sha256", "tree_sha256"]


def tree_sha256(
    folder: Path, suffixes: tuple[str, ...] = (".py", ".j2", ".css", ".json", ".yml", ".yaml")
) -> str:
    """SHA-256 over the relative paths and contents of the files under ``folder``.

    Only files with the given suffixes count (source and templates, not caches).
    """
    digest = hashlib.sha256()
    for file in sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts
    ):
        digest.update(file.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(file_sha256(file).encode())
    return digest.hexdigest()


def package_sha256() -> str:
    """Hash of the ``analysis`` package source, templates included."""
    return tree_sha256(paths.PACKAGE_DIR)


def inputs_sha256(
    *, notebook: Path, data_files: dict[str, Path], parameters: dict[str, Any], package: str
) -> str:
    """One hash over everything a report depends on.

    The notebook, each data file, the parameters (canonical JSON, which includes
    the client's display name) and the package source, all compared by content.
    """
    manifest = {
        "notebook": file_sha256(notebook),
        "data": {name: file_sha256(path) for name, path in sorted(data_files.items())},
        "parameters": parameters,
        "package": package,
    }
    encoded = json.dumps(manifest, sort_keys=True, default=str, ensure_ascii=True).encode()
    return hashlib.sha256(encoded).hexdigest()
