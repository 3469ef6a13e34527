"""Importing a kind's spreadsheet: the one loop every import runs.

:func:`run_import` opens the file, maps its header row to the kind's columns, and hands
each non-empty row to the kind's :class:`RowHandler` as a :class:`SheetRow`. The handler
reads the row's values (each column's reader), checks what spans columns, and creates
or updates records through its service; it says whether the row was imported or was
already there (:class:`Outcome`). A row with any problem is not imported; every problem
is reported with its row number, its column's Persian header and a Persian reason
(:class:`Problem`), and the other rows are imported all the same. The loop reports
progress, stops when cancelled (the caller rolls the transaction back), and raises
ImportFileError when the file can't be read (nothing imported).

Two ways to run rows, as the kind declares (:class:`app.services.spreadsheet.kind.SheetKind`):

- each row in its own savepoint (``row_savepoints``): an error of a service (the form's
  rules) rolls just that row back and is reported on the column of its field; a row that
  returns no :class:`Outcome` counts as imported when it wrote anything to the outbox
  (every change to a synced record does), else as already present;
- without savepoints: the handler reports through :meth:`SheetRow.fail` and counts its
  rows itself (the licence import validates rows one by one but writes them in batches,
  :attr:`Outcome.BATCHED`, rejecting some when their batch is written:
  :meth:`ImportRun.reject`).
"""

from __future__ import annotations

import datetime as dt
import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import OutboxOperation
from app.services.core.progress import Progress
from app.services.spreadsheet.columns import CellProblem, Reader
from app.services.spreadsheet.sheetfile import ImportFileError, open_sheet, report_rows
from common import jalali
from common.errors import DomainError, ValidationError, ValidationErrors

if TYPE_CHECKING:
    from app.services.spreadsheet.kind import SheetKind

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One reason a row was rejected (or a warning about a row that was imported)."""

    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    """What an import did."""

    total_rows: int = 0
    imported: int = 0
    already_present: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rejected_rows: dict[int, list[Any]] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """How many rows were not imported because of a problem."""
        return len(self.rejected_rows)

    def summary_line(self) -> str:
        """The CLI's last line."""
        return f"imported {self.imported}, rejected {self.rejected}"


class Outcome(enum.Enum):
    """What became of a row a handler accepted."""

    IMPORTED = "imported"  # it created or changed something
    PRESENT = "present"  # already in the register: nothing to do
    BATCHED = "batched"  # written (and counted) later, with its batch


class RowRejected(Exception):
    """The row has problems (recorded on it): it is not imported."""


class ImportRun:
    """One import under way: its session, today's date, the result so far, and the
    reference tables its readers loaded (:meth:`table`)."""

    def __init__(
        self,
        kind: SheetKind,
        session: Session,
        today: dt.date,
        positions: Mapping[str, int],
        result: ImportResult,
    ) -> None:
        self.kind = kind
        self.session = session
        self._today = today
        self.result = result
        self._tables: dict[Callable[[Session], Any], Any] = {}
        #: Column name → (its position in the file or -1, its reader).
        self.cells: dict[str, tuple[int, Reader]] = {
            column.name: (positions.get(column.name, -1), column.read) for column in kind.columns
        }

    @property
    def today(self) -> dt.date:
        """The date rules about "not in the future" compare with."""
        return self._today

    def table(self, loader: Callable[[Session], T]) -> T:
        """``loader(session)``, built once per import (a reference table for readers)."""
        try:
            found: T = self._tables[loader]
        except KeyError:
            found = self._tables[loader] = loader(self.session)
        return found

    def column(self, name: str) -> tuple[int, str]:
        """The column a problem of ``name`` is shown in: (its order, its header).

        ``name`` is a column's name, or a service's field name that the kind maps to a
        column (``field_columns``); anything else is shown on the kind's
        ``fallback_column``.
        """
        columns = self.kind.columns
        if name not in columns:
            name = self.kind.field_columns.get(name) or self.kind.fallback_column
        return columns.order_of(name), columns.header_of(name)

    def reject(self, row: SheetRow, name: str, message: str) -> None:
        """Reject a row after it was read (a batch found it clashing with another)."""
        self.result.problems.append(Problem(row.line, self.column(name)[1], message))
        self.result.rejected_rows[row.line] = row.cells

    def count(self, outcome: Outcome, rows: int = 1) -> None:
        """Count ``rows`` rows as imported or already present."""
        if outcome is Outcome.IMPORTED:
            self.result.imported += rows
        elif outcome is Outcome.PRESENT:
            self.result.already_present += rows

    def apply(self, handler: RowHandler, row: SheetRow) -> None:
        """Run ``handler`` on ``row``; record its problems or count it."""
        savepoint = None
        before = 0
        if self.kind.row_savepoints:
            before = outbox_size(self.session)
            savepoint = self.session.begin_nested()
        try:
            outcome = handler.row(row)
            row.check()
            if savepoint is not None:
                self.session.flush()
        except RowRejected:
            if savepoint is not None:
                savepoint.rollback()
            self._rejected(row)
            return
        except DomainError as exc:  # a service refused the row: the form's own rules
            if savepoint is None:
                raise
            savepoint.rollback()
            row.problems.extend(_field_problems(exc, self.kind.fallback_column))
            self._rejected(row)
            return
        if savepoint is not None:
            savepoint.commit()
            if outcome is None:
                changed = outbox_size(self.session) > before
                outcome = Outcome.IMPORTED if changed else Outcome.PRESENT
        self.count(outcome or Outcome.IMPORTED)

    def _rejected(self, row: SheetRow) -> None:
        located = sorted(
            (
                (*self.column(name), index, message)
                for index, (name, message) in enumerate(row.problems)
            ),
        )
        self.result.problems.extend(
            Problem(row.line, header, message) for _order, header, _index, message in located
        )
        self.result.rejected_rows[row.line] = row.cells


def _field_problems(exc: DomainError, fallback: str) -> list[tuple[str, str]]:
    if isinstance(exc, ValidationErrors):
        return [(error.field, error.message) for error in exc.errors]
    if isinstance(exc, ValidationError):
        return [(exc.field, exc.message)]
    return [(fallback, exc.message)]


class SheetRow:
    """One row of the file: its number (the header is row 1), its cells, and the
    problems found in it so far."""

    __slots__ = ("_run", "cells", "line", "problems")

    def __init__(self, run: ImportRun, line: int, cells: list[str]) -> None:
        self._run = run
        self.line = line
        self.cells = cells
        #: (column or field name, Persian reason), in the order found.
        self.problems: list[tuple[str, str]] = []

    def text(self, name: str) -> str:
        """The cell of column ``name`` as text, stripped ("" when the file lacks it)."""
        index = self._run.cells[name][0]
        cells = self.cells
        return cells[index].strip() if 0 <= index < len(cells) else ""

    def has_text(self, names: Iterable[str]) -> bool:
        """True if any of these columns has something in this row."""
        return any(self.text(name) for name in names)

    def value(self, name: str) -> Any:
        """The cell of column ``name`` read by the column's reader; None (and the
        problem recorded) when it can't be read."""
        index, read = self._run.cells[name]
        cells = self.cells
        try:
            return read(cells[index].strip() if 0 <= index < len(cells) else "", self._run)
        except CellProblem as exc:
            self.problems.append((name, exc.message))
            return None

    def fail(self, name: str, message: str) -> None:
        """Record a problem on column (or service field) ``name``."""
        self.problems.append((name, message))

    def fail_errors(self, errors: Iterable[ValidationError], fields: Mapping[str, str]) -> None:
        """Record a service's errors, each on the column ``fields`` maps its field to
        (a field that is a column's name stays on it)."""
        for error in errors:
            self.problems.append((fields.get(error.field, error.field), error.message))

    def reject(self, name: str, message: str) -> NoReturn:
        """Record a problem and stop reading the row."""
        self.fail(name, message)
        raise RowRejected

    def check(self) -> None:
        """Stop reading the row if it has any problem."""
        if self.problems:
            raise RowRejected

    def warn(self, name: str, message: str) -> None:
        """A warning about this row, which is imported all the same."""
        self._run.result.warnings.append(Problem(self.line, self._run.column(name)[1], message))


class RowHandler(ABC):
    """What a kind does with the rows of its file (subclass it).

    :meth:`row` reads a row (``row.value(name)``, ``row.text(name)``), records what is
    wrong (``row.fail``; ``row.check()`` stops when anything is), creates or updates its
    records through the kind's service, and returns the :class:`Outcome` (None, with row
    savepoints: judged by what the row wrote). :meth:`finish` runs after the last row
    (what must wait for every row, such as writing the last batch or suspending).
    """

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.session = run.session

    @abstractmethod
    def row(self, row: SheetRow) -> Outcome | None:
        """Import one row (raise RowRejected, or let a service's error out, to reject it)."""

    def finish(self) -> None:  # noqa: B027 - optional hook: most kinds have nothing to finish
        """Called once after the last row."""


def outbox_size(session: Session) -> int:
    """How many changes wait in the outbox (grows with every change to a synced record)."""
    return int(session.scalar(select(func.count()).select_from(OutboxOperation)) or 0)


def run_import(
    kind: SheetKind,
    session: Session,
    path: Path | str,
    progress: Progress | None = None,
    *,
    today: dt.date | None = None,
) -> ImportResult:
    """Import a spreadsheet of ``kind`` into the session's database (one transaction).

    Raises ImportFileError (nothing imported) when the file can't be read, is empty or
    lacks a required column; cancelling through ``progress`` raises Cancelled.
    """
    sheet = open_sheet(path)
    positions = kind.columns.map_headers(sheet.header, kind.template_hint)
    result = ImportResult(headers=sheet.header)
    run = ImportRun(kind, session, today or jalali.today(), positions, result)
    if kind.row_savepoints:
        # pysqlite opens its transaction lazily, at the first write: a SAVEPOINT issued
        # before it would become the outermost transaction and its RELEASE would commit.
        # This no-op write opens the transaction, so each row's savepoint nests inside it.
        session.execute(text("UPDATE counter SET next_value = next_value WHERE name = ''"))
    handler = kind.rows(run)
    every = kind.progress_every
    line = 1
    for cells in sheet.rows:
        line += 1
        if not any(cell.strip() for cell in cells):
            continue
        result.total_rows += 1
        run.apply(handler, SheetRow(run, line, cells))
        if progress is not None and result.total_rows % every == 0:
            progress.check()
            sheet.report(progress, line - 1)
    handler.finish()
    if progress is not None:
        report_rows(progress, line - 1, [line])
    if result.total_rows == 0:
        raise ImportFileError("فایل به‌جز سطر عنوان‌ها هیچ ردیفی ندارد.")
    session.flush()
    return result
