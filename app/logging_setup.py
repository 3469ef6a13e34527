"""Logging to a rotating file in the user's log folder, one logger per area; no Qt.

Area loggers are children of ``daftar`` (``daftar.db``, ``daftar.gui``…), so the one
handler installed here receives them all.
"""

from __future__ import annotations

import logging
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


#: Marks the handler installed by :func:`setup_logging` (logging.handlers is imported
#: only when logging starts, after the window's first paint).
_MARK = "_daftar_file_handler"


def _is_ours(handler: logging.Handler) -> bool:
    return bool(getattr(handler, _MARK, False))


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Send the ``daftar.*`` loggers to ``log_dir/daftar.log`` (1 MB × 5 files).

    Calling it again replaces the previous file handler. Returns the log file's path.
    """
    from logging.handlers import RotatingFileHandler

    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    shutdown_logging()
    root = logging.getLogger(ROOT)
    handler = RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    setattr(handler, _MARK, True)
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    for area in AREAS:
        logging.getLogger(area)  # declare every area up front
    return path


def current_log_file() -> Path | None:
    """Return the file that :func:`setup_logging` writes to, or None before it was called."""
    for handler in logging.getLogger(ROOT).handlers:
        if _is_ours(handler) and isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def shutdown_logging() -> None:
    """Remove and close the handler installed by :func:`setup_logging`."""
    root = logging.getLogger(ROOT)
    for handler in [h for h in root.handlers if _is_ours(h)]:
        root.removeHandler(handler)
        handler.close()
