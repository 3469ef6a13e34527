"""Pulled rows are checked like pushed ones (trust: defence in depth).

The server validates every row it stores (common.rules); the client does
not take that on trust. Every live row a pull brings is checked and normalised with the
same rules before it is applied: a row that breaks them (a national ID with a wrong
check digit, a county this office does not know, a bidi control in a name) is not
applied, is logged, and is counted in the sync report. Columns this version does not
know (a newer server) are ignored, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import BusinessField, County
from common import jalali
from common.rules import BOOKKEEPING, RULES, Context, Known, check_row, latest_day

log = logging.getLogger("daftar.sync")

#: How far ahead a pulled "not in the future" date may be: the server already allowed
#: for the sending office's clock, so only absurd dates are refused here.
PULL_GRACE_DAYS = 31


class IncomingRows:
    """Checks pulled rows against this office's reference data."""

    def __init__(self, session: Session) -> None:
        known = Known(
            counties=frozenset(session.scalars(select(County.id))),
            fields=frozenset(session.scalars(select(BusinessField.id))),
        )
        self.context = Context(known, latest_day(jalali.today(), grace_days=PULL_GRACE_DAYS))

    def check(self, table: str, row_id: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """The row's data, normalised, or None when it breaks the rules."""
        rules = RULES.get(table)
        if rules is None:
            return dict(data)
        known = {key: value for key, value in data.items() if key in rules or key in BOOKKEEPING}
        result = check_row(table, known, self.context)
        if not result.ok:
            log.warning("pull: %s %s refused: %s", table, row_id, result.reason())
            return None
        return {**known, **result.values}
