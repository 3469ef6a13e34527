"""The issuance log of certificates (licence certificates now, attendance later)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, SyncMixin, utcnow
from common.vocabulary import CertificateKind

CERTIFICATE_KIND_LICENCE = CertificateKind.LICENCE
CERTIFICATE_KIND_ATTENDANCE = CertificateKind.ATTENDANCE
CERTIFICATE_KINDS = tuple(CertificateKind)


class CertificateIssue(SyncMixin, Base):
    """One certificate produced (append-only): which licence, its serial, who, when.

    ``serial`` is the human-facing certificate number (``PREFIX-C-000001``, unique);
    ``duplicate`` marks a reprint (المثنی) of a licence that already had a certificate;
    ``payload`` is the signed text its QR code carries (common.signing).
    ``licence_id`` is empty for an attendance certificate that belongs to no licence.
    """

    __tablename__ = "certificate_issue"

    licence_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("licence.id"), nullable=True, index=True
    )
    serial: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow, index=True
    )
    actor: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    duplicate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default=CERTIFICATE_KIND_LICENCE)
    #: The event participant an attendance certificate was issued to (empty otherwise).
    participant_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("event_participant.id"), nullable=True, index=True
    )
