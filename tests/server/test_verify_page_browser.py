"""The verification page from a scanned QR code, in a real browser (issue 10).

A real ``daftar-server serve`` process on loopback; an office set up from it with the
real ``daftar`` command; a certificate printed with ``daftar certificate`` (its QR code
carries the page's address, the office having a server); the page rendered to an image
(pdftoppm), the QR code read back from the image (zbarimg, as a phone camera would),
and the address opened in headless Chromium from Debian: the DOM after the page's
script ran must show the verdict. Screenshots, wide and phone-sized, go to
``screenshots/`` to be looked at. ``daftar verify`` accepts the same address, and a
bank's computer with only the published key file verifies the PDF.

Skipped, with the reason, when chromium, pdftoppm or zbarimg is missing (.ci/run
installs them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.accounts_support import act_as
from tests.server.test_sync_e2e import ServerProcess, daftar, run, server_cmd
from tests.services.sync.sync_support import issue_licence, national_id

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)"),
    pytest.mark.skipif(
        shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None,
        reason="pdftoppm or zbarimg is not installed (.ci/run installs poppler-utils, zbar-tools)",
    ),
]


def chromium(*args: str, url: str) -> str:
    """Run headless Chromium once (a fresh profile, nothing fetched from outside)."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="daftar-chromium-") as profile:
        done = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=10000",
                *args,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def scan_qr(pdf: Path, tmp_path: Path) -> str:
    """The text of the QR code on the PDF's first page, read from its image."""
    run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")])
    [image] = sorted(tmp_path.glob("page*.png"))
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def server(tmp_path: Path) -> ServerProcess:
    process = ServerProcess(tmp_path / "server.sqlite3", tmp_path / "server.log")
    process.start()
    yield process
    process.stop()


def test_the_page_opened_from_a_scanned_qr_shows_the_verdict(
    server: ServerProcess, tmp_path: Path
) -> None:
    enrolled = run(
        server_cmd(
            "add-office",
            "--db",
            str(server.db),
            "--province",
            "تهران",
            "--county",
            "شمیرانات",
            "--name",
            "اداره تعاون شمیرانات",
        )
    )
    token = enrolled.stdout.strip().splitlines()[-1]
    desk = tmp_path / "desk.sqlite3"
    run(daftar("setup", "--server", server.url, "--token", token, "--db", str(desk)))
    from app.services.core.db import open_database

    db = act_as(open_database(desk))
    try:
        issue_licence(db, national_id(7), county="شمیرانات", last_name="احمدی")
        with db.session() as session:
            from app.models import Licence

            number = session.query(Licence.number).scalar()
    finally:
        db.close()
    pdf = tmp_path / "certificate.pdf"
    run(daftar("certificate", number, "--out", str(pdf), "--db", str(desk)))
    run(daftar("sync", "--db", str(desk)))

    url = scan_qr(pdf, tmp_path)
    assert url.startswith(f"{server.url}/v#DFT1."), url

    dom = chromium("--dump-dom", url=url)
    assert 'id="verdict"' in dom, dom[-3000:]
    assert 'data-status="valid"' in dom and 'data-register="active"' in dom
    assert "معتبر" in dom and "مجوز فعال" in dom and "احمدی" in dom
    assert "اداره تعاون شمیرانات" in dom
    # The payload travelled in the fragment: it is nowhere in the server's log.
    payload = url.split("#", 1)[1]
    assert payload[:40] not in server.log_path.read_text(encoding="utf-8")

    SCREENSHOTS.mkdir(exist_ok=True)
    for name, size in (("verify_page_wide", "1280,900"), ("verify_page_phone", "390,844")):
        shot = SCREENSHOTS / f"{name}.png"
        shot.unlink(missing_ok=True)
        chromium(f"--screenshot={shot}", f"--window-size={size}", "--hide-scrollbars", url=url)
        assert shot.stat().st_size > 10_000

    # The same address with ``daftar verify``, at the office …
    done = run(daftar("verify", url, "--db", str(desk)))
    assert done.stdout.startswith("VALID")
    # … and on a bank's computer with nothing but the published key file.
    keys = httpx.get(f"{server.url}/keys.json", timeout=10)
    assert keys.status_code == 200
    key_file = tmp_path / "keys.json"
    key_file.write_bytes(keys.content)
    bank = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "bank"))
    for source in (str(pdf), url):
        done = subprocess.run(
            daftar("verify", source, "--keys", str(key_file)),
            capture_output=True,
            text=True,
            timeout=120,
            env=bank,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.startswith("VALID") and "اداره تعاون شمیرانات" in done.stdout
    assert not (tmp_path / "bank").exists()  # verifying made no database


def test_a_forged_certificate_is_refused_in_the_browser(server: ServerProcess) -> None:
    url = f"{server.url}/v#DFT1.eyJrIjoiMDAwMDAwMDAwMDAwMDAwMCJ9.{'A' * 86}"
    dom = chromium("--dump-dom", url=url)
    assert 'data-status="malformed"' in dom or 'data-status="unknown_key"' in dom, dom[-2000:]
    assert "نامعتبر" in dom
    SCREENSHOTS.mkdir(exist_ok=True)
    chromium(
        f"--screenshot={SCREENSHOTS / 'verify_page_forged_phone.png'}",
        "--window-size=390,844",
        "--hide-scrollbars",
        url=url,
    )
