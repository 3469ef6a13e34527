"""Who is making a change (recorded in history, certificate log and imports)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.services.core.access import signed_in
from app.services.core.db import Database


def current_actor(session: Session) -> str:
    """The name of the account ``session`` acts for ("" for the system's own work)."""
    account = signed_in(session)
    return "" if account is None else account.name


def database_actor(db: Database) -> str:
    """The name of the account signed in to ``db`` ("the system" when nobody is), for
    work that is not one unit of work: backups, restores."""
    return "the system" if db.account is None else db.account.name
