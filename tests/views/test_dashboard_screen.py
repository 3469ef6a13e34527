"""The dashboard tab: the office's figures, each one opening the list behind it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.views.context import AppContext
from app.views.dashboard import Card, DashboardScreen
from tests.views.licence_support import save_screenshot
from tests.views.test_screens import make_window

PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")


def _click(card: Card) -> None:
    point = QPointF(5, 5)
    for kind in (QMouseEvent.Type.MouseButtonPress, QMouseEvent.Type.MouseButtonRelease):
        event = QMouseEvent(
            kind,
            point,
            card.mapToGlobal(point),
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(card, event)


def test_the_figures_and_their_lists(
    qtbot: QtBot, register_ctx: AppContext, register_db: tuple[Database, OfficeInfo]
) -> None:
    window = make_window(qtbot, register_ctx, register_db)
    dashboard = window.show_tab(window.dashboard_tab)
    assert isinstance(dashboard, DashboardScreen)
    qtbot.waitUntil(lambda: dashboard.charts is not None, timeout=10_000)
    data, charts = dashboard.data, dashboard.charts
    assert data is not None and charts is not None
    register = window.register_screen
    assert register is not None
    active = data.active
    assert active > 0 and set(dashboard.active_card.value.text()) <= PERSIAN_DIGITS
    assert dashboard.title.text().startswith("پیشخوان — ")
    assert sum(bar.value for bar in dashboard.group_chart.bars()) == charts.active
    assert sum(bar.value for bar in dashboard.gender_chart.bars()) == charts.active
    assert "برای زنان" in dashboard.active_card.note.text()
    QApplication.processEvents()
    save_screenshot(window, "dashboard")

    # «مجوزهای فعال» opens the register on the active licences, as many as it said.
    _click(dashboard.active_card)
    assert window.tabs.currentIndex() == window.register_index
    assert register.status_combo.currentData() == "active"
    qtbot.waitUntil(lambda: register.model.rowCount() == active, timeout=10_000)

    # «در حال انقضا تا ۹۰ روز»: the register's expiring filter, 90 days.
    window.tabs.setCurrentIndex(window.dashboard_tab.index)
    _click(dashboard.expiring_cards[90])
    assert register.expiring_check.isChecked() and register.expiring_spin.value() == 90
    expiring = dict(data.expiring)[90]
    qtbot.waitUntil(lambda: register.model.rowCount() == expiring, timeout=10_000)

    # «صادرشده در این ماه»: a filter with no widget of its own says so and comes off.
    window.tabs.setCurrentIndex(window.dashboard_tab.index)
    _click(dashboard.issued_card)
    assert register.issued_since_button.isVisible()
    assert register.model.filter.issued_since == data.month.start
    assert not register.expiring_check.isChecked() and register.status_combo.currentData() is None
    register.issued_since_button.click()
    assert register.model.filter.issued_since is None
    assert not register.issued_since_button.isVisible()

    # The networks card shows the supporters' tab.
    window.tabs.setCurrentIndex(window.dashboard_tab.index)
    _click(dashboard.network_card)
    assert window.tabs.currentIndex() == window.supporters_tab.index
