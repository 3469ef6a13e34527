"""Event codes: ``PREFIX-E-0001``.

PREFIX is the office's licence prefix, plus the office's own tag once it syncs (like
certificate serials, so two offices of one county never make the same code); the local
``event_serial`` counter gives the number, skipping codes already taken.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Counter, Event
from app.services.core.office import get_setting, require_office
from common.text import normalize_text

CODE_COUNTER = "event_serial"
_CHUNK = 500


def _code_prefix(session: Session) -> str:
    office = require_office(session)
    if get_setting(session, "sync.office_id"):
        # Offices of one county share the licence prefix: add this office's own tag.
        return f"{office.licence_prefix}-{office.id.replace('-', '')[-6:].upper()}"
    return office.licence_prefix


def allocate_event_codes(session: Session, count: int) -> list[str]:
    """The next ``count`` free event codes, ``PREFIX-E-0001`` (one counter update)."""
    if count <= 0:
        return []
    prefix = _code_prefix(session)
    counter = session.get(Counter, CODE_COUNTER)
    if counter is None:
        counter = Counter(name=CODE_COUNTER, next_value=1)
        session.add(counter)
    value = counter.next_value
    result: list[str] = []
    while len(result) < count:
        wanted = [f"{prefix}-E-{value + i:04d}" for i in range(count - len(result))]
        value += len(wanted)
        taken: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            taken.update(
                session.scalars(
                    select(Event.code).where(Event.code.in_(wanted[start : start + _CHUNK]))
                )
            )
        result.extend(code for code in wanted if code not in taken)
    counter.next_value = value
    session.flush()
    return result


def normalise_code(value: str) -> str:
    """An event code as stored: normalised text, ASCII digits, upper-case Latin."""
    return normalize_text(value).replace(" ", "").upper()
