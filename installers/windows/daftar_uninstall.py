"""What Daftar's uninstaller runs, with the installed Python, when the clerk asks it to
remove their data («داده‌های من را هم پاک کن», or ``uninstall.exe /S /REMOVEDATA``):
``python\\python.exe -X utf8 -m daftar_uninstall`` (the build puts this file in ``lib``).

The data folder (%LOCALAPPDATA%\\Daftar) is removed by the uninstaller itself; the office's
sync token and this desk's private signing keys are not in it but in Windows Credential
Manager, where keyring keeps them under the services of app.services.core.credentials (target
``SERVICE``, or ``ACCOUNT@SERVICE`` when several accounts stored one). Those entries go
too. Prints how many.
"""

from __future__ import annotations

from win32ctypes.pywin32 import pywintypes, win32cred

from app.services.core.credentials import SERVICE, SIGNING_SERVICE

ERROR_NOT_FOUND = 1168
DAFTAR_SERVICES = (SERVICE, SIGNING_SERVICE)


def daftar_targets() -> list[str]:
    """The Credential Manager entries that hold Daftar's secrets."""
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
        and any(
            credential["TargetName"] == service or credential["TargetName"].endswith("@" + service)
            for service in DAFTAR_SERVICES
        )
    ]


def main() -> int:
    """Delete them."""
    targets = daftar_targets()
    for target in targets:
        win32cred.CredDelete(target, win32cred.CRED_TYPE_GENERIC)
    print(f"removed {len(targets)} Daftar secret(s) from Windows Credential Manager")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
