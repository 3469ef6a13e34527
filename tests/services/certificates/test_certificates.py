"""CertificateService: issuing with the log, reprints, refusals, batches and verification."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from app.models import CertificateIssue, Counter, LicenceHistory, OutboxOperation
from app.services import demo
from app.services.certificates.pdf import extract_payloads
from app.services.certificates.serials import STYLE_FILE_NAME, office_style, style_path_for
from app.services.certificates.service import CertificateService
from app.services.core import signing_keys
from app.services.core.db import Database
from app.services.core.progress import Cancelled, Progress
from app.services.licences.records import ACTION_LABELS
from app.services.licences.service import LicenceService
from common import jalali, signing
from common.errors import DomainError
from tests.accounts_support import TEST_HEAD, granted
from tests.services.conftest import issue_test_licence, make_national_id


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _print(db: Database, *ids: str, **kw: bool) -> tuple[bytes, list]:  # type: ignore[type-arg]
    with db.session() as s:
        return CertificateService(s).licence_certificates(list(ids), **kw)


def test_issue_logs_signs_and_renders(db: Database) -> None:
    licence = issue_test_licence(db)
    pdf, issued = _print(db, licence.id)
    assert pdf.startswith(b"%PDF")
    [cert] = issued
    assert cert.serial == "0612-C-000001"
    assert not cert.duplicate
    assert cert.licence_number == licence.number
    assert extract_payloads(pdf) == [cert.payload]
    with db.session() as s:
        row = s.scalar(select(CertificateIssue))
        assert row is not None
        assert (row.licence_id, row.serial, row.actor, row.kind) == (
            licence.id,
            cert.serial,
            TEST_HEAD.name,
            "licence",
        )
        assert row.payload == cert.payload and row.duplicate is False
        assert row.issued_at is not None and row.origin_office
        op = s.scalar(select(OutboxOperation).where(OutboxOperation.row_id == row.id))
        assert op is not None and op.table_name == "certificate_issue" and op.op == "insert"
        assert json.loads(op.changes)["serial"] == [None, cert.serial]
        history = LicenceService(s).history(licence.id)
    assert history[0].action == "certificate"
    assert history[0].action_label == ACTION_LABELS["certificate"] == "صدور گواهی‌نامه"
    assert any("0612-C-000001" in line or "۰۶۱۲-C-۰۰۰۰۰۱" in line for line in history[0].lines)
    [result] = _verify(db, pdf)
    assert result.valid and result.register_status == "active"
    assert result.data["s"] == cert.serial and result.data["n"] == licence.number
    assert result.data["u"] == licence.unique_id and result.data["i"] == "0067749828"
    assert result.verification_code == cert.verification_code
    assert dict(result.fields)["شهرستان"].startswith("تهران")


def _verify(db: Database, source: object, **kw: object) -> list[signing.VerificationResult]:
    with db.session() as s:
        return CertificateService(s).verify(source, **kw)  # type: ignore[arg-type]


def test_reprint_is_marked_duplicate_and_in_history(db: Database) -> None:
    licence = issue_test_licence(db)
    _print(db, licence.id)
    pdf, [again] = _print(db, licence.id)
    assert again.duplicate and again.serial == "0612-C-000002"
    with db.session() as s:
        service = CertificateService(s)
        log = service.issuances(licence.id)
        assert [c.serial for c in log] == ["0612-C-000002", "0612-C-000001"]
        assert [c.duplicate for c in log] == [True, False]
        assert log[0].verification_code == again.verification_code
        entries = [e for e in LicenceService(s).history(licence.id) if e.action == "certificate"]
    assert len(entries) == 2
    assert entries[0].reason == "المثنی"
    assert any("المثنی" in line for line in entries[0].lines)
    assert entries[1].reason == ""
    # Both the original and the reprint verify.
    assert _verify(db, pdf)[0].valid


def _make_suspended(db: Database, licence_id: str) -> None:
    with db.session() as s:
        LicenceService(s).suspend(licence_id, "بازدید")


def _make_revoked(db: Database, licence_id: str) -> None:
    with db.session() as s:
        LicenceService(s).revoke(licence_id, "درخواست دارنده")


@pytest.mark.parametrize(
    ("state", "words"),
    [("suspended", "معلق"), ("revoked", "باطل"), ("expired", "منقضی")],
)
def test_refuses_suspended_revoked_and_expired(db: Database, state: str, words: str) -> None:
    if state == "expired":
        licence = issue_test_licence(db, issue_date="1398/01/10", expiry_date="1399/01/10")
    else:
        licence = issue_test_licence(db)
        {"suspended": _make_suspended, "revoked": _make_revoked}[state](db, licence.id)
    good = issue_test_licence(db, "4032152314", first_name="علی", last_name="رضایی")
    history_before = _count(db, LicenceHistory)
    outbox_before = _count(db, OutboxOperation)
    with pytest.raises(DomainError) as info:
        _print(db, good.id, licence.id)
    assert licence.number in info.value.message and words in info.value.message
    # Nothing written, not even for the good licence of the batch, nor a serial used.
    assert _count(db, CertificateIssue) == 0
    assert _count(db, LicenceHistory) == history_before
    assert _count(db, OutboxOperation) == outbox_before
    # The clerk may still override (e.g. a copy for the archive).
    _pdf, issued = _print(db, licence.id, allow_invalid=True)
    assert issued[0].serial == "0612-C-000001"


def test_printable_splits_a_batch(db: Database) -> None:
    good = issue_test_licence(db)
    suspended = issue_test_licence(db, "4032152314", first_name="علی", last_name="رضایی")
    _make_suspended(db, suspended.id)
    expired = issue_test_licence(
        db, "0499370899", issue_date="1398/01/10", expiry_date="1399/01/10"
    )
    missing = "01900000-0000-7000-8000-000000000000"
    with db.session() as s:
        check = CertificateService(s).printable(
            [expired.id, good.id, suspended.id, good.id, missing]
        )
    assert check.printable_ids == (good.id,)
    assert check.refused_ids == (expired.id, suspended.id, missing)
    assert len(check.refusals) == 3
    assert expired.number in check.refusals[0] and "منقضی" in check.refusals[0]
    assert suspended.number in check.refusals[1] and "معلق" in check.refusals[1]
    assert "پیدا نشد" in check.refusals[2]
    assert check.refusal_text().split("\n") == list(check.refusals)
    assert check.refusal_text(limit=1).split("\n") == [check.refusals[0], "و ۲ مجوز دیگر."]
    assert _count(db, CertificateIssue) == 0  # checking writes nothing


def test_missing_licence(db: Database) -> None:
    with pytest.raises(DomainError) as info:
        _print(db, "01900000-0000-7000-8000-000000000000")
    assert "پیدا نشد" in info.value.message
    with db.session() as s, pytest.raises(DomainError) as info:
        CertificateService(s).licence_certificate_by_number("0612-999999")
    assert "0612-999999" in info.value.message
    with pytest.raises(DomainError):
        _print(db)


def test_serials_are_unique_and_skip_taken_ones(db: Database) -> None:
    with db.session() as s:
        granted(s)
        demo.generate(s, 12, seed=3)
        ids = CertificateService(s).certificates_issued_since("1300/01/01")
    assert len(ids) >= 5
    _pdf, first = _print(db, *ids[:3])
    assert [c.serial for c in first] == ["0612-C-000001", "0612-C-000002", "0612-C-000003"]
    # A serial already present (e.g. restored from elsewhere) is never reused.
    with db.session() as s:
        granted(s)
        counter = s.get(Counter, "certificate_serial")
        assert counter is not None and counter.next_value == 4
        counter.next_value = 2
    _pdf, second = _print(db, *ids[3:5])
    assert [c.serial for c in second] == ["0612-C-000004", "0612-C-000005"]
    with db.session() as s:
        granted(s)
        serials = list(s.scalars(select(CertificateIssue.serial)))
    assert len(serials) == len(set(serials)) == 5


def test_same_licence_twice_in_a_batch_prints_once(db: Database) -> None:
    licence = issue_test_licence(db)
    pdf, issued = _print(db, licence.id, licence.id)
    assert len(issued) == 1 and len(extract_payloads(pdf)) == 1


def test_issued_since_batch(db: Database) -> None:
    early = issue_test_licence(db, issue_date="1403/01/15")
    rng = random.Random(7)
    later = issue_test_licence(db, make_national_id(rng), issue_date="1403/06/01")
    latest = issue_test_licence(db, make_national_id(rng), issue_date="1403/07/01")
    suspended = issue_test_licence(db, make_national_id(rng), issue_date="1403/08/01")
    _make_suspended(db, suspended.id)
    with db.session() as s:
        service = CertificateService(s)
        ids = service.certificates_issued_since("۱۴۰۳/۰۶/۰۱")
        assert ids == [later.id, latest.id]  # number order; suspended left out
        assert service.certificates_issued_since(jalali.from_jalali(1403, 1, 1))[0] == early.id
        with pytest.raises(DomainError):
            service.certificates_issued_since("1403/13/01")
        pdf, issued = service.licence_certificates(ids)
    assert [c.licence_id for c in issued] == ids
    results = _verify(db, pdf)
    assert [r.data["n"] for r in results] == [later.number, latest.number]
    assert all(r.valid for r in results)


def test_verify_adds_the_register_status(db: Database) -> None:
    licence = issue_test_licence(db)
    pdf, _ = _print(db, licence.id)
    far_future = jalali.from_jalali(1410, 1, 1)
    [expired] = _verify(db, pdf, today=far_future)
    assert expired.valid and expired.register_status == "expired"
    assert "منقضی" in expired.register_note
    _make_suspended(db, licence.id)
    [suspended] = _verify(db, pdf)
    assert suspended.valid and suspended.register_status == "suspended"
    with db.session() as s:
        LicenceService(s).reactivate(licence.id)
    _make_revoked(db, licence.id)
    [revoked] = _verify(db, pdf)
    assert revoked.valid and revoked.register_status == "revoked"
    assert "درخواست دارنده" in revoked.register_note


def test_verify_from_a_file_a_path_text_and_a_payload(db: Database, tmp_path: Path) -> None:
    licence = issue_test_licence(db)
    pdf, [cert] = _print(db, licence.id)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    assert _verify(db, path)[0].valid
    assert _verify(db, str(path))[0].valid
    assert _verify(db, cert.payload)[0].valid
    text_file = tmp_path / "scanned.txt"
    text_file.write_text(f"{cert.payload}\n{cert.payload[:-1]}x\n", encoding="utf-8")
    assert [r.valid for r in _verify(db, text_file)] == [True, False]
    tampered = cert.payload.replace(".", ".A", 1)
    [bad] = _verify(db, tampered)
    assert not bad.valid and bad.register_status is None


def test_verify_a_pdf_without_payloads(db: Database) -> None:
    with pytest.raises(DomainError) as info:
        _verify(db, b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")
    assert "PDF" in info.value.message


def test_certificates_of_other_offices(db: Database) -> None:
    licence = issue_test_licence(db)
    _pdf, [cert] = _print(db, licence.id)
    other = Ed25519PrivateKey.generate()
    claims = signing.CertificateClaims(
        serial="0101-C-000009",
        licence_number="0101-000001",
        unique_id="ZZZZ-ZZZZ-ZZZZ",
        national_id="0067749828",
        holder_name="مریم کریمی",
        field_code="020001",
        county_code="2301",
        issue_date=dt.date(2025, 1, 1),
        expiry_date=dt.date(2099, 1, 1),
    )
    payload = signing.sign_claims(other, claims).payload
    [unknown] = _verify(db, payload)
    assert unknown.status == signing.UNKNOWN_KEY
    with db.session() as s:
        signing_keys.add_trusted_key(
            s, base64.b64encode(other.public_key().public_bytes_raw()).decode()
        )
    [known] = _verify(db, payload)
    assert known.valid and known.register_status == "not_found"
    assert "ثبت نیست" in known.register_note
    assert _verify(db, cert.payload)[0].valid  # the office's own key is still known


def test_office_style_next_to_the_database(db: Database) -> None:
    with db.session() as s:
        assert style_path_for(s).name == "style.json"
        (db.path.parent / STYLE_FILE_NAME).write_text(
            json.dumps({"title": "مجوز مشاغل خانگی", "signatory_name": "علی رضایی"}),
            encoding="utf-8",
        )
        assert style_path_for(s) == db.path.parent / STYLE_FILE_NAME
        style = office_style(s)
    assert style.title == "مجوز مشاغل خانگی" and style.signatory_name == "علی رضایی"


def test_cancel_writes_nothing(db: Database) -> None:
    licence = issue_test_licence(db)
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        _print_with(db, [licence.id], progress)
    assert _count(db, CertificateIssue) == 0


def _print_with(db: Database, ids: list[str], progress: Progress) -> None:
    with db.session() as s:
        CertificateService(s).licence_certificates(ids, progress)


def test_batch_reports_progress_and_keeps_few_objects(db: Database) -> None:
    with db.session() as s:
        demo.generate(s, 150, seed=5)
        ids = CertificateService(s).certificates_issued_since("1300/01/01")
    reports: list[tuple[int, int | None, str]] = []
    progress = Progress(lambda done, total, text: reports.append((done, total, text)))
    with db.session() as s:
        pdf, issued = CertificateService(s).licence_certificates(ids, progress)
        # The session does not hold every licence (the identity map is weak).
        assert len(s.identity_map) < len(ids)
    assert len(issued) == len(ids) == len(extract_payloads(pdf))
    assert reports[-1][0] == reports[-1][1] == len(ids)
