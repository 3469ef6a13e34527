"""Rows a push batch names, looked up once for the whole batch.

A push applies its operations one by one (each in its savepoint, every policy check per
row), and each operation looks rows up by primary key: the record it writes, the records
it refers to, the natural keys it claims, the aliases of the holders it names. Most of
those lookups miss in a bulk push (the rows are new), and a miss costs a query and an
autoflush. :func:`prefetch` loads the rows a batch names in a few ``IN`` queries (they
stay in the session's identity map) and remembers which keys are absent; :func:`get`
answers a key known to be absent without a query. The session's identity map holds its
rows weakly, so the rows of the batch (prefetched or added) are held here until
:func:`forget`: a later operation naming them finds them without a query.

An absent key stops being known absent as soon as a row with that key is added to the
session (a listener on the session), so a row the batch itself inserts is found as
before. The batch holds the feed's lock (server.feed.Feed.open) while it runs, so no
other writer can insert those rows meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

_ABSENT = "daftar.absent"
_LISTENING = "daftar.absent.listening"
_HELD = "daftar.absent.held"
#: Keys per ``IN`` query.
_CHUNK = 500

T = TypeVar("T")


def _absent(session: Session) -> set[tuple[type[Any], tuple[Any, ...]]]:
    found: set[tuple[type[Any], tuple[Any, ...]]] = session.info.setdefault(_ABSENT, set())
    return found


def _added(session: Session, instance: object) -> None:
    """A row added to the session is no longer known absent."""
    held = session.info.get(_HELD)
    if held is not None:
        held.append(instance)
    absent = session.info.get(_ABSENT)
    if absent:
        mapper = inspect(type(instance))
        key = tuple(getattr(instance, column.key) for column in mapper.primary_key)
        absent.discard((type(instance), key))


def prefetch(session: Session, model: type[Any], keys: Iterable[tuple[Any, ...]]) -> None:
    """Load the rows of ``model`` with these primary keys (tuples, in primary key order)
    and remember the ones that do not exist."""
    if not session.info.get(_LISTENING):
        event.listen(session, "transient_to_pending", _added)
        session.info[_LISTENING] = True
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return
    columns = list(inspect(model).primary_key)
    found: set[tuple[Any, ...]] = set()
    held: list[object] = session.info.setdefault(_HELD, [])
    for condition in key_conditions(columns, wanted):
        for row in session.scalars(select(model).where(*condition)):
            held.append(row)
            found.add(tuple(getattr(row, column.key) for column in columns))
    absent = _absent(session)
    absent.update((model, key) for key in wanted if key not in found)


def key_conditions(columns: Sequence[Any], keys: Iterable[tuple[Any, ...]]) -> Iterator[list[Any]]:
    """WHERE conditions selecting the rows with these keys (values of ``columns``): the
    keys grouped by every column but the last, one ``IN`` on the last column per group
    and chunk. (A row-value ``IN`` of literal pairs makes SQLite scan the whole table.)"""
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for key in dict.fromkeys(keys):
        groups[key[:-1]].append(key[-1])
    for prefix, lasts in groups.items():
        for start in range(0, len(lasts), _CHUNK):
            yield [
                *(column == value for column, value in zip(columns, prefix, strict=False)),
                columns[-1].in_(lasts[start : start + _CHUNK]),
            ]


def get(session: Session, model: type[T], key: tuple[Any, ...]) -> T | None:
    """``session.get(model, key)``, without a query for a key :func:`prefetch` found
    absent (and no row with it was added since)."""
    absent = session.info.get(_ABSENT)
    if absent and (model, key) in absent:
        return None
    return session.get(model, key)


def forget(session: Session) -> None:
    """Forget what is known absent (the batch is over)."""
    session.info.pop(_ABSENT, None)
    session.info.pop(_HELD, None)
