"""What Daftar's uninstaller runs, with the installed Python, when the clerk asks it to
remove their data («داده‌های من را هم پاک کن», or ``uninstall.exe /S /REMOVEDATA``):
``python\\python.exe -X utf8 -m daftar_uninstall`` (the build puts this file in ``lib``).

The data folder (%LOCALAPPDATA%\\Daftar) is removed by the uninstaller itself; the office's
sync token is not in it but in Windows Credential Manager, where keyring keeps it under
the service name of app.services.credentials (target ``SERVICE``, or ``ACCOUNT@SERVICE``
when more than one office stored a token). Those entries go too. Prints how many.
"""

from __future__ import annotations

from win32ctypes.pywin32 import pywintypes, win32cred

from app.services.credentials import SERVICE

ERROR_NOT_FOUND = 1168


def sync_token_targets() -> list[str]:
    """The Credential Manager entries that hold Daftar's sync tokens."""
    try:
        credentials = win32cred.CredEnumerate(None, 0) or []
    except pywintypes.error as exc:
        if exc.winerror == ERROR_NOT_FOUND:  # no credentials at all
            return []
        raise
    return [
        credential["TargetName"]
        for credential in credentials
        if credential["Type"] == win32cred.CRED_TYPE_GENERIC
        and (
            credential["TargetName"] == SERVICE or credential["TargetName"].endswith("@" + SERVICE)
        )
    ]


def main() -> int:
    """Delete them."""
    targets = sync_token_targets()
    for target in targets:
        win32cred.CredDelete(target, win32cred.CRED_TYPE_GENERIC)
    print(f"removed {len(targets)} sync token(s) from Windows Credential Manager")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
