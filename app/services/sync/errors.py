"""The sync client's errors: a sync that could not complete, with a Persian message."""

from __future__ import annotations

from common.errors import DomainError


class SyncError(DomainError):
    """A sync that could not complete; the message is Persian, for the clerk."""

    def __init__(self, message: str, code: str = "error") -> None:
        super().__init__(message)
        self.code = code


def offline_error() -> SyncError:
    return SyncError(
        "سرور مرکزی در دسترس نیست. تغییرها در این رایانه محفوظ می‌مانند و در همگام‌سازی "
        "بعدی فرستاده می‌شوند.",
        "offline",
    )
