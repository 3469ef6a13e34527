"""Setting an office up from the server: a new office database made from what the server
knows of it (its identity, the reference data, a number pool and, by a first sync, the
records already in its scope), with the address and token kept for the next syncs.

``daftar setup`` and the first-run dialog call :func:`setup_from_server` /
:func:`setup_office_from_server`.

Accounts (docs/sync-protocol.md, "Accounts"): the desk's head account made before the
set-up (the first-start dialog, or ``daftar setup --user``) becomes the office's first
head only when the server has no account of the office. When it has some, that local
account is dropped before the first sync, the office's accounts arrive with it, and the
person signs in with an existing one (the password checked against the pulled hash) —
unless the token is a recovery token (a lost head password): then the local account is
made again after the pull, as a new head of the office, and sent to the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import Account, Office, OutboxOperation
from app.services.accounts.service import HeadAccount, sign_in, sign_out, start_as_head
from app.services.core.access import requires
from app.services.core.db import Database, open_database
from app.services.core.office import get_office, set_setting
from app.services.core.outbox import insert_record
from app.services.core.progress import Progress
from app.services.core.signing_keys import ensure_signing_key
from app.services.sync import security as sync_security
from app.services.sync.client import SyncClient, store_reference
from app.services.sync.errors import SyncError
from app.services.sync.report import SyncReport
from app.services.sync.settings import KEY_OFFICE, save_settings, validate_server_url
from app.services.sync.transport import Transport
from common.vocabulary import Permission, Role


@requires(Permission.OFFICE_SETTINGS)
def setup_office_from_server(
    db: Database,
    server_url: str,
    token: str,
    *,
    insecure: bool = False,
    ca_file: str = "",
    transport: Transport | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Set up the office of an open, empty database from the server: its identity, the
    reference data, and (by a first sync) the records already in its scope. ``insecure``
    allows (and remembers) plain HTTP to another computer; ``ca_file`` trusts that CA."""
    url = validate_server_url(server_url, insecure=insecure)
    token = token.strip()
    if not token:
        raise SyncError("توکن دسترسی اداره را وارد کنید.", "no_token")
    verify = sync_security.tls_verify(ca_file)
    own = transport is None
    transport = transport or Transport(url, token, verify=verify)
    try:
        hello = transport.handshake(None)
        reference = transport.reference()
        with db.session() as session:
            if get_office(session) is not None:
                raise SyncError(
                    "این پایگاه داده از قبل اداره‌ای دارد؛ برای دریافت از سرور، "
                    "فایل تازه‌ای انتخاب کنید.",
                    "not_empty",
                )
            store_reference(session, reference)
            office = hello.office
            session.add(
                Office(
                    id=office.id,
                    name=office.name,
                    province_id=office.province.id,
                    county_id=office.county.id if office.county is not None else None,
                    licence_prefix=hello.licence_prefix[:12] or "1",
                )
            )
            ensure_signing_key(session)
            set_setting(session, KEY_OFFICE, office.id)
            if insecure:
                sync_security.allow_insecure(session, url)
            if ca_file:
                sync_security.store_ca_file(session, ca_file)
            save_settings(session, url, token)
            held = _hold_local_accounts(session) if hello.has_accounts else []
        report = SyncClient(db, transport, progress).run()
        if hello.has_accounts and hello.recovery and held:
            _recreate_heads(db, held)
            report = SyncClient(db, transport, progress).run()
        elif hello.has_accounts:
            sign_out(db)  # the office's accounts are here now: sign in with one of them
        return report
    finally:
        if own:
            transport.close()


@dataclass(frozen=True)
class _HeldAccount:
    """A head account this desk made before it knew the office's accounts."""

    id: str
    username: str
    display_name: str
    password_hash: str


def _hold_local_accounts(session: Session) -> list[_HeldAccount]:
    """Drop the accounts this desk made and never sent (with their queued inserts);
    returns its heads."""
    rows = session.scalars(select(Account).where(Account.server_seq.is_(None))).all()
    held = [
        _HeldAccount(row.id, row.username, row.display_name, row.password_hash)
        for row in rows
        if row.role == Role.HEAD.value and not row.disabled
    ]
    ids = [row.id for row in rows]
    if ids:
        session.execute(
            delete(OutboxOperation).where(
                OutboxOperation.table_name == "account", OutboxOperation.row_id.in_(ids)
            )
        )
        session.execute(delete(Account).where(Account.id.in_(ids)))
    return held


def _recreate_heads(db: Database, held: list[_HeldAccount]) -> None:
    """A recovery token: the held head account becomes a new head of the office (its
    username must not be one the office already has)."""
    with db.session() as session:
        taken = [
            head.username
            for head in held
            if session.scalar(select(Account.id).where(Account.username == head.username))
        ]
        if taken:
            sign_out(db)
            raise SyncError(
                f"نام کاربری «{taken[0]}» در این اداره هست؛ برای مدیر تازه نام کاربری "
                "دیگری انتخاب کنید.",
                "username_taken",
            )
        for head in held:
            insert_record(
                session,
                Account(
                    id=head.id,
                    username=head.username,
                    display_name=head.display_name,
                    role=Role.HEAD.value,
                    password_hash=head.password_hash,
                    disabled=False,
                    failed_attempts=0,
                ),
            )


def setup_from_server(
    path: Any,
    server_url: str,
    token: str,
    *,
    head: HeadAccount,
    insecure: bool = False,
    ca_file: str = "",
    transport: Transport | None = None,
    progress: Progress | None = None,
) -> tuple[Database, SyncReport]:
    """Create an office database file from the server (see setup_office_from_server),
    signed in as ``head``: the office's first head when the server has no account of
    the office, a new head with a recovery token, else an existing account of the
    office (its password checked against the pulled hash: SignInFailed)."""
    validate_server_url(server_url, insecure=insecure)
    sync_security.tls_verify(ca_file)
    target = Path(path)
    existed = target.exists()
    db = open_database(target)
    try:
        start_as_head(db, head)
        report = setup_office_from_server(
            db,
            server_url,
            token,
            insecure=insecure,
            ca_file=ca_file,
            transport=transport,
            progress=progress,
        )
        if db.account is None:
            sign_in(db, head.username, head.password)
    except BaseException:
        db.close()
        if not existed:  # leave no half-made database behind: the clerk can try again
            for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                leftover.unlink(missing_ok=True)
        raise
    return db, report
