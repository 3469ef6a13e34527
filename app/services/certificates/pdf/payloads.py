"""The QR payloads embedded in a certificate PDF: each page's payload is also stored in the
document information (Keywords) as ``daftar-payloads:v1:`` + base64 of a JSON list (one
string per page, in page order), so a saved PDF can be verified offline;
:func:`extract_payloads` reads them back with the standard library only (and also looks
inside compressed streams, in case another tool rewrote the file)."""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import zlib
from collections.abc import Sequence

from common.errors import DomainError

#: Marks the payload list in the document information (see the module docstring).
PAYLOAD_PREFIX = "daftar-payloads:v1:"


class PayloadError(DomainError):
    """The payload list embedded in a PDF is damaged."""


def encode_payloads(payloads: Sequence[str]) -> str:
    """The Keywords value carrying ``payloads`` (ASCII only: no PDF escaping needed)."""
    data = json.dumps(list(payloads), ensure_ascii=True, separators=(",", ":"))
    return PAYLOAD_PREFIX + base64.b64encode(data.encode("ascii")).decode("ascii")


_PAYLOAD_RE = re.compile(re.escape(PAYLOAD_PREFIX).encode() + rb"([A-Za-z0-9+/=]*)")
_STREAM_RE = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def _decode(block: bytes) -> list[str]:
    try:
        data = json.loads(base64.b64decode(block, validate=True).decode("ascii"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise PayloadError("داده کدهای QR درون این PDF خراب است.") from exc
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise PayloadError("داده کدهای QR درون این PDF خراب است.")
    return data


def _keywords(pdf: bytes) -> str:
    """The Keywords of the document information, read by pypdf ("" if none)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        info = PdfReader(io.BytesIO(pdf)).metadata
        value = info.get("/Keywords") if info is not None else None
    except (PyPdfError, ValueError, KeyError, TypeError):
        return ""
    return str(value) if value else ""


def extract_payloads(pdf: bytes) -> list[str]:
    """The QR payloads a PDF made by this module carries, in page order ([] if none).

    Looks in the file as written, inside its Flate-compressed streams and, failing that,
    in the document information as a PDF reader sees it (another tool that saved the file
    may have escaped the text). Raises :class:`PayloadError` when the list is damaged.
    """
    blocks = _PAYLOAD_RE.findall(pdf)
    if not blocks:
        for match in _STREAM_RE.finditer(pdf):
            try:
                data = zlib.decompress(match.group(1))
            except zlib.error:
                continue
            blocks.extend(_PAYLOAD_RE.findall(data))
    if not blocks:
        blocks = _PAYLOAD_RE.findall(_keywords(pdf).encode("ascii", "replace"))
    result: list[str] = []
    for block in blocks:
        result.extend(_decode(block))
    return result
