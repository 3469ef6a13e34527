"""The office's scope: the counties this database may create records in, or move them into.

A county office works in its own county only; a province office (an office without a
county) works in every county of its province. Every service that creates a record with
a county, or changes a record's county, asks this module first, and refuses a county
outside the scope with a Persian message on the county field (a
:class:`~common.errors.ValidationError`), so the form shows it beside the chooser
and an import reports it against the row's county column. Views fill their county
choosers from :func:`scope_counties`, so a clerk is never offered a county the services
would refuse.

This is the clerk's side of the rule: the central server enforces scope again on every
push (docs/sync-protocol.md); records another office wrote and the server sent here
(a network's member in another county, say) are not checked by these functions, which
speak only about what this office writes.

Typical use::

    scope = office_scope(session)               # once per unit of work
    if not scope.contains(county_id): ...       # a plain question
    error = scope.error(county_id, county_name)  # or a ValidationError (None when fine)
    require_county_in_scope(session, county_id)  # or raise it

    class SomeService(ScopedService):           # a service with a county field:
        ...  # self.scope, and self.county_problem(county) for its form's county
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import County, Office, Province
from app.services.core.office import NoOffice
from app.services.core.reference import CountyInfo
from common.errors import ValidationError, ValidationErrors
from common.text import persian_sort_key


@dataclass(frozen=True)
class OfficeScope:
    """Where this office works: its province and the counties it may write records in."""

    office_id: str
    province_id: str
    province_name: str
    #: The office's own county; None for a province office.
    county_id: str | None
    county_name: str
    #: The counties of the scope in Persian dictionary order (one for a county office).
    counties: tuple[CountyInfo, ...]

    @property
    def is_province_office(self) -> bool:
        """True for a province office (its scope is the whole province)."""
        return self.county_id is None

    @property
    def county_ids(self) -> frozenset[str]:
        """The ids of :attr:`counties`."""
        return frozenset(county.id for county in self.counties)

    def contains(self, county_id: str | None) -> bool:
        """True if this office may create or move a record into ``county_id``."""
        return bool(county_id) and county_id in self.county_ids

    def describe(self) -> str:
        """The scope in Persian: «شهرستان «ری»» or «شهرستان‌های استان «تهران»»."""
        if self.county_id is None:
            return f"شهرستان‌های استان «{self.province_name}»"
        return f"شهرستان «{self.county_name}»"

    def message(self, county_name: str = "") -> str:
        """Why a county outside the scope is refused (Persian, for the county field)."""
        which = f"شهرستان «{county_name}»" if county_name else "این شهرستان"
        return f"{which} بیرون از حوزهٔ این اداره است؛ این اداره فقط در {self.describe()} کار می‌کند"

    def error(
        self, county_id: str | None, county_name: str = "", field: str = "county_id"
    ) -> ValidationError | None:
        """The ValidationError on ``field`` for a county outside the scope, else None.

        An empty ``county_id`` gives None: a missing county is the caller's own
        «choose a county» error, not a scope error.
        """
        if not county_id or self.contains(county_id):
            return None
        return ValidationError(field, self.message(county_name))


def office_scope(session: Session) -> OfficeScope:
    """The scope of this database's office (raises NoOffice before the first-run setup)."""
    row = session.execute(
        select(Office.id, Office.province_id, Office.county_id, Province.name)
        .join(Province, Province.id == Office.province_id)
        .limit(1)
    ).first()
    if row is None:
        raise NoOffice()
    office_id, province_id, county_id, province_name = row
    query = select(County.id, County.code, County.name, County.province_id).where(
        County.province_id == province_id
    )
    if county_id:
        # The office's own county even if the reference data marked it deleted since.
        query = query.where(County.id == county_id)
    else:
        query = query.where(County.deleted.is_(False))
    counties = tuple(
        sorted(
            (
                CountyInfo(str(cid), str(code), str(name), str(pid), str(province_name))
                for cid, code, name, pid in session.execute(query)
            ),
            key=lambda county: persian_sort_key(county.name),
        )
    )
    county_name = counties[0].name if county_id and counties else ""
    return OfficeScope(
        office_id=str(office_id),
        province_id=str(province_id),
        province_name=str(province_name),
        county_id=str(county_id) if county_id else None,
        county_name=county_name,
        counties=counties,
    )


class ScopedService:
    """For a service class holding ``session`` (one unit of work): :attr:`scope`, loaded
    on first use, and :meth:`county_problem`, the one county check of its forms."""

    session: Session
    _scope: OfficeScope | None = None

    @property
    def scope(self) -> OfficeScope:
        """This office's scope (loaded once per service)."""
        if self._scope is None:
            self._scope = office_scope(self.session)
        return self._scope

    def require_owned(self, county: County) -> None:
        """Refuse changing a record whose home county lies outside the scope: another
        office's record this office only sees (a supporter's licence seen through a
        network member, say). The central server refuses it too (server.policy)."""
        problem = self.scope.error(county.id, county.name)
        if problem is not None:
            raise ValidationErrors([problem])

    def outside_message(self, county: County) -> str:
        """Why a record is read-only here (its county is another office's), or "" when
        this office may change it."""
        if self.scope.contains(county.id):
            return ""
        return (
            f"این رکورد در شهرستان «{county.name}» است و تغییر آن با ادارهٔ همان شهرستان است؛ "
            f"این اداره فقط در {self.scope.describe()} کار می‌کند"
        )

    def county_problem(self, county: County | None) -> ValidationError | None:
        """What is wrong with the county a form chose: none chosen (or a deleted one),
        or one outside the scope; None when it may be used."""
        if county is None or county.deleted:
            return ValidationError("county_id", "شهرستان را انتخاب کنید")
        return self.scope.error(county.id, county.name)


def scope_counties(session: Session) -> list[CountyInfo]:
    """The counties a county chooser offers: the office's county, or its province's."""
    return list(office_scope(session).counties)


def scope_error(
    session: Session,
    county_id: str | None,
    field: str = "county_id",
    scope: OfficeScope | None = None,
) -> ValidationError | None:
    """The ValidationError for a county outside this office's scope, else None (the
    county's name is looked up for the message)."""
    scope = scope or office_scope(session)
    if not county_id or scope.contains(county_id):
        return None
    name = session.scalar(select(County.name).where(County.id == county_id))
    return scope.error(county_id, str(name or ""), field)


def require_county_in_scope(
    session: Session,
    county_id: str | None,
    field: str = "county_id",
    scope: OfficeScope | None = None,
) -> None:
    """Raise a ValidationError on ``field`` if ``county_id`` lies outside the scope."""
    error = scope_error(session, county_id, field, scope)
    if error is not None:
        raise error
