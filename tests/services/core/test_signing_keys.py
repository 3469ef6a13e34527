"""The desk's signing keys: kept like the sync token, rotated, and moved out of the plain
text where Daftar before issue 10 kept them (the database and its pre-upgrade backup)."""

from __future__ import annotations

import base64
import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from keyring.backends import fail
from sqlalchemy import select

from app.models import Setting, SigningKey
from app.services.core import signing_keys
from app.services.core.db import Database, open_database
from common import signing
from common.signing import CertificateClaims, verify_payload
from common.vocabulary import Permission
from tests.accounts_support import act_as, granted
from tests.services.conftest import setup_tehran_office, write_legacy_key
from tests.services.core.test_credentials import MemoryKeyring

CLAIMS = CertificateClaims(
    serial="0612-C-000001",
    licence_number="0612-000042",
    unique_id="ABCD-EFGH-JKMN",
    national_id="0067749828",
    holder_name="مریم کریمی",
    field_code="020001",
    county_code="2301",
    issue_date=dt.date(2024, 8, 2),
    expiry_date=dt.date(2029, 8, 2),
)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(fail.Keyring())


def _private_text(private: Ed25519PrivateKey) -> str:
    return base64.b64encode(private.private_bytes_raw()).decode()


def _file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


def test_the_key_is_made_at_setup_and_its_private_half_is_not_in_the_database(
    db: Database,
) -> None:
    with db.session() as session:
        private = signing_keys.ensure_signing_key(session)
        kid = signing_keys.current_key_id(session)
        settings = {row.key: row.value for row in session.scalars(select(Setting))}
    assert re.fullmatch(r"[0-9a-f]{16}", kid) and kid == signing.key_id_for(private.public_key())
    secret = _private_text(private)
    assert all(secret not in value for value in settings.values())
    assert settings[f"signing.secret.{kid}"].startswith("fernet:")
    db.close()
    assert secret.encode() not in _file_bytes(db.path)
    with db.session() as session:
        assert signing_keys.ensure_signing_key(session).private_bytes_raw() == (
            private.private_bytes_raw()
        )  # stable
        keys = signing_keys.trusted_keys(session)
    assert set(keys) == {kid}
    assert keys[kid].office_name == "اداره تعاون شهرستان تهران"
    assert keys[kid].county_name == "تهران"


def test_with_a_keyring_the_private_half_goes_there(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    database = act_as(open_database(tmp_path / "daftar.sqlite3"))
    try:
        setup_tehran_office(database)
        with database.session() as session:
            kid = signing_keys.current_key_id(session)
            assert session.get(Setting, f"signing.secret.{kid}").value == "keyring"  # type: ignore[union-attr]
    finally:
        database.close()
    assert list(memory_keyring.store) == [("Daftar signing key", kid)]


def test_a_copied_database_cannot_sign_with_the_office_key(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.session() as session:
        granted(session)
        original = signing_keys.current_key_id(session)
        genuine = signing_keys.sign_certificate(session, CLAIMS).payload
    # Another computer (or another user): the same file, a different profile folder.
    monkeypatch.setenv("DAFTAR_SECRETS_DIR", str(tmp_path / "thief"))
    with db.session() as session:
        granted(session)
        forged = signing_keys.sign_certificate(session, CLAIMS)
        keys = signing_keys.trusted_keys(session)
    assert forged.key_id != original  # a new key, never the office's
    assert keys[original].retired_at is not None  # the unreadable key was retired
    assert verify_payload(genuine, keys).valid  # what it signed stays valid


def test_rotation_retires_the_old_key_and_keeps_its_certificates(db: Database) -> None:
    before = dt.datetime(2026, 8, 1, 9, 0, tzinfo=dt.UTC)
    with db.session() as session:
        old = signing_keys.current_key_id(session)
        old_payload = signing_keys.sign_certificate(session, CLAIMS, now=before).payload
        new = signing_keys.rotate_key(session, now=before + dt.timedelta(hours=1))
        new_payload = signing_keys.sign_certificate(session, CLAIMS).payload
        keys = signing_keys.trusted_keys(session)
        infos = signing_keys.key_list(session)
        # An office that never syncs erases the old private half at once.
        assert session.get(Setting, f"signing.secret.{old}").value == ""  # type: ignore[union-attr]
    assert new != old and signing.verify_payload(new_payload, keys).key_id == new
    result = verify_payload(old_payload, keys)
    assert result.valid and "کلید دیگری" in result.key_note
    assert [(i.key_id, i.current, i.own) for i in infos] == [(new, True, True), (old, False, True)]
    assert infos[1].retired_at == before + dt.timedelta(hours=1)


def test_an_older_database_loses_its_plain_text_key_on_upgrade(tmp_db_path: Path) -> None:
    """Upgrading: the plain-text key is retired (still valid for what it signed), moved
    into the secret store, and gone from the file, its free pages, its WAL and the backup
    taken before the migration; certificates from then on get a new key."""
    from tests.services.core.test_db import _database_at_0001

    old = _database_at_0001(tmp_db_path, "0004")
    setup_tehran_office(old, legacy_key=True)
    with old.session() as session:
        granted(session)
        text = session.get(Setting, "signing.private_key").value  # type: ignore[union-attr]
        legacy = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))
        # Churn the settings so that old copies of the row sit in free pages too.
        for n in range(300):
            session.add(Setting(key=f"filler.{n}", value="x" * 200))
    with old.session() as session:
        granted(session)
        for n in range(300):
            session.delete(session.get(Setting, f"filler.{n}"))
    legacy_kid = signing.key_id_for(legacy.public_key())
    old_payload = signing.sign_claims(legacy, CLAIMS).payload  # an old certificate
    old.close()
    assert text.encode() in _file_bytes(tmp_db_path)

    database = act_as(open_database(tmp_db_path))
    try:
        assert database.backup_path is not None
        with database.session() as session:
            assert session.get(Setting, "signing.private_key") is None
            assert session.get(Setting, "signing.public_key") is None
            row = session.get(SigningKey, legacy_kid)
            assert row is not None and row.source == "own" and row.retired_at is not None
            # The private half waits (encrypted) for the first sync to publish the key.
            assert signing_keys._load_private(session, legacy_kid) is not None
            keys = signing_keys.trusted_keys(session)
            fresh = signing_keys.sign_certificate(granted(session, Permission.PRINT), CLAIMS)
    finally:
        database.close()
    assert text.encode() not in _file_bytes(tmp_db_path)
    assert text.encode() not in _file_bytes(database.backup_path)
    with sqlite3.connect(database.backup_path) as conn:  # the backup is otherwise intact
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0004"
        assert conn.execute("SELECT count(*) FROM office").fetchone()[0] == 1
    assert verify_payload(old_payload, keys).valid
    assert fresh.key_id != legacy_kid


def test_a_legacy_private_key_without_a_row_and_a_damaged_one(db: Database) -> None:
    private = Ed25519PrivateKey.generate()
    with db.session() as session:
        granted(session)
        write_legacy_key(session, private)
        session.execute(
            Setting.__table__.delete().where(Setting.key == "signing.public_key")  # type: ignore[attr-defined]
        )
        assert signing_keys.adopt_legacy_key(session)
        assert not signing_keys.adopt_legacy_key(session)  # once
        kid = signing.key_id_for(private.public_key())
        assert session.get(SigningKey, kid).retired_at is not None  # type: ignore[union-attr]
        session.merge(Setting(key="signing.private_key", value="not base64!"))
        assert signing_keys.adopt_legacy_key(session)  # erased all the same
        assert session.get(Setting, "signing.private_key") is None


def test_keys_added_by_hand_are_trusted(db: Database) -> None:
    other = Ed25519PrivateKey.generate()
    payload = signing.sign_claims(other, CLAIMS).payload
    with db.session() as session:
        assert not verify_payload(payload, signing_keys.trusted_keys(session)).valid
        kid = signing_keys.add_trusted_key(session, signing.public_key_text(other))
        assert signing_keys.add_trusted_key(session, signing.public_key_text(other)) == kid
        keys = signing_keys.trusted_keys(session)
    assert verify_payload(payload, keys).valid and keys[kid].issuer == ""


def test_signing_sets_the_signing_time(db: Database) -> None:
    moment = dt.datetime(2026, 8, 1, 9, 0, 30, 123456, tzinfo=dt.UTC)
    with db.session() as session:
        signed = signing_keys.sign_certificate(session, CLAIMS, now=moment)
        keys = signing_keys.trusted_keys(session)
    result = verify_payload(signed.payload, keys)
    assert result.data["a"] == "20260801090030"
    assert signing.parse_signed_at(result.data["a"]) == moment.replace(microsecond=0)
