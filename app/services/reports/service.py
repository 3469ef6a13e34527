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
from app.services.reports.figures import figures
from app.services.reports.pdf import render_report_pdf
from common import jalali
from common.errors import DomainError
from common.files import write_bytes_atomically
from common.periods import Period
from common.reports import Report, ReportTable, report_tables, report_xlsx
from common.vocabulary import Permission

#: The file types a report is written as.
REPORT_SUFFIXES = (".pdf", ".xlsx")
#: The tables a county's part of a province office's report repeats.
COUNTY_TABLES = ("summary", "groups", "gender", "networks", "events")


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
    office's report also has each county's part; ``progress`` counts the counties and
    may cancel between them."""
    progress = progress or Progress()
    office = require_office(session)
    scope = office_scope(session)
    counties = scope.county_ids
    steps = 1 + (len(scope.counties) if scope.is_province_office else 0)
    progress.report(0, steps, "شمارش مجوزها، شبکه‌ها و رویدادها…")
    tables = report_tables(
        period, figures(session, period, counties), with_counties=scope.is_province_office
    )
    parts: list[tuple[str, tuple[ReportTable, ...]]] = []
    if scope.is_province_office:
        for done, county in enumerate(scope.counties, start=1):
            progress.check()
            progress.report(done, steps, f"شهرستان {county.name}…")
            county_tables = report_tables(
                period, figures(session, period, {county.id}), with_counties=False
            )
            parts.append((county.name, tuple(t for t in county_tables if t.key in COUNTY_TABLES)))
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
        tables=tuple(tables),
        counties=tuple(parts),
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
