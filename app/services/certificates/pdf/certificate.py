"""Licence and attendance certificates as PDF: plain data in, PDF bytes out; no Qt.

One PDF per call, A4 landscape, one page per certificate, Vazirmatn embedded. The page
(right to left): the issuing office's header, the title, a framed two-column grid of
labelled fields, and at the bottom the QR code with its verification code, the serial
and printing date, and the signatory. A reprint carries an «المثنی» stamp. The look
(colours, logo, signatory, sizes, header wording) comes from :class:`CertificateStyle`.

Each page's QR payload is also stored in the PDF's document information (Keywords) as
``daftar-payloads:v1:`` + base64 of a JSON list (one string per page, in page order),
so a saved PDF can be verified offline: :func:`extract_payloads` reads them back with
the standard library only (and also looks inside compressed streams, in case another
tool rewrote the file).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import itertools
import json
import logging
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from reportlab import rl_config
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from app.services.certificates.pdf.layout import CertificateStyle
from app.services.certificates.pdf.text import (
    FONT_BOLD,
    FONT_MEDIUM,
    FONT_REGULAR,
    Align,
    draw_fitted,
    draw_paragraph,
    fit_paragraph,
    register_fonts,
)
from app.services.core.progress import Progress
from common.errors import DomainError
from common.jalali import format_jalali
from common.text import to_persian_digits

log = logging.getLogger("daftar.pdf")

PAGE_WIDTH: float = landscape(A4)[0]
PAGE_HEIGHT: float = landscape(A4)[1]
#: Marks the payload list in the document information (see the module docstring).
PAYLOAD_PREFIX = "daftar-payloads:v1:"
QR_SIZE: float = 35 * mm
QR_HINT = "برای بررسی اصالت، کد را اسکن کنید"
DUPLICATE_MARK = "المثنی"


class PayloadError(DomainError):
    """The payload list embedded in a PDF is damaged."""


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


# -- page elements --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    label: str
    value: str
    bold: bool = False
    weight: float = 1.0


@dataclass(frozen=True)
class _Row:
    """A grid row: a section bar (``section``) or fields sharing the width (right first)."""

    height: float
    fields: tuple[_Field, ...] = ()
    section: str = ""


SECTION_HEIGHT = 16.0
ROW_HEIGHT = 23.0
TALL_ROW_HEIGHT = 32.0
LABEL_WIDTH = 96.0
PAD = 6.0


def _text(value: object) -> str:
    """A value as printed: None gives "" (never the text "None")."""
    return "" if value is None else str(value).strip()


def printed_date(value: dt.date | None) -> str:
    """A date as the page prints it (Jalali; the line engine turns its digits Persian)."""
    return format_jalali(value, persian_digits=False) if value else ""


def _hours(value: float | None) -> str:
    if value is None:
        return ""
    text = f"{value:g}" if value != int(value) else str(int(value))
    return to_persian_digits(text).replace(".", "٫") + " ساعت"


def _tint(color: Any, amount: float) -> Any:
    """``color`` mixed with white (``amount`` 0 = colour, 1 = white)."""
    return colors.Color(
        color.red + (1 - color.red) * amount,
        color.green + (1 - color.green) * amount,
        color.blue + (1 - color.blue) * amount,
    )


class _Page:
    """Draws the shared parts of a certificate page on a canvas with one style."""

    def __init__(self, canvas: Any, style: CertificateStyle, logo: Any) -> None:
        self.c = canvas
        self.style = style
        self.logo = logo
        self.frame = colors.HexColor(style.frame_color)
        self.title_color = colors.HexColor(style.title_color)
        self.accent = colors.HexColor(style.accent_color)
        self.label_color = colors.HexColor(style.label_color)
        self.text_color = colors.HexColor(style.text_color)
        self.grid = colors.HexColor(style.grid_color)
        self.duplicate_color = colors.HexColor(style.duplicate_color)
        self.label_fill = _tint(self.frame, 0.94)
        self.section_fill = _tint(self.frame, 0.86)
        margin: float = style.margin_mm * mm
        self.margin = margin
        self.left = margin + 20
        self.right = PAGE_WIDTH - margin - 20
        self.top = PAGE_HEIGHT - margin - 10
        self.bottom = margin + 12
        # Under the QR code: the verification code and the hint (the code may use 2 pt
        # of the QR's quiet zone).
        self.code_height = style.small_size * 1.6
        self.hint_height = style.small_size * 1.5
        self.qr_y = self.bottom + self.code_height + self.hint_height - 2
        #: Where the footer (QR code, serial, signatory) begins.
        self.footer_top = self.qr_y + QR_SIZE + 8

    def para(
        self,
        text: str,
        x_right: float,
        y_top: float,
        width: float,
        height: float,
        font: str,
        size: float,
        color: Any,
        align: Align = "right",
    ) -> float:
        self.c.setFillColor(color)
        return draw_paragraph(
            self.c,
            text,
            x_right,
            y_top,
            width,
            height,
            font,
            size,
            self.style.min_size,
            None,
            align,
        )

    def centred(
        self,
        text: str,
        y_top: float,
        font: str,
        size: float,
        color: Any,
        width: float = 440,
        leading: float = 1.4,
    ) -> float:
        """One centred line (shrinks to fit ``width``); returns the height used."""
        x_right = PAGE_WIDTH / 2 + width / 2
        self.c.setFillColor(color)
        return draw_paragraph(
            self.c,
            text,
            x_right,
            y_top,
            width,
            size * leading,
            font,
            size,
            self.style.min_size,
            size * leading,
            "center",
        )

    # -- frame, header, title --

    def frame_and_ornaments(self) -> None:
        c, m = self.c, self.margin
        c.setStrokeColor(self.frame)
        c.setLineWidth(2.4)
        c.rect(m, m, PAGE_WIDTH - 2 * m, PAGE_HEIGHT - 2 * m, stroke=1, fill=0)
        inset = 4.5
        c.setLineWidth(0.7)
        c.rect(
            m + inset,
            m + inset,
            PAGE_WIDTH - 2 * (m + inset),
            PAGE_HEIGHT - 2 * (m + inset),
            stroke=1,
            fill=0,
        )
        c.setFillColor(self.accent)
        c.setStrokeColor(self.accent)
        for x, y in (
            (m + inset, m + inset),
            (PAGE_WIDTH - m - inset, m + inset),
            (m + inset, PAGE_HEIGHT - m - inset),
            (PAGE_WIDTH - m - inset, PAGE_HEIGHT - m - inset),
        ):
            self._diamond(x, y, 5.0)

    def _diamond(self, x: float, y: float, r: float) -> None:
        path = self.c.beginPath()
        path.moveTo(x, y + r)
        path.lineTo(x + r, y)
        path.lineTo(x, y - r)
        path.lineTo(x - r, y)
        path.close()
        self.c.drawPath(path, stroke=0, fill=1)

    def header(self, province: str, county: str | None) -> float:
        """Invocation, country, ministry and office lines; returns the y below them."""
        st = self.style
        y = self.top
        if st.invocation:
            y -= self.centred(st.invocation, y, FONT_REGULAR, st.small_size + 0.5, self.title_color)
        y -= self.centred(
            st.country_line, y, FONT_BOLD, st.header_size + 1, self.title_color, 440, 1.45
        )
        y -= self.centred(st.ministry_line, y, FONT_MEDIUM, st.header_size, self.title_color)
        province_line = st.province_office_line.format(province=_text(province))
        y -= self.centred(province_line, y, FONT_REGULAR, st.header_size - 0.5, self.title_color)
        if _text(county):
            county_line = st.county_office_line.format(county=_text(county))
            y -= self.centred(county_line, y, FONT_REGULAR, st.header_size - 0.5, self.title_color)
        return y

    def title(self, text: str, y: float) -> float:
        """The title and an ornamental rule under it; returns the y below."""
        size = self.style.title_size
        y -= 3
        y -= self.centred(text, y, FONT_BOLD, size, self.title_color, 520, 1.45) + 2
        c, cx = self.c, PAGE_WIDTH / 2
        c.setStrokeColor(self.accent)
        c.setFillColor(self.accent)
        c.setLineWidth(0.9)
        c.line(cx - 110, y, cx - 9, y)
        c.line(cx + 9, y, cx + 110, y)
        self._diamond(cx, y, 3.5)
        return y - 8

    def logo_image(self) -> None:
        if self.logo is None:
            return
        box = 70.0
        try:
            self.c.drawImage(
                self.logo,
                self.right - box,
                self.top - box,
                box,
                box,
                preserveAspectRatio=True,
                anchor="ne",
                mask="auto",
            )
        except Exception:  # a broken image must not stop a batch
            log.warning("certificate logo could not be drawn", exc_info=True)
            self.logo = None

    def duplicate_stamp(self) -> None:
        c = self.c
        st = self.style
        c.saveState()
        c.translate(self.left + 72, self.top - 40)
        c.rotate(8)
        c.setStrokeColor(self.duplicate_color)
        c.setLineWidth(2)
        c.roundRect(-58, -22, 116, 44, 6, stroke=1, fill=0)
        c.setLineWidth(0.6)
        c.roundRect(-54, -18, 108, 36, 4, stroke=1, fill=0)
        c.setFillColor(self.duplicate_color)
        draw_paragraph(c, DUPLICATE_MARK, 52, 16, 104, 32, FONT_BOLD, 22, st.min_size, 30, "center")
        c.restoreState()

    # -- the field grid --

    def grid_rows(self, rows: Sequence[_Row], y_top: float) -> float:
        """Draw the framed field grid from ``y_top`` down; returns its bottom y.

        Rows keep their heights when there is room above the footer; otherwise (large
        fonts or margins in the office's style) all rows shrink in proportion, and their
        text shrinks with them: the grid never runs into the QR code.
        """
        c, st = self.c, self.style
        x0, x1 = self.left + 4, self.right - 4
        natural = sum(row.height for row in rows)
        scale = min(1.0, max(y_top - self.footer_top, 0.0) / natural)
        y = y_top
        c.setLineWidth(0.5)
        for row in rows:
            height = row.height * scale
            bottom = y - height
            if row.section:
                c.setFillColor(self.section_fill)
                c.rect(x0, bottom, x1 - x0, height, stroke=0, fill=1)
                c.setFillColor(self.accent)
                self._diamond(x1 - 9, bottom + height / 2, 3.0)
                self.para(
                    row.section,
                    x1 - 17,
                    y - 1,
                    x1 - x0 - 30,
                    height - 2,
                    FONT_BOLD,
                    st.label_size + 0.5,
                    self.title_color,
                )
            else:
                # Cells share the width by weight, the first on the right.
                unit = (x1 - x0) / sum(cell.weight for cell in row.fields)
                right = x1
                for index, cell in enumerate(row.fields):
                    self._cell(cell, right, unit * cell.weight, y, height)
                    if index:
                        c.setStrokeColor(self.grid)
                        c.line(right, y, right, bottom)
                    right -= unit * cell.weight
            c.setStrokeColor(self.grid)
            c.line(x0, bottom, x1, bottom)
            y = bottom
        c.setStrokeColor(self.frame)
        c.setLineWidth(1.1)
        c.rect(x0, y, x1 - x0, y_top - y, stroke=1, fill=0)
        return y

    def _cell(self, cell: _Field, right: float, width: float, y_top: float, height: float) -> None:
        c, st = self.c, self.style
        label_width = min(LABEL_WIDTH, width * 0.4)
        c.setFillColor(self.label_fill)
        c.rect(right - label_width, y_top - height, label_width, height, stroke=0, fill=1)
        c.setStrokeColor(self.grid)
        c.line(right - label_width, y_top, right - label_width, y_top - height)
        label = fit_paragraph(
            cell.label, label_width - 2 * PAD, height - 4, FONT_MEDIUM, st.label_size, st.min_size
        )
        c.setFillColor(self.label_color)
        draw_fitted(c, label, right - PAD, y_top - (height - label.height) / 2, 0, FONT_MEDIUM)
        font = FONT_BOLD if cell.bold else FONT_REGULAR
        value_width = width - label_width - 2 * PAD
        value = fit_paragraph(cell.value, value_width, height - 4, font, st.value_size, st.min_size)
        c.setFillColor(self.text_color)
        value_right = right - label_width - PAD
        draw_fitted(c, value, value_right, y_top - (height - value.height) / 2, value_width, font)

    # -- bottom: QR, serial, signatory --

    def footer(self, payload: str, code: str, serial: str, issued_at: dt.date) -> None:
        c, st = self.c, self.style
        qr_x = self.right - 30 - QR_SIZE
        qr_y = self.qr_y
        if payload:
            draw_qr(c, payload, qr_x, qr_y, QR_SIZE)
        qr_centre_right = qr_x + QR_SIZE / 2 + 90
        self.para(
            code,
            qr_centre_right,
            qr_y + 2,
            180,
            self.code_height,
            FONT_BOLD,
            st.small_size + 1.5,
            self.text_color,
            "center",
        )
        self.para(
            QR_HINT,
            qr_centre_right,
            qr_y + 2 - self.code_height,
            180,
            self.hint_height,
            FONT_REGULAR,
            st.small_size,
            self.label_color,
            "center",
        )
        # Serial and printing date, centred.
        cx_right = PAGE_WIDTH / 2 + 130
        y = self.bottom + 36
        y -= self.para(
            f"شماره صدور: {_text(serial)}",
            cx_right,
            y,
            260,
            st.small_size * 1.6,
            FONT_MEDIUM,
            st.small_size + 0.5,
            self.label_color,
            "center",
        )
        self.para(
            f"تاریخ چاپ: {printed_date(issued_at)}",
            cx_right,
            y,
            260,
            st.small_size * 1.5,
            FONT_REGULAR,
            st.small_size,
            self.label_color,
            "center",
        )
        # Signatory, at the end of the reading direction (left).
        sig_right = self.left + 250
        y = self.bottom + 78
        if st.signatory_name:
            y -= self.para(
                st.signatory_name,
                sig_right,
                y,
                230,
                st.value_size * 1.6,
                FONT_BOLD,
                st.value_size + 0.5,
                self.title_color,
                "center",
            )
        if st.signatory_title:
            self.para(
                st.signatory_title,
                sig_right,
                y,
                230,
                st.label_size * 3.2,
                FONT_MEDIUM,
                st.label_size + 0.5,
                self.label_color,
                "center",
            )

    def common(
        self,
        province: str,
        county: str | None,
        title: str,
        duplicate: bool,
    ) -> float:
        """Frame, logo, header, title and stamp; returns the y where the fields start."""
        self.frame_and_ornaments()
        self.logo_image()
        y = self.header(province, county)
        y = self.title(title, y)
        if duplicate:
            self.duplicate_stamp()
        return y


_RUN = re.compile(r"0{5,}|1{5,}")
_BITS = bytes.maketrans(b"\x00\x01", b"01")
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")


def qr_penalty(modules: Sequence[Sequence[bool | None]]) -> int:
    """The mask penalty of ISO/IEC 18004 (rules N1-N4) of a QR symbol's modules.

    Same rules reportlab applies, computed on strings and integers: reportlab's pure
    Python version costs more than the rest of a certificate page.
    """
    n = len(modules)
    rows = [bytes(map(bool, row)).translate(_BITS).decode("ascii") for row in modules]
    columns = ["".join(column) for column in zip(*rows, strict=True)]
    score = 0
    for line in (*rows, *columns):
        # N1: runs of five or more modules of one colour, 3 + (length - 5) each.
        score += sum(len(run.group()) - 2 for run in _RUN.finditer(line))
        # N3: 1:1:3:1:1 finder-like patterns with four light modules on one side.
        score += 40 * len(_FINDER_LIKE.findall(line))
    # N2: 2×2 blocks of one colour, 3 each (bit j compares columns j and j + 1).
    bits = [int(row, 2) for row in rows]
    inner = (1 << (n - 1)) - 1
    for upper, lower in itertools.pairwise(bits):
        same = ~(upper ^ lower)
        score += 3 * (same & (same >> 1) & ~(upper ^ (upper >> 1)) & inner).bit_count()
    # N4: distance of the dark proportion from 50 %, 10 per 5 %.
    dark = sum(row.count("1") for row in rows)
    score += 10 * (abs(dark * 100 // (n * n) - 50) // 5)
    return score


def qr_modules(payload: str) -> list[list[bool]]:
    """The modules of ``payload`` as a QR code (error correction M), dark = True.

    reportlab's encoder (``QrCodeWidget``) places the data for each of the eight masks;
    the mask with the lowest :func:`qr_penalty` is kept, as the standard prescribes.
    """
    qr = QrCodeWidget(payload, barLevel="M").qr
    if qr.version is None:
        qr.version = qr.calculate_version()
    penalties = []
    for mask in range(8):
        qr.makeImpl(True, mask)
        penalties.append(qr_penalty(qr.modules))
    qr.makeImpl(False, penalties.index(min(penalties)))
    return [[bool(m) for m in row] for row in qr.modules]


def draw_qr(canvas: Any, payload: str, x: float, y: float, size: float, border: int = 3) -> None:
    """Draw ``payload`` as a QR code (see :func:`qr_modules`) in the square at (x, y).

    The dark modules are written as one filled path of horizontal runs, as PDF operators
    in module units (one ``cm`` maps them onto the page): rendering reportlab's widget
    rectangle by rectangle costs ~15 times more time and 3 times more bytes. ``border``
    is the quiet zone in modules, inside the square.
    """
    modules = qr_modules(payload)
    count = len(modules)
    module = size / (count + 2 * border)
    origin_x, origin_y = x + border * module, y + border * module
    ops = [f"q 0 g {module:.5f} 0 0 {module:.5f} {origin_x:.3f} {origin_y:.3f} cm"]
    for r, row in enumerate(modules):
        row_y = count - 1 - r
        column = 0
        for dark, run in itertools.groupby(row):
            length = sum(1 for _ in run)
            if dark:
                ops.append(f"{column} {row_y} {length} 1 re")
            column += length
    ops.append("f Q")
    canvas.addLiteral("\n".join(ops))


# -- the two certificates ------------------------------------------------------------------


def _licence_rows(item: LicenceCertificateData) -> list[_Row]:
    t = _text
    return [
        _Row(SECTION_HEIGHT, section="مشخصات دارنده مجوز"),
        _Row(TALL_ROW_HEIGHT, (_Field("نام و نام خانوادگی", t(item.holder_name), bold=True),)),
        _Row(
            ROW_HEIGHT,
            (
                _Field("نام پدر", t(item.father_name)),
                _Field("کد ملی", t(item.national_id)),
                _Field("تاریخ تولد", printed_date(item.birth_date)),
            ),
        ),
        _Row(SECTION_HEIGHT, section="مشخصات کسب‌وکار"),
        _Row(
            ROW_HEIGHT,
            (_Field("نوع مجوز", t(item.kind_label)), _Field("مرجع تأیید", t(item.approving_body))),
        ),
        _Row(
            ROW_HEIGHT,
            (_Field("رشته فعالیت", t(item.field_name)), _Field("کد رشته", t(item.field_code))),
        ),
        _Row(TALL_ROW_HEIGHT, (_Field("نشانی محل فعالیت", t(item.activity_address)),)),
        _Row(
            ROW_HEIGHT,
            (_Field("شهرستان", t(item.county)), _Field("کد پستی", t(item.postal_code))),
        ),
        _Row(SECTION_HEIGHT, section="شماره و اعتبار مجوز"),
        _Row(
            ROW_HEIGHT,
            (
                _Field("شماره مجوز", t(item.licence_number), bold=True),
                _Field("شناسه یکتا", t(item.unique_id), bold=True),
            ),
        ),
        _Row(
            ROW_HEIGHT,
            (
                _Field("تاریخ صدور", printed_date(item.issue_date), bold=True),
                _Field("تاریخ پایان اعتبار", printed_date(item.expiry_date), bold=True),
            ),
        ),
    ]


def _draw_licence(page: _Page, item: LicenceCertificateData) -> None:
    y = page.common(item.office_province, item.office_county, page.style.title, item.duplicate)
    page.grid_rows(_licence_rows(item), y)
    qr = item.qr_text or item.qr_payload
    page.footer(qr, item.verification_code, item.serial, item.issued_at)


def _draw_attendance(page: _Page, item: AttendanceCertificateData) -> None:
    st, t = page.style, _text
    y = page.common(item.office_province, item.office_county, st.attendance_title, item.duplicate)
    kind = t(item.event_kind_label) or "کارگاه"
    intro = f"بدین‌وسیله گواهی می‌شود نامبرده در {kind} زیر حضور داشته است."
    y -= page.centred(intro, y, FONT_REGULAR, st.value_size, page.text_color, width=640) + 4
    rows = [
        _Row(SECTION_HEIGHT, section="مشخصات شرکت‌کننده"),
        _Row(
            TALL_ROW_HEIGHT,
            (
                _Field("نام و نام خانوادگی", t(item.participant_name), bold=True, weight=2),
                _Field("کد ملی", t(item.national_id)),
            ),
        ),
        _Row(SECTION_HEIGHT, section=f"مشخصات {kind}"),
        _Row(TALL_ROW_HEIGHT, (_Field("عنوان", t(item.event_title), bold=True),)),
        _Row(
            ROW_HEIGHT,
            (_Field("نوع", t(item.event_kind_label)), _Field("مدت", _hours(item.hours))),
        ),
        _Row(
            ROW_HEIGHT,
            (
                _Field("از تاریخ", printed_date(item.start_date)),
                _Field("تا تاریخ", printed_date(item.end_date)),
            ),
        ),
        _Row(
            ROW_HEIGHT,
            (_Field("برگزارکننده", t(item.organiser)), _Field("شهرستان", t(item.county))),
        ),
        _Row(TALL_ROW_HEIGHT, (_Field("محل برگزاری", t(item.venue)),)),
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
    except Exception:
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
    draw: Callable[[_Page, _Item], None],
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
    page = _Page(canvas, style, _load_logo(style.logo))
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


# -- payloads embedded in the PDF --------------------------------------------------------------


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
