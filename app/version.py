"""Daftar's version: one source, ``[project] version`` in pyproject.toml.

An installed Daftar (a developer's ``pip install -e``, or the Windows installation, whose
build writes ``daftar-<version>.dist-info``) reads it from its distribution metadata; a
source tree that was never installed reads it from the pyproject.toml beside the ``app``
package. No Qt here: the command line, the About dialog and the installer build share it.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "daftar"
#: What :func:`app_version` answers when neither source can be read.
UNKNOWN = "0+unknown"


def pyproject_version(pyproject: Path | None = None) -> str | None:
    """``[project] version`` of ``pyproject`` (default: the one beside ``app``), or None."""
    path = pyproject or Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        with path.open("rb") as file:
            value = tomllib.load(file).get("project", {}).get("version")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return value if isinstance(value, str) and value else None


def app_version() -> str:
    """The version of this Daftar, e.g. ``"0.1.0"``."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return pyproject_version() or UNKNOWN
