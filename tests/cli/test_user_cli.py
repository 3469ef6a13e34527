"""``daftar user …`` and ``--user`` on the other commands, run as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAD_PASSWORD = "boss-password-1"


def daftar(*args: str | Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DAFTAR_USER", "DAFTAR_PASSWORD", "DAFTAR_NEW_PASSWORD"}
    }
    environment.update({key: value for key, value in env.items() if value is not None})
    return subprocess.run(
        [sys.executable, "-m", "app", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=environment,
        stdin=subprocess.DEVNULL,
    )


def test_accounts_from_the_first_head_to_a_disabled_clerk(tmp_path: Path) -> None:
    db = tmp_path / "office.sqlite3"
    # A database without accounts: every command names `daftar user add`.
    refused = daftar("export", tmp_path / "out.xlsx", "--db", db, "--user", "boss")
    assert refused.returncode == 1 and "daftar user add NAME --role مدیر" in refused.stderr
    not_head = daftar(
        "user", "add", "boss", "--role", "کارشناس", "--db", db, DAFTAR_NEW_PASSWORD="x" * 10
    )
    assert not_head.returncode == 1 and "مدیر" in not_head.stderr
    first = daftar(
        "user",
        "add",
        "boss",
        "--role",
        "مدیر",
        "--display-name",
        "سحر کاظمی",
        "--db",
        db,
        DAFTAR_NEW_PASSWORD=HEAD_PASSWORD,
    )
    assert first.returncode == 0, first.stderr
    init = daftar(
        "init",
        "--db",
        db,
        "--province",
        "تهران",
        "--county",
        "تهران",
        "--name",
        "اداره تعاون شهرستان تهران",
        "--prefix",
        "0612",
        "--user",
        "boss",
        DAFTAR_PASSWORD=HEAD_PASSWORD,
    )
    assert init.returncode == 0, init.stderr
    head = {"DAFTAR_USER": "boss", "DAFTAR_PASSWORD": HEAD_PASSWORD}
    added = daftar(
        "user", "add", "reza", "--role", "کارشناس", "--db", db,
        DAFTAR_NEW_PASSWORD="reza-password", **head,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    viewer = daftar(
        "user", "add", "mina", "--role", "viewer", "--db", db,
        DAFTAR_NEW_PASSWORD="mina-password", **head,
    )  # fmt: skip
    assert viewer.returncode == 0, viewer.stderr

    listed = daftar("user", "list", "--db", db, "--user", "reza", DAFTAR_PASSWORD="reza-password")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "boss\tمدیر\tسحر کاظمی",
        "reza\tکارشناس\treza",
        "mina\tمشاهده‌گر\tmina",
    ]
    # A clerk manages no accounts; a viewer exports nothing; a wrong password is refused.
    clerk = daftar(
        "user", "disable", "mina", "--db", db, "--user", "reza", DAFTAR_PASSWORD="reza-password"
    )
    assert clerk.returncode == 1 and "مدیریت حساب‌های کاربری" in clerk.stderr
    export = daftar(
        "export", tmp_path / "out.xlsx", "--db", db, "--user", "mina",
        DAFTAR_PASSWORD="mina-password",
    )  # fmt: skip
    assert export.returncode == 1 and "خروجی گرفتن" in export.stderr
    assert not (tmp_path / "out.xlsx").exists()
    wrong = daftar("user", "list", "--db", db, "--user", "reza", DAFTAR_PASSWORD="not-it")
    assert wrong.returncode == 1 and "نادرست" in wrong.stderr
    # Nobody named: refused with how to sign in (no prompt without a terminal).
    nobody = daftar("export", tmp_path / "out.xlsx", "--db", db)
    assert nobody.returncode == 1 and "--user" in nobody.stderr
    no_password = daftar("user", "list", "--db", db, "--user", "reza")
    assert no_password.returncode == 1 and "DAFTAR_PASSWORD" in no_password.stderr

    disabled = daftar("user", "disable", "reza", "--db", db, **head)
    assert disabled.returncode == 0, disabled.stderr
    gone = daftar("user", "list", "--db", db, "--user", "reza", DAFTAR_PASSWORD="reza-password")
    assert gone.returncode == 1 and "غیرفعال" in gone.stderr
    # `daftar verify` stays open to all: no account asked.
    verify = daftar("verify", "DFT1.not-a-certificate", "--db", db)
    assert "--user" not in verify.stderr and "حساب" not in verify.stderr
