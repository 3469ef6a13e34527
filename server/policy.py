"""Who may create, change and delete which record: the scope rules as a security boundary.

docs/sync-protocol.md ("Scope") has the table this module implements; every cell has a
test in tests/server/test_hostile_office.py. In short:

- **Seeing** a record (server.feed) never grants the right to change it. An office may
  change a record it *owns*: one whose home county is in its scope, with these explicit
  additions: a network member is also owned by its supporter's office; a participant or
  attendance mark by its event's office; a holder (person) by every office that owns a
  live licence, network member or event participant naming them.
- History entries and certificate log entries are append-only: inserted by the office
  that owns their licence (or the participant's event), never changed or deleted.
- A reference (a licence's holder, a member's supporter, an event's organiser, ...) may
  only name a record the office already sees, or a holder/supporter it registered
  itself with the same national (legal) ID (server.identity). A supporter's (a facility
  case's) licence must be a licence the office owns. References are checked whenever
  they are set, on insert and on update alike; the rows a mark, a participant or a
  membership belongs to never change (server.records.IMMUTABLE_COLUMNS).
- An office-owned record (a staff account, server.records.OFFICE_OWNED) is seen and
  changed by its office alone — not by another office of its county, nor by the province
  office above it. Only a head of that office changes accounts: the pushed operation's
  ``account_id`` must name a live, enabled head account of the office at the server. Two
  exceptions create a head: the office's very first account (none of the office at the
  server yet) from the office's token, and one new head from an unused recovery token
  the operator issued (``daftar-server new-token --recovery``: a lost head password).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.vocabulary import Role
from server import lookup
from server.feed import Feed
from server.models import Office, OfficeToken, Record, RecordAlias, utcnow
from server.records import (
    APPEND_ONLY,
    COUNTY_COLUMN,
    IMMUTABLE_COLUMNS,
    OFFICE_OWNED,
    PERSON_COLUMN,
    REFERENCES,
    Rejected,
    ScopeKey,
    county_scope,
    data_of,
    home,
    in_scope,
    link_value,
    out_of_scope,
)

log = logging.getLogger("daftar.server.sync")

#: Tables whose follower rows are owned by their parent's office.
_OWNED_WITH_PARENT = {
    "event_participant": ("event_id", "event"),
    "event_attendance": ("event_id", "event"),
}


#: Tables whose licence must be one the office owns (not only one it sees): a supporter's
#: licence, a facility case's (the case is the licence's county's to open).
_OWNS_LICENCE = frozenset({"supporter", "facility_case"})


def unknown_parent(table: str, row_id: str) -> Rejected:
    return Rejected(
        "unknown_parent",
        "رکوردی که این ردیف به آن وابسته است روی سرور نیست؛ ابتدا باید ثبت آن فرستاده شود.",
        f"The {table} {row_id} this row refers to is not on the server.",
    )


def append_only(table: str) -> Rejected:
    return Rejected(
        "append_only",
        "تاریخچه و فهرست گواهی‌نامه‌ها فقط افزوده می‌شوند و تغییر یا حذف نمی‌شوند.",
        f"Rows of {table} are append-only.",
    )


def office_has_accounts(session: Session, office: Office) -> bool:
    """Whether the server has any staff account of ``office``."""
    found = session.scalar(
        select(Record.id)
        .where(Record.table_name == "account", Record.owner_office == office.id)
        .limit(1)
    )
    return found is not None


def only_head() -> Rejected:
    return Rejected(
        "not_head",
        "حساب‌های کاربری اداره را فقط مدیر اداره تغییر می‌دهد.",
        "Only a head of the office changes its accounts.",
    )


class Policy:
    """The scope rules for one office within a push (``token``: the one it came with)."""

    def __init__(
        self, session: Session, feed: Feed, office: Office, token: OfficeToken | None = None
    ) -> None:
        self.session = session
        self.feed = feed
        self.office = office
        self.token = token

    # --- facts ---

    def sees(self, table: str, row_id: str) -> bool:
        """Whether the office sees a record (it is in its pull)."""
        if table in OFFICE_OWNED:
            record = self._get(table, row_id)
            return record is not None and record.owner_office == self.office.id
        return any(in_scope(self.office, scope) for scope in self.feed.scope_keys(table, row_id))

    def claimed(self, table: str, row_id: str) -> bool:
        """Whether the office registered this holder (supporter) itself under another id
        that was folded into it (server.identity)."""
        return (
            self.session.scalar(
                select(RecordAlias.alias_id)
                .where(
                    RecordAlias.table_name == table,
                    RecordAlias.canonical_id == row_id,
                    RecordAlias.office_id == self.office.id,
                )
                .limit(1)
            )
            is not None
        )

    def owner_scopes(self, record: Record) -> set[ScopeKey]:
        """Where the record is owned (offices there may change it)."""
        table = record.table_name
        if table in APPEND_ONLY:
            return set()
        scopes = {home(record)}
        if table == "network_member":
            supporter = self._get("supporter", record.link_id)
            if supporter is not None:
                scopes.add(home(supporter))
        elif table in _OWNED_WITH_PARENT:
            event = self._get("event", record.link_id)
            scopes = {home(event)} if event is not None else scopes
        elif table == "person":
            scopes |= self._referrer_homes(record.id)
        return scopes

    def owns(self, record: Record) -> bool:
        if record.table_name in OFFICE_OWNED:
            return record.owner_office == self.office.id
        return any(in_scope(self.office, scope) for scope in self.owner_scopes(record))

    def _referrer_homes(self, person_id: str) -> set[ScopeKey]:
        """Homes of the live licences, network members and participants naming a person."""
        return {
            (province, county)
            for province, county in self.session.execute(
                select(Record.province_code, Record.county_code).where(
                    Record.person_link == person_id,
                    Record.table_name.in_(tuple(PERSON_COLUMN)),
                    Record.deleted.is_(False),
                )
            )
        }

    def _get(self, table: str, row_id: str | None) -> Record | None:
        if row_id is None:
            return None
        return lookup.get(self.session, Record, (table, row_id))

    # --- checks (each raises Rejected) ---

    def check_insert(self, table: str, data: Mapping[str, Any], scope: ScopeKey) -> None:
        """A new row of ``table`` with home ``scope``."""
        if table in OFFICE_OWNED:
            return  # it becomes the pushing office's own (server.push sets its owner)
        self.check_references(table, data, data.keys())
        if table == "licence_history":
            self._require_owned("licence", data.get("licence_id"))
        elif table == "certificate_issue":
            if link_value(data.get("licence_id")) is not None:
                self._require_owned("licence", data.get("licence_id"))
            else:
                participant = self._existing("event_participant", data.get("participant_id"))
                self._require_owned("event", _data_ref(participant, "event_id"))
        elif table in _OWNED_WITH_PARENT:
            self._require_owned("event", data.get("event_id"))
        elif table == "network_member":
            supporter = self._existing("supporter", data.get("supporter_id"))
            if not in_scope(self.office, scope) and not self.owns(supporter):
                raise out_of_scope()
        elif table == "person" or in_scope(self.office, scope):
            return
        else:
            raise out_of_scope()

    def check_change(self, record: Record) -> None:
        """The office may change (or delete) this record."""
        if record.table_name in APPEND_ONLY:
            raise append_only(record.table_name)
        if not self.owns(record):
            raise out_of_scope()

    def check_update(
        self, record: Record, changed: Mapping[str, Any], after: Mapping[str, Any]
    ) -> None:
        """An update of ``record`` setting ``changed`` (column → new value), giving
        ``after``."""
        self.check_change(record)
        fixed = IMMUTABLE_COLUMNS.get(record.table_name, frozenset()) & set(changed)
        if fixed:
            raise Rejected(
                "immutable",
                "این ستون پس از ثبت تغییر نمی‌کند؛ برای آن یک ردیف تازه ثبت کنید.",
                f"Columns {sorted(fixed)} of {record.table_name} never change.",
            )
        county_column = COUNTY_COLUMN.get(record.table_name)
        if county_column is not None and county_column in changed:
            scope = county_scope(after.get(county_column))
            supporter = (
                self._get("supporter", link_value(after.get("supporter_id")))
                if record.table_name == "network_member"
                else None
            )
            if not in_scope(self.office, scope) and not (
                supporter is not None and self.owns(supporter)
            ):
                raise out_of_scope()
        self.check_references(record.table_name, after, changed.keys())

    def check_references(self, table: str, data: Mapping[str, Any], columns: Iterable[str]) -> None:
        """Every reference among ``columns`` names a live record the office sees (or a
        holder/supporter it registered itself); a supporter's licence is one it owns; an
        attendance mark's participant belongs to its event; a facility case's person is
        its licence's holder."""
        references = REFERENCES.get(table, {})
        for column in columns:
            target_table = references.get(column)
            if target_table is None:
                continue
            if link_value(data.get(column)) is None:
                continue
            target = self._existing(target_table, data.get(column))
            if not (self.sees(target_table, target.id) or self.claimed(target_table, target.id)):
                raise out_of_scope()
            if column == "licence_id" and table in _OWNS_LICENCE and not self.owns(target):
                raise out_of_scope()
        if table == "facility_case" and {"licence_id", "person_id"} & set(columns):
            licence = self._existing("licence", data.get("licence_id"))
            if _data_ref(licence, "person_id") != data.get("person_id"):
                raise Rejected(
                    "wrong_parent",
                    "دارندهٔ این پرونده تسهیلات، دارندهٔ مجوز آن نیست.",
                    "The facility case's person is not its licence's holder.",
                )
        if table == "event_attendance" and {"participant_id", "event_id"} & set(columns):
            participant = self._existing("event_participant", data.get("participant_id"))
            if _data_ref(participant, "event_id") != data.get("event_id"):
                raise Rejected(
                    "wrong_parent",
                    "این شرکت‌کننده در این رویداد ثبت‌نام نکرده است.",
                    "The participant does not belong to this event.",
                )

    def check_account_author(self, account_id: str, new_account: Mapping[str, Any] | None) -> None:
        """An account change (insert, update or delete) comes from a head of this office:
        ``account_id`` (who made it at the office) names a live, enabled head account of
        the office. ``new_account``: the row an insert creates, which may be the office's
        first head (the office has no account here yet) or a head a recovery token
        creates (the token is then used up)."""
        author = self._get("account", link_value(account_id))
        if author is not None and author.owner_office == self.office.id and not author.deleted:
            data = data_of(author)
            if data.get("role") == Role.HEAD.value and data.get("disabled") is not True:
                return
        creates_head = (
            new_account is not None
            and new_account.get("role") == Role.HEAD.value
            and new_account.get("disabled") is not True
        )
        if creates_head and not office_has_accounts(self.session, self.office):
            log.info("office %s: its first head account", self.office.id)
            return
        if creates_head and self.token is not None and self.token.recovers:
            self.token.recovery_used_at = utcnow()
            log.warning(
                "office %s: a new head account from recovery token %s",
                self.office.id,
                self.token.public_id,
            )
            return
        raise only_head()

    def _existing(self, table: str, value: Any) -> Record:
        """The live record a reference names; rejected when it is not on the server."""
        row_id = link_value(value)
        if row_id is None:
            raise unknown_parent(table, str(value))
        record = self._get(table, row_id)
        if record is None or record.deleted:
            raise unknown_parent(table, row_id)
        return record

    def _require_owned(self, table: str, value: Any) -> None:
        if not self.owns(self._existing(table, value)):
            raise out_of_scope()


def _data_ref(record: Record, column: str) -> Any:
    return data_of(record).get(column)
