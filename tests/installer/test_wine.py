"""The Windows installer, built here and run under wine in a fresh prefix: silent install,
the command line on the installed Windows Python with the database where the GUI keeps
it, refusal while Daftar runs, upgrade from the previous version keeping the data,
uninstall keeping the data, and removing it only when asked.

Qt cannot start under wine 8 (Qt6Core needs Windows' own ICU), so the GUI is exercised
only by the Windows CI job (.github/workflows/windows.yml, ``daftar --smoke``).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from installer_support import PREVIOUS_VERSION, Builds, Wine, record_timings
from packaging.version import Version

from installers import pe, stage
from installers.sign import verify

# The builds (fixture) and the wine run take minutes on two busy cores.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

UNINSTALL_KEY = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Daftar"
EXIT_RUNNING = 4


def installed(wine: Wine) -> Path:
    return wine.user_dir / "AppData" / "Local" / "Programs" / "Daftar"


def data_dir(wine: Wine) -> Path:
    return wine.user_dir / "AppData" / "Local" / "Daftar"


def database(wine: Wine) -> Path:
    """Where the GUI keeps the database (QStandardPaths' AppLocalDataLocation)."""
    return data_dir(wine) / "daftar" / "daftar.sqlite3"


def cli(wine: Wine, *args: str) -> tuple[int, str, str]:
    done = wine.run(installed(wine) / "daftar-cli.exe", *args)
    return done.returncode, done.stdout, done.stderr


def uninstall_entry(wine: Wine) -> dict[str, object]:
    """The values of Daftar's uninstall key, read by the installed Python (UTF-8)."""
    script = (
        "import json, winreg\n"
        f"key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r'{UNINSTALL_KEY[5:]}')\n"
        "count = winreg.QueryInfoKey(key)[1]\n"
        "print(json.dumps(dict(winreg.EnumValue(key, i)[:2] for i in range(count))))\n"
    )
    done = wine.run(installed(wine) / "python" / "python.exe", "-X", "utf8", "-c", script)
    assert done.returncode == 0, done.stderr
    values: dict[str, object] = json.loads(done.stdout)
    return values


def export_rows(wine: Wine, name: str) -> list[dict[str, str]]:
    target = wine.user_dir / "Temp" / name
    code, _out, err = cli(wine, "export", wine.windows(target))
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))


def store_secrets(wine: Wine) -> None:
    """Two offices' sync tokens and a signing key in Credential Manager, the way Daftar
    keeps them (keyring, the services of app.services.core.credentials)."""
    script = (
        "import keyring\n"
        "from app.services.core.credentials import SERVICE, SIGNING_SERVICE\n"
        "assert type(keyring.get_keyring()).__name__ == 'WinVaultKeyring'\n"
        "keyring.set_password(SERVICE, 'office-1', 'token-1')\n"
        "keyring.set_password(SERVICE, 'office-2', 'token-2')\n"
        "keyring.set_password(SIGNING_SERVICE, 'key-1', 'private')\n"
    )
    done = wine.run(installed(wine) / "python" / "python.exe", "-X", "utf8", "-c", script)
    assert done.returncode == 0, done.stderr


def secrets(wine: Wine) -> list[str]:
    """The generic credentials in the prefix (wine keeps them in its registry)."""
    done = wine.run("reg", "query", r"HKCU\Software\Wine\Credential Manager")
    return sorted(
        line.split("Generic: ", 1)[1].strip()
        for line in done.stdout.splitlines()
        if "Generic: " in line
    )


class StallingServer:
    """A TCP server on loopback that accepts one connection and answers one byte of a
    response header every few seconds, never finishing it: ``daftar sync`` against it
    keeps Daftar running (each byte restarts the client's read time-out) until
    :meth:`close`."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = threading.Event()
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        self.accepted.set()
        with connection:
            for byte in itertools.cycle(b"HTTP/1.1 200 OK\r\nX-Slow: "):
                if self.closed.wait(5):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    def close(self) -> None:
        self.closed.set()
        self.listener.close()


def test_install_commands_upgrade_uninstall(builds: Builds, wine: Wine) -> None:
    started = time.perf_counter()
    previous, current = builds.previous.version, builds.current.version
    assert Version(PREVIOUS_VERSION) < Version(current)
    home = installed(wine)

    # --- silent install of the previous version ------------------------------------
    done = wine.run(builds.setup(builds.previous), "/S")
    assert done.returncode == 0, done.stderr
    assert (home / "daftar.exe").exists() and (home / "daftar-cli.exe").exists()
    assert (home / "uninstall.exe").exists()
    entry = uninstall_entry(wine)
    assert entry["DisplayVersion"] == previous
    assert entry["DisplayName"] == "دفتر"
    assert entry["Publisher"] == "وزارت تعاون، کار و رفاه اجتماعی"
    assert entry["InstallLocation"] == wine.windows(home)
    assert entry["QuietUninstallString"] == f'"{wine.windows(home)}\\uninstall.exe" /S'
    programs = wine.user_dir / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu"
    assert (programs / "Programs" / "دفتر.lnk").exists()
    assert (wine.user_dir / "Desktop" / "دفتر.lnk").exists()

    # --- the command line, on the installed Windows Python ---------------------------
    code, out, err = cli(wine, "--version")
    assert (code, out.strip()) == (0, f"daftar {previous}"), err
    done = wine.run(home / "daftar.exe", "--version")  # the GUI launcher: same program
    assert done.returncode == 0, done.stderr
    code, _out, err = cli(wine, "demo", "--licences", "50")
    assert code == 0, err
    assert "added 50 demo licences" in err
    assert database(wine).exists(), "the database is not where the GUI keeps it"
    rows = export_rows(wine, "before.csv")
    assert len(rows) == 50
    active = next(r for r in rows if r["وضعیت"] == "فعال")
    pdf = wine.user_dir / "Temp" / "certificate.pdf"
    code, _out, err = cli(wine, "certificate", active["شماره مجوز"], "--out", wine.windows(pdf))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    code, out, err = cli(wine, "verify", wine.windows(pdf))
    assert code == 0, err
    assert out.startswith("VALID")

    # --- neither the setup nor the uninstaller runs while Daftar does ----------------
    server = StallingServer()
    running = wine.popen(
        home / "daftar-cli.exe",
        "sync",
        "--server",
        f"http://127.0.0.1:{server.port}",
        "--token",
        "test-token",
    )
    try:
        assert server.accepted.wait(120), "daftar sync never reached the server"
        done = wine.run(builds.setup(builds.current), "/S")
        assert done.returncode == EXIT_RUNNING
        # _?= runs the uninstaller in place (not from a copy), so its exit code is seen.
        done = wine.run(home / "uninstall.exe", "/S", f"_?={wine.windows(home)}")
        assert done.returncode == EXIT_RUNNING
        assert running.poll() is None, "Daftar stopped before both were refused"
        assert uninstall_entry(wine)["DisplayVersion"] == previous
        assert (home / "lib" / f"daftar-{previous}.dist-info").is_dir()
    finally:
        server.close()
        running.wait(120)
    assert running.returncode == 1  # the sync failed: the server hung up

    # --- upgrade in place: old files go, the data stays ------------------------------
    done = wine.run(builds.setup(builds.current), "/S")
    assert done.returncode == 0, done.stderr
    code, out, err = cli(wine, "--version")
    assert (code, out.strip()) == (0, f"daftar {current}"), err
    assert uninstall_entry(wine)["DisplayVersion"] == current
    assert not (home / "lib" / f"daftar-{previous}.dist-info").exists()
    assert (home / "lib" / f"daftar-{current}.dist-info").is_dir()
    assert export_rows(wine, "after.csv") == rows
    code, out, err = cli(wine, "verify", wine.windows(pdf))
    assert code == 0 and out.startswith("VALID"), err
    # The signed build: launchers and uninstaller as installed.
    for name in ("daftar.exe", "daftar-cli.exe", "uninstall.exe"):
        verify(home / name, builds.certificate)

    # --- uninstall: the program goes, the data stays ----------------------------------
    kept = database(wine).read_bytes()
    store_secrets(wine)
    kept_secrets = secrets(wine)  # with this desk's signing key, when demo put it there
    assert {"Daftar sync", "office-1@Daftar sync"} <= set(kept_secrets)
    assert any(name.endswith("Daftar signing key") for name in kept_secrets)
    done = wine.run(home / "uninstall.exe", "/S")
    assert done.returncode == 0, done.stderr
    wine.wait()  # the uninstaller runs from a copy of itself
    assert not home.exists(), sorted(p.name for p in home.iterdir())
    assert wine.run("reg", "query", UNINSTALL_KEY).returncode != 0
    assert not (programs / "Programs" / "دفتر.lnk").exists()
    assert not (wine.user_dir / "Desktop" / "دفتر.lnk").exists()
    assert database(wine).read_bytes() == kept
    assert secrets(wine) == kept_secrets

    # --- install again, uninstall with /REMOVEDATA: now the data goes too --------------
    done = wine.run(builds.setup(builds.current), "/S")
    assert done.returncode == 0, done.stderr
    assert export_rows(wine, "again.csv") == rows
    done = wine.run(home / "uninstall.exe", "/S", "/REMOVEDATA")
    assert done.returncode == 0, done.stderr
    wine.wait()
    assert not home.exists()
    assert not data_dir(wine).exists()
    assert secrets(wine) == []  # forgotten too (lib\daftar_uninstall.py)
    record_timings(builds, **{"wine test": time.perf_counter() - started})


def test_setup_is_signed_reproducible_and_within_budget(builds: Builds) -> None:
    verify(builds.setup(builds.current), builds.certificate)
    first, second = builds.rebuilt_digests
    assert first == second, "the same sources built twice gave different setups"
    assert builds.current.within_budget, builds.current.lines()
    assert builds.current.signed and not builds.previous.signed


def test_installed_tree_holds_what_daftar_runs_and_nothing_of_qt_it_does_not(
    builds: Builds,
) -> None:
    tree = builds.work / "stage" / builds.current.version / "Daftar"
    lib = tree / "lib"
    assert pe.unresolved(tree) == {}
    for module in stage.QT_MODULES:
        assert (lib / "PySide6" / f"{module}.pyd").exists()
    for plugin in stage.QT_PLUGINS:
        assert (lib / "PySide6" / "plugins" / plugin).exists()
    assert sorted(p.name for p in (lib / "PySide6" / "translations").iterdir()) == ["qtbase_fa.qm"]
    shipped = {p.name.lower() for p in lib.rglob("*")}
    for unused in ("qt6webenginecore.dll", "qt6qml.dll", "qt6quick.dll", "qt63dcore.dll"):
        assert unused not in shipped
    assert "qt6multimedia.dll" not in shipped and "opengl32sw.dll" not in shipped
    assert not list(lib.rglob("*.pth")), "python311._pth has no `import site`: .pth is ignored"
    assert (tree / "python" / "python311._pth").read_text() == "python311.zip\n.\n..\\lib\n"
    # Fonts, certificate style, migrations, reference data, licences.
    for needed in (
        "resources/fonts/Vazirmatn-Regular.ttf",
        "resources/certificates/style.json",
        "resources/reference/business_fields.csv",
        "app/migrations/script.py.mako",
        "app/migrations/env.py",
    ):
        assert (lib / needed).exists(), needed
    licences = (tree / "licences" / "README.txt").read_text(encoding="utf-8")
    for component in ("PySide6_Essentials", "Python", "Vazirmatn", "SQLAlchemy"):
        assert component in licences
    # Hash-based .pyc beside every module (nothing is compiled on the clerk's machine).
    pyc = lib / "app" / "cli" / "__pycache__" / "__init__.cpython-311.pyc"
    assert pyc.read_bytes()[4:8] == (0b01).to_bytes(4, "little")  # unchecked-hash flag
