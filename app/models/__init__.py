"""SQLAlchemy models of the local database (no Qt here)."""

from app.models.base import Base, SyncMixin, new_id, reference_id, utcnow
from app.models.certificate import CertificateIssue
from app.models.licence import Licence, LicenceHistory
from app.models.office import Counter, Office, Setting
from app.models.person import Person
from app.models.reference import BusinessField, County, FieldGroup, Province
from app.models.sync import OutboxOperation

__all__ = [
    "Base",
    "BusinessField",
    "CertificateIssue",
    "Counter",
    "County",
    "FieldGroup",
    "Licence",
    "LicenceHistory",
    "Office",
    "OutboxOperation",
    "Person",
    "Province",
    "Setting",
    "SyncMixin",
    "new_id",
    "reference_id",
    "utcnow",
]
