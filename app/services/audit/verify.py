"""``daftar audit verify`` and the screen's «بررسی زنجیره»: is this desk's trail intact?

Every desk's chain in the database is checked with the one check the server uses too
(common.audit_chain.check_chain), against the seals whose signature holds (a seal whose
signature does not is itself a sign of tampering). The entries are read in pages, never
all at once.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, AuditSeal, SigningKey
from app.services.audit.trail import shown_time
from common.audit_chain import ChainBreak, ChainEntry, SealedHead, check_chain, seal_message
from common.signing import load_public_key
from common.text import to_persian_digits

#: Entries read from the database at a time.
PAGE = 2000
#: ``ChainBreak.kind`` of a seal whose signature does not hold.
FORGED_SEAL = "forged_seal"


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: ``broken`` is None when every chain is intact."""

    entries: int
    seals: int
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def message(self) -> str:
        """What the check found, in Persian."""
        if self.broken is None:
            return (
                f"زنجیرهٔ ردپای ممیزی سالم است ({to_persian_digits(str(self.entries))} ردیف، "
                f"{to_persian_digits(str(self.seals))} مهر)."
            )
        broken = self.broken
        where = f"ردیف {to_persian_digits(str(broken.seq))}"
        if broken.entry is not None and broken.entry.seq == broken.seq:
            entry = broken.entry
            who = entry.actor or "سامانه"
            where += f" (زمان {shown_time(entry.at)}، کاربر «{who}»)"
        elif broken.entry is not None:
            entry = broken.entry
            where += (
                f" (پس از آن ردیف {to_persian_digits(str(entry.seq))} آمده است، زمان "
                f"{shown_time(entry.at)}، کاربر «{entry.actor or 'سامانه'}»)"
            )
        return f"ردپای ممیزی دستکاری شده است: {where}. {broken.reason}"


#: The columns a ChainEntry has, as the table holds them.
_CHAIN_COLUMNS = [AuditEntry.__table__.c[name] for name in ChainEntry.__dataclass_fields__]


def _entries(session: Session, desk: str) -> Iterator[ChainEntry]:
    """The desk's entries by seq (then by row), streamed :data:`PAGE` rows at a time in
    one scan (plain rows: the session keeps none of them)."""
    result = session.execute(
        select(*_CHAIN_COLUMNS)
        .where(AuditEntry.desk_id == desk)
        .order_by(AuditEntry.seq, AuditEntry.id)
        .execution_options(yield_per=PAGE)
    )
    for row in result:
        values = row._mapping
        yield ChainEntry(**{name: values[name] for name in ChainEntry.__dataclass_fields__})


def _seals(session: Session, desk: str) -> tuple[list[SealedHead], ChainBreak | None]:
    """The desk's seals whose signature holds; the first forged one as a break."""
    keys = {row.key_id: row.public_key for row in session.scalars(select(SigningKey))}
    good: list[SealedHead] = []
    for seal in session.scalars(
        select(AuditSeal).where(AuditSeal.desk_id == desk).order_by(AuditSeal.seq)
    ):
        try:
            public = load_public_key(keys.get(seal.key_id, ""))
            public.verify(base64.b64decode(seal.signature), seal_message(desk, seal.seq, seal.hash))
        except (ValueError, InvalidSignature):
            return good, ChainBreak(
                desk,
                seal.seq,
                FORGED_SEAL,
                "امضای مهر زنجیره در این ردیف درست نیست: مهر ساختگی یا دستکاری شده است.",
            )
        good.append(SealedHead(seal.seq, seal.hash))
    return good, None


class _Counted:
    """Entries passed through, counted."""

    def __init__(self, entries: Iterator[ChainEntry]) -> None:
        self.entries = entries
        self.count = 0

    def __iter__(self) -> Iterator[ChainEntry]:
        for entry in self.entries:
            self.count += 1
            yield entry


def verify_trail(session: Session) -> Verdict:
    """Check the chain of every desk in the database (read only)."""
    desks = sorted(
        set(session.scalars(select(AuditEntry.desk_id).distinct()))
        | set(session.scalars(select(AuditSeal.desk_id).distinct()))
    )
    entries = seals = 0
    for desk in desks:
        sealed, forged = _seals(session, desk)
        seals += len(sealed)
        if forged is not None:
            return Verdict(entries, seals, forged)
        counter = _Counted(_entries(session, desk))
        broken = check_chain(counter, desk_id=desk, seals=sealed)
        entries += counter.count
        if broken is not None:
            return Verdict(entries, seals, broken)
    return Verdict(entries, seals, None)
