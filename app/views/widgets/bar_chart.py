"""A small horizontal bar chart, drawn right to left with Persian digits.

Each bar is a label (on the reading side, the right), a bar growing leftwards and its
value in Persian digits; bars with a key are clickable (``sig_bar_clicked(key)``) and show
a hand cursor. One dark grey-blue fill with a darker edge, so the chart prints in grey as
well as on screen. Drawn with QPainter like the supporter page's coverage chart: QtCharts'
axes print Latin digits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from common.text import group_thousands

BAR_COLOR = QColor("#455a64")
EDGE_COLOR = QColor("#263238")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value, and the key a click reports ("" for none)."""

    label: str
    value: int
    key: str = ""
    #: The value as shown (default: the value in Persian digits).
    shown: str = ""


class BarChart(QWidget):
    """Horizontal bars, largest first as given; at most ``max_bars`` of them."""

    sig_bar_clicked = Signal(str)

    def __init__(self, empty_text: str, parent: QWidget | None = None, max_bars: int = 12) -> None:
        super().__init__(parent)
        self._bars: list[Bar] = []
        self._empty = empty_text
        self._max = max_bars
        self._rects: list[tuple[QRectF, str]] = []
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_bars(self, bars: Sequence[Bar]) -> None:
        self._bars = list(bars)[: self._max]
        self.updateGeometry()
        self.update()

    def bars(self) -> list[Bar]:
        return list(self._bars)

    def _row_height(self) -> int:
        return self.fontMetrics().height() + 10

    def sizeHint(self) -> QSize:
        return QSize(420, max(3, len(self._bars)) * self._row_height() + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._rects = []
        if not self._bars:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty)
            painter.end()
            return
        metrics = self.fontMetrics()
        row = self._row_height()
        label_w = min(
            self.width() * 0.45, max(metrics.horizontalAdvance(b.label) for b in self._bars) + 12
        )
        value_w = max(metrics.horizontalAdvance(self._shown(b)) for b in self._bars) + 10
        right = self.width() - label_w  # the bars start at the labels' edge and grow left
        room = max(1.0, right - value_w - 4)
        peak = max(max(b.value for b in self._bars), 1)
        text_color = self.palette().text().color()
        for i, bar in enumerate(self._bars):
            top = 4 + i * row
            painter.setPen(text_color)
            painter.drawText(
                QRectF(right + 6, top, label_w - 8, row),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(bar.label, Qt.TextElideMode.ElideLeft, int(label_w - 8)),
            )
            length = room * bar.value / peak
            rect = QRectF(right - length, top + 4, length, row - 8)
            painter.setPen(QPen(EDGE_COLOR, 1))
            painter.fillRect(rect, BAR_COLOR)
            painter.drawRect(rect)
            painter.setPen(text_color)
            painter.drawText(
                QRectF(right - length - value_w - 2, top, value_w, row),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                self._shown(bar),
            )
            if bar.key:
                self._rects.append((QRectF(0, top, self.width(), row), bar.key))
        painter.end()

    @staticmethod
    def _shown(bar: Bar) -> str:
        return bar.shown or group_thousands(bar.value)

    def _key_at(self, point: QPointF) -> str:
        return next((key for rect, key in self._rects if rect.contains(point)), "")

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hand = bool(self._key_at(event.position()))
        self.setCursor(Qt.CursorShape.PointingHandCursor if hand else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        key = self._key_at(event.position())
        if key and event.button() == Qt.MouseButton.LeftButton:
            self.sig_bar_clicked.emit(key)
