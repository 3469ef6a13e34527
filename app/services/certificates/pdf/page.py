"""The shared parts of a certificate page, drawn with one :class:`CertificateStyle` on a
reportlab canvas (A4 landscape, right to left): the frame and ornaments, the logo, the
issuing office's header, the title, the «المثنی» stamp of a reprint, the framed grid of
labelled fields (:class:`Row` of :class:`Field`), and the footer with the QR code, its
verification code, the serial and printing date, and the signatory.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from app.services.certificates.pdf.layout import CertificateStyle
from app.services.certificates.pdf.qr import draw_qr
from common.jalali import format_jalali
from common.pdf_text import (
    FONT_BOLD,
    FONT_MEDIUM,
    FONT_REGULAR,
    Align,
    draw_fitted,
    draw_paragraph,
    fit_paragraph,
)
from common.text import to_persian_digits

log = logging.getLogger("daftar.pdf")

PAGE_WIDTH: float = landscape(A4)[0]
PAGE_HEIGHT: float = landscape(A4)[1]
QR_SIZE: float = 35 * mm
QR_HINT = "برای بررسی اصالت، کد را اسکن کنید"
DUPLICATE_MARK = "المثنی"


@dataclass(frozen=True)
class Field:
    """A labelled value in a grid row (``weight``: its share of the row's width)."""

    label: str
    value: str
    bold: bool = False
    weight: float = 1.0


@dataclass(frozen=True)
class Row:
    """A grid row: a section bar (``section``) or fields sharing the width (right first)."""

    height: float
    fields: tuple[Field, ...] = ()
    section: str = ""


SECTION_HEIGHT = 16.0
ROW_HEIGHT = 23.0
TALL_ROW_HEIGHT = 32.0
LABEL_WIDTH = 96.0
PAD = 6.0


def printed_text(value: object) -> str:
    """A value as printed: None gives "" (never the text "None")."""
    return "" if value is None else str(value).strip()


def printed_date(value: dt.date | None) -> str:
    """A date as the page prints it (Jalali; the line engine turns its digits Persian)."""
    return format_jalali(value, persian_digits=False) if value else ""


def printed_hours(value: float | None) -> str:
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


class Page:
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
        province_line = st.province_office_line.format(province=printed_text(province))
        y -= self.centred(province_line, y, FONT_REGULAR, st.header_size - 0.5, self.title_color)
        if printed_text(county):
            county_line = st.county_office_line.format(county=printed_text(county))
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

    def grid_rows(self, rows: Sequence[Row], y_top: float) -> float:
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

    def _cell(self, cell: Field, right: float, width: float, y_top: float, height: float) -> None:
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
            f"شماره صدور: {printed_text(serial)}",
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
