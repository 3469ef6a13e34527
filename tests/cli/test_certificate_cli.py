"""``daftar certificate`` and ``daftar verify``, run as real processes."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.services.certificates.pdf import extract_payloads


def daftar(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def office_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An office with 30 demo licences (made once; tests copy it)."""
    path = tmp_path_factory.mktemp("office") / "office.sqlite3"
    init = daftar(
        "init",
        "--db",
        path,
        "--province",
        "تهران",
        "--county",
        "تهران",
        "--name",
        "اداره تعاون شهرستان تهران",
        "--prefix",
        "0612",
    )
    assert init.returncode == 0, init.stderr
    demo = daftar("demo", "--licences", "30", "--seed", "2", "--db", path)
    assert demo.returncode == 0, demo.stderr
    return path


@pytest.fixture
def dbfile(office_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "office.sqlite3"
    with sqlite3.connect(office_db) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


def _licences(db: Path) -> list[tuple[str, str, str, str]]:
    """(number, status, issue_date, expiry_date) of every licence, by number."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT number, status, issue_date, expiry_date FROM licence ORDER BY number"
        ).fetchall()


def _active_number(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT number FROM licence WHERE status = 'active' AND expiry_date > date('now', "
            "'+1 year') ORDER BY number LIMIT 1"
        ).fetchone()
    return str(row[0])


def _log(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT serial, duplicate FROM certificate_issue ORDER BY serial"
        ).fetchall()


def test_certificate_reprint_and_verify(dbfile: Path, tmp_path: Path) -> None:
    number = _active_number(dbfile)
    out = tmp_path / "one.pdf"
    done = daftar("certificate", number, "--out", out, "--db", dbfile)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert "0612-C-000001" in done.stderr and "Traceback" not in done.stderr
    again = daftar("certificate", number, "--out", tmp_path / "two.pdf", "--db", dbfile)
    assert again.returncode == 0, again.stderr
    assert "المثنی" in again.stderr
    assert _log(dbfile) == [("0612-C-000001", 0), ("0612-C-000002", 1)]
    with sqlite3.connect(dbfile) as conn:
        actions = conn.execute(
            "SELECT count(*) FROM licence_history WHERE action = 'certificate'"
        ).fetchone()[0]
    assert actions == 2

    checked = daftar("verify", out, "--db", dbfile)
    assert checked.returncode == 0, checked.stderr
    first = checked.stdout.splitlines()[0]
    assert first.startswith("VALID") and "اصل" in first
    assert "شماره مجوز" in checked.stdout and "0612-C-000001" in checked.stdout

    [payload] = extract_payloads(out.read_bytes())
    assert daftar("verify", payload, "--db", dbfile).returncode == 0


def test_verify_rejects_a_tampered_payload(dbfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.pdf"
    assert (
        daftar("certificate", _active_number(dbfile), "--out", out, "--db", dbfile).returncode == 0
    )
    [payload] = extract_payloads(out.read_bytes())
    prefix, body, signature = payload.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["e"] = "20991231"  # a forger extends the licence
    forged_body = base64.urlsafe_b64encode(
        json.dumps(claims, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ).rstrip(b"=")
    forged = f"{prefix}.{forged_body.decode()}.{signature}"
    done = daftar("verify", forged, "--db", dbfile)
    assert done.returncode == 1
    assert done.stdout.startswith("INVALID") and "جعلی" in done.stdout
    assert "تأیید نشده" in done.stdout

    flipped = payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    assert daftar("verify", flipped, "--db", dbfile).returncode == 1
    truncated = daftar("verify", payload[:-20], "--db", dbfile)
    assert truncated.returncode == 1 and "ناقص" in truncated.stdout
    garbage = daftar("verify", "hello world", "--db", dbfile)
    assert garbage.returncode == 1 and garbage.stdout.startswith("INVALID")
    assert "Traceback" not in done.stderr + truncated.stderr + garbage.stderr


def test_issued_since_batch(dbfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "batch.pdf"
    done = daftar("certificate", "--issued-since", "۱۴۰۲/۰۱/۰۱", "--out", out, "--db", dbfile)
    assert done.returncode == 0, done.stderr
    payloads = extract_payloads(out.read_bytes())
    assert payloads and len(payloads) == len(_log(dbfile))
    checked = daftar("verify", out, "--db", dbfile)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.count("VALID") == len(payloads)
    assert f"— 1/{len(payloads)} —" in checked.stdout if len(payloads) > 1 else True


@pytest.mark.parametrize("bad", ["1405/13/01", "yesterday", "1404/12/30", "14050901"])
def test_issued_since_refuses_bad_dates(dbfile: Path, tmp_path: Path, bad: str) -> None:
    out = tmp_path / "x.pdf"
    done = daftar("certificate", "--issued-since", bad, "--out", out, "--db", dbfile)
    assert done.returncode == 1
    assert "issued-since" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists() and _log(dbfile) == []


def test_nothing_issued_since_a_future_date(dbfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    done = daftar("certificate", "--issued-since", "1480/01/01", "--out", out, "--db", dbfile)
    assert done.returncode == 1 and "صادر نشده" in done.stderr
    assert not out.exists()


def test_unknown_licence_number(dbfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    done = daftar("certificate", "0612-999999", "--out", out, "--db", dbfile)
    assert done.returncode == 1
    assert "0612-999999" in done.stderr and "پیدا نشد" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_number_or_issued_since_but_not_both(dbfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    assert daftar("certificate", "--out", out, "--db", dbfile).returncode == 1
    both = daftar(
        "certificate", "0612-000001", "--issued-since", "1400/01/01", "--out", out, "--db", dbfile
    )
    assert both.returncode == 1 and not out.exists()


@pytest.mark.parametrize(("status", "word"), [("suspended", "معلق"), ("revoked", "باطل")])
def test_refuses_suspended_and_revoked(
    dbfile: Path, tmp_path: Path, status: str, word: str
) -> None:
    number = _active_number(dbfile)
    with sqlite3.connect(dbfile) as conn:
        conn.execute("UPDATE licence SET status = ? WHERE number = ?", (status, number))
    out = tmp_path / "x.pdf"
    done = daftar("certificate", number, "--out", out, "--db", dbfile)
    assert done.returncode == 1
    assert number in done.stderr and word in done.stderr
    assert not out.exists() and _log(dbfile) == []


def test_refuses_expired(dbfile: Path, tmp_path: Path) -> None:
    number = _active_number(dbfile)
    with sqlite3.connect(dbfile) as conn:
        conn.execute(
            "UPDATE licence SET issue_date = '2015-01-01', expiry_date = '2020-01-01' "
            "WHERE number = ?",
            (number,),
        )
    done = daftar("certificate", number, "--out", tmp_path / "x.pdf", "--db", dbfile)
    assert done.returncode == 1 and "منقضی" in done.stderr and number in done.stderr


def test_verify_reports_a_revoked_licence(dbfile: Path, tmp_path: Path) -> None:
    number = _active_number(dbfile)
    out = tmp_path / "c.pdf"
    assert daftar("certificate", number, "--out", out, "--db", dbfile).returncode == 0
    with sqlite3.connect(dbfile) as conn:
        conn.execute(
            "UPDATE licence SET status = 'revoked', status_reason = 'تخلف' WHERE number = ?",
            (number,),
        )
    done = daftar("verify", out, "--db", dbfile)
    assert done.returncode == 2
    assert done.stdout.startswith("VALID REVOKED") and "باطل" in done.stdout


def test_verify_offline_with_a_published_key(dbfile: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.pdf"
    assert (
        daftar("certificate", _active_number(dbfile), "--out", out, "--db", dbfile).returncode == 0
    )
    with sqlite3.connect(dbfile) as conn:
        [public] = conn.execute(
            "SELECT public_key FROM signing_key WHERE source = 'own'"
        ).fetchone()
    # A machine with no register at all (a bank): only the published key is trusted.
    bank = {"XDG_DATA_HOME": str(tmp_path / "bank-home")}
    unknown = daftar("verify", out, env=bank)
    assert unknown.returncode == 1 and "شناخته نیست" in unknown.stdout
    offline = daftar("verify", out, "--key", public, env=bank)
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert offline.stdout.startswith("VALID")
    assert not (tmp_path / "bank-home").exists()  # verifying made no database
    # An explicit --db that does not exist is an error.
    missing = daftar("verify", out, "--db", tmp_path / "bank.sqlite3")
    assert missing.returncode == 1 and "پیدا نشد" in missing.stderr
    # Another office's register: genuine only with the published key.
    fresh = tmp_path / "fresh.sqlite3"
    assert (
        daftar(
            "init", "--db", fresh, "--province", "تهران", "--name", "اداره کل", "--prefix", "21"
        ).returncode
        == 0
    )
    stranger = daftar("verify", out, "--db", fresh)
    assert stranger.returncode == 1 and "شناخته نیست" in stranger.stdout
    trusted = daftar("verify", out, "--db", fresh, "--key", public)
    assert trusted.returncode == 0, trusted.stdout
    assert "ثبت نیست" in trusted.stdout  # genuine, but not in that office's register
    assert daftar("verify", out, "--db", fresh, "--key", "nonsense").returncode == 1


def test_verify_missing_file(dbfile: Path, tmp_path: Path) -> None:
    done = daftar("verify", tmp_path / "nowhere.pdf", "--db", dbfile)
    assert done.returncode == 1 and "پیدا نشد" in done.stderr
    not_ours = tmp_path / "other.pdf"
    not_ours.write_bytes(b"%PDF-1.4\n%%EOF\n")
    done = daftar("verify", not_ours, "--db", dbfile)
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_key_rotation_and_a_key_file_from_the_command_line(dbfile: Path, tmp_path: Path) -> None:
    import datetime as dt

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from common.key_set import PublishedKey, key_set_document
    from common.signing import CertificateClaims, key_id_for, public_key_text, sign_claims

    out = tmp_path / "c.pdf"
    assert (
        daftar("certificate", _active_number(dbfile), "--out", out, "--db", dbfile).returncode == 0
    )
    listed = daftar("key", "list", "--db", dbfile)
    assert listed.returncode == 0
    [line] = listed.stdout.splitlines()
    old = line.split("\t")[0]
    assert "\t*\tactive\tnot published\t" in line
    rotated = daftar("key", "rotate", "--db", dbfile)
    assert rotated.returncode == 0 and rotated.stdout.strip() != old
    assert "تعویض شد" in rotated.stderr
    lines = daftar("key", "list", "--db", dbfile).stdout.splitlines()
    assert lines[0].startswith(rotated.stdout.strip()) and lines[1].startswith(
        f"{old}\town\tretired"
    )
    done = daftar("verify", out, "--db", dbfile)  # signed before the rotation: still genuine
    assert done.returncode == 0 and "کلید دیگری" in done.stdout
    # Another office's key, from a published key file.
    other = Ed25519PrivateKey.generate()
    key = PublishedKey(
        key_id_for(other.public_key()), public_key_text(other), office_name="اداره تعاون ری"
    )
    keys = tmp_path / "keys.json"
    keys.write_text(
        json.dumps(key_set_document([key], dt.datetime.now(dt.UTC)), ensure_ascii=False),
        encoding="utf-8",
    )
    payload = sign_claims(
        other,
        CertificateClaims(
            serial="2303-C-000001",
            licence_number="2303-000001",
            unique_id="AAAA-BBBB-CCCC",
            national_id="0067749828",
            holder_name="مریم کریمی",
            field_code="020001",
            county_code="2303",
            issue_date=dt.date(2026, 1, 1),
            expiry_date=dt.date(2031, 1, 1),
        ),
    ).payload
    assert daftar("verify", payload, "--db", dbfile).returncode == 1
    with_file = daftar("verify", payload, "--db", dbfile, "--keys", keys)
    assert with_file.returncode == 0 and "صادرکننده: اداره تعاون ری" in with_file.stdout
    imported = daftar("key", "import", keys, "--db", dbfile)
    assert imported.returncode == 0 and "1 new key(s)" in imported.stderr
    assert daftar("verify", payload, "--db", dbfile).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    refused = daftar("verify", payload, "--db", dbfile, "--keys", bad)
    assert refused.returncode == 1 and "فایل کلیدهای منتشرشده" in refused.stderr
