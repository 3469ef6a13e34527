"""Where the bundled resources (fonts, reference data, templates) are found; no Qt."""

from __future__ import annotations

from pathlib import Path


def resources_dir() -> Path:
    """Return the ``resources`` folder: it sits next to the ``app`` package.

    In a source checkout (or an editable install) that is the repository's root; in the
    Windows installation it is ``lib`` (``lib\\app`` and ``lib\\resources``, see
    installers/README.md).
    """
    return Path(__file__).resolve().parent.parent / "resources"


def fonts_dir() -> Path:
    """Return the folder of the bundled Vazirmatn TTF files."""
    return resources_dir() / "fonts"
