"""Item models and a chart for the supporter screens.

- :class:`SupportersModel`: the supporter list (hundreds of rows, loaded whole).
- :class:`MembersModel`: a network's memberships, counted and paged in SQL
  (:func:`app.services.supporters.queries.member_page`): the first page arrives with the count,
  later pages when the view scrolls to them (``canFetchMore``/``fetchMore``), each in a
  worker, so a network of thousands paints at once.
- :class:`CoverageChart`: active members per Jalali month as bars painted with QPainter.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QModelIndex, QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget
from sqlalchemy.orm import Session

from app.services.supporters.queries import count_members, member_page
from app.services.supporters.records import (
    KIND_LABELS,
    STATUS_LABELS,
    CoveragePoint,
    MemberRow,
    SupporterRow,
)
from app.views.context import AppContext
from app.views.widgets.table_model import Column, ColumnTableModel, ModelIndex
from common.text import to_persian_digits
from common.vocabulary import SupporterStatus

MEMBER_PAGE_SIZE = 200
OVER_COLOR = QColor("#b91c1c")
NEAR_COLOR = QColor("#b45309")
MUTED_COLOR = QColor("#6b7280")


def _tr(text: str) -> str:
    return QCoreApplication.translate("SupporterModels", text)


def fa_number(value: int) -> str:
    """A number in Persian digits."""
    return to_persian_digits(str(value))


def _coverage(r: SupporterRow) -> str:
    return _tr("{active} از {capacity} ({percent}٪)").format(
        active=fa_number(r.active_members),
        capacity=fa_number(r.capacity),
        percent=fa_number(r.coverage_percent),
    )


def _coverage_color(r: SupporterRow) -> QColor | None:
    if r.active_members > r.capacity:
        return OVER_COLOR
    if r.active_members * 10 >= r.capacity * 9:
        return NEAR_COLOR
    return None


def supporter_columns() -> tuple[Column[SupporterRow], ...]:
    """The columns of the supporter list."""
    return (
        Column(_tr("نام پشتیبان"), lambda r: r.name),
        Column(_tr("نوع"), lambda r: KIND_LABELS.get(r.kind, r.kind)),
        Column(_tr("شناسه/کد ملی"), lambda r: r.legal_id or r.national_id, digits=True),
        Column(_tr("شماره مجوز"), lambda r: r.licence_number, digits=True),
        Column(_tr("رشته"), lambda r: r.field),
        Column(_tr("شهرستان"), lambda r: r.county),
        Column(
            _tr("پوشش (فعال از ظرفیت)"),
            _coverage,
            foreground=_coverage_color,
        ),
        Column(
            _tr("وضعیت"),
            lambda r: STATUS_LABELS.get(r.status, r.status),
            foreground=lambda r: OVER_COLOR if r.status == SupporterStatus.SUSPENDED else None,
        ),
    )


class SupportersModel(ColumnTableModel[SupporterRow]):
    """The rows of the supporter list."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(supporter_columns(), parent, row_id=lambda r: r.id)


def _member_note(r: MemberRow) -> str:
    if r.left_on is not None:
        return _tr("خروج: {reason}").format(reason=to_persian_digits(r.leave_reason))
    if r.override_reason:
        return _tr("استثنا: {reason}").format(reason=to_persian_digits(r.override_reason))
    return ""


def member_columns() -> tuple[Column[MemberRow], ...]:
    """The columns of a network's members."""
    return (
        Column(_tr("نام و نام خانوادگی"), lambda r: r.name),
        Column(_tr("کد ملی"), lambda r: r.national_id, digits=True),
        Column(_tr("نقش"), lambda r: r.role_label),
        Column(_tr("شهرستان"), lambda r: r.county),
        Column(_tr("تاریخ عضویت"), lambda r: r.joined_on),
        Column(_tr("تاریخ خروج"), lambda r: r.left_on, empty="—"),
        Column(_tr("توضیح"), _member_note, elided=True),
    )


class MembersModel(ColumnTableModel[MemberRow]):
    """A network's memberships (current first), paged from the database in a worker."""

    #: Emitted after each (re)load with the number of memberships.
    sig_loaded = Signal(int)
    #: Emitted when a load failed (the exception).
    sig_load_failed = Signal(object)

    def __init__(
        self, ctx: AppContext, parent: QObject | None = None, *, page_size: int = MEMBER_PAGE_SIZE
    ) -> None:
        super().__init__(
            member_columns(),
            parent,
            row_id=lambda r: r.id,
            row_foreground=lambda r: MUTED_COLOR if r.left_on is not None else None,
        )
        self._ctx = ctx
        self._page_size = max(1, page_size)
        self._supporter_id: str | None = None
        self._total = 0
        self._generation = 0
        self._fetching = False

    @property
    def total(self) -> int:
        """How many memberships the network has (loaded or not)."""
        return self._total

    def load(self, supporter_id: str) -> None:
        """Show the members of ``supporter_id`` (count and first page in a worker)."""
        self._supporter_id = supporter_id
        self._generation += 1
        generation = self._generation
        size = self._page_size

        def op(session: Session) -> tuple[int, list[MemberRow]]:
            total = count_members(session, supporter_id)
            return total, member_page(session, supporter_id, 0, size)

        def done(result: tuple[int, list[MemberRow]]) -> None:
            if generation != self._generation:
                return
            self._total = result[0]
            self._fetching = False
            self.set_rows(result[1])
            self.sig_loaded.emit(self._total)

        self._ctx.run_op(op, done, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._fetching = False
        self.sig_load_failed.emit(exc)

    def refresh(self) -> None:
        """Load the same network again."""
        if self._supporter_id is not None:
            self.load(self._supporter_id)

    def member(self, row: int) -> MemberRow | None:
        """The membership in ``row``."""
        return self.row_data(row)

    # -- paging ------------------------------------------------------------------------

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.rowCount() < self._total

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._fetching or self._supporter_id is None:
            return
        self._fetching = True
        generation = self._generation
        supporter_id, offset, size = self._supporter_id, self.rowCount(), self._page_size

        def done(rows: list[MemberRow]) -> None:
            if generation != self._generation:
                return
            self._fetching = False
            self.append_rows(rows[: self._total - self.rowCount()])

        self._ctx.run_op(
            lambda session: member_page(session, supporter_id, offset, size),
            done,
            self._failed,
        )


class CoverageChart(QWidget):
    """Bars of active members per Jalali month, with the capacity as a dashed line.

    Drawn right to left like the rest of the app: the latest month is on the left.
    """

    BAR_COLOR = QColor("#2e7d32")
    OVER_COLOR = QColor("#c62828")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._points: list[CoveragePoint] = []
        self._capacity = 0
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, points: list[CoveragePoint], capacity: int) -> None:
        """Show ``points`` (oldest first) against ``capacity``."""
        self._points = list(points)
        self._capacity = capacity
        self.update()

    def points(self) -> list[CoveragePoint]:
        """The points shown."""
        return list(self._points)

    def sizeHint(self) -> QSize:
        return QSize(640, 260)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.palette().base())
        metrics = self.fontMetrics()
        line_h = metrics.height()
        left, right = 8.0, 48.0  # the scale stands on the reading (right) side
        top, bottom = line_h * 2 + 10.0, line_h * 2 + 10.0
        width = max(1.0, self.width() - left - right)
        height = max(1.0, self.height() - top - bottom)
        if not self._points:
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, _tr("هنوز عضوی ثبت نشده است")
            )
            painter.end()
            return
        peak = max([p.active for p in self._points] + [self._capacity, 1])
        scale = height / peak
        axis = QPen(MUTED_COLOR)
        painter.setPen(axis)
        base_y = top + height
        painter.drawLine(int(left), int(base_y), int(left + width), int(base_y))
        for value in (0, peak // 2, peak):
            y = base_y - value * scale
            painter.drawText(
                QRectF(left + width + 4, y - line_h / 2, right - 6, line_h),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                fa_number(value),
            )
        slot = width / len(self._points)
        bar_w = max(2.0, slot * 0.6)
        label_every = max(1, int(metrics.horizontalAdvance("۱۴۰۴/۰۸") * 1.2 // slot) + 1)
        count = len(self._points)
        for i, point in enumerate(self._points):
            # Right to left: the oldest month on the right, the latest on the left.
            x = left + (count - 1 - i) * slot + (slot - bar_w) / 2
            h = point.active * scale
            color = self.OVER_COLOR if self._capacity and point.active > self._capacity else None
            painter.fillRect(QRectF(x, base_y - h, bar_w, h), color or self.BAR_COLOR)
            if point.active:
                painter.setPen(self.palette().text().color())
                painter.drawText(
                    QRectF(x - slot, base_y - h - line_h, bar_w + 2 * slot, line_h),
                    Qt.AlignmentFlag.AlignCenter,
                    fa_number(point.active),
                )
            if (count - 1 - i) % label_every == 0:
                painter.setPen(MUTED_COLOR)
                painter.drawText(
                    QRectF(x - slot, base_y + 4, bar_w + 2 * slot, line_h),
                    Qt.AlignmentFlag.AlignCenter,
                    point.label,
                )
        if self._capacity:
            y = base_y - self._capacity * scale
            pen = QPen(self.OVER_COLOR)
            pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(int(left), int(y), int(left + width), int(y))
            painter.drawText(
                QRectF(left, 2, width, line_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                _tr("ظرفیت: {n} نفر").format(n=fa_number(self._capacity)),
            )
        painter.setPen(MUTED_COLOR)
        painter.drawText(
            QRectF(left, base_y + line_h + 6, width, line_h),
            Qt.AlignmentFlag.AlignCenter,
            _tr("اعضای فعال در هر ماه"),
        )
        painter.end()
