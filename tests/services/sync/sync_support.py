"""Helpers shared by the sync tests: issuing and editing licences the way the forms do."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from app.models import Licence, OutboxOperation, Person
from app.services.core import reference
from app.services.core.db import Database
from app.services.core.scope import office_scope
from app.services.licences import register
from app.services.licences.records import LicenceInput, PersonInput
from app.services.licences.register import RegisterFilter
from app.services.licences.service import LicenceService
from app.services.sync.client import run_sync
from app.services.sync.transport import Transport
from common.validators import national_id_check_digit
from common.vocabulary import Permission
from tests.accounts_support import granted

#: The base URL of the in-process server (starlette's TestClient).
BASE = "http://localhost"

GENDERS = {"F": "زن", "M": "مرد"}


def national_id(n: int) -> str:
    """A valid national ID made from ``n``."""
    first9 = f"{n:09d}"
    return first9 + str(national_id_check_digit(first9))


def issue_licence(
    db: Database,
    national_id: str,
    *,
    county: str = "شمیرانات",
    last_name: str = "کریمی",
    kind: str = "مستقل",
    **person: str,
) -> str:
    """Issue a licence in ``county`` (the catalogue's first field); returns its id."""
    with db.session() as session:
        field = reference.list_fields(session)[0]
        county_id = next(c.id for c in reference.list_counties(session) if c.name == county)
        values: dict[str, Any] = {
            "first_name": "مریم",
            "father_name": "حسن",
            "birth_date": "1365/04/21",
            "gender": "زن",
            "mobile": "09121234567",
            **person,
        }
        detail = LicenceService(session).issue(
            PersonInput(national_id=national_id, last_name=last_name, **values),
            LicenceInput(
                kind=kind,
                field_id=field.id,
                county_id=county_id,
                activity_address="تجریش",
                issue_date="1404/02/01",
            ),
        )
        return detail.id


def issue_licence_outside_scope(db: Database, national_id: str, *, county: str) -> str:
    """A licence in ``county`` although this office works elsewhere, waiting to be pushed.

    The app refuses to issue it there, so it is issued in the office's own county and
    moved behind the services' back (the row and its queued insert), as a hostile client
    or a database written before the app refused other counties would hold it: the
    server must still refuse it.
    """
    with db.session() as session:
        own = office_scope(session).counties[0].name
    licence_id = issue_licence(db, national_id, county=own)
    with db.session() as session:
        granted(session, Permission.EDIT)
        county_id = next(c.id for c in reference.list_counties(session) if c.name == county)
        licence = session.get(Licence, licence_id)
        assert licence is not None
        licence.county_id = county_id
        for op in session.scalars(
            select(OutboxOperation).where(
                OutboxOperation.table_name == "licence",
                OutboxOperation.row_id == licence_id,
                OutboxOperation.op == "insert",
            )
        ):
            changes = json.loads(op.changes)
            changes["county_id"] = [None, county_id]
            op.changes = json.dumps(changes, ensure_ascii=False)
    return licence_id


def person_input(person: Person, **changes: Any) -> PersonInput:
    """The holder's current details as the form shows them, with ``changes``."""
    current = PersonInput(
        national_id=person.national_id,
        first_name=person.first_name,
        last_name=person.last_name,
        father_name=person.father_name,
        birth_date=person.birth_date,
        gender=GENDERS.get(person.gender, ""),
        mobile=person.mobile,
        postal_code=person.postal_code,
        address=person.address,
    )
    return replace(current, **changes)


def licence_input(licence: Licence, **changes: Any) -> LicenceInput:
    """The licence's current details as the form shows them, with ``changes``."""
    current = LicenceInput(
        kind=licence.kind,
        field_id=licence.field_id,
        county_id=licence.county_id,
        activity_address=licence.activity_address,
        issue_date=licence.issue_date,
        expiry_date=licence.expiry_date,
        number=licence.number,
    )
    return replace(current, **changes)


def update_licence(
    db: Database,
    licence_id: str,
    *,
    person: dict[str, Any] | None = None,
    licence: dict[str, Any] | None = None,
) -> None:
    """Save the licence form with changed holder and/or licence fields."""
    with db.session() as session:
        row = session.get(Licence, licence_id)
        assert row is not None
        holder = session.get(Person, row.person_id)
        assert holder is not None
        LicenceService(session).update(
            licence_id,
            person_input(holder, **(person or {})),
            licence_input(row, **(licence or {})),
        )


class Office:
    """A client office: its database and a transport to the in-process server."""

    def __init__(self, db: Database, transport: Transport) -> None:
        self.db = db
        self.transport = transport

    def sync(self) -> Any:
        return run_sync(self.db, transport=self.transport)

    def issue(self, national_id: str, *, county: str = "شمیرانات", last_name: str = "کریمی") -> str:
        return issue_licence(self.db, national_id, county=county, last_name=last_name)

    def licence(self, licence_id: str) -> Licence:
        with self.db.session() as session:
            row = session.get(Licence, licence_id)
            assert row is not None
            session.expunge(row)
            return row

    def person(self, licence_id: str) -> Person:
        with self.db.session() as session:
            row = session.get(Licence, licence_id)
            assert row is not None
            person = session.get(Person, row.person_id)
            assert person is not None
            session.expunge(person)
            return person

    def edit_person(self, licence_id: str, **values: str) -> None:
        """Change the holder's fields through the licence form's service."""
        update_licence(self.db, licence_id, person=values)

    def count(self, model: type[Any]) -> int:
        with self.db.session() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def search(self, text: str) -> int:
        with self.db.session() as session:
            return register.count(session, RegisterFilter(text=text))
