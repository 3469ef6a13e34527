"""Writing a kind's spreadsheets: exports, the empty template, and the import report.

Everything goes through :mod:`app.services.spreadsheet.sheetfile` (one right-to-left
sheet, text kept as text, formulas never let through). An export is the kind's records,
one value per column, each written by its column's writer, under the template's header
row, so that it imports back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from app.services.core.progress import Progress
from app.services.spreadsheet.columns import Columns
from app.services.spreadsheet.importer import ImportResult
from app.services.spreadsheet.sheetfile import write_rows, write_template_book

#: The template guide's header row: by whether a column is required, or by its part.
GUIDE_BY_REQUIRED = ["ستون", "الزامی", "نمونه", "توضیح"]
GUIDE_BY_PART = ["ستون", "بخش", "نمونه", "توضیح"]


def export_rows(
    columns: Columns,
    records: Iterable[Sequence[Any]],
    progress: Progress | None = None,
    every: int = 1000,
) -> Iterator[list[Any]]:
    """The rows of an export: each record's values through their columns' writers.

    Every ``every`` rows, ``progress`` is checked (cancel) and told how many were done.
    """
    writers = columns.writers()
    for done, record in enumerate(records, start=1):
        row = list(record)
        for index, write in writers:
            row[index] = write(row[index])
        yield row
        if progress is not None and done % every == 0:
            progress.check()
            progress.report(done, None, "")


def write_export(
    path: Path | str,
    columns: Columns,
    sheet_title: str,
    records: Iterable[Sequence[Any]],
    progress: Progress | None = None,
    every: int = 1000,
) -> int:
    """Write ``records`` as an .xlsx or .csv in the template; returns the rows written."""
    rows = export_rows(columns, records, progress, every)
    return write_rows(path, columns.headers, rows, sheet_title)


def write_template(
    path: Path | str, columns: Columns, sheet_title: str, notes: Iterable[str] = ()
) -> Path:
    """An empty template: the header row, and a «راهنما» sheet with each column's
    example and note (by part when the columns have parts, else whether it is required),
    then ``notes``."""
    if any(column.part for column in columns):
        guide = GUIDE_BY_PART
        rows = [[c.header, c.part, c.example, c.note] for c in columns]
    else:
        guide = GUIDE_BY_REQUIRED
        rows = [[c.header, "بله" if c.required else "خیر", c.example, c.note] for c in columns]
    return write_template_book(path, columns.headers, sheet_title, guide, rows, notes)


def write_report(result: ImportResult, path: Path | str) -> Path:
    """Write the rejected rows and their reasons as a spreadsheet (.csv, else .xlsx): row,
    column, reason, then the row's cells as the file had them."""
    path = Path(path)
    headers = ["ردیف", "ستون", "دلیل", *result.headers]
    rows = [
        [problem.row, problem.column, problem.message, *result.rejected_rows.get(problem.row, [])]
        for problem in result.problems
    ]
    suffix = ".csv" if path.suffix.lower() == ".csv" else ".xlsx"
    write_rows(path, headers, rows, "ردیف‌های ردشده", suffix=suffix)
    return path
