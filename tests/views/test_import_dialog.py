"""ImportDialog, export_register and export_kind: import with problems, errors, duplicates,
cancel, export; the supporters' and events' kinds through the same dialog."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.core.progress import Cancelled, Progress
from app.services.licences import io as spreadsheet
from app.services.licences.io import COLUMNS, Problem
from app.services.licences.register import RegisterFilter
from app.services.sheet_kinds import EVENTS, SUPPORTERS
from app.views import sheet_export
from app.views.context import AppContext
from app.views.import_dialog import ImportDialog, ProblemsModel
from app.views.sheet_export import export_kind, export_register, is_filtered
from app.views.widgets import messages
from app.views.widgets.form import ERROR_COLOR
from app.views.worker import TaskHandle
from common.files import TEMPORARY_PREFIX
from tests.services.conftest import template_row
from tests.views.licence_support import OTHER_VALID_NID, VALID_NID, licence_count, save_screenshot
from tests.views.register_support import LICENCE_COUNT, SUSPENDED_ROWS, national_id

HEADERS = [c.header for c in COLUMNS]
LRI, PDI = "\u2066", "\u2069"


def row(**values: str) -> list[str]:
    """A valid template row; ``values`` (by Persian header) replace the defaults."""
    return template_row(**{"کد ملی": VALID_NID, **values})


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


def mixed_csv(path: Path) -> Path:
    """Rows 2 and 4 are fine (row 4 with a postal-code warning); rows 3 and 5 are not."""
    return write_csv(
        path,
        [
            row(),
            row(**{"کد ملی": "1234567890"}),
            row(**{"کد ملی": OTHER_VALID_NID, "کد پستی": "1234567890"}),
            row(**{"کد ملی": OTHER_VALID_NID, "شهرستان": "ناکجاآباد", "نوع مجوز": "شرکتی"}),
        ],
    )


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the modal information box; record what it said."""
    said: list[str] = []
    monkeypatch.setattr(messages, "inform", lambda _parent, _title, text: said.append(text))
    return said


def make_dialog(qtbot: QtBot, context: AppContext) -> ImportDialog:
    dialog = ImportDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def records_changed(context: AppContext) -> list[str]:
    kinds: list[str] = []
    context.signals.sig_records_changed.connect(kinds.append)
    return kinds


def model_rows(model: ProblemsModel) -> list[tuple[str, str, str]]:
    return [
        tuple(  # type: ignore[misc]
            str(model.index(r, c).data()) for c in range(model.columnCount())
        )
        for r in range(model.rowCount())
    ]


def run_import(qtbot: QtBot, context: AppContext, path: Path) -> ImportDialog:
    dialog = make_dialog(qtbot, context)
    dialog.set_path(path)
    assert dialog.start_button.isEnabled()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    return dialog


def test_first_step(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = make_dialog(qtbot, ctx)
    assert dialog.windowTitle() == "ورود اطلاعات از اکسل"
    assert dialog.pages.currentIndex() == ImportDialog.PAGE_CHOOSE
    intro = dialog.intro_label.text()
    for words in ("یک مجوز", "xlsx", "UTF-8", "وارد نمی‌شوند", "تکراری"):
        assert words in intro
    assert dialog.template_button.text() == "دریافت الگوی خالی…"
    assert dialog.start_button.text() == "شروع"
    assert not dialog.start_button.isEnabled()
    assert dialog.save_report_button.isHidden()
    assert dialog.message() == ""


def test_rejected_rows_are_listed_with_row_column_and_reason(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    tmp_path: Path,
) -> None:
    kinds = records_changed(ctx)
    dialog = run_import(qtbot, ctx, mixed_csv(tmp_path / "ورود.csv"))
    assert dialog.pages.currentIndex() == ImportDialog.PAGE_RESULTS
    assert dialog.file_label.text() == "فایل: \u2068ورود.csv\u2069"
    assert dialog.summary_label.text() == (
        "۲ مجوز وارد شد، ۲ ردیف رد شد، ۰ ردیف از قبل در دفتر بود."
    )
    assert kinds == ["licences", "sync"]  # the licences, and their changes for the server
    assert licence_count(db) == 2

    problems = model_rows(dialog.problems_model)
    assert [p[:2] for p in problems] == [("۳", "کد ملی"), ("۵", "شهرستان"), ("۵", "نوع مجوز")]
    assert "رقم کنترل" in problems[0][2]
    assert "ناکجاآباد" in problems[1][2] and "مستقل" in problems[2][2]
    assert dialog.problems_model.headerData(0, Qt.Orientation.Horizontal) == "ردیف"
    assert dialog.problems_view.isSortingEnabled()
    assert dialog.problems_view.verticalHeader().isHidden()

    warnings = model_rows(dialog.warnings_model)
    assert len(warnings) == 1
    assert warnings[0][:2] == ("۴", "کد پستی") and warnings[0][2].startswith("هشدار: ")
    assert dialog.warnings_label.isVisibleTo(dialog) and "هشدار" in dialog.warnings_label.text()

    # Sorting by the reason, then back by row number.
    dialog.problems_view.sortByColumn(ProblemsModel.REASON, Qt.SortOrder.DescendingOrder)
    assert sorted(model_rows(dialog.problems_model)) == sorted(problems)
    dialog.problems_view.sortByColumn(ProblemsModel.ROW, Qt.SortOrder.AscendingOrder)
    assert model_rows(dialog.problems_model) == problems

    dialog.resize(760, 480)
    save_screenshot(dialog, "import_results")

    assert dialog.save_report_button.isVisible() and dialog.save_report_button.isEnabled()
    report = tmp_path / "گزارش"
    chosen: list[Any] = []

    def get_save_file_name(*args: Any, **_kw: Any) -> tuple[str, str]:
        chosen.append(args)
        return str(report), "کتاب اکسل (*.xlsx)"

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save_file_name))
        qtbot.mouseClick(dialog.save_report_button, Qt.MouseButton.LeftButton)
    assert Path(chosen[0][2]).name == "ورود-ردیف‌های-ردشده.xlsx"
    saved = report.with_name("گزارش.xlsx")
    sheet = openpyxl.load_workbook(saved).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("ردیف", "ستون", "دلیل")
    assert [(r[0], r[1]) for r in rows[1:]] == [(3, "کد ملی"), (5, "شهرستان"), (5, "نوع مجوز")]
    assert dialog.report_label.isVisibleTo(dialog)
    assert f"{LRI}{saved}{PDI}" in dialog.report_label.text()


def test_problems_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = ProblemsModel([Problem(12, "کد ملی", "نادرست"), Problem(3, "نام", "خالی است")])
    qtmodeltester.check(model)
    model.sort(ProblemsModel.ROW)
    assert model.problem(0).row == 3
    assert model.index(0, ProblemsModel.ROW).data() == "۳"
    assert model.index(0, ProblemsModel.ROW).data(ProblemsModel.SORT_ROLE) == 3
    model.sort(ProblemsModel.COLUMN, Qt.SortOrder.DescendingOrder)
    assert model.problem(0).column == "نام"
    qtmodeltester.check(model)
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.data(QModelIndex()) is None


def test_empty_file_imports_nothing(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    tmp_path: Path,
) -> None:
    kinds = records_changed(ctx)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    dialog = run_import(qtbot, ctx, empty)
    assert dialog.pages.currentIndex() == ImportDialog.PAGE_CHOOSE
    assert dialog.message() == "فایل خالی است."
    assert ERROR_COLOR in dialog.message_label.styleSheet()
    assert dialog.start_button.isEnabled()  # the clerk may fix the file and start again
    assert licence_count(db) == 0 and kinds == []
    save_screenshot(dialog, "import_error")


def test_same_file_twice_creates_no_duplicates(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "r.csv", [row(), row(**{"کد ملی": OTHER_VALID_NID})])
    first = run_import(qtbot, ctx, path)
    assert first.summary_label.text().startswith("۲ مجوز وارد شد")
    kinds = records_changed(ctx)
    second = run_import(qtbot, ctx, path)
    assert second.summary_label.text() == (
        "۰ مجوز وارد شد، ۰ ردیف رد شد، ۲ ردیف از قبل در دفتر بود."
    )
    assert not second.save_report_button.isEnabled()
    assert second.problems_view.isHidden() and second.problems_label.text() == "هیچ ردیفی رد نشد."
    assert second.warnings_view.isHidden()
    assert kinds == []
    assert licence_count(db) == 2


@pytest.mark.parametrize(
    ("rows", "cancel_at", "reports"),
    [
        (1100, 500, [(500, 1100, "۵۰۰ از ۱۱۰۰ ردیف", 500)]),  # the service stops at row 1000
        (600, 600, [(500, 600, "۵۰۰ از ۶۰۰ ردیف", 500), (600, 600, "۶۰۰ از ۶۰۰ ردیف", 600)]),
    ],
)
def test_cancelling_an_import_rolls_everything_back(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: int,
    cancel_at: int,
    reports: list[tuple[int, int, str, int]],
) -> None:
    path = write_csv(tmp_path / "big.csv", [row(**{"کد ملی": national_id(n)}) for n in range(rows)])
    monkeypatch.setattr(spreadsheet, "BATCH", 100)  # rows are written before the cancel
    original = spreadsheet.KIND.import_file
    seen: list[tuple[int, int | None, str, int]] = []

    def import_and_cancel(session: Any, file: Path, progress: Progress) -> Any:
        def report(done: int, total: int | None, message: str = "") -> None:
            inserted = session.execute(text("SELECT count(*) FROM licence")).scalar_one()
            seen.append((done, total, message, inserted))
            if done == cancel_at:
                progress.cancel()  # the clerk pressed «لغو»

        progress.report = report  # type: ignore[method-assign]
        return original(session, file, progress)

    monkeypatch.setattr(spreadsheet.KIND, "import_file", import_and_cancel)
    kinds = records_changed(ctx)
    dialog = run_import(qtbot, ctx, path)
    assert seen == reports  # with a total, and rows already written when cancelled
    assert dialog.message() == "ورود اطلاعات لغو شد؛ چیزی ثبت نشد."
    assert ERROR_COLOR not in dialog.message_label.styleSheet()
    assert dialog.pages.currentIndex() == ImportDialog.PAGE_CHOOSE
    assert dialog.import_result is None
    assert licence_count(db) == 0 and kinds == []


def test_file_chooser_and_template(
    qtbot: QtBot,
    ctx: AppContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = make_dialog(qtbot, ctx)
    source = tmp_path / "مجوزها.xlsx"
    opened: list[Any] = []

    def get_open_file_name(*args: Any, **_kw: Any) -> tuple[str, str]:
        opened.append(args)
        return str(source), args[3]

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(get_open_file_name))
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert opened[0][3] == "صفحه‌گسترده (*.xlsx *.csv)"
    assert dialog.path == source and dialog.path_edit.text() == str(source)
    assert dialog.start_button.isEnabled()

    template = tmp_path / "الگو"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(template), a[3]))
    )
    qtbot.mouseClick(dialog.template_button, Qt.MouseButton.LeftButton)
    written = template.with_name("الگو.xlsx")
    sheet = openpyxl.load_workbook(written).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert dialog.message() == f"الگوی خالی در فایل {LRI}{written}{PDI} ذخیره شد."


def test_template_that_cannot_be_written(
    qtbot: QtBot,
    ctx: AppContext,
    tmp_path: Path,
) -> None:
    dialog = make_dialog(qtbot, ctx)
    dialog.save_template(tmp_path / "missing-folder" / "t.xlsx")
    assert "نوشته نشد" in dialog.message()
    assert ERROR_COLOR in dialog.message_label.styleSheet()


# -- export ------------------------------------------------------------------------------


@pytest.fixture
def save_as(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    """QFileDialog.getSaveFileName answers with tmp_path/«خروجی» and the xlsx filter."""
    asked: list[Any] = []

    def get_save_file_name(*args: Any, **_kw: Any) -> tuple[str, str]:
        asked.append(args)
        return str(tmp_path / "خروجی"), args[3].split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save_file_name))
    return asked


def test_export_then_import_into_another_database(
    qtbot: QtBot,
    register_ctx: AppContext,
    ctx: AppContext,
    db: Database,
    province_office: OfficeInfo,
    tmp_path: Path,
    save_as: list[Any],
    no_boxes: list[str],
) -> None:
    export_register(register_ctx, None, RegisterFilter(sort="holder", descending=False))
    name = Path(save_as[0][2]).name
    assert name.startswith("مجوزها-") and name.endswith(".xlsx")
    assert all(c.isascii() for c in name.removeprefix("مجوزها-"))
    assert save_as[0][3] == "کتاب اکسل (*.xlsx);;CSV با کدگذاری UTF-8 (*.csv)"
    exported = tmp_path / "خروجی.xlsx"
    assert exported.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(TEMPORARY_PREFIX)] == []
    assert no_boxes == [f"۳۰ مجوز در فایل «خروجی.xlsx» ذخیره شد.\nپوشه: {LRI}{tmp_path}{PDI}"]

    dialog = run_import(qtbot, ctx, exported)
    assert dialog.import_result is not None
    assert (dialog.import_result.imported, dialog.import_result.rejected) == (LICENCE_COUNT, 0)
    assert licence_count(db) == LICENCE_COUNT


@pytest.mark.parametrize(("answer", "expected"), [(True, len(SUSPENDED_ROWS)), (False, 30)])
def test_export_of_a_filtered_register(
    register_ctx: AppContext,
    tmp_path: Path,
    save_as: list[Any],
    no_boxes: list[str],
    monkeypatch: pytest.MonkeyPatch,
    answer: bool,
    expected: int,
) -> None:
    asked: list[tuple[int, int]] = []

    def ask(_parent: Any, shown: int, total: int) -> bool:
        asked.append((shown, total))
        return answer

    monkeypatch.setattr(sheet_export, "ask_export_scope", ask)
    export_register(register_ctx, None, RegisterFilter(status="suspended"))
    assert asked == [(len(SUSPENDED_ROWS), LICENCE_COUNT)]
    sheet = openpyxl.load_workbook(tmp_path / "خروجی.xlsx").worksheets[0]
    assert sheet.max_row - 1 == expected


def test_export_scope_question_cancelled(
    register_ctx: AppContext,
    save_as: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sheet_export, "ask_export_scope", lambda *_a: None)
    export_register(register_ctx, None, RegisterFilter(text="مریم"))
    assert save_as == []
    assert is_filtered(RegisterFilter(text="x"))
    assert not is_filtered(RegisterFilter(sort="holder", descending=False))


def test_cancelled_export_leaves_no_file(
    register_ctx: AppContext,
    tmp_path: Path,
    save_as: list[Any],
    no_boxes: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    destination = tmp_path / "خروجی.xlsx"
    destination.write_bytes(b"an earlier export")
    original = spreadsheet.export_file

    def export_and_cancel(session: Any, path: Path, flt: Any, progress: Progress) -> int:
        written = original(session, path, flt, progress)
        assert path.stat().st_size > 0 and path != destination
        progress.cancel()  # pressed «لغو» as the last rows were written
        return written

    monkeypatch.setattr(spreadsheet, "export_file", export_and_cancel)
    export_register(register_ctx, None, None)
    assert destination.read_bytes() == b"an earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["خروجی.xlsx", "register.sqlite3", *[p.name for p in tmp_path.glob("register.sqlite3-*")]]
    )
    assert no_boxes == ["خروجی گرفتن لغو شد؛ فایلی نوشته نشد."]


def test_export_as_csv(
    register_ctx: AppContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_boxes: list[str],
) -> None:
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *a, **k: (str(tmp_path / "out"), "CSV با کدگذاری UTF-8 (*.csv)")),
    )
    export_register(register_ctx, None, None)
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].split(",")[:2] == ["کد ملی", "نام"] and len(lines) == LICENCE_COUNT + 1


def test_closing_while_importing_cancels_instead(
    qtbot: QtBot,
    ctx: AppContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[TaskHandle] = []

    def run_later(*_args: Any, **_kw: Any) -> TaskHandle:
        started.append(TaskHandle(Progress()))
        return started[-1]

    monkeypatch.setattr(ctx, "run_op_progress", run_later)
    dialog = run_import(qtbot, ctx, write_csv(tmp_path / "r.csv", [row()]))
    assert not dialog.start_button.isEnabled() and not dialog.choose_button.isEnabled()
    dialog.reject()
    assert dialog.isVisible() and started[0].progress.cancelled
    dialog.on_import_failed(Cancelled())
    assert dialog.message() == "ورود اطلاعات لغو شد؛ چیزی ثبت نشد."
    assert dialog.start_button.isEnabled()
    dialog.reject()
    assert not dialog.isVisible()


def test_supporters_and_events_export_then_import_through_the_dialog(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    tmp_path: Path,
    save_as: list[Any],
    no_boxes: list[str],
) -> None:
    from app.services.events.records import ParticipantInput
    from app.services.events.service import EventService
    from tests.services.events.event_support import NID_A, create
    from tests.services.supporter_fixtures import make_supporter

    source = register_db[0]
    make_supporter(source)
    event = create(source)
    with source.session() as s:
        EventService(s).register(event.id, ParticipantInput(NID_A, "مریم", "کریمی"))
    counts = {}
    for kind, table, announced in (
        (SUPPORTERS, "supporter", ["licences", "supporters", "sync"]),
        (EVENTS, "event", ["events", "sync"]),
    ):
        save_as.clear()
        export_kind(register_ctx, None, kind)
        assert Path(save_as[0][2]).name.startswith(f"{kind.plural}-")
        exported = tmp_path / "خروجی.xlsx"
        assert exported.exists() and no_boxes[-1].startswith("۱ ردیف در فایل «خروجی.xlsx»")
        dialog = ImportDialog(ctx, None, kind)
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == kind.import_title
        assert dialog.intro_label.text() == kind.intro
        dialog.set_path(exported)
        kinds = records_changed(ctx)
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        # The supporter's licence is issued from its holder's columns: licences change too.
        assert kinds == announced
        assert dialog.import_result is not None
        assert (dialog.import_result.imported, dialog.import_result.rejected) == (1, 0)
        with db.engine.connect() as conn:
            counts[table] = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
        exported.unlink()
    assert counts == {"supporter": 1, "event": 1}
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM event_participant").scalar() == 1


def test_a_supporters_file_with_a_bad_row(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    tmp_path: Path,
) -> None:
    """The supporters' kind in the dialog: its own texts and template, its rows imported
    (the supporter's licence issued from its holder's columns), a bad member row listed
    with its row, column and reason, and the screens of every kind it changed told."""
    from tests.services.supporter_fixtures import (
        SUPPORTER_NID,
        VALID_LEGAL_ID,
        VALID_SHEBA,
        nid,
    )

    supporter = {
        "شماره مجوز پشتیبان": "0612-900001",
        "نوع پشتیبان": "حقوقی",
        "کد ملی دارنده مجوز": SUPPORTER_NID,
        "نام دارنده مجوز": "مریم",
        "نام خانوادگی دارنده مجوز": "کریمی",
        "تاریخ صدور مجوز": "1403/01/10",
        "نام شخص حقوقی": "تعاونی گلیم‌بافان",
        "شناسه ملی": VALID_LEGAL_ID,
        "شماره ثبت": "4455",
        "کد رشته پشتیبان": "020001",
        "شهرستان پشتیبان": "تهران",
        "شماره شبا": VALID_SHEBA,
        "ظرفیت": "3",
    }
    member = {
        "کد ملی عضو": nid(1),
        "نام عضو": "زهرا",
        "نام خانوادگی عضو": "احمدی",
        "نقش عضو": "بسته‌بند",
        "تاریخ عضویت": "1403/02/01",
        "دلیل استثنا": "عضو تازه",
    }
    headers = SUPPORTERS.columns.headers
    path = tmp_path / "پشتیبان‌ها.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for values in (supporter, supporter | member, supporter | member | {"کد ملی عضو": "123"}):
            writer.writerow([values.get(h, "") for h in headers])

    dialog = ImportDialog(ctx, None, SUPPORTERS)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "ورود پشتیبان‌ها و اعضای شبکه از اکسل"
    assert "عضو شبکهٔ یک پشتیبان" in dialog.intro_label.text()
    assert dialog.template_name() == "الگوی-ورود-پشتیبان‌ها.xlsx"
    dialog.set_path(path)
    dialog.resize(760, 480)
    save_screenshot(dialog, "import_supporters_choose")
    kinds = records_changed(ctx)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)

    assert dialog.pages.currentIndex() == ImportDialog.PAGE_RESULTS
    assert dialog.summary_label.text() == (
        "۲ ردیف وارد شد، ۱ ردیف رد شد، ۰ ردیف از قبل در دفتر بود."
    )
    assert kinds == ["licences", "supporters", "sync"]
    problems = model_rows(dialog.problems_model)
    assert [p[:2] for p in problems] == [("۴", "کد ملی عضو")]
    assert dialog.save_report_button.isEnabled()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM supporter").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM network_member").scalar() == 1
    save_screenshot(dialog, "import_supporters_results")
