"""Tampering with the audit trail through a SQLite tool (its triggers dropped first) is
found, and the first bad entry named: changed, deleted, inserted, reordered, a tail cut
off or rewritten after a seal, a forged seal."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.audit.verify import FORGED_SEAL, Verdict, verify_trail
from app.services.core import audit
from app.services.core.db import Database
from common.audit_chain import (
    CHANGED,
    DELETED,
    OUT_OF_ORDER,
    REWRITTEN,
    TRUNCATED,
    ChainEntry,
    check_chain,
    entry_hash,
)
from tests.services.conftest import issue_test_licence

NATIONAL_IDS = ("0067749828", "6688356023", "2742819991", "7964877194")


@pytest.fixture
def trail(db: Database) -> Iterator[Database]:
    """A database whose trail has six entries or more (set-up, four licences, a backup)."""
    for national_id in NATIONAL_IDS:
        issue_test_licence(db, national_id)
    yield db


def tamper(path: Path, *statements: str, params: tuple[object, ...] = ()) -> None:
    """What someone with a SQLite tool can do: drop the triggers, change rows."""
    conn = sqlite3.connect(path)
    try:
        for name in ("update", "delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS audit_entry_no_{name}")
            conn.execute(f"DROP TRIGGER IF EXISTS audit_seal_no_{name}")
        for statement in statements:
            conn.execute(statement, params if "?" in statement else ())
        conn.commit()
    finally:
        conn.close()


def check(db: Database) -> Verdict:
    with db.session() as session:
        return verify_trail(session)


def rows(path: Path) -> list[ChainEntry]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        names = ", ".join(ChainEntry.__dataclass_fields__)
        found = conn.execute(f"SELECT {names} FROM audit_entry ORDER BY seq").fetchall()
        return [ChainEntry(**dict(row)) for row in found]
    finally:
        conn.close()


def test_an_untouched_trail_is_intact(trail: Database) -> None:
    verdict = check(trail)
    assert verdict.intact and verdict.entries >= 5
    assert "سالم" in verdict.message()


def test_a_changed_entry_is_named(trail: Database) -> None:
    tamper(trail.path, "UPDATE audit_entry SET actor = 'کس دیگر' WHERE seq = 3")
    verdict = check(trail)
    assert verdict.broken is not None
    assert (verdict.broken.seq, verdict.broken.kind) == (3, CHANGED)
    assert "ردیف ۳" in verdict.message() and "کس دیگر" in verdict.message()


def test_a_deleted_entry_is_named(trail: Database) -> None:
    tamper(trail.path, "DELETE FROM audit_entry WHERE seq = 3")
    broken = check(trail).broken
    assert broken is not None and (broken.seq, broken.kind) == (3, DELETED)
    assert broken.entry is not None and broken.entry.seq == 4


def test_an_entry_inserted_out_of_order_is_named(trail: Database) -> None:
    """A forged entry slipped in after entry 2 (hash made right, the later ones renumbered):
    entry 4, which was chained to the old entry 3, no longer links."""
    second = rows(trail.path)[1]
    forged = ChainEntry(**{**vars(second), "seq": 3, "summary": "ساختگی", "prev_hash": second.hash})
    forged = ChainEntry(**{**vars(forged), "hash": entry_hash(forged)})
    columns = ", ".join(ChainEntry.__dataclass_fields__)
    marks = ", ".join("?" for _ in ChainEntry.__dataclass_fields__)
    tamper(
        trail.path,
        "UPDATE audit_entry SET seq = seq + 1000 WHERE seq >= 3",
        "UPDATE audit_entry SET seq = seq - 999 WHERE seq >= 1000",
    )
    tamper(
        trail.path,
        f"INSERT INTO audit_entry ({columns}) VALUES ({marks})",
        params=tuple(vars(forged).values()),
    )
    broken = check(trail).broken
    assert broken is not None and (broken.seq, broken.kind) == (4, OUT_OF_ORDER)


def test_two_entries_swapped_are_found(trail: Database) -> None:
    tamper(
        trail.path,
        "UPDATE audit_entry SET seq = -1 WHERE seq = 2",
        "UPDATE audit_entry SET seq = 2 WHERE seq = 3",
        "UPDATE audit_entry SET seq = 3 WHERE seq = -1",
    )
    broken = check(trail).broken
    assert broken is not None and (broken.seq, broken.kind) == (2, OUT_OF_ORDER)


def test_a_tail_cut_off_after_a_seal_is_found(trail: Database) -> None:
    audit.seal(trail)
    last = rows(trail.path)[-1].seq
    tamper(trail.path, f"DELETE FROM audit_entry WHERE seq >= {last - 1}")
    broken = check(trail).broken
    assert broken is not None and (broken.seq, broken.kind) == (last - 1, TRUNCATED)


def test_a_tail_rewritten_before_a_seal_is_found(trail: Database) -> None:
    """Entry 3 changed and every later hash recomputed: only the seal can tell."""
    audit.seal(trail)
    chain = rows(trail.path)
    previous = chain[1].hash
    statements = []
    for entry in chain[2:]:
        changed = ChainEntry(
            **{
                **vars(entry),
                "prev_hash": previous,
                "summary": "بازنویسی" if entry.seq == 3 else entry.summary,
            }
        )
        previous = entry_hash(changed)
        statements.append(
            f"UPDATE audit_entry SET summary = '{changed.summary}', prev_hash = "
            f"'{changed.prev_hash}', hash = '{previous}' WHERE seq = {entry.seq}"
        )
    tamper(trail.path, *statements)
    assert check_chain(rows(trail.path), desk_id=chain[0].desk_id) is None  # self-consistent
    broken = check(trail).broken
    assert broken is not None and (broken.seq, broken.kind) == (chain[-1].seq, REWRITTEN)


def test_a_forged_seal_is_found(trail: Database) -> None:
    audit.seal(trail)
    tamper(
        trail.path,
        "UPDATE audit_seal SET seq = 2, hash = (SELECT hash FROM audit_entry WHERE seq = 2)",
    )
    broken = check(trail).broken
    assert broken is not None and broken.kind == FORGED_SEAL


def test_the_server_side_check_continues_from_what_it_holds(trail: Database) -> None:
    chain = rows(trail.path)
    desk = chain[0].desk_id
    assert check_chain(chain[3:], desk_id=desk, after=(3, chain[2].hash)) is None
    broken = check_chain(chain[3:], desk_id=desk, after=(3, "f" * 64))
    assert broken is not None and (broken.seq, broken.kind) == (4, OUT_OF_ORDER)
    broken = check_chain(chain[4:], desk_id=desk, after=(3, chain[2].hash))
    assert broken is not None and broken.kind == DELETED
