"""PySide6 is pinned to 6.11.3: 6.12.0 on Python 3.11 aborts the process.

After a few thousand calls of any method that returns nothing (``setText``, ``setValue``…)
6.12.0 drops one reference to ``None`` too many and the interpreter dies with
``Fatal Python error: none_dealloc`` (see architecture.md, "Versions that matter"). An
upgrade must pass the subprocess test below before the pin in pyproject.toml moves.
"""

from __future__ import annotations

import os
import subprocess
import sys

import PySide6

SCRIPT = """
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for i in range(50_000):
    label.setText(str(i))
assert label.text() == "49999"
"""


def test_pyside6_version_is_the_pinned_one() -> None:
    assert PySide6.__version__ == "6.11.3", (
        "PySide6 is pinned to 6.11.3 because 6.12.0 aborts Python 3.11 with "
        "'Fatal Python error: none_dealloc' after a few thousand setText/setValue calls; "
        f"found {PySide6.__version__}. Run test_many_void_calls_do_not_abort before moving it."
    )


def test_many_void_calls_do_not_abort() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, (
        f"50,000 QLabel.setText calls killed the interpreter (exit {proc.returncode}); "
        f"PySide6 {PySide6.__version__} has the none_dealloc bug?\n{proc.stderr[-2000:]}"
    )
