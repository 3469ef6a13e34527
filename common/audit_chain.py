"""The audit trail's hash chain: the one encoding of an entry and the one chain check.

Each desk keeps its own chain of audit entries (app.models.audit): entry ``seq`` 1, 2, 3…
with no gap, each carrying the hash of the one before (``prev_hash``; the first one
:data:`GENESIS`) and its own hash, SHA-256 over :func:`canonical` (every field but the
hash, in a fixed order, as JSON) and the previous hash. Whoever edits, deletes, inserts
or reorders an entry with a SQLite tool breaks the chain at that entry, and
:func:`check_chain` names it; whoever rewrites the whole tail from some entry on (hashes
recomputed) is caught by a seal (the chain head signed with the desk's key, see
:func:`seal_message`) made before, or by the server, which holds the entries already
pushed. The desktop app and the server check with this same code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from common.errors import DomainError
from common.rules import RULES, Context, Known, moment
from common.text import to_persian_digits

#: The ``prev_hash`` of a desk's first entry.
GENESIS = "0" * 64

#: The fields the hash covers, in the order of the canonical encoding.
HASHED_FIELDS = (
    "desk_id",
    "seq",
    "office_id",
    "at",
    "account_id",
    "actor",
    "action",
    "record_kind",
    "record_id",
    "summary",
    "detail",
    "prev_hash",
)


@dataclass(frozen=True)
class ChainEntry:
    """One audit entry as the chain sees it (``at``: ISO 8601 UTC text, as stored)."""

    desk_id: str
    seq: int
    office_id: str
    at: str
    account_id: str
    actor: str
    action: str
    record_kind: str
    record_id: str
    summary: str
    detail: str
    prev_hash: str
    hash: str = ""
    #: The append-only rows the action wrote, with their digests (:func:`rows_text`);
    #: hashed after ``prev_hash`` when not empty (entries written before it existed keep
    #: their hash).
    rows: str = ""


def canonical(entry: ChainEntry) -> bytes:
    """The bytes an entry's hash covers: its hashed fields as a JSON array."""
    values = [getattr(entry, name) for name in HASHED_FIELDS]
    if entry.rows:
        values.append(entry.rows)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(entry: ChainEntry) -> str:
    """SHA-256 (hex) of the entry's canonical encoding (which includes ``prev_hash``)."""
    return hashlib.sha256(canonical(entry)).hexdigest()


# -- the rows an entry vouches for -------------------------------------------------------

#: Synced tables whose rows never change once written: a licence's history and the
#: certificate log. Each entry names the rows of these tables its action wrote, with a
#: digest of their content, so that a row edited or deleted later with a SQLite tool is
#: found (``daftar audit verify``) and a row pushed with other content than its entry
#: vouched for is refused by the server.
APPEND_ONLY_TABLES = frozenset({"licence_history", "certificate_issue"})
#: Rows named per entry at most (an action that writes more continues in further entries).
ROWS_PER_ENTRY = 100

#: Whatever a rule needs from its context (these tables name no county and no field).
_EVERYTHING = Context(Known(counties=(), fields=()), latest_day=dt.date.max)


def _moment_text(value: Any) -> Any:
    """A point in time as UTC ISO 8601 text with microseconds (naive: UTC)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _content_value(table: str, column: str, value: Any) -> Any:
    """A column's value as the digest sees it: normalised by the column's own rule (the
    server stores rows so normalised, and a pulled row comes back so), times in UTC,
    nothing as ""."""
    rule = RULES[table][column]
    if rule is moment:
        return _moment_text(value) if value is not None else ""
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    with contextlib.suppress(DomainError):  # kept as it is: compared, not checked
        value = rule(value, column, _EVERYTHING)
    return "" if value is None else value


def row_digest(table: str, row_id: str, values: Mapping[str, Any]) -> str:
    """The digest of an append-only row's content: its table, id and every column the row
    rules know (bookkeeping columns such as ``rev`` or ``server_seq`` are not content),
    whether read from the office's database or from a pushed operation."""
    content = [
        [column, _content_value(table, column, values.get(column))]
        for column in sorted(RULES[table])
    ]
    encoded = json.dumps(
        [table, row_id.lower(), content], ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:40]


def rows_text(rows: Iterable[tuple[str, str, str]]) -> str:
    """(table, row id, digest) triples as an entry's ``rows`` ("" for none)."""
    listed = [list(row) for row in rows]
    return json.dumps(listed, separators=(",", ":")) if listed else ""


def parse_rows(text: str) -> list[tuple[str, str, str]]:
    """An entry's ``rows`` back as triples (a malformed text: none; its hash breaks)."""
    if not text:
        return []
    try:
        listed = json.loads(text)
    except ValueError:
        return []
    if not isinstance(listed, list):
        return []
    return [
        (str(item[0]), str(item[1]), str(item[2]))
        for item in listed
        if isinstance(item, list) and len(item) == 3
    ]


def seal_message(desk_id: str, seq: int, head_hash: str) -> bytes:
    """What a seal signs: the desk, the seq of its chain head and that entry's hash."""
    return f"daftar-audit-seal\n{desk_id}\n{seq}\n{head_hash}".encode()


#: Why a chain is broken (the ``kind`` of a :class:`ChainBreak`).
CHANGED = "changed"
DELETED = "deleted"
OUT_OF_ORDER = "out_of_order"
TRUNCATED = "truncated"
REWRITTEN = "rewritten"


@dataclass(frozen=True)
class ChainBreak:
    """The first place a chain is broken: ``seq`` the entry named (for a deleted or
    truncated tail, the first one missing), ``entry`` the one found there (None when
    there is none), ``kind`` one of the constants above, ``reason`` a Persian sentence."""

    desk_id: str
    seq: int
    kind: str
    reason: str
    entry: ChainEntry | None = None


@dataclass(frozen=True)
class SealedHead:
    """A seal whose signature has been checked: the chain had ``hash`` at ``seq``."""

    seq: int
    hash: str


def _fa(number: int) -> str:
    return to_persian_digits(str(number))


def check_chain(
    entries: Iterable[ChainEntry],
    *,
    desk_id: str,
    after: tuple[int, str] = (0, GENESIS),
    seals: Sequence[SealedHead] = (),
) -> ChainBreak | None:
    """Check one desk's entries, in the order stored (by seq, then by row): None when the
    chain is intact, else its first break.

    ``after`` is (seq, hash) of the entry just before the first one given (the server
    checks a pushed batch against the last entry it holds). ``seals`` are signed heads
    the chain must still hold: an entry whose hash differs from the sealed one means the
    chain was rewritten from there on; a seal beyond the last entry means the tail after
    it was cut off.
    """
    expected_seq, previous = after[0] + 1, after[1]
    by_seq: dict[int, ChainEntry] = {}
    last: ChainEntry | None = None
    for entry in entries:
        if entry.desk_id != desk_id:
            return ChainBreak(desk_id, entry.seq, OUT_OF_ORDER, "این ردیف از میز دیگری است.", entry)
        if entry.seq < expected_seq:
            return ChainBreak(
                desk_id,
                entry.seq,
                OUT_OF_ORDER,
                f"ردیف {_fa(entry.seq)} دو بار آمده است: ردیفی بیرون از ترتیب افزوده شده است.",
                entry,
            )
        if entry.seq > expected_seq:
            missing = (
                f"ردیف {_fa(expected_seq)}"
                if entry.seq == expected_seq + 1
                else f"ردیف‌های {_fa(expected_seq)} تا {_fa(entry.seq - 1)}"
            )
            return ChainBreak(desk_id, expected_seq, DELETED, f"{missing} پاک شده است.", entry)
        if entry.prev_hash != previous:
            return ChainBreak(
                desk_id,
                entry.seq,
                OUT_OF_ORDER,
                "این ردیف به ردیف پیش از خود زنجیر نشده است: "
                "ردیفی جابه‌جا، افزوده یا جایگزین شده است.",
                entry,
            )
        if entry_hash(entry) != entry.hash:
            return ChainBreak(
                desk_id,
                entry.seq,
                CHANGED,
                "محتوای این ردیف پس از ثبت تغییر کرده است (چکیدهٔ آن نمی‌خواند).",
                entry,
            )
        by_seq[entry.seq] = entry
        previous, expected_seq, last = entry.hash, entry.seq + 1, entry
    for seal in sorted(seals, key=lambda s: s.seq):
        if seal.seq <= after[0]:
            continue
        found = by_seq.get(seal.seq)
        if found is None:
            return ChainBreak(
                desk_id,
                (last.seq + 1) if last is not None else after[0] + 1,
                TRUNCATED,
                f"ردیف‌های پس از {_fa(last.seq if last else after[0])} پاک شده‌اند "
                f"(مهر امضاشده تا ردیف {_fa(seal.seq)} را دیده بود).",
                None,
            )
        if found.hash != seal.hash:
            return ChainBreak(
                desk_id,
                seal.seq,
                REWRITTEN,
                "زنجیره تا این ردیف از نو نوشته شده است: با مهر امضاشده نمی‌خواند.",
                found,
            )
    return None
