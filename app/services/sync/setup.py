"""Setting an office up from the server: a new office database made from what the server
knows of it (its identity, the reference data, a number pool and, by a first sync, the
records already in its scope), with the address and token kept for the next syncs.

``daftar setup`` and the first-run dialog call :func:`setup_from_server` /
:func:`setup_office_from_server`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.models import Office
from app.services.accounts.service import HeadAccount, start_as_head
from app.services.core.access import requires
from app.services.core.db import Database, open_database
from app.services.core.office import get_office, set_setting
from app.services.core.progress import Progress
from app.services.core.signing_keys import ensure_signing_key
from app.services.sync import security as sync_security
from app.services.sync.client import SyncClient, store_reference
from app.services.sync.errors import SyncError
from app.services.sync.report import SyncReport
from app.services.sync.settings import KEY_OFFICE, save_settings, validate_server_url
from app.services.sync.transport import Transport
from common.vocabulary import Permission


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
        return SyncClient(db, transport, progress).run()
    finally:
        if own:
            transport.close()


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
    with ``head`` as the head of office's account (signed in)."""
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
    except BaseException:
        db.close()
        if not existed:  # leave no half-made database behind: the clerk can try again
            for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                leftover.unlink(missing_ok=True)
        raise
    return db, report
