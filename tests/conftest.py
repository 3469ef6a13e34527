"""Shared test set-up: Qt runs offscreen, and the one QApplication is Daftar's own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: The central server in process (tests/server and tests/services/sync share it).
pytest_plugins = ["tests.server_fixtures"]

# Before anything creates a QApplication (pytest-qt only imports Qt modules at start-up).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tokens never reach the developer's real keyring or profile during tests (subprocesses
# inherit these too).
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
# No automatic backups in tests unless a test asks for them (app.views.backup_controller).
os.environ.setdefault("DAFTAR_AUTO_BACKUP", "0")
os.environ.setdefault(
    "DAFTAR_SECRETS_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / f"daftar-test-{os.getpid()}")
)


@pytest.fixture(scope="session")
def qapp(qapp_args: list[str]) -> Iterator[Any]:
    """Override pytest-qt's application: right-to-left, Vazirmatn, Persian locale."""
    from app.views.bootstrap import create_application

    yield create_application(qapp_args)


@pytest.fixture
def tmp_db_path(tmp_path: Path) -> Path:
    """A path for a database file that does not exist yet."""
    return tmp_path / "daftar.sqlite3"


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the production parameters costs about half a second a hash on a
    busy CI machine; tests hash with small parameters (same algorithm, same code path).
    tests/services/accounts checks the production parameters themselves."""
    from argon2 import PasswordHasher

    from app.services.accounts import passwords

    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture(autouse=True, scope="module")
def _command_line_signed_in_as_head() -> Iterator[None]:
    """Every ``daftar`` command a test runs (a process inherits this environment) signs in
    as the head of office of tests.accounts_support: ``daftar init``, ``setup`` and ``demo``
    create that account on a new database."""
    from tests.accounts_support import HEAD_INPUT

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAFTAR_USER", HEAD_INPUT.username)
        patch.setenv("DAFTAR_PASSWORD", HEAD_INPUT.password)
        patch.delenv("DAFTAR_NEW_PASSWORD", raising=False)
        yield
