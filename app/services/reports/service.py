"""Build a periodic report for this office's scope, render it, write it to a file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.services.core.access import requires
from app.services.core.office import require_office
from app.services.core.progress import Progress
from app.services.core.scope import office_scope
from app.services.reports.figures import cube
from common import jalali
from common.errors import DomainError
from common.files import write_bytes_atomically
from common.periods import Period
from common.report_pdf import render_report_pdf
from common.report_xlsx import report_xlsx
from common.reports import Report, cube_tables
from common.vocabulary import Permission

#: The file types a report is written as.
REPORT_SUFFIXES = (".pdf", ".xlsx")


@dataclass(frozen=True)
class ReportPreview:
    """A report and its PDF, as the preview shows them."""

    report: Report
    pdf: bytes


def build_report(
    session: Session,
    period: Period,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Report:
    """The report of ``period`` for the office's counties (read only). A province
    office's report also has each county's part; ``progress`` may cancel between the
    counting and the tables."""
    progress = progress or Progress()
    office = require_office(session)
    scope = office_scope(session)
    progress.report(0, 2, "شمارش مجوزها، شبکه‌ها و رویدادها…")
    counts = cube(session, period, scope.county_ids)
    progress.check()
    progress.report(1, 2, "ساختن جدول‌ها…")
    tables, parts = cube_tables(period, counts, with_counties=scope.is_province_office)
    place = (
        f"استان {scope.province_name}"
        if scope.is_province_office
        else f"شهرستان {scope.county_name}، استان {scope.province_name}"
    )
    return Report(
        office=office.name,
        place=place,
        period=period,
        generated=today or jalali.today(),
        tables=tables,
        counties=parts,
    )


def preview_report(
    session: Session, period: Period, progress: Progress | None = None
) -> ReportPreview:
    """The report of ``period`` and its PDF, for the preview (read only)."""
    report = build_report(session, period, progress=progress)
    if progress is not None:
        progress.check()
    return ReportPreview(report, render_report_pdf(report))


def render(report: Report, suffix: str) -> bytes:
    """The report as a file of type ``suffix`` (``.pdf`` or ``.xlsx``)."""
    if suffix == ".pdf":
        return render_report_pdf(report)
    if suffix == ".xlsx":
        return report_xlsx(report)
    raise DomainError("گزارش را با پسوند ‎.pdf یا ‎.xlsx ذخیره کنید.")


@requires(Permission.EXPORT)
def write_report(
    session: Session,
    period: Period,
    path: Path | str,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Report:
    """Write the report of ``period`` to ``path`` (its suffix says PDF or xlsx)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise DomainError("گزارش را با پسوند ‎.pdf یا ‎.xlsx ذخیره کنید.")
    report = build_report(session, period, today, progress)
    write_bytes_atomically(target, render(report, suffix))
    return report
