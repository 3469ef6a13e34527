"""``daftar certificate --event CODE``, run as a real process; the PDF looked at as PNG."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from app.services.certificates.pdf import extract_payloads
from app.services.core.db import open_database
from app.services.events.records import ParticipantInput
from app.services.events.service import EventService
from tests.accounts_support import with_head_account
from tests.cli.test_certificate_cli import daftar
from tests.services.conftest import setup_tehran_office
from tests.services.events.event_support import NID_A, NID_B, NID_C, event_input

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture
def event_db(tmp_path: Path) -> tuple[Path, str]:
    """An office with one workshop: two attendees and one participant never present."""
    path = tmp_path / "office.sqlite3"
    db = with_head_account(open_database(path))
    try:
        setup_tehran_office(db)
        with db.session() as s:
            service = EventService(s)
            event = service.create(event_input(db, capacity="5"))
            a = service.register(event.id, ParticipantInput(NID_A, "مریم", "کریمی"))
            b = service.register(event.id, ParticipantInput(NID_B, "علی‌رضا", "رضایی"))
            service.register(event.id, ParticipantInput(NID_C, "سارا", "موسوی"))
            service.set_attendance(a.id, "1405/02/05")
            service.set_attendance(b.id, "1405/02/06")
            code = event.code
    finally:
        db.close()
    return path, code


def _log(db: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT serial, kind, duplicate FROM certificate_issue "
            "WHERE participant_id IS NOT NULL ORDER BY serial"
        ).fetchall()


def test_event_certificates_one_page_per_attendee(
    event_db: tuple[Path, str], tmp_path: Path
) -> None:
    db, code = event_db
    out = tmp_path / "attendance.pdf"
    done = daftar("certificate", "--event", code, "--out", out, "--db", db)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "مریم کریمی" in done.stderr and "سارا" not in done.stderr
    assert "written" in done.stderr and "2 certificate(s)" in done.stderr
    payloads = extract_payloads(out.read_bytes())
    assert len(payloads) == 2
    assert _log(db) == [("0612-C-000001", "attendance", 0), ("0612-C-000002", "attendance", 0)]

    checked = daftar("verify", out, "--db", db)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.count("VALID") == 2
    assert "کد رویداد" in checked.stdout and "نام شرکت‌کننده" in checked.stdout

    again = daftar("certificate", "--event", code.lower(), "--out", out, "--db", db)
    assert again.returncode == 0 and "المثنی" in again.stderr

    if shutil.which("pdftoppm"):
        SCREENSHOTS.mkdir(exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out), str(tmp_path / "p")],
            check=True,
        )
        page = next(tmp_path.glob("p*.png"))
        shutil.copy(page, SCREENSHOTS / "event-attendance-certificate.png")
        assert page.stat().st_size > 10_000


def test_event_certificate_errors(event_db: tuple[Path, str], tmp_path: Path) -> None:
    db, code = event_db
    out = tmp_path / "x.pdf"
    unknown = daftar("certificate", "--event", "0612-E-9999", "--out", out, "--db", db)
    assert unknown.returncode == 1 and "پیدا نشد" in unknown.stderr
    assert not out.exists()
    both = daftar("certificate", "0612-000001", "--event", code, "--out", out, "--db", db)
    assert both.returncode == 1 and "--event" in both.stderr
    # An event nobody attended: nothing written, nothing logged.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE event_attendance SET present = 0")
    nobody = daftar("certificate", "--event", code, "--out", out, "--db", db)
    assert nobody.returncode == 1 and "حضور نداشته" in nobody.stderr
    assert not out.exists() and _log(db) == []
    assert "Traceback" not in unknown.stderr + both.stderr + nobody.stderr
