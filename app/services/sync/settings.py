"""Where this office syncs to: the server address and token, and the settings keys the
sync keeps in the database (its cursor, last sync, last error, reference version, skew).

Which addresses are allowed (https, or plain HTTP to this computer or to one server an
operator allowed) and how certificates are verified: app.services.sync.security. The
token itself lives in the secret store (app.services.core.credentials).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session

from app.services.core.access import requires
from app.services.core.credentials import load_token, store_token
from app.services.core.office import get_office, get_setting, set_setting
from app.services.sync import security as sync_security
from app.services.sync.errors import SyncError
from common.text import isolate_ltr
from common.vocabulary import Permission

# Settings keys.
KEY_SERVER = "sync.server_url"
KEY_OFFICE = "sync.office_id"
KEY_CURSOR = "sync.cursor"
KEY_LAST_SYNC = "sync.last_sync_at"
KEY_LAST_ERROR = "sync.last_error"
KEY_REFERENCE = "sync.reference_version"
KEY_SKEW = "sync.clock_skew_seconds"
#: When the office last compared its scopes with the server (app.services.sync.verify).
KEY_VERIFIED = "sync.verified_at"
#: Pulled rows the checks refused, as JSON [[table, id], ...] (app.services.sync.pull).
KEY_REFUSED = "sync.refused_rows"


@dataclass(frozen=True)
class SyncSettings:
    """The server address and token of this office."""

    server_url: str
    token: str


def validate_server_url(url: str, *, insecure: bool = False) -> str:
    """A server address as stored (http/https, no trailing slash); raises SyncError:
    bad_url, or insecure_url for plain HTTP to another computer unless ``insecure``."""
    url = url.strip().rstrip("/")
    try:
        parsed = httpx.URL(url) if url else None
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise SyncError(
            f"نشانی سرور باید با {isolate_ltr('https://')} شروع شود؛ مثلاً "
            f"{isolate_ltr('https://sync.example.ir')}",
            "bad_url",
        )
    sync_security.check_secure(url, insecure=insecure)
    return url


def _account(session: Session) -> str:
    """The keyring account of this database's token: its office's (local) id."""
    office = get_office(session)
    return office.id if office is not None else "office"


def load_settings(session: Session) -> SyncSettings:
    return SyncSettings(get_setting(session, KEY_SERVER), load_token(session, _account(session)))


@requires(Permission.OFFICE_SETTINGS)
def save_settings(session: Session, server_url: str, token: str | None) -> str:
    """Store the server address and (when given) the token; returns where the token went
    ("keyring" / "database"). An empty address turns sync off (the token is forgotten).
    Plain HTTP to another computer only where this database allows it (sync_security)."""
    if not server_url.strip():
        set_setting(session, KEY_SERVER, "")
        sync_security.keep_insecure_for(session, "")
        store_token(session, _account(session), "")
        return ""
    url = validate_server_url(
        server_url, insecure=sync_security.insecure_allowed(session, server_url)
    )
    set_setting(session, KEY_SERVER, url)
    sync_security.keep_insecure_for(session, url)
    if token is None:
        return ""
    return store_token(session, _account(session), token.strip())


@requires(Permission.OFFICE_SETTINGS)
def remember_transport_options(
    session: Session, *, server_url: str = "", insecure: bool = False, ca_file: str | None = None
) -> None:
    """What ``daftar sync --insecure / --ca-file`` keep for this database: ``insecure``
    allows plain HTTP to the server of ``server_url`` (or of the stored address) and makes
    that address the office's; ``ca_file`` ("": the system's authorities) is stored."""
    if ca_file is not None:
        sync_security.store_ca_file(session, ca_file)
    if insecure:
        url = validate_server_url(server_url or get_setting(session, KEY_SERVER), insecure=True)
        sync_security.allow_insecure(session, url)
        set_setting(session, KEY_SERVER, url)
