"""SQLAlchemy models of the local database (no Qt here)."""

from app.models.account import LOCAL_ACCOUNT_COLUMNS, Account
from app.models.audit import AuditEntry, AuditSeal
from app.models.base import Base, SyncMixin, new_id, reference_id, utcnow
from app.models.certificate import CertificateIssue
from app.models.event import ClosureDay, Event, EventAttendance, EventParticipant
from app.models.facility import FacilityCase
from app.models.licence import Licence, LicenceHistory
from app.models.market import PurchaseContract, SalesChannel
from app.models.office import Counter, Office, Setting
from app.models.person import Person
from app.models.reference import BusinessField, County, FieldGroup, Province
from app.models.signing_key import SigningKey
from app.models.supporter import NetworkMember, Supporter
from app.models.sync import NumberPool, OutboxOperation, SyncConflict

__all__ = [
    "LOCAL_ACCOUNT_COLUMNS",
    "Account",
    "AuditEntry",
    "AuditSeal",
    "Base",
    "BusinessField",
    "CertificateIssue",
    "ClosureDay",
    "Counter",
    "County",
    "Event",
    "EventAttendance",
    "EventParticipant",
    "FacilityCase",
    "FieldGroup",
    "Licence",
    "LicenceHistory",
    "NetworkMember",
    "NumberPool",
    "Office",
    "OutboxOperation",
    "Person",
    "Province",
    "PurchaseContract",
    "SalesChannel",
    "Setting",
    "SigningKey",
    "Supporter",
    "SyncConflict",
    "SyncMixin",
    "new_id",
    "reference_id",
    "utcnow",
]
