"""Licence-number pools: ranges of numbers reserved per office (docs/sync-protocol.md).

Numbers are ``PREFIX-000042``; the prefix is the office's county code (its province
code for a province office), and one counter per prefix (``sync_counter`` row
``licence:PREFIX``) hands out ranges, so offices working offline never issue the same
number. A lost answer wastes a range (gaps), never duplicates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.models import NumberPool, Office, SyncCounter

log = logging.getLogger("daftar.server.pools")


@dataclass(frozen=True)
class Pool:
    """A reserved range of licence numbers: ``PREFIX-first`` .. ``PREFIX-last``."""

    prefix: str
    first: int
    last: int


def licence_prefix(office: Office) -> str:
    """The prefix of an office's licence numbers: its county code (province code)."""
    return office.county_code or office.province_code


def reserve_numbers(session: Session, office: Office, count: int) -> Pool:
    """Reserve the next ``count`` numbers of the office's prefix (the caller commits)."""
    prefix = licence_prefix(office)
    name = f"licence:{prefix}"
    bump = (
        update(SyncCounter)
        .where(SyncCounter.name == name)
        .values(value=SyncCounter.value + count)
        .execution_options(synchronize_session=False)
    )
    if session.execute(bump).rowcount == 0:  # type: ignore[attr-defined]
        # The prefix's first reservation. Two at once both find no row; on PostgreSQL the
        # second insert waits for the first and then fails on the key. Create the row in a
        # savepoint (losing that race is fine), then bump it like any later reservation.
        try:
            with session.begin_nested():
                session.add(SyncCounter(name=name, value=0))
        except IntegrityError:
            pass
        session.execute(bump)
    last = int(
        session.execute(select(SyncCounter.value).where(SyncCounter.name == name)).scalar_one()
    )
    pool = NumberPool(office_id=office.id, prefix=prefix, first=last - count + 1, last=last)
    session.add(pool)
    session.flush()
    log.info("office %s: reserved %s-%d..%d", office.id, prefix, pool.first, pool.last)
    return Pool(prefix, pool.first, pool.last)
