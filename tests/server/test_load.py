"""``make load`` in short (bench/load.py): a real ``daftar-server serve`` on PostgreSQL,
desks of many counties cycling handshake, pull and push at once, then polling; every
desk's copy must equal the server's rows for its county, with no error, nothing lost
and nothing duplicated — also when one of two server processes is killed mid-burst."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.load import parser, run

pytestmark = pytest.mark.slow


def _url() -> str:
    url = os.environ.get("DAFTAR_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("the load test needs PostgreSQL (DAFTAR_TEST_POSTGRES_URL)")
    return url


def _args(*extra: str) -> list[str]:
    return ["--database-url", _url(), "--poll-interval", "2", "--workers", "2", *extra]


def test_a_short_load_on_two_workers_converges_without_errors(tmp_path: Path) -> None:
    args = parser().parse_args(
        _args(
            "--desks", "50", "--seconds", "10", "--ops", "40", "--rate", "60", "--poll-seconds", "4"
        )
    )
    _ok, harness, problems = run(args, tmp_path)
    figures = harness.figures
    assert figures.errors == []
    assert problems == []
    assert figures.pushed == len(figures.op_ids) > 0
    # Every desk polled at least once with nothing to do, and pulled its neighbours' rows.
    assert len(figures.latencies["noop sync"]) >= 50
    assert sum(len(desk.rows) for desk in harness.desks) >= figures.pushed
    assert len({desk.county for desk in harness.desks}) == 50


def test_killing_one_of_two_server_processes_mid_burst_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    args = parser().parse_args(
        _args(
            "--desks",
            "30",
            "--seconds",
            "8",
            "--ops",
            "60",
            "--rate",
            "120",
            "--poll-seconds",
            "0",
            "--kill-one",
        )
    )
    _ok, harness, problems = run(args, tmp_path)
    figures = harness.figures
    assert len(harness.servers) == 2
    assert harness.servers[1].killed and not harness.servers[0].killed
    assert figures.failovers > 0  # requests of the killed process went to the other
    assert figures.errors == []
    # Every operation applied once (replays answered, not applied again), every row
    # once, every desk's copy equal to the server's.
    assert problems == []
    assert all(desk.outbox == [] for desk in harness.desks)
