"""Writing a file so that it is either wholly there or not changed at all.

Every file Daftar writes for a clerk (exports, certificates, backups, key sets) goes
through :func:`atomic_path`: the content is written to a temporary file beside the
destination, flushed to the disk (``fsync``), and only then moved over the destination in
one step (``os.replace``). A crash, a full disk or a cancelled export leaves the earlier
file as it was and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

#: Temporary files start with this (hidden on Unix; easy to recognise anywhere).
TEMPORARY_PREFIX = ".daftar-"


def intended_path(path: Path) -> Path:
    """The destination a temporary path of :func:`atomic_path` stands for (``path``
    itself when it is not one): what a record of the work should name."""
    name = path.name
    if not name.startswith(TEMPORARY_PREFIX):
        return path
    rest = name[len(TEMPORARY_PREFIX) :]
    if len(rest) > 13 and rest[12] == "-":
        return path.with_name(rest[13:])
    return path


@contextlib.contextmanager
def atomic_path(destination: Path) -> Iterator[Path]:
    """A path beside ``destination`` (not created yet) to write the new content to.

    When the block ends normally, what was written there is synced to the disk and moved
    over ``destination``; when it raises, or ends without creating the file (nothing to
    write after all), ``destination`` is untouched and no temporary file is left.
    """
    destination = destination.expanduser()
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(
        f"{TEMPORARY_PREFIX}{uuid.uuid4().hex[:12]}-{destination.name}"
    )
    try:
        yield temporary
        if not temporary.exists():
            return
        _fsync_file(temporary)
        os.replace(temporary, destination)
        _fsync_folder(destination.parent)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes_atomically(destination: Path, data: bytes, *, mode: int = 0o666) -> Path:
    """Write ``data`` to ``destination`` atomically; ``mode`` (before the umask) is the
    new file's permission (0o600 for a secret). Returns ``destination``."""
    with atomic_path(destination) as temporary:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
    return destination.expanduser()


def write_text_atomically(destination: Path, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``destination`` atomically. Returns ``destination``."""
    return write_bytes_atomically(destination, text.encode("utf-8"))


_BINARY = getattr(os, "O_BINARY", 0)


def _fsync_file(path: Path) -> None:
    with path.open("r+b") as written:
        os.fsync(written.fileno())


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
