"""What the certificates service gives: a logged certificate (:class:`IssuedCertificate`),
which licences of a batch may be printed (:class:`PrintCheck`), and the register statuses
a verification adds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.models.certificate import CERTIFICATE_KIND_LICENCE
from common.signing import verify_payload
from common.text import to_persian_digits

MAX_NAMED_REFUSALS = 10

REGISTER_ACTIVE = "active"
REGISTER_NOT_FOUND = "not_found"


@dataclass(frozen=True)
class IssuedCertificate:
    """One certificate produced (as logged)."""

    id: str
    licence_id: str
    licence_number: str
    serial: str
    duplicate: bool
    payload: str
    verification_code: str
    issued_at: dt.datetime
    actor: str
    kind: str = CERTIFICATE_KIND_LICENCE
    #: The event participant of an attendance certificate ("" for a licence's).
    participant_id: str = ""
    #: Whom the certificate names (the participant of an attendance certificate).
    holder_name: str = ""


@dataclass(frozen=True)
class PrintCheck:
    """Which licences of a batch may get a certificate (:meth:`CertificateService.printable`)."""

    printable_ids: tuple[str, ...]
    refused_ids: tuple[str, ...]
    #: One Persian sentence per refused licence, in the same order as ``refused_ids``.
    refusals: tuple[str, ...]

    def refusal_text(self, limit: int = MAX_NAMED_REFUSALS) -> str:
        """The refusals, one a line; past ``limit`` the rest are counted, not named."""
        shown = list(self.refusals[:limit])
        if len(self.refusals) > len(shown):
            more = to_persian_digits(str(len(self.refusals) - len(shown)))
            shown.append(f"و {more} مجوز دیگر.")
        return "\n".join(shown)


def verification_code(payload: str) -> str:
    result = verify_payload(payload, {})
    return result.verification_code
