"""A report as an .xlsx (openpyxl): a cover sheet, one right-to-left sheet per table with
its Persian name, and for a province one sheet per county. Shared by the office's reports
and the server's (common.reports builds the tables)."""

from __future__ import annotations

import io
import re

from common import jalali
from common.reports import Report, ReportTable
from common.text import to_persian_digits

#: Excel's limit on a sheet name, and the characters it refuses in one.
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name from ``name`` (Excel: 31 characters, no []:*?/\\)."""
    base = _SHEET_FORBIDDEN.sub(" ", name).strip()[:SHEET_NAME_MAX] or "برگه"
    title, n = base, 2
    while title in taken:
        suffix = to_persian_digits(f" {n}")
        title = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(title)
    return title


def _write_table(sheet: object, table: ReportTable, start_row: int) -> int:
    """Write ``table`` from ``start_row``; returns the next free row."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(sheet, Worksheet)
    bold = Font(bold=True)
    sheet.cell(row=start_row, column=1, value=table.title).font = Font(bold=True, size=13)
    row = start_row + 1
    for col, header in enumerate(table.columns, start=1):
        cell = sheet.cell(row=row, column=col, value=header)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for index, values in enumerate(table.rows):
        row += 1
        for col, value in enumerate(values):
            cell = sheet.cell(row=row, column=col + 1, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif isinstance(value, float):
                cell.number_format = "0.0%"
            elif isinstance(value, int):
                cell.number_format = "#,##0"
            if table.total and index == len(table.rows) - 1:
                cell.font = bold
    if table.note:
        row += 1
        sheet.cell(row=row, column=1, value=table.note)
    return row + 2


def _new_sheet(book: object, name: str, taken: set[str]) -> object:
    from openpyxl import Workbook

    assert isinstance(book, Workbook)
    sheet = book.create_sheet(sheet_title(name, taken))
    sheet.sheet_view.rightToLeft = True
    sheet.column_dimensions["A"].width = 34
    for letter in "BCDEFG":
        sheet.column_dimensions[letter].width = 16
    return sheet


def report_xlsx(report: Report) -> bytes:
    """The report as an .xlsx: a cover sheet, one right-to-left sheet per table with a
    Persian name, and for a province office one sheet per county."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    taken: set[str] = set()
    cover = _new_sheet(book, "گزارش", taken)
    lines = (
        report.title,
        report.office,
        report.place,
        f"از {jalali.format_jalali(report.period.start)} "
        f"تا {jalali.format_jalali(report.period.end)}",
        f"تاریخ تهیه: {jalali.format_jalali(report.generated)}",
    )
    for n, line in enumerate(lines, start=1):
        cell = cover.cell(row=n, column=1, value=line)  # type: ignore[attr-defined]
        cell.data_type = "s"
        if n == 1:
            cell.font = Font(bold=True, size=14)
    for table in report.tables:
        _write_table(_new_sheet(book, table.sheet_name, taken), table, 1)
    for county, tables in report.counties:
        sheet = _new_sheet(book, county, taken)
        row = 1
        for table in tables:
            row = _write_table(sheet, table, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
