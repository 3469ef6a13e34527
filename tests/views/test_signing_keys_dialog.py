"""«کلیدهای امضا»: the key list, rotating the desk's key, adding a key file; the verify
dialog's issuer and key note; the menu entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.services.certificates.service import CertificateService
from app.services.core import signing_keys
from app.services.core.db import Database
from app.services.core.office import OfficeInfo
from app.views.context import AppContext
from app.views.main_window import MainWindow
from app.views.signing_keys_dialog import SigningKeysDialog
from app.views.verify_dialog import VerifyDialog
from app.views.widgets import messages
from common import signing
from common.key_set import PublishedKey, key_set_document
from tests.views.licence_support import issue_licence, save_screenshot


def make(qtbot: QtBot, context: AppContext) -> SigningKeysDialog:
    dialog = SigningKeysDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    return dialog


def cells(dialog: SigningKeysDialog) -> list[list[str]]:
    model = dialog.model
    return [[model.text(r, c) for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_rotating_the_desk_key_keeps_old_certificates_valid(
    qtbot: QtBot,
    ctx: AppContext,
    db: Database,
    office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    licence = issue_licence(db, office)
    with db.session() as session:
        _pdf, [issued] = CertificateService(session).licence_certificates([licence.id])
        old = signing_keys.current_key_id(session)
    dialog = make(qtbot, ctx)
    [[office_name, key_id, state, published]] = cells(dialog)
    assert office_name.startswith("اداره تعاون") and old in key_id
    assert state == "فعال — کلید فعلی این دستگاه"
    assert published == "در همگام‌سازی بعدی منتشر می‌شود"
    asked: list[str] = []

    def confirm(_parent: Any, title: str, _text: str, **_kw: Any) -> bool:
        asked.append(title)
        return True

    monkeypatch.setattr(messages, "confirm", confirm)
    qtbot.mouseClick(dialog.rotate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    assert asked == ["تعویض کلید امضا"]
    current = dialog.model.index(0, 0)
    assert current.data(Qt.ItemDataRole.FontRole).bold()  # the desk's current key
    assert dialog.model.index(1, 0).data(Qt.ItemDataRole.FontRole) is None
    rows = cells(dialog)
    assert rows[0][2] == "فعال — کلید فعلی این دستگاه" and old not in rows[0][1]
    assert old in rows[1][1] and rows[1][2].startswith("کنار گذاشته از ۱۴")
    assert "کلید تازه" in dialog.status_label.text()
    save_screenshot(dialog, "signing_keys")

    verify = VerifyDialog(ctx)
    qtbot.addWidget(verify)
    verify.show()
    verify.payload_edit.setText(signing.verification_url("https://sync.example.ir", issued.payload))
    qtbot.mouseClick(verify.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not verify.result_frame.isHidden())
    assert verify.verdict_label.text() == "معتبر"
    assert verify.issuer_label.text().startswith("صادرکننده: اداره تعاون")
    assert "کلید دیگری" in verify.key_label.text() and not verify.key_label.isHidden()
    save_screenshot(verify, "verify_rotated_key")


def test_a_key_file_is_added_and_a_bad_one_refused(
    qtbot: QtBot,
    ctx: AppContext,
    tmp_path: Path,
) -> None:
    import datetime as dt

    other = Ed25519PrivateKey.generate()
    key = PublishedKey(
        key_id=signing.key_id_for(other.public_key()),
        public_key=signing.public_key_text(other),
        office_name="اداره تعاون ری",
        province_name="تهران",
        county_name="ری",
    )
    path = tmp_path / "keys.json"
    document = key_set_document([key], dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    dialog = make(qtbot, ctx)
    before = dialog.model.rowCount()
    dialog.import_path(path)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == before + 1)
    assert "۱ کلید تازه" in dialog.status_label.text()
    [row] = [row for row in cells(dialog) if row[0].startswith("اداره تعاون ری")]
    assert row[0] == "اداره تعاون ری (شهرستان ری، استان تهران)" and row[3] == "از فایل"
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    dialog.import_path(bad)
    qtbot.waitUntil(lambda: "#c62828" in dialog.status_label.styleSheet())
    assert "فایل کلیدهای منتشرشده دفتر نیست" in dialog.status_label.text()
    assert dialog.rotate_button.isEnabled()


def test_the_certificate_menu_opens_the_key_list(
    qtbot: QtBot,
    ctx: AppContext,
    office: OfficeInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[Any] = []
    monkeypatch.setattr(SigningKeysDialog, "exec", lambda self: opened.append(self) or 0)
    window = MainWindow()
    qtbot.addWidget(window)
    window.attach(ctx, office)
    assert window.signing_keys_action.text() == "کلیدهای امضا…"
    assert window.signing_keys_action.isEnabled()
    window.signing_keys_action.trigger()
    assert len(opened) == 1 and isinstance(opened[0], SigningKeysDialog)
