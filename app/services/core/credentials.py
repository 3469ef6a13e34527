"""The office's secrets: the sync token and the private signing keys.

One store for both. A secret goes to the operating system's credential store (Windows
Credential Manager, macOS Keychain, the Secret Service on Linux) when there is one;
otherwise into the database, encrypted (Fernet) with a key kept in the user's profile
(``secrets_dir()``), so a copy of the database file or of a backup alone carries no
usable secret. The database only notes where each secret is (a setting per secret:
``"keyring"`` or ``"fernet:<ciphertext>"``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session

from app.models import Setting, new_id
from common.files import write_bytes_atomically

log = logging.getLogger("daftar.credentials")

#: The keyring service of the sync token (kept: tokens stored by earlier versions).
SERVICE = "Daftar sync"
#: The keyring service of the office's private signing keys (account: the key id).
SIGNING_SERVICE = "Daftar signing key"
#: The setting naming this database's Fernet key file (the name is historical: the sync
#: token was the first secret kept this way; every secret of the database uses it).
_KEY_ID = "sync.token_key_id"
_TOKEN_SETTING = "sync.token"
_SIGNING_PREFIX = "signing.secret."
KEYRING = "keyring"
DATABASE = "database"


@dataclass(frozen=True)
class Secret:
    """Where one secret lives: the setting that notes its place, and its keyring entry."""

    setting: str
    service: str
    account: str


def token_secret(account: str) -> Secret:
    """The sync token of ``account`` (the office's id)."""
    return Secret(_TOKEN_SETTING, SERVICE, account)


def signing_secret(key_id: str) -> Secret:
    """The private half of the signing key ``key_id``."""
    return Secret(_SIGNING_PREFIX + key_id, SIGNING_SERVICE, key_id)


def _get(session: Session, key: str) -> str:
    row = session.get(Setting, key)
    return row.value if row is not None and row.value else ""


def _set(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def _keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        return not isinstance(backend, fail.Keyring) and float(backend.priority) > 0
    except Exception:  # noqa: BLE001 - a keyring backend may fail in any way: not usable
        return False


def secrets_dir() -> Path:
    """The per-user folder of database secret keys (``DAFTAR_SECRETS_DIR`` overrides)."""
    override = os.environ.get("DAFTAR_SECRETS_DIR")
    if override:
        return Path(override)
    return platformdirs.user_data_path("Daftar", appauthor=False) / "secrets"


def _fernet(session: Session, *, create: bool) -> Fernet | None:
    key_id = _get(session, _KEY_ID)
    if not key_id:
        if not create:
            return None
        key_id = new_id()
        _set(session, _KEY_ID, key_id)
    path = secrets_dir() / f"{key_id}.key"
    if not path.exists():
        if not create:
            return None
        write_bytes_atomically(path, Fernet.generate_key(), mode=0o600)
    return Fernet(path.read_bytes().strip())


def store_secret(session: Session, secret: Secret, value: str) -> str:
    """Keep ``value``; returns where it went: ``"keyring"`` or ``"database"``.
    An empty value forgets the secret (and returns "")."""
    if not value:
        forget_secret(session, secret)
        return ""
    if _keyring_usable():
        try:
            import keyring

            keyring.set_password(secret.service, secret.account, value)
            _set(session, secret.setting, KEYRING)
            return KEYRING
        except Exception as exc:  # noqa: BLE001 - keyring backends raise their own types
            log.warning("keyring refused a secret (%s); keeping it in the database", exc)
    fernet = _fernet(session, create=True)
    assert fernet is not None
    _set(session, secret.setting, "fernet:" + fernet.encrypt(value.encode()).decode())
    return DATABASE


def load_secret(session: Session, secret: Secret) -> str:
    """The stored secret, or "" when there is none (or it can't be read on this computer:
    another user profile, another machine, a database restored elsewhere)."""
    stored = _get(session, secret.setting)
    if stored == KEYRING:
        try:
            import keyring

            return keyring.get_password(secret.service, secret.account) or ""
        except Exception as exc:  # noqa: BLE001 - keyring backends raise their own types
            log.warning("keyring unavailable: %s", exc)
            return ""
    if stored.startswith("fernet:"):
        fernet = _fernet(session, create=False)
        if fernet is None:
            log.warning("the key of a stored secret (%s) is not on this computer", secret.setting)
            return ""
        try:
            return fernet.decrypt(stored.removeprefix("fernet:").encode()).decode()
        except InvalidToken:
            log.warning("a stored secret (%s) does not match this computer's key", secret.setting)
            return ""
    return ""


def forget_secret(session: Session, secret: Secret) -> None:
    """Remove the stored secret (from the keyring too)."""
    if _get(session, secret.setting) == KEYRING:
        try:
            import keyring

            keyring.delete_password(secret.service, secret.account)
        except Exception as exc:  # noqa: BLE001 - keyring backends raise their own types
            log.warning("could not remove a secret from the keyring: %s", exc)
    row = session.get(Setting, secret.setting)
    if row is not None:
        row.value = ""


# -- the sync token --------------------------------------------------------------------------


def store_token(session: Session, account: str, token: str) -> str:
    """Keep ``token`` for ``account`` (the office's server id); returns where it went:
    ``"keyring"`` or ``"database"``. An empty token forgets it."""
    return store_secret(session, token_secret(account), token)


def load_token(session: Session, account: str) -> str:
    """The stored token of ``account``, or "" when none (or it can't be read here)."""
    return load_secret(session, token_secret(account))


def forget_token(session: Session, account: str) -> None:
    """Remove the stored token."""
    forget_secret(session, token_secret(account))
