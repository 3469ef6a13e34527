"""End to end: a real ``daftar-server serve`` process on 127.0.0.1, spoken to with httpx."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from common.protocol import PROTOCOL_VERSION
from tests.server_fixtures import ServerDatabase


def _server_command() -> list[str]:
    script = Path(sys.executable).with_name("daftar-server")
    return [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_health_and_handshake(tmp_path: Path, server_database: ServerDatabase) -> None:
    # --db PATH on SQLite, --database-url URL on PostgreSQL.
    db = server_database.cli_args
    enrolled = subprocess.run(
        [*_server_command(), "add-office", *db, "--province", "فارس",
         "--county", "شیراز", "--name", "اداره شیراز"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    token = enrolled.stdout.strip().splitlines()[-1]

    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [*_server_command(), "serve", *db, "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                health = httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"

        response = httpx.post(
            f"{base}/v1/handshake",
            json={
                "protocol": PROTOCOL_VERSION,
                "client_schema": "0002",
                "client_version": "0.1.0",
                "client_time": dt.datetime.now(dt.UTC).isoformat(),
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert response.status_code == 200, response.text
        assert response.json()["office"]["county"]["name"] == "شیراز"
        assert response.json()["skew_warning"] is False

        refused = httpx.post(
            f"{base}/v1/handshake", json={}, headers={"Authorization": "Bearer nope"}, timeout=5
        )
        assert refused.status_code in (401, 422)
        assert httpx.get(f"{base}/openapi.json", timeout=5).status_code == 200
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
