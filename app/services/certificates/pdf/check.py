"""Does each page of a certificate PDF show what its payload signs?

A PDF carries its payloads in its metadata (certificate.encode_payloads), one per page.
Metadata is easy to copy onto another document: a page showing licence 2 with licence
1's payload, two pages swapped, a page whose text was removed. So verifying a PDF also
reads the text printed on each page and looks for every signed value there.

Text is read with pypdf (pure Python, maintained, BSD): its "layout" extraction gives
each drawn string in drawing order, that is the *visual* order our line engine
(common.pdf_text) produced, without pypdf's own right-to-left reordering (whose
heuristics reverse Persian digit runs). The expected strings are made by the same
pipeline the page used (``display_text`` → ``shape`` → ``visual_line``), and both sides
are normalised the same way (NFKC, which maps presentation forms back to letters; no
bidi controls, ZWNJ or tatweel; Persian digits as ASCII; single spaces) before
comparing whole tokens. A value must appear as consecutive tokens; a holder's name may
also wrap over two lines, so its words may appear apart.

What this does not see: text painted as drawings or images over the page. The verifier
therefore always shows the signed data and the verification code for a person to
compare with the paper (docs/certificates.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence

from app.services.certificates.pdf.page import printed_date
from common.pdf_text import display_text, shape, visual_line
from common.signing import CERT_KIND_CODES, PAGE_MISMATCH, VerificationResult, licence_kind_label
from common.text import to_ascii_digits, to_persian_digits

log = logging.getLogger("daftar.pdf")

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u0640\ufeff]")
#: Claims a licence certificate prints (claim → Persian label for the refusal).
_LICENCE_CLAIMS = {
    "h": "نام دارنده",
    "i": "کد ملی",
    "n": "شماره مجوز",
    "u": "شناسه یکتا",
    "m": "نوع مجوز",
    "f": "کد رشته",
    "d": "تاریخ صدور",
    "e": "تاریخ پایان اعتبار",
    "s": "شماره صدور",
}
#: Claims an attendance certificate prints (its event code and participant id are not).
_ATTENDANCE_CLAIMS = {
    "h": "نام شرکت‌کننده",
    "i": "کد ملی",
    "d": "از تاریخ",
    "e": "تا تاریخ",
    "s": "شماره صدور",
}
#: Claims a referral letter to a bank prints (app.services.facilities.letter_pdf).
_REFERRAL_CLAIMS = {
    "i": "کد ملی",
    "n": "شماره مجوز",
    "u": "شناسه یکتا",
    "d": "تاریخ معرفی‌نامه",
    "e": "اعتبار مجوز",
    "s": "شماره معرفی‌نامه",
    "g": "کد شعبه",
}
_DATES = frozenset({"d", "e"})


def normalise(text: str) -> list[str]:
    """Comparable tokens of drawn or extracted text (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return to_ascii_digits(text).split()


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, in drawing (visual) order."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(pdf))
        return [page.extract_text(extraction_mode="layout") for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        log.warning("PDF text could not be read: %s", exc)
        return []


def _drawn(value: str) -> list[str]:
    """The tokens of ``value`` as the line engine draws it on one line."""
    return normalise(visual_line(shape(display_text(value))))


def _printed_value(claim: str, value: str) -> str:
    if claim in _DATES:
        try:
            return printed_date(dt.datetime.strptime(value, "%Y%m%d").date())
        except ValueError:
            return value
    if claim == "m":
        return licence_kind_label(value)
    return value


def _contains(page: Sequence[str], wanted: Sequence[str]) -> bool:
    if not wanted:
        return True
    first, size = wanted[0], len(wanted)
    return any(
        page[i] == first and list(page[i : i + size]) == list(wanted)
        for i in range(len(page) - size + 1)
    )


def missing_on_page(page_text: str, data: Mapping[str, str], verification_code: str) -> list[str]:
    """The Persian labels of the signed values ``page_text`` does not show."""
    page = normalise(page_text)
    words = set(page)
    claims = {
        CERT_KIND_CODES["attendance"]: _ATTENDANCE_CLAIMS,
        CERT_KIND_CODES["referral"]: _REFERRAL_CLAIMS,
    }.get(data.get("t", ""), _LICENCE_CLAIMS)
    missing: list[str] = []
    for claim, label in claims.items():
        value = data.get(claim, "")
        if not value:
            continue
        wanted = _drawn(_printed_value(claim, value))
        found = _contains(page, wanted) or (claim == "h" and all(w in words for w in wanted))
        if not found:
            missing.append(label)
    if verification_code and not _contains(page, _drawn(verification_code)):
        missing.append("کد تأیید")
    return missing


def check_pages(pdf: bytes, results: Sequence[VerificationResult]) -> list[VerificationResult]:
    """``results`` (one per payload, in page order) with every genuine one whose page
    does not show its signed values turned into PAGE_MISMATCH, with a Persian reason."""
    if not any(result.valid for result in results):
        return list(results)
    texts = page_texts(pdf)
    checked: list[VerificationResult] = []
    for number, result in enumerate(results, start=1):
        if not result.valid:
            checked.append(result)
            continue
        reason = _page_problem(texts, number, len(results), result)
        checked.append(
            result
            if reason is None
            else dataclasses.replace(result, status=PAGE_MISMATCH, reason=reason)
        )
    return checked


def _page_problem(
    texts: Sequence[str], number: int, payloads: int, result: VerificationResult
) -> str | None:
    page = to_persian_digits(str(number))
    if len(texts) != payloads:
        return (
            f"این PDF {to_persian_digits(str(len(texts)))} صفحه دارد ولی "
            f"{to_persian_digits(str(payloads))} کد QR: صفحه‌ای به آن افزوده یا از آن "
            "برداشته شده است و صفحه‌ها با کدهایشان نمی‌خوانند."
        )
    text = texts[number - 1]
    if not normalise(text):
        return (
            f"روی صفحه {page} متنی نیست که با اطلاعات امضاشده مقایسه شود: متن صفحه حذف یا "
            "به تصویر تبدیل شده است. این PDF پذیرفته نمی‌شود؛ اصل گواهی‌نامه را بخواهید."
        )
    missing = missing_on_page(text, result.data, result.verification_code)
    if not missing:
        return None
    return (
        f"متن چاپ‌شده روی صفحه {page} با اطلاعات امضاشده در کد QR آن یکی نیست "
        f"({'، '.join(missing)} روی صفحه دیده نمی‌شود): صفحه دست‌کاری یا با صفحه "
        "دیگری جابه‌جا شده است."
    )
