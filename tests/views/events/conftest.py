"""Fixtures of the events screens' tests: the register's database and context, and
message boxes and error dialogs replaced by recorders."""

from __future__ import annotations

from typing import Any

import pytest

from app.views import certificate_preview
from app.views.events import attendance, closure_days, event_dialog, participants, screen
from app.views.widgets import messages


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Message boxes and error dialogs replaced by recorders."""
    record: dict[str, list[Any]] = {"errors": [], "confirm": [], "inform": [], "previews": []}

    def confirm(*args: Any, **_kw: Any) -> bool:
        record["confirm"].append(args[2])
        return True

    monkeypatch.setattr(messages, "confirm", confirm)
    monkeypatch.setattr(messages, "inform", lambda *a: record["inform"].append(a[2]))
    for module in (screen, event_dialog, participants, attendance, closure_days):
        monkeypatch.setattr(module, "show_error", lambda _p, exc: record["errors"].append(exc))

    def open_preview(_parent: Any, pdf: bytes, title: str, issued: Any = ()) -> None:
        record["previews"].append((pdf, title, list(issued)))

    monkeypatch.setattr(certificate_preview, "open_preview", open_preview)
    return record
