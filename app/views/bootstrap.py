"""Creating the QApplication the way every Daftar window expects it.

Right-to-left layout, the bundled Vazirmatn font, the Persian (Iran) locale as the default
(Persian digits) and Qt's own Persian translations for its standard dialogs and buttons.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from common.resources import fonts_dir

log = logging.getLogger("daftar.gui")

ORGANIZATION_NAME = "Daftar"
APPLICATION_NAME = "daftar"
FONT_FAMILY = "Vazirmatn"
FONT_POINT_SIZE = 10
FONT_FILES = ("Vazirmatn-Regular.ttf", "Vazirmatn-Medium.ttf", "Vazirmatn-Bold.ttf")
_CONFIGURED = "daftarConfigured"  # dynamic property set on the configured application


def persian_locale() -> QLocale:
    """Return the locale Daftar shows numbers and dates in (Persian digits)."""
    return QLocale(QLocale.Language.Persian, QLocale.Country.Iran)


def create_application(argv: list[str]) -> QApplication:
    """Create the QApplication (or take the existing one) and configure it once."""
    existing = QApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        raise RuntimeError("a non-widget Qt application already exists")
    app = existing if existing is not None else QApplication(argv)
    if app.property(_CONFIGURED):
        return app
    app.setOrganizationName(ORGANIZATION_NAME)
    app.setApplicationName(APPLICATION_NAME)
    app.setApplicationDisplayName("دفتر")
    app.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    QLocale.setDefault(persian_locale())
    _load_fonts(app)
    _load_qt_translations(app)
    app.setProperty(_CONFIGURED, True)
    return app


def _load_fonts(app: QApplication) -> None:
    for name in FONT_FILES:
        path = fonts_dir() / name
        if QFontDatabase.addApplicationFont(str(path)) < 0:
            log.warning("could not load font %s", path)
    font = QFont(FONT_FAMILY, FONT_POINT_SIZE)
    app.setFont(font)


def _load_qt_translations(app: QApplication) -> None:
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)  # owned by the application, so it lives as long
    if translator.load(persian_locale(), "qtbase", "_", folder):
        app.installTranslator(translator)
    else:
        log.warning("Qt's Persian translations (qtbase_fa) not found in %s", folder)
