"""End to end: a real ``daftar-server serve`` process and real ``daftar`` client processes.

Fault tests: the client process killed in the middle of a sync, and the server stopped
in the middle of one and started again. After recovery every record exists exactly once
on the server and in every office, and nothing waits in an outbox.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.timeout(300)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen")


def server_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "server.cli", *args]


def daftar(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def run(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=240, env=_env())
    if check and done.returncode != 0:
        raise AssertionError(f"{args} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done


class ServerProcess:
    def __init__(self, db: Path, log: Path) -> None:
        self.db = db
        self.log_path = log
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                server_cmd(
                    "serve", "--db", str(self.db), "--host", "127.0.0.1", "--port", str(self.port)
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                httpx.get(f"{self.url}/health", timeout=1)
                return
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(20)

    def enrol(self, name: str, county: str | None = None) -> str:
        args = ["add-office", "--db", str(self.db), "--province", "تهران", "--name", name]
        if county:
            args += ["--county", county]
        return run(server_cmd(*args)).stdout.strip().splitlines()[-1]

    def records(self) -> dict[str, int]:
        with sqlite3.connect(self.db) as conn:
            return dict(conn.execute("SELECT table_name, count(*) FROM record GROUP BY table_name"))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "server.sqlite3", tmp_path / "server.log")
    process.enrol("warm-up")  # creates and migrates the database
    process.start()
    yield process
    process.stop()


def rows(db: Path) -> dict[str, int]:
    """Rows per synced table (those with any), as the server's ``records()`` counts."""
    from app.services.sync.tables import MODELS

    with sqlite3.connect(db) as conn:
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in MODELS
        }
    return {table: count for table, count in counts.items() if count}


def outbox(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])


def setup_office(server: ServerProcess, db: Path, name: str) -> None:
    token = server.enrol(name)
    done = run(daftar("setup", "--server", server.url, "--token", token, "--db", str(db)))
    # A new office's head account (DAFTAR_USER) is its first head at the server too.
    assert done.stdout.strip().splitlines()[-1].startswith("pushed 1, pulled ")


def sync_line(db: Path) -> str:
    return run(daftar("sync", "--db", str(db))).stdout.strip().splitlines()[-1]


def test_setup_sync_and_a_second_office(server: ServerProcess, tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    setup_office(server, a, "اداره استان الف")
    run(daftar("demo", "--licences", "40", "--db", str(a)))
    line = sync_line(a)
    assert line.startswith("pushed ") and line.endswith("conflicts 0")
    assert outbox(a) == 0
    setup_office(server, b, "اداره استان ب")
    assert rows(b) == rows(a)
    assert sync_line(b) == "pushed 0, pulled 0, conflicts 0"


def test_wrong_token_and_unreachable_server_exit_non_zero(
    server: ServerProcess, tmp_path: Path
) -> None:
    a = tmp_path / "a.sqlite3"
    setup_office(server, a, "اداره استان الف")
    refused = run(daftar("sync", "--db", str(a), "--token", "nope"), check=False)
    assert refused.returncode == 1 and "توکن" in refused.stderr
    server.stop()
    offline = run(daftar("sync", "--db", str(a)), check=False)
    assert offline.returncode == 1 and "در دسترس نیست" in offline.stderr


def _kill_mid_sync(db: Path, after_seconds: float) -> None:
    process = subprocess.Popen(
        daftar("sync", "--db", str(db)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )
    time.sleep(after_seconds)
    process.kill()
    process.wait(10)


def test_client_killed_mid_sync_recovers_exactly_once(
    server: ServerProcess, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    setup_office(server, a, "اداره استان الف")
    run(daftar("demo", "--licences", "1200", "--db", str(a)))
    before = outbox(a)
    _kill_mid_sync(a, 2.5)
    assert 0 < outbox(a) <= before  # nothing lost; maybe some batches went through
    assert sync_line(a).endswith("conflicts 0")
    assert outbox(a) == 0
    local = rows(a)
    assert server.records() == local  # each record exactly once on the server
    setup_office(server, b, "اداره استان ب")
    assert rows(b) == local


def test_server_restarted_mid_sync(server: ServerProcess, tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    setup_office(server, a, "اداره استان الف")
    run(daftar("demo", "--licences", "1200", "--db", str(a)))
    process = subprocess.Popen(
        daftar("sync", "--db", str(a)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
    )
    time.sleep(2.5)
    server.stop(signal.SIGKILL)  # the server dies mid-request
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 1, err.decode()
    server.start()
    assert sync_line(a).endswith("conflicts 0")
    assert outbox(a) == 0
    assert server.records() == rows(a)
    setup_office(server, b, "اداره استان ب")
    assert rows(b) == rows(a)


def test_rejected_changes_exit_2_and_the_rest_arrive(server: ServerProcess, tmp_path: Path) -> None:
    a = tmp_path / "a.sqlite3"
    token = server.enrol("اداره شمیرانات", county="شمیرانات")
    run(daftar("setup", "--server", server.url, "--token", token, "--db", str(a)))
    run(daftar("demo", "--licences", "60", "--db", str(a)))
    # Demo licences lie in this office's county. Move every other independent one to
    # another county, as a database written before the app refused other counties (or
    # a hostile client) would hold them: the server must refuse those.
    with sqlite3.connect(a) as conn:
        rey = conn.execute("SELECT id FROM county WHERE name = 'ری'").fetchone()[0]
        ids = conn.execute(
            "SELECT id FROM licence WHERE kind = 'independent' ORDER BY local_seq"
        ).fetchall()[::2]
        conn.executemany(
            "UPDATE licence SET county_id = ? WHERE id = ?", [(rey, i) for (i,) in ids]
        )
        pending = conn.execute(
            "SELECT count(*) FROM outbox WHERE table_name = 'licence' AND changes = '{}'"
        ).fetchone()[0]
    assert len(ids) > 10 and pending == 60  # inserts sent as the rows are at push time
    done = run(daftar("sync", "--db", str(a)), check=False)
    assert done.returncode == 2, done.stderr
    assert "نپذیرفت" in done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("pushed ")
    with sqlite3.connect(a) as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state"))
        in_county = conn.execute(
            "SELECT count(*) FROM licence l JOIN county c ON c.id = l.county_id "
            "WHERE c.name = 'شمیرانات'"
        ).fetchone()[0]
    assert set(states) == {"quarantined"}
    assert in_county > 0 and server.records().get("licence", 0) == in_county
