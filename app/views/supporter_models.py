"""Item models and a chart for the supporter screens.

- :class:`SupportersModel`: the supporter list (hundreds of rows, loaded whole).
- :class:`MembersModel`: a network's memberships, counted and paged in SQL
  (:func:`app.services.supporters.service.member_page`): the first page arrives with the count,
  later pages when the view scrolls to them (``canFetchMore``/``fetchMore``), each in a
  worker, so a network of thousands paints at once.
- :class:`CoverageChart`: active members per Jalali month as bars painted with QPainter.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget
from sqlalchemy.orm import Session

from app.services.supporters import service as supporters
from app.services.supporters.service import CoveragePoint, MemberRow, SupporterRow
from app.views.context import AppContext
from common.jalali import format_jalali
from common.text import to_persian_digits
from common.vocabulary import SupporterStatus

ModelIndex = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 1
MEMBER_PAGE_SIZE = 200
OVER_COLOR = QColor("#b91c1c")
NEAR_COLOR = QColor("#b45309")
MUTED_COLOR = QColor("#6b7280")


def _tr(text: str) -> str:
    return QCoreApplication.translate("SupporterModels", text)


def fa_number(value: int) -> str:
    """A number in Persian digits."""
    return to_persian_digits(str(value))


class SupportersModel(QAbstractTableModel):
    """The rows of the supporter list."""

    COLUMNS = ("name", "kind", "id_code", "licence", "field", "county", "coverage", "status")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[SupporterRow] = []
        self._titles = (
            _tr("نام پشتیبان"),
            _tr("نوع"),
            _tr("شناسه/کد ملی"),
            _tr("شماره مجوز"),
            _tr("رشته"),
            _tr("شهرستان"),
            _tr("پوشش (فعال از ظرفیت)"),
            _tr("وضعیت"),
        )

    def set_rows(self, rows: list[SupporterRow]) -> None:
        """Show ``rows``."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_data(self, row: int) -> SupporterRow | None:
        """The supporter in ``row``."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def _cell(self, r: SupporterRow, column: int) -> str:
        key = self.COLUMNS[column]
        if key == "name":
            return r.name
        if key == "kind":
            return supporters.KIND_LABELS.get(r.kind, r.kind)
        if key == "id_code":
            return to_persian_digits(r.legal_id or r.national_id)
        if key == "licence":
            return to_persian_digits(r.licence_number)
        if key == "field":
            return r.field
        if key == "county":
            return r.county
        if key == "coverage":
            return _tr("{active} از {capacity} ({percent}٪)").format(
                active=fa_number(r.active_members),
                capacity=fa_number(r.capacity),
                percent=fa_number(r.coverage_percent),
            )
        return supporters.STATUS_LABELS.get(r.status, r.status)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        r = self.row_data(index.row())
        if r is None or not 0 <= index.column() < len(self.COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(r, index.column())
        if role == Qt.ItemDataRole.ForegroundRole:
            key = self.COLUMNS[index.column()]
            if key == "coverage" and r.active_members > r.capacity:
                return OVER_COLOR
            if key == "coverage" and r.active_members * 10 >= r.capacity * 9:
                return NEAR_COLOR
            if key == "status" and r.status == SupporterStatus.SUSPENDED:
                return OVER_COLOR
            return None
        if role == ID_ROLE:
            return r.id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._titles[section] if 0 <= section < len(self._titles) else None
        return fa_number(section + 1) if 0 <= section < len(self._rows) else None


class MembersModel(QAbstractTableModel):
    """A network's memberships (current first), paged from the database in a worker."""

    COLUMNS = ("name", "national_id", "role", "county", "joined_on", "left_on", "note")

    #: Emitted after each (re)load with the number of memberships.
    sig_loaded = Signal(int)
    #: Emitted when a load failed (the exception).
    sig_load_failed = Signal(object)

    def __init__(
        self, ctx: AppContext, parent: QObject | None = None, *, page_size: int = MEMBER_PAGE_SIZE
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._page_size = max(1, page_size)
        self._supporter_id: str | None = None
        self._total = 0
        self._rows: list[MemberRow] = []
        self._cells: list[tuple[str, ...]] = []
        self._generation = 0
        self._fetching = False
        self._titles = (
            _tr("نام و نام خانوادگی"),
            _tr("کد ملی"),
            _tr("نقش"),
            _tr("شهرستان"),
            _tr("تاریخ عضویت"),
            _tr("تاریخ خروج"),
            _tr("توضیح"),
        )

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
            total = supporters.count_members(session, supporter_id)
            return total, supporters.member_page(session, supporter_id, 0, size)

        def done(result: tuple[int, list[MemberRow]]) -> None:
            if generation != self._generation:
                return
            self.beginResetModel()
            self._total = result[0]
            self._rows = list(result[1])
            self._cells = [self._display(r) for r in self._rows]
            self._fetching = False
            self.endResetModel()
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
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @staticmethod
    def _display(r: MemberRow) -> tuple[str, ...]:
        if r.left_on is not None:
            note = _tr("خروج: {reason}").format(reason=to_persian_digits(r.leave_reason))
        elif r.override_reason:
            note = _tr("استثنا: {reason}").format(reason=to_persian_digits(r.override_reason))
        else:
            note = ""
        return (
            r.name,
            to_persian_digits(r.national_id),
            r.role_label,
            r.county,
            format_jalali(r.joined_on),
            format_jalali(r.left_on) if r.left_on else "—",
            note,
        )

    # -- paging ------------------------------------------------------------------------

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._fetching or self._supporter_id is None:
            return
        self._fetching = True
        generation = self._generation
        supporter_id, offset, size = self._supporter_id, len(self._rows), self._page_size

        def done(rows: list[MemberRow]) -> None:
            if generation != self._generation:
                return
            self._fetching = False
            rows = rows[: self._total - len(self._rows)]
            if not rows:
                return
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self._cells.extend(self._display(r) for r in rows)
            self.endInsertRows()

        self._ctx.run_op(
            lambda session: supporters.member_page(session, supporter_id, offset, size),
            done,
            self._failed,
        )

    # -- QAbstractTableModel -------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(self.COLUMNS)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[row][column]
        if role == Qt.ItemDataRole.ToolTipRole and column == len(self.COLUMNS) - 1:
            return self._cells[row][column] or None
        if role == Qt.ItemDataRole.ForegroundRole and self._rows[row].left_on is not None:
            return MUTED_COLOR
        if role == ID_ROLE:
            return self._rows[row].id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._titles[section] if 0 <= section < len(self._titles) else None
        return fa_number(section + 1) if 0 <= section < len(self._rows) else None


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
