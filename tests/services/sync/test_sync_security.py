"""The sync client's address rule: https, or http to this computer only, unless allowed.

And the stored choices (plain HTTP to one server, a private CA file) that the CLI makes
and the GUI's background sync then uses.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from app.services.core.db import Database
from app.services.sync import security as sync_security
from app.services.sync.errors import SyncError
from app.services.sync.settings import (
    remember_transport_options,
    save_settings,
    validate_server_url,
)
from app.services.sync.transport import transport_for
from common.text import strip_bidi_controls
from tests.tls_support import make_certificates


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST", "localhost.", "127.0.0.1", "127.8.9.10", "::1", "[::1]",
     "::ffff:127.0.0.1"],
)  # fmt: skip
def test_loopback_hosts(host: str) -> None:
    assert sync_security.is_loopback(host)


@pytest.mark.parametrize(
    "host",
    ["10.0.0.5", "192.168.1.2", "0.0.0.0", "::", "sync.example.ir", "localhost.evil.ir",
     "127.0.0.1.nip.io", "::ffff:10.0.0.1", "2001:db8::1"],
)  # fmt: skip
def test_other_hosts(host: str) -> None:
    assert not sync_security.is_loopback(host)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://localhost", "http://[::1]:8000/", "https://sync.example.ir",
     "https://10.0.0.5:8443", "HTTPS://Sync.Example.IR"],
)  # fmt: skip
def test_allowed_addresses(url: str) -> None:
    assert validate_server_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:8000", "http://sync.example.ir", "http://[2001:db8::1]:8000"]
)
def test_plain_http_to_another_computer_is_refused(url: str) -> None:
    with pytest.raises(SyncError) as refused:
        validate_server_url(url)
    assert refused.value.code == "insecure_url"
    message = strip_bidi_controls(refused.value.message)
    assert "رمزگذاری نمی‌شود" in message and "https://" in message
    assert "--insecure" in message
    # Asked for explicitly, it is allowed.
    assert validate_server_url(url, insecure=True) == url


def test_the_insecure_choice_is_per_database_and_per_server(db: Database) -> None:
    lan = "http://10.0.0.5:8000"
    with db.session() as session, pytest.raises(SyncError) as refused:
        save_settings(session, lan, "dft_token")
    assert refused.value.code == "insecure_url"
    # The operator allows it once (daftar sync --server … --insecure): the address and the
    # choice are kept, so the GUI's settings and background sync accept it from then on.
    with db.session() as session:
        remember_transport_options(session, server_url=lan + "/", insecure=True)
    with db.session() as session:
        assert sync_security.insecure_allowed(session, lan)
        save_settings(session, lan, "dft_token")
        transport = transport_for(session)
        assert transport.base_url == lan
        transport.close()
        # Another plain-HTTP server is still refused, and so is another port.
        for other in ("http://10.0.0.6:8000", "http://10.0.0.5:9000"):
            with pytest.raises(SyncError):
                save_settings(session, other, None)
            with pytest.raises(SyncError):
                transport_for(session, server_url=other)
    # Moving the office to https makes the choice lapse: back to http is refused again.
    with db.session() as session:
        save_settings(session, "https://sync.example.ir", None)
        assert not sync_security.insecure_allowed(session, lan)
        with pytest.raises(SyncError):
            save_settings(session, lan, None)


def test_a_stored_address_that_became_refused_says_why(db: Database) -> None:
    # A database from before this rule, holding a plain-HTTP address of another computer.
    from app.services.core.office import set_setting
    from app.services.sync.settings import KEY_SERVER

    with db.session() as session:
        save_settings(session, "https://sync.example.ir", "dft_token")
        set_setting(session, KEY_SERVER, "http://10.0.0.5:8000")
    with db.session() as session, pytest.raises(SyncError) as refused:
        transport_for(session)
    assert refused.value.code == "insecure_url"
    # daftar sync --insecure (no --server): the stored address is allowed from then on.
    with db.session() as session:
        remember_transport_options(session, insecure=True)
    with db.session() as session:
        transport = transport_for(session)
        assert transport.base_url == "http://10.0.0.5:8000"
        transport.close()


def test_a_private_ca_file_is_stored_checked_and_used(db: Database, tmp_path: Path) -> None:
    certificates = make_certificates(tmp_path / "tls")
    with db.session() as session:
        save_settings(session, "https://localhost:8443", "dft_token")
        remember_transport_options(session, ca_file=str(certificates.ca))
    with db.session() as session:
        assert sync_security.stored_ca_file(session) == str(certificates.ca.resolve())
        transport = transport_for(session)
        assert isinstance(transport.verify, ssl.SSLContext)
        assert transport.verify.verify_mode == ssl.CERT_REQUIRED
        assert transport.verify.check_hostname
        transport.close()
    # A missing or unreadable file is refused with a Persian message, and nothing stored.
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    for bad in (tmp_path / "missing.pem", garbage):
        with db.session() as session, pytest.raises(SyncError) as refused:
            remember_transport_options(session, ca_file=str(bad))
        assert refused.value.code == "bad_ca_file"
        assert "گواهی ریشه" in refused.value.message
    with db.session() as session:
        assert sync_security.stored_ca_file(session) == str(certificates.ca.resolve())
        # "" goes back to the system's authorities.
        remember_transport_options(session, ca_file="")
    with db.session() as session:
        assert sync_security.stored_ca_file(session) == ""
        transport = transport_for(session)
        assert transport.verify is True
        transport.close()


def test_a_failed_certificate_check_is_named() -> None:
    failure = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed")
    wrapped = RuntimeError("connect failed")
    wrapped.__cause__ = failure
    error = sync_security.tls_error(wrapped, "https://sync.example.ir")
    assert error is not None and error.code == "tls"
    assert "sync.example.ir" in error.message and "--ca-file" in error.message
    assert sync_security.tls_error(ConnectionRefusedError(), "https://sync.example.ir") is None
