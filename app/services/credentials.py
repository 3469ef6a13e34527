"""Where the office's sync token is kept.

In the operating system's credential store (Windows Credential Manager, macOS Keychain,
the Secret Service on Linux) when there is one; otherwise in the database, encrypted
(Fernet) with a key kept in the user's profile, so a copy of the database file alone
does not carry a usable token.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session

from app.models import new_id
from app.services.office import get_setting, set_setting

log = logging.getLogger("daftar.credentials")

SERVICE = "Daftar sync"
_KEY_ID = "sync.token_key_id"
_STORED = "sync.token"  # "keyring" or "fernet:<ciphertext>"


def _keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        return not isinstance(backend, fail.Keyring) and float(backend.priority) > 0
    except Exception:
        return False


def secrets_dir() -> Path:
    """The per-user folder of database token keys (``DAFTAR_SECRETS_DIR`` overrides)."""
    override = os.environ.get("DAFTAR_SECRETS_DIR")
    if override:
        return Path(override)
    return platformdirs.user_data_path("Daftar", appauthor=False) / "secrets"


def _fernet(session: Session, *, create: bool) -> Fernet | None:
    key_id = get_setting(session, _KEY_ID)
    if not key_id:
        if not create:
            return None
        key_id = new_id()
        set_setting(session, _KEY_ID, key_id)
    path = secrets_dir() / f"{key_id}.key"
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return Fernet(path.read_bytes().strip())


def store_token(session: Session, account: str, token: str) -> str:
    """Keep ``token`` for ``account`` (the office's server id); returns where it went:
    ``"keyring"`` or ``"database"``. An empty token forgets it."""
    if not token:
        forget_token(session, account)
        return ""
    if _keyring_usable():
        try:
            import keyring

            keyring.set_password(SERVICE, account, token)
            set_setting(session, _STORED, "keyring")
            return "keyring"
        except Exception as exc:
            log.warning("keyring refused the token (%s); keeping it in the database", exc)
    fernet = _fernet(session, create=True)
    assert fernet is not None
    set_setting(session, _STORED, "fernet:" + fernet.encrypt(token.encode()).decode())
    return "database"


def load_token(session: Session, account: str) -> str:
    """The stored token of ``account``, or "" when none (or it can't be read here)."""
    stored = get_setting(session, _STORED)
    if stored == "keyring":
        try:
            import keyring

            return keyring.get_password(SERVICE, account) or ""
        except Exception as exc:
            log.warning("keyring unavailable: %s", exc)
            return ""
    if stored.startswith("fernet:"):
        fernet = _fernet(session, create=False)
        if fernet is None:
            log.warning("the key of the stored sync token is not on this computer")
            return ""
        try:
            return fernet.decrypt(stored.removeprefix("fernet:").encode()).decode()
        except InvalidToken:
            log.warning("the stored sync token does not match this computer's key")
            return ""
    return ""


def forget_token(session: Session, account: str) -> None:
    """Remove the stored token."""
    if get_setting(session, _STORED) == "keyring":
        try:
            import keyring

            keyring.delete_password(SERVICE, account)
        except Exception as exc:
            log.warning("could not remove the token from the keyring: %s", exc)
    set_setting(session, _STORED, "")
