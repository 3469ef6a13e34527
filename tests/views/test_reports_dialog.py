"""«گزارش‌ها ← گزارش دوره‌ای…» (app.views.reports_dialog): choose a period, see the report's
pages, save it; the menu action opens it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from pytestqt.qtbot import QtBot

from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.views.context import AppContext
from app.views.reports_dialog import ReportsDialog
from common import jalali
from common.periods import Period
from tests.views.licence_support import issue_licence, save_screenshot


def make_dialog(qtbot: QtBot, ctx: AppContext) -> ReportsDialog:
    dialog = ReportsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def choose(dialog: ReportsDialog, period: Period) -> None:
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(period.kind))
    dialog.year_spin.setValue(period.year)
    if period.kind != "year":
        dialog.part_combo.setCurrentIndex(dialog.part_combo.findData(period.index))


def test_choose_show_and_save(
    qtbot: QtBot, ctx: AppContext, db: Database, office: OfficeInfo, tmp_path: Path
) -> None:
    detail = issue_licence(db, office)
    year, month, _day = jalali.to_jalali_tuple(detail.issue_date)
    period = Period("month", year, month)
    dialog = make_dialog(qtbot, ctx)
    # The default is last month; nothing to save before a report is shown.
    assert not dialog.save_pdf_button.isEnabled() and not dialog.save_xlsx_button.isEnabled()
    choose(dialog, period)
    assert dialog.period() == period
    dialog.show_button.click()
    qtbot.waitUntil(lambda: dialog.document.pageCount() > 0)
    assert dialog.preview is not None and dialog.preview.report.period == period
    assert "۱ مجوز صادرشده" in dialog.summary_label.text()
    assert dialog.save_xlsx_button.isEnabled()
    # Another period: the pages shown are not its report, saving waits for «نمایش».
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("year"))
    assert not dialog.part_combo.isEnabled() and not dialog.save_pdf_button.isEnabled()
    choose(dialog, period)
    dialog.show_button.click()
    qtbot.waitUntil(dialog.save_pdf_button.isEnabled)
    out = tmp_path / "report.xlsx"
    dialog.save_to(out)
    qtbot.waitUntil(lambda: dialog.saved_path == out)
    assert "report.xlsx" in dialog.summary_label.text()
    assert openpyxl.load_workbook(out)["خلاصه"]["B3"].value == 1
    dialog.resize(900, 700)
    qtbot.wait(50)
    save_screenshot(dialog, "reports-dialog")


def test_quarter_choice(qtbot: QtBot, ctx: AppContext, office: OfficeInfo) -> None:
    dialog = make_dialog(qtbot, ctx)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("quarter"))
    assert dialog.part_combo.count() == 4
    assert dialog.part_combo.itemText(2) == "فصل سوم (پاییز)"
    dialog.year_spin.setValue(1404)
    dialog.part_combo.setCurrentIndex(2)
    assert dialog.period() == Period("quarter", 1404, 3)
    assert dialog.period().start == jalali.from_jalali(1404, 7, 1)
    assert dialog.period().end - dialog.period().start == dt.timedelta(days=89)
