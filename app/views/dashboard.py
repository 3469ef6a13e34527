"""The dashboard (پیشخوان): the office's key figures this Jalali month, each one a way into
the list behind it.

Cards: active licences; issued this month against last month and the same month last year;
expiring within 30, 60 and 90 days; networks; events this month; facility cases; market
access. Bars: active licences by field group, by gender, by county (a province office)
and facility cases by bank. A card or a county's bar opens the register filtered to it
(``sig_register_requested``) or the screen of its records (``sig_screen_requested``: the
main window shows them). Counted off the GUI thread (app.services.reports.dashboard), in
two parts: the cards at once (index lookups), then the bars (the report's scan of the
licences); it reloads itself when records change while it is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QMouseEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.services.licences.register import RegisterFilter
from app.services.reports.dashboard import (
    DashboardCards,
    DashboardCharts,
    dashboard_cards,
    dashboard_charts,
)
from app.views.context import AppContext
from app.views.errors import show_error
from app.views.widgets.bar_chart import Bar, BarChart
from common.text import format_tomans, group_thousands, to_persian_digits
from common.vocabulary import FacilityStage

#: Screens a card opens besides the register (the main window's tabs).
SUPPORTERS, EVENTS, FACILITIES, MARKETS = "supporters", "events", "facilities", "markets"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Dashboard", text)


def _n(value: int) -> str:
    return group_thousands(value)


def _percent(fraction: float) -> str:
    return f"{to_persian_digits(str(round(100 * fraction)))}٪"


def _change(now: int, before: int) -> str:
    """«۱۲٪ بیشتر» / «۵٪ کمتر» / «برابر» (no minus sign to misread right to left)."""
    if before == 0:
        return _tr("—") if now == 0 else _tr("تازه")
    delta = (now - before) / before
    if abs(delta) < 0.005:
        return _tr("برابر")
    word = _tr("بیشتر") if delta > 0 else _tr("کمتر")
    return f"{_percent(abs(delta))} {word}"


class Card(QFrame):
    """One figure: a caption, a large number and a line below; clickable when it leads
    somewhere."""

    def __init__(self, caption: str, on_click: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("dashboardCard")
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: palette(placeholder-text);")
        self.value = QLabel("…")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.9)
        font.setBold(True)
        self.value.setFont(font)
        self.note = QLabel()
        self.note.setWordWrap(True)
        # Digits alone have no direction: keep every line on the reading side.
        reading_side = QStyle.visualAlignment(
            QGuiApplication.layoutDirection(), Qt.AlignmentFlag.AlignLeading
        )
        for label in (self.caption, self.value, self.note):
            label.setAlignment(reading_side | Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.note)
        self._on_click = on_click
        if on_click is not None:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.setToolTip(_tr("برای دیدن فهرست کلیک کنید"))

    def show_figure(self, value: str, note: str = "") -> None:
        self.value.setText(value)
        self.note.setText(note)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._on_click is not None and event.button() == Qt.MouseButton.LeftButton:
            self._on_click()


class DashboardScreen(QWidget):
    """The dashboard tab."""

    #: Open the register with this filter (a RegisterFilter).
    sig_register_requested = Signal(object)
    #: Show another screen (SUPPORTERS, EVENTS, FACILITIES, MARKETS).
    sig_screen_requested = Signal(str)
    #: Emitted each time the cards, then the bars, are shown (tests and the benchmark).
    sig_cards_shown = Signal()
    sig_charts_shown = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: DashboardCards | None = None
        self.charts: DashboardCharts | None = None
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(400)
        self._reload.timeout.connect(self.reload)
        self._build()
        ctx.signals.sig_records_changed.connect(self.on_records_changed)
        self.reload()

    # -- building -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel(_tr("پیشخوان"))
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.refresh_button = QPushButton(_tr("تازه کردن"))
        self.refresh_button.clicked.connect(self.reload)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.refresh_button)

        def register(**kw: object) -> Callable[[], None]:
            return lambda: self.sig_register_requested.emit(RegisterFilter(**kw))  # type: ignore[arg-type]

        def screen(name: str) -> Callable[[], None]:
            return lambda: self.sig_screen_requested.emit(name)

        self.active_card = Card(_tr("مجوزهای فعال"), register(status="active"))
        self.issued_card = Card(_tr("صادرشده در این ماه"), self._open_issued)
        self.expiring_cards = {
            days: Card(
                _tr("در حال انقضا تا {d} روز").format(d=to_persian_digits(str(days))),
                register(status="active", expiring_within_days=days),
            )
            for days in (30, 60, 90)
        }
        self.network_card = Card(_tr("شبکه‌های پشتیبان"), screen(SUPPORTERS))
        self.event_card = Card(_tr("رویدادهای این ماه"), screen(EVENTS))
        self.facility_card = Card(_tr("پرونده‌های تسهیلات"), screen(FACILITIES))
        self.market_card = Card(_tr("فروش و بازار"), screen(MARKETS))
        cards = QGridLayout()
        for i, card in enumerate(
            (
                self.active_card,
                self.issued_card,
                *self.expiring_cards.values(),
                self.network_card,
                self.event_card,
                self.facility_card,
                self.market_card,
            )
        ):
            cards.addWidget(card, i // 5, i % 5)

        self.group_chart = BarChart(_tr("مجوز فعالی نیست."))
        self.gender_chart = BarChart(_tr("مجوز فعالی نیست."))
        self.county_chart = BarChart(_tr("مجوز فعالی نیست."), max_bars=40)
        self.county_chart.sig_bar_clicked.connect(
            lambda county: self.sig_register_requested.emit(
                RegisterFilter(status="active", county_id=county)
            )
        )
        self.bank_chart = BarChart(_tr("پرونده تسهیلاتی نیست."))
        self.county_box = self._box(
            _tr("مجوزهای فعال در پایان ماه، به تفکیک شهرستان"), self.county_chart
        )
        charts = QGridLayout()
        charts.addWidget(
            self._box(_tr("مجوزهای فعال در پایان ماه، به تفکیک گروه رشته"), self.group_chart), 0, 0
        )
        charts.addWidget(
            self._box(_tr("مجوزهای فعال در پایان ماه، به تفکیک جنسیت"), self.gender_chart), 0, 1
        )
        charts.addWidget(self.county_box, 1, 0)
        charts.addWidget(self._box(_tr("پرونده‌های تسهیلات به تفکیک بانک"), self.bank_chart), 1, 1)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(header)
        layout.addLayout(cards)
        layout.addLayout(charts)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    @staticmethod
    def _box(title: str, chart: BarChart) -> QGroupBox:
        box = QGroupBox(title)
        QVBoxLayout(box).addWidget(chart)
        return box

    # -- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Count the figures again (in workers): the cards, then the bars."""

        def cards(session: Session) -> DashboardCards:
            return dashboard_cards(session)

        def charts(session: Session) -> DashboardCharts:
            return dashboard_charts(session)

        def shown(data: DashboardCards) -> None:
            self.on_loaded(data)
            self.ctx.run_op(charts, self.on_charts_loaded, self.on_load_failed, parent=self)

        self.ctx.run_op(cards, shown, self.on_load_failed, parent=self)

    def on_records_changed(self, _kind: str) -> None:
        if self.isVisible():
            self._reload.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.data is not None and self.data.today != dt.date.today():
            self.reload()  # shown again on another day: this month may be another

    def on_load_failed(self, exc: BaseException) -> None:
        show_error(self, exc)

    def on_loaded(self, data: DashboardCards) -> None:
        """Show the cards."""
        self.data = data
        self.title.setText(_tr("پیشخوان — {month}").format(month=data.month.label))
        self.active_card.show_figure(_n(data.active), self.active_card.note.text())
        now, last_month, last_year = data.issued
        self.issued_card.show_figure(
            _n(now),
            _tr("ماه پیش {a} ({b})؛ همین ماه پارسال {c} ({d})").format(
                a=_n(last_month),
                b=_change(now, last_month),
                c=_n(last_year),
                d=_change(now, last_year),
            ),
        )
        for days, count in data.expiring:
            self.expiring_cards[days].show_figure(_n(count))
        net = data.networks
        capacity = net.capacity[0]
        self.network_card.show_figure(
            _n(net.supporters[0]),
            _tr("{m} عضو از ظرفیت {c} ({p})").format(
                m=_n(net.members[0]),
                c=_n(capacity),
                p=_percent(net.members[0] / capacity) if capacity else _tr("—"),
            ),
        )
        held, registered, attended = data.events
        self.event_card.show_figure(
            _n(held),
            _tr("{r} ثبت‌نام، {a} حاضر ({p})").format(
                r=_n(registered),
                a=_n(attended),
                p=_percent(attended / registered) if registered else _tr("—"),
            ),
        )
        fac = data.facilities
        paid = fac.by_stage.get(FacilityStage.PAID.value, 0)
        median = (
            _tr("؛ میانه {d} روز تا پرداخت").format(d=_n(fac.median_days_to_pay))
            if fac.median_days_to_pay is not None
            else ""
        )
        self.facility_card.show_figure(
            _n(fac.total),
            _tr("{o} معطل، {p} پرداخت‌شده{m}").format(o=_n(fac.overdue), p=_n(paid), m=median),
        )
        market = data.markets
        self.market_card.show_figure(
            _n(market.holders_on_platforms),
            _tr("دارنده روی سکوهای فروش؛ {k} قرارداد خرید تضمینی{f}").format(
                k=_n(market.contracts),
                f=(
                    _tr(" (تحقق {p})").format(p=_percent(market.fulfilment))
                    if market.fulfilment is not None
                    else ""
                ),
            ),
        )
        self.bank_chart.set_bars(
            [
                Bar(
                    bank.name,
                    bank.cases,
                    shown=_tr("{n} پرونده؛ {p} پرداخت").format(
                        n=_n(bank.cases), p=format_tomans(bank.paid)
                    ),
                )
                for bank in fac.banks
            ]
        )
        self.sig_cards_shown.emit()

    def on_charts_loaded(self, charts: DashboardCharts) -> None:
        """Show the bars (and the share of women among the active licences)."""
        self.charts = charts
        figures = charts.figures
        self.active_card.note.setText(
            _tr("{n} از فعال‌های پایان ماه برای زنان").format(n=_n(charts.women))
        )
        self.group_chart.set_bars(
            [
                Bar(group, counts.active[0])
                for group, counts in sorted(figures.by_group.items(), key=lambda g: -g[1].active[0])
                if counts.active[0]
            ]
        )
        self.gender_chart.set_bars(
            [Bar(label, counts.active[0]) for label, counts in figures.by_gender.items()]
        )
        self.county_box.setVisible(charts.is_province_office)
        self.county_chart.set_bars(
            [
                Bar(line.name, line.counts.active[0], key=line.county_id)
                for line in sorted(charts.counties, key=lambda c: -c.counts.active[0])
            ]
        )
        self.sig_charts_shown.emit()

    def _open_issued(self) -> None:
        if self.data is not None:
            self.sig_register_requested.emit(
                RegisterFilter(issued_since=self.data.month.start, sort="recent")
            )
