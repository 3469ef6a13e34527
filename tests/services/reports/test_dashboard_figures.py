"""The dashboard's figures: the report's cube for this month, and its own aggregates of
expiring licences, facility cases and market access."""

from __future__ import annotations

import datetime as dt

from app.services.core.db import Database
from app.services.reports.dashboard import dashboard_cards, dashboard_charts
from common.jalali import format_jalali
from common.vocabulary import FacilityStage
from tests.services.conftest import issue_test_licence
from tests.services.person_support import a_person_with_everything, with_facility_and_markets


def test_the_dashboard_counts_this_months_office(db: Database) -> None:
    today = dt.date.today()
    first, *_rest = a_person_with_everything(db)  # 3 licences 100 days old, a network of 2
    with_facility_and_markets(db, first)  # a case, a channel, a contract (nothing delivered)
    issue_test_licence(
        db,
        "6688356023",
        issue_date=format_jalali(today, persian_digits=False),
        expiry_date=format_jalali(today + dt.timedelta(days=45), persian_digits=False),
    )
    with db.session() as session:
        figures = dashboard_cards(session, today)
        charts = dashboard_charts(session, today)
    assert figures.month.contains(today)
    assert figures.issued == (1, 0, 0)  # this month, last month, this month last year
    assert figures.active == 4
    assert sum(c.counts.active[0] for c in charts.counties) == charts.active == 4
    assert figures.expiring == ((30, 0), (60, 1), (90, 1))
    assert figures.facilities.total == 1
    assert figures.facilities.by_stage == {FacilityStage.REQUESTED.value: 1}
    assert figures.facilities.overdue == 0 and figures.facilities.median_days_to_pay is None
    assert [(b.bank_code, b.cases) for b in figures.facilities.banks] == [("013", 1)]
    assert figures.markets.holders_on_platforms == 1 and figures.markets.active_channels == 1
    assert figures.markets.contracts == 1 and figures.markets.fulfilment == 0.0
    assert figures.networks.supporters[0] == 1
    assert figures.networks.members[0] == 2


def test_an_empty_office_has_zeros_not_errors(db: Database) -> None:
    with db.session() as session:
        figures = dashboard_cards(session)
        charts = dashboard_charts(session)
    assert (
        figures.active == 0
        and charts.active == 0
        and charts.women == 0
        and dict(figures.expiring) == {30: 0, 60: 0, 90: 0}
    )
    assert figures.facilities.total == 0 and figures.facilities.banks == ()
    assert figures.markets.fulfilment is None and figures.markets.contracts == 0
