"""Search keys: the local, normalised text each searchable row is found by.

Every search key lives here, so that a change anywhere keeps every key that depends on it
up to date in one call, and no domain reaches into another for it: a licence is found by
its holder's names, national ID and mobile and by its number; a supporter by its legal
name and ID, its licence's number and holder; an event by its title, code, venue and
instructor. Numbers and codes are also found by their serial alone (``0612-000042`` by
``42``). The keys are local (never synced): the services write them with the row, and
the sync client calls the ``refresh_*`` functions for rows it wrote.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from app.models import Event, Licence, Person, Supporter
from app.services.core.office import get_setting, set_setting
from common.text import search_key

_CHUNK = 500
#: The version of the rules above (and of common.text.search_key). A database whose keys
#: were built by other rules gets every key rebuilt once, when it is opened
#: (:func:`rebuild_if_stale`): keys are local, derived data, never synced.
SEARCH_KEYS_VERSION = "2"
SEARCH_KEYS_SETTING = "search.keys_version"


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _with_serial(parts: list[str], code: str) -> list[str]:
    """``parts`` plus the serial of a number or code alone (``0612-000042`` → ``42``)."""
    serial = code.rsplit("-", 1)[-1]
    if serial.isdigit() and serial.lstrip("0"):
        return [*parts, serial.lstrip("0")]
    return parts


def licence_search_key(
    first_name: str, last_name: str, national_id: str, number: str, mobile: str
) -> str:
    """The text the register's search matches: names, national ID, mobile and the licence
    number's parts (``0612-000042`` also as ``42``, so a clerk can type the serial alone).

    No token may be unique per licence *and* share a long prefix with every other one
    (such as the number's digits run together): a prefix search would then have to merge
    one index entry per licence.
    """
    return search_key(
        " ".join(_with_serial([first_name, last_name, national_id, number, mobile], number))
    )


def supporter_search_key(
    legal_name: str,
    holder_first: str,
    holder_last: str,
    legal_id: str,
    national_id: str,
    licence_number: str,
    mobiles: Collection[str],
) -> str:
    """The text the supporter search matches: names, legal and national ID, licence
    number (also its serial alone) and mobiles."""
    parts = [legal_name, holder_first, holder_last, legal_id, national_id, licence_number]
    parts = _with_serial([*parts, *mobiles], licence_number)
    return search_key(" ".join(p for p in parts if p))


def refresh_supporter_search_keys(
    session: Session, supporter_ids: Collection[str] | None = None
) -> None:
    """Recompute ``search_key`` of the given (default: every) supporter from its current
    data (its own columns, its licence and the licence's holder).

    ``search_key`` is local, so the sync client calls this after pulling rows.
    """
    query = (
        select(Supporter, Licence.number, Person)
        .join(Licence, Licence.id == Supporter.licence_id)
        .join(Person, Person.id == Licence.person_id)
    )
    ids = list(supporter_ids) if supporter_ids is not None else None
    if ids is not None and not ids:
        return
    chunks: list[list[str] | None] = (
        [ids[i : i + 500] for i in range(0, len(ids), 500)] if ids is not None else [None]
    )
    for chunk in chunks:
        q = query if chunk is None else query.where(Supporter.id.in_(chunk))
        for supporter, number, person in session.execute(q):
            supporter.search_key = supporter_key_for(supporter, number, person)
    session.flush()


def supporter_key_for(supporter: Supporter, number: str, person: Person) -> str:
    """A supporter's key from its row, its licence's number and the licence's holder."""
    return supporter_search_key(
        supporter.legal_name,
        person.first_name,
        person.last_name,
        supporter.legal_id,
        person.national_id,
        number,
        [supporter.mobile, person.mobile],
    )


def event_search_key(title: str, code: str, venue: str, instructor: str) -> str:
    """The local search text of an event: title, code (and its serial alone), venue,
    instructor."""
    return search_key(" ".join(_with_serial([title, code, venue, instructor], code)))


def refresh_event_search_keys(session: Session, event_ids: Collection[str] | None = None) -> None:
    """Recompute the local-only ``search_key`` of events (all, or ``event_ids``).

    The sync client calls it after pulling rows; no outbox operation (the column is
    never pushed).
    """
    stmt = select(Event)
    if event_ids is not None:
        ids = list(event_ids)
        if not ids:
            return
        for start in range(0, len(ids), _CHUNK):
            for row in session.scalars(stmt.where(Event.id.in_(ids[start : start + _CHUNK]))):
                row.search_key = event_search_key(row.title, row.code, row.venue, row.instructor)
    else:
        for row in session.scalars(stmt):
            row.search_key = event_search_key(row.title, row.code, row.venue, row.instructor)
    session.flush()


def refresh_search_keys(
    session: Session, licence_ids: Iterable[str] = (), person_ids: Iterable[str] = ()
) -> None:
    """Recompute the register's search key of licences whose row or holder sync wrote."""
    licence_ids = list(set(licence_ids))
    person_ids = list(set(person_ids))
    rows: list[Any] = []
    for chunk in _chunks(licence_ids):
        rows.extend(session.execute(_key_query().where(Licence.id.in_(chunk))).all())
    for chunk in _chunks(person_ids):
        rows.extend(session.execute(_key_query().where(Licence.person_id.in_(chunk))).all())
    updates: dict[str, str] = {}
    for row in rows:
        key = licence_search_key(
            row.first_name or "",
            row.last_name or "",
            row.national_id or "",
            row.number,
            row.mobile or "",
        )
        if key != row.search_key:
            updates[row.id] = key
    if updates:
        table: Table = Licence.__table__  # type: ignore[assignment]
        session.execute(
            sql_update(table)
            .where(table.c.id == bindparam("_id"))
            .values(search_key=bindparam("_key")),
            [{"_id": key_id, "_key": key} for key_id, key in updates.items()],
        )


def refresh_network_search_keys(
    session: Session,
    *,
    supporter_ids: Iterable[str] = (),
    event_ids: Iterable[str] = (),
    licence_ids: Iterable[str] = (),
    person_ids: Iterable[str] = (),
) -> None:
    """Recompute the local search key of supporters and events whose rows sync wrote, and
    of supporters whose licence or holder it wrote (their key holds the holder's names,
    national ID and the licence number; the licence may arrive a page after them)."""
    supporters = set(supporter_ids)
    licence_list = list(set(licence_ids))
    person_list = list(set(person_ids))
    if (licence_list or person_list) and session.scalar(select(Supporter.id).limit(1)):
        for chunk in _chunks(licence_list):
            supporters.update(
                session.scalars(select(Supporter.id).where(Supporter.licence_id.in_(chunk)))
            )
        for chunk in _chunks(person_list):
            supporters.update(
                session.scalars(
                    select(Supporter.id)
                    .join(Licence, Licence.id == Supporter.licence_id)
                    .where(Licence.person_id.in_(chunk))
                )
            )
    if supporters:
        refresh_supporter_search_keys(session, sorted(supporters))
    events = sorted(set(event_ids))
    if events:
        refresh_event_search_keys(session, events)


def _key_query() -> Any:
    return select(
        Licence.id,
        Licence.number,
        Licence.search_key,
        Person.first_name,
        Person.last_name,
        Person.national_id,
        Person.mobile,
    ).outerjoin(Person, Person.id == Licence.person_id)


def refresh_for_holders(session: Session, person_ids: Collection[str]) -> None:
    """A holder's names, national ID or mobile changed: their licences' and their
    supporters' keys follow."""
    ids = list(person_ids)
    refresh_search_keys(session, person_ids=ids)
    refresh_network_search_keys(session, person_ids=ids)


def rebuild_if_stale(session: Session) -> bool:
    """Rebuild every licence's, supporter's and event's search key if they were built by
    other rules than these (SEARCH_KEYS_VERSION); True when it did."""
    if get_setting(session, SEARCH_KEYS_SETTING) == SEARCH_KEYS_VERSION:
        return False
    licence_ids = list(session.scalars(select(Licence.id)))
    refresh_search_keys(session, licence_ids=licence_ids)
    if session.scalar(select(Supporter.id).limit(1)) is not None:
        refresh_supporter_search_keys(session)
    if session.scalar(select(Event.id).limit(1)) is not None:
        refresh_event_search_keys(session)
    set_setting(session, SEARCH_KEYS_SETTING, SEARCH_KEYS_VERSION)
    return bool(licence_ids)
