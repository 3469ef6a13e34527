"""Event codes: ``PREFIX-E-0001``, skipping codes already taken (app.services.events.codes)."""

from __future__ import annotations

from app.services.core.db import Database
from app.services.events.codes import allocate_event_codes
from app.services.events.service import EventService
from tests.accounts_support import granted
from tests.services.events.event_support import event_input


def test_codes_skip_taken_ones(db: Database) -> None:
    with db.session() as s:
        granted(s)
        EventService(s).create(event_input(db), code="0612-E-0002")
    with db.session() as s:
        granted(s)
        assert allocate_event_codes(s, 2) == ["0612-E-0001", "0612-E-0003"]
