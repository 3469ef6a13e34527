"""One version, from pyproject.toml: ``daftar --version``, app.version and its fallback."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from app import version

ROOT = Path(__file__).resolve().parents[2]


def pyproject() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        value: str = tomllib.load(file)["project"]["version"]
    return value


def test_daftar_version_prints_the_pyproject_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"daftar {pyproject()}"


def test_installed_metadata_is_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metadata, "version", lambda name: "9.8.7" if name == "daftar" else "")
    assert version.app_version() == "9.8.7"


def test_without_metadata_the_pyproject_beside_the_package_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert version.app_version() == pyproject()


def test_without_either_the_version_says_unknown(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    broken = tmp_path / "pyproject.toml"
    broken.write_text("[project\nversion = ", encoding="utf-8")
    assert version.pyproject_version(broken) is None
    assert version.pyproject_version(tmp_path / "absent.toml") is None
    monkeypatch.setattr(metadata, "version", missing)
    monkeypatch.setattr(version, "pyproject_version", lambda: None)
    assert version.app_version() == version.UNKNOWN
