"""Content hashes that decide whether a report is stale, and atomic file writes."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from analysis.clients.files import file_sha256
from analysis.core import paths

__all__ = ["atomic_write", "atomic_write_json", "inputs_sha256", "package_sha256", "tree_sha256"]

_UMASK = os.umask(0)
os.umask(_UMASK)


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


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new one, never half.

    The content goes to a temporary file in the same folder, is flushed to disk,
    and replaces ``path`` with :func:`os.replace` (atomic on POSIX and Windows).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp creates 0600; reports are ordinary files
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, payload: Any) -> None:
    """:func:`atomic_write` of pretty-printed JSON."""
    atomic_write(
        path, json.dumps(payload, indent=2, sort_keys=False, default=str, allow_nan=False) + "\n"
    )
