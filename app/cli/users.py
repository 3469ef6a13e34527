"""Accounts on the command line: ``daftar user add|disable|enable|reset-password|role|list``
and the sign-in every other sub-command makes (``--user NAME``; ``daftar verify`` needs
none).

The password of ``--user`` comes from ``DAFTAR_PASSWORD``, else from a prompt (never
from the command line, where other users of the computer could read it). A new account's
password (``user add``, ``user reset-password``, and the head of office's account that
``daftar init`` and ``daftar setup`` create) comes from ``DAFTAR_NEW_PASSWORD``, else
from a prompt asked twice. ``DAFTAR_USER`` is the default of ``--user`` for scripts.

A database without any account (a new one, or an office upgrading from a version
without accounts) is refused with a message naming ``daftar user add NAME --role مدیر``,
which, on such a database only, creates the head of office's account without signing in.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.common import EXIT_FAILED, EXIT_OK, err
from common.errors import DomainError

if TYPE_CHECKING:
    from app.services.accounts.service import HeadAccount
    from app.services.core.db import Database

PASSWORD_ENV = "DAFTAR_PASSWORD"
NEW_PASSWORD_ENV = "DAFTAR_NEW_PASSWORD"
USER_ENV = "DAFTAR_USER"
ROLE_HELP = "مدیر | کارشناس | مشاهده‌گر (or head | clerk | viewer)"
NO_ACCOUNT = (
    "این پایگاه داده هنوز حساب کاربری ندارد. نخست حساب مدیر اداره را بسازید: "
    "daftar user add NAME --role مدیر"
)


def add_user_option(parser: argparse.ArgumentParser) -> None:
    """``--user NAME`` (default: ``DAFTAR_USER``)."""
    parser.add_argument(
        "--user",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help=f"sign in as this account (default ${USER_ENV}; password from ${PASSWORD_ENV} "
        "or a prompt)",
    )


def add_user_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``daftar user`` sub-command."""
    p = sub.add_parser("user", help="staff accounts: add, disable, enable, reset-password, list")
    p.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="database file")
    add_user_option(p)
    p.add_argument(
        "action",
        choices=["add", "disable", "enable", "reset-password", "role", "list"],
        help="add | disable | enable | reset-password | role | list",
    )
    p.add_argument("name", nargs="?", help="the account's username")
    p.add_argument("--role", help=f"add, role: {ROLE_HELP}")
    p.add_argument("--display-name", help="add: the person's name (default: the username)")


def _user(args: argparse.Namespace) -> str:
    return str(getattr(args, "user", None) or os.environ.get(USER_ENV, "")).strip()


def _password(prompt: str) -> str:
    value = os.environ.get(PASSWORD_ENV)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise DomainError(f"گذرواژه را در ${PASSWORD_ENV} بدهید (ورودی، پایانه نیست).")
    return getpass.getpass(prompt)


def _new_password(prompt: str) -> str:
    value = os.environ.get(NEW_PASSWORD_ENV)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise DomainError(f"گذرواژهٔ حساب تازه را در ${NEW_PASSWORD_ENV} بدهید.")
    first = getpass.getpass(prompt)
    if getpass.getpass("again / تکرار: ") != first:
        raise DomainError("دو گذرواژه یکی نیستند.")
    return first


def sign_in(db: Database, args: argparse.Namespace) -> None:
    """Sign in as ``--user`` (or refuse with the reason)."""
    from app.services.accounts.service import has_accounts
    from app.services.accounts.service import sign_in as check

    with db.session() as session:
        if not has_accounts(session):
            raise DomainError(NO_ACCOUNT)
    name = _user(args)
    if not name:
        raise DomainError(
            "این دستور حساب کاربری می‌خواهد: --user NAME "
            f"(یا ${USER_ENV}؛ گذرواژه از ${PASSWORD_ENV} یا پرسیده می‌شود)."
        )
    check(db, name, _password(f"password of {name} / گذرواژه: "))


def head_from_args(args: argparse.Namespace) -> HeadAccount:
    """The head of office's account ``daftar init`` and ``daftar setup`` create."""
    from app.services.accounts.service import HeadAccount

    name = _user(args)
    if not name:
        raise DomainError(
            "حساب مدیر اداره را با --user NAME بدهید (گذرواژه از "
            f"${NEW_PASSWORD_ENV} یا ${PASSWORD_ENV}، یا پرسیده می‌شود)."
        )
    password = os.environ.get(NEW_PASSWORD_ENV) or os.environ.get(PASSWORD_ENV)
    if password is None:
        password = _new_password(f"new password of {name} / گذرواژهٔ تازه: ")
    return HeadAccount(name, getattr(args, "display_name", None) or name, password)


def start_as_head(db: Database, args: argparse.Namespace) -> None:
    """A new database: create the head of office's account (or sign in if it has one)."""
    from app.services.accounts.service import has_accounts
    from app.services.accounts.service import start_as_head as start

    with db.session() as session:
        fresh = not has_accounts(session)
    if fresh:
        start(db, head_from_args(args))
    else:
        sign_in(db, args)


def cmd_user(args: argparse.Namespace, db_path: Path) -> int:
    """``daftar user``: manage staff accounts (head of office only; ``list``: anyone)."""
    from app.services.accounts.service import AccountService, has_accounts
    from app.services.core.db import open_database

    needs_name = args.action != "list"
    if needs_name and not args.name:
        err("نام کاربری حساب را بدهید: daftar user " + args.action + " NAME")
        return EXIT_FAILED
    db = open_database(db_path, create=args.action == "add")
    try:
        with db.session() as session:
            first = not has_accounts(session)
        if first and args.action == "add":
            return _add_first_head(db, args)
        sign_in(db, args)
        with db.session() as session:
            service = AccountService(session)
            if args.action == "list":
                for account in service.list_accounts():
                    state = " (غیرفعال)" if account.disabled else ""
                    print(
                        f"{account.username}\t{account.role_label}\t{account.display_name}{state}"
                    )
                return EXIT_OK
            if args.action == "add":
                if not args.role:
                    err(f"نقش حساب را بدهید: --role {ROLE_HELP}")
                    return EXIT_FAILED
                password = _new_password(f"password of {args.name} / گذرواژه: ")
                info = service.add(args.name, args.display_name or args.name, args.role, password)
            elif args.action == "disable":
                info = service.set_disabled(args.name, True)
            elif args.action == "enable":
                info = service.set_disabled(args.name, False)
            elif args.action == "reset-password":
                info = service.reset_password(
                    args.name, _new_password(f"new password of {args.name} / گذرواژهٔ تازه: ")
                )
            else:
                if not args.role:
                    err(f"نقش تازه را بدهید: --role {ROLE_HELP}")
                    return EXIT_FAILED
                info = service.set_role(args.name, args.role)
        state = "disabled" if info.disabled else "active"
        err(f"account {info.username}: {info.role.value}, {state}")
        return EXIT_OK
    finally:
        db.close()


def _add_first_head(db: Database, args: argparse.Namespace) -> int:
    from app.services.accounts.service import create_first_head
    from common.vocabulary import Role

    role = (args.role or "").strip()
    if role not in {Role.HEAD.value, Role.HEAD.label}:
        err(f"نخستین حساب، حساب مدیر اداره است: --role {Role.HEAD.label}")
        return EXIT_FAILED
    password = _new_password(f"password of {args.name} / گذرواژه: ")
    with db.session() as session:
        info = create_first_head(session, args.name, args.display_name or args.name, password)
    err(f"account {info.username}: head of office (مدیر)")
    return EXIT_OK
