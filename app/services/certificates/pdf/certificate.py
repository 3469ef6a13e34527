"""Licence and attendance certificates as PDF: plain data in, PDF bytes out; no Qt.

One PDF per call, A4 landscape, one page per certificate, Vazirmatn embedded. The page
(right to left): the issuing office's header, the title, a framed two-column grid of
labelled fields, and at the bottom the QR code with its verification code, the serial
and printing date, and the signatory. A reprint carries an «المثنی» stamp. The look
(colours, logo, signatory, sizes, header wording) comes from :class:`CertificateStyle`.

The page's parts are drawn by :mod:`app.services.certificates.pdf.page`, its QR code by
:mod:`app.services.certificates.pdf.qr`; each page's QR payload is also stored in the
PDF's document information (:mod:`app.services.certificates.pdf.payloads`), so a saved
PDF can be verified offline.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from app.services.certificates.pdf.layout import CertificateStyle
from app.services.certificates.pdf.page import (
    PAGE_HEIGHT,
    PAGE_WIDTH,
    ROW_HEIGHT,
    SECTION_HEIGHT,
    TALL_ROW_HEIGHT,
    Field,
    Page,
    Row,
    printed_date,
    printed_hours,
    printed_text,
)
from app.services.certificates.pdf.payloads import encode_payloads
from app.services.core.progress import Progress
from common.pdf_text import FONT_REGULAR, register_fonts

log = logging.getLogger("daftar.pdf")


@dataclass(frozen=True)
class LicenceCertificateData:
    """Everything printed on one licence certificate (plain values, ASCII digits)."""

    office_province: str
    office_county: str | None
    holder_name: str
    father_name: str | None
    national_id: str
    birth_date: dt.date | None
    kind_label: str | None
    field_name: str | None
    field_code: str | None
    approving_body: str | None
    county: str | None
    activity_address: str | None
    postal_code: str | None
    licence_number: str
    unique_id: str
    issue_date: dt.date
    expiry_date: dt.date
    serial: str
    duplicate: bool
    qr_payload: str
    verification_code: str
    issued_at: dt.date
    #: What the QR code carries when it is not the bare payload: the verification page's
    #: address with the payload (common.signing.verification_url).
    qr_text: str = ""


@dataclass(frozen=True)
class AttendanceCertificateData:
    """Everything printed on one workshop attendance certificate."""

    office_province: str
    office_county: str | None
    participant_name: str
    national_id: str
    event_title: str
    event_kind_label: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    hours: float | None
    organiser: str | None
    venue: str | None
    county: str | None
    serial: str
    duplicate: bool
    qr_payload: str
    verification_code: str
    issued_at: dt.date
    qr_text: str = ""


# -- the two certificates ------------------------------------------------------------------


def _licence_rows(item: LicenceCertificateData) -> list[Row]:
    t = printed_text
    return [
        Row(SECTION_HEIGHT, section="مشخصات دارنده مجوز"),
        Row(TALL_ROW_HEIGHT, (Field("نام و نام خانوادگی", t(item.holder_name), bold=True),)),
        Row(
            ROW_HEIGHT,
            (
                Field("نام پدر", t(item.father_name)),
                Field("کد ملی", t(item.national_id)),
                Field("تاریخ تولد", printed_date(item.birth_date)),
            ),
        ),
        Row(SECTION_HEIGHT, section="مشخصات کسب‌وکار"),
        Row(
            ROW_HEIGHT,
            (Field("نوع مجوز", t(item.kind_label)), Field("مرجع تأیید", t(item.approving_body))),
        ),
        Row(
            ROW_HEIGHT,
            (Field("رشته فعالیت", t(item.field_name)), Field("کد رشته", t(item.field_code))),
        ),
        Row(TALL_ROW_HEIGHT, (Field("نشانی محل فعالیت", t(item.activity_address)),)),
        Row(
            ROW_HEIGHT,
            (Field("شهرستان", t(item.county)), Field("کد پستی", t(item.postal_code))),
        ),
        Row(SECTION_HEIGHT, section="شماره و اعتبار مجوز"),
        Row(
            ROW_HEIGHT,
            (
                Field("شماره مجوز", t(item.licence_number), bold=True),
                Field("شناسه یکتا", t(item.unique_id), bold=True),
            ),
        ),
        Row(
            ROW_HEIGHT,
            (
                Field("تاریخ صدور", printed_date(item.issue_date), bold=True),
                Field("تاریخ پایان اعتبار", printed_date(item.expiry_date), bold=True),
            ),
        ),
    ]


def _draw_licence(page: Page, item: LicenceCertificateData) -> None:
    y = page.common(item.office_province, item.office_county, page.style.title, item.duplicate)
    page.grid_rows(_licence_rows(item), y)
    qr = item.qr_text or item.qr_payload
    page.footer(qr, item.verification_code, item.serial, item.issued_at)


def _draw_attendance(page: Page, item: AttendanceCertificateData) -> None:
    st, t = page.style, printed_text
    y = page.common(item.office_province, item.office_county, st.attendance_title, item.duplicate)
    kind = t(item.event_kind_label) or "کارگاه"
    intro = f"بدین‌وسیله گواهی می‌شود نامبرده در {kind} زیر حضور داشته است."
    y -= page.centred(intro, y, FONT_REGULAR, st.value_size, page.text_color, width=640) + 4
    rows = [
        Row(SECTION_HEIGHT, section="مشخصات شرکت‌کننده"),
        Row(
            TALL_ROW_HEIGHT,
            (
                Field("نام و نام خانوادگی", t(item.participant_name), bold=True, weight=2),
                Field("کد ملی", t(item.national_id)),
            ),
        ),
        Row(SECTION_HEIGHT, section=f"مشخصات {kind}"),
        Row(TALL_ROW_HEIGHT, (Field("عنوان", t(item.event_title), bold=True),)),
        Row(
            ROW_HEIGHT,
            (Field("نوع", t(item.event_kind_label)), Field("مدت", printed_hours(item.hours))),
        ),
        Row(
            ROW_HEIGHT,
            (
                Field("از تاریخ", printed_date(item.start_date)),
                Field("تا تاریخ", printed_date(item.end_date)),
            ),
        ),
        Row(
            ROW_HEIGHT,
            (Field("برگزارکننده", t(item.organiser)), Field("شهرستان", t(item.county))),
        ),
        Row(TALL_ROW_HEIGHT, (Field("محل برگزاری", t(item.venue)),)),
    ]
    page.grid_rows(rows, y)
    qr = item.qr_text or item.qr_payload
    page.footer(qr, item.verification_code, item.serial, item.issued_at)


_Item = TypeVar("_Item", LicenceCertificateData, AttendanceCertificateData)


def _load_logo(path: Path | None) -> Any:
    """The style's logo as an ImageReader, or None (missing/unreadable: warning)."""
    if path is None:
        return None
    if not path.is_file():
        log.warning("certificate logo %s not found: printing without it", path)
        return None
    try:
        return ImageReader(str(path))
    except Exception:  # noqa: BLE001 - PIL/reportlab raise many types for a damaged image; print without it
        log.warning("certificate logo %s could not be read: printing without it", path)
        return None


def _compress_last_page(canvas: Any) -> None:
    """Compress the content of the page just finished now instead of at ``save()``.

    reportlab keeps every page's content as uncompressed text until the document is
    saved: ~30 kB a page, 30 MB for a batch of 1,000. Compressed when finished, a page
    holds only its share of the output. This reaches into reportlab's document objects
    (the version is pinned); if they are not where expected, nothing is changed and
    reportlab compresses at save as usual.
    """
    pages = getattr(getattr(getattr(canvas, "_doc", None), "Pages", None), "pages", None)
    if not pages:
        return
    page = pages[-1]
    stream = getattr(page, "stream", None)
    if not isinstance(stream, str) or getattr(page, "Contents", None) is not None:
        return
    contents = pdfdoc.PDFStream(content=pdfdoc.PDFZCompress.encode(stream))
    contents.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
    page.Contents = contents
    page.stream = None


def _render(
    items: Sequence[_Item],
    style: CertificateStyle,
    progress: Progress | None,
    draw: Callable[[Page, _Item], None],
    title: str,
) -> bytes:
    register_fonts()
    # Streams Flate-compressed only: reportlab's default adds ASCII85 on top, in pure
    # Python (its C accelerator is a separate package), for a file 25 % larger.
    rl_config.useA85 = 0
    # The name is never written: getpdfdata() returns the file without copying it to a
    # buffer first (a batch's PDF is held once, not three times, at the end).
    canvas = Canvas("certificates.pdf", pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(style.ministry_line)
    canvas.setCreator("Daftar")
    canvas.setSubject(title)
    page = Page(canvas, style, _load_logo(style.logo))
    payloads: list[str] = []
    total = len(items)
    for index, item in enumerate(items):
        if progress is not None:
            progress.check()
        draw(page, item)
        canvas.showPage()
        _compress_last_page(canvas)
        payloads.append(item.qr_payload)
        if progress is not None:
            progress.report(index + 1, total, "چاپ گواهی‌ها")
    if not total:
        canvas.showPage()  # a PDF needs a page; an empty batch gives one blank page
    canvas.setKeywords(encode_payloads(payloads))
    data: bytes = canvas.getpdfdata()
    return data


def render_licence_certificates(
    items: Sequence[LicenceCertificateData],
    style: CertificateStyle,
    progress: Progress | None = None,
) -> bytes:
    """One PDF (A4 landscape), one page per licence certificate; returns its bytes.

    ``progress`` is checked before each page (cancel raises ``Cancelled``) and told the
    pages done after each. Raises ``FontMissing`` when a Vazirmatn file is missing.
    """
    return _render(items, style, progress, _draw_licence, style.title)


def render_attendance_certificates(
    items: Sequence[AttendanceCertificateData],
    style: CertificateStyle,
    progress: Progress | None = None,
) -> bytes:
    """One PDF (A4 landscape), one page per attendance certificate; returns its bytes."""
    return _render(items, style, progress, _draw_attendance, style.attendance_title)
