"""Reference data: provinces, counties and the business-field catalogue.

Shipped in resources/reference (iran-cities, MIT; and Daftar's starter catalogue) and
loaded into a new database with deterministic ids, so that every office and the central
server agree on them. The central server will own and replace them (central-wins).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.models import BusinessField, County, FieldGroup, Province, reference_id
from app.resources import resources_dir
from app.services.text import normalize_text, search_key

APPROVING_BODIES = (
    "صمت",
    "میراث فرهنگی و صنایع دستی",
    "فرهنگ و ارشاد اسلامی",
    "جهاد کشاورزی",
)


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


def reference_folder() -> Path:
    """The folder of the shipped reference CSV files."""
    return resources_dir() / "reference"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def seed_reference_data(session: Session, folder: Path | None = None) -> int:
    """Load the shipped provinces, counties and catalogue into empty tables.

    Rows already present (by code) are left alone. Returns how many rows were added.
    """
    folder = folder or reference_folder()
    added = 0
    cities = folder / "iran-cities"
    if session.scalar(select(func.count()).select_from(Province)) == 0:
        provinces = _read_csv(cities / "ostan.csv")
        by_local_id = {row["id"]: row["amar_code"] for row in provinces}
        session.execute(
            insert(Province),
            [
                {
                    "id": reference_id("province", row["amar_code"]),
                    "code": row["amar_code"],
                    "name": normalize_text(row["name"]),
                }
                for row in provinces
            ],
        )
        counties = _read_csv(cities / "shahrestan.csv")
        session.execute(
            insert(County),
            [
                {
                    "id": reference_id("county", row["amar_code"]),
                    "code": row["amar_code"],
                    "name": normalize_text(row["name"]),
                    "province_id": reference_id("province", by_local_id[row["ostan"]]),
                }
                for row in counties
            ],
        )
        added += len(provinces) + len(counties)
    if session.scalar(select(func.count()).select_from(FieldGroup)) == 0:
        groups = _read_csv(folder / "field_groups.csv")
        session.execute(
            insert(FieldGroup),
            [
                {
                    "id": reference_id("field_group", row["code"]),
                    "code": row["code"],
                    "name": normalize_text(row["name"]),
                }
                for row in groups
            ],
        )
        fields = _read_csv(folder / "business_fields.csv")
        session.execute(
            insert(BusinessField),
            [
                {
                    "id": reference_id("business_field", row["code"]),
                    "code": row["code"],
                    "name": normalize_text(row["name"]),
                    "group_id": reference_id("field_group", row["group_code"]),
                    "approving_body": row["approving_body"],
                    "starred": row["starred"] == "1",
                    "isic": row.get("isic", ""),
                }
                for row in fields
            ],
        )
        added += len(groups) + len(fields)
    return added


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
