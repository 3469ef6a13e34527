"""Where the sync token is kept: the OS keyring when there is one, else encrypted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from app.models import Setting
from app.services.core.credentials import forget_token, load_token, secrets_dir, store_token
from app.services.core.db import Database
from tests.accounts_support import granted

TOKEN = "s3cr3t-token-value_ABC"


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in memory (stands in for Windows Credential Manager)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(fail.Keyring())


def _raw(db: Database) -> str:
    with db.session() as session:
        row = session.get(Setting, "sync.token")
        return row.value if row else ""


def test_token_goes_to_the_keyring_when_there_is_one(
    db: Database, memory_keyring: MemoryKeyring
) -> None:
    with db.session() as session:
        granted(session)
        assert store_token(session, "office-1", TOKEN) == "keyring"
    assert TOKEN not in _raw(db)
    assert list(memory_keyring.store.values()) == [TOKEN]
    with db.session() as session:
        granted(session)
        assert load_token(session, "office-1") == TOKEN
        forget_token(session, "office-1")
        assert load_token(session, "office-1") == ""
    assert memory_keyring.store == {}


def test_without_a_keyring_the_token_is_encrypted_in_the_database(db: Database) -> None:
    with db.session() as session:
        granted(session)
        assert store_token(session, "office-1", TOKEN) == "database"
    raw = _raw(db)
    assert raw.startswith("fernet:") and TOKEN not in raw
    with db.session() as session:
        granted(session)
        assert load_token(session, "office-1") == TOKEN


def test_a_copied_database_without_the_key_file_gives_no_token(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.session() as session:
        granted(session)
        store_token(session, "office-1", TOKEN)
    # Another computer: same database file, a different profile folder.
    monkeypatch.setenv("DAFTAR_SECRETS_DIR", str(tmp_path / "elsewhere"))
    assert secrets_dir() == tmp_path / "elsewhere"
    with db.session() as session:
        granted(session)
        assert load_token(session, "office-1") == ""
