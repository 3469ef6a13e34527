"""RegisterModel: SQL paging, LRU page cache, search, sort and stale-result dropping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from app.services.core.progress import Progress
from app.services.licences import register
from app.services.licences.records import STATUS_EXPIRED, STATUS_LABELS, LicenceInput, PersonInput
from app.services.licences.register import RegisterFilter
from app.services.licences.service import LicenceService
from app.views import register_model
from app.views.context import AppContext, AppSignals
from app.views.register_model import (
    COL_HOLDER,
    COL_ISSUE_DATE,
    COL_NATIONAL_ID,
    COL_NUMBER,
    COL_STATUS,
    PLACEHOLDER,
    STATUS_COLORS,
    RegisterModel,
)
from app.views.widgets.table_model import ROW_ID_ROLE
from app.views.worker import TaskHandle, TaskRunner
from common.text import persian_sort_key
from tests.views.register_support import (
    EXPIRED_ROWS,
    LICENCE_COUNT,
    REVOKED_ROWS,
    SUSPENDED_ROWS,
    national_id,
)

PERSIAN_DIGITS = set("۰۱۲۳۴۵۶۷۸۹")


class DeferredRunner(TaskRunner):
    """Keeps every job until the test delivers it, in any order (a slow worker)."""

    def __init__(self) -> None:
        super().__init__(synchronous=True)
        self.jobs: list[tuple[Callable[[Progress], Any], Any, Any, TaskHandle]] = []

    def run(  # type: ignore[override]
        self,
        op: Callable[[Progress], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None] | None = None,
        **_kwargs: Any,
    ) -> TaskHandle:
        handle = TaskHandle(Progress())
        self.jobs.append((op, on_success, on_failure, handle))
        return handle

    def deliver(self, position: int = 0) -> None:
        """Run one queued job like the worker would (a cancelled one fails at once)."""
        op, on_success, on_failure, handle = self.jobs.pop(position)
        handle.finished = True
        try:
            handle.progress.check()
            result = op(handle.progress)
        except Exception as exc:
            assert on_failure is not None
            on_failure(exc)
        else:
            on_success(result)


def make_model(qtbot: QtBot, ctx: AppContext, **kwargs: Any) -> RegisterModel:
    model = RegisterModel(ctx, **kwargs)
    with qtbot.waitSignal(model.sig_loaded, timeout=1000):
        model.set_filter(RegisterFilter())
    return model


def load_rows(qtbot: QtBot, model: RegisterModel) -> list[str]:
    """Ask for every row like a view scrolling down, and return the licence ids in order."""
    for row in range(model.rowCount()):
        if model.licence_id(row) is None:
            model.data(model.index(row, 0))
            qtbot.waitUntil(lambda r=row: model.licence_id(r) is not None, timeout=2000)
    return [model.licence_id(r) or "" for r in range(model.rowCount())]


def display(model: RegisterModel, row: int, column: int) -> str:
    return str(model.data(model.index(row, column)))


def test_model_passes_qt_model_tester(
    qtbot: QtBot,
    qtmodeltester: Any,
    register_ctx: AppContext,
) -> None:
    model = make_model(qtbot, register_ctx, page_size=7)
    qtmodeltester.check(model)
    load_rows(qtbot, model)
    model.sort(COL_HOLDER, Qt.SortOrder.AscendingOrder)
    model.set_filter(RegisterFilter(text="کریمی"))
    qtmodeltester.check(model)


def test_columns_show_persian_digits_and_jalali_dates(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    model = make_model(qtbot, register_ctx)
    assert model.rowCount() == LICENCE_COUNT
    assert model.columnCount() == 8
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(8)]
    assert headers == [
        "شماره مجوز", "دارنده", "کد ملی", "رشته", "شهرستان", "تاریخ صدور", "تاریخ انقضا", "وضعیت",
    ]  # fmt: skip
    number = display(model, 0, COL_NUMBER)
    assert number.startswith("۰۶۱۲-") and not any(c.isascii() and c.isdigit() for c in number)
    assert set(display(model, 0, COL_NATIONAL_ID)) <= PERSIAN_DIGITS
    issue = display(model, 0, COL_ISSUE_DATE)
    assert len(issue) == 10 and issue[4] == "/" and issue[7] == "/"
    assert issue.startswith("۱۴")
    assert model.data(model.index(0, 0), ROW_ID_ROLE) == model.licence_id(0)


def test_status_labels_and_colours(qtbot: QtBot, register_ctx: AppContext) -> None:
    model = make_model(qtbot, register_ctx)
    load_rows(qtbot, model)
    statuses = [display(model, r, COL_STATUS) for r in range(model.rowCount())]
    assert statuses.count(STATUS_LABELS[STATUS_EXPIRED]) == len(EXPIRED_ROWS)
    assert statuses.count("معلق") == len(SUSPENDED_ROWS)
    assert statuses.count("باطل") == len(REVOKED_ROWS)
    expired = statuses.index(STATUS_LABELS[STATUS_EXPIRED])
    suspended = statuses.index("معلق")
    revoked = statuses.index("باطل")
    active = statuses.index("فعال")
    colour = model.data(model.index(expired, COL_STATUS), Qt.ItemDataRole.ForegroundRole)
    assert colour == STATUS_COLORS[STATUS_EXPIRED]
    colours = {
        model.data(model.index(row, COL_STATUS), Qt.ItemDataRole.ForegroundRole).name()
        for row in (expired, suspended, revoked)
    }
    assert len(colours) == 3
    assert model.data(model.index(active, COL_STATUS), Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(model.index(expired, COL_HOLDER), Qt.ItemDataRole.ForegroundRole) is None


def test_search_with_arabic_letters_finds_persian_name(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    model = make_model(qtbot, register_ctx)
    with qtbot.waitSignal(model.sig_loaded) as blocker:
        model.set_filter(RegisterFilter(text="كريم"))  # Arabic kaf and yeh
    expected = sum(1 for n in range(LICENCE_COUNT) if n % 8 == 0)  # LAST_NAMES[0] is کریمی
    assert blocker.args == [expected]
    assert model.rowCount() == expected
    for row in range(model.rowCount()):
        assert "کریمی" in display(model, row, COL_HOLDER)


def test_sort_by_holder(qtbot: QtBot, register_ctx: AppContext) -> None:
    model = make_model(qtbot, register_ctx, page_size=7)
    with qtbot.waitSignal(model.sig_loaded):
        model.sort(COL_HOLDER, Qt.SortOrder.AscendingOrder)
    assert model.filter.sort == "holder" and not model.filter.descending
    load_rows(qtbot, model)
    keys = []
    for row in range(model.rowCount()):
        data = model.row_data(row)
        assert data is not None
        first, last = data.holder.split(" ", 1)
        keys.append(f"{last} {first}")
    assert keys == sorted(keys, key=persian_sort_key)  # Persian dictionary order
    with qtbot.waitSignal(model.sig_loaded):
        model.sort(COL_HOLDER, Qt.SortOrder.DescendingOrder)
    assert model.filter.descending
    load_rows(qtbot, model)
    assert display(model, 0, COL_HOLDER).endswith(keys[-1].split(" ", 1)[0])


def test_sorting_twice_the_same_way_does_not_reload(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    model = make_model(qtbot, register_ctx)
    generation = model.generation
    model.sort(-1, Qt.SortOrder.AscendingOrder)  # no column: the default order
    assert model.generation == generation
    assert model.filter.sort == "recent" and model.filter.descending
    with qtbot.waitSignal(model.sig_loaded):
        model.sort(COL_ISSUE_DATE, Qt.SortOrder.AscendingOrder)
    assert model.filter.sort == "issue_date"
    with qtbot.waitSignal(model.sig_loaded):
        model.sort(-1, Qt.SortOrder.AscendingOrder)
    assert model.filter.sort == "recent" and model.filter.descending


def test_paging_across_a_page_boundary(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    model = make_model(qtbot, register_ctx, page_size=7)
    assert model.cached_pages() == [0]
    assert model.licence_id(6) is not None
    assert model.licence_id(7) is None  # page 1 not loaded yet
    assert display(model, 7, COL_HOLDER) == PLACEHOLDER
    with qtbot.waitSignal(model.dataChanged) as blocker:
        pass  # the request above runs on the next turn of the event loop
    top, bottom = blocker.args[0], blocker.args[1]
    assert (top.row(), bottom.row()) == (7, 13)
    assert model.cached_pages() == [0, 1]
    with register_ctx.db.session() as session:
        expected = [row.id for row in register.page(session, RegisterFilter(), 5, 4)]
    assert [model.licence_id(r) for r in range(5, 9)] == expected
    assert display(model, 7, COL_HOLDER) != PLACEHOLDER


def test_last_partial_page(qtbot: QtBot, register_ctx: AppContext) -> None:
    model = make_model(qtbot, register_ctx, page_size=7)
    ids = load_rows(qtbot, model)
    with register_ctx.db.session() as session:
        assert ids == [row.id for row in register.page(session, RegisterFilter(), 0, 100)]
    assert model.licence_id(LICENCE_COUNT) is None
    assert model.data(model.index(LICENCE_COUNT, 0)) is None


def test_page_requests_are_deduplicated(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    runner = DeferredRunner()
    ctx = AppContext(register_ctx.db, runner, AppSignals())
    model = RegisterModel(ctx, page_size=7)
    model.set_filter(RegisterFilter())
    runner.deliver()
    for _ in range(3):
        for row in range(7, 14):
            model.data(model.index(row, 1))
    qtbot.waitUntil(lambda: len(runner.jobs) == 1)
    model.on_fetch_timer_timeout()
    for row in range(7, 14):
        model.data(model.index(row, 1))
    model.on_fetch_timer_timeout()
    assert len(runner.jobs) == 1  # still one request for page 1
    runner.deliver()
    assert model.licence_id(7) is not None


def test_scrolling_past_pages_cancels_their_queued_requests(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    runner = DeferredRunner()
    ctx = AppContext(register_ctx.db, runner, AppSignals())
    model = RegisterModel(ctx, page_size=3)
    failures: list[BaseException] = []
    model.sig_load_failed.connect(failures.append)
    model.set_filter(RegisterFilter())
    runner.deliver()
    model.data(model.index(4, 0))  # page 1 on screen…
    model.on_fetch_timer_timeout()
    for row in range(6, 30, 3):  # … then a fast scroll to the end
        model.data(model.index(row, 0))
    qtbot.waitUntil(lambda: len(runner.jobs) == 4, timeout=1000)  # one batch, once it stops
    handles = [job[3] for job in runner.jobs]
    assert handles[0].progress.cancelled  # page 1: scrolled past
    assert not any(h.progress.cancelled for h in handles[1:])  # pages 7, 8, 9: on screen
    while runner.jobs:
        runner.deliver()
    assert failures == []  # cancelling is not an error
    assert model.cached_pages() == [0, 7, 8, 9]
    model.data(model.index(4, 0))  # back to page 1: asked again
    qtbot.waitUntil(lambda: len(runner.jobs) == 1, timeout=1000)
    runner.deliver()
    assert model.licence_id(4) is not None


def test_a_superseded_search_is_cancelled(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    runner = DeferredRunner()
    ctx = AppContext(register_ctx.db, runner, AppSignals())
    model = RegisterModel(ctx)
    failures: list[BaseException] = []
    model.sig_load_failed.connect(failures.append)
    model.set_filter(RegisterFilter(text="ک"))
    model.set_filter(RegisterFilter(text="کر"))
    assert runner.jobs[0][3].progress.cancelled and not runner.jobs[1][3].progress.cancelled
    runner.deliver()
    runner.deliver()
    assert failures == [] and model.filter.text == "کر" and model.rowCount() == 4


def test_page_cache_is_bounded(qtbot: QtBot, register_ctx: AppContext) -> None:
    model = make_model(qtbot, register_ctx, page_size=3, max_pages=3)
    for row in range(model.rowCount()):
        model.data(model.index(row, 0))
        qtbot.waitUntil(lambda r=row: model.licence_id(r) is not None, timeout=1000)
        assert len(model.cached_pages()) <= 3
    assert model.cached_pages() == [7, 8, 9]
    assert model.licence_id(0) is None  # evicted; asking again fetches it
    model.data(model.index(0, 0))
    qtbot.waitUntil(lambda: model.licence_id(0) is not None, timeout=1000)
    assert model.cached_pages() == [8, 9, 0]


def test_stale_generation_results_are_dropped(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    runner = DeferredRunner()
    ctx = AppContext(register_ctx.db, runner, AppSignals())
    model = RegisterModel(ctx)
    loaded: list[int] = []
    model.sig_loaded.connect(loaded.append)
    model.set_filter(RegisterFilter(text="ك"))  # search as you type: "ک" …
    model.set_filter(RegisterFilter(text="كريم"))  # … then "کریم"
    assert len(runner.jobs) == 2
    runner.deliver(1)  # the newer search answers first
    karimi = model.rowCount()
    assert loaded == [karimi] and 0 < karimi < LICENCE_COUNT
    runner.deliver(0)  # the older, broader search arrives late: dropped
    assert loaded == [karimi]
    assert model.rowCount() == karimi
    assert model.filter.text == "كريم"
    for row in range(karimi):
        assert "کریمی" in display(model, row, COL_HOLDER)

    # In order, too: an older answer is dropped even when the newer one is still pending.
    model.set_filter(RegisterFilter())
    model.set_filter(RegisterFilter(text="کاظمی"))
    runner.deliver(0)
    assert model.rowCount() == karimi and loaded == [karimi]
    runner.deliver(0)
    assert 0 < model.rowCount() != karimi


def test_pages_of_an_old_generation_are_dropped(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    runner = DeferredRunner()
    ctx = AppContext(register_ctx.db, runner, AppSignals())
    model = RegisterModel(ctx, page_size=7)
    model.set_filter(RegisterFilter())
    runner.deliver()
    model.data(model.index(10, 0))
    model.on_fetch_timer_timeout()
    assert len(runner.jobs) == 1  # page 1 requested for the unfiltered register
    model.set_filter(RegisterFilter(text="کریمی"))
    runner.deliver(1)  # the search result is applied first
    runner.deliver(0)  # then page 1 of the old register arrives: dropped
    assert model.cached_pages() == [0]
    assert model.rowCount() < 7


def test_refresh_keeps_rows_when_the_count_is_unchanged(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    model = make_model(qtbot, register_ctx, page_size=7)
    ids = load_rows(qtbot, model)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    with qtbot.waitSignal(model.sig_loaded):
        model.refresh()
    assert not resets
    assert model.licence_id(10) == ids[10]  # the previous rows stay until reloaded
    assert load_rows(qtbot, model) == ids


def test_refresh_shows_changed_rows(qtbot: QtBot, register_ctx: AppContext) -> None:
    model = make_model(qtbot, register_ctx)
    with register_ctx.db.session() as session:
        LicenceService(session).revoke(model.licence_id(0) or "", "آزمون")
    changed: list[int] = []
    model.dataChanged.connect(lambda top, bottom, roles: changed.append(top.row()))
    with qtbot.waitSignal(model.sig_loaded):
        model.refresh()
    assert changed == [0]
    assert display(model, 0, COL_STATUS) == "باطل"


def test_refresh_after_a_new_licence_resets(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    model = make_model(qtbot, register_ctx)
    with register_ctx.db.session() as session:
        service = LicenceService(session)
        detail = service.get(model.licence_id(1) or "")
        service.issue(
            PersonInput(national_id=national_id(99), first_name="نسرین", last_name="تازه‌وارد",
                        gender="F", mobile="09121112233"),
            LicenceInput(kind="independent", field_id=detail.field_id,
                         county_id=detail.county_id, issue_date=dt.date.today()),
        )  # fmt: skip
    with qtbot.waitSignal(model.modelReset), qtbot.waitSignal(model.sig_loaded) as blocker:
        model.refresh()
    assert blocker.args == [LICENCE_COUNT + 1]
    assert display(model, 0, COL_HOLDER) == "نسرین تازه‌وارد"


@pytest.mark.parametrize("column", range(8))
def test_every_column_sorts(qtbot: QtBot, register_ctx: AppContext, column: int) -> None:
    model = make_model(qtbot, register_ctx)
    with qtbot.waitSignal(model.sig_loaded):
        model.sort(column, Qt.SortOrder.AscendingOrder)
    assert model.rowCount() == LICENCE_COUNT


# -- column sorts: paged by keys ------------------------------------------------------


def _page_ids(
    ctx: AppContext, flt: RegisterFilter, offset: int = 0, limit: int = 1000
) -> list[str]:
    with ctx.db.session() as session:
        return [row.id for row in register.page(session, flt, offset, limit)]


def _sorted(qtbot: QtBot, model: RegisterModel, column: int, order: Qt.SortOrder) -> None:
    with qtbot.waitSignal(model.sig_loaded):
        model.sort(column, order)


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
@pytest.mark.parametrize("column", [*range(8), -1])
def test_sorted_rows_match_the_register_query(
    qtbot: QtBot,
    register_ctx: AppContext,
    column: int,
    order: Qt.SortOrder,
) -> None:
    model = make_model(qtbot, register_ctx, page_size=7)
    if column >= 0:  # -1: the default order, already shown
        _sorted(qtbot, model, column, order)
    assert model.uses_keys() == (column >= 0)
    assert model.rowCount() == LICENCE_COUNT
    assert load_rows(qtbot, model) == _page_ids(register_ctx, model.filter)


def test_sorted_model_passes_qt_model_tester(
    qtbot: QtBot,
    qtmodeltester: Any,
    register_ctx: AppContext,
) -> None:
    model = make_model(qtbot, register_ctx, page_size=7)
    _sorted(qtbot, model, COL_HOLDER, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)
    load_rows(qtbot, model)
    _sorted(qtbot, model, COL_HOLDER, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    with qtbot.waitSignal(model.sig_loaded):
        model.set_filter(replace(model.filter, text="کریمی"))
    assert model.uses_keys()
    qtmodeltester.check(model)
    load_rows(qtbot, model)
    qtmodeltester.check(model)


def test_paging_across_a_page_boundary_by_keys(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    model = make_model(qtbot, register_ctx, page_size=7)
    _sorted(qtbot, model, COL_HOLDER, Qt.SortOrder.AscendingOrder)
    assert model.uses_keys() and model.cached_pages() == [0]
    assert model.licence_id(6) is not None
    assert model.licence_id(7) is None
    assert display(model, 7, COL_HOLDER) == PLACEHOLDER
    with qtbot.waitSignal(model.dataChanged) as blocker:
        pass
    assert (blocker.args[0].row(), blocker.args[1].row()) == (7, 13)
    assert model.cached_pages() == [0, 1]
    assert [model.licence_id(r) for r in range(5, 9)] == _page_ids(register_ctx, model.filter, 5, 4)
    model.data(model.index(LICENCE_COUNT - 1, 0))  # the last, partial page
    qtbot.waitUntil(lambda: model.licence_id(LICENCE_COUNT - 1) is not None, timeout=1000)
    assert model.cached_pages() == [0, 1, 4]
    assert [model.licence_id(r) for r in range(28, 30)] == _page_ids(
        register_ctx, model.filter, 28, 10
    )
    assert model.licence_id(LICENCE_COUNT) is None


def _count_key_queries(monkeypatch: pytest.MonkeyPatch) -> list[RegisterFilter]:
    calls: list[RegisterFilter] = []
    original = register.ordered_keys

    def counting(session: Any, flt: RegisterFilter, today: Any = None) -> Any:
        calls.append(flt)
        return original(session, flt, today)

    monkeypatch.setattr(register, "ordered_keys", counting)
    return calls


def test_reversing_a_sort_reverses_the_keys(
    qtbot: QtBot,
    register_ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _count_key_queries(monkeypatch)
    model = make_model(qtbot, register_ctx, page_size=7)
    assert calls == []  # the entry order is paged by offset
    _sorted(qtbot, model, COL_NATIONAL_ID, Qt.SortOrder.AscendingOrder)
    assert len(calls) == 1
    ascending = load_rows(qtbot, model)
    _sorted(qtbot, model, COL_NATIONAL_ID, Qt.SortOrder.DescendingOrder)
    assert len(calls) == 1  # reversed, not sorted again
    assert load_rows(qtbot, model) == ascending[::-1] == _page_ids(register_ctx, model.filter)
    _sorted(qtbot, model, COL_STATUS, Qt.SortOrder.DescendingOrder)
    assert len(calls) == 2  # another column: sorted
    with qtbot.waitSignal(model.sig_loaded):
        model.set_filter(replace(model.filter, text="کریمی", descending=False))
    assert len(calls) == 3  # another filter: sorted


def test_refresh_computes_the_keys_again(
    qtbot: QtBot,
    register_ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _count_key_queries(monkeypatch)
    model = make_model(qtbot, register_ctx, page_size=7)
    _sorted(qtbot, model, COL_STATUS, Qt.SortOrder.AscendingOrder)
    before = load_rows(qtbot, model)
    first = before[0]  # "active" sorts first, then "revoked", then "suspended"
    with register_ctx.db.session() as session:
        LicenceService(session).revoke(first, "آزمون")
    with qtbot.waitSignal(model.sig_loaded):
        model.refresh()
    assert len(calls) == 2
    for row in range(0, model.rowCount(), model.page_size):  # the previous rows show
        model.data(model.index(row, 0))  # until the view asks for their pages again
        model.on_fetch_timer_timeout()
    after = [model.licence_id(r) for r in range(model.rowCount())]
    assert after == _page_ids(register_ctx, model.filter)
    moved = after.index(first)
    # The first revoked row: entered before the other revoked licences.
    assert moved == LICENCE_COUNT - len(SUSPENDED_ROWS) - len(REVOKED_ROWS) - 1
    assert display(model, moved, COL_STATUS) == "باطل"


def test_a_licence_gone_before_its_page_is_fetched(
    qtbot: QtBot,
    register_ctx: AppContext,
) -> None:
    model = make_model(qtbot, register_ctx, page_size=7)
    _sorted(qtbot, model, COL_HOLDER, Qt.SortOrder.AscendingOrder)
    expected = _page_ids(register_ctx, model.filter)
    with register_ctx.db.session() as session:  # e.g. deleted by a sync meanwhile
        session.execute(text("UPDATE licence SET deleted = 1 WHERE id = :id"), {"id": expected[9]})
    failures: list[BaseException] = []
    model.sig_load_failed.connect(failures.append)
    model.data(model.index(9, 0))
    qtbot.waitUntil(lambda: model.licence_id(8) is not None, timeout=1000)
    assert failures == []
    assert model.rowCount() == LICENCE_COUNT  # until refreshed
    assert [model.licence_id(r) for r in range(7, 14)] == [*expected[7:9], None, *expected[10:14]]
    assert [display(model, 9, c) for c in range(8)] == [""] * 8  # empty, not «…»
    assert model.data(model.index(9, COL_STATUS), Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(model.index(9, COL_HOLDER), Qt.ItemDataRole.ToolTipRole) is None
    with qtbot.waitSignal(model.sig_loaded):
        model.refresh()
    assert model.rowCount() == LICENCE_COUNT - 1
    assert load_rows(qtbot, model) == expected[:9] + expected[10:]


@pytest.mark.parametrize("search", ["", "م"])
def test_entry_order_is_paged_by_keys_once_scrolled_deep(
    qtbot: QtBot,
    register_ctx: AppContext,
    monkeypatch: pytest.MonkeyPatch,
    search: str,
) -> None:
    monkeypatch.setattr(register_model, "KEYS_FROM_ROW", 6)
    calls = _count_key_queries(monkeypatch)
    model = make_model(qtbot, register_ctx, page_size=3)
    if search:
        with qtbot.waitSignal(model.sig_loaded):
            model.set_filter(RegisterFilter(text=search))
        assert 6 < model.rowCount() < LICENCE_COUNT
    for row in (0, 3):  # pages 0 and 1: by offset
        model.data(model.index(row, 0))
        qtbot.waitUntil(lambda r=row: model.licence_id(r) is not None, timeout=1000)
    assert calls == [] and not model.uses_keys()
    ids = load_rows(qtbot, model)  # pages 2… : the keys, computed once
    assert len(calls) == 1 and model.uses_keys()
    assert ids == _page_ids(register_ctx, model.filter)
    with qtbot.waitSignal(model.sig_loaded):
        model.refresh()
    assert not model.uses_keys()  # a new generation starts by offset again
