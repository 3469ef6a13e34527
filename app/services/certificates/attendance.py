"""Workshop attendance certificates: issuing them to an event's attendees (registered and
present on at least one day, app.services.events.records), each logged in
``certificate_issue`` with kind ``attendance`` and its ``participant_id`` and signed with
claims of kind ``A`` (``n`` the event's code, ``u`` the participant's unique ID, ``d``/``e``
the event's first and last day), and listing a participant's certificates.

:class:`AttendanceCertificates` is the attendance half of
:class:`app.services.certificates.service.CertificateService` (which callers use); it holds
the session, the actor and the office, and what both halves share (county codes, the QR
code's text).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import BusinessField, CertificateIssue, County, new_id, utcnow
from app.models.certificate import CERTIFICATE_KIND_ATTENDANCE
from app.models.event import Event, EventParticipant
from app.services.certificates.pdf import AttendanceCertificateData, render_attendance_certificates
from app.services.certificates.records import (
    MAX_NAMED_REFUSALS,
    IssuedCertificate,
    verification_code,
)
from app.services.certificates.serials import (
    FLUSH_EVERY,
    allocate_serials,
    chunks,
    office_style,
    qr_text,
    serial_prefix,
)
from app.services.core.access import requires
from app.services.core.office import OfficeInfo, require_office
from app.services.core.outbox import record_insert
from app.services.core.progress import Progress
from app.services.core.signing_keys import ensure_signing_key
from app.services.licences.numbers import unique_id_for
from app.services.licences.service import LicenceService
from common import jalali
from common.errors import DomainError
from common.signing import CertificateClaims, sign_claims
from common.text import to_persian_digits
from common.vocabulary import Permission

log = logging.getLogger("daftar.pdf")


class AttendanceCertificates:
    """Attendance certificates of the office's events, within one unit of work (a session)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.licences = LicenceService(session)
        self.actor = self.licences.actor
        self.office: OfficeInfo = require_office(session)

    # -- issuing ---------------------------------------------------------------------------
    def _county_codes(self) -> dict[str, str]:
        return {
            row.id: row.code for row in self.session.execute(select(County.id, County.code)).all()
        }

    def _qr_text(self, payload: str) -> str:
        """What the QR code carries (:func:`~app.services.certificates.serials.qr_text`)."""
        return qr_text(self.session, payload)

    @requires(Permission.PRINT)
    def attendance_certificates(
        self,
        participant_ids: Sequence[str],
        progress: Progress | None = None,
        *,
        today: dt.date | None = None,
    ) -> tuple[bytes, list[IssuedCertificate]]:
        """Issue one attendance certificate per participant and render them as one PDF.

        Refuses (DomainError naming them, nothing written) participants who are not
        attendees (see app.services.events.records.ATTENDEE_MIN_DAYS). A participant who already
        had one gets a duplicate (المثنی). Repeated ids are printed once.
        """
        from app.services.events.fields import hours_of
        from app.services.events.service import EventService

        ids = list(dict.fromkeys(participant_ids))
        if not ids:
            raise DomainError("هیچ شرکت‌کننده‌ای برای چاپ گواهی حضور انتخاب نشده است.")
        today = today or jalali.today()
        events = EventService(self.session)
        infos = []
        refusals: list[str] = []
        for participant_id in ids:
            info = events.participant(participant_id)
            if not info.is_attendee:
                refusals.append(
                    f"{info.full_name} ({info.national_id}) در این رویداد حاضر نبوده است "
                    "و گواهی حضور نمی‌گیرد."
                )
            infos.append(info)
        if refusals:
            shown = refusals[:MAX_NAMED_REFUSALS]
            if len(refusals) > len(shown):
                shown.append(f"و {to_persian_digits(str(len(refusals) - len(shown)))} نفر دیگر.")
            raise DomainError("\n".join(shown))
        private_key = ensure_signing_key(self.session)
        already: set[str] = set()
        for chunk in chunks(ids):
            already.update(
                str(pid)
                for pid in self.session.scalars(
                    select(CertificateIssue.participant_id)
                    .where(
                        CertificateIssue.participant_id.in_(chunk),
                        CertificateIssue.kind == CERTIFICATE_KIND_ATTENDANCE,
                        CertificateIssue.deleted.is_(False),
                    )
                    .distinct()
                )
            )
        serials = allocate_serials(
            self.session,
            serial_prefix(self.session, self.office.licence_prefix, self.office.id),
            len(ids),
        )
        county_codes = self._county_codes()
        details: dict[str, Any] = {}
        items: list[AttendanceCertificateData] = []
        issued: list[IssuedCertificate] = []
        total = len(ids)
        for index, (info, serial) in enumerate(zip(infos, serials, strict=True)):
            if progress is not None:
                progress.check()
            event = details.get(info.event_id)
            if event is None:
                event = details[info.event_id] = events.get(info.event_id)
            field_code = ""
            if event.field_ids:
                field_code = (
                    self.session.scalar(
                        select(BusinessField.code).where(BusinessField.id == event.field_ids[0])
                    )
                    or ""
                )
            duplicate = info.id in already
            now = utcnow()
            signed = sign_claims(
                private_key,
                CertificateClaims(
                    serial=serial,
                    licence_number=event.code,
                    unique_id=unique_id_for(info.id),
                    national_id=info.national_id,
                    holder_name=info.full_name,
                    field_code=field_code,
                    county_code=county_codes.get(event.county_id, ""),
                    issue_date=event.start_date,
                    expiry_date=event.end_date,
                    licence_kind="",
                    kind=CERTIFICATE_KIND_ATTENDANCE,
                    signed_at=now,
                ),
            )
            record = IssuedCertificate(
                id=new_id(),
                licence_id="",
                licence_number=event.code,
                serial=serial,
                duplicate=duplicate,
                payload=signed.payload,
                verification_code=signed.verification_code,
                issued_at=now,
                actor=self.actor,
                kind=CERTIFICATE_KIND_ATTENDANCE,
                participant_id=info.id,
                holder_name=info.full_name,
            )
            row = CertificateIssue(
                id=record.id,
                licence_id=None,
                participant_id=info.id,
                serial=serial,
                issued_at=now,
                actor=self.actor,
                duplicate=duplicate,
                payload=record.payload,
                kind=CERTIFICATE_KIND_ATTENDANCE,
                rev=1,
                updated_at=now,
                origin_office=self.office.id,
                deleted=False,
            )
            self.session.add(row)
            record_insert(self.session, row)
            items.append(
                AttendanceCertificateData(
                    office_province=self.office.province_name,
                    office_county=self.office.county_name or None,
                    participant_name=info.full_name,
                    national_id=info.national_id,
                    event_title=event.title,
                    event_kind_label=event.kind_label,
                    start_date=event.start_date,
                    end_date=event.end_date,
                    hours=hours_of(
                        event.start_date, event.end_date, event.start_time, event.end_time
                    ),
                    organiser=event.organiser_name or None,
                    venue=event.venue or None,
                    county=event.county_name,
                    serial=serial,
                    duplicate=duplicate,
                    qr_payload=record.payload,
                    verification_code=record.verification_code,
                    issued_at=today,
                    qr_text=self._qr_text(record.payload),
                )
            )
            issued.append(record)
            if (index + 1) % FLUSH_EVERY == 0:
                self.session.flush()
            if progress is not None:
                progress.report(index + 1, total, "آماده‌سازی گواهی‌های حضور")
        self.session.flush()
        pdf = render_attendance_certificates(items, office_style(self.session), progress)
        log.info("issued %d attendance certificate(s), %d byte PDF", len(issued), len(pdf))
        return pdf, issued

    @requires(Permission.PRINT)
    def event_attendance_certificates(
        self, event_id: str, progress: Progress | None = None, *, today: dt.date | None = None
    ) -> tuple[bytes, list[IssuedCertificate]]:
        """Attendance certificates for every attendee of an event (in registration order)."""
        from app.services.events.service import EventService

        events = EventService(self.session)
        event = events.get(event_id)
        ids = events.attendee_ids(event_id)
        if not ids:
            raise DomainError(
                f"در رویداد {event.code} کسی حضور نداشته است؛ گواهی حضوری صادر نمی‌شود."
            )
        return self.attendance_certificates(ids, progress, today=today)

    def attendance_issuances(self, participant_id: str) -> list[IssuedCertificate]:
        """The attendance certificates produced for a participant, newest first."""
        code = self.session.scalar(
            select(Event.code)
            .join(EventParticipant, EventParticipant.event_id == Event.id)
            .where(EventParticipant.id == participant_id)
        )
        rows = self.session.scalars(
            select(CertificateIssue)
            .where(
                CertificateIssue.participant_id == participant_id,
                CertificateIssue.deleted.is_(False),
            )
            .order_by(CertificateIssue.issued_at.desc(), CertificateIssue.serial.desc())
        )
        return [
            IssuedCertificate(
                id=row.id,
                licence_id="",
                licence_number=code or "",
                serial=row.serial,
                duplicate=row.duplicate,
                payload=row.payload,
                verification_code=verification_code(row.payload),
                issued_at=row.issued_at,
                actor=row.actor,
                kind=row.kind,
                participant_id=participant_id,
            )
            for row in rows
        ]
