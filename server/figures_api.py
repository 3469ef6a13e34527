"""The central picture as JSON, for the secretariat's own tools (issue 15):
``GET /v1/figures?period=1405/08|1405-Q3|1405[&province=NAME]``.

The same report ``daftar-server report`` writes (server.report: national, with the
provinces compared, or one province's, with its counties compared and each county's
part), as its tables — title, column headers, rows of numbers — and its headline totals.
Read-only, and like ``/metrics`` not for offices: answered to loopback clients and to
bearers of the figures token (``serve --figures-token``, default ``DAFTAR_FIGURES_TOKEN``);
anyone else gets 404, as if there were no such address.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from common.errors import ValidationError
from common.periods import parse_period
from common.reports import Report, ReportTable, report_totals
from server.errors import ApiError
from server.metrics import may_scrape
from server.offices import EnrolmentError, load_reference, resolve_place
from server.report import build_server_report
from server.work import admission

router = APIRouter()


class FiguresTable(BaseModel):
    """One table of the report (numbers as numbers; a fraction is a share, 0.25 = 25%)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[str | int | float | None]]


class FiguresPart(BaseModel):
    """One county's tables in a province's report."""

    county: str
    tables: list[FiguresTable]


class FiguresOut(BaseModel):
    """The report of a period: national or one province's."""

    period: str = Field(description="The period's code (1405-08, 1405-Q3, 1405).")
    period_label: str
    place: str
    totals: dict[str, int] = Field(description="The headline figures (as the CLI prints).")
    tables: list[FiguresTable]
    counties: list[FiguresPart] = Field(default_factory=list)


def _table(table: ReportTable) -> FiguresTable:
    return FiguresTable(
        key=table.key,
        title=table.title,
        columns=list(table.columns),
        rows=[list(row) for row in table.rows],
    )


def figures_of(report: Report) -> FiguresOut:
    """A report as the endpoint answers it."""
    return FiguresOut(
        period=report.period.code,
        period_label=report.period.label,
        place=report.place,
        totals=report_totals(report),
        tables=[_table(t) for t in report.tables],
        counties=[
            FiguresPart(county=name, tables=[_table(t) for t in tables])
            for name, tables in report.counties
        ],
    )


@router.get(
    "/v1/figures",
    response_model=FiguresOut,
    responses={404: {"description": "Neither loopback nor the figures token."}},
)
async def figures(
    request: Request,
    period: Annotated[str, Query(max_length=20, description="1405/08, 1405-Q3 or 1405")],
    province: Annotated[str | None, Query(max_length=60)] = None,
) -> FiguresOut:
    """The national figures of a period (or one province's)."""
    if not may_scrape(request, request.app.state.figures_token):
        raise HTTPException(404, "Not Found")
    try:
        wanted = parse_period(period)
    except ValidationError as exc:
        raise ApiError(422, "invalid_period", exc.message, "Invalid period.") from exc
    place = None
    if province:
        try:
            place, _county = resolve_place(load_reference(), province, None)
        except EnrolmentError as exc:
            raise ApiError(
                422, "unknown_province", f"استان «{province}» پیدا نشد.", "Unknown province."
            ) from exc

    def work(session: Session) -> FiguresOut:
        return figures_of(build_server_report(session, wanted, place))

    result: FiguresOut = await admission(request).run(request, work)
    return result
