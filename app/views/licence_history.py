"""A licence's history as the licence screen shows it: the table's columns (moment, user,
action, details, reason), with hyphenated codes isolated so a Persian line does not reverse
them (:func:`isolate_codes`, also used by the verification dialog)."""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, Qt

from app.services.licences.records import HistoryEntry
from app.views.sync_common import format_moment
from app.views.widgets.table_model import Column
from common.text import isolate_ltr, to_persian_digits


def _tr(text: str) -> str:
    return QCoreApplication.translate("LicenceDialog", text)


#: A hyphenated code (licence number ``۰۶۱۲-۰۰۰۰۰۱``, ``V20A-53CS-62NC``) inside text.
_HYPHENATED = re.compile("[0-9۰-۹A-Za-z]+(?:-[0-9۰-۹A-Za-z]+)+")


def isolate_codes(text: str) -> str:
    """Wrap hyphenated codes in LRI … PDI so that a Persian line does not reverse them.

    Without it, «شماره مجوز: ۰۶۱۲-۰۰۰۰۰۱» displays as «… ۰۰۰۰۰۱-۰۶۱۲» (persian.md).
    """
    return _HYPHENATED.sub(lambda m: isolate_ltr(m.group()), text)


def history_columns() -> tuple[Column[HistoryEntry], ...]:
    """The columns of a licence's history (text at the top of its row: lines wrap)."""
    top = Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignTop
    return (
        Column(_tr("تاریخ و ساعت"), lambda e: format_moment(e.at), align=top),
        Column(_tr("کاربر"), lambda e: e.actor, align=top),
        Column(_tr("عملیات"), lambda e: e.action_label, align=top),
        Column(
            _tr("جزئیات"),
            lambda e: "\n".join(isolate_codes(line) for line in e.lines),
            align=top,
            elided=True,
        ),
        Column(_tr("دلیل"), lambda e: isolate_codes(to_persian_digits(e.reason)), align=top),
    )
