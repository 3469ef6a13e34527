"""The one unsaved-changes guard of the forms (app.views.widgets.form.UnsavedGuard)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from app.views.widgets import messages
from app.views.widgets.form import UnsavedGuard


def test_the_guard_asks_only_about_unsaved_edits(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit = QLineEdit()
    qtbot.addWidget(edit)
    saving = [False]
    asked: list[object] = []
    answer = [False]

    def confirm_discard(parent: object) -> bool:
        asked.append(parent)
        return answer[0]

    monkeypatch.setattr(messages, "confirm_discard", confirm_discard)
    guard = UnsavedGuard(edit, edit.text, lambda: saving[0])
    edit.setText("still loading")
    assert not guard.is_modified() and guard.may_close()  # not filled yet
    guard.mark_clean()
    assert not guard.is_modified() and guard.may_close() and asked == []
    edit.setText("a clerk's edit")
    assert guard.is_modified()
    assert not guard.may_close() and asked == [edit]  # «ادامه ویرایش»
    answer[0] = True
    assert guard.may_close()  # «بستن بدون ذخیره»
    saving[0] = True
    assert not guard.may_close() and len(asked) == 2  # a save runs: it decides
    saving[0] = False
    guard.mark_clean()
    assert not guard.is_modified()
    edit.setText("still loading")
    assert guard.is_modified()
