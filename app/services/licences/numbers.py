"""Licence numbers and identifiers: the office's next free numbers (``PREFIX-000042``, from
its own counter, or from the ranges the central server reserved for it once it syncs), the
stored form of a typed number, the unique ID printed on a certificate, and the local
full-text key."""

from __future__ import annotations

import base64
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Counter, Licence, NumberPool
from app.services.core.office import get_setting, require_office
from common.errors import DomainError
from common.text import normalize_text

_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "ABCDEFGHJKMNPQRSTVWXYZ0123456789")


def unique_id_for(licence_id: str) -> str:
    """The licence's unique ID (شناسه یکتا): 12 characters from the random part of its id.

    Crockford-style base32 without I, L, O, U; three groups of four, like ``7K3M-9XQ2-ABCD``.
    """
    raw = uuid.UUID(licence_id).bytes[8:]
    text = base64.b32encode(raw).decode("ascii").translate(_CROCKFORD)[:12]
    return f"{text[:4]}-{text[4:8]}-{text[8:12]}"


def allocate_number(session: Session) -> str:
    """The next free licence number of the office: ``PREFIX-000042``."""
    return allocate_numbers(session, 1)[0]


def allocate_numbers(session: Session, count: int) -> list[str]:
    """The office's next ``count`` free licence numbers (one counter update)."""
    if count <= 0:
        return []
    if get_setting(session, "sync.office_id"):  # this office syncs (or once did)
        return _numbers_from_pools(session, count)
    prefix = require_office(session).licence_prefix
    counter = session.get(Counter, "licence_serial")
    if counter is None:
        counter = Counter(name="licence_serial", next_value=1)
        session.add(counter)
    result: list[str] = []
    value = counter.next_value
    while len(result) < count:
        wanted = [f"{prefix}-{value + i:06d}" for i in range(count - len(result))]
        value += len(wanted)
        taken: set[str] = set()
        for start in range(0, len(wanted), 500):
            taken.update(
                session.scalars(
                    select(Licence.number).where(Licence.number.in_(wanted[start : start + 500]))
                )
            )
        result.extend(number for number in wanted if number not in taken)
    counter.next_value = value
    session.flush()
    return result


def _numbers_from_pools(session: Session, count: int) -> list[str]:
    """Numbers from the ranges the central server reserved for this office, so offices
    working offline never issue the same number."""
    result: list[str] = []
    pools = session.scalars(
        select(NumberPool).where(NumberPool.next_value <= NumberPool.last).order_by(NumberPool.seq)
    ).all()
    for pool in pools:
        while len(result) < count and pool.next_value <= pool.last:
            wanted = min(count - len(result), pool.last - pool.next_value + 1)
            candidates = [f"{pool.prefix}-{pool.next_value + i:06d}" for i in range(wanted)]
            pool.next_value += wanted
            taken: set[str] = set()
            for start in range(0, len(candidates), 500):
                taken.update(
                    session.scalars(
                        select(Licence.number).where(
                            Licence.number.in_(candidates[start : start + 500])
                        )
                    )
                )
            result.extend(number for number in candidates if number not in taken)
        if len(result) >= count:
            break
    if len(result) < count:
        raise DomainError(
            "شماره‌های مجوزی که سرور مرکزی برای این اداره کنار گذاشته تمام شده است. "
            "برای گرفتن شماره‌های تازه همگام‌سازی کنید (به شبکه وصل شوید و «همگام‌سازی» را "
            "بزنید)."
        )
    session.flush()
    return result


def next_local_seq(session: Session) -> int:
    """The next free local FTS key (licence.local_seq)."""
    session.flush()
    current = session.scalar(select(func.max(Licence.local_seq))) or 0
    return int(current) + 1


def normalise_licence_number(value: str) -> str:
    """A licence number as stored: normalised text, ASCII digits, upper-case Latin."""
    return normalize_text(value).replace(" ", "").upper()
