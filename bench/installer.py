"""The Windows installer's figures, informational (``make bench`` prints them; nothing
here has a floor to beat, the budgets of the issue stand in for one).

They come from the last run of the installer's wine test (``build/installer/
wine-test.json``, written by tests/installer/test_wine.py, which CI runs): the size of
the setup and of the installed tree against their budgets (90 MB, 300 MB), the time of
``make installer`` against its NSIS compression alone, and the time of the wine test
(install, commands, upgrade, uninstall) against creating the wine prefix. Without that
file, the lines say how to make it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from installers.build import INSTALLED_BUDGET, INSTALLER_BUDGET, MB

Line = Callable[..., None]
TIMINGS = Path(__file__).resolve().parent.parent / "build" / "installer" / "wine-test.json"


def bench_installer(line: Line, note: Callable[[str], None]) -> None:
    """Print the installer's sizes and times from the last wine test."""
    if not TIMINGS.exists():
        note(
            "installer: no figures yet; run the installer tests "
            "(.venv/bin/python -m pytest tests/installer, needs nsis, mingw-w64, wine)"
        )
        return
    figures = json.loads(TIMINGS.read_text(encoding="utf-8"))
    installer, installed = figures["installer_bytes"] / MB, figures["installed_bytes"] / MB
    line(
        "installer_size (informational)",
        installer,
        "MB",
        INSTALLER_BUDGET / MB,
        "MB (budget)",
        f"<= {INSTALLER_BUDGET // MB} MB",
        installer * MB <= INSTALLER_BUDGET,
    )
    line(
        "installed_size (informational)",
        installed,
        "MB",
        INSTALLED_BUDGET / MB,
        "MB (budget)",
        f"<= {INSTALLED_BUDGET // MB} MB",
        installed * MB <= INSTALLED_BUDGET,
    )
    build = figures["build_seconds"]
    line(
        "make_installer (informational)",
        sum(build.values()),
        "s",
        build["setup"],
        "s (NSIS compression and signing alone)",
        "none",
        True,
    )
    seconds = figures["seconds"]
    line(
        "installer_wine_test (informational: install, commands, upgrade, uninstall)",
        seconds["wine test"],
        "s",
        seconds["wine prefix"],
        "s (a new wine prefix)",
        "none",
        True,
    )
