"""Per-scope counts and digests of an office's records, computed the same way by the
server and the client (docs/sync-protocol.md, "Verification").

A *scope* here is one slice of one synced table: the live records of ``table`` whose id
falls in ``bucket`` (:func:`bucket_of`, one of :data:`BUCKETS`). The table is known on
both sides; the bucket is a hash of the id, so both sides place a record in the same
scope without knowing through which county the office sees it (a holder is seen where
its licences are, a licence where its supporters are, a history entry where its licence
is: only the server works that out). A mismatch then re-pulls about one
:data:`BUCKETS`-th of one table, not the whole office.

A scope's digest is the sum, modulo 2**64, of a 64-bit hash of each live record's
(table, id, rev): independent of order, so both sides compute it from rows in any order,
and incremental (a record changing from rev r to r+1 subtracts one hash and adds
another). Tombstones and records the office no longer sees are not counted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

#: Scopes per table.
BUCKETS = 64
_MASK = (1 << 64) - 1


def bucket_of(row_id: str) -> int:
    """The bucket of a record id (stable: the id never changes)."""
    digest = hashlib.blake2b(row_id.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def row_hash(table: str, row_id: str, rev: int) -> int:
    """A live record's 64-bit hash."""
    data = f"{table}\x1f{row_id}\x1f{rev}".encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


@dataclass
class Scope:
    """One scope's count of live records and its digest."""

    count: int = 0
    digest: int = 0

    def add(self, table: str, row_id: str, rev: int) -> None:
        self.count += 1
        self.digest = (self.digest + row_hash(table, row_id, rev)) & _MASK


def digests(rows: Iterable[tuple[str, str, int]]) -> dict[tuple[str, int], Scope]:
    """Live records (table, id, rev), in any order → their scopes ((table, bucket) →
    count and digest). Empty scopes are absent."""
    scopes: dict[tuple[str, int], Scope] = {}
    for table, row_id, rev in rows:
        key = (table, bucket_of(row_id))
        scope = scopes.get(key)
        if scope is None:
            scope = scopes[key] = Scope()
        scope.add(table, row_id, rev)
    return scopes


def differing(
    ours: dict[tuple[str, int], Scope], theirs: dict[tuple[str, int], Scope]
) -> list[tuple[str, int]]:
    """The scopes whose count or digest differ (one side may lack a scope), sorted."""
    return sorted(
        key
        for key in set(ours) | set(theirs)
        if (ours.get(key) or Scope()) != (theirs.get(key) or Scope())
    )
