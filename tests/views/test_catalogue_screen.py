"""CatalogueScreen: the read-only business-field catalogue, its filters and its models."""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

from PySide6.QtCore import QCollator, Qt
from pytestqt.qtbot import QtBot

from app.services.core import reference
from app.views.bootstrap import persian_locale
from app.views.catalogue_screen import (
    COL_CODE,
    COL_NAME,
    COL_STARRED,
    STAR,
    CatalogueScreen,
)
from app.views.context import AppContext
from app.views.widgets.table_model import ROW_ID_ROLE


def make_screen(qtbot: QtBot, ctx: AppContext) -> CatalogueScreen:
    screen = CatalogueScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1000, 600)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def field_count(ctx: AppContext) -> int:
    with ctx.db.session() as session:
        return len(reference.list_fields(session))


def test_models_pass_qt_model_tester(
    qtbot: QtBot,
    qtmodeltester: Any,
    register_ctx: AppContext,
) -> None:
    screen = make_screen(qtbot, register_ctx)
    qtmodeltester.check(screen.model)
    qtmodeltester.check(screen.proxy)
    screen.filter_edit.setText("پرورش")
    screen.group_combo.setCurrentIndex(1)
    screen.table.sortByColumn(COL_NAME, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(screen.proxy)


def test_lists_the_catalogue(qtbot: QtBot, register_ctx: AppContext) -> None:
    screen = make_screen(qtbot, register_ctx)
    total = field_count(register_ctx)
    assert 200 <= total <= 400
    assert screen.proxy.rowCount() == total
    assert screen.count_label.text() == f"{screen._locale.toString(total)} رشته"
    headers = [screen.proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(6)]
    assert headers == ["کد", "نام رشته", "گروه", "دستگاه تأییدکننده", STAR, "کد آیسیک"]
    first_code = screen.proxy.index(0, COL_CODE).data()
    assert first_code == "۰۱۰۰۰۱"  # sorted by code, Persian digits
    stars = {screen.proxy.index(r, COL_STARRED).data() for r in range(total)}
    assert stars == {STAR, ""}
    assert screen.proxy.index(0, 0).data(ROW_ID_ROLE)
    assert screen.group_combo.itemText(0) == "همه گروه‌ها"
    assert screen.group_combo.count() > 5
    note = screen.findChild(object, "catalogueNote")
    assert note is not None and "فقط‌خواندنی" in note.text()


def test_filter_by_text_and_group(qtbot: QtBot, register_ctx: AppContext) -> None:
    screen = make_screen(qtbot, register_ctx)
    total = screen.proxy.rowCount()
    screen.filter_edit.setText("زنبور")
    bees = screen.proxy.rowCount()
    assert 0 < bees < total
    for row in range(bees):
        assert "زنبور" in screen.proxy.index(row, COL_NAME).data()
    assert screen.count_label.text().endswith(f"از {screen._locale.toString(total)} رشته")
    screen.filter_edit.setText("۰۱۰۰۰۱")  # a code, in Persian digits
    assert screen.proxy.rowCount() == 1
    screen.filter_edit.setText("پرورش كرم")  # two words, Arabic kaf
    assert all(
        "کرم" in screen.proxy.index(r, COL_NAME).data() for r in range(screen.proxy.rowCount())
    )
    screen.filter_edit.clear()
    assert screen.proxy.rowCount() == total
    screen.group_combo.setCurrentIndex(2)
    group_name = screen.group_combo.currentText()
    in_group = screen.proxy.rowCount()
    assert 0 < in_group < total
    assert all(screen.proxy.index(r, 2).data() == group_name for r in range(in_group))


def test_sorting_by_name(qtbot: QtBot, register_ctx: AppContext) -> None:
    screen = make_screen(qtbot, register_ctx)
    screen.table.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
    names = [screen.proxy.index(r, COL_NAME).data() for r in range(screen.proxy.rowCount())]
    collator = QCollator(persian_locale())
    assert names == sorted(names, key=cmp_to_key(collator.compare))
    assert names[0].startswith("آ")
