"""The facility letters as PDF (A4 portrait, Vazirmatn embedded): plain data in, bytes out.

- the referral letter (معرفی‌نامه به بانک): the office's letterhead with the letter's
  number and Jalali date, the branch it is addressed to, a paragraph introducing the
  applicant, a table of the holder's and the licence's particulars, the signatory, and
  the signed QR code with its verification code (as on the certificates; the payload is
  also stored in the PDF's document information, app.services.certificates.pdf.payloads);
- the follow-up letter (پیگیری پرونده‌های معطل) to a bank: its overdue cases in a table.

The Persian text engine, the QR code and the office's look (letterhead lines, colours,
signatory) are the certificates' (app.services.certificates.pdf): one pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.services.certificates.pdf import CertificateStyle, draw_paragraph, register_fonts
from app.services.certificates.pdf.page import QR_HINT, printed_date
from app.services.certificates.pdf.payloads import encode_payloads
from app.services.certificates.pdf.qr import draw_qr
from common.pdf_text import FONT_BOLD, FONT_MEDIUM, FONT_REGULAR

PAGE_WIDTH, PAGE_HEIGHT = float(A4[0]), float(A4[1])
MARGIN: float = 18 * mm
QR_SIZE: float = 30 * mm
ROW = 20.0


@dataclass(frozen=True)
class ReferralLetterData:
    """Everything printed on a referral letter (plain values, ASCII digits)."""

    office_province: str
    office_county: str | None
    number: str
    date: dt.date
    bank_name: str
    branch_name: str
    branch_code: str
    programme: str
    purpose: str
    applicant: str
    #: (label, value) rows of the particulars table.
    particulars: tuple[tuple[str, str], ...]
    body: str
    qr_payload: str
    qr_text: str
    verification_code: str


@dataclass(frozen=True)
class FollowUpLetterData:
    """A follow-up letter to a bank: its overdue cases as table rows."""

    office_province: str
    office_county: str | None
    date: dt.date
    bank_name: str
    body: str
    headers: tuple[str, ...]
    #: Relative column widths (they sum to 1), right to left as the headers.
    widths: tuple[float, ...]
    rows: tuple[tuple[str, ...], ...]


class _Letter:
    """Draws the parts of a letter page with the office's look."""

    def __init__(self, canvas: Canvas, style: CertificateStyle) -> None:
        self.c = canvas
        self.style = style
        self.ink = colors.HexColor(style.text_color)
        self.title_color = colors.HexColor(style.title_color)
        self.grid = colors.HexColor(style.grid_color)
        self.label_fill = colors.HexColor("#EEF2F6")
        self.right = PAGE_WIDTH - MARGIN
        self.width = PAGE_WIDTH - 2 * MARGIN

    def text(
        self,
        text: str,
        y: float,
        *,
        x_right: float | None = None,
        width: float | None = None,
        height: float = 18.0,
        size: float = 11.0,
        font: str = FONT_REGULAR,
        align: Any = "right",
        color: Any = None,
    ) -> float:
        self.c.setFillColor(color or self.ink)
        return draw_paragraph(
            self.c,
            text,
            x_right if x_right is not None else self.right,
            y,
            width if width is not None else self.width,
            height,
            font,
            size,
            self.style.min_size,
            None,
            align,
        )

    def letterhead(self, province: str, county: str | None, number: str, day: dt.date) -> float:
        """The invocation, the office's lines (right), number and date (left); returns
        the y under it."""
        top = PAGE_HEIGHT - MARGIN
        self.text(self.style.invocation, top, size=11, font=FONT_MEDIUM, align="center")
        office = (
            self.style.county_office_line.format(county=county)
            if county
            else self.style.province_office_line.format(province=province)
        )
        y = top - 22
        for line in (self.style.country_line, self.style.ministry_line, office):
            y -= self.text(line, y, width=self.width * 0.6, size=10.5, font=FONT_MEDIUM)
        left_width = self.width * 0.34
        left = MARGIN + left_width
        info = top - 22
        for label, value in (("شماره", number), ("تاریخ", printed_date(day)), ("پیوست", "ندارد")):
            info -= self.text(f"{label}: {value}", info, x_right=left, width=left_width, size=10)
        y = min(y, info) - 8
        self.c.setStrokeColor(self.title_color)
        self.c.setLineWidth(1.2)
        self.c.line(MARGIN, y, self.right, y)
        return y - 14

    def table(
        self,
        y: float,
        headers: Sequence[str],
        widths: Sequence[float],
        rows: Sequence[Sequence[str]],
    ) -> float:
        """A grid: a shaded header row then ``rows``; returns the y under it."""
        self.c.setLineWidth(0.6)
        for index, cells in enumerate([list(headers), *rows]):
            x = self.right
            if index == 0:
                self.c.setFillColor(self.label_fill)
                self.c.rect(MARGIN, y - ROW, self.width, ROW, stroke=0, fill=1)
            for text, share in zip(cells, widths, strict=True):
                cell = self.width * share
                self.text(
                    text,
                    y - 2,
                    x_right=x - 4,
                    width=cell - 8,
                    height=ROW - 4,
                    size=9.5,
                    font=FONT_MEDIUM if index == 0 else FONT_REGULAR,
                    align="center" if index == 0 else "right",
                )
                x -= cell
            self.c.setStrokeColor(self.grid)
            self.c.rect(MARGIN, y - ROW, self.width, ROW, stroke=1, fill=0)
            x = self.right
            for share in widths[:-1]:
                x -= self.width * share
                self.c.line(x, y, x, y - ROW)
            y -= ROW
        return y

    def signature(self, y: float) -> None:
        """The signatory's name and title, on the right."""
        width = self.width * 0.4
        for line in (self.style.signatory_name, self.style.signatory_title):
            if line:
                y -= self.text(line, y, width=width, size=11, font=FONT_BOLD, align="center")


def _canvas(title: str, style: CertificateStyle) -> Canvas:
    register_fonts()
    rl_config.useA85 = 0
    canvas = Canvas("letter.pdf", pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(style.ministry_line)
    canvas.setCreator("Daftar")
    canvas.setSubject(title)
    return canvas


def render_referral_letter(data: ReferralLetterData, style: CertificateStyle) -> bytes:
    """One A4 page: the referral letter; returns the PDF's bytes."""
    canvas = _canvas(f"معرفی‌نامه {data.number}", style)
    page = _Letter(canvas, style)
    y = page.letterhead(data.office_province, data.office_county, data.number, data.date)
    y -= page.text(f"ریاست محترم {data.bank_name}", y, size=12, font=FONT_BOLD)
    name = data.branch_name if data.branch_name.startswith("شعبه") else f"شعبه {data.branch_name}"
    branch = f"{name}، کد شعبه {data.branch_code}"
    y -= page.text(branch, y, size=12, font=FONT_BOLD) + 6
    subject = f"موضوع: معرفی متقاضی تسهیلات «{data.programme}»"
    y -= page.text(subject, y, size=11.5, font=FONT_MEDIUM, color=page.title_color) + 4
    y -= page.text("با سلام و احترام؛", y, size=11)
    y -= page.text(data.body, y, height=110, size=11.5) + 10
    rows = [(label, value) for label, value in data.particulars]
    y = page.table(y, ("مشخصات", "شرح"), (0.32, 0.68), rows) - 16
    closing = "خواهشمند است دستور فرمایید در بررسی و پرداخت تسهیلات ایشان مساعدت لازم به عمل آید."
    y -= page.text(closing, y, height=40, size=11.5) + 18
    page.signature(y)
    qr_x, qr_y = MARGIN, MARGIN + 26
    draw_qr(canvas, data.qr_text, qr_x, qr_y, QR_SIZE)
    page.text(
        data.verification_code,
        qr_y - 2,
        x_right=qr_x + QR_SIZE,
        width=QR_SIZE,
        size=9,
        font=FONT_BOLD,
        align="center",
    )
    page.text(QR_HINT, qr_y - 16, x_right=qr_x + QR_SIZE + 60, width=QR_SIZE + 120, size=8)
    canvas.showPage()
    canvas.setKeywords(encode_payloads([data.qr_payload]))
    result: bytes = canvas.getpdfdata()
    return result


def render_follow_up_letter(data: FollowUpLetterData, style: CertificateStyle) -> bytes:
    """The follow-up letter: its table continues on as many pages as the rows need."""
    canvas = _canvas(f"پیگیری پرونده‌های معطل — {data.bank_name}", style)
    page = _Letter(canvas, style)
    y = page.letterhead(data.office_province, data.office_county, "—", data.date)
    y -= page.text(f"مدیریت محترم امور شعب {data.bank_name}", y, size=12, font=FONT_BOLD) + 6
    subject = "موضوع: پیگیری پرونده‌های معطل تسهیلات مشاغل خانگی"
    y -= page.text(subject, y, size=11.5, font=FONT_MEDIUM, color=page.title_color) + 4
    y -= page.text("با سلام و احترام؛", y, size=11)
    y -= page.text(data.body, y, height=80, size=11.5) + 10
    rows = list(data.rows)
    while True:
        fits = max(1, int((y - MARGIN - 80) // ROW) - 1)
        y = page.table(y, data.headers, data.widths, rows[:fits]) - 24
        rows = rows[fits:]
        if not rows:
            break
        canvas.showPage()
        y = PAGE_HEIGHT - MARGIN
    page.signature(y)
    canvas.showPage()
    result: bytes = canvas.getpdfdata()
    return result
