"""A catalogue change at the central server reaches synced offices and their licence form
(issue 15): the catalogue grows from the shipped ~240 fields to 500 and retires 10 while
offices hold licences in them. Retired fields refuse new licences (the form does not
offer them, the service and the server refuse them) and keep the licences they have
(shown, editable, synced)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.models import Licence, OutboxOperation
from app.models.sync import OUTBOX_QUARANTINED
from app.services.core import reference
from app.services.core.db import Database
from app.services.licences import register
from app.services.licences.records import LicenceInput, PersonInput
from app.services.licences.register import RegisterFilter
from app.services.licences.service import LicenceService
from app.services.sync.client import run_sync
from app.services.sync.setup import setup_from_server
from app.services.sync.transport import Transport
from app.views.catalogue_screen import CatalogueScreen
from app.views.context import AppContext, AppSignals
from app.views.licence_form import LicenceFormDialog
from app.views.sync_common import kinds_changed_by
from app.views.widgets.search_combo import VALUE_ROLE
from app.views.worker import TaskRunner
from common.errors import ValidationErrors
from common.reference import reference_id
from server.catalogue import import_catalogue
from tests.accounts_support import HEAD_INPUT
from tests.catalogue_support import catalogue_file, shipped_field_codes
from tests.services.sync.sync_support import BASE, national_id, update_licence

RETIRED = shipped_field_codes()[:10]


@pytest.fixture
def offices(
    client: TestClient, enrol: Callable[..., Any], tmp_path: Path
) -> Iterator[dict[str, Database]]:
    """Two synced offices: a county office (شمیرانات) and its province office."""
    opened: dict[str, Database] = {}
    for name, county in (("county", "شمیرانات"), ("province", None)):
        enrolled = enrol("تهران", county, f"اداره {name}")
        transport = Transport(BASE, enrolled.token, client=client)
        opened[name], _ = setup_from_server(
            tmp_path / f"{name}.sqlite3", BASE, enrolled.token, transport=transport, head=HEAD_INPUT
        )
        opened[name].transport = transport  # type: ignore[attr-defined]
    yield opened
    for db in opened.values():
        db.close()


def sync(db: Database) -> Any:
    return run_sync(db, transport=db.transport)  # type: ignore[attr-defined]


def issue(db: Database, n: int, field_code: str) -> str:
    with db.session() as session:
        county = next(c for c in reference.list_counties(session) if c.name == "شمیرانات")
        return (
            LicenceService(session)
            .issue(
                PersonInput(
                    national_id=national_id(n),
                    first_name="مریم",
                    last_name="کریمی",
                    gender="زن",
                    mobile="09121234567",
                ),
                LicenceInput(
                    kind="مستقل",
                    field_id=reference_id("business_field", field_code),
                    county_id=county.id,
                    activity_address="تجریش",
                    issue_date=dt.date.today() - dt.timedelta(days=10),
                ),
            )
            .id
        )


def quarantined(db: Database) -> list[str]:
    """The errors of the office's quarantined operations."""
    with db.session() as session:
        return list(
            session.scalars(
                select(OutboxOperation.error).where(OutboxOperation.state == OUTBOX_QUARANTINED)
            )
        )


def test_catalogue_change_reaches_offices_and_the_form(
    qtbot: QtBot, engine: Engine, offices: dict[str, Database]
) -> None:
    county, province = offices["county"], offices["province"]
    licences = [issue(county, n, code) for n, code in enumerate(RETIRED, start=1)]
    sync(county)
    sync(province)
    # The province office, offline, issues one more in a field about to be retired.
    offline = issue(province, 99, RETIRED[0])

    with Session(engine) as session, session.begin():
        summary = import_catalogue(session, catalogue_file(total=500, retire=RETIRED))
    assert (summary.version, summary.retired) == (1, 10)

    report = sync(county)
    assert report.reference_changed >= 500 - len(shipped_field_codes()) + 10
    retired_ids = {reference_id("business_field", code) for code in RETIRED}
    with county.session() as session:
        fields = reference.list_fields(session)
        assert len(fields) == 500
        assert {f.id for f in fields if not f.active} == retired_ids
        assert len(reference.list_fields(session, only_active=True)) == 490
        assert reference.catalogue_version(session) == 1
        # The licences in retired fields stay valid and visible.
        assert register.count(session, RegisterFilter()) == 10
        assert {session.get(Licence, i).status for i in licences} == {"active"}  # type: ignore[union-attr]

    # An existing licence in a retired field is edited and synced; a new one is refused.
    update_licence(county, licences[0], licence={"activity_address": "تجریش، بازار"})
    with pytest.raises(ValidationErrors) as refused:
        issue(county, 50, RETIRED[1])
    assert refused.value.errors[0].field == "field_id"
    sync(county)
    assert quarantined(county) == []

    # The office that issued one offline gets it refused by the server's push checks.
    sync(province)
    refusals = quarantined(province)
    # The licence is refused as retired (its history row then waits for it).
    assert "داده نامعتبر: این رشته بازنشسته شده است" in refusals[0], refusals
    with province.session() as session:
        assert reference.catalogue_version(session) == 1
        row = session.get(Licence, licences[0])
        assert row is not None and row.activity_address == "تجریش، بازار"
        assert session.get(Licence, offline) is not None  # kept locally, for review

    # The licence form: a new licence is not offered a retired field; an existing one
    # shows its own.
    runner = TaskRunner(synchronous=True)
    ctx = AppContext(db=county, runner=runner, signals=AppSignals())
    try:
        new_form = LicenceFormDialog(ctx)
        qtbot.addWidget(new_form)
        offered = {
            new_form.field_combo.itemData(row, VALUE_ROLE)
            for row in range(new_form.field_combo.count())
        }
        assert len(offered) == 490 and not offered & retired_ids
        assert reference_id("business_field", "019000") in offered  # a new field
        edit_form = LicenceFormDialog(ctx, licence_id=licences[1])
        qtbot.addWidget(edit_form)
        assert edit_form.field_combo.value() == reference_id("business_field", RETIRED[1])
        # «فهرست رشته‌ها» lists all 500 with the catalogue's version, and reloads when a
        # sync brings another version.
        screen = CatalogueScreen(ctx)
        qtbot.addWidget(screen)
        assert screen.model.rowCount() == 500
        assert "نسخهٔ فهرست: ۱" in screen.note.text()
        with Session(engine) as session, session.begin():
            import_catalogue(session, catalogue_file(total=510))
        report = sync(county)
        ctx.announce(kinds_changed_by(report))
        assert screen.model.rowCount() == 510
        assert "نسخهٔ فهرست: ۲" in screen.note.text()
    finally:
        runner.deleteLater()
