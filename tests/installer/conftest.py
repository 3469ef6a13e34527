"""Fixtures of the installer tests (installer_support.py)."""

from installer_support import builds, wine

__all__ = ["builds", "wine"]
