"""The person page (پرونده فرد): everything the office knows about one person in one place.

Each domain reads its own part (the register: the person's licences; supporters: the
networks they belong to; events: what they registered for and attended; certificates:
what was printed for them; facilities: their bank facility cases; markets: their sales
channels, guaranteed-purchase contracts and bazaar sales); this module only gathers them
for the page, which is reached
from the register, a supporter's members and an event's participants. It sits above every
domain it gathers (pyproject.toml, the services' layers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import EventParticipant, Licence, NetworkMember, Person
from app.models.licence import STATUS_ACTIVE
from app.services.certificates.records import IssuedCertificate
from app.services.certificates.service import CertificateService
from app.services.events.queries import participations_of
from app.services.events.records import ParticipationRow
from app.services.facilities.queries import list_cases
from app.services.facilities.records import FacilityFilter, FacilityRow
from app.services.licences.records import PersonInfo
from app.services.licences.register import RegisterRow, licences_of_person
from app.services.licences.service import LicenceService
from app.services.markets.bazaar import HolderBazaar, holder_bazaars
from app.services.markets.queries import list_channels, list_contracts
from app.services.markets.records import ChannelFilter, ChannelRow, ContractFilter, ContractRow
from app.services.supporters.queries import memberships_of
from app.services.supporters.records import MembershipRow
from common.errors import DomainError


@dataclass(frozen=True)
class PersonFile:
    """One person's file: who they are and every record the office holds about them."""

    person: PersonInfo
    licences: list[RegisterRow]
    networks: list[MembershipRow]
    events: list[ParticipationRow]
    certificates: list[IssuedCertificate]
    facilities: list[FacilityRow]
    channels: list[ChannelRow]
    contracts: list[ContractRow]
    bazaars: list[HolderBazaar]

    @property
    def active_licences(self) -> int:
        return sum(1 for row in self.licences if row.status == STATUS_ACTIVE)

    @property
    def active_networks(self) -> int:
        return sum(1 for row in self.networks if row.active)


def person_file(session: Session, person_id: str, today: dt.date | None = None) -> PersonFile:
    """The file of the person with this id (DomainError when there is none)."""
    person = LicenceService(session).get_person(person_id)
    if person is None:
        raise DomainError("این فرد در دفتر این اداره نیست (شاید پاک یا با فرد دیگری یکی شده است).")
    licences = licences_of_person(session, person_id, today)
    events = participations_of(session, person_id, person.national_id)
    certificates = CertificateService(session).issuances_of(
        [row.id for row in licences], [row.participant_id for row in events]
    )
    return PersonFile(
        person=person,
        licences=licences,
        networks=memberships_of(session, person_id),
        events=events,
        certificates=certificates,
        facilities=list_cases(session, FacilityFilter(person_id=person_id), today=today),
        channels=list_channels(session, ChannelFilter(person_id=person_id)),
        contracts=list_contracts(session, ContractFilter(person_id=person_id)),
        bazaars=holder_bazaars(session, person_id),
    )


#: How a person is reached: the record kind the page was opened from.
VIA_PERSON, VIA_LICENCE, VIA_MEMBER, VIA_PARTICIPANT = "person", "licence", "member", "participant"


def person_file_of(
    session: Session, via: str, record_id: str, today: dt.date | None = None
) -> PersonFile:
    """The file of the person reached from a record: a person itself, a licence (its
    holder), a network membership or an event participant (DomainError when that record
    names nobody the register knows)."""
    if via == VIA_PERSON:
        person_id: str | None = record_id
    elif via == VIA_LICENCE:
        person_id = session.scalar(select(Licence.person_id).where(Licence.id == record_id))
    elif via == VIA_MEMBER:
        person_id = session.scalar(
            select(NetworkMember.person_id).where(NetworkMember.id == record_id)
        )
    elif via == VIA_PARTICIPANT:
        person_id = _participant_person(session, record_id)
        if person_id is None:
            raise DomainError(
                "این شرکت‌کننده در دفتر پرونده‌ای ندارد: با کد ملی ثبت‌نام کرده و مجوز یا "
                "عضویتی ندارد."
            )
    else:
        raise ValueError(f"unknown way to a person: {via!r}")
    if person_id is None:
        raise DomainError("این رکورد دیگر در دفتر نیست.")
    return person_file(session, person_id, today)


def _participant_person(session: Session, participant_id: str) -> str | None:
    """The person of an event participant: the one it names, or the one with its national
    ID (a participant registered before they had a record)."""
    row = session.execute(
        select(EventParticipant.person_id, EventParticipant.national_id).where(
            EventParticipant.id == participant_id
        )
    ).first()
    if row is None:
        return None
    if row[0]:
        return str(row[0])
    return session.scalar(
        select(Person.id).where(Person.national_id == row[1], Person.deleted.is_(False))
    )
