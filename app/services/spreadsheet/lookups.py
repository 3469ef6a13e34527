"""Reference tables that cells name: business fields and counties, by code or by name.

Each is a loader for :meth:`app.services.spreadsheet.importer.ImportRun.table` (built once
per import) and a key for :func:`app.services.spreadsheet.columns.find`: the code as it
is, and the name's search key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from common.text import normalize_text, search_key


@dataclass(frozen=True)
class FieldRef:
    """A business field of the catalogue."""

    id: str
    code: str
    group: str  # its group's code (for the group's licence validity)
    active: bool


@dataclass(frozen=True)
class CountyRef:
    """A county."""

    id: str
    code: str
    name: str


def fields(session: Session) -> dict[str, FieldRef]:
    """The catalogue's fields (not deleted) by code and by name."""
    return _fields(session, "")


def active_fields(session: Session) -> dict[str, FieldRef]:
    """The fields a new licence may be issued in (not deleted, active), by code and name."""
    return _fields(session, " AND f.active = 1")


def _fields(session: Session, condition: str) -> dict[str, FieldRef]:
    table: dict[str, FieldRef] = {}
    named: list[tuple[str, FieldRef]] = []
    for field_id, code, name, group, active in session.execute(
        text(
            "SELECT f.id, f.code, f.name, g.code, f.active FROM business_field f "
            f"JOIN field_group g ON g.id = f.group_id WHERE f.deleted = 0{condition}"
        )
    ):
        ref = FieldRef(str(field_id), str(code), str(group), bool(active))
        table[ref.code] = ref
        named.append((search_key(str(name)), ref))
    for key, ref in named:  # a code always wins over a name
        table.setdefault(key, ref)
    return table


def field_codes(session: Session) -> dict[str, str]:
    """Every field's code by its id (deleted ones too), for exports."""
    return {
        str(field_id): str(code)
        for field_id, code in session.execute(text("SELECT id, code FROM business_field"))
    }


def counties(session: Session) -> dict[str, CountyRef]:
    """The counties (not deleted) by statistical code and by name."""
    table: dict[str, CountyRef] = {}
    named: list[tuple[str, CountyRef]] = []
    for county_id, code, name in session.execute(
        text("SELECT id, code, name FROM county WHERE deleted = 0")
    ):
        ref = CountyRef(str(county_id), str(code), str(name))
        table[ref.code] = ref
        named.append((search_key(ref.name), ref))
    for key, ref in named:
        table.setdefault(key, ref)
    return table


def unknown_county(value: str) -> str:
    """The problem of a county cell that names no county."""
    return f"شهرستان «{normalize_text(value)}» شناخته نشد"
