"""Spreadsheet files (.xlsx and .csv): the one reader and the one writer that every
import and export of Daftar uses (licences, supporters, events, templates, reports).

Reading gives every row as a list of cell texts. Writing keeps text as text, so a cell
can never turn into a live formula in the spreadsheet program that opens it:

- in an .xlsx, every string is written as a string cell (openpyxl would otherwise store a
  text starting with ``=`` as a formula, and ``#N/A`` and the like as error values);
- in a .csv, a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  (what Excel and LibreOffice read as the start of a formula) is written after a single
  quote, the usual defence against CSV injection; a cell that starts with a quote gets
  one more, so the rule can be undone exactly. Reading a .csv removes that quote again
  (:func:`csv_unguard`), so an export imports back unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.services.core.progress import Progress
from common import jalali
from common.errors import DomainError
from common.text import to_persian_digits

#: Called once with the number of rows a file has (header included), when that is known.
RowCountListener = Callable[[int], None]
#: What a spreadsheet program reads as the start of a formula in a .csv cell.
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CSV_GUARD = "'"
#: First characters that get the guard: a formula's, and the guard's own (so that it can
#: be undone exactly).
_GUARDED_FIRST = frozenset((*CSV_FORMULA_STARTS, _CSV_GUARD))


class ImportFileError(DomainError):
    """The file can't be read as a register spreadsheet; nothing was imported."""


# -- the formula guard ------------------------------------------------------------------------


def csv_guard(value: Any) -> Any:
    """A .csv cell's value as written: text a spreadsheet program would read as a formula
    gets a leading single quote (so does text already starting with one); other values
    are returned as they are."""
    if isinstance(value, str) and value[:1] in _GUARDED_FIRST:
        return _CSV_GUARD + value
    return value


def csv_unguard(text: str) -> str:
    """A .csv cell's text as it was before :func:`csv_guard` (other text unchanged)."""
    if text[:1] == _CSV_GUARD and text[1:2] in _GUARDED_FIRST:
        return text[1:]
    return text


# -- reading ----------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as text (numbers without '.0', dates as Jalali if plausible)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        if day.year < 1700:  # a Jalali date typed into a date-formatted cell
            return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"
        return jalali.format_jalali(day, persian_digits=False)
    return str(value)


def _read_csv(path: Path, on_total: RowCountListener | None = None) -> Iterator[list[str]]:
    data = path.read_bytes()
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            data.decode("cp1256")
            hint = "این فایل احتمالاً با کدگذاری Windows-1256 (عربی ویندوز) ذخیره شده است. "
        except UnicodeDecodeError:
            hint = ""
        raise ImportFileError(
            f"فایل CSV با کدگذاری UTF-8 نیست و خوانده نشد. {hint}"
            "در اکسل آن را با «Save As» و نوع «CSV UTF-8» دوباره ذخیره کنید، "
            "یا فایل xlsx بدهید."
        ) from exc
    if "\x00" in decoded:
        raise ImportFileError("این فایل CSV متنی نیست (نویسه‌های دودویی دارد).")
    if on_total is not None:  # lines, not records: a quoted cell may hold a line break
        on_total(decoded.count("\n") + (0 if decoded.endswith("\n") else 1))
    sample = decoded[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    for row in csv.reader(io.StringIO(decoded, newline=""), dialect):
        yield [csv_unguard(cell) for cell in row]


def _read_xlsx(path: Path, on_total: RowCountListener | None = None) -> Iterator[list[Any]]:
    import openpyxl  # a slow import: only when a spreadsheet is read

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(
            "فایل اکسل خوانده نشد: این فایل یک صفحه‌گسترده xlsx سالم نیست."
        ) from exc
    try:
        sheet = book.worksheets[0]
        if on_total is not None and sheet.max_row:  # from the sheet's dimension, if it has one
            on_total(int(sheet.max_row))
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        book.close()


def read_rows(path: Path, on_total: RowCountListener | None = None) -> Iterator[list[str]]:
    """The rows of a .xlsx or .csv file as lists of cell texts (header row first).

    ``on_total`` is called once, before the first row, with the file's row count when it
    is cheap to know (an estimate: the lines of a CSV, an xlsx sheet's dimension).
    """
    if not path.exists():
        raise ImportFileError(f"فایل پیدا نشد: {path}")
    if path.stat().st_size == 0:
        raise ImportFileError("فایل خالی است.")
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        magic = handle.read(4)
    if suffix in (".xlsx", ".xlsm") or magic == b"PK\x03\x04":
        if magic != b"PK\x03\x04":
            raise ImportFileError("این فایل صفحه‌گسترده اکسل (xlsx) نیست.")
        rows: Iterable[list[Any]] = _read_xlsx(path, on_total)
    elif suffix in (".csv", ".txt"):
        rows = _read_csv(path, on_total)
    elif suffix == ".xls":
        raise ImportFileError(
            "قالب قدیمی xls پشتیبانی نمی‌شود؛ فایل را در اکسل با قالب xlsx ذخیره کنید."
        )
    else:
        raise ImportFileError("فقط فایل‌های xlsx و csv را می‌توان وارد کرد.")
    for row in rows:
        yield [_cell_text(value) for value in row]


@dataclass
class Sheet:
    """An import file opened: its header row, the rows after it (read lazily) and, once
    the reader knows it, the file's row count (``file_rows[0]``, header included)."""

    header: list[str]
    rows: Iterator[list[str]]
    file_rows: list[int]

    def report(self, progress: Progress, done: int) -> None:
        """Report ``done`` data rows read (of how many, when known)."""
        report_rows(progress, done, self.file_rows)


def open_sheet(path: Path | str) -> Sheet:
    """Open an import file (.xlsx or .csv) at its header: the first non-empty row.

    Raises ImportFileError when the file can't be read or has no row at all.
    """
    file_rows: list[int] = []
    rows = read_rows(Path(path), file_rows.append)
    for candidate in rows:
        if any(cell.strip() for cell in candidate):
            return Sheet(candidate, rows, file_rows)
    raise ImportFileError("فایل هیچ سطری ندارد.")


def report_rows(progress: Progress, done: int, file_rows: list[int]) -> None:
    """Report ``done`` data rows read, of the file's data rows when its size is known."""
    total = max(file_rows[0] - 1, done) if file_rows else None
    text = f"{to_persian_digits(str(done))} ردیف"
    if total is not None:
        text = f"{to_persian_digits(str(done))} از {to_persian_digits(str(total))} ردیف"
    progress.report(done, total, text)


# -- writing ----------------------------------------------------------------------------------


def _xlsx_text_row(sheet: Any, row: Iterable[Any]) -> list[Any]:
    """A row for a write-only sheet, every text kept as a string cell (never a formula
    or an error value, which openpyxl would make of ``=…`` and ``#N/A``)."""
    from openpyxl.cell import WriteOnlyCell

    cells: list[Any] = []
    for value in row:
        if isinstance(value, str) and value.startswith(("=", "#")):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def _append_text_row(sheet: Any, row: Iterable[Any]) -> None:
    """Append a row to an ordinary (not write-only) sheet, texts as string cells."""
    values = list(row)
    sheet.append(values)
    if values:
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _write_xlsx(path: Path, headers: list[str], rows: Iterable[list[Any]], title: str) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.sheet_view.rightToLeft = True
    bold = Font(bold=True)
    header_cells = []
    for value in headers:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(_xlsx_text_row(sheet, row))
    book.save(path)


def _write_csv(path: Path, headers: list[str], rows: Iterable[list[Any]]) -> None:
    """UTF-8 with BOM (which Excel opens as Persian), every cell guarded."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([csv_guard(value) for value in headers])
        # csv_guard, inlined: it runs once per cell of a register of 200,000 rows.
        first, guard = _GUARDED_FIRST, _CSV_GUARD
        writer.writerows(
            [guard + v if isinstance(v, str) and v[:1] in first else v for v in row] for row in rows
        )


def write_rows(
    path: Path | str,
    headers: list[str],
    rows: Iterable[list[Any]],
    sheet_title: str,
    *,
    suffix: str | None = None,
) -> int:
    """Write a header row and ``rows`` to an .xlsx (one right-to-left sheet) or a .csv
    (UTF-8 with BOM), texts kept as texts; returns the rows written. The format is the
    path's suffix unless ``suffix`` (``".xlsx"`` or ``".csv"``) says otherwise."""
    path = Path(path)
    written = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal written
        for row in rows:
            written += 1
            yield row

    suffix = (suffix or path.suffix).lower()
    if suffix == ".csv":
        _write_csv(path, headers, counted())
    elif suffix == ".xlsx":
        _write_xlsx(path, headers, counted(), sheet_title)
    else:
        raise DomainError("خروجی فقط با پسوند xlsx یا csv نوشته می‌شود.")
    return written


def write_template_book(
    path: Path | str,
    headers: list[str],
    sheet_title: str,
    guide_headers: list[str],
    guide_rows: Iterable[list[str]],
    notes: Iterable[str] = (),
) -> Path:
    """An empty template workbook: a right-to-left sheet with bold text-formatted headers,
    and a «راهنما» sheet explaining each column (then ``notes``, one per row)."""
    import openpyxl
    from openpyxl.styles import Font

    path = Path(path)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title
    sheet.sheet_view.rightToLeft = True
    _append_text_row(sheet, headers)
    for index in range(1, len(headers) + 1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.number_format = "@"
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = 16
    guide = book.create_sheet("راهنما")
    guide.sheet_view.rightToLeft = True
    _append_text_row(guide, guide_headers)
    for row in guide_rows:
        _append_text_row(guide, row)
    notes = list(notes)
    if notes:
        guide.append([])
        for note in notes:
            _append_text_row(guide, [note])
    book.save(path)
    return path
