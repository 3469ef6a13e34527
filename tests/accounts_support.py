"""The accounts tests act as: each test states who is signed in (app.services.core.access)."""

from __future__ import annotations

from app.services.core.access import SignedIn
from app.services.core.db import Database
from common.vocabulary import Role

#: The head of office most tests act as (no account row: what signing in yields).
TEST_HEAD = SignedIn("00000000-0000-0000-0000-0000000000a1", "head", "مدیر آزمون", Role.HEAD)
TEST_CLERK = SignedIn("00000000-0000-0000-0000-0000000000a2", "clerk", "کارشناس آزمون", Role.CLERK)
TEST_VIEWER = SignedIn(
    "00000000-0000-0000-0000-0000000000a3", "viewer", "مشاهده‌گر آزمون", Role.VIEWER
)


def act_as(db: Database, account: SignedIn | None = TEST_HEAD) -> Database:
    """Make ``account`` the one ``db`` acts for, as signing in would; returns ``db``."""
    db.account = account
    return db
