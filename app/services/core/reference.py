"""Reference data: provinces, counties and the business-field catalogue.

Shipped in resources/reference (iran-cities, MIT; and Daftar's starter catalogue) and
loaded into a new database with deterministic ids, so that every office and the central
server agree on them. The central server will own and replace them (central-wins).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper, Session

from app.models import BusinessField, County, FieldGroup, Province, Setting
from app.services.core.access import system_work
from common.reference import reference_rows
from common.text import search_key


@dataclass(frozen=True)
class ProvinceInfo:
    """A province, as views see it."""

    id: str
    code: str
    name: str


@dataclass(frozen=True)
class CountyInfo:
    """A county, as views see it."""

    id: str
    code: str
    name: str
    province_id: str
    province_name: str


@dataclass(frozen=True)
class FieldInfo:
    """A business field of the catalogue, as views see it."""

    id: str
    code: str
    name: str
    group_code: str
    group_name: str
    approving_body: str
    starred: bool
    isic: str
    active: bool


#: The setting holding the version of the central catalogue last pulled (0: the shipped
#: one); the sync client writes it with the reference data.
KEY_CATALOGUE = "reference.catalogue_version"


def catalogue_version(session: Session) -> int:
    """The version of the central catalogue this office holds (0: the shipped one)."""
    row = session.get(Setting, KEY_CATALOGUE)
    value = row.value if row is not None else ""
    return int(value) if value.isdigit() else 0


#: The reference tables, parents first, with their models.
REFERENCE_MODELS: dict[str, type[Province | County | FieldGroup | BusinessField]] = {
    "province": Province,
    "county": County,
    "field_group": FieldGroup,
    "business_field": BusinessField,
}


def seed_reference_data(session: Session, folder: Path | None = None) -> int:
    """Load the shipped provinces, counties and catalogue into empty tables.

    Tables that already hold rows are left alone. Returns how many rows were added. The
    shipped data is the system's, not a clerk's change: it may be written before anyone
    has an account (the first start lists the provinces).
    """
    rows = reference_rows(folder)
    added = 0
    for tables in (("province", "county"), ("field_group", "business_field")):
        model = REFERENCE_MODELS[tables[0]]
        if session.scalar(select(func.count()).select_from(model)) == 0:
            system_work(session, "shipped reference data")
            for table in tables:
                session.execute(insert(REFERENCE_MODELS[table]), rows[table])
                added += len(rows[table])
    return added


def apply_reference_rows(session: Session, rows: dict[str, list[dict[str, Any]]]) -> int:
    """Make the reference tables equal the central server's rows (central wins).

    Rows are upserted by id, parents first; a local row the server no longer lists is
    kept (licences may point at it) but a business field is marked inactive. Returns how
    many rows changed or were added.
    """
    changed = 0
    for table, model in REFERENCE_MODELS.items():
        incoming = rows.get(table, [])
        mapper: Mapper[Any] = sa_inspect(model)
        columns = [c.key for c in mapper.column_attrs]
        current = {
            row["id"]: row
            for row in session.execute(select(*[getattr(model, c) for c in columns])).mappings()
        }
        for row in incoming:
            values = {key: value for key, value in row.items() if key in columns}
            existing = current.get(values["id"])
            if existing is None:
                session.execute(insert(model), [values])
                changed += 1
            elif any(existing[key] != value for key, value in values.items()):
                session.execute(update(model).where(model.id == values["id"]).values(**values))
                changed += 1
        if table == "business_field":
            listed = {row["id"] for row in incoming}
            for row_id, existing in current.items():
                if row_id not in listed and existing["active"]:
                    session.execute(
                        update(BusinessField).where(BusinessField.id == row_id).values(active=False)
                    )
                    changed += 1
    return changed


def list_provinces(session: Session) -> list[ProvinceInfo]:
    """Every province, by name."""
    rows = session.execute(
        select(Province.id, Province.code, Province.name)
        .where(Province.deleted.is_(False))
        .order_by(Province.name)
    )
    return [ProvinceInfo(*row) for row in rows]


def list_counties(session: Session, province_id: str | None = None) -> list[CountyInfo]:
    """Every county (of one province if given), by name."""
    query = (
        select(County.id, County.code, County.name, County.province_id, Province.name)
        .join(Province, County.province_id == Province.id)
        .where(County.deleted.is_(False))
        .order_by(County.name)
    )
    if province_id is not None:
        query = query.where(County.province_id == province_id)
    return [CountyInfo(*row) for row in session.execute(query)]


def list_fields(session: Session, *, only_active: bool = False) -> list[FieldInfo]:
    """The business-field catalogue, ordered by code."""
    query = (
        select(
            BusinessField.id,
            BusinessField.code,
            BusinessField.name,
            FieldGroup.code,
            FieldGroup.name,
            BusinessField.approving_body,
            BusinessField.starred,
            BusinessField.isic,
            BusinessField.active,
        )
        .join(FieldGroup, BusinessField.group_id == FieldGroup.id)
        .where(BusinessField.deleted.is_(False))
        .order_by(BusinessField.code)
    )
    if only_active:
        query = query.where(BusinessField.active.is_(True))
    return [FieldInfo(*row) for row in session.execute(query)]


def list_field_groups(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every field group, by code."""
    rows = session.execute(select(FieldGroup.code, FieldGroup.name).order_by(FieldGroup.code))
    return [(str(code), str(name)) for code, name in rows]


def find_county(session: Session, text: str) -> CountyInfo | None:
    """Find a county by SCI code or by name (normalised; the office's province first)."""
    key = search_key(text)
    if not key:
        return None
    for county in list_counties(session):
        if county.code == key or search_key(county.name) == key:
            return county
    return None
