"""Staff accounts reach every desk of their office, and no other office (issue 13).

Two desks of one office are two databases set up from the in-process server with two
tokens of that office; a third office (same county) must never see their accounts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.models import Account, OutboxOperation, SyncConflict
from app.models.sync import OUTBOX_QUARANTINED
from app.services.accounts.service import (
    AccountService,
    HeadAccount,
    SignInFailed,
    confirm_password,
    sign_in,
)
from app.services.core.access import SignedIn, system_work
from app.services.core.backup import write_backup
from app.services.core.db import Database, open_database
from app.services.core.outbox import insert_record
from app.services.core.restore import restore_database
from app.services.sync.client import run_sync
from app.services.sync.errors import SyncError
from app.services.sync.review import KEEP_MINE, SyncReviewService
from app.services.sync.setup import setup_from_server
from app.services.sync.transport import Transport
from common.vocabulary import Role
from server.models import Record
from server.offices import get_office, issue_token
from tests.accounts_support import HEAD_INPUT
from tests.server_fixtures import Enrolled

BASE = "http://localhost"
CLERK_PASSWORD = "clerk-password-1"


class Desk:
    """One desk (database) of an office."""

    def __init__(self, db: Database, transport: Transport) -> None:
        self.db = db
        self.transport = transport

    def sync(self) -> Any:
        return run_sync(self.db, transport=self.transport)

    def accounts(self) -> dict[str, tuple[str, bool]]:
        with self.db.session() as session:
            return {
                a.username: (a.role.value, a.disabled)
                for a in AccountService(session).list_accounts()
            }


@pytest.fixture
def desk_factory(
    client: TestClient, engine: Engine, enrol: Callable[..., Enrolled], tmp_path: Path
) -> Iterator[Callable[..., Desk]]:
    """``desk_factory(name, office=None, head=HEAD_INPUT, recovery=False)``: a desk of a
    new office (``office=None``), or another desk of ``office`` (an Enrolled) with a token
    of its own."""
    opened: list[Database] = []

    def make(
        name: str,
        office: Enrolled | None = None,
        *,
        head: HeadAccount = HEAD_INPUT,
        recovery: bool = False,
    ) -> Desk:
        if office is None:
            office = enrol("تهران", "شمیرانات", f"اداره {name}")
            token = office.token
        else:
            with Session(engine) as session:
                token = issue_token(
                    session, get_office(session, office.office_id), recovery=recovery
                )
                session.commit()
        transport = Transport(BASE, token, client=client)
        db, _report = setup_from_server(
            tmp_path / f"{name}.sqlite3", BASE, token, transport=transport, head=head
        )
        opened.append(db)
        desk = Desk(db, transport)
        desk.enrolled = office  # type: ignore[attr-defined]
        return desk

    yield make
    for db in opened:
        db.close()


def _add_clerk(desk: Desk, name: str = "sara") -> None:
    with desk.db.session() as session:
        AccountService(session).add(name, "سارا احمدی", Role.CLERK, CLERK_PASSWORD)


def test_an_account_added_on_one_desk_signs_in_on_the_other_after_sync(
    desk_factory: Callable[..., Desk], engine: Engine
) -> None:
    a = desk_factory("a")
    b = desk_factory("b", a.enrolled)  # type: ignore[attr-defined]
    # B joined with the office's existing head account (no second head was made).
    assert b.accounts() == {"head": ("head", False)}
    assert b.db.account is not None and b.db.account.username == "head"
    _add_clerk(a)
    with pytest.raises(SignInFailed):
        sign_in(b.db, "sara", CLERK_PASSWORD)
    a.sync()
    b.sync()
    assert b.accounts()["sara"] == ("clerk", False)
    assert sign_in(b.db, "sara", CLERK_PASSWORD).role == Role.CLERK
    # The hash travelled; the failed sign-in count did not.
    with Session(engine) as server:
        row = server.scalars(select(Record).where(Record.table_name == "account")).all()
    assert len(row) == 2 and all("failed_attempts" not in r.data for r in row)
    assert all(r.owner_office == a.enrolled.office_id for r in row)  # type: ignore[attr-defined]


def test_disable_and_role_change_on_one_desk_take_effect_on_the_other(
    desk_factory: Callable[..., Desk],
) -> None:
    a = desk_factory("a")
    _add_clerk(a)
    a.sync()
    b = desk_factory("b", a.enrolled)  # type: ignore[attr-defined]
    signed: SignedIn = sign_in(b.db, "sara", CLERK_PASSWORD)
    assert signed.role == Role.CLERK
    with a.db.session() as session:
        AccountService(session).set_role("sara", Role.VIEWER)
    a.sync()
    b.sync()
    # The session open on B takes the new role at its next unlock.
    assert confirm_password(b.db, CLERK_PASSWORD).role == Role.VIEWER
    with a.db.session() as session:
        AccountService(session).set_disabled("sara")
    a.sync()
    b.sync()
    with pytest.raises(SignInFailed, match="غیرفعال"):
        confirm_password(b.db, CLERK_PASSWORD)
    assert b.accounts()["sara"] == ("viewer", True)


def test_a_desk_with_the_wrong_password_of_an_existing_account_is_not_set_up(
    desk_factory: Callable[..., Desk], tmp_path: Path
) -> None:
    a = desk_factory("a")
    with pytest.raises(SignInFailed):
        desk_factory("b", a.enrolled, head=HeadAccount("head", "x", "wrong-password-9"))  # type: ignore[attr-defined]
    assert not (tmp_path / "b.sqlite3").exists()


def test_the_same_username_made_offline_on_two_desks_is_one_conflict_each(
    desk_factory: Callable[..., Desk],
) -> None:
    a = desk_factory("a")
    b = desk_factory("b", a.enrolled)  # type: ignore[attr-defined]
    _add_clerk(a)
    _add_clerk(b)
    a.sync()
    b.sync()
    a.sync()
    for desk in (a, b):
        with desk.db.session() as session:
            conflicts = session.scalars(select(SyncConflict)).all()
            assert [(c.table_name, c.field, c.kind) for c in conflicts] == [
                ("account", "username", "duplicate")
            ]
            views = SyncReviewService(session).conflicts()
            assert len(views) == 1 and "حساب کاربری" in views[0].theirs
            assert "نام کاربری دیگری" in views[0].description
            # The desk's own "sara" still signs in.
            assert session.scalar(select(Account.id).where(Account.username == "sara"))
    assert sign_in(b.db, "sara", CLERK_PASSWORD).role == Role.CLERK
    # The head resolves it at each desk.
    sign_in(a.db, "head", HEAD_INPUT.password)
    with a.db.session() as session:
        review = SyncReviewService(session)
        review.resolve(review.conflicts()[0].id, KEEP_MINE)
    with a.db.session() as session:
        assert SyncReviewService(session).conflicts() == []


def test_another_office_never_receives_the_accounts(
    desk_factory: Callable[..., Desk], enrol: Callable[..., Enrolled], client: TestClient
) -> None:
    a = desk_factory("a")
    _add_clerk(a)
    a.sync()
    other = desk_factory("other")  # same county, another office
    other.sync()
    assert other.accounts() == {"head": ("head", False)}
    with other.db.session() as session:
        ids = set(session.scalars(select(Account.id)))
    with a.db.session() as session:
        assert not ids & set(session.scalars(select(Account.id)))
    # A province office above them sees none either.
    province = enrol("تهران", None, "اداره استان")
    page = client.get("/v1/pull", params={"since": 0}, headers=province.headers).json()
    assert not [c for c in page["changes"] if c["table"] == "account"]


def test_a_clerk_changing_accounts_is_refused_by_the_server(
    desk_factory: Callable[..., Desk],
) -> None:
    """A desk whose client lets a clerk write an account (a patched app) is refused."""
    a = desk_factory("a")
    _add_clerk(a)
    a.sync()
    with a.db.session() as session:
        clerk = session.scalar(select(Account).where(Account.username == "sara"))
        assert clerk is not None
        clerk_id, clerk_hash = clerk.id, clerk.password_hash
    # The clerk's session writes a head account behind the services' back.
    a.db.account = SignedIn(clerk_id, "sara", "سارا احمدی", Role.CLERK)
    with a.db.session() as session:
        insert_record(
            system_work(session, "test: a patched client"),
            Account(
                username="mallory",
                display_name="مالوری",
                role=Role.HEAD.value,
                password_hash=clerk_hash,
                disabled=False,
                failed_attempts=0,
            ),
        )
    a.sync()  # a clerk may sync
    with a.db.session() as session:
        refused = session.scalars(
            select(OutboxOperation).where(OutboxOperation.state == OUTBOX_QUARANTINED)
        ).all()
    assert [op.table_name for op in refused] == ["account"]
    assert "مدیر اداره" in refused[0].error


def test_recovery_token_creates_a_new_head_that_reaches_the_other_desks(
    desk_factory: Callable[..., Desk], tmp_path: Path
) -> None:
    a = desk_factory("a")
    # A normal token cannot make a head on an office that has accounts: it signs in.
    with pytest.raises(SignInFailed):
        desk_factory("b", a.enrolled, head=HeadAccount("boss", "رئیس تازه", "boss-password-1"))  # type: ignore[attr-defined]
    # The taken username is refused with a recovery token too.
    with pytest.raises(SyncError, match="نام کاربری"):
        desk_factory("c", a.enrolled, head=HEAD_INPUT, recovery=True)  # type: ignore[attr-defined]
    new_head = HeadAccount("boss", "رئیس تازه", "boss-password-1")
    d = desk_factory("d", a.enrolled, head=new_head, recovery=True)  # type: ignore[attr-defined]
    assert d.db.account is not None and d.db.account.role == Role.HEAD
    assert d.accounts() == {"head": ("head", False), "boss": ("head", False)}
    with d.db.session() as session:
        assert not session.scalars(
            select(OutboxOperation).where(OutboxOperation.state == OUTBOX_QUARANTINED)
        ).all()
    a.sync()
    assert sign_in(a.db, "boss", "boss-password-1").role == Role.HEAD
    # The new head can manage accounts, and the others see it.
    with d.db.session() as session:
        AccountService(session).set_disabled("head")
    d.sync()
    a.sync()
    assert a.accounts()["head"] == ("head", True)


def test_a_restore_keeps_the_current_accounts_and_their_unsent_changes(
    desk_factory: Callable[..., Desk], tmp_path: Path
) -> None:
    a = desk_factory("a")
    b = desk_factory("b", a.enrolled)  # type: ignore[attr-defined]
    _add_clerk(a)
    a.sync()
    backup = write_backup(a.db, tmp_path / "yesterday.sqlite3")
    with a.db.session() as session:
        AccountService(session).set_disabled("sara")  # not sent before the restore
    account = a.db.account
    a.db.close()
    restore_database(a.db.path, backup)
    a.db = open_database(a.db.path)
    a.db.account = account
    assert a.accounts()["sara"] == ("clerk", True)
    a.sync()
    assert a.accounts()["sara"] == ("clerk", True)  # the pull did not undo it
    b.sync()
    assert b.accounts()["sara"] == ("clerk", True)
    with a.db.session() as session:
        assert not session.scalars(
            select(OutboxOperation).where(OutboxOperation.state == OUTBOX_QUARANTINED)
        ).all()


def test_the_office_accounts_pass_the_per_scope_verification(
    desk_factory: Callable[..., Desk],
) -> None:
    """Accounts have no county scope at the server (their office owns them): the
    verification counts them by their owner on both sides, so they never look missing
    (a desk that fetched an 'empty' scope again would hide its own accounts), and an
    account deleted with a SQLite tool comes back as the server has it."""
    from app.services.core.progress import Progress
    from app.services.sync.report import SyncReport
    from app.services.sync.verify import Verifier

    a = desk_factory("a")
    _add_clerk(a)
    a.sync()

    def verify() -> SyncReport:
        report = SyncReport()
        Verifier(a.db, a.transport, Progress(), report).run()
        return report

    clean = verify()
    assert clean.scopes_checked > 0 and clean.scopes_fetched_again == 0
    assert a.accounts() == {"head": ("head", False), "sara": ("clerk", False)}
    with a.db.session() as session:
        system_work(session, "test: deleting with a SQLite tool")
        session.execute(
            Account.__table__.delete().where(Account.username == "sara")  # type: ignore[attr-defined]
        )
    assert verify().scopes_fetched_again == 1
    assert a.accounts() == {"head": ("head", False), "sara": ("clerk", False)}
