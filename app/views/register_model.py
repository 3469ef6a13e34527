"""The licence register as a Qt table model: counted, sorted, filtered and paged in SQL.

A register holds 200,000+ licences, so the model never loads them all: ``rowCount`` is the
filtered count from :func:`app.services.licences.register.count`, and rows arrive in pages
(:func:`app.services.licences.register.page`) fetched by a worker when the view first asks for
them. Until then their cells show «…». A small LRU cache keeps at most ``max_pages``
pages, so memory stays flat however far the clerk scrolls.

Every change of filter, search or sort starts a new *generation*: count and first page
are fetched in one worker job and applied with a model reset; anything that arrives for
an older generation is dropped, so typing a search never shows the results of an
earlier keystroke.

A column sort has no index to page by: with OFFSET, every page deep in the table would
sort the whole register again (0.4–1.6 s at 200,000 licences). So for a column sort that
first job computes the whole order once, as the licences' keys
(:func:`app.services.licences.register.ordered_keys`, 0.1–0.35 s; 1.6 MB for 200,000), the count
is its length, and each page is fetched by its keys (a few ms, however deep). The entry
order ("recent", also what search-as-you-type uses) keeps paging by offset: its first
page takes < 20 ms; only once the clerk scrolls past :data:`KEYS_FROM_ROW` are its keys
computed, and deeper pages fetched by them. Reversing a column sort reverses the keys
instead of sorting again; :meth:`RegisterModel.refresh` computes them anew. A licence
that is gone by the time its page is fetched shows as an empty row until then.
"""

from __future__ import annotations

import logging
from array import array
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import NamedTuple

from PySide6.QtCore import QCoreApplication, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from sqlalchemy.orm import Session

from app.services.core.progress import Cancelled
from app.services.licences import register
from app.services.licences.records import STATUS_EXPIRED, STATUS_LABELS
from app.services.licences.register import RegisterFilter, RegisterRow
from app.views.context import AppContext
from app.views.widgets.table_model import Column, ColumnTableModel, ModelIndex
from app.views.worker import TaskHandle
from common.vocabulary import LicenceStatus

log = logging.getLogger("daftar.gui")

PAGE_SIZE = 200
MAX_PAGES = 20
PLACEHOLDER = "…"
#: Pages are requested once the view stops asking for new ones for this long, so that
#: dragging the scroll bar across the register does not queue a query per page passed.
FETCH_DELAY_MS = 25
#: At most this many of the pages asked for last are requested at once (a screenful
#: spans one or two pages; older wishes were for rows scrolled past).
MAX_PAGES_PER_FETCH = 3
#: The register's default order (no column sorted): newest entries first.
SORT_RECENT = register.SORT_RECENT
#: In the entry order, pages from this row on are fetched by keys as well: OFFSET walks
#: every row before the page (130–190 ms at row 150,000 of 200,000), while the keys of
#: the whole order cost ~55 ms once; the first pages stay on OFFSET (< 20 ms, no keys).
KEYS_FROM_ROW = 10_000

#: Columns in logical order (column 0 is the rightmost in a right-to-left layout).
COL_NUMBER, COL_HOLDER, COL_NATIONAL_ID, COL_FIELD, COL_COUNTY = range(5)
COL_ISSUE_DATE, COL_EXPIRY_DATE, COL_STATUS = range(5, 8)

#: Status colours (ForegroundRole of the status cell): readable on white (WCAG AA).
STATUS_COLORS: dict[str, QColor] = {
    STATUS_EXPIRED: QColor("#b45309"),  # amber 700: a warning
    LicenceStatus.SUSPENDED: QColor("#6d28d9"),  # violet 700
    LicenceStatus.REVOKED: QColor("#b91c1c"),  # red 700
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("RegisterModel", text)


def register_columns() -> tuple[Column[RegisterRow], ...]:
    """The register's columns; each one's key is the SQL sort of
    :data:`app.services.licences.register.SORT_COLUMNS`."""
    return (
        Column(_tr("شماره مجوز"), lambda r: r.number, key="number", digits=True),
        Column(_tr("دارنده"), lambda r: r.holder, key="holder", elided=True),
        Column(_tr("کد ملی"), lambda r: r.national_id, key="national_id", digits=True),
        Column(_tr("رشته"), lambda r: r.field, key="field", elided=True),
        Column(_tr("شهرستان"), lambda r: r.county, key="county"),
        Column(_tr("تاریخ صدور"), lambda r: r.issue_date, key="issue_date"),
        Column(_tr("تاریخ انقضا"), lambda r: r.expiry_date, key="expiry_date"),
        Column(
            _tr("وضعیت"),
            lambda r: STATUS_LABELS.get(r.status, r.status),
            key="status",
            foreground=lambda r: STATUS_COLORS.get(r.status),
        ),
    )


class _Row(NamedTuple):
    """A loaded row: the data and its cells as displayed (prepared in the worker).

    ``data`` is None for a licence that was gone when its page was fetched by keys.
    """

    data: RegisterRow | None
    cells: tuple[str, ...]


class _Display:
    """Turns register rows into :class:`_Row` (in the worker: the columns are immutable)."""

    def __init__(self, columns: Sequence[Column[RegisterRow]]) -> None:
        self._columns = tuple(columns)
        #: A row whose licence was gone when its page was fetched by keys.
        self.gone = _Row(None, ("",) * len(self._columns))

    def __call__(self, row: RegisterRow) -> _Row:
        return _Row(row, tuple(column.text(row) for column in self._columns))

    def for_keys(self, session: Session, keys: Sequence[int]) -> list[_Row]:
        """The displayed rows of ``keys``, one per key (:attr:`gone` where it is missing)."""
        found = register.rows_by_key(session, keys)
        return [self(found[key]) if key in found else self.gone for key in keys]


class _KeyCache:
    """The keys of an offset-paged generation, computed by its first deep page request.

    Only the (single) database worker thread reads and writes it.
    """

    __slots__ = ("keys",)

    def __init__(self) -> None:
        self.keys: array[int] | None = None


class _Reset(NamedTuple):
    total: int
    rows: list[_Row]
    #: The order of the rows as licence keys when paged by keys, else None.
    keys: array[int] | None


class RegisterModel(ColumnTableModel[RegisterRow]):
    """The register's rows for a :class:`RegisterFilter`, paged from the database."""

    placeholder = PLACEHOLDER

    #: Emitted after each reset with the number of matching licences.
    sig_loaded = Signal(int)
    #: Emitted with the exception when loading the current generation failed.
    sig_load_failed = Signal(object)

    def __init__(
        self,
        ctx: AppContext,
        parent: QObject | None = None,
        *,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
    ) -> None:
        super().__init__(register_columns(), parent, row_id=lambda r: r.id)
        self._display = _Display(self.columns)
        self._ctx = ctx
        self._page_size = max(1, page_size)
        self._max_pages = max(2, max_pages)
        #: The filter asked for last (may still be loading).
        self._requested = RegisterFilter()
        #: The filter whose rows the model shows.
        self._applied = RegisterFilter()
        self._generation = 0
        self._applied_generation = 0
        self._count = 0
        #: The applied filter's rows as licence keys, in order (column sorts), or None
        #: when pages are fetched by offset.
        self._keys: array[int] | None = None
        #: Keys computed on demand for deep pages of an offset-paged generation.
        self._key_cache = _KeyCache()
        self._pages: OrderedDict[int, list[_Row]] = OrderedDict()
        #: Pages of the previous load of the same generation, shown while reloading.
        self._stale: dict[int, list[_Row]] = {}
        #: Page requests sent to the worker and not answered yet.
        self._pending: dict[int, TaskHandle] = {}
        #: Pages the view asked for since the last request, oldest first.
        self._wanted: dict[int, None] = {}
        self._reset_handle: TaskHandle | None = None
        self._fetch_timer = QTimer(self)
        self._fetch_timer.setSingleShot(True)
        self._fetch_timer.setInterval(FETCH_DELAY_MS)
        self._fetch_timer.timeout.connect(self.on_fetch_timer_timeout)

    # -- what the screen uses ---------------------------------------------------------

    @property
    def filter(self) -> RegisterFilter:
        """The filter asked for last (its rows may still be loading)."""
        return self._requested

    @property
    def generation(self) -> int:
        """How many loads were started (each filter change or refresh starts one)."""
        return self._generation

    @property
    def page_size(self) -> int:
        """Rows per page."""
        return self._page_size

    def cached_pages(self) -> list[int]:
        """Numbers of the pages held in memory (least recently used first)."""
        return list(self._pages)

    def set_filter(self, flt: RegisterFilter) -> None:
        """Show the licences matching ``flt`` (loads count and first page in a worker)."""
        self._requested = flt
        self._load(refresh=False)

    def refresh(self) -> None:
        """Load the current filter again (after records changed)."""
        self._load(refresh=True)

    def licence_id(self, row: int) -> str | None:
        """The id of the licence in ``row``; None if its page is not loaded (yet)."""
        data = self.row_data(row)
        return data.id if data is not None else None

    def row_data(self, row: int) -> RegisterRow | None:
        """The plain data of ``row``; None if its page is not loaded (yet) or its licence
        was gone when it was."""
        loaded = self._row(row, request=False)
        return loaded.data if loaded is not None else None

    def uses_keys(self) -> bool:
        """True if the rows shown are paged by keys (a column sort, or the entry order
        once scrolled past :data:`KEYS_FROM_ROW`), not by offset."""
        return self._keys is not None

    # -- loading ------------------------------------------------------------------------

    def _load(self, *, refresh: bool) -> None:
        if self._reset_handle is not None and not self._reset_handle.finished:
            self._reset_handle.cancel()  # superseded: skipped if it has not started yet
        self._generation += 1
        generation = self._generation
        flt = self._requested
        size = self._page_size
        display = self._display
        applied_keys = None if refresh else self._reversible_keys(flt)

        def op(session: Session) -> _Reset:
            if register.uses_keys(flt):
                if applied_keys is not None:
                    keys = applied_keys[::-1]  # the same sort reversed (a total order)
                else:
                    keys = register.ordered_keys(session, flt)
                return _Reset(len(keys), display.for_keys(session, keys[:size]), keys)
            total = register.count(session, flt)
            rows = register.page(session, flt, 0, size) if total else []
            return _Reset(total, [display(row) for row in rows], None)

        def on_success(result: _Reset) -> None:
            self._apply(generation, flt, result, refresh=refresh)

        def on_failure(exc: BaseException) -> None:
            if generation == self._generation and not isinstance(exc, Cancelled):
                self.sig_load_failed.emit(exc)

        self._reset_handle = self._ctx.run_op(op, on_success, on_failure)

    def _reversible_keys(self, flt: RegisterFilter) -> array[int] | None:
        """The applied keys if ``flt`` is the applied filter in the other direction."""
        applied = self._applied
        if self._keys is None or flt.descending == applied.descending:
            return None
        return self._keys if replace(applied, descending=flt.descending) == flt else None

    def _cancel_pending(self, keep: Collection[int] = ()) -> None:
        for number in [n for n in self._pending if n not in keep]:
            self._pending.pop(number).cancel()

    def _apply(
        self, generation: int, flt: RegisterFilter, result: _Reset, *, refresh: bool
    ) -> None:
        if generation != self._generation:
            log.debug("dropped register load %d (now %d)", generation, self._generation)
            return
        same_rows = refresh and flt == self._applied and result.total == self._count
        self._applied = flt
        self._applied_generation = generation
        self._keys = result.keys
        self._key_cache = _KeyCache()
        self._cancel_pending()
        self._wanted.clear()
        if same_rows and self._count:
            # Same filter, same number of rows: keep the view (selection, scroll) and
            # show the previous rows until their pages are fetched again.
            self._stale = {n: rows for n, rows in self._pages.items() if n != 0}
            self._pages = OrderedDict({0: result.rows})
            self.dataChanged.emit(
                self.index(0, 0), self.index(self._count - 1, len(self.columns) - 1)
            )
        else:
            self.beginResetModel()
            self._count = result.total
            self._pages = OrderedDict({0: result.rows}) if result.total else OrderedDict()
            self._stale = {}
            self.endResetModel()
        self.sig_loaded.emit(result.total)

    def _row(self, row: int, *, request: bool) -> _Row | None:
        if not 0 <= row < self._count:
            return None
        number, offset = divmod(row, self._page_size)
        rows = self._pages.get(number)
        if rows is not None:
            self._pages.move_to_end(number)
            return rows[offset] if offset < len(rows) else None
        if request:
            self._want(number)
        stale = self._stale.get(number)
        if stale is not None and offset < len(stale):
            return stale[offset]
        return None

    def _want(self, number: int) -> None:
        known = number in self._wanted or number in self._pending
        self._wanted.pop(number, None)
        self._wanted[number] = None  # the most recent wish last
        if not known:
            self._fetch_timer.start()  # (re)start: wait until the view stops scrolling

    def on_fetch_timer_timeout(self) -> None:
        """Request the pages the view asked for last (one job per page).

        Requests still queued for pages scrolled past are cancelled, so the worker goes
        straight to the rows on screen.
        """
        if not self._wanted:
            return
        wanted = list(self._wanted)[-MAX_PAGES_PER_FETCH:]
        self._wanted.clear()
        self._cancel_pending(keep=wanted)
        for number in wanted:
            if number not in self._pages and number not in self._pending:
                self._request_page(number)

    def _request_page(self, number: int) -> None:
        generation = self._applied_generation
        flt = self._applied
        size = self._page_size
        start, end = number * size, (number + 1) * size
        keys = self._keys[start:end] if self._keys is not None else None
        cache = self._key_cache if keys is None and start >= KEYS_FROM_ROW else None
        display = self._display

        def op(session: Session) -> tuple[list[_Row], array[int] | None]:
            if keys is not None:
                return display.for_keys(session, keys), None
            if cache is not None:
                if cache.keys is None:
                    cache.keys = register.ordered_keys(session, flt)
                return display.for_keys(session, cache.keys[start:end]), cache.keys
            return [display(row) for row in register.page(session, flt, start, size)], None

        def on_success(result: tuple[list[_Row], array[int] | None]) -> None:
            rows, computed = result
            if (
                computed is not None
                and generation == self._applied_generation
                and self._keys is None
                and len(computed) == self._count
            ):
                self._keys = computed  # later pages: by keys at once
            self._page_loaded(generation, number, rows)

        sent: list[TaskHandle] = []

        def on_failure(exc: BaseException) -> None:
            if generation != self._applied_generation:
                return
            if sent and self._pending.get(number) is sent[0]:
                del self._pending[number]
            if not isinstance(exc, Cancelled):
                self.sig_load_failed.emit(exc)

        handle = self._ctx.run_op(op, on_success, on_failure)
        sent.append(handle)
        if not handle.finished:  # a synchronous runner has answered already
            self._pending[number] = handle

    def _page_loaded(self, generation: int, number: int, rows: list[_Row]) -> None:
        if generation != self._applied_generation:
            return
        self._pending.pop(number, None)
        self._stale.pop(number, None)
        self._pages[number] = rows
        self._pages.move_to_end(number)
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        first = number * self._page_size
        last = min(first + self._page_size, self._count) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    # -- ColumnTableModel ----------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def cell_text(self, row: int, column: int) -> str | None:
        """The cells were made in the worker; a row not loaded yet is asked for."""
        loaded = self._row(row, request=True)
        return loaded.cells[column] if loaded is not None else None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column in SQL; column -1 (no sort indicator) is the order of entry,
        newest first (the register's default)."""
        if 0 <= column < len(self.columns):
            key, descending = self.columns[column].key, order == Qt.SortOrder.DescendingOrder
        else:
            key, descending = SORT_RECENT, True
        flt = replace(self._requested, sort=key, descending=descending)
        if flt != self._requested:
            self.set_filter(flt)
