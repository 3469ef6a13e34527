"""The accounts tests act as: each test states who is signed in (app.services.core.access)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.services.accounts.service import HeadAccount, start_as_head
from app.services.core.access import SignedIn, require
from app.services.core.db import Database
from common.vocabulary import Permission, Role

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


def granted(session: Session, permission: Permission = Permission.OFFICE_SETTINGS) -> Session:
    """A test that writes through a helper (not a command) states the grant a command
    would have checked: the session's account (the test head) may do ``permission``."""
    require(session, permission)
    return session


#: The head of office's account a test desk set up from the server gets.
HEAD_INPUT = HeadAccount("head", "مدیر آزمون", "head-password-1")


def with_head_account(db: Database) -> Database:
    """Give ``db`` the real account of HEAD_INPUT (created if it has none) and sign in
    with it: what ``daftar --user head`` (DAFTAR_PASSWORD=HEAD_INPUT.password) opens."""
    start_as_head(db, HEAD_INPUT)
    return db
