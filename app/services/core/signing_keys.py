"""The office's signing keys, and the key set this database trusts.

Every desk (database) signs with its own Ed25519 key. The private half is a secret
(app.services.core.credentials: the OS keyring, else encrypted with a key in the user's
profile); the ``signing_key`` table holds public keys only: the desk's own (``own``),
those of the server's published set (``server``) and those added by hand (``file``).

- :func:`ensure_signing_key` gives the current key, making one when there is none or
  when its private half can't be read on this computer (a database copied or restored
  elsewhere): the unreadable key is retired and a new one takes over.
- :func:`rotate_key` retires the current key (it stays valid for what it signed) and
  makes a new one; the next sync publishes both facts.
- :func:`adopt_legacy_key` moves a key that an older Daftar kept in plain text in the
  ``setting`` table into the secret store, retired, and erases the plain text
  (app.services.core.db then rewrites the file, see ``scrub_freed_pages``).
- :func:`trusted_keys` is what verification trusts; :func:`sync_keys` (called by the
  sync client after its handshake) uploads the desk's keys the server does not list,
  with a proof of possession, and stores the server's set when its version changed.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import Office, Setting, SigningKey, utcnow
from app.models.signing_key import KEY_SOURCE_FILE, KEY_SOURCE_OWN, KEY_SOURCE_SERVER
from app.services.core.access import requires
from app.services.core.credentials import forget_secret, load_secret, signing_secret, store_secret
from common.errors import DomainError
from common.key_set import PublishedKey, parse_key_set, registration_message
from common.signing import (
    CertificateClaims,
    SignedPayload,
    TrustedKey,
    key_id_for,
    load_public_key,
    public_key_text,
    sign_claims,
)
from common.vocabulary import Permission

if TYPE_CHECKING:
    from app.services.core.db import Database
    from app.services.core.office import OfficeInfo
    from common.protocol import KeyRegistration, KeySetOut, PublishedKeyOut

log = logging.getLogger("daftar.signing")

#: The key id of the desk's current signing key.
CURRENT_KEY_SETTING = "signing.current_key"
#: The ``keys_version`` of the server's key set last stored.
KEYS_VERSION_SETTING = "signing.keys_version"
#: Where Daftar before issue 10 kept the private key, in plain text (and its public key).
LEGACY_PRIVATE_SETTING = "signing.private_key"
LEGACY_PUBLIC_SETTING = "signing.public_key"
_SYNC_OFFICE_SETTING = "sync.office_id"


def _setting(session: Session, key: str) -> str:
    row = session.get(Setting, key)
    return row.value if row is not None and row.value else ""


def _put_setting(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive UTC datetimes; verification compares aware ones."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


# -- the desk's own keys ---------------------------------------------------------------------


def _new_key(session: Session, now: dt.datetime) -> Ed25519PrivateKey:
    private = Ed25519PrivateKey.generate()
    kid = key_id_for(private.public_key())
    secret = base64.b64encode(private.private_bytes_raw()).decode("ascii")
    where = store_secret(session, signing_secret(kid), secret)
    session.add(
        SigningKey(
            key_id=kid,
            public_key=public_key_text(private),
            source=KEY_SOURCE_OWN,
            valid_from=now,
        )
    )
    _put_setting(session, CURRENT_KEY_SETTING, kid)
    session.flush()
    log.info("new signing key %s (private half kept in the %s)", kid, where)
    return private


def _load_private(session: Session, key_id: str) -> Ed25519PrivateKey | None:
    text = load_secret(session, signing_secret(key_id))
    if not text:
        return None
    try:
        private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))
    except ValueError:
        log.warning("the stored private half of signing key %s is damaged", key_id)
        return None
    return private if key_id_for(private.public_key()) == key_id else None


def _retire(session: Session, key_id: str, now: dt.datetime) -> None:
    row = session.get(SigningKey, key_id)
    if row is not None and row.retired_at is None:
        row.retired_at = now


def current_key_id(session: Session) -> str:
    """The key id of the desk's current key ("" before the first one is made)."""
    return _setting(session, CURRENT_KEY_SETTING)


def ensure_signing_key(session: Session, now: dt.datetime | None = None) -> Ed25519PrivateKey:
    """The desk's current signing key; made (in this transaction) if there is none.

    A current key whose private half this computer can't read (another user profile, a
    database copied or restored elsewhere) is retired and replaced: a copied database
    alone never signs with the office's key.
    """
    now = now or utcnow()
    kid = current_key_id(session)
    if kid:
        private = _load_private(session, kid)
        if private is not None:
            return private
        log.warning("the private half of signing key %s is not readable here: new key", kid)
        _retire(session, kid, now)
    return _new_key(session, now)


@requires(Permission.OFFICE_SETTINGS)
def rotate_key(session: Session, now: dt.datetime | None = None) -> str:
    """Retire the current key and make a new one; returns the new key id.

    The old key stays trusted for what it signed before ``now``; its private half is
    erased once the server lists it as retired (or at once on a desk that never syncs).
    """
    now = now or utcnow()
    old = current_key_id(session)
    if old:
        _retire(session, old, now)
        if not _setting(session, _SYNC_OFFICE_SETTING):
            forget_secret(session, signing_secret(old))
    private = _new_key(session, now)
    return key_id_for(private.public_key())


def sign_certificate(
    session: Session, claims: CertificateClaims, now: dt.datetime | None = None
) -> SignedPayload:
    """Sign ``claims`` with the desk's current key, with the signing time."""
    moment = now or utcnow()
    private = ensure_signing_key(session, moment)
    return sign_claims(private, _with_time(claims, moment))


def _with_time(claims: CertificateClaims, moment: dt.datetime) -> CertificateClaims:
    return dataclasses.replace(claims, signed_at=moment.replace(microsecond=0))


def adopt_legacy_key(session: Session, now: dt.datetime | None = None) -> bool:
    """Move a plain-text private key (Daftar before issue 10) into the secret store,
    retired, and delete the plain text; True when there was one.

    The key stays trusted for what it signed; the next sync publishes it (as retired,
    with a proof made with its private half) and then erases the private half. The
    caller must rewrite the database file afterwards (app.services.core.db does: VACUUM), or
    the plain text stays readable in free pages.
    """
    text = _setting(session, LEGACY_PRIVATE_SETTING)
    if not text:
        return False
    now = now or utcnow()
    try:
        private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))
    except ValueError:
        log.warning("the plain-text signing key of this database is damaged: erased")
        private = None
    if private is not None:
        kid = key_id_for(private.public_key())
        row = session.get(SigningKey, kid)
        if row is None:
            row = SigningKey(
                key_id=kid,
                public_key=public_key_text(private),
                source=KEY_SOURCE_OWN,
                valid_from=session.scalar(select(func.min(Office.created_at))),
            )
            session.add(row)
        row.source = KEY_SOURCE_OWN
        if row.retired_at is None:
            row.retired_at = now
        store_secret(session, signing_secret(kid), text)
        if current_key_id(session) == kid:
            _put_setting(session, CURRENT_KEY_SETTING, "")
    session.execute(
        delete(Setting).where(Setting.key.in_((LEGACY_PRIVATE_SETTING, LEGACY_PUBLIC_SETTING)))
    )
    session.flush()
    log.info("the plain-text signing key was moved to the secret store and retired")
    return True


# -- the key set this database trusts ---------------------------------------------------------


def _trusted(row: SigningKey) -> TrustedKey:
    return TrustedKey(
        key_id=row.key_id,
        public_key=row.public_key,
        office_name=row.office_name,
        province_name=row.province_name,
        county_name=row.county_name,
        valid_from=_aware(row.valid_from),
        retired_at=_aware(row.retired_at),
        revoked_at=_aware(row.revoked_at),
        revoked_reason=row.revoked_reason,
    )


def trusted_keys(session: Session) -> dict[str, TrustedKey]:
    """Every key this database trusts (its own, the server's set, keys added by hand),
    with their retirement and revocation. Never makes a key."""
    office = _own_office(session)
    keys: dict[str, TrustedKey] = {}
    for row in session.scalars(select(SigningKey)):
        key = _trusted(row)
        if row.source == KEY_SOURCE_OWN and not key.office_name and office is not None:
            key = dataclasses.replace(
                key,
                office_name=office.name,
                province_name=office.province_name,
                county_name=office.county_name or "",
            )
        keys[row.key_id] = key
    return keys


def _own_office(session: Session) -> OfficeInfo | None:
    from app.services.core.office import get_office

    return get_office(session)


@requires(Permission.OFFICE_SETTINGS)
def add_trusted_key(session: Session, public_key: str | bytes) -> str:
    """Trust another office's public key (a key file's, or one given by hand); returns
    its key id. A key already known keeps what is known about it."""
    key = load_public_key(public_key)
    kid = key_id_for(key)
    if session.get(SigningKey, kid) is None:
        session.add(SigningKey(key_id=kid, public_key=public_key_text(key), source=KEY_SOURCE_FILE))
        session.flush()
    return kid


@requires(Permission.OFFICE_SETTINGS)
def import_key_file(session: Session, keys: Sequence[PublishedKey]) -> int:
    """Trust the keys of a published key file (an office without a server gets one from
    the operator); returns how many keys were new. Keys already known take the file's
    retirement or revocation when it is earlier (stricter news wins)."""
    added = 0
    for key in keys:
        row = session.get(SigningKey, key.key_id)
        if row is None:
            row = SigningKey(
                key_id=key.key_id,
                public_key=key.public_key,
                source=KEY_SOURCE_FILE,
                office_id=key.office_id,
                office_name=key.office_name,
                province_code=key.province_code,
                province_name=key.province_name,
                county_code=key.county_code,
                county_name=key.county_name,
                valid_from=key.valid_from,
                revoked_reason="",
            )
            session.add(row)
            added += 1
        merged = _trusted(row).stricter(key.trusted())
        row.retired_at = merged.retired_at
        row.revoked_at = merged.revoked_at
        row.revoked_reason = merged.revoked_reason
    session.flush()
    return added


@dataclass(frozen=True)
class KeyInfo:
    """One row of the key list (GUI and ``daftar key list``)."""

    key_id: str
    own: bool
    current: bool
    office: str
    valid_from: dt.datetime | None
    retired_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_reason: str
    #: What the server's set says: "" (not published yet), "active", "retired", "revoked".
    server_state: str


def key_list(session: Session) -> list[KeyInfo]:
    """The keys this database knows: its own first (current first), then by office."""
    current = current_key_id(session)
    keys = trusted_keys(session)
    rows = session.scalars(select(SigningKey)).all()
    infos = [
        KeyInfo(
            key_id=row.key_id,
            own=row.source == KEY_SOURCE_OWN,
            current=row.key_id == current,
            office=keys[row.key_id].issuer,
            valid_from=_aware(row.valid_from),
            retired_at=_aware(row.retired_at),
            revoked_at=_aware(row.revoked_at),
            revoked_reason=row.revoked_reason,
            server_state=row.server_state,
        )
        for row in rows
    ]
    return sorted(infos, key=lambda k: (not k.current, not k.own, k.office, k.key_id))


def store_key_set(session: Session, keys: Sequence[PublishedKey], version: str) -> int:
    """Make the server's published set the database's (own and hand-added keys stay;
    what the server says about them is taken); returns how many keys changed."""
    rows = {row.key_id: row for row in session.scalars(select(SigningKey))}
    changed = 0
    seen: set[str] = set()
    for key in keys:
        seen.add(key.key_id)
        row = rows.get(key.key_id)
        if row is None:
            row = SigningKey(key_id=key.key_id, public_key=key.public_key, source=KEY_SOURCE_SERVER)
            session.add(row)
            changed += 1
        before = _snapshot(row)
        if row.source == KEY_SOURCE_FILE:
            row.source = KEY_SOURCE_SERVER
        row.office_id = key.office_id
        row.office_name = key.office_name
        row.province_code = key.province_code
        row.province_name = key.province_name
        row.county_code = key.county_code
        row.county_name = key.county_name
        row.valid_from = key.valid_from or row.valid_from
        # An own key's local retirement stands until the server has it (next upload).
        row.retired_at = key.retired_at or (
            row.retired_at if row.source == KEY_SOURCE_OWN else None
        )
        row.revoked_at = key.revoked_at
        row.revoked_reason = key.revoked_reason
        row.server_state = (
            "revoked" if key.revoked_at else "retired" if key.retired_at else "active"
        )
        changed += int(before is not None and before != _snapshot(row))
    for key_id, row in rows.items():
        if key_id in seen:
            continue
        if row.source == KEY_SOURCE_SERVER:
            session.delete(row)
            changed += 1
        elif row.server_state:
            row.server_state = ""
    _put_setting(session, KEYS_VERSION_SETTING, version)
    session.flush()
    return changed


def _snapshot(row: SigningKey) -> tuple[Any, ...] | None:
    if row.office_name is None:  # a new row, not flushed yet
        return None
    return (
        row.office_name,
        row.province_name,
        row.county_name,
        _aware(row.retired_at),
        _aware(row.revoked_at),
        row.revoked_reason,
    )


# -- with the server ------------------------------------------------------------------------


class KeyTransport(Protocol):
    """What :func:`sync_keys` needs of the sync client's transport
    (app.services.sync.transport.Transport)."""

    def keys(self) -> KeySetOut: ...

    def register_key(self, key_id: str, registration: KeyRegistration) -> PublishedKeyOut: ...


def registration(private: Ed25519PrivateKey, office_id: str, row: SigningKey) -> KeyRegistration:
    """The ``PUT /v1/keys/{key_id}`` body registering ``row`` (the desk's key) for
    ``office_id``."""
    from common.protocol import KeyRegistration  # pydantic: not needed to start the app

    proof = private.sign(registration_message(office_id, row.key_id))
    return KeyRegistration(
        public_key=row.public_key,
        valid_from=_aware(row.valid_from),
        retired_at=_aware(row.retired_at),
        proof=base64.b64encode(proof).decode("ascii"),
    )


@requires(Permission.SYNC)
def sync_keys(db: Database, transport: KeyTransport, keys_version: str | None) -> int:
    """Publish the desk's keys the server does not list (or lists as still active after
    the desk retired them), and store the server's key set when ``keys_version`` (the
    handshake's) differs from the stored one; returns how many keys changed locally.

    Called by the sync client after every handshake. A key whose private half is gone
    can't be proven and is left unpublished (logged).
    """
    with db.session() as session:
        ensure_signing_key(session)
        stored = _setting(session, KEYS_VERSION_SETTING)
    changed = 0
    if keys_version is None or keys_version != stored:
        changed += _fetch(db, transport)
    if _publish(db, transport):
        changed += _fetch(db, transport)
    with db.session() as session:
        _forget_retired_secrets(session)
    return changed


def _fetch(db: Database, transport: KeyTransport) -> int:
    answer = transport.keys()
    # The protocol's shape is checked by the transport; the document's own rules (its
    # format and version, each key id matching its key) by the key set's reader.
    keys = parse_key_set(answer.model_dump(mode="json"))
    with db.session() as session:
        return store_key_set(session, keys, answer.keys_version)


def _publish(db: Database, transport: KeyTransport) -> bool:
    """Upload own keys the server does not list; True when something was sent."""
    with db.session() as session:
        office_id = _setting(session, _SYNC_OFFICE_SETTING)
        bodies = []
        for row in session.scalars(select(SigningKey).where(SigningKey.source == KEY_SOURCE_OWN)):
            if not _needs_publishing(row):
                continue
            private = _load_private(session, row.key_id)
            if private is None:
                log.warning("signing key %s can't be published: no private half", row.key_id)
                continue
            bodies.append((row.key_id, registration(private, office_id, row)))
    sent = False
    for key_id, body in bodies:
        try:
            transport.register_key(key_id, body)
        except DomainError as exc:
            if getattr(exc, "code", "") != "refused":
                raise
            # Refused (e.g. too many keys): the rest of the sync goes on; the key stays
            # unpublished and is offered again next time.
            log.warning("the server refused signing key %s: %s", key_id, exc.message)
            continue
        log.info("signing key %s published", key_id)
        sent = True
    return sent


def _needs_publishing(row: SigningKey) -> bool:
    """The server does not list the desk's key, or lists it active after the desk
    retired it."""
    return not row.server_state or (row.retired_at is not None and row.server_state == "active")


def _forget_retired_secrets(session: Session) -> None:
    """Erase the private halves of own keys the server lists as retired (or revoked)."""
    current = current_key_id(session)
    for row in session.scalars(select(SigningKey).where(SigningKey.source == KEY_SOURCE_OWN)):
        if row.key_id != current and row.server_state in ("retired", "revoked"):
            forget_secret(session, signing_secret(row.key_id))
