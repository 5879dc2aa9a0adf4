"""Files written whole or not at all: the one atomic write every layer uses.

A record (a freeze record, an import record, a codebook draft, a report, a status
file) is never rewritten in place. The new content goes to a temporary file in the
same folder, is flushed to the disk (``fsync``), and only then replaces the old file
with :func:`os.replace`, which is atomic on POSIX and Windows. Until that rename the
old version is whole; a full disk, a crash or a kill leaves the old version, never a
cut one. A symbolic link at the target is replaced by the file, never written through.

A write that fails raises :class:`WriteError`: an :class:`OSError` whose message names
the file, says why in words (the disk is full, a folder is in the way, no permission)
and that the previous version is unchanged. ``workbench`` prints it without a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["WriteError", "atomic_replace", "atomic_write", "atomic_write_json", "write_problem"]

_UMASK = os.umask(0)
os.umask(_UMASK)

#: Why a write failed, in words, with the fix.
_REASONS = {
    errno.ENOSPC: "the disk is full; free some space and run the command again",
    errno.EDQUOT: "the disk quota is used up; free some space and run the command again",
    errno.EFBIG: "the file is larger than the file system allows",
    errno.EROFS: "the file system is read-only; run the command where it can write",
    errno.EACCES: "permission denied; check who owns the folder",
    errno.EPERM: "permission denied; check who owns the folder",
    errno.EISDIR: "a folder of that name is in the way; move or delete the folder",
    errno.ENOTDIR: "a file stands where a folder is needed; move or delete that file",
}


class WriteError(OSError):
    """A file could not be written; its previous version (if any) is unchanged.

    ``str(error)`` is the whole message for the user: the file, the reason in words
    and the fix.
    """

    def __init__(self, message: str, code: int | None = None):
        super().__init__(code, message)
        self.message = message

    def __str__(self) -> str:
        """Return the message, which names the file and the fix."""
        return self.message


def write_problem(path: Path, error: OSError) -> str:
    """One sentence for a failed write of ``path``: what, why in words, the fix."""
    reason = _REASONS.get(error.errno or 0, error.strerror or str(error))
    kept = (
        f"the previous {path.name} is unchanged"
        if path.is_file()
        else f"no {path.name} was written"
    )
    return f"could not write {path}: {reason} ({error.strerror or error}); {kept}."


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a file system that cannot is left as it is."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def atomic_replace(path: Path, write: Callable[[Path], None]) -> None:
    """Have ``write`` fill a temporary file beside ``path``, then put it in ``path``'s place.

    Parameters
    ----------
    path : Path
        The file to (re)write. Its folder is created if needed.
    write : callable
        Called with the temporary file's path; writes the complete new content there
        (for example ``frame.to_parquet``).

    Raises
    ------
    WriteError
        The write, the flush or the rename failed (a full disk, a folder named
        ``path``, no permission); ``path`` is as it was and no temporary file is left.
    """
    path = Path(path)
    try:
        if path.is_dir() and not path.is_symlink():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise WriteError(write_problem(path, error), error.errno) from None
    temporary = Path(name)
    try:
        os.fchmod(handle, 0o666 & ~_UMASK)  # mkstemp makes 0600; records are ordinary files
        os.close(handle)
        write(temporary)
        with open(temporary, "rb+") as flushed:
            os.fsync(flushed.fileno())
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise WriteError(write_problem(path, error), error.errno) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def atomic_write(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path``: readers see the old file or the new one, never half.

    Raises
    ------
    WriteError
        As :func:`atomic_replace`.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content

    def write(temporary: Path) -> None:
        handle = os.open(temporary, os.O_WRONLY | os.O_TRUNC)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)

    atomic_replace(path, write)


def atomic_write_json(path: Path, payload: Any, *, sort_keys: bool = False) -> None:
    """:func:`atomic_write` of indented JSON (``NaN`` and infinities refused, not written)."""
    text = json.dumps(payload, indent=2, sort_keys=sort_keys, default=str, allow_nan=False)
    atomic_write(path, text + "\n")
