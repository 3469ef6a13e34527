"""Where the bundled resources (fonts, reference data, templates) are found; no Qt."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """Return the ``resources`` folder.

    In a source checkout (or an editable install) it sits next to the ``app`` package; in
    an application frozen by PyInstaller it is ``sys._MEIPASS/resources``.
    """
    bundle: str | None = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def fonts_dir() -> Path:
    """Return the folder of the bundled Vazirmatn TTF files."""
    return resources_dir() / "fonts"
