"""Logging to a rotating file in the user's log folder, one logger per area; no Qt.

Area loggers are children of ``daftar`` (``daftar.db``, ``daftar.gui``…), so the one
handler installed here receives them all.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

ROOT = "daftar"
DB = "daftar.db"
GUI = "daftar.gui"
IMPORT = "daftar.import"
EXPORT = "daftar.export"
SYNC = "daftar.sync"
PDF = "daftar.pdf"
AREAS = (DB, GUI, IMPORT, EXPORT, SYNC, PDF)

LOG_FILE_NAME = "daftar.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
_FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(threadName)s] %(message)s"


class _DaftarFileHandler(RotatingFileHandler):
    """The handler installed by :func:`setup_logging` (a subclass, so it can be found)."""


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Send the ``daftar.*`` loggers to ``log_dir/daftar.log`` (1 MB × 5 files).

    Calling it again replaces the previous file handler. Returns the log file's path.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    shutdown_logging()
    root = logging.getLogger(ROOT)
    handler = _DaftarFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    for area in AREAS:
        logging.getLogger(area)  # declare every area up front
    return path


def current_log_file() -> Path | None:
    """Return the file that :func:`setup_logging` writes to, or None before it was called."""
    for handler in logging.getLogger(ROOT).handlers:
        if isinstance(handler, _DaftarFileHandler):
            return Path(handler.baseFilename)
    return None


def shutdown_logging() -> None:
    """Remove and close the handler installed by :func:`setup_logging`."""
    root = logging.getLogger(ROOT)
    for handler in [h for h in root.handlers if isinstance(h, _DaftarFileHandler)]:
        root.removeHandler(handler)
        handler.close()
