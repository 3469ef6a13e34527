"""``daftar --smoke`` (what the Windows CI job runs on the installed app): it opens the
main window on a demo database, paints it and exits 0; a start that fails exits 1 with the
reason instead of waiting on a dialog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage


def smoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--smoke", *args],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
    )


def test_smoke_paints_the_register_of_a_demo_database(tmp_path: Path) -> None:
    shot = tmp_path / "smoke.png"
    done = smoke(env={"DAFTAR_SMOKE_SCREENSHOT": str(shot)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("smoke ok: the main window painted 50 rows"), done.stdout
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 800 and image.height() >= 500


def test_smoke_on_a_broken_database_fails_with_the_reason(tmp_path: Path) -> None:
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database", encoding="utf-8")
    done = smoke("--db", str(bad))
    assert done.returncode == 1
    assert "smoke FAILED" in done.stderr
    assert "smoke ok" not in done.stdout
