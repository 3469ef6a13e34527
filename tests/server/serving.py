"""Real ``daftar-server serve`` processes on loopback, for tests that need the whole
stack (uvicorn, worker threads, the connection pool) rather than a TestClient."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def server_command() -> list[str]:
    script = Path(sys.executable).with_name("daftar-server")
    return [str(script)] if script.exists() else [sys.executable, "-m", "server.cli"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(db_args: list[str], log_path: Path, *extra: str) -> Iterator[str]:
    """``daftar-server serve`` on a free loopback port until the block ends; its URL."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*server_command(), "serve", *db_args, "--port", str(port), *extra],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
