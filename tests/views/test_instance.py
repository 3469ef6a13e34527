"""One window per database: a second start brings the first forward (app.views.instance)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalServer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.views.instance import SingleInstance, gui_running, server_name


def test_a_second_start_hands_over_to_the_first(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    path = tmp_path / "daftar.sqlite3"
    first = SingleInstance(path)
    assert first.claim()
    try:
        assert gui_running(path)
        second = SingleInstance(tmp_path / "." / "daftar.sqlite3")  # the same file
        with qtbot.waitSignal(first.sig_activation_requested, timeout=5000):
            assert not second.claim()
        other = SingleInstance(tmp_path / "another.sqlite3")
        assert other.claim()  # another database: another window
        other.release()
    finally:
        first.release()
    assert not gui_running(path)
    again = SingleInstance(path)
    assert again.claim()
    again.release()


def test_a_ping_does_not_bring_the_window_forward(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path
) -> None:
    first = SingleInstance(tmp_path / "daftar.sqlite3")
    assert first.claim()
    try:
        with qtbot.assertNotEmitted(first.sig_activation_requested, wait=300):
            assert gui_running(tmp_path / "daftar.sqlite3")
    finally:
        first.release()


@pytest.mark.skipif(sys.platform == "win32", reason="socket files exist on Unix only")
def test_a_socket_left_by_a_crash_is_replaced(qapp: QApplication, tmp_path: Path) -> None:
    path = tmp_path / "daftar.sqlite3"
    probe = QLocalServer()
    assert probe.listen(server_name(path))
    socket_file = probe.fullServerName()
    probe.close()
    # A crashed run leaves its socket file behind, with nobody listening.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(socket_file)
    stale.close()
    assert Path(socket_file).exists() and not gui_running(path)
    instance = SingleInstance(path)
    assert instance.claim()
    try:
        assert gui_running(path)
    finally:
        instance.release()


def test_the_command_line_refuses_to_restore_under_an_open_window(
    qapp: QApplication, tmp_path: Path
) -> None:
    path = tmp_path / "daftar.sqlite3"
    path.write_bytes(b"")
    instance = SingleInstance(path)
    assert instance.claim()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app", "restore", str(tmp_path / "b.sqlite3"), "--db", path],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        instance.release()
    assert done.returncode == 1
    assert "پنجرهٔ دفتر را ببندید" in done.stderr
