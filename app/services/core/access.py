"""Who is signed in, and what their role lets them do: the one permission check.

Every writing service command carries :func:`requires` (``@requires(Permission.REVOKE)``):
before the command runs it finds the signed-in account of its unit of work and refuses
(:class:`AccessDenied`, a Persian message) when there is none or when the account's role
(:data:`ROLE_PERMISSIONS`) does not grant the permission. The account comes from the
database the session belongs to (``Database.account``, set only by signing in:
app.services.accounts.signin), copied into each session's ``info``.

Behind the commands stands a guard on every session (:func:`guard`): a session may write
(flush changes, run INSERT/UPDATE/DELETE, or note a DB-API write) only once a command
has been granted in it, or while a command holding a grant runs in this thread (commands
that open sessions of their own, like a sync), or for the few writes the system makes
on its own behalf (:func:`system_work`: migrations' follow-ups when a database opens,
counting failed sign-ins, the first set-up before any account exists). A writing path
that forgot its permission is refused, in tests and in production alike; a viewer,
whose role grants nothing that writes, can never write.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.sql.dml import UpdateBase

from app.services.core.hooks import attach_once
from common.errors import DomainError
from common.vocabulary import Permission, Role

P = ParamSpec("P")
T = TypeVar("T")

#: Told of every outermost command about to run (permission, the command, its session if
#: it works in one, its arguments); returns what to call with the result once it has run
#: without error, or None. app.services.core.audit records commands this way.
CommandWatcher = Callable[
    [Permission, Callable[..., Any], Session | None, tuple[Any, ...]],
    Callable[[Any], None] | None,
]
_WATCHERS: list[CommandWatcher] = []


def watch_commands(watcher: CommandWatcher) -> None:
    """Have ``watcher`` told of every outermost command (once, however often asked)."""
    if watcher not in _WATCHERS:
        _WATCHERS.append(watcher)


#: What each role may do. A viewer may only sync (bring the other desks' changes and
#: send what is waiting; it changes nothing by its own hand), search and verify.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HEAD: frozenset(Permission),
    Role.CLERK: frozenset(
        {
            Permission.REGISTER,
            Permission.EDIT,
            Permission.RENEW,
            Permission.SUSPEND,
            Permission.PRINT,
            Permission.IMPORT,
            Permission.EXPORT,
            Permission.SUPPORTERS,
            Permission.EVENTS,
            Permission.BACKUP,
            Permission.SYNC,
        }
    ),
    Role.VIEWER: frozenset({Permission.SYNC}),
}

#: Keys in ``Session.info``.
_ACCOUNT = "daftar.account"
_GRANTED = "daftar.granted"
_SYSTEM = "daftar.system"
#: Grants of the commands running in this thread (for sessions they open themselves).
_RUNNING: contextvars.ContextVar[tuple[Permission, ...]] = contextvars.ContextVar(
    "daftar_running_grants", default=()
)


@dataclass(frozen=True)
class SignedIn:
    """The account a unit of work acts for."""

    account_id: str
    username: str
    display_name: str
    role: Role

    @property
    def name(self) -> str:
        """The person's name, as history and logs record it."""
        return (self.display_name or self.username)[:60]

    def may(self, permission: Permission) -> bool:
        """Whether this account's role grants ``permission``."""
        return permission in ROLE_PERMISSIONS[self.role]


class AccessDenied(DomainError):
    """The signed-in account may not do this (or nobody is signed in)."""


class NotSignedIn(AccessDenied):
    """Nobody is signed in for this unit of work."""


def refusal(account: SignedIn | None, permission: Permission) -> str:
    """Why ``account`` may not do ``permission`` ("" when it may): also the tooltip of a
    button the role may not use."""
    if account is None:
        return "برای این کار باید با حساب کاربری وارد شوید (daftar user add، سپس --user)."
    if account.may(permission):
        return ""
    return (
        f"نقش شما («{account.role.label}») اجازهٔ «{permission.label}» را نمی‌دهد؛ "
        "از مدیر اداره بخواهید."
    )


def bind(session: Session, account: SignedIn | None) -> None:
    """Make ``account`` the one ``session`` acts for (Database.session does this)."""
    session.info[_ACCOUNT] = account


def signed_in(session: Session) -> SignedIn | None:
    """The account ``session`` acts for, if any."""
    account = session.info.get(_ACCOUNT)
    return account if isinstance(account, SignedIn) else None


def require(session: Session, permission: Permission) -> SignedIn:
    """Refuse unless the account of ``session`` may do ``permission``; then record the
    grant in ``session`` (it may write) and return the account."""
    account = signed_in(session)
    check(account, permission)
    assert account is not None
    session.info.setdefault(_GRANTED, set()).add(permission)
    return account


def check(account: SignedIn | None, permission: Permission) -> None:
    """Refuse unless ``account`` may do ``permission``."""
    why = refusal(account, permission)
    if why:
        raise NotSignedIn(why) if account is None else AccessDenied(why)


def _session_of(arguments: tuple[Any, ...]) -> Session | None:
    """The Session among a command's arguments, or held as ``session`` by one."""
    for target in arguments:
        if isinstance(target, Session):
            return target
    for target in arguments:
        session = getattr(target, "session", None)
        if isinstance(session, Session):
            return session
    return None


def _account_of(arguments: tuple[Any, ...]) -> SignedIn | None:
    """The account of a Database among the arguments (or held as ``db`` by one)."""
    for target in arguments:
        for holder in (target, getattr(target, "db", None)):
            account = getattr(holder, "account", None)
            if isinstance(account, SignedIn):
                return account
    return None


def requires(
    permission: Permission, *, watched: bool = True
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Mark a service command: it runs only for an account whose role grants
    ``permission``. One of the command's arguments (``self`` for a method) is, or holds
    as ``session``, the Session it works in; or else is, or holds as ``db``, the Database
    whose signed-in account acts (then the sessions it opens may write while it runs).

    The watchers (:func:`watch_commands`: the audit trail) are told of the command when
    it is not run by another command; ``watched=False`` for a command that records
    itself (a restore, whose database is replaced under it)."""

    def decorate(command: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(command)
        def run(*args: P.args, **kwargs: P.kwargs) -> T:
            arguments = (*args, *kwargs.values())
            session = _session_of(arguments)
            if session is not None:
                require(session, permission)
            else:
                check(_account_of(arguments), permission)
            finishers = (
                [watcher(permission, command, session, arguments) for watcher in _WATCHERS]
                if watched and not _RUNNING.get()
                else []
            )
            token = _RUNNING.set((*_RUNNING.get(), permission))
            try:
                result = command(*args, **kwargs)
            finally:
                _RUNNING.reset(token)
            for finish in finishers:
                if finish is not None:
                    finish(result)
            return result

        run.__permission__ = permission  # type: ignore[attr-defined]
        run.__watched__ = watched  # type: ignore[attr-defined]
        return run

    return decorate


def permission_of(command: Any) -> Permission | None:
    """The permission a command requires (None if it is not marked)."""
    value = getattr(command, "__permission__", None)
    return value if isinstance(value, Permission) else None


def system_work(session: Session, reason: str) -> Session:
    """Let ``session`` (one unit of work) write on the system's own behalf (``reason``
    says why, for the reader): never for a clerk's command. Returns ``session``."""
    session.info[_SYSTEM] = reason
    return session


@contextlib.contextmanager
def system_writes(session: Session, reason: str) -> Iterator[Session]:
    """Let ``session`` write on the system's own behalf for the block only (the audit
    trail's entries: whatever the session was allowed before, it is again after)."""
    previous = session.info.get(_SYSTEM)
    session.info[_SYSTEM] = reason
    try:
        yield session
    finally:
        if previous is None:
            session.info.pop(_SYSTEM, None)
        else:
            session.info[_SYSTEM] = previous


def may_write(session: Session) -> bool:
    """Whether ``session`` may write now (see the module's docstring)."""
    return bool(session.info.get(_GRANTED) or _RUNNING.get() or session.info.get(_SYSTEM))


def refuse_unpermitted(session: Session) -> None:
    """Raise unless ``session`` may write now."""
    if not may_write(session):
        account = signed_in(session)
        if account is None:
            raise NotSignedIn(refusal(None, Permission.EDIT))
        raise AccessDenied(
            f"این تغییر بدون اجازهٔ نقش انجام نمی‌شود (حساب «{account.name}»، "
            f"نقش «{account.role.label}»)."
        )


def guard(factory: sessionmaker[Session]) -> None:
    """Refuse every write of a session ``factory`` makes that no grant covers."""
    attach_once(factory, "access", ("before_flush", _before_flush), ("do_orm_execute", _on_execute))


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        refuse_unpermitted(session)


def _on_execute(state: ORMExecuteState) -> None:
    if isinstance(state.statement, UpdateBase):
        refuse_unpermitted(state.session)
