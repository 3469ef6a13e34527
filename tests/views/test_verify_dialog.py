"""VerifyDialog: valid, tampered, revoked and foreign certificates; PDFs; scanners."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from app.services.certificates.service import CertificateService
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.services.licences.records import LicenceDetail
from app.services.licences.service import LicenceService
from app.views import verify_dialog
from app.views.context import AppContext
from app.views.main_window import MainWindow
from app.views.verify_dialog import VerifyDialog
from tests.views.licence_support import OTHER_VALID_NID, issue_licence, save_screenshot

LRI, PDI = "\u2066", "\u2069"


@pytest.fixture
def licence(db: Database, office: OfficeInfo) -> LicenceDetail:
    return issue_licence(db, office)


def certificates(db: Database, *ids: str) -> tuple[bytes, list[Any]]:
    with db.session() as session:
        return CertificateService(session).licence_certificates(list(ids))


def make_dialog(qtbot: QtBot, context: AppContext) -> VerifyDialog:
    dialog = VerifyDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def check(qtbot: QtBot, dialog: VerifyDialog, text: str) -> None:
    dialog.payload_edit.setText(text)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)


def fields(dialog: VerifyDialog) -> dict[str, str]:
    model = dialog.fields_model
    return {model.text(r, 0): model.text(r, 1) for r in range(model.rowCount())}


def test_a_valid_certificate(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
) -> None:
    _pdf, [issued] = certificates(db, licence.id)
    dialog = make_dialog(qtbot, ctx)
    assert dialog.windowTitle() == "بررسی اصالت گواهی‌نامه"
    assert dialog.result_frame.isHidden()
    assert dialog.payload_edit.layoutDirection() == Qt.LayoutDirection.LeftToRight
    check(qtbot, dialog, issued.payload)
    assert dialog.verdict_label.text() == "معتبر"
    assert dialog.verdict_label.property("valid") is True
    assert "#2e7d32" in dialog.verdict_label.styleSheet()
    assert dialog.badge_label.isHidden()  # active in this register: no badge
    assert dialog.reason_label.text().startswith("گواهی‌نامه اصل است")
    assert "فعال است" in dialog.register_label.text()
    assert dialog.code_label.text().startswith(f"کد تأیید: {LRI}{issued.verification_code}{PDI}")
    assert dialog.fields_title.text() == "اطلاعات امضاشده"
    data = fields(dialog)
    assert data["نام دارنده"] == f"{LRI}مریم کریمی{PDI}" or data["نام دارنده"] == "مریم کریمی"
    assert data["شماره مجوز"] == f"{LRI}۰۶۱۲-۰۰۰۰۰۱{PDI}"
    assert data["شماره گواهی‌نامه"] == f"{LRI}0612-C-000001{PDI}"
    assert data["کد ملی"] == f"{LRI}۰۰۶۷۷۴۹۸۲۸{PDI}"
    assert data["شهرستان"].startswith("تهران")
    assert dialog.results_list.isHidden()
    # Ready for the next scan: the code is selected, so the scanner's typing replaces it.
    assert dialog.payload_edit.selectedText() == issued.payload
    save_screenshot(dialog, "verify_valid")


def test_a_tampered_certificate(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
) -> None:
    _pdf, [issued] = certificates(db, licence.id)
    payload = issued.payload
    middle = len("DFT1.") + 8  # inside the claims (the signing time), not the key id
    tampered = payload[:middle] + ("A" if payload[middle] != "A" else "B") + payload[middle + 1 :]
    dialog = make_dialog(qtbot, ctx)
    check(qtbot, dialog, tampered)
    assert dialog.verdict_label.text() == "نامعتبر"
    assert dialog.verdict_label.property("valid") is False
    assert "#c62828" in dialog.verdict_label.styleSheet()
    assert dialog.badge_label.isHidden()
    reason = dialog.reason_label.text()
    assert reason and ("دست‌کاری" in reason or "جعلی" in reason or "خراب" in reason)
    assert "#c62828" in dialog.reason_label.styleSheet()
    assert dialog.register_label.isHidden()
    save_screenshot(dialog, "verify_invalid")


def test_a_forged_signature_shows_what_it_claims(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
) -> None:
    _pdf, [issued] = certificates(db, licence.id)
    body, signature = issued.payload.rsplit(".", 1)
    swapped = "B" if signature[10] == "A" else "A"  # a middle character: still canonical
    forged = f"{body}.{signature[:10]}{swapped}{signature[11:]}"
    dialog = make_dialog(qtbot, ctx)
    check(qtbot, dialog, forged)
    assert dialog.verdict_label.text() == "نامعتبر"
    assert dialog.fields_title.text() == "اطلاعاتی که این کد ادعا می‌کند (تأیید نشده)"
    assert "شماره مجوز" in fields(dialog)


def test_a_revoked_licence_certificate(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
) -> None:
    _pdf, [issued] = certificates(db, licence.id)
    with db.session() as session:
        LicenceService(session).revoke(licence.id, "درخواست دارنده")
    dialog = make_dialog(qtbot, ctx)
    check(qtbot, dialog, issued.payload)
    assert dialog.verdict_label.text() == "معتبر"
    assert dialog.badge_label.isVisible() and dialog.badge_label.text() == "باطل‌شده"
    assert dialog.badge_label.property("status") == "revoked"
    assert "باطل شده" in dialog.register_label.text()
    assert "درخواست دارنده" in dialog.register_label.text()
    save_screenshot(dialog, "verify_revoked")


def test_a_suspended_licence_certificate(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
) -> None:
    _pdf, [issued] = certificates(db, licence.id)
    with db.session() as session:
        LicenceService(session).suspend(licence.id, "بازدید")
    dialog = make_dialog(qtbot, ctx)
    check(qtbot, dialog, issued.payload)
    assert dialog.verdict_label.text() == "معتبر" and dialog.badge_label.text() == "معلق"


def test_a_certificate_of_another_register(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
) -> None:
    """Signed by a key this office trusts, for a licence its register does not hold."""
    from app.services.core import signing_keys

    _pdf, [issued] = certificates(db, licence.id)
    with db.session() as session:
        [public] = [key.public_key for key in signing_keys.trusted_keys(session).values()]
    with register_db[0].session() as session:
        signing_keys.add_trusted_key(session, public)
    dialog = make_dialog(qtbot, register_ctx)
    check(qtbot, dialog, issued.payload)
    assert dialog.verdict_label.text() == "معتبر"
    assert dialog.badge_label.text() == "در این دفتر ثبت نشده"


def test_a_pdf_with_several_certificates(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    licence: LicenceDetail,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = issue_licence(db, office, OTHER_VALID_NID)
    pdf, _issued = certificates(db, licence.id, other.id)
    with db.session() as session:
        LicenceService(session).suspend(other.id, "بازدید")
    path = tmp_path / "certificates.pdf"
    path.write_bytes(pdf)
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *_a: (str(path), "PDF"))
    )
    dialog = make_dialog(qtbot, ctx)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert dialog.source_path == path
    assert dialog.source_label.text() == f"فایل «{LRI}certificates.pdf{PDI}»: ۲ گواهی‌نامه"
    assert dialog.results_list.isVisible() and dialog.results_list.count() == 2
    first, second = (dialog.results_list.item(i).text() for i in range(2))
    assert first.startswith("۱. معتبر\n") and "مریم کریمی" in first
    assert second.startswith("۲. معتبر — معلق\n")
    assert dialog.verdict_label.text() == "معتبر" and dialog.badge_label.isHidden()
    dialog.results_list.setCurrentRow(1)
    assert dialog.badge_label.text() == "معلق"
    save_screenshot(dialog, "verify_pdf")


def test_a_file_without_certificates(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
    tmp_path: Path,
) -> None:
    path = tmp_path / "other.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    dialog = make_dialog(qtbot, ctx)
    dialog.verify_path(path)
    assert dialog.verdict_label.isHidden()
    assert dialog.reason_label.text() == "در این فایل PDF کد گواهی‌نامه‌ای پیدا نشد."


def test_empty_and_garbage_input(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
) -> None:
    dialog = make_dialog(qtbot, ctx)
    check(qtbot, dialog, "   ")
    assert dialog.reason_label.text() == "کد گواهی‌نامه را اسکن کنید یا متن آن را بچسبانید."
    assert dialog.verdict_label.isHidden()
    check(qtbot, dialog, "hello")
    assert dialog.verdict_label.text() == "نامعتبر"
    assert dialog.reason_label.text() == "این متن، کد گواهی‌نامه دفتر نیست."
    assert dialog.fields_table.isHidden()
    # A scanner typing through the Persian keyboard layout: say so.
    check(qtbot, dialog, "یبئ۱.ثغئ")
    assert "زبان صفحه‌کلید را انگلیسی کنید" in dialog.reason_label.text()


def test_a_scanner_ends_with_enter(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    licence: LicenceDetail,
) -> None:
    _pdf, [issued] = certificates(db, licence.id)
    dialog = make_dialog(qtbot, ctx)
    dialog.payload_edit.setFocus()
    qtbot.keyClicks(dialog.payload_edit, issued.payload)  # ASCII, as a scanner types it
    qtbot.keyClick(dialog.payload_edit, Qt.Key.Key_Return)
    assert dialog.verdict_label.text() == "معتبر"
    # Several codes pasted at once (one a line): a list of results.
    dialog.verify_text(f"{issued.payload}\n\u200f{issued.payload[:-3]}\n")
    assert dialog.results_list.count() == 2
    assert dialog.results_list.item(1).text().startswith("۲. نامعتبر")


def test_main_window_opens_the_dialog(
    qtbot: QtBot,
    register_ctx: AppContext,
    register_db: tuple[Database, OfficeInfo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[VerifyDialog] = []
    monkeypatch.setattr(verify_dialog.VerifyDialog, "exec", lambda self: opened.append(self) or 0)
    window = MainWindow(register_ctx, register_db[1])
    qtbot.addWidget(window)
    window.verify_action.trigger()
    assert len(opened) == 1 and opened[0].windowTitle() == "بررسی اصالت گواهی‌نامه"
