"""What every ``make bench`` module shares: the figure line, notes, subprocesses, the
demo office databases and the raw-insert floor."""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def line(
    name: str,
    value: float,
    unit: str,
    floor: float,
    floor_unit: str,
    target: str,
    ok: bool,
    ratio: float | None = None,
) -> None:
    """Print one figure in the agreed format: figure, floor, ratio, target, OK or MISS."""
    r = ratio if ratio is not None else (value / floor if floor else float("nan"))
    print(
        f"{name}: {value:.3f} {unit} | floor: {floor:.3f} {floor_unit} | ratio: {r:.2f} | "
        f"target: {target} | {'OK' if ok else 'MISS'}",
        flush=True,
    )


def note(text: str) -> None:
    """Progress notes go to stderr so stdout holds only the figures."""
    print(f"# {text}", file=sys.stderr, flush=True)


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command, failing loudly."""
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {}))
    done = subprocess.run(args, capture_output=True, text=True, env=full_env, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done


def remove_db(path: Path) -> None:
    """Delete a database file and its WAL companions."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def new_office_db(path: Path, name: str, prefix: str) -> None:
    """A new database with a Tehran office, made by ``daftar init``."""
    remove_db(path)
    place = ["--province", "تهران", "--county", "تهران"]
    run([PY, "-m", "app", "init", "--db", str(path), *place, "--name", name, "--prefix", prefix])


def raw_insert_floor(source: Path, target_dir: Path, limit: int | None = None) -> float:
    """Seconds to insert ``source``'s holders and licences with raw executemany, one txn.

    The target has the same schema (indexes, FTS triggers) and reference data.
    """
    target = target_dir / "floor.sqlite3"
    new_office_db(target, "floor", "1")
    src = sqlite3.connect(source)
    cap = f" LIMIT {limit}" if limit else ""
    licence_cols = [r[1] for r in src.execute("PRAGMA table_info(licence)")]
    person_cols = [r[1] for r in src.execute("PRAGMA table_info(person)")]
    licences = src.execute(f"SELECT * FROM licence ORDER BY local_seq{cap}").fetchall()
    person_ids = {row[licence_cols.index("person_id")] for row in licences}
    pid = person_cols.index("id")
    people = [p for p in src.execute("SELECT * FROM person") if p[pid] in person_ids]
    src.close()
    dst = sqlite3.connect(target)
    dst.execute("PRAGMA journal_mode = WAL")
    dst.execute("PRAGMA synchronous = NORMAL")
    dst.execute("PRAGMA foreign_keys = ON")
    started = time.perf_counter()
    with dst:
        dst.executemany(
            f"INSERT INTO person ({','.join(person_cols)}) "
            f"VALUES ({','.join('?' * len(person_cols))})",
            people,
        )
        dst.executemany(
            f"INSERT INTO licence ({','.join(licence_cols)}) "
            f"VALUES ({','.join('?' * len(licence_cols))})",
            licences,
        )
    elapsed = time.perf_counter() - started
    dst.close()
    return elapsed


def time_to_first_line(args: list[str], env: dict[str, str] | None = None) -> float:
    """Seconds from spawning a process to the first line it prints (not its exit)."""
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {}))
    started = time.perf_counter()
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=full_env, cwd=ROOT
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        elapsed = time.perf_counter() - started
        process.wait(timeout=60)
    if not first.strip() or process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args)} printed nothing or failed")
    return elapsed


def median_time(args: list[str], env: dict[str, str] | None = None, runs: int = 7) -> float:
    """The median of ``runs`` spawns to the first printed line (after one to warm up)."""
    time_to_first_line(args, env)  # warm the disk cache
    return statistics.median(time_to_first_line(args, env) for _ in range(runs))


def p95(values: list[float]) -> float:
    """The 95th percentile of ``values``."""
    return statistics.quantiles(values, n=20, method="inclusive")[18]


# Peak resident memory of this process: VmHWM belongs to the address space, so unlike
# getrusage's ru_maxrss it does not carry over the parent's peak across fork and exec.
PEAK_KB = textwrap.dedent(
    """
    def peak_kb():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    """
)


def script_times(script: str, *args: str, what: str, timeout: float = 300) -> list[float]:
    """Run a timing script (``python -c``) offscreen in a fresh process; the seconds it
    printed, one a line. ``what`` names it if it fails."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [PY, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=timeout,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"bench: {what} run failed:\n{done.stderr[-3000:]}")
    return [float(value) for value in done.stdout.split()]
