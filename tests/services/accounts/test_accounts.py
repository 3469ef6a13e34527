"""Accounts: the first head, signing in (and its failures), and a head's management."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from argon2 import PasswordHasher, Type

from app.models import Account
from app.services.accounts import passwords
from app.services.accounts.service import (
    FREE_FAILURES,
    AccountService,
    SignInFailed,
    confirm_password,
    create_first_head,
    has_accounts,
    sign_in,
)
from app.services.core.access import AccessDenied
from app.services.core.db import Database
from app.services.licences.service import LicenceService
from common.errors import DomainError, ValidationErrors
from common.vocabulary import Role
from tests.accounts_support import act_as
from tests.services.conftest import issue_test_licence

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
PASSWORD = "sahar-1405-secret"


@pytest.fixture
def office(db: Database) -> Database:
    """The office database with its head «سحر» signed in (a real account)."""
    act_as(db, None)
    with db.session() as session:
        create_first_head(session, "Sahar", "سحر کاظمی", PASSWORD)
    sign_in(db, "sahar", PASSWORD)
    return db


def _row(db: Database, username: str) -> Account:
    with db.session() as session:
        row = session.query(Account).filter_by(username=username).one()
        session.expunge(row)
        return row


def test_the_production_hash_is_argon2id_and_memory_hard() -> None:
    production = PasswordHasher()
    assert production.type is Type.ID and production.memory_cost >= 64 * 1024
    stored = passwords.hash_password("a long password")
    assert stored.startswith("$argon2id$") and "a long password" not in stored
    assert passwords.verify(stored, "a long password")
    assert not passwords.verify(stored, "a long passworD")
    assert not passwords.verify(None, "a long password")  # unknown account: dummy hash


def test_the_first_head_signs_in_and_is_recorded_as_the_actor(office: Database) -> None:
    assert office.account is not None
    assert (office.account.username, office.account.role) == ("sahar", Role.HEAD)
    licence = issue_test_licence(office)
    with office.session() as session:
        detail = LicenceService(session).suspend(licence.id, "عدم فعالیت")
        history = LicenceService(session).history(detail.id)
    assert history[0].actor == "سحر کاظمی"
    stored = _row(office, "sahar")
    assert stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
    assert stored.last_sign_in is not None


def test_a_second_first_head_is_refused(office: Database) -> None:
    with office.session() as session, pytest.raises(DomainError, match="daftar user add"):
        create_first_head(session, "other", "دیگری", PASSWORD)


def test_wrong_passwords_slow_down_and_are_logged(
    office: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "daftar.accounts")
    for attempt in range(FREE_FAILURES):
        with pytest.raises(SignInFailed, match="نادرست"):
            sign_in(office, "sahar", f"wrong-{attempt}", now=NOW)
    assert _row(office, "sahar").locked_until is None
    with pytest.raises(SignInFailed, match="نادرست"):
        sign_in(office, "sahar", "wrong-again", now=NOW)
    waiting = _row(office, "sahar")
    assert waiting.failed_attempts == FREE_FAILURES + 1 and waiting.locked_until is not None
    # Even the right password waits now…
    with pytest.raises(SignInFailed, match="ثانیهٔ دیگر"):
        sign_in(office, "sahar", PASSWORD, now=NOW)
    # …and the wait doubles with each further failure.
    later = NOW + dt.timedelta(seconds=3)
    with pytest.raises(SignInFailed, match="نادرست"):
        sign_in(office, "sahar", "still-wrong", now=later)
    row = _row(office, "sahar")
    assert row.locked_until is not None
    assert row.locked_until.replace(tzinfo=dt.UTC) - later == dt.timedelta(seconds=4)
    assert sign_in(office, "sahar", PASSWORD, now=later + dt.timedelta(seconds=5)).username
    assert _row(office, "sahar").failed_attempts == 0
    assert sum("failed sign-in" in r.message for r in caplog.records) == FREE_FAILURES + 2


def test_an_unknown_name_fails_like_a_wrong_password(office: Database) -> None:
    with pytest.raises(SignInFailed) as unknown:
        sign_in(office, "nobody", PASSWORD)
    with pytest.raises(SignInFailed) as wrong:
        sign_in(office, "sahar", "not-the-password")
    assert unknown.value.message == wrong.value.message


def test_a_head_manages_accounts(office: Database) -> None:
    with office.session() as session:
        service = AccountService(session)
        service.add("reza", "رضا امینی", "کارشناس", "reza-password")
        service.add("mina", "مینا رادمهر", Role.VIEWER, "mina-password")
        with pytest.raises(ValidationErrors) as bad:
            service.add("x", "", "مدیرکل", "short")
        assert set(bad.value.by_field()) == {"username", "display_name", "role"}
        with pytest.raises(ValidationErrors, match="از قبل هست"):
            service.add("Reza", "رضا", Role.CLERK, "reza-password")
    assert sign_in(office, "reza", "reza-password").role == Role.CLERK
    sign_in(office, "sahar", PASSWORD)
    with office.session() as session:
        service = AccountService(session)
        service.set_disabled("reza")
        service.reset_password("mina", "mina-new-password")
        service.set_role("mina", Role.CLERK)
        listed = [(a.username, a.role, a.disabled) for a in service.list_accounts()]
    assert listed == [
        ("sahar", Role.HEAD, False),
        ("mina", Role.CLERK, False),
        ("reza", Role.CLERK, True),
    ]
    with pytest.raises(SignInFailed, match="غیرفعال"):
        sign_in(office, "reza", "reza-password")
    with pytest.raises(SignInFailed):
        sign_in(office, "mina", "mina-password")
    assert sign_in(office, "mina", "mina-new-password").role == Role.CLERK


def test_a_clerk_cannot_manage_accounts(office: Database) -> None:
    with office.session() as session:
        AccountService(session).add("reza", "رضا امینی", Role.CLERK, "reza-password")
    sign_in(office, "reza", "reza-password")
    with office.session() as session, pytest.raises(AccessDenied, match="مدیریت حساب"):
        AccountService(session).set_role("reza", Role.HEAD)
    with office.session() as session:
        assert [a.username for a in AccountService(session).list_accounts()] == ["sahar", "reza"]


def test_the_last_head_stays_and_nobody_disables_themself(office: Database) -> None:
    with office.session() as session:
        service = AccountService(session)
        with pytest.raises(DomainError, match="خودتان"):
            service.set_disabled("sahar")
        with pytest.raises(DomainError, match="تنها مدیر"):
            service.set_role("sahar", Role.CLERK)
        service.add("ali", "علی نوری", Role.HEAD, "ali-password")
        service.set_role("sahar", Role.CLERK)
    assert _row(office, "sahar").role == Role.CLERK.value


def test_the_idle_lock_checks_the_signed_in_password(office: Database) -> None:
    with pytest.raises(SignInFailed):
        confirm_password(office, "not-it")
    assert confirm_password(office, PASSWORD).username == "sahar"
    act_as(office, None)
    with pytest.raises(SignInFailed):
        confirm_password(office, PASSWORD)


def test_a_new_database_has_no_account(db: Database) -> None:
    with db.session() as session:
        assert not has_accounts(session)
