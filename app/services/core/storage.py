"""Where a database file may live: not on a network share, not on a removable drive.

SQLite's locking is not safe over network file systems (SMB, NFS, SSHFS: two desks
writing one file corrupt it), and a USB stick pulled out mid-write loses the database.
Several desks of an office share their work through sync, not through one file; a
backup may go anywhere (app.services.core.autobackup's second folder is meant for a
stick or a share), the live database may not.

The parsers are pure functions (tested with sample ``/proc/mounts`` text and sample
Windows paths); :func:`storage_kind` asks the operating system.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath

from app.services.core.db import DatabaseProblem
from common.text import isolate_ltr

log = logging.getLogger("daftar.db")

LOCAL = "local"
NETWORK = "network"
REMOVABLE = "removable"

#: File-system types of /proc/mounts that live on another computer.
NETWORK_FS_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smbfs",
        "smb3",
        "fuse.sshfs",
        "sshfs",
        "davfs",
        "fuse.davfs2",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "afs",
        "ncpfs",
    }
)

#: ``GetDriveTypeW`` results (winbase.h).
DRIVE_REMOVABLE = 2
DRIVE_REMOTE = 4


class UnsafeLocation(DatabaseProblem):
    """The database is on a network share or a removable drive."""


def _unescape_mount_field(field: str) -> str:
    """/proc/mounts writes a space as ``\\040``, a tab ``\\011``, a backslash ``\\134``."""
    out: list[str] = []
    index = 0
    while index < len(field):
        chunk = field[index : index + 4]
        if len(chunk) == 4 and chunk[0] == "\\" and chunk[1:].isdigit():
            out.append(chr(int(chunk[1:], 8)))
            index += 4
        else:
            out.append(field[index])
            index += 1
    return "".join(out)


def mount_of(path: PurePosixPath, mounts_text: str) -> tuple[str, str, str] | None:
    """The mount ``path`` is on, from ``/proc/mounts`` text: (device, mount point, type);
    the longest mount point containing ``path`` (the last one mounted wins a tie)."""
    best: tuple[str, str, str] | None = None
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        device, point, fs_type = (_unescape_mount_field(part) for part in parts[:3])
        mount = PurePosixPath(point)
        if (path == mount or mount in path.parents) and (
            best is None or len(point) >= len(best[1])
        ):
            best = (device, point, fs_type)
    return best


def linux_kind(
    path: PurePosixPath, mounts_text: str, removable: Callable[[str], bool] = lambda _d: False
) -> str:
    """:data:`NETWORK`, :data:`REMOVABLE` or :data:`LOCAL` for ``path`` on Linux;
    ``removable(device)`` tells whether a block device is removable."""
    found = mount_of(path, mounts_text)
    if found is None:
        return LOCAL
    device, _point, fs_type = found
    if fs_type in NETWORK_FS_TYPES or fs_type.startswith(("smb", "nfs")):
        return NETWORK
    if device.startswith("//") or (":/" in device and not device.startswith("/")):
        return NETWORK  # "//server/share" or "server:/export" under another type name
    if device.startswith("/dev/") and removable(device):
        return REMOVABLE
    return LOCAL


def _linux_removable(device: str, sys_root: Path = Path("/sys")) -> bool:
    """Whether /sys says the block device (or the disk of the partition) is removable."""
    name = Path(device).resolve().name if Path(device).exists() else Path(device).name
    node = sys_root / "class" / "block" / name
    for candidate in (node / "removable", node.resolve().parent / "removable"):
        try:
            return candidate.read_text().strip() == "1"
        except OSError:
            continue
    return False


def windows_kind(path: str, drive_type: Callable[[str], int]) -> str:
    """:data:`NETWORK`, :data:`REMOVABLE` or :data:`LOCAL` for a Windows path;
    ``drive_type(root)`` is ``GetDriveTypeW`` (``root`` like ``C:\\``)."""
    pure = PureWindowsPath(path)
    drive = pure.drive
    if drive.startswith(("\\\\", "//")):
        # \\?\C:\… is a local path written the long way; \\?\UNC\server\share is not.
        lowered = drive.lower()
        if lowered.startswith(("\\\\?\\", "\\\\.\\")) and not lowered[4:].startswith("unc"):
            inner = PureWindowsPath(drive[4:] + "\\")
            return windows_kind(str(inner), drive_type) if inner.drive else LOCAL
        return NETWORK
    if not drive:
        return LOCAL
    kind = drive_type(drive + "\\")
    if kind == DRIVE_REMOTE:
        return NETWORK
    if kind == DRIVE_REMOVABLE:
        return REMOVABLE
    return LOCAL


def _get_drive_type(root: str) -> int:  # pragma: no cover - Windows only
    import ctypes

    windll = getattr(ctypes, "windll")  # noqa: B009 - absent on other systems
    return int(windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))


def storage_kind(path: Path) -> str:
    """What kind of storage ``path`` (a file, or where it will be) is on."""
    resolved = path.expanduser().resolve()
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return windows_kind(str(resolved), _get_drive_type)
    if sys.platform.startswith("linux"):
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return LOCAL
        return linux_kind(PurePosixPath(resolved), mounts, _linux_removable)
    return LOCAL


def refuse_unsafe_location(path: Path) -> None:
    """Raise :class:`UnsafeLocation` (Persian) when ``path`` is on a network share or a
    removable drive."""
    kind = storage_kind(path)
    if kind == LOCAL:
        return
    log.warning("database %s refused: it is on %s storage", path, kind)
    where = isolate_ltr(str(path))
    if kind == NETWORK:
        place = "روی یک پوشهٔ اشتراکی شبکه"
        why = (
            "قفل‌گذاری پایگاه داده روی شبکه مطمئن نیست و اگر دو رایانه هم‌زمان در آن "
            "بنویسند داده‌ها خراب می‌شوند. میزهای یک اداره با همگام‌سازی با هم کار می‌کنند، "
            "نه با یک فایل مشترک."
        )
    else:
        place = "روی یک حافظهٔ جانبی (فلش یا دیسک جداشدنی)"
        why = "اگر این حافظه هنگام نوشتن جدا شود، پایگاه داده از دست می‌رود."
    raise UnsafeLocation(
        f"پایگاه داده {place} است و دفتر آن را باز نمی‌کند: {where}\n{why}\n"
        "پایگاه داده را به پوشه‌ای روی دیسک همین رایانه منتقل کنید. "
        "نسخه‌های پشتیبان می‌توانند روی شبکه یا حافظهٔ جانبی باشند."
    )
