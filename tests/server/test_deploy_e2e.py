"""A real ``daftar-server serve`` process as docs/deploy.md runs it.

- TLS by uvicorn itself (``--ssl-keyfile/--ssl-certfile``) with a certificate from the
  office's own CA: ``daftar setup --ca-file`` trusts it; without the CA file the client
  refuses the server with the Persian TLS message, and sends nothing.
- Behind a proxy (``--forwarded-allow-ips``) failed logins are counted per address the
  proxy reports; without that option X-Forwarded-For is ignored, so a client can't dodge
  the limit by making addresses up.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from common.protocol import PROTOCOL_VERSION
from server.ratelimit import MAX_FAILURES
from tests.tls_support import CertificateFiles, make_certificates

pytestmark = pytest.mark.timeout(300)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=240,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )


def _enrol(db: Path) -> str:
    done = _run(
        "-m", "server.cli", "add-office", "--db", db, "--province", "تهران",
        "--county", "شمیرانات", "--name", "اداره شمیرانات",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


class Serving:
    """``daftar-server serve`` with extra options, until stopped."""

    def __init__(self, db: Path, log: Path, *options: str, tls: CertificateFiles | None) -> None:
        self.port = _free_port()
        self.tls = tls
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://localhost:{self.port}"
        args = ["serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(self.port)]
        if tls:
            args += ["--ssl-keyfile", str(tls.key), "--ssl-certfile", str(tls.certificate)]
        self.log = log
        with log.open("a") as handle:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", *args, *options],
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, log.read_text()
            try:
                with self.client() as client:
                    client.get("/health", timeout=1)
                return
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)

    def client(self) -> httpx.Client:
        verify: ssl.SSLContext | bool = True
        if self.tls:
            verify = ssl.create_default_context(cafile=str(self.tls.ca))
        return httpx.Client(base_url=self.url, verify=verify, timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    started: list[Serving] = []

    def start(*options: str, tls: CertificateFiles | None = None) -> Serving:
        serving = Serving(tmp_path / "server.sqlite3", tmp_path / "server.log", *options, tls=tls)
        started.append(serving)
        return serving

    yield start
    for serving in started:
        serving.stop()


def _handshake() -> dict[str, object]:
    return {
        "protocol": PROTOCOL_VERSION,
        "client_schema": "0002",
        "client_version": "0.1.0",
        "client_time": dt.datetime.now(dt.UTC).isoformat(),
    }


def test_tls_with_the_offices_own_ca(serve: Any, tmp_path: Path) -> None:
    certificates = make_certificates(tmp_path / "tls")
    token = _enrol(tmp_path / "server.sqlite3")
    server = serve(tls=certificates)
    with server.client() as client:
        assert client.get("/health").json()["status"] == "ok"
    # Without the CA the certificate is not trusted: refused, in Persian, nothing sent.
    refused = _run(
        "-m", "app", "setup", "--db", tmp_path / "refused.sqlite3",
        "--server", server.url, "--token", token,
    )  # fmt: skip
    assert refused.returncode == 1
    assert "گواهی امنیتی (TLS) سرور" in refused.stderr and "--ca-file" in refused.stderr
    assert not (tmp_path / "refused.sqlite3").exists()
    assert "handshake" not in server.log.read_text()
    # With it: set up over https, and later syncs use the stored CA file.
    office = tmp_path / "office.sqlite3"
    done = _run(
        "-m", "app", "setup", "--db", office, "--server", server.url, "--token", token,
        "--ca-file", certificates.ca,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    again = _run("-m", "app", "sync", "--db", office)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1].startswith("pushed 0, pulled 0")


def test_failed_logins_behind_a_proxy_and_without_one(serve: Any, tmp_path: Path) -> None:
    token = _enrol(tmp_path / "server.sqlite3")
    good = {"Authorization": f"Bearer {token}"}
    bad = {"Authorization": "Bearer dft_guessing"}

    # Behind a trusted proxy: the address it reports is the client's.
    proxied = serve("--forwarded-allow-ips", "127.0.0.1")
    with proxied.client() as client:
        for _ in range(MAX_FAILURES):
            response = client.get("/v1/pull", headers={**bad, "X-Forwarded-For": "198.51.100.7"})
            assert response.status_code == 401
        blocked = client.get("/v1/pull", headers={**good, "X-Forwarded-For": "198.51.100.7"})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        other = client.get("/v1/pull", headers={**good, "X-Forwarded-For": "198.51.100.8"})
        assert other.status_code == 200
        # The proxy's own address (no header) is another client too.
        assert client.get("/v1/pull", headers=good).status_code == 200
    log = proxied.log.read_text()
    assert "client 198.51.100.7, reason unknown" in log
    assert "client 198.51.100.7 blocked for" in log
    assert "dft_guessing" not in log
    proxied.stop()

    # Without --forwarded-allow-ips, made-up X-Forwarded-For values change nothing.
    direct = serve()
    with direct.client() as client:
        for n in range(MAX_FAILURES):
            spoofed = {**bad, "X-Forwarded-For": f"203.0.113.{n}"}
            assert client.get("/v1/pull", headers=spoofed).status_code == 401
        again = client.get("/v1/pull", headers={**good, "X-Forwarded-For": "203.0.113.99"})
        assert again.status_code == 429
        assert client.get("/docs").status_code == 429  # blocked, whatever the path
