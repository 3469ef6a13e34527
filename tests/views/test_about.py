"""«راهنما ← درباره دفتر» shows the version of this Daftar (the installer's too)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.version import app_version
from app.views.main_window import MainWindow
from common.text import isolate_ltr


def test_about_shows_the_version(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    shown: list[tuple[str, str]] = []

    def about(parent: Any, title: str, text: str) -> None:
        shown.append((title, text))

    monkeypatch.setattr(QMessageBox, "about", about)
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "راهنما")
    assert window.about_action in help_menu.actions()
    window.about_action.trigger()
    assert shown == [
        (
            "درباره دفتر",
            "دفتر: نرم‌افزار ثبت مجوزهای مشاغل خانگی\n"
            f"ادارات تعاون، کار و رفاه اجتماعی\n\nنسخهٔ {isolate_ltr(app_version())}",
        )
    ]
    assert app_version() != "0+unknown"
