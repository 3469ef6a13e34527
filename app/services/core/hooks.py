"""Session events attached once to a session factory.

``sqlalchemy.event.contains`` cannot say whether a factory is already watched: its
registry is keyed by ``id(target)`` and keeps the key after the target is collected, so a
new factory that happens to reuse a dead one's id looks watched and would get no
listeners at all (no write guard, no audit trail, no change tracking; seen in CI). The
factories we have attached to are remembered here instead, weakly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

_ATTACHED: WeakKeyDictionary[sessionmaker[Session], set[str]] = WeakKeyDictionary()


def attach_once(
    factory: sessionmaker[Session], name: str, *listeners: tuple[str, Callable[..., Any]]
) -> None:
    """Listen to each (event, function) of ``listeners`` on ``factory``, unless the set
    called ``name`` is already attached to this very factory."""
    attached = _ATTACHED.setdefault(factory, set())
    if name in attached:
        return
    for identifier, function in listeners:
        event.listen(factory, identifier, function)
    attached.add(name)


def attached(factory: sessionmaker[Session]) -> frozenset[str]:
    """The names of the listener sets attached to ``factory``."""
    return frozenset(_ATTACHED.get(factory, ()))
