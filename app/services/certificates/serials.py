"""Certificate serials (``PREFIX-C-000001``, from the office's ``certificate_serial``
counter; an office that syncs tags them with its own id) and the office's certificate look
(its ``certificate-style.json`` next to the database, or the shipped style, with the
signatory and logo of the office settings), and the bounds of a batch's queries and
flushes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CertificateIssue, Counter
from app.services.certificates.pdf import CertificateStyle, default_style_path, load_style
from app.services.core.office import certificate_settings, get_setting
from common.signing import verification_url

#: An office's own certificate look, next to its database file.
STYLE_FILE_NAME = "certificate-style.json"
SERIAL_COUNTER = "certificate_serial"
#: Licences whose data is held at once while checking or counting (bounded memory).
CHUNK = 500
#: Flush pending rows this often during a batch, so the session holds few objects.
FLUSH_EVERY = 100


def style_path_for(session: Session) -> Path:
    """The style file of the office: next to the database if present, else the shipped one."""
    database = session.get_bind().engine.url.database
    if database and database != ":memory:":
        candidate = Path(database).parent / STYLE_FILE_NAME
        if candidate.is_file():
            return candidate
    return default_style_path()


def office_style(session: Session) -> CertificateStyle:
    """The certificate look of this office (see :func:`style_path_for`), with the
    signatory and logo set in the office settings taking precedence over the file's."""
    style = load_style(style_path_for(session))
    settings = certificate_settings(session)
    changes: dict[str, Any] = {}
    if settings.signatory_name:
        changes["signatory_name"] = settings.signatory_name
    if settings.signatory_title:
        changes["signatory_title"] = settings.signatory_title
    if settings.logo:
        changes["logo"] = Path(settings.logo)
    return dataclasses.replace(style, **changes) if changes else style


def qr_text(session: Session, payload: str) -> str:
    """What a QR code carries: the verification page's address with the payload when the
    office has a server (a phone camera opens it), else the payload."""
    server = get_setting(session, "sync.server_url")
    return verification_url(server, payload) if server else payload


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    """``items`` in slices of ``size`` (bounded queries and memory)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def serial_prefix(session: Session, licence_prefix: str, office_id: str) -> str:
    """The prefix of this office's certificate serials. An office that syncs shares its
    licence prefix (the county's code) with the county's other offices, so its serials
    also carry a tag from its own random id: serials never collide between offices."""
    if get_setting(session, "sync.office_id"):
        return f"{licence_prefix}-{office_id.replace('-', '')[-6:].upper()}"
    return licence_prefix


def allocate_serials(session: Session, prefix: str, count: int, mark: str = "C") -> list[str]:
    """The next ``count`` free certificate serials: ``PREFIX-C-000001`` (one counter update).
    ``mark`` names what is numbered (``R`` for a referral letter to a bank): one counter
    numbers every signed document of the office."""
    if count <= 0:
        return []
    counter = session.get(Counter, SERIAL_COUNTER)
    if counter is None:
        counter = Counter(name=SERIAL_COUNTER, next_value=1)
        session.add(counter)
    value = counter.next_value
    result: list[str] = []
    while len(result) < count:
        wanted = [f"{prefix}-{mark}-{value + i:06d}" for i in range(count - len(result))]
        value += len(wanted)
        taken: set[str] = set()
        for chunk in chunks(wanted):
            taken.update(
                session.scalars(
                    select(CertificateIssue.serial).where(CertificateIssue.serial.in_(chunk))
                )
            )
        result.extend(serial for serial in wanted if serial not in taken)
    counter.next_value = value
    session.flush()
    return result
