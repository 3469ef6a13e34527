"""The application is right to left, in Vazirmatn, with the Persian locale."""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication

from app.views.bootstrap import create_application


def test_application_is_configured(qapp: QApplication) -> None:
    app = create_application([])
    assert app is qapp
    assert app.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert app.font().family() == "Vazirmatn"
    assert app.organizationName() == "Daftar" and app.applicationName() == "daftar"
    assert QLocale().language() == QLocale.Language.Persian
    assert QLocale().toString(1234) == "۱٬۲۳۴"
    # Qt's own Persian translations are installed.
    assert app.translate("QPlatformTheme", "Cancel") != "Cancel"
