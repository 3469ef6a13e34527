"""Verifying certificates without a database: a payload, a verification page's address,
a PDF's bytes, or a file, against a set of trusted keys.

``daftar verify --keys FILE`` on a computer with no Daftar database uses this alone;
CertificateService.verify adds what the local register knows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from app.services.certificates.pdf import extract_payloads
from app.services.certificates.pdf.check import check_pages
from common.errors import DomainError
from common.signing import TrustedKey, VerificationResult, describe_claims, verify_payload


def verify_source(
    source: str | bytes | Path,
    keys: Mapping[str, TrustedKey],
    county_names: Mapping[str, str] | None = None,
) -> list[VerificationResult]:
    """Verify a payload (or a verification page's address), a PDF's bytes, or a file,
    against ``keys`` alone: no database needed (``daftar verify --keys FILE`` on a bank's
    computer). A PDF's pages must show what their payloads sign."""
    payloads, pdf = read_source(source)
    results = []
    for payload in payloads:
        result = verify_payload(payload, keys)
        if result.data and county_names:
            result = dataclasses.replace(result, fields=describe_claims(result.data, county_names))
        results.append(result)
    return check_pages(pdf, results) if pdf is not None else results


def payloads_from(source: str | bytes | Path) -> list[str]:
    """The payloads in a pasted text, a PDF's bytes, or a file (PDF, or text)."""
    return read_source(source)[0]


def read_source(source: str | bytes | Path) -> tuple[list[str], bytes | None]:
    """The payloads in a pasted text, a PDF's bytes, or a file (PDF, or text), and the
    PDF's bytes when it is one."""
    data: bytes
    if isinstance(source, Path):
        data = _read(source)
    elif isinstance(source, str):
        text = source.strip()
        if text.startswith("DFT") or not _is_file(text):
            return [source], None
        data = _read(Path(text))
    else:
        data = source
    if data.lstrip()[:5] == b"%PDF-":
        payloads = extract_payloads(data)
        if not payloads:
            raise DomainError("در این فایل PDF کد گواهی‌نامه‌ای پیدا نشد.")
        return payloads, data
    text = data.decode("utf-8", errors="replace")
    return text.split() or [text], None


def _is_file(text: str) -> bool:
    if not text or len(text) > 4096 or "\n" in text:
        return False
    try:
        return Path(text).expanduser().is_file()
    except OSError:
        return False


def _read(path: Path) -> bytes:
    try:
        return path.expanduser().read_bytes()
    except OSError as exc:
        raise DomainError(f"فایل خوانده نشد: {path}") from exc
