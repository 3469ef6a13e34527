"""The benchmarks act as a head of office, as the app would after signing in."""

from __future__ import annotations

from app.services.accounts.service import HeadAccount, start_as_head
from app.services.core.db import Database

BENCH_HEAD = HeadAccount("bench", "بنچ", "bench-password")


def as_head(db: Database) -> Database:
    """Sign in to ``db`` as the bench's head of office (made on a database without one)."""
    start_as_head(db, BENCH_HEAD)
    return db
