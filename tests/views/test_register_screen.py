"""RegisterScreen: search as you type, filters, opening a licence, refresh on change."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from app.services.licences.records import LicenceInput, PersonInput
from app.services.licences.register import RegisterFilter
from app.services.licences.service import LicenceService
from app.views.context import AppContext
from app.views.register_model import COL_HOLDER
from app.views.register_screen import SEARCH_DEBOUNCE_MS, RegisterScreen
from app.views.widgets.search_combo import SearchCombo
from common.vocabulary import RecordKind
from tests.views.register_support import LICENCE_COUNT, SUSPENDED_ROWS, national_id


def make_screen(qtbot: QtBot, ctx: AppContext) -> RegisterScreen:
    screen = RegisterScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1100, 600)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def test_initial_state(qtbot: QtBot, register_ctx: AppContext) -> None:
    screen = make_screen(qtbot, register_ctx)
    assert screen.model.rowCount() == LICENCE_COUNT
    assert screen.count_label.text() == "۳۰ مجوز"
    assert screen.search_edit.placeholderText() == "جستجو: نام، کد ملی، شماره مجوز یا تلفن همراه"
    assert screen.search_edit.isClearButtonEnabled()
    assert [screen.status_combo.itemText(i) for i in range(5)] == [
        "همه", "فعال", "منقضی", "معلق", "باطل",
    ]  # fmt: skip
    assert screen.field_combo.itemText(0) == "همه رشته‌ها"
    assert screen.field_combo.count() > 200
    assert screen.county_combo.itemText(0) == "همه شهرستان‌ها"
    assert screen.county_combo.count() == 449
    assert screen.expiring_spin.value() == 30 and not screen.expiring_spin.isEnabled()
    assert screen.table.isSortingEnabled()
    assert screen.table.verticalHeader().isHidden()
    assert not screen.open_button.isEnabled()


def test_search_as_you_type_is_debounced(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    screen = make_screen(qtbot, register_ctx)
    generation = screen.model.generation
    screen.search_edit.setText("ك")
    screen.search_edit.setText("كر")
    screen.search_edit.setText("كريم")  # Arabic letters, typed quickly
    assert screen.model.generation == generation  # nothing searched yet
    with qtbot.waitSignal(screen.model.sig_loaded, timeout=SEARCH_DEBOUNCE_MS * 10):
        pass
    assert screen.model.generation == generation + 1  # one search for the three keystrokes
    assert screen.count_label.text() == "۴ مجوز"
    for row in range(screen.model.rowCount()):
        assert "کریمی" in screen.model.data(screen.model.index(row, COL_HOLDER))
    screen.search_edit.clear()
    qtbot.waitUntil(lambda: screen.model.rowCount() == LICENCE_COUNT, timeout=2000)


def test_search_by_national_id_in_persian_digits(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    screen = make_screen(qtbot, register_ctx)
    persian = national_id(4).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    screen.search_edit.setText(persian)
    screen.search_edit.returnPressed.emit()  # Enter searches at once and goes to the table
    assert screen.model.rowCount() == 1
    assert screen.table.currentIndex().row() == 0
    assert screen.open_button.isEnabled()


def test_status_and_expiring_filters(qtbot: QtBot, register_ctx: AppContext) -> None:
    screen = make_screen(qtbot, register_ctx)
    filters: list[RegisterFilter] = []
    screen.sig_filter_changed.connect(filters.append)
    screen.status_combo.setCurrentIndex(screen.status_combo.findData("suspended"))
    assert screen.model.rowCount() == len(SUSPENDED_ROWS)
    assert filters[-1].status == "suspended"
    screen.status_combo.setCurrentIndex(0)
    screen.expiring_check.setChecked(True)
    assert screen.expiring_spin.isEnabled()
    assert filters[-1].expiring_within_days == 30
    screen.expiring_spin.setValue(3650)  # clamps to a year
    assert filters[-1].expiring_within_days == 365
    screen.expiring_check.setChecked(False)
    assert filters[-1].expiring_within_days is None
    assert screen.model.rowCount() == LICENCE_COUNT


def test_field_and_county_filters(qtbot: QtBot, register_ctx: AppContext) -> None:
    screen = make_screen(qtbot, register_ctx)
    row = screen.model.row_data(0)
    assert row is not None
    screen.county_combo.setCurrentIndex(screen.county_combo.findText(row.county))
    assert screen.model.filter.county_id == screen.county_combo.currentData()
    assert 0 < screen.model.rowCount() < LICENCE_COUNT
    screen.field_combo.setCurrentIndex(screen.field_combo.findText(row.field))
    assert screen.model.rowCount() >= 1
    assert screen.model.row_data(0) == row


def test_sorting_from_the_header(qtbot: QtBot, register_ctx: AppContext) -> None:
    screen = make_screen(qtbot, register_ctx)
    filters: list[RegisterFilter] = []
    screen.sig_filter_changed.connect(filters.append)
    screen.table.horizontalHeader().setSortIndicator(COL_HOLDER, Qt.SortOrder.AscendingOrder)
    assert screen.model.filter.sort == "holder"
    assert filters[-1].sort == "holder" and not filters[-1].descending


def test_open_requests(qtbot: QtBot, register_ctx: AppContext) -> None:
    screen = make_screen(qtbot, register_ctx)
    model = screen.model
    screen.table.setFocus()
    screen.table.setCurrentIndex(model.index(2, 0))
    assert screen.open_button.isEnabled()
    with qtbot.waitSignal(screen.sig_licence_open_requested) as blocker:
        qtbot.keyClick(screen.table, Qt.Key.Key_Return)
    assert blocker.args == [model.licence_id(2)]
    with qtbot.waitSignal(screen.sig_licence_open_requested) as blocker:
        screen.open_button.click()
    assert blocker.args == [model.licence_id(2)]
    rect = screen.table.visualRect(model.index(4, 1))
    # QTest's double click reaches an item view only after a first click.
    qtbot.mouseClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(screen.sig_licence_open_requested) as blocker:
        qtbot.mouseDClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [model.licence_id(4)]
    with qtbot.waitSignal(screen.sig_issue_requested):
        screen.issue_button.click()


def test_records_changed_refreshes(qtbot: QtBot, register_ctx: AppContext) -> None:
    screen = make_screen(qtbot, register_ctx)
    with register_ctx.db.session() as session:
        service = LicenceService(session)
        detail = service.get(screen.model.licence_id(0) or "")
        service.issue(
            PersonInput(national_id=national_id(77), first_name="پروین", last_name="نوری",
                        gender="F"),
            LicenceInput(kind="independent", field_id=detail.field_id,
                         county_id=detail.county_id, issue_date=dt.date.today()),
        )  # fmt: skip
    register_ctx.signals.sig_records_changed.emit("office")
    assert screen.model.rowCount() == LICENCE_COUNT
    register_ctx.signals.sig_records_changed.emit(RecordKind.LICENCES)
    assert screen.model.rowCount() == LICENCE_COUNT + 1
    assert screen.count_label.text() == "۳۱ مجوز"


def test_filter_combo_matches_normalised_text_and_keeps_an_item(qtbot: QtBot) -> None:
    combo = SearchCombo(keep_item=True)
    qtbot.addWidget(combo)
    combo.add_item("همه", None)
    combo.add_item("قالی‌بافی", "a", search_text="قالی‌بافی 020101")
    combo.add_item("کیف و کفش چرمی", "b")
    combo.add_item("نان محلی", "c")
    combo.show()
    qtbot.waitExposed(combo)
    assert combo.currentIndex() == 0 and combo.currentData() is None
    line_edit = combo.lineEdit()
    assert line_edit is not None and not line_edit.isClearButtonEnabled()
    completer = combo.completer()
    completer.setCompletionPrefix("كيف")  # Arabic kaf and yeh
    assert completer.completionCount() == 1
    completer.setCompletionPrefix("۰۲۰۱")  # the code, in Persian digits
    assert completer.completionCount() == 1
    completer.setCompletionPrefix("ی")
    assert completer.completionCount() == 3
    completer.activated[QModelIndex].emit(completer.completionModel().index(2, 0))
    assert combo.currentData() == "c" and line_edit.text() == "نان محلی"
    # Text that names no item is put back when the clerk leaves the box.
    line_edit.setText("چیزی که نیست")
    line_edit.editingFinished.emit()
    assert line_edit.text() == "نان محلی" and combo.currentData() == "c"
    assert combo.set_value("a") and combo.currentText() == "قالی‌بافی"
    assert not combo.set_value("zzz") and combo.currentData() == "a"
    assert combo.set_value(None) and combo.currentIndex() == 0
