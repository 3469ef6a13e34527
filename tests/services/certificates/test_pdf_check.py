"""Verifying a PDF reads its pages: forged pages, swapped pages and pages without their
text are refused with a Persian reason; a genuine PDF, even re-saved, is not."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from app.services.certificates.pdf import extract_payloads
from app.services.certificates.pdf.check import missing_on_page, page_texts
from app.services.certificates.pdf.payloads import encode_payloads
from app.services.certificates.service import CertificateService
from app.services.core.db import Database
from common import signing
from common.signing import PAGE_MISMATCH
from tests.services.conftest import issue_test_licence


def _print(db: Database, *ids: str) -> bytes:
    with db.session() as session:
        pdf, _issued = CertificateService(session).licence_certificates(list(ids))
    return pdf


def _verify(db: Database, pdf: bytes) -> list[signing.VerificationResult]:
    with db.session() as session:
        return CertificateService(session).verify(pdf)


def _rewrite(
    pdf: bytes, pages: list[int], payloads: list[str], *, strip_text: bool = False
) -> bytes:
    """A PDF made of ``pages`` of ``pdf`` carrying ``payloads`` in its metadata."""
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for index in pages:
        writer.add_page(reader.pages[index])
    if strip_text:
        writer.remove_text()
    writer.add_metadata({"/Keywords": encode_payloads(payloads), "/Creator": "Daftar"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def two(db: Database) -> tuple[bytes, list[str]]:
    first = issue_test_licence(db, "0067749828", first_name="مریم", last_name="کریمی")
    second = issue_test_licence(db, "0012345679", first_name="علی", last_name="رضایی")
    pdf = _print(db, first.id, second.id)
    return pdf, extract_payloads(pdf)


def test_a_genuine_pdf_shows_what_it_signs_even_re_saved(
    db: Database, two: tuple[bytes, list[str]]
) -> None:
    pdf, payloads = two
    assert [r.status for r in _verify(db, pdf)] == ["valid", "valid"]
    resaved = _rewrite(pdf, [0, 1], payloads)
    assert [r.status for r in _verify(db, resaved)] == ["valid", "valid"]
    texts = page_texts(pdf)
    assert len(texts) == 2
    result = signing.verify_payload(payloads[0], {})
    assert missing_on_page(texts[0], result.data, result.verification_code) == []
    # Page 2 shows another holder, number, unique ID, serial and code.
    missing = missing_on_page(texts[1], result.data, result.verification_code)
    assert {"نام دارنده", "کد ملی", "شماره مجوز", "شناسه یکتا", "کد تأیید"} <= set(missing)
    assert "نوع مجوز" not in missing  # both are «مستقل»


def test_licence_two_s_page_with_licence_one_s_payload_is_refused(
    db: Database, two: tuple[bytes, list[str]]
) -> None:
    pdf, payloads = two
    forged = _rewrite(pdf, [1], [payloads[0]])
    [result] = _verify(db, forged)
    assert result.status == PAGE_MISMATCH and not result.valid
    assert "متن چاپ‌شده روی صفحه ۱ با اطلاعات امضاشده" in result.reason
    assert "شماره مجوز" in result.reason and "کد ملی" in result.reason
    assert result.register_status is None  # nothing from the register for a forgery
    assert result.data["i"] == "0067749828"  # what the payload claims is still shown


def test_swapped_pages_are_refused(db: Database, two: tuple[bytes, list[str]]) -> None:
    pdf, payloads = two
    swapped = _rewrite(pdf, [1, 0], payloads)
    results = _verify(db, swapped)
    assert [r.status for r in results] == [PAGE_MISMATCH, PAGE_MISMATCH]
    assert "صفحه ۲" in results[1].reason


def test_a_page_without_its_text_is_refused(db: Database, two: tuple[bytes, list[str]]) -> None:
    pdf, payloads = two
    blank = _rewrite(pdf, [0], [payloads[0]], strip_text=True)
    [result] = _verify(db, blank)
    assert result.status == PAGE_MISMATCH
    assert "متنی نیست" in result.reason


def test_pages_and_payloads_must_pair_up(db: Database, two: tuple[bytes, list[str]]) -> None:
    pdf, payloads = two
    extra_page = _rewrite(pdf, [0, 1], [payloads[0]])
    [result] = _verify(db, extra_page)
    assert result.status == PAGE_MISMATCH and "۲ صفحه" in result.reason


def test_an_invalid_payload_keeps_its_own_reason(
    db: Database, two: tuple[bytes, list[str]]
) -> None:
    pdf, payloads = two
    body, signature = payloads[0].rsplit(".", 1)
    broken = f"{body}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    forged = _rewrite(pdf, [0], [broken])
    [result] = _verify(db, forged)
    assert result.status in (signing.BAD_SIGNATURE, signing.MALFORMED)
