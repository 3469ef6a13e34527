"""Accounts: the first head of office, signing in, and what a head does with accounts.

- :func:`create_first_head` makes the head of office's account of a database that has
  none (the first start, ``daftar setup``, or an office upgrading from a version without
  accounts); once one account exists it refuses.
- :func:`sign_in` checks a username and password (argon2id, constant time, an unknown
  name costs as long as a wrong password) and makes the account the one the database
  acts for. From the fifth failure in a row an account waits before the next try
  (doubling, up to 15 minutes); every failure is logged (``daftar.accounts``).
- :class:`AccountService`: list (anyone signed in), add, disable/enable, reset a
  password, assign a role (head only: Permission.ACCOUNTS). The last active head can be
  neither disabled nor demoted, and nobody disables themself.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Account, utcnow
from app.services.accounts.passwords import check_new_password, hash_password, needs_rehash, verify
from app.services.core.access import SignedIn, requires, signed_in, system_work
from app.services.core.db import Database
from app.services.core.office import get_setting, set_setting
from common.errors import DomainError, ValidationError, ValidationErrors
from common.text import to_persian_digits
from common.vocabulary import Permission, Role

log = logging.getLogger("daftar.accounts")

#: Failures in a row before an account has to wait; then 2**(n - FREE_FAILURES) seconds.
FREE_FAILURES = 4
MAX_WAIT = dt.timedelta(minutes=15)
_USERNAME = re.compile(r"^[\w.\-]{3,40}$")


class SignInFailed(DomainError):
    """Wrong username or password, a disabled account, or one that must wait."""


@dataclass(frozen=True)
class AccountInfo:
    """An account as the accounts screen and ``daftar user list`` show it."""

    id: str
    username: str
    display_name: str
    role: Role
    disabled: bool
    last_sign_in: dt.datetime | None

    @property
    def role_label(self) -> str:
        return self.role.label


def normalise_username(value: str) -> str:
    """The stored form of a username (trimmed, case-folded); ValidationError if unusable."""
    name = value.strip().casefold()
    if not _USERNAME.match(name):
        raise ValidationError(
            "username",
            "نام کاربری باید ۳ تا ۴۰ نویسه و فقط حرف، رقم، نقطه، خط تیره یا زیرخط باشد",
        )
    return name


def _role(value: str | Role) -> Role:
    try:
        return Role(value)
    except ValueError:
        for role in Role:
            if role.label == value:
                return role
    labels = "، ".join(role.label for role in Role)
    raise ValidationError("role", f"نقش «{value}» شناخته نشد؛ یکی از: {labels}")


def _info(row: Account) -> AccountInfo:
    return AccountInfo(
        row.id, row.username, row.display_name, Role(row.role), row.disabled, row.last_sign_in
    )


def _signed_in(row: Account) -> SignedIn:
    return SignedIn(row.id, row.username, row.display_name, Role(row.role))


def has_accounts(session: Session) -> bool:
    """Whether this database has any account yet."""
    return bool(session.scalar(select(func.count()).select_from(Account)))


def _new_account(
    session: Session, username: str, display_name: str, role: str | Role, password: str
) -> Account:
    errors: list[ValidationError] = []
    name = ""
    try:
        name = normalise_username(username)
        if session.scalar(select(Account.id).where(Account.username == name)):
            errors.append(ValidationError("username", f"نام کاربری «{name}» از قبل هست"))
    except ValidationError as exc:
        errors.append(exc)
    shown = " ".join(display_name.split())
    if not shown or len(shown) > 60:
        errors.append(
            ValidationError("display_name", "نام و نام خانوادگی را (تا ۶۰ نویسه) بنویسید")
        )
    chosen = Role.VIEWER
    try:
        chosen = _role(role)
        check_new_password(password)
    except ValidationError as exc:
        errors.append(exc)
    if errors:
        raise ValidationErrors(errors)
    row = Account(
        username=name,
        display_name=shown,
        role=chosen.value,
        password_hash=hash_password(password),
        disabled=False,
        failed_attempts=0,
    )
    session.add(row)
    session.flush()
    return row


def create_first_head(
    session: Session, username: str, display_name: str, password: str
) -> AccountInfo:
    """Create the head of office's account of a database without accounts."""
    if has_accounts(session):
        raise DomainError(
            "این دفتر حساب کاربری دارد؛ حساب تازه را مدیر اداره می‌سازد (daftar user add)."
        )
    system_work(session, "first head of office account")
    row = _new_account(session, username, display_name, Role.HEAD, password)
    log.info("first head of office account created: %s", row.username)
    return _info(row)


@dataclass(frozen=True)
class HeadAccount:
    """The head of office's account as the first start (or ``daftar setup``) asks for it."""

    username: str
    display_name: str
    password: str


def start_as_head(db: Database, head: HeadAccount) -> SignedIn:
    """Set a new database up for its head of office: create the account if the database
    has none yet, then sign in with it (SignInFailed if it exists with another password)."""
    with db.session() as session:
        if not has_accounts(session):
            create_first_head(session, head.username, head.display_name, head.password)
    return sign_in(db, head.username, head.password)


def _wait_text(until: dt.datetime, now: dt.datetime) -> str:
    seconds = max(1, int((until - now).total_seconds()))
    return to_persian_digits(str(seconds))


def _check(session: Session, username: str, password: str, now: dt.datetime) -> Account:
    """The account that ``username`` and ``password`` open (counting failures)."""
    try:
        name = normalise_username(username)
    except ValidationError:
        name = ""
    row = session.scalar(select(Account).where(Account.username == name)) if name else None
    if row is not None and row.locked_until is not None:
        until = (
            row.locked_until.replace(tzinfo=dt.UTC)
            if row.locked_until.tzinfo is None
            else row.locked_until
        )
        if until > now:
            log.warning("sign-in refused, account waiting: %s", name)
            raise SignInFailed(
                "چند بار پشت سر هم نادرست وارد شد؛ "
                f"{_wait_text(until, now)} ثانیهٔ دیگر دوباره تلاش کنید."
            )
    if not verify(row.password_hash if row is not None else None, password) or row is None:
        log.warning("failed sign-in for %r", name or username[:40])
        if row is not None:
            row.failed_attempts += 1
            over = row.failed_attempts - FREE_FAILURES
            if over > 0:
                row.locked_until = now + min(dt.timedelta(seconds=2**over), MAX_WAIT)
        raise SignInFailed("نام کاربری یا گذرواژه نادرست است.")
    if row.disabled:
        log.warning("sign-in refused, account disabled: %s", name)
        raise SignInFailed("این حساب غیرفعال شده است؛ از مدیر اداره بخواهید.")
    row.failed_attempts = 0
    row.locked_until = None
    row.last_sign_in = now
    if needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
    return row


def sign_in(
    db: Database, username: str, password: str, *, now: dt.datetime | None = None
) -> SignedIn:
    """Check ``username`` and ``password``; the account then acts for ``db``.

    A failure is committed (its count) before SignInFailed is raised."""
    moment = now or utcnow()
    failure: SignInFailed | None = None
    with db.session() as session:
        try:
            account = _signed_in(
                _check(system_work(session, "sign-in"), username, password, moment)
            )
        except SignInFailed as exc:
            failure = exc
    if failure is not None:
        raise failure
    db.account = account
    log.info("signed in: %s (%s)", account.username, account.role.value)
    return account


def confirm_password(db: Database, password: str, *, now: dt.datetime | None = None) -> SignedIn:
    """Check the signed-in account's password again (the idle lock); failures count
    like any sign-in's. SignInFailed if it is wrong (or nobody is signed in)."""
    if db.account is None:
        raise SignInFailed("کسی وارد نشده است.")
    return sign_in(db, db.account.username, password, now=now)


def sign_out(db: Database) -> None:
    """Nobody acts for ``db`` any more."""
    db.account = None


#: The office setting: minutes without input before the window locks (0: never).
IDLE_MINUTES_SETTING = "accounts.idle_minutes"
DEFAULT_IDLE_MINUTES = 10
MAX_IDLE_MINUTES = 240


def idle_minutes(session: Session) -> int:
    """Minutes without keyboard or mouse before the window locks (default 10)."""
    text = get_setting(session, IDLE_MINUTES_SETTING, str(DEFAULT_IDLE_MINUTES))
    try:
        return max(0, min(MAX_IDLE_MINUTES, int(text)))
    except ValueError:
        return DEFAULT_IDLE_MINUTES


@requires(Permission.OFFICE_SETTINGS)
def set_idle_minutes(session: Session, minutes: int) -> int:
    """Set the idle time before the window locks (0: never)."""
    if not 0 <= minutes <= MAX_IDLE_MINUTES:
        raise ValidationError("idle_minutes", "زمان قفل باید بین ۰ تا ۲۴۰ دقیقه باشد")
    set_setting(session, IDLE_MINUTES_SETTING, str(minutes))
    return minutes


class AccountService:
    """Accounts of the office, in one unit of work (``session``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def list_accounts(self) -> list[AccountInfo]:
        """Every account, heads first, then by username."""
        order = {Role.HEAD.value: 0, Role.CLERK.value: 1, Role.VIEWER.value: 2}
        rows = self.session.scalars(select(Account)).all()
        return [_info(r) for r in sorted(rows, key=lambda r: (order.get(r.role, 3), r.username))]

    def _row(self, username: str) -> Account:
        name = username.strip().casefold()
        row = self.session.scalar(select(Account).where(Account.username == name))
        if row is None:
            raise DomainError(f"حسابی با نام کاربری «{name}» نیست.")
        return row

    def _keep_a_head(self, row: Account) -> None:
        heads = self.session.scalar(
            select(func.count())
            .select_from(Account)
            .where(Account.role == Role.HEAD.value, Account.disabled.is_(False))
        )
        if row.role == Role.HEAD.value and not row.disabled and (heads or 0) <= 1:
            raise DomainError("این تنها مدیر فعال اداره است؛ نخست مدیر دیگری تعیین کنید.")

    @requires(Permission.ACCOUNTS)
    def add(self, username: str, display_name: str, role: str | Role, password: str) -> AccountInfo:
        """Add an account."""
        row = _new_account(self.session, username, display_name, role, password)
        log.info("account added: %s (%s)", row.username, row.role)
        return _info(row)

    @requires(Permission.ACCOUNTS)
    def set_disabled(self, username: str, disabled: bool = True) -> AccountInfo:
        """Disable an account (it can no longer sign in) or enable it again."""
        row = self._row(username)
        me = signed_in(self.session)
        if disabled and me is not None and me.account_id == row.id:
            raise DomainError("حساب خودتان را نمی‌توانید غیرفعال کنید.")
        if disabled:
            self._keep_a_head(row)
        row.disabled = disabled
        self.session.flush()
        log.info("account %s: %s", "disabled" if disabled else "enabled", row.username)
        return _info(row)

    @requires(Permission.ACCOUNTS)
    def reset_password(self, username: str, password: str) -> AccountInfo:
        """Give an account a new password (and let it sign in again at once)."""
        row = self._row(username)
        check_new_password(password)
        row.password_hash = hash_password(password)
        row.failed_attempts = 0
        row.locked_until = None
        self.session.flush()
        log.info("password reset: %s", row.username)
        return _info(row)

    @requires(Permission.ACCOUNTS)
    def set_role(self, username: str, role: str | Role) -> AccountInfo:
        """Assign a role."""
        row = self._row(username)
        chosen = _role(role)
        if chosen != Role.HEAD:
            self._keep_a_head(row)
        row.role = chosen.value
        self.session.flush()
        log.info("role of %s: %s", row.username, row.role)
        return _info(row)
