"""Licence and attendance certificates: issue (with the log and the signed QR payload),
batch, verify.

Issuing runs inside the caller's session (one unit of work): every certificate gets a
serial from the office's ``certificate_serial`` counter, a signed payload
(common.signing), a ``certificate_issue`` row with its outbox operation and a
``certificate`` entry in the licence's history, and the PDF is rendered before the
caller commits, so a failure leaves nothing behind. A reprint of a licence that already
has a certificate is marked as a duplicate (المثنی) on the page and in the log.

Attendance certificates (:meth:`CertificateService.attendance_certificates`) go to the
attendees of an event (app.services.events.records: registered and present on at least one
day); each is logged in ``certificate_issue`` with kind ``attendance`` and its
``participant_id``, and signed with claims of kind ``A``: ``n`` is the event's code,
``u`` the participant's unique ID, ``d``/``e`` the event's first and last day.

The look of the pages comes from ``certificate-style.json`` next to the database when
there is one, else from the style shipped in ``resources/certificates/style.json``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    BusinessField,
    CertificateIssue,
    Counter,
    County,
    Licence,
    LicenceHistory,
    new_id,
    utcnow,
)
from app.models.certificate import CERTIFICATE_KIND_ATTENDANCE, CERTIFICATE_KIND_LICENCE
from app.models.event import Event, EventParticipant
from app.models.licence import STATUS_REVOKED, STATUS_SUSPENDED
from app.services.certificates.pdf import (
    AttendanceCertificateData,
    CertificateStyle,
    LicenceCertificateData,
    default_style_path,
    load_style,
    render_attendance_certificates,
    render_licence_certificates,
)
from app.services.certificates.verification import verify_source
from app.services.core.office import OfficeInfo, certificate_settings, get_setting, require_office
from app.services.core.outbox import record_insert
from app.services.core.progress import Progress
from app.services.core.scope import OfficeScope, office_scope
from app.services.core.signing_keys import ensure_signing_key, trusted_keys
from app.services.licences import register
from app.services.licences.service import (
    STATUS_EXPIRED,
    LicenceDetail,
    LicenceService,
    effective_status,
    unique_id_for,
)
from common import jalali
from common.errors import DomainError
from common.key_set import merge_trusted
from common.signing import (
    CertificateClaims,
    TrustedKey,
    VerificationResult,
    sign_claims,
    verification_url,
    verify_payload,
)
from common.text import to_persian_digits

log = logging.getLogger("daftar.pdf")

#: An office's own certificate look, next to its database file.
STYLE_FILE_NAME = "certificate-style.json"
SERIAL_COUNTER = "certificate_serial"
HISTORY_ACTION = "certificate"
DUPLICATE_LABEL = "المثنی"
#: Licences whose data is held at once while checking or counting (bounded memory).
_CHUNK = 500
#: Flush pending rows this often during a batch, so the session holds few objects.
_FLUSH_EVERY = 100
_MAX_NAMED_REFUSALS = 10

REGISTER_ACTIVE = "active"
REGISTER_NOT_FOUND = "not_found"


@dataclass(frozen=True)
class IssuedCertificate:
    """One certificate produced (as logged)."""

    id: str
    licence_id: str
    licence_number: str
    serial: str
    duplicate: bool
    payload: str
    verification_code: str
    issued_at: dt.datetime
    actor: str
    kind: str = CERTIFICATE_KIND_LICENCE
    #: The event participant of an attendance certificate ("" for a licence's).
    participant_id: str = ""
    #: Whom the certificate names (the participant of an attendance certificate).
    holder_name: str = ""


def style_path_for(session: Session) -> Path:
    """The style file of the office: next to the database if present, else the shipped one."""
    database = session.get_bind().engine.url.database
    if database and database != ":memory:":
        candidate = Path(database).parent / STYLE_FILE_NAME
        if candidate.is_file():
            return candidate
    return default_style_path()


def office_style(session: Session) -> CertificateStyle:
    """The certificate look of this office (see :func:`style_path_for`), with the
    signatory and logo set in the office settings taking precedence over the file's."""
    style = load_style(style_path_for(session))
    settings = certificate_settings(session)
    changes: dict[str, Any] = {}
    if settings.signatory_name:
        changes["signatory_name"] = settings.signatory_name
    if settings.signatory_title:
        changes["signatory_title"] = settings.signatory_title
    if settings.logo:
        changes["logo"] = Path(settings.logo)
    return dataclasses.replace(style, **changes) if changes else style


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def serial_prefix(session: Session, licence_prefix: str, office_id: str) -> str:
    """The prefix of this office's certificate serials. An office that syncs shares its
    licence prefix (the county's code) with the county's other offices, so its serials
    also carry a tag from its own random id: serials never collide between offices."""
    if get_setting(session, "sync.office_id"):
        return f"{licence_prefix}-{office_id.replace('-', '')[-6:].upper()}"
    return licence_prefix


def allocate_serials(session: Session, prefix: str, count: int) -> list[str]:
    """The next ``count`` free certificate serials: ``PREFIX-C-000001`` (one counter update)."""
    if count <= 0:
        return []
    counter = session.get(Counter, SERIAL_COUNTER)
    if counter is None:
        counter = Counter(name=SERIAL_COUNTER, next_value=1)
        session.add(counter)
    value = counter.next_value
    result: list[str] = []
    while len(result) < count:
        wanted = [f"{prefix}-C-{value + i:06d}" for i in range(count - len(result))]
        value += len(wanted)
        taken: set[str] = set()
        for chunk in _chunks(wanted):
            taken.update(
                session.scalars(
                    select(CertificateIssue.serial).where(CertificateIssue.serial.in_(chunk))
                )
            )
        result.extend(serial for serial in wanted if serial not in taken)
    counter.next_value = value
    session.flush()
    return result


def _refusal(number: str, status: str, expiry: dt.date, today: dt.date) -> str | None:
    """Why licence ``number`` gets no certificate (Persian), or None if it may."""
    status = effective_status(status, expiry, today)
    if status == STATUS_SUSPENDED:
        return f"مجوز شماره {number} معلق است و برای آن گواهی‌نامه صادر نمی‌شود."
    if status == STATUS_REVOKED:
        return f"مجوز شماره {number} باطل شده است و برای آن گواهی‌نامه صادر نمی‌شود."
    if status == STATUS_EXPIRED:
        return (
            f"مجوز شماره {number} منقضی شده است "
            f"(تاریخ انقضا {jalali.format_jalali(expiry)}) "
            "و برای آن گواهی‌نامه صادر نمی‌شود؛ ابتدا آن را تمدید کنید."
        )
    return None


def _outside_refusal(
    scope: OfficeScope, number: str, county_id: str, county_name: str
) -> str | None:
    """A licence of a county outside this office's scope gets its certificate from that
    county's office (the server would refuse the log entry too)."""
    if scope.contains(county_id):
        return None
    return (
        f"مجوز شماره {number} متعلق به شهرستان «{county_name}» است و گواهی‌نامه آن را "
        "اداره همان شهرستان صادر می‌کند."
    )


@dataclass(frozen=True)
class PrintCheck:
    """Which licences of a batch may get a certificate (:meth:`CertificateService.printable`)."""

    printable_ids: tuple[str, ...]
    refused_ids: tuple[str, ...]
    #: One Persian sentence per refused licence, in the same order as ``refused_ids``.
    refusals: tuple[str, ...]

    def refusal_text(self, limit: int = _MAX_NAMED_REFUSALS) -> str:
        """The refusals, one a line; past ``limit`` the rest are counted, not named."""
        shown = list(self.refusals[:limit])
        if len(self.refusals) > len(shown):
            more = to_persian_digits(str(len(self.refusals) - len(shown)))
            shown.append(f"و {more} مجوز دیگر.")
        return "\n".join(shown)


class CertificateService:
    """Certificates of the office's licences, within one unit of work (a session)."""

    def __init__(self, session: Session, actor: str | None = None) -> None:
        self.session = session
        self.licences = LicenceService(session, actor)
        self.actor = self.licences.actor
        self.office: OfficeInfo = require_office(session)

    # -- issuing ---------------------------------------------------------------------------

    def printable(self, licence_ids: Sequence[str], today: dt.date | None = None) -> PrintCheck:
        """Which of ``licence_ids`` may get a certificate now, and why the others may not.

        A missing, suspended, revoked or expired licence is refused with a Persian
        sentence naming its number. Reads plain columns in chunks: no ORM objects are
        held. Repeated ids count once; the order of ``licence_ids`` is kept.
        """
        today = today or jalali.today()
        scope = office_scope(self.session)
        ids = list(dict.fromkeys(licence_ids))
        printable: list[str] = []
        refusals: list[str] = []
        refused_ids: list[str] = []
        for chunk in _chunks(ids):
            rows = self.session.execute(
                select(
                    Licence.id,
                    Licence.number,
                    Licence.status,
                    Licence.expiry_date,
                    Licence.county_id,
                    County.name.label("county_name"),
                )
                .join(County, County.id == Licence.county_id)
                .where(Licence.id.in_(chunk), Licence.deleted.is_(False))
            ).all()
            found = {row.id: row for row in rows}
            for licence_id in chunk:
                row = found.get(licence_id)
                refusal = (
                    "مجوز پیدا نشد؛ شاید حذف شده باشد."
                    if row is None
                    else _outside_refusal(scope, row.number, row.county_id, row.county_name)
                    or _refusal(row.number, row.status, row.expiry_date, today)
                )
                if refusal is None:
                    printable.append(licence_id)
                else:
                    refused_ids.append(licence_id)
                    refusals.append(refusal)
        return PrintCheck(tuple(printable), tuple(refused_ids), tuple(refusals))

    def check_printable(self, licence_ids: Sequence[str], today: dt.date | None = None) -> None:
        """Refuse (DomainError naming the licence numbers) missing, suspended, revoked or
        expired licences (see :meth:`printable`)."""
        check = self.printable(licence_ids, today)
        if check.refused_ids:
            raise DomainError(check.refusal_text())

    def _already_issued(self, licence_ids: Sequence[str]) -> set[str]:
        result: set[str] = set()
        for chunk in _chunks(licence_ids):
            result.update(
                str(licence_id)
                for licence_id in self.session.scalars(
                    select(CertificateIssue.licence_id)
                    .where(
                        CertificateIssue.licence_id.in_(chunk),
                        CertificateIssue.kind == CERTIFICATE_KIND_LICENCE,
                        CertificateIssue.deleted.is_(False),
                    )
                    .distinct()
                )
            )
        return result

    def _county_codes(self) -> dict[str, str]:
        return {
            row.id: row.code for row in self.session.execute(select(County.id, County.code)).all()
        }

    def licence_certificates(
        self,
        licence_ids: Sequence[str],
        progress: Progress | None = None,
        *,
        allow_invalid: bool = False,
        today: dt.date | None = None,
    ) -> tuple[bytes, list[IssuedCertificate]]:
        """Issue one certificate per licence and render them as one PDF.

        Refuses (DomainError, nothing written) a missing, suspended, revoked or expired
        licence unless ``allow_invalid``. Repeated ids are printed once. Returns the PDF
        bytes and what was logged; the caller's commit makes the log permanent.
        """
        ids = list(dict.fromkeys(licence_ids))
        if not ids:
            raise DomainError("هیچ مجوزی برای چاپ گواهی‌نامه انتخاب نشده است.")
        today = today or jalali.today()
        if not allow_invalid:
            self.check_printable(ids, today)
        private_key = ensure_signing_key(self.session)
        already = self._already_issued(ids)
        serials = allocate_serials(
            self.session,
            serial_prefix(self.session, self.office.licence_prefix, self.office.id),
            len(ids),
        )
        county_codes = self._county_codes()
        items: list[LicenceCertificateData] = []
        issued: list[IssuedCertificate] = []
        total = len(ids)
        for index, (licence_id, serial) in enumerate(zip(ids, serials, strict=True)):
            if progress is not None:
                progress.check()
            detail = self.licences.get(licence_id)
            duplicate = licence_id in already
            now = utcnow()
            signed = sign_claims(
                private_key,
                CertificateClaims(
                    serial=serial,
                    licence_number=detail.number,
                    unique_id=detail.unique_id,
                    national_id=detail.holder.national_id,
                    holder_name=detail.holder.full_name,
                    field_code=detail.field_code,
                    county_code=county_codes.get(detail.county_id, ""),
                    issue_date=detail.issue_date,
                    expiry_date=detail.expiry_date,
                    licence_kind=detail.kind,
                    kind=CERTIFICATE_KIND_LICENCE,
                    signed_at=now,
                ),
            )
            record = IssuedCertificate(
                id=new_id(),
                licence_id=licence_id,
                licence_number=detail.number,
                serial=serial,
                duplicate=duplicate,
                payload=signed.payload,
                verification_code=signed.verification_code,
                issued_at=now,
                actor=self.actor,
            )
            self._log(record)
            items.append(self._page_data(detail, record, today))
            issued.append(record)
            if (index + 1) % _FLUSH_EVERY == 0:
                self.session.flush()
            if progress is not None:
                progress.report(index + 1, total, "آماده‌سازی گواهی‌نامه‌ها")
        self.session.flush()
        pdf = render_licence_certificates(items, office_style(self.session), progress)
        log.info("issued %d licence certificate(s), %d byte PDF", len(issued), len(pdf))
        return pdf, issued

    def _log(self, record: IssuedCertificate) -> None:
        """The issuance row, its outbox operation and the licence's history entry."""
        row = CertificateIssue(
            id=record.id,
            licence_id=record.licence_id,
            serial=record.serial,
            issued_at=record.issued_at,
            actor=self.actor,
            duplicate=record.duplicate,
            payload=record.payload,
            kind=record.kind,
            rev=1,
            updated_at=record.issued_at,
            origin_office=self.office.id,
            deleted=False,
        )
        self.session.add(row)
        record_insert(self.session, row)
        changes: dict[str, list[str | None]] = {"certificate_serial": [None, record.serial]}
        if record.duplicate:
            changes["certificate_copy"] = [None, DUPLICATE_LABEL]
        entry = LicenceHistory(
            id=new_id(),
            licence_id=record.licence_id,
            at=record.issued_at,
            actor=self.actor,
            action=HISTORY_ACTION,
            changes=json.dumps(changes, ensure_ascii=False),
            reason=DUPLICATE_LABEL if record.duplicate else "",
            rev=1,
            updated_at=record.issued_at,
            origin_office=self.office.id,
            deleted=False,
        )
        self.session.add(entry)
        record_insert(self.session, entry)

    def _page_data(
        self, detail: LicenceDetail, record: IssuedCertificate, today: dt.date
    ) -> LicenceCertificateData:
        holder = detail.holder
        return LicenceCertificateData(
            office_province=self.office.province_name,
            office_county=self.office.county_name or None,
            holder_name=holder.full_name,
            father_name=holder.father_name or None,
            national_id=holder.national_id,
            birth_date=holder.birth_date,
            kind_label=detail.kind_label,
            field_name=detail.field_name,
            field_code=detail.field_code,
            approving_body=detail.approving_body or None,
            county=detail.county_name,
            activity_address=detail.activity_address or None,
            postal_code=holder.postal_code or None,
            licence_number=detail.number,
            unique_id=detail.unique_id,
            issue_date=detail.issue_date,
            expiry_date=detail.expiry_date,
            serial=record.serial,
            duplicate=record.duplicate,
            qr_payload=record.payload,
            verification_code=record.verification_code,
            issued_at=today,
            qr_text=self._qr_text(record.payload),
        )

    def _qr_text(self, payload: str) -> str:
        """What the QR code carries: the verification page's address with the payload
        when the office has a server (a phone camera opens it), else the payload."""
        server = get_setting(self.session, "sync.server_url")
        return verification_url(server, payload) if server else payload

    def licence_certificate_by_number(
        self, number: str, progress: Progress | None = None, *, allow_invalid: bool = False
    ) -> tuple[bytes, IssuedCertificate]:
        """One licence's certificate, the licence found by its number."""
        licence_id = self.licences.get_by_number(number).id
        pdf, issued = self.licence_certificates([licence_id], progress, allow_invalid=allow_invalid)
        return pdf, issued[0]

    def certificates_issued_since(
        self, since: dt.date | str, today: dt.date | None = None
    ) -> list[str]:
        """Ids of the active licences issued on or after ``since`` (a date, or Jalali text
        in any digits), in licence-number order: the week's batch."""
        date = (
            since
            if isinstance(since, dt.date)
            else jalali.parse_jalali(since, field="issued_since", label="تاریخ")
        )
        if date is None:  # pragma: no cover - required=True raises instead
            raise DomainError("تاریخ را وارد کنید.")
        flt = register.RegisterFilter(
            issued_since=date, status=REGISTER_ACTIVE, sort="number", descending=False
        )
        return register.ids(self.session, flt, today)

    # -- attendance certificates -------------------------------------------------------------

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
        events = EventService(self.session, self.actor)
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
            shown = refusals[:_MAX_NAMED_REFUSALS]
            if len(refusals) > len(shown):
                shown.append(f"و {to_persian_digits(str(len(refusals) - len(shown)))} نفر دیگر.")
            raise DomainError("\n".join(shown))
        private_key = ensure_signing_key(self.session)
        already: set[str] = set()
        for chunk in _chunks(ids):
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
            if (index + 1) % _FLUSH_EVERY == 0:
                self.session.flush()
            if progress is not None:
                progress.report(index + 1, total, "آماده‌سازی گواهی‌های حضور")
        self.session.flush()
        pdf = render_attendance_certificates(items, office_style(self.session), progress)
        log.info("issued %d attendance certificate(s), %d byte PDF", len(issued), len(pdf))
        return pdf, issued

    def event_attendance_certificates(
        self, event_id: str, progress: Progress | None = None, *, today: dt.date | None = None
    ) -> tuple[bytes, list[IssuedCertificate]]:
        """Attendance certificates for every attendee of an event (in registration order)."""
        from app.services.events.service import EventService

        events = EventService(self.session, self.actor)
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
                verification_code=_verification_code(row.payload),
                issued_at=row.issued_at,
                actor=row.actor,
                kind=row.kind,
                participant_id=participant_id,
            )
            for row in rows
        ]

    # -- the log ---------------------------------------------------------------------------

    def issuances(self, licence_id: str) -> list[IssuedCertificate]:
        """The certificates produced for a licence, newest first."""
        number = self.session.scalar(select(Licence.number).where(Licence.id == licence_id))
        rows = self.session.scalars(
            select(CertificateIssue)
            .where(CertificateIssue.licence_id == licence_id, CertificateIssue.deleted.is_(False))
            .order_by(CertificateIssue.issued_at.desc(), CertificateIssue.serial.desc())
        )
        result = []
        for row in rows:
            result.append(
                IssuedCertificate(
                    id=row.id,
                    licence_id=licence_id,
                    licence_number=number or "",
                    serial=row.serial,
                    duplicate=row.duplicate,
                    payload=row.payload,
                    verification_code=_verification_code(row.payload),
                    issued_at=row.issued_at,
                    actor=row.actor,
                    kind=row.kind,
                )
            )
        return result

    # -- verifying -------------------------------------------------------------------------

    def verify(
        self,
        source: str | bytes | Path,
        today: dt.date | None = None,
        *,
        extra_keys: Mapping[str, TrustedKey] | None = None,
    ) -> list[VerificationResult]:
        """Verify a payload, a PDF's bytes, or a file (PDF, or text with payloads).

        Each result says valid / invalid (with the Persian reason) and, where the local
        register knows the licence, adds its status: revoked, suspended or expired
        (``register_status``). ``extra_keys`` are trusted besides the database's key set
        (e.g. a published key file; a key in both keeps the stricter news). A PDF's pages
        are compared with what their payloads sign (app.services.certificates.pdf.check).
        A PDF without payloads is a DomainError.
        """
        keys = merge_trusted(trusted_keys(self.session), extra_keys or {})
        county_names = {
            row.code: row.name for row in self.session.execute(select(County.code, County.name))
        }
        today = today or jalali.today()
        results = []
        for result in verify_source(source, keys, county_names):
            if result.valid:
                result = (
                    self._with_event_register(result)
                    if result.data.get("t") == "A"
                    else self._with_register(result, today)
                )
            results.append(result)
        return results

    def _with_event_register(self, result: VerificationResult) -> VerificationResult:
        """An attendance certificate: is its participant in this office's event?"""
        code, national_id = result.data.get("n", ""), result.data.get("i", "")
        row = self.session.execute(
            select(EventParticipant.status, Event.title)
            .join(Event, Event.id == EventParticipant.event_id)
            .where(
                Event.code == code,
                EventParticipant.national_id == national_id,
                EventParticipant.deleted.is_(False),
            )
        ).first()
        if row is None:
            return dataclasses.replace(
                result,
                register_status=REGISTER_NOT_FOUND,
                register_note=(
                    "این رویداد یا شرکت‌کننده در دفتر این اداره ثبت نیست (شاید اداره دیگری "
                    "آن را برگزار کرده باشد)."
                ),
            )
        return dataclasses.replace(
            result,
            register_status=REGISTER_ACTIVE,
            register_note=f"این شرکت‌کننده در دفتر این اداره در رویداد «{row.title}» ثبت شده است.",
        )

    def _with_register(self, result: VerificationResult, today: dt.date) -> VerificationResult:
        unique_id = result.data.get("u", "")
        row = self.session.execute(
            select(
                Licence.number, Licence.status, Licence.status_reason, Licence.expiry_date
            ).where(Licence.unique_id == unique_id, Licence.deleted.is_(False))
        ).first()
        if row is None:
            signed_expiry = result.expiry_date
            if signed_expiry is not None and signed_expiry < today:
                return dataclasses.replace(
                    result,
                    register_status=STATUS_EXPIRED,
                    register_note=(
                        f"تاریخ اعتبار این مجوز ({jalali.format_jalali(signed_expiry)}) گذشته است."
                    ),
                )
            return dataclasses.replace(
                result,
                register_status=REGISTER_NOT_FOUND,
                register_note=(
                    "این مجوز در دفتر این اداره ثبت نیست (شاید اداره دیگری آن را صادر کرده "
                    "باشد)؛ وضعیت کنونی آن معلوم نیست."
                ),
            )
        status = effective_status(row.status, row.expiry_date, today)
        expiry = jalali.format_jalali(row.expiry_date)
        reason = f" دلیل: {row.status_reason}" if row.status_reason else ""
        notes = {
            REGISTER_ACTIVE: f"این مجوز در دفتر این اداره فعال است (اعتبار تا {expiry}).",
            STATUS_EXPIRED: f"این مجوز منقضی شده است (تاریخ انقضا در دفتر: {expiry}).",
            STATUS_SUSPENDED: f"این مجوز در دفتر این اداره معلق شده است.{reason}",
            STATUS_REVOKED: f"این مجوز در دفتر این اداره باطل شده است.{reason}",
        }
        return dataclasses.replace(
            result, register_status=status, register_note=notes.get(status, "")
        )


def _verification_code(payload: str) -> str:
    result = verify_payload(payload, {})
    return result.verification_code
