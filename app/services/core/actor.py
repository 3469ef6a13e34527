"""Who is making a change (recorded in history, certificate log and imports)."""

from __future__ import annotations

import getpass


def current_actor() -> str:
    """Who is making a change: the operating-system user (staff accounts come later)."""
    try:
        return getpass.getuser()[:60]
    except (OSError, KeyError, ImportError):  # no login name (service account, no pwd entry)
        return ""
