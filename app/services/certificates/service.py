"""Licence and attendance certificates: :class:`CertificateService`, the one service
callers use to issue (with the log and the signed QR payload), batch and verify them. This
module holds licence certificates, the log and verifying; attendance certificates are in
:mod:`app.services.certificates.attendance`, serials and the office's look in
:mod:`app.services.certificates.serials`, what the register adds to a verification in
:mod:`app.services.certificates.register_status`.

Issuing runs inside the caller's session (one unit of work): every certificate gets a
serial from the office's ``certificate_serial`` counter, a signed payload
(common.signing), a ``certificate_issue`` row with its outbox operation and a
``certificate`` entry in the licence's history, and the PDF is rendered before the
caller commits, so a failure leaves nothing behind. A reprint of a licence that already
has a certificate is marked as a duplicate (المثنی) on the page and in the log.

The look of the pages comes from ``certificate-style.json`` next to the database when
there is one, else from the style shipped in ``resources/certificates/style.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy import or_, select

from app.models import CertificateIssue, County, Licence, LicenceHistory, new_id, utcnow
from app.models.certificate import CERTIFICATE_KIND_LICENCE
from app.models.licence import STATUS_REVOKED, STATUS_SUSPENDED
from app.services.certificates.attendance import AttendanceCertificates
from app.services.certificates.pdf import LicenceCertificateData, render_licence_certificates
from app.services.certificates.records import (
    REGISTER_ACTIVE,
    IssuedCertificate,
    PrintCheck,
    verification_code,
)
from app.services.certificates.register_status import with_event_register, with_register
from app.services.certificates.serials import (
    FLUSH_EVERY,
    allocate_serials,
    chunks,
    office_style,
    serial_prefix,
)
from app.services.certificates.verification import verify_source
from app.services.core.access import requires
from app.services.core.outbox import record_insert
from app.services.core.progress import Progress
from app.services.core.scope import OfficeScope, office_scope
from app.services.core.signing_keys import ensure_signing_key, trusted_keys
from app.services.licences import register
from app.services.licences.records import STATUS_EXPIRED, LicenceDetail, effective_status
from common import jalali
from common.errors import DomainError
from common.key_set import merge_trusted
from common.signing import CertificateClaims, TrustedKey, VerificationResult, sign_claims
from common.vocabulary import Permission

log = logging.getLogger("daftar.pdf")

HISTORY_ACTION = "certificate"
DUPLICATE_LABEL = "المثنی"


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


class CertificateService(AttendanceCertificates):
    """Certificates of the office's licences and events, within one unit of work (a session)."""

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
        for chunk in chunks(ids):
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
        for chunk in chunks(licence_ids):
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

    @requires(Permission.PRINT)
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
            if (index + 1) % FLUSH_EVERY == 0:
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

    # -- the log ---------------------------------------------------------------------------

    def issuances(self, licence_id: str) -> list[IssuedCertificate]:
        """The certificates produced for a licence, newest first."""
        return self.issuances_of([licence_id], [])

    def issuances_of(
        self, licence_ids: Sequence[str], participant_ids: Sequence[str]
    ) -> list[IssuedCertificate]:
        """The certificates produced for these licences (licence certificates) and event
        participants (attendance certificates), newest first: a person's certificates."""
        if not licence_ids and not participant_ids:
            return []
        numbers: dict[str, str] = {
            licence_id: number
            for licence_id, number in self.session.execute(
                select(Licence.id, Licence.number).where(Licence.id.in_(list(licence_ids)))
            )
        }
        rows = self.session.scalars(
            select(CertificateIssue)
            .where(
                or_(
                    CertificateIssue.licence_id.in_(list(licence_ids)),
                    CertificateIssue.participant_id.in_(list(participant_ids)),
                ),
                CertificateIssue.deleted.is_(False),
            )
            .order_by(CertificateIssue.issued_at.desc(), CertificateIssue.serial.desc())
        )
        return [
            IssuedCertificate(
                id=row.id,
                licence_id=row.licence_id or "",
                licence_number=numbers.get(row.licence_id or "", ""),
                serial=row.serial,
                duplicate=row.duplicate,
                payload=row.payload,
                verification_code=verification_code(row.payload),
                issued_at=row.issued_at,
                actor=row.actor,
                kind=row.kind,
                participant_id=row.participant_id or "",
            )
            for row in rows
        ]

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
                    with_event_register(self.session, result)
                    if result.data.get("t") == "A"
                    else with_register(self.session, result, today)
                )
            results.append(result)
        return results
