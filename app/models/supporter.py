"""Supporters (پشتیبان) and the members of their supply-chain networks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, SyncMixin
from app.models.licence import Licence
from app.models.person import Person
from app.models.reference import BusinessField, County
from common.vocabulary import MemberRole, SupporterKind, SupporterStatus

# The stored values (common.vocabulary), by the names the models' users know.
SUPPORTER_PERSON = SupporterKind.PERSON
SUPPORTER_LEGAL = SupporterKind.LEGAL
SUPPORTER_KINDS = tuple(SupporterKind)

SUPPORTER_ACTIVE = SupporterStatus.ACTIVE
SUPPORTER_SUSPENDED = SupporterStatus.SUSPENDED
SUPPORTER_STATUSES = tuple(SupporterStatus)

ROLE_PRODUCER = MemberRole.PRODUCER
ROLE_TRAINER = MemberRole.TRAINER
ROLE_DISTRIBUTOR = MemberRole.DISTRIBUTOR
ROLE_PACKER = MemberRole.PACKER
ROLE_SELLER = MemberRole.SELLER
ROLE_OTHER = MemberRole.OTHER
MEMBER_ROLES = tuple(MemberRole)


class Supporter(SyncMixin, Base):
    """A supporter: a person or a legal entity holding a supporter-kind licence.

    ``licence_id`` is its supporter-kind licence. The licence's holder is the supporter
    itself (a person) or, for a legal entity, its managing director (مدیرعامل), so
    ``licence.person`` always names a natural person to reach.
    ``related_field_ids`` is a JSON list of business-field ids besides ``field_id``.
    ``search_key`` is local (names, legal ID, national ID, licence number, mobile).
    """

    __tablename__ = "supporter"

    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    licence_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("licence.id"), nullable=False, index=True
    )
    legal_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    legal_id: Mapped[str] = mapped_column(String(11), nullable=False, default="", index=True)
    registration_no: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    field_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("business_field.id"), nullable=False, index=True
    )
    related_field_ids: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    county_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("county.id"), nullable=False, index=True
    )
    phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    mobile: Mapped[str] = mapped_column(String(11), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    sheba: Mapped[str] = mapped_column(String(26), nullable=False, default="")
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=SUPPORTER_ACTIVE)
    status_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    search_key: Mapped[str] = mapped_column(Text, nullable=False, default="")

    licence: Mapped[Licence] = relationship()
    field: Mapped[BusinessField] = relationship()
    county: Mapped[County] = relationship()


class NetworkMember(SyncMixin, Base):
    """A licence holder (or would-be holder) in a supporter's network.

    One row per period of membership: leaving sets ``left_on``; joining again is a new
    row. ``override_reason`` is the clerk's reason for accepting a member despite a
    warning (no active licence in a related field, or the supporter above capacity).
    """

    __tablename__ = "network_member"

    supporter_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("supporter.id"), nullable=False
    )
    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("person.id"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(12), nullable=False, default=ROLE_PRODUCER)
    county_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("county.id"), nullable=False, index=True
    )
    joined_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    left_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    leave_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    override_reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")

    person: Mapped[Person] = relationship()
    county: Mapped[County] = relationship()

    __table_args__ = (
        # A supporter's page lists its members (current first) without a sort.
        Index("ix_network_member_supporter_left", "supporter_id", "left_on"),
    )
