"""The Windows installer's builds and a wine prefix, for the slow installer tests
(fixtures ``builds`` and ``wine``, made available by this folder's conftest.py).

They need makensis, mingw-w64, osslsigncode and wine (``.ci/run`` installs them); without
them the tests are skipped, with the reason, unless ``DAFTAR_REQUIRE_INSTALLER_TEST=1``
(set by CI) makes that a failure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from installers.build import BUILD, Report, build, missing_tools
from installers.sign import Signer

ROOT = Path(__file__).resolve().parents[2]
REQUIRE_ENV = "DAFTAR_REQUIRE_INSTALLER_TEST"
#: The "previous version" the upgrade starts from: built in the same run, same sources.
PREVIOUS_VERSION = "0.0.1"
#: Timings of the last run, read by `make bench`.
TIMINGS = BUILD / "wine-test.json"


def require_tools(*extra: str) -> None:
    """Skip (or, in CI, fail) when a tool the installer tests need is missing."""
    missing = missing_tools() + [tool for tool in extra if shutil.which(tool) is None]
    if missing:
        reason = (
            f"the installer tests need {', '.join(missing)} "
            "(apt-get install nsis gcc-mingw-w64-x86-64-win32 osslsigncode wine wine64)"
        )
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(reason)
        pytest.skip(reason)


@dataclass
class Builds:
    """The installers of one test run."""

    current: Report
    previous: Report
    #: sha256 of the previous version's setup built twice: reproducible when equal.
    rebuilt_digests: tuple[str, str]
    #: The throwaway certificate the current version was signed with (PEM).
    certificate: Path
    work: Path
    seconds: dict[str, float] = field(default_factory=dict)

    def setup(self, report: Report) -> Path:
        """The setup.exe of a build."""
        path = Path(report.installer)
        return path if path.is_absolute() else ROOT / path


def make_signer(folder: Path) -> tuple[Signer, Path]:
    """A throwaway self-signed code-signing certificate (valid two days) and its PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Daftar CI test signing")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(key, hashes.SHA256())
    )
    password = os.urandom(12).hex()
    pem = folder / "signing.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    pfx = folder / "signing.pfx"
    pfx.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"daftar-ci",
            key,
            certificate,
            None,
            serialization.BestAvailableEncryption(password.encode()),
        )
    )
    password_file = folder / "signing.password"
    password_file.write_text(password, encoding="utf-8")
    return Signer(pfx, password_file), pem


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """The current version's setup (signed, solid LZMA: the release build) and the
    previous version's (zlib: quick), the latter built twice to compare the bytes."""
    require_tools("osslsigncode")
    work = tmp_path_factory.mktemp("installer")
    signer, pem = make_signer(work)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    previous = build(PREVIOUS_VERSION, work / "a", fast=True, work_root=work / "stage", log=False)
    first = _sha256(work / "a" / f"Daftar-{PREVIOUS_VERSION}-setup.exe")
    build(PREVIOUS_VERSION, work / "b", fast=True, work_root=work / "stage", log=False)
    second = _sha256(work / "b" / f"Daftar-{PREVIOUS_VERSION}-setup.exe")
    seconds["previous version, built twice"] = time.perf_counter() - started
    started = time.perf_counter()
    current = build(None, work / "dist", signer, work_root=work / "stage", log=False)
    seconds["current version (signed)"] = time.perf_counter() - started
    return Builds(current, previous, (first, second), pem, work, seconds)


class Wine:
    """A fresh wine prefix, isolated from the user's (own HOME, no menu entries)."""

    def __init__(self, folder: Path) -> None:
        self.prefix = folder / "prefix"
        home = folder / "home"
        home.mkdir()
        # Daftar in the prefix runs as on a clerk's machine: not with the test suite's
        # keyring and secrets folder (tests/conftest.py), which wine would pass on.
        private = {"DISPLAY", "WAYLAND_DISPLAY", "PYTHON_KEYRING_BACKEND", "DAFTAR_SECRETS_DIR"}
        self.env = {key: value for key, value in os.environ.items() if key not in private}
        self.env.update(
            WINEPREFIX=str(self.prefix),
            WINEDEBUG="-all",
            # No menu entries or file associations on the host; no Mono or Gecko prompts.
            WINEDLLOVERRIDES="winemenubuilder.exe=d;mscoree=d;mshtml=d",
            HOME=str(home),
        )

    def run(self, *args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """``wine ARGS`` (stdin closed; output decoded as UTF-8, Daftar's -X utf8).

        Read until the program ends, not until its pipes do: wine's own processes
        (explorer.exe, services.exe), started on demand, inherit the pipes and outlive the
        program while the wineserver runs. (Python in wine needs pipes: a file as its
        stdout is an "invalid handle".)"""
        process = subprocess.Popen(
            ["wine", *map(str, args)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
        )
        assert process.stdout is not None and process.stderr is not None
        output = {process.stdout: bytearray(), process.stderr: bytearray()}
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            for stream in output:
                selector.register(stream, selectors.EVENT_READ)
            while selector.get_map():
                ended = process.poll() is not None
                for key, _ in selector.select(0 if ended else 0.2):
                    chunk = os.read(key.fd, 65536)
                    if chunk:
                        output[key.fileobj].extend(chunk)  # type: ignore[index]
                    else:
                        selector.unregister(key.fileobj)
                if ended and not selector.select(0):
                    break
                if time.monotonic() > deadline:
                    process.kill()
                    raise subprocess.TimeoutExpired(process.args, timeout)
        process.stdout.close()
        process.stderr.close()
        return subprocess.CompletedProcess(
            process.args,
            process.wait(),
            output[process.stdout].decode("utf-8", "replace"),
            output[process.stderr].decode("utf-8", "replace"),
        )

    def popen(self, *args: str | Path) -> subprocess.Popen[bytes]:
        """``wine ARGS`` in the background (its output is not kept)."""
        return subprocess.Popen(
            ["wine", *map(str, args)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self.env,
        )

    def wait(self) -> None:
        """Until every process of the prefix has ended (and the registry is on disk)."""
        subprocess.run(["wineserver", "-w"], env=self.env, timeout=600, check=True)

    def boot(self) -> None:
        """Create the prefix."""
        done = subprocess.run(
            ["wineboot", "-i"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self.env,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0
        self.wait()

    @property
    def user_dir(self) -> Path:
        """C:\\users\\<user>."""
        users = [p for p in (self.prefix / "drive_c" / "users").iterdir() if p.name != "Public"]
        assert len(users) == 1, users
        return users[0]

    def windows(self, path: Path) -> str:
        """The Windows name (C:\\…) of a path inside the prefix's drive C."""
        relative = path.relative_to(self.prefix / "drive_c")
        return "C:\\" + "\\".join(relative.parts)


@pytest.fixture
def wine(tmp_path: Path, builds: Builds) -> Iterator[Wine]:
    """A booted prefix with what wine 8 lacks and Windows 10 has (see wine/)."""
    require_tools("wine", "wineserver", "wineboot")
    started = time.perf_counter()
    prefix = Wine(tmp_path)
    prefix.boot()
    shim = tmp_path / "bcryptprimitives.dll"
    here = Path(__file__).resolve().parent / "wine"
    subprocess.run(
        [
            "x86_64-w64-mingw32-gcc",
            "-shared",
            "-O2",
            "-s",
            "-Wall",
            "-Werror",
            "-o",
            str(shim),
            str(here / "bcryptprimitives.c"),
            str(here / "bcryptprimitives.def"),
            "-lbcrypt",
        ],
        check=True,
    )
    shutil.copy2(shim, prefix.prefix / "drive_c" / "windows" / "system32" / shim.name)
    builds.seconds["wine prefix"] = time.perf_counter() - started
    yield prefix
    subprocess.run(["wineserver", "-k"], env=prefix.env, check=False, timeout=60)


def record_timings(builds: Builds, **extra: float) -> None:
    """Write the figures `make bench` shows (sizes and times of this run)."""
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(
        json.dumps(
            {
                "installer_bytes": builds.current.installer_bytes,
                "installed_bytes": builds.current.installed_bytes,
                "build_seconds": builds.current.seconds,
                "seconds": {**builds.seconds, **extra},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
