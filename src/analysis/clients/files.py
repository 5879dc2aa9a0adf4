"""Files inside a client's folder: how a path written in client.yml is checked and resolved.

A client's files are named relative to its folder (``data/clients/<id>/``): never
absolute, never with ``..``, and after resolving symlinks still inside the folder.
Nothing outside it is ever opened, so one client's report cannot read another
client's data.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from analysis.core import paths
from analysis.core.errors import ConfigError

__all__ = ["file_sha256", "inside_folder", "relative_path", "resolve_path"]


def relative_path(value: str) -> str:
    """``value`` as a path relative to a client's folder; ValueError (with an example) if it is not."""
    text = str(value).strip()
    if not text or "\x00" in text:
        raise ValueError("must name a file in the client's folder, e.g. survey.csv")
    if os.path.isabs(text) or text.startswith("~") or (len(text) > 1 and text[1] == ":"):
        raise ValueError(
            f"{text!r} is an absolute path; give a path inside the client's folder, e.g. "
            f"{Path(text).name!r}"
        )
    if ".." in Path(text).parts:
        raise ValueError(
            f"{text!r} leaves the client's folder ('..'); keep every client's files inside its own "
            f"folder, e.g. {Path(text).name!r}"
        )
    return text


def inside_folder(folder: Path, relative: str) -> Path | None:
    """``folder/relative`` after resolving symlinks, or None if that is outside ``folder``."""
    root = folder.resolve()
    path = (root / relative).resolve()
    return path if path == root or root in path.parents else None


def resolve_path(
    folder: Path, relative: str, *, name: str, where: str, directory: bool = False
) -> Path:
    """Return a client file (or folder) as an absolute path inside ``folder``.

    A relative path is looked up in the client's folder; a path written from the project
    root (``data/clients/<id>/survey.csv``, as the README shows) is accepted when it
    names the same folder. Nothing outside the client's folder is ever opened.

    Raises
    ------
    ConfigError
        Outside the folder (``..``, absolute, or a symlink out), or missing (naming the
        folder that was searched).
    """
    try:
        relative = relative_path(relative)
    except ValueError as error:
        raise ConfigError(f"{where}: {name}: {error}.") from None
    candidates = [folder / relative]
    root_relative = paths.PROJECT_ROOT / relative
    if root_relative.resolve().is_relative_to(folder.resolve()):
        candidates.append(root_relative)
    for candidate in candidates:
        rel = os.path.relpath(candidate, folder)
        if not candidate.exists() and not candidate.is_symlink():
            continue
        inside = inside_folder(folder, rel)
        if inside is None:
            raise ConfigError(
                f"{where}: {name}: {relative!r} leads outside the client's folder (a link to another "
                "folder); copy the file into the client's folder instead."
            )
        if (directory and inside.is_dir()) or (not directory and inside.is_file()):
            return inside
        if not directory and inside.is_dir():
            raise ConfigError(
                f"{where}: {name}: {relative!r} is a folder; name the file in it, e.g. "
                f"{name}: {_example_file(inside, folder)}."
            )
    what = "folder" if directory else "file"
    raise ConfigError(
        f"{where}: {name}: {what} {relative!r} not found in {_shown(folder)}/; put it there or correct "
        f"the name.{_next_step(folder)}"
    )


def _next_step(folder: Path) -> str:
    """Name the step of the import walk-through a client has not taken yet, if any."""
    if (folder / "imported" / "import_record.json").is_file():
        return ""
    if (folder / "codebook.yml").is_file():
        return (
            f" Nothing is imported yet: run `workbench import {folder.name}`, which imports the "
            "tables codebook.yml describes and points client.yml at them."
        )
    if (folder / "codebook.draft.yml").is_file():
        return (
            " Nothing is imported yet: review codebook.draft.yml, save it as codebook.yml, then "
            f"run `workbench import {folder.name}`."
        )
    return ""


def _example_file(directory: Path, folder: Path) -> str:
    """Return a data file inside ``directory``, relative to the client's ``folder``, for a message."""
    files = sorted(f for f in directory.iterdir() if f.is_file() and f.name != "client.yml")
    chosen = files[0] if files else directory / "survey.csv"
    return os.path.relpath(chosen, folder)


def _shown(folder: Path) -> str:
    try:
        return str(folder.resolve().relative_to(paths.PROJECT_ROOT.resolve()))
    except ValueError:
        return str(folder)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
