"""Where a live database may not be: network shares and removable drives."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from app.services.core.storage import (
    DRIVE_REMOTE,
    DRIVE_REMOVABLE,
    LOCAL,
    NETWORK,
    REMOVABLE,
    UnsafeLocation,
    linux_kind,
    mount_of,
    refuse_unsafe_location,
    windows_kind,
)

MOUNTS = """\
sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p2 / ext4 rw,relatime 0 0
/dev/nvme0n1p1 /boot/efi vfat rw,relatime 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
//fileserver/office /mnt/office cifs rw,relatime,vers=3.1.1 0 0
nas:/export/home /home/shared nfs4 rw,relatime 0 0
user@host:/data /home/clerk/remote fuse.sshfs rw,nosuid,nodev 0 0
//nas/share\\040two /media/share\\040two smb3 rw 0 0
/dev/sdb1 /media/clerk/USB\\040STICK vfat rw,nosuid,nodev 0 0
/dev/sdc1 /mnt/office/local ext4 rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/home/clerk/.local/share/Daftar/daftar/daftar.sqlite3", LOCAL),
        ("/tmp/daftar.sqlite3", LOCAL),
        ("/mnt/office/daftar.sqlite3", NETWORK),
        ("/mnt/officer/daftar.sqlite3", LOCAL),  # a prefix of the name is not the mount
        ("/home/shared/a/daftar.sqlite3", NETWORK),
        ("/home/clerk/remote/daftar.sqlite3", NETWORK),
        ("/media/share two/daftar.sqlite3", NETWORK),
        ("/media/clerk/USB STICK/daftar.sqlite3", REMOVABLE),
        ("/mnt/office/local/daftar.sqlite3", LOCAL),  # a local disk mounted inside a share
    ],
)
def test_linux_mounts(path: str, kind: str) -> None:
    assert linux_kind(PurePosixPath(path), MOUNTS, lambda device: device == "/dev/sdb1") == kind


def test_the_longest_mount_point_wins() -> None:
    assert mount_of(PurePosixPath("/mnt/office/x"), MOUNTS) == (
        "//fileserver/office",
        "/mnt/office",
        "cifs",
    )


def _drive_type(types: dict[str, int]) -> object:
    return lambda root: types.get(root.upper(), 3)  # 3: DRIVE_FIXED


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (r"C:\Users\clerk\AppData\Local\Daftar\daftar\daftar.sqlite3", LOCAL),
        (r"\\fileserver\office\daftar.sqlite3", NETWORK),
        ("//fileserver/office/daftar.sqlite3", NETWORK),
        (r"\\?\UNC\fileserver\office\daftar.sqlite3", NETWORK),
        (r"\\?\C:\Users\clerk\daftar.sqlite3", LOCAL),
        (r"\\?\Z:\daftar.sqlite3", NETWORK),
        (r"Z:\daftar\daftar.sqlite3", NETWORK),  # a mapped network drive
        (r"E:\daftar.sqlite3", REMOVABLE),  # a USB stick
        (r"e:\daftar.sqlite3", REMOVABLE),
    ],
)
def test_windows_paths(path: str, kind: str) -> None:
    types = {"Z:\\": DRIVE_REMOTE, "E:\\": DRIVE_REMOVABLE}
    assert windows_kind(path, _drive_type(types)) == kind  # type: ignore[arg-type]


def test_open_database_refuses_a_network_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services.core import storage
    from app.services.core.db import open_database

    monkeypatch.setattr(storage, "storage_kind", lambda _path: NETWORK)
    target = tmp_path / "daftar.sqlite3"
    with pytest.raises(UnsafeLocation, match="پوشهٔ اشتراکی شبکه") as caught:
        open_database(target)
    assert "همگام‌سازی" in caught.value.message
    assert not target.exists()
    monkeypatch.setattr(storage, "storage_kind", lambda _path: REMOVABLE)
    with pytest.raises(UnsafeLocation, match="حافظهٔ جانبی"):
        refuse_unsafe_location(target)
    monkeypatch.setattr(storage, "storage_kind", lambda _path: LOCAL)
    refuse_unsafe_location(target)


def test_this_machines_temporary_folder_is_local(tmp_path: Path) -> None:
    from app.services.core.storage import storage_kind

    assert storage_kind(tmp_path / "daftar.sqlite3") == LOCAL
