"""How the sync client may reach the server: HTTPS, or plain HTTP to this computer only.

The token and citizens' records cross the network on every sync, so the client refuses
an ``http://`` address unless it names this computer (127.0.0.0/8, ::1, ``localhost``).
An operator who deliberately runs a server without TLS (a closed office network) allows
plain HTTP to that one server with ``daftar setup … --insecure`` or ``daftar sync …
--insecure``; the choice is kept in the database (setting ``sync.insecure_origin``: the
scheme, host and port allowed), so the GUI's background sync keeps working, and it lapses
when the office's address changes to another server.

``https://`` addresses are verified against the system's certificate authorities. A
server with a certificate from the office's own (private) CA is trusted through that CA's
certificate file: ``--ca-file PATH`` (setting ``sync.ca_file``; an empty path goes back to
the system's authorities). A certificate that can't be verified is refused with a Persian
message, never skipped.
"""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import Session

from app.services.core.access import requires
from app.services.core.office import get_setting, set_setting
from app.services.sync.errors import SyncError
from common.text import isolate_ltr
from common.vocabulary import Permission

KEY_INSECURE = "sync.insecure_origin"
KEY_CA_FILE = "sync.ca_file"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this computer: ``localhost``, 127.0.0.0/8 or ::1."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def origin(url: str) -> str:
    """The scheme, host and port of an address (``http://10.0.0.5:8000``)."""
    parsed = httpx.URL(url.strip())
    host = parsed.host
    if ":" in host:
        host = f"[{host}]"
    port = f":{parsed.port}" if parsed.port is not None else ""
    return f"{parsed.scheme}://{host}{port}".lower()


def needs_permission(url: str) -> bool:
    """Whether reaching ``url`` needs the insecure choice: plain HTTP to another computer."""
    parsed = httpx.URL(url.strip())
    return parsed.scheme == "http" and not is_loopback(parsed.host)


# Commands go on a line of their own at the end of a message: a left-to-right run that
# a word-wrapped label breaks across lines is drawn out of order.


def insecure_error() -> SyncError:
    """The refusal of a plain-HTTP address of another computer."""
    return SyncError(
        f"نشانی {isolate_ltr('http://')} رمزگذاری نمی‌شود: توکن اداره و اطلاعات مردم در "
        f"شبکه خواندنی و دست‌کاری‌شدنی است. نشانی {isolate_ltr('https://')} سرور را از "
        "مدیر سامانه بگیرید.\nاگر مدیر سامانه عمداً سرور بدون رمزگذاری در شبکهٔ داخلی راه "
        "انداخته است، یک بار این را اجرا کند:\n"
        f"{isolate_ltr('daftar setup|sync … --insecure')}",
        "insecure_url",
    )


def check_secure(url: str, *, insecure: bool) -> None:
    """Refuse plain HTTP to another computer unless ``insecure`` (SyncError insecure_url)."""
    if needs_permission(url) and not insecure:
        raise insecure_error()


def insecure_allowed(session: Session, url: str) -> bool:
    """Whether this database allows plain HTTP to ``url``'s server."""
    allowed = get_setting(session, KEY_INSECURE)
    return bool(allowed) and allowed == origin(url)


@requires(Permission.OFFICE_SETTINGS)
def allow_insecure(session: Session, url: str) -> None:
    """Allow plain HTTP to ``url``'s server (nothing to store for https or loopback)."""
    if needs_permission(url):
        set_setting(session, KEY_INSECURE, origin(url))


def keep_insecure_for(session: Session, url: str) -> None:
    """The office's address is now ``url``: the insecure choice lapses unless it is for
    that same server."""
    if get_setting(session, KEY_INSECURE) and not (url and insecure_allowed(session, url)):
        set_setting(session, KEY_INSECURE, "")


# --- certificates -------------------------------------------------------------------------


def ca_file_error(path: str, reason: str) -> SyncError:
    return SyncError(
        f"فایل گواهی ریشهٔ سرور خوانده نشد ({reason}):\n{isolate_ltr(path)}\n"
        "فایل درست را از مدیر سامانه بگیرید و معرفی کنید:\n"
        f"{isolate_ltr('daftar sync --ca-file FILE')}",
        "bad_ca_file",
    )


def tls_verify(ca_file: str) -> ssl.SSLContext | bool:
    """What httpx verifies the server with: the system's authorities (True), or a context
    trusting the CA certificate(s) in ``ca_file``."""
    if not ca_file:
        return True
    path = Path(ca_file)
    if not path.is_file():
        raise ca_file_error(ca_file, "این فایل وجود ندارد")
    try:
        return ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ca_file_error(ca_file, "گواهی معتبری در آن نیست") from exc


def stored_ca_file(session: Session) -> str:
    return get_setting(session, KEY_CA_FILE)


@requires(Permission.OFFICE_SETTINGS)
def store_ca_file(session: Session, ca_file: str) -> str:
    """Keep the CA file (its absolute path, checked now); "" forgets it."""
    path = str(Path(ca_file).expanduser().resolve()) if ca_file.strip() else ""
    tls_verify(path)
    set_setting(session, KEY_CA_FILE, path)
    return path


def http_client(timeout: float, verify: ssl.SSLContext | bool) -> Any:
    """The HTTP client of a Transport (a separate function so tests can reach an
    in-process server instead of the network)."""
    # An idle connection is dropped after 2 s, before the server's keep-alive (uvicorn: 5 s)
    # can close it under a request sent on it (a ReadError between two pages of a pull).
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=5.0),
        verify=verify,
        limits=httpx.Limits(keepalive_expiry=2.0),
    )


def tls_error(exc: BaseException, url: str) -> SyncError | None:
    """A Persian SyncError (code tls) when ``exc`` is a failed certificate check."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError) or (
            "CERTIFICATE_VERIFY_FAILED" in str(current)
        ):
            host = httpx.URL(url).host
            return SyncError(
                f"گواهی امنیتی (TLS) سرور {isolate_ltr(host)} تأیید نشد؛ ممکن است سرور دیگری "
                "خود را به جای سرور مرکزی جا زده باشد، پس چیزی فرستاده نشد. اگر سرور گواهی "
                "اداره‌ای خودش را دارد، فایل گواهی ریشهٔ آن را از مدیر سامانه بگیرید و معرفی "
                f"کنید:\n{isolate_ltr('daftar sync --ca-file FILE')}",
                "tls",
            )
        current = current.__cause__ or current.__context__
    return None
