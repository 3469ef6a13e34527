"""The referral letter and the follow-up letter: numbered, dated, signed like a
certificate, logged, verified; printing moves the case to «معرفی به بانک»; the pages are
rendered to PNG (screenshots/referral_letter.png, follow_up_letter.png) to be looked at."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import CertificateIssue, OutboxOperation
from app.services.certificates.pdf import extract_payloads
from app.services.certificates.service import CertificateService
from app.services.core.db import Database
from app.services.facilities.letters import FacilityLetters
from app.services.facilities.service import FacilityService
from common.errors import DomainError, ValidationErrors
from tests.services.facility_support import DAY0, open_case

SCREENSHOTS = Path(__file__).resolve().parents[3] / "screenshots"


def _png(pdf: bytes, name: str, tmp_path: Path) -> Path:
    """The first page rendered by pdftoppm, saved for a person to look at."""
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-singlefile", str(source), str(tmp_path / name)],
        check=True,
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    shutil.copy(tmp_path / f"{name}.png", target)
    return target


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_printing_the_referral_letter_refers_the_case(db: Database, tmp_path: Path) -> None:
    case = open_case(db, branch_name="شعبه میدان انقلاب", branch_code="4567")
    day = DAY0 + dt.timedelta(days=3)
    with db.session() as s:
        letter = FacilityLetters(s).referral_letter(case.id, today=day)
        row = s.scalar(select(CertificateIssue).where(CertificateIssue.serial == letter.number))
        assert row is not None and row.kind == "referral" and row.licence_id == case.licence_id
        tables = s.scalars(select(OutboxOperation.table_name)).all()
    assert letter.number == "0612-R-000001" and not letter.reprint
    assert letter.case.stage == "referred" and letter.case.dates["referred_on"] == day
    assert letter.case.referral_no == letter.number
    assert "certificate_issue" in tables
    [payload] = extract_payloads(letter.pdf)
    assert payload == row.payload
    with db.session() as s:
        [result] = CertificateService(s).verify(payload)
    assert result.valid, result.reason
    fields = dict(result.fields)
    assert fields["نوع گواهی‌نامه"] == "معرفی‌نامه به بانک"
    assert fields["شماره معرفی‌نامه"] == "0612-R-000001"
    assert fields["بانک"] == "بانک رفاه کارگران" and fields["کد شعبه"] == "۴۵۶۷"
    assert fields["مبلغ درخواستی"] == "۲۰۰٬۰۰۰٬۰۰۰ تومان"
    assert _png(letter.pdf, "referral_letter", tmp_path).stat().st_size > 20_000
    # The saved PDF verifies too: its page shows what its QR signs.
    with db.session() as s:
        [from_file] = CertificateService(s).verify(letter.pdf)
    assert from_file.valid, from_file.reason
    # A second print is a reprint with its own number; the case stays referred.
    with db.session() as s:
        again = FacilityLetters(s).referral_letter(case.id, today=day)
    assert again.reprint and again.number == "0612-R-000002"


def test_no_letter_without_a_branch_or_after_the_bank_has_the_file(db: Database) -> None:
    case = open_case(db)
    with db.session() as s, pytest.raises(ValidationErrors) as caught:
        FacilityLetters(s).referral_letter(case.id, today=DAY0 + dt.timedelta(days=2))
    assert set(caught.value.by_field()) == {"branch_name"}
    with db.session() as s:
        assert s.scalar(select(CertificateIssue.id)) is None  # nothing was logged
        service = FacilityService(s)
        detail = service.get(case.id)
        service.move(
            case.id,
            "bank_file",
            DAY0 + dt.timedelta(days=2),
            today=DAY0 + dt.timedelta(days=2),
            branch_name="شعبه مرکزی",
            branch_code="1234",
        )
        assert detail.stage == "requested"
    with db.session() as s, pytest.raises(DomainError):
        FacilityLetters(s).referral_letter(case.id, today=DAY0 + dt.timedelta(days=3))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_the_follow_up_letter_lists_a_banks_late_cases(db: Database, tmp_path: Path) -> None:
    day = DAY0 + dt.timedelta(days=2)
    for index, nid in enumerate(("0067749828", "0013542419", "0084575948")):
        case = open_case(db, nid, branch_name=f"شعبه {index + 1}", branch_code="1234")
        with db.session() as s:
            FacilityLetters(s).referral_letter(case.id, today=day)
    with db.session() as s:
        letters = FacilityLetters(s)
        with pytest.raises(DomainError):
            letters.follow_up_letter("013", today=day + dt.timedelta(days=5))  # none late yet
        pdf = letters.follow_up_letter("013", today=day + dt.timedelta(days=30))
        with pytest.raises(DomainError):
            letters.follow_up_letter("012", today=day + dt.timedelta(days=30))
    assert pdf.startswith(b"%PDF")
    assert _png(pdf, "follow_up_letter", tmp_path).stat().st_size > 20_000
