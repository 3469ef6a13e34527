"""``daftar audit verify`` (exit 0 intact, 1 tampered with the first bad entry named) and
``daftar audit export FILE`` (the head of office's), run as real processes."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from openpyxl import load_workbook

from tests.accounts_support import HEAD_INPUT
from tests.cli.test_cli import GOOD, _csv, daftar, dbfile  # noqa: F401 - fixture
from tests.cli.test_user_cli import daftar as daftar_as


def _entries(path: Path) -> list[tuple[int, str, str]]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT seq, action, actor FROM audit_entry ORDER BY seq").fetchall()


def test_verify_export_and_a_change_found(dbfile: Path, tmp_path: Path) -> None:  # noqa: F811
    row = {**GOOD, "کد ملی": "0067749828", "شماره مجوز": "0612-000101"}
    assert daftar("import", _csv(tmp_path / "one.csv", [row]), "--db", dbfile).returncode == 0
    recorded = _entries(dbfile)
    actions = [action for _seq, action, _actor in recorded]
    assert {"sign_in", "office_settings", "import"} <= set(actions)
    assert {actor for _seq, _action, actor in recorded} == {HEAD_INPUT.username}
    with contextlib.closing(sqlite3.connect(dbfile)) as conn:  # each command sealed its head
        assert conn.execute("SELECT max(seq) FROM audit_seal").fetchone()[0] >= recorded[-1][0]

    intact = daftar("audit", "verify", "--db", dbfile)
    assert intact.returncode == 0, intact.stderr
    assert "سالم" in intact.stderr and "intact" in intact.stderr

    out = tmp_path / "trail.xlsx"
    exported = daftar("audit", "export", out, "--db", dbfile)
    assert exported.returncode == 0, exported.stderr
    sheet = load_workbook(out).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("ردیف", "زمان", "کاربر", "اقدام")
    assert len(values) - 1 >= len(recorded)
    assert _entries(dbfile)[-1][1] == "audit"  # the export is recorded too

    with contextlib.closing(sqlite3.connect(dbfile)) as conn:
        conn.execute("DROP TRIGGER audit_entry_no_update")
        conn.execute("UPDATE audit_entry SET summary = 'هیچ' WHERE seq = 2")
        conn.commit()
    tampered = daftar("audit", "verify", "--db", dbfile)
    assert tampered.returncode == 1
    assert "ردیف ۲" in tampered.stderr and "entry 2 (changed)" in tampered.stderr


def test_a_viewer_verifies_but_does_not_export(tmp_path: Path) -> None:
    db = tmp_path / "office.sqlite3"
    head = {"DAFTAR_USER": "boss", "DAFTAR_PASSWORD": "boss-password-1"}
    made = daftar_as(
        "init", "--db", db, "--province", "تهران", "--name", "اداره", "--prefix", "0612",
        DAFTAR_NEW_PASSWORD="boss-password-1", **head,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    added = daftar_as(
        "user", "add", "mina", "--role", "viewer", "--db", db,
        DAFTAR_NEW_PASSWORD="mina-password", **head,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    viewer = {"DAFTAR_USER": "mina", "DAFTAR_PASSWORD": "mina-password"}
    assert daftar_as("audit", "verify", "--db", db, **viewer).returncode == 0
    refused = daftar_as("audit", "export", tmp_path / "t.csv", "--db", db, **viewer)
    assert refused.returncode == 1 and "دیدن ردپای ممیزی" in refused.stderr
    assert not (tmp_path / "t.csv").exists()
    failed = daftar_as("audit", "verify", "--db", db, DAFTAR_USER="mina", DAFTAR_PASSWORD="no")
    assert failed.returncode == 1
    assert ("sign_in_failed", "") in [(a, w) for _s, a, w in _entries(db)]
