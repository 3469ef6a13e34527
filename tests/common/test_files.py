"""common.files: a file is either wholly written or left as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from common.files import (
    TEMPORARY_PREFIX,
    atomic_path,
    write_bytes_atomically,
    write_text_atomically,
)


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(TEMPORARY_PREFIX)]


def test_the_content_replaces_the_file_in_one_step(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "export.xlsx"
    with atomic_path(target) as temporary:
        assert temporary.parent == target.parent and temporary.name.endswith("export.xlsx")
        assert not target.exists()  # nothing at the destination while writing
        temporary.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert _leftovers(target.parent) == []


def test_a_failure_leaves_the_earlier_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_bytes(b"earlier")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_bytes(b"half of the new")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"earlier"
    assert _leftovers(tmp_path) == []


def test_a_block_that_writes_nothing_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "certificates.pdf"
    target.write_bytes(b"earlier")
    with atomic_path(target):
        pass  # e.g. no certificate to print after all
    assert target.read_bytes() == b"earlier"
    assert _leftovers(tmp_path) == []


def test_bytes_and_text(tmp_path: Path) -> None:
    assert write_text_atomically(tmp_path / "keys.json", "کلید\n").read_text("utf-8") == "کلید\n"
    write_bytes_atomically(tmp_path / "keys.json", b"{}")
    assert (tmp_path / "keys.json").read_bytes() == b"{}"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_secret_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = write_bytes_atomically(tmp_path / "office.key", b"secret", mode=0o600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_temporary_path_names_its_destination(tmp_path: Path) -> None:
    from common.files import intended_path

    destination = tmp_path / "ردپا.xlsx"
    with atomic_path(destination) as temporary:
        assert temporary != destination and intended_path(temporary) == destination
    assert intended_path(destination) == destination
    assert intended_path(tmp_path / ".daftar-short") == tmp_path / ".daftar-short"
