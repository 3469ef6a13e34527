"""The table model of the facility case list: columns declared once."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QColor

from app.services.facilities.records import FacilityRow
from app.views.widgets.table_model import Column, ColumnTableModel
from common.text import format_tomans
from common.vocabulary import FacilityStage, RepaymentStatus

LATE_COLOR = QColor("#b91c1c")
DONE_COLOR = QColor("#15803d")
MUTED_COLOR = QColor("#6b7280")


def _tr(text: str) -> str:
    return QCoreApplication.translate("FacilityModels", text)


def _stage_color(row: FacilityRow) -> QColor | None:
    if row.days_late > 0:
        return LATE_COLOR
    if row.stage == FacilityStage.PAID:
        return DONE_COLOR
    if row.stage in (FacilityStage.REJECTED, FacilityStage.WITHDRAWN):
        return MUTED_COLOR
    return None


def facility_columns() -> tuple[Column[FacilityRow], ...]:
    """The columns of the case list."""
    amount = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    return (
        Column(_tr("متقاضی"), lambda r: r.supporter_name or r.holder_name, elided=True),
        Column(_tr("کد ملی"), lambda r: r.national_id, digits=True),
        Column(_tr("شماره مجوز"), lambda r: r.licence_number, digits=True),
        Column(_tr("برنامه"), lambda r: r.programme, elided=True),
        Column(
            _tr("بانک و شعبه"), lambda r: " — ".join(filter(None, (r.bank_name, r.branch_name)))
        ),
        Column(
            _tr("مبلغ درخواستی"),
            lambda r: format_tomans(r.requested_amount),
            align=amount,
            sort_key=lambda r: r.requested_amount,
        ),
        Column(
            _tr("مبلغ مصوب"),
            lambda r: format_tomans(r.approved_amount),
            align=amount,
            sort_key=lambda r: r.approved_amount or 0,
        ),
        Column(_tr("مرحله"), lambda r: r.stage_label, foreground=_stage_color),
        Column(_tr("از تاریخ"), lambda r: r.stage_on),
        Column(
            _tr("تأخیر"),
            lambda r: r.late_text,
            foreground=lambda _r: LATE_COLOR,
            sort_key=lambda r: r.days_late,
        ),
        Column(
            _tr("بازپرداخت"),
            lambda r: r.repayment_text if r.stage == FacilityStage.PAID else "",
            foreground=lambda r: (
                LATE_COLOR if r.repayment_status == RepaymentStatus.OVERDUE else None
            ),
        ),
    )


class FacilitiesModel(ColumnTableModel[FacilityRow]):
    """The case list (loaded whole for the current filters)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(facility_columns(), parent, row_id=lambda r: r.id)
