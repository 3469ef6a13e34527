"""``daftar audit verify`` and the screen's «بررسی زنجیره»: is this desk's trail intact?

Every desk's chain in the database is checked with the one check the server uses too
(common.audit_chain.check_chain), against the seals whose signature holds (a seal whose
signature does not is itself a sign of tampering). Then the licence-history and
certificate-log rows the entries vouch for are read again: one edited or deleted since
is named with its entry (app.services.core.audit_rows). The entries are read in pages,
never all at once.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEntry, AuditSeal, SigningKey
from app.services.audit.trail import shown_time
from app.services.core.audit import TABLE_LABELS
from app.services.core.audit_rows import first_changed_row
from common.audit_chain import ChainBreak, ChainEntry, SealedHead, check_chain, seal_message
from common.signing import load_public_key
from common.text import isolate_ltr, to_persian_digits
from common.vocabulary import AuditAction

#: Entries read from the database at a time.
PAGE = 2000
#: ``ChainBreak.kind`` of a seal whose signature does not hold.
FORGED_SEAL = "forged_seal"
#: ``ChainBreak.kind`` of a vouched-for row edited or deleted since.
ROW_CHANGED = "row_changed"
ROW_DELETED = "row_deleted"


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


def _entries(session: Session, desk: str, *, only: int | None = None) -> Iterator[ChainEntry]:
    """The desk's entries by seq (then by row), streamed :data:`PAGE` rows at a time in
    one scan (plain rows: the session keeps none of them); ``only``: the one at that seq."""
    query = select(*_CHAIN_COLUMNS).where(AuditEntry.desk_id == desk)
    if only is not None:
        query = query.where(AuditEntry.seq == only)
    result = session.execute(
        query.order_by(AuditEntry.seq, AuditEntry.id).execution_options(yield_per=PAGE)
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
        if broken is None:
            broken = _changed_row(session, desk)
        if broken is not None:
            return Verdict(entries, seals, broken)
    return Verdict(entries, seals, None)


def first_break(session: Session, desk: str, *, upto: int) -> ChainBreak | None:
    """The first break of the desk's chain among its entries up to seq ``upto`` (seals
    aside): what a sync checks of the entries the server already holds."""
    held = (entry for entry in _entries(session, desk) if entry.seq <= upto)
    return check_chain(held, desk_id=desk)


def _changed_row(session: Session, desk: str) -> ChainBreak | None:
    """The first row the desk's entries vouch for that was edited or deleted since, as a
    break at its entry. Rows named before the desk's last restore may be absent: the
    backup was taken before they were written, and the next sync brings them back."""
    restored = session.scalar(
        select(func.max(AuditEntry.seq)).where(
            AuditEntry.desk_id == desk, AuditEntry.action == AuditAction.RESTORE.value
        )
    )
    vouched = session.execute(
        select(AuditEntry.seq, AuditEntry.rows)
        .where(AuditEntry.desk_id == desk, AuditEntry.rows != "")
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=PAGE)
    )
    found = first_changed_row(
        session, ((int(seq), str(rows)) for seq, rows in vouched), absent_ok_before=restored or 0
    )
    if found is None:
        return None
    entry = next(_entries(session, desk, only=found.seq), None)
    what = TABLE_LABELS.get(found.table, found.table)
    if found.deleted:
        return ChainBreak(
            desk,
            found.seq,
            ROW_DELETED,
            f"ردیف «{what}» که این رویداد ثبت کرده بود پاک شده است "
            f"(شناسه {isolate_ltr(found.row_id)}).",
            entry,
        )
    return ChainBreak(
        desk,
        found.seq,
        ROW_CHANGED,
        f"ردیف «{what}» که این رویداد ثبت کرده بود پس از ثبت تغییر کرده است "
        f"(شناسه {isolate_ltr(found.row_id)}).",
        entry,
    )
