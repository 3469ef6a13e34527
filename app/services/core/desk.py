"""This desk: one computer's register among the desks of the office.

Each database has a desk id (setting :data:`DESK_ID_SETTING`, a random UUID given by
migration 0011 and kept by a restore: app.services.core.restore.DESK_SETTINGS). Every
local change records it with the signed-in account (app.services.core.outbox), and the
server records both for every operation it applies. The desk's name shown to people is
the computer's name.
"""

from __future__ import annotations

import platform

from sqlalchemy.orm import Session

from app.services.core.office import get_setting

DESK_ID_SETTING = "desk.id"
_CACHE = "daftar.desk_id"


def desk_id(session: Session) -> str:
    """This database's desk id (read once per unit of work)."""
    cached = session.info.get(_CACHE)
    if isinstance(cached, str):
        return cached
    value = get_setting(session, DESK_ID_SETTING)
    session.info[_CACHE] = value
    return value


def desk_name() -> str:
    """The computer's name, as people know the desk."""
    return platform.node()[:60]
