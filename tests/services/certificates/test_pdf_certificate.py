"""Tests for app.services.certificates.pdf: the Persian line engine, the style file, the certificates.

Text checks use ``pdftotext -layout`` (poppler-utils): it yields presentation-form letters
in logical order with its own embedding marks, so both sides are compared after NFKC,
with bidi controls, ZWNJ and punctuation removed (:func:`key`). Digits and dates are also
checked verbatim (Persian digits, in order). The page image is compared with a reviewed
reference (``tests/services/certificates/data/certificate_reference.png``); to regenerate it after an
intended change, run with ``DAFTAR_UPDATE_REFERENCE=1`` and look at the new image.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import os
import re
import shutil
import subprocess
import unicodedata
import zlib
from pathlib import Path
from typing import Any

import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from app.services.certificates.pdf import page as page_module
from app.services.certificates.pdf.certificate import (
    AttendanceCertificateData,
    LicenceCertificateData,
    render_attendance_certificates,
    render_licence_certificates,
)
from app.services.certificates.pdf.layout import (
    CertificateStyle,
    StyleError,
    default_style_path,
    load_style,
)
from app.services.certificates.pdf.payloads import (
    PAYLOAD_PREFIX,
    PayloadError,
    encode_payloads,
    extract_payloads,
)
from app.services.certificates.pdf.qr import draw_qr, qr_modules, qr_penalty
from app.services.core.progress import Cancelled, Progress
from common import pdf_text
from common.errors import DomainError
from common.pdf_text import (
    ELLIPSIS,
    FONT_BOLD,
    FONT_REGULAR,
    FontMissing,
    display_text,
    draw_paragraph,
    fit_paragraph,
    register_fonts,
    shape,
    visual_line,
    wrap,
)
from common.text import ZWNJ, strip_bidi_controls, to_persian_digits

DATA = Path(__file__).parent / "data"
REFERENCE = DATA / "certificate_reference.png"

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext (poppler-utils) is not installed; CI installs it",
)
needs_pdftoppm = pytest.mark.skipif(
    shutil.which("pdftoppm") is None,
    reason="pdftoppm (poppler-utils) is not installed; CI installs it",
)

PAYLOAD = (
    "DAFTAR1.eyJuIjoiMDYxMi0wMDAwNDIiLCJ1IjoiN0szTS05WFEyLUFCQ0QiLCJuaWQiOiIwMDY3NzQ5ODI4Iiwi"
    "aSI6IjIwMjUtMDQtMDQiLCJlIjoiMjAzMC0wNC0wNCIsInMiOiIwNjEyLTE0MDQtMDAwMTIzIn0.MEUCIQDx7c2"
    "a9kQ3yW0mY1Jq8x6m4n5Pz0b2h7T9sX1dV3eF8gIgUu2Qk4r7nW9yA1cZ5eB0vH6jL3oP8sD2fG4hK7mN1qR"
)


def licence(**changes: Any) -> LicenceCertificateData:
    """A realistic licence certificate; keyword arguments replace fields."""
    data = LicenceCertificateData(
        office_province="تهران",
        office_county="شمیرانات",
        holder_name="زهرا (فاطمه) محمدی\u200cنژاد",
        father_name="علی\u200cاصغر",
        national_id="0067749828",
        birth_date=dt.date(1985, 3, 21),
        kind_label="مستقل",
        field_name="تولید پوشاک و خیاطی سفارشی",
        field_code="141201",
        approving_body="اتاق اصناف ایران",
        county="شمیرانات",
        activity_address="تهران، خیابان شهید باهنر، کوچه لاله\u200cزار، پلاک 12، واحد 4",
        postal_code="1937733141",
        licence_number="0612-000042",
        unique_id="7K3M-9XQ2-ABCD",
        issue_date=dt.date(2025, 4, 4),
        expiry_date=dt.date(2030, 4, 4),
        serial="0612-1404-000123",
        duplicate=False,
        qr_payload=PAYLOAD,
        verification_code="K7PX-93QD",
        issued_at=dt.date(2025, 4, 20),
    )
    return dataclasses.replace(data, **changes)


def attendance(**changes: Any) -> AttendanceCertificateData:
    """A realistic attendance certificate."""
    data = AttendanceCertificateData(
        office_province="اصفهان",
        office_county="کاشان",
        participant_name="سیدعلی موسوی\u200cزاده",
        national_id="1270000001",
        event_title="بازاریابی دیجیتال برای کسب\u200cوکارهای خانگی",
        event_kind_label="کارگاه آموزشی",
        start_date=dt.date(2025, 5, 10),
        end_date=dt.date(2025, 5, 12),
        hours=12,
        organiser="اداره تعاون، کار و رفاه اجتماعی شهرستان کاشان",
        venue="سالن اجتماعات اداره، خیابان امیرکبیر",
        county="کاشان",
        serial="0701-1404-000009",
        duplicate=False,
        qr_payload="ATT1.payload-for-attendance",
        verification_code="M2Q8-7TRA",
        issued_at=dt.date(2025, 5, 13),
    )
    return dataclasses.replace(data, **changes)


STYLE = CertificateStyle(
    signatory_name="مریم احمدی",
    signatory_title="مدیر اداره تعاون، کار و رفاه اجتماعی شهرستان شمیرانات",
)


# -- helpers ---------------------------------------------------------------------------------


def key(s: str) -> str:
    """Comparable form: NFKC, no bidi controls or ZWNJ, punctuation as spaces, single spaces."""
    s = re.sub("[\u202a-\u202e\u2066-\u2069\u200e\u200f]", " ", unicodedata.normalize("NFKC", s))
    s = s.replace(ZWNJ, "")
    s = re.sub(r"[^\w]+", " ", s)
    return " ".join(s.split())


def pdf_text_of(pdf: bytes, tmp_path: Path, name: str = "out.pdf") -> str:
    """``pdftotext -layout`` of ``pdf`` (UTF-8)."""
    path = tmp_path / name
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


def assert_shows(text: str, expected: str) -> None:
    """``expected`` appears in the extracted ``text`` (as one run, after :func:`key`)."""
    assert key(expected) in key(text), f"{expected!r} not found in the PDF text"


def assert_words(text: str, expected: str) -> None:
    """Every word of ``expected`` appears in ``text`` (for values wrapped over lines)."""
    words = set(key(text).split())
    missing = [w for w in key(expected).split() if w not in words]
    assert not missing, f"words {missing} of {expected!r} not found in the PDF text"


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


class RecordingCanvas(Canvas):
    """A canvas that records every string drawn: (kind, x, y, text, font, size)."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO())
        self.drawn: list[tuple[str, float, float, str, str, float]] = []

    def _record(self, kind: str, x: float, y: float, text: str) -> None:
        self.drawn.append((kind, x, y, text, self._fontname, self._fontsize))

    def drawRightString(self, x: float, y: float, text: str, *args: Any, **kw: Any) -> None:
        self._record("right", x, y, text)
        super().drawRightString(x, y, text, *args, **kw)

    def drawCentredString(self, x: float, y: float, text: str, *args: Any, **kw: Any) -> None:
        self._record("center", x, y, text)
        super().drawCentredString(x, y, text, *args, **kw)

    def drawString(self, x: float, y: float, text: str, *args: Any, **kw: Any) -> None:
        self._record("left", x, y, text)
        super().drawString(x, y, text, *args, **kw)


def assert_inside(
    canvas: RecordingCanvas, x_right: float, y_top: float, width: float, height: float
) -> None:
    """Every recorded line lies inside the frame (glyph extent included)."""
    for kind, x, y, text, font, size in canvas.drawn:
        w = pdfmetrics.stringWidth(text, font, size)
        left = {"right": x - w, "center": x - w / 2, "left": x}[kind]
        assert left >= x_right - width - 0.01, (text, left)
        assert left + w <= x_right + 0.01, (text, left + w)
        assert y + pdf_text.GLYPH_TOP * size <= y_top + 0.01
        assert y - pdf_text.GLYPH_BOTTOM * size >= y_top - height - 0.01


@pytest.fixture(autouse=True)
def fonts() -> None:
    register_fonts()


# -- the line engine -----------------------------------------------------------------------


def test_shape_joins_letters_and_keeps_zwnj() -> None:
    shaped = shape("می\u200cروم")
    assert all(not "\u0600" <= c <= "\u06ff" for c in shaped), "letters left unshaped"
    before, after = shaped.split(ZWNJ)
    # «می» ends the joined group: its ی takes the final form, not a medial one.
    assert unicodedata.name(before[-1]).endswith("FINAL FORM")
    assert unicodedata.name(after[0]).endswith("ISOLATED FORM")  # ر does not join left
    assert unicodedata.normalize("NFKC", shaped) == "می\u200cروم"


def test_every_shaped_letter_has_a_glyph_in_vazirmatn() -> None:
    # arabic_reshaper emits U+FBA4 for an isolated ۀ, which Vazirmatn lacks: the engine
    # falls back to the base letter instead of printing a missing-glyph box.
    text = "خانۀ ما، مؤسسۀ آموزشی «پژوهش» لا ئ ء ؤ گچ ژ ۀ ك ي ١٢٣ (علی) … ۰۱۲۳۴۵۶۷۸۹"
    for font in (pdf_text.FONT_REGULAR, pdf_text.FONT_MEDIUM, FONT_BOLD):
        charmap = pdfmetrics.getFont(font).face.charToGlyph
        missing = [c for c in shape(display_text(text)) if c != " " and ord(c) not in charmap]
        assert not missing, [f"U+{ord(c):04X}" for c in missing]


def test_lam_alef_ligature_but_no_allah_ligature() -> None:
    assert "\ufefb" in shape("لاله")  # ﻻ
    assert unicodedata.normalize("NFKC", shape("عبدالله")) == "عبدالله"
    assert "\ufdf2" not in shape("عبدالله")


def test_brackets_mirrored_in_visual_order() -> None:
    word = shape("علی")
    line = visual_line(shape(display_text("(علی)")))
    # Drawn left to right: the bracket on the left closes, the one on the right opens,
    # so both face the word: «(» at the left end, «)» at the right end.
    assert line == "(" + word[::-1] + ")"
    sentence = visual_line(shape(display_text("زهرا (فاطمه) محمدی")))
    assert "(" + shape("فاطمه")[::-1] + ")" in sentence


def test_wrapping_is_logical_and_never_breaks_at_zwnj() -> None:
    text = display_text(" ".join(["محمدی\u200cنژاد"] * 12))
    shaped = shape(text)
    lines = wrap(shaped, FONT_REGULAR, 11, 120)
    assert len(lines) > 2
    for line in lines:
        assert not line.startswith(ZWNJ) and not line.endswith(ZWNJ)
        assert all(word == shape("محمدی\u200cنژاد") for word in line.split(" "))
    # The first logical line is drawn first (top): get_display per line, not per paragraph.
    fitted = fit_paragraph(text, 120, 1000, FONT_REGULAR, 11, 6)
    assert fitted.lines[0] == visual_line(lines[0])


def test_persian_digits_and_number_order() -> None:
    assert display_text("1404/01/15") == "۱۴۰۴/۰۱/۱۵"
    assert display_text("کد 0067749828") == "کد ۰۰۶۷۷۴۹۸۲۸"
    # After a Persian word a dashed number would otherwise read ۰۰۴۲-۱۴۰۵.
    line = visual_line(shape(display_text("شماره صدور: 1405-0042")))
    assert "۱۴۰۵-۰۰۴۲" in line
    line = visual_line(shape(display_text("از 1404/01/15 تا 1405/01/15")))
    assert line.index("۱۴۰۵/۰۱/۱۵") < line.index("۱۴۰۴/۰۱/۱۵")  # RTL: «از» date on the right


def test_latin_runs_kept_in_order_with_ascii_digits() -> None:
    assert display_text("7K3M-9XQ2-ABCD") == "7K3M-9XQ2-ABCD"
    line = visual_line(shape(display_text("آقای John Smith کریمی")))
    assert "John Smith" in line
    assert "7K3M-9XQ2-ABCD" in visual_line(shape(display_text("شناسه 7K3M-9XQ2-ABCD")))


def test_bidi_controls_stripped_before_drawing() -> None:
    plain = "زهرا محمدی 0067749828"
    for control in ("\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u200f", "\u061c"):
        attacked = f"{control}زهرا محمدی {control}0067749828\u2069\u202c"
        assert display_text(attacked) == display_text(plain)
        assert visual_line(shape(display_text(attacked))) == visual_line(shape(display_text(plain)))
    canvas = RecordingCanvas()
    draw_paragraph(canvas, "\u2066John\u2069 \u202eعلی", 500, 500, 300, 40, FONT_REGULAR, 12, 6)
    assert all(not re.search("[\u202a-\u202e\u2066-\u2069]", d[3]) for d in canvas.drawn)


def test_long_text_shrinks_within_its_frame() -> None:
    name = ("محمدحسین " * 40)[:300]
    canvas = RecordingCanvas()
    used = draw_paragraph(canvas, name, 600, 400, 500, 28, FONT_BOLD, 11.5, 6)
    assert 0 < used <= 28
    assert_inside(canvas, 600, 400, 500, 28)
    fitted = fit_paragraph(name, 500, 28, FONT_BOLD, 11.5, 6)
    assert 6 <= fitted.size < 11.5
    assert not fitted.truncated


def test_text_that_cannot_fit_is_truncated_with_ellipsis() -> None:
    address = "خیابان آزادی، کوچه شهید رجایی، ساختمان 12، " * 10
    canvas = RecordingCanvas()
    used = draw_paragraph(canvas, address[:300], 400, 300, 150, 20, FONT_REGULAR, 11, 7)
    assert used <= 20
    assert_inside(canvas, 400, 300, 150, 20)
    fitted = fit_paragraph(address[:300], 150, 20, FONT_REGULAR, 11, 7)
    assert fitted.truncated and fitted.size == 7
    # The ellipsis ends the logical text: in visual order it is the leftmost character.
    assert fitted.lines[-1].startswith(ELLIPSIS)


def test_word_longer_than_the_line_is_split() -> None:
    token = "A" * 120
    canvas = RecordingCanvas()
    used = draw_paragraph(canvas, token, 300, 300, 100, 60, FONT_REGULAR, 10, 6)
    assert used <= 60
    assert_inside(canvas, 300, 300, 100, 60)


def test_centred_and_empty_paragraphs() -> None:
    canvas = RecordingCanvas()
    assert draw_paragraph(canvas, None, 300, 300, 100, 60, FONT_REGULAR, 10, 6) == 0
    assert draw_paragraph(canvas, "   ", 300, 300, 100, 60, FONT_REGULAR, 10, 6) == 0
    used = draw_paragraph(canvas, "سلام", 300, 300, 100, 60, FONT_REGULAR, 10, 6, align="center")
    assert used == pytest.approx(15)
    assert canvas.drawn[0][0] == "center" and canvas.drawn[0][1] == pytest.approx(250)


def test_missing_font_raises_persian_error(tmp_path: Path) -> None:
    with pytest.raises(FontMissing) as caught:
        register_fonts(tmp_path)
    assert "Vazirmatn-Regular.ttf" in caught.value.message
    assert "قلم" in caught.value.message
    assert isinstance(caught.value, DomainError)
    # A partial folder names the file that is missing.
    shutil.copy(pdf_text.fonts_dir() / "Vazirmatn-Regular.ttf", tmp_path)
    with pytest.raises(FontMissing, match=r"Vazirmatn-Medium\.ttf"):
        register_fonts(tmp_path)


def test_render_with_missing_font_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_text, "fonts_dir", lambda: tmp_path)
    with pytest.raises(FontMissing, match="Vazirmatn"):
        render_licence_certificates([licence()], STYLE)


# -- the style file ------------------------------------------------------------------------


def test_style_defaults_and_shipped_file() -> None:
    assert load_style(None) == CertificateStyle()
    assert load_style(Path("/nonexistent/style.json")) == CertificateStyle()
    # The shipped file spells out the defaults (it doubles as the office's template).
    assert load_style(default_style_path()) == CertificateStyle()


def test_style_partial_file_and_relative_logo(tmp_path: Path) -> None:
    path = tmp_path / "style.json"
    path.write_text(
        json.dumps({"frame_color": "#004D40", "logo": "logo.png", "title": "مجوز مشاغل خانگی"}),
        encoding="utf-8",
    )
    style = load_style(path)
    assert style.frame_color == "#004D40"
    assert style.logo == tmp_path / "logo.png"
    assert style.title == "مجوز مشاغل خانگی"
    assert style.value_size == CertificateStyle().value_size


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2]",
        '{"frame_color": "blue"}',
        '{"title_size": "big"}',
        '{"margin_mm": 0}',
        '{"signatory_name": 12}',
        '{"province_office_line": "استان {state}"}',
        '{"logo": 5}',
    ],
)
def test_style_bad_values_are_persian_errors(tmp_path: Path, content: str) -> None:
    path = tmp_path / "style.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StyleError) as caught:
        load_style(path)
    assert str(path) in caught.value.message


def test_style_unknown_key_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "style.json"
    path.write_text('{"frame_colour": "#000000"}', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="daftar.pdf"):
        assert load_style(path) == CertificateStyle()
    assert "frame_colour" in caplog.text


# -- certificates: content -------------------------------------------------------------------


@needs_pdftotext
def test_licence_certificate_shows_every_field(tmp_path: Path) -> None:
    pdf = render_licence_certificates([licence()], STYLE)
    assert pdf.startswith(b"%PDF-") and page_count(pdf) == 1
    assert b"/FontFile2" in pdf  # Vazirmatn embedded
    text = pdf_text_of(pdf, tmp_path)
    for expected in (
        "جمهوری اسلامی ایران",
        "وزارت تعاون، کار و رفاه اجتماعی",
        "اداره کل تعاون، کار و رفاه اجتماعی استان تهران",
        "اداره تعاون، کار و رفاه اجتماعی شهرستان شمیرانات",
        "مجوز کسب‌وکار خانگی",
        "زهرا (فاطمه) محمدی‌نژاد",
        "علی‌اصغر",
        "مستقل",
        "تولید پوشاک و خیاطی سفارشی",
        "اتاق اصناف ایران",
        "تهران، خیابان شهید باهنر، کوچه لاله‌زار، پلاک ۱۲، واحد ۴",
        "7K3M-9XQ2-ABCD",
        "K7PX-93QD",
        "برای بررسی اصالت، کد را اسکن کنید",
        "مریم احمدی",
        "مدیر اداره تعاون، کار و رفاه اجتماعی شهرستان شمیرانات",
    ):
        assert_shows(text, expected)
    for label in (
        "نام و نام خانوادگی",
        "نام پدر",
        "کد ملی",
        "تاریخ تولد",
        "نوع مجوز",
        "رشته فعالیت",
        "کد رشته",
        "مرجع تأیید",
        "شهرستان",
        "نشانی محل فعالیت",
        "کد پستی",
        "شماره مجوز",
        "شناسه یکتا",
        "تاریخ صدور",
        "تاریخ پایان اعتبار",
    ):
        assert_shows(text, label)
    # Numbers in Persian digits and in their order; dates in the Jalali calendar.
    plain = strip_bidi_controls(text)
    for expected in (
        "۰۰۶۷۷۴۹۸۲۸",  # national ID
        "۱۳۶۴/۰۱/۰۱",  # birth date
        "۱۴۱۲۰۱",  # field code
        "۱۹۳۷۷۳۳۱۴۱",  # postal code
        "۰۶۱۲-۰۰۰۰۴۲",  # licence number
        "۱۴۰۴/۰۱/۱۵",  # issue date
        "۱۴۰۹/۰۱/۱۵",  # expiry date
        "۰۶۱۲-۱۴۰۴-۰۰۰۱۲۳",  # serial
        "۱۴۰۴/۰۱/۳۱",  # printing date
    ):
        assert expected in plain, expected
    assert "0067749828" not in plain
    assert "None" not in text
    assert "المثنی" not in key(text)


@needs_pdftotext
def test_duplicate_is_marked(tmp_path: Path) -> None:
    text = pdf_text_of(render_licence_certificates([licence(duplicate=True)], STYLE), tmp_path)
    assert_shows(text, "المثنی")


@needs_pdftotext
def test_province_office_without_county(tmp_path: Path) -> None:
    pdf = render_licence_certificates([licence(office_county="")], CertificateStyle())
    text = pdf_text_of(pdf, tmp_path)
    assert_shows(text, "اداره کل تعاون، کار و رفاه اجتماعی استان تهران")
    assert key("اداره تعاون، کار و رفاه اجتماعی شهرستان") not in key(text)


@needs_pdftotext
def test_latin_name_and_bidi_controls(tmp_path: Path) -> None:
    item = licence(holder_name="\u202eJohn Smith\u202c", father_name="\u2067Robert\u2069 رابرت")
    text = pdf_text_of(render_licence_certificates([item], STYLE), tmp_path)
    assert "John Smith" in text
    assert "\u202e" not in text and "\u2067" not in text
    assert_shows(text, "Robert رابرت")


@needs_pdftotext
def test_missing_optional_fields_are_blank(tmp_path: Path) -> None:
    item = licence(
        office_county=None,
        father_name=None,
        birth_date=None,
        kind_label=None,
        field_code=None,
        approving_body=None,
        county=None,
        activity_address=None,
        postal_code=None,
        verification_code="",
    )
    text = pdf_text_of(render_licence_certificates([item], CertificateStyle()), tmp_path)
    assert "None" not in text
    assert_shows(text, "زهرا (فاطمه) محمدی‌نژاد")
    assert_shows(text, "نام پدر")


@needs_pdftotext
def test_long_name_and_address_fit(tmp_path: Path) -> None:
    name = ("محمدحسین " * 40)[:300]
    address = ("خیابان آزادی، کوچه شهید رجایی، ساختمان 12، " * 10)[:300]
    pdf = render_licence_certificates(
        [licence(holder_name=name, activity_address=address, field_name="ب" * 300)], STYLE
    )
    assert page_count(pdf) == 1
    text = pdf_text_of(pdf, tmp_path)
    assert_words(text, name)
    assert_words(text, "خیابان آزادی کوچه شهید رجایی ساختمان")
    # The cells they are drawn in hold them (the same frames the page uses).
    full_width = page_module.PAGE_WIDTH - 2 * (STYLE.margin_mm * mm + 24)  # the grid
    value_width = full_width - page_module.LABEL_WIDTH - 2 * page_module.PAD
    for value in (name, address):
        frame = page_module.TALL_ROW_HEIGHT - 4
        fitted = fit_paragraph(value, value_width, frame, FONT_BOLD, 11.5, STYLE.min_size)
        assert fitted.height <= frame and not fitted.truncated


@needs_pdftotext
def test_attendance_certificate(tmp_path: Path) -> None:
    pdf = render_attendance_certificates([attendance(), attendance(duplicate=True)], STYLE)
    assert page_count(pdf) == 2
    text = pdf_text_of(pdf, tmp_path)
    for expected in (
        "گواهی حضور در کارگاه",
        "اداره کل تعاون، کار و رفاه اجتماعی استان اصفهان",
        "سیدعلی موسوی‌زاده",
        "بازاریابی دیجیتال برای کسب‌وکارهای خانگی",
        "کارگاه آموزشی",
        "۱۲ ساعت",
        "اداره تعاون، کار و رفاه اجتماعی شهرستان کاشان",
        "سالن اجتماعات اداره، خیابان امیرکبیر",
        "کاشان",
        "M2Q8-7TRA",
        "المثنی",
    ):
        assert_shows(text, expected)
    plain = strip_bidi_controls(text)
    for expected in ("۱۲۷۰۰۰۰۰۰۱", "۱۴۰۴/۰۲/۲۰", "۱۴۰۴/۰۲/۲۲", "۰۷۰۱-۱۴۰۴-۰۰۰۰۰۹"):
        assert expected in plain
    assert extract_payloads(pdf) == ["ATT1.payload-for-attendance"] * 2
    empty = attendance(hours=None, start_date=None, end_date=None, organiser=None, venue=None)
    assert "None" not in pdf_text_of(render_attendance_certificates([empty], STYLE), tmp_path)


def test_hours_format() -> None:
    assert page_module.printed_hours(12) == "۱۲ ساعت"
    assert page_module.printed_hours(2.5) == "۲٫۵ ساعت"
    assert page_module.printed_hours(None) == ""


# -- logo ------------------------------------------------------------------------------------


def test_missing_logo_still_renders(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    style = dataclasses.replace(STYLE, logo=tmp_path / "missing.png")
    with caplog.at_level(logging.WARNING, logger="daftar.pdf"):
        pdf = render_licence_certificates([licence()], style)
    assert page_count(pdf) == 1
    assert "missing.png" in caplog.text


def test_broken_logo_still_renders(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"not an image")
    with caplog.at_level(logging.WARNING, logger="daftar.pdf"):
        pdf = render_licence_certificates([licence()], dataclasses.replace(STYLE, logo=logo))
    assert page_count(pdf) == 1
    assert "logo" in caplog.text


def test_logo_is_drawn_once_per_document(tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    logo = tmp_path / "logo.png"
    image.new("RGB", (64, 64), (20, 60, 110)).save(logo)
    pdf = render_licence_certificates([licence()] * 3, dataclasses.replace(STYLE, logo=logo))
    assert len(re.findall(rb"/Subtype /Image", pdf)) == 1


# -- payloads ------------------------------------------------------------------------------


def test_payload_round_trip_one_and_three_pages() -> None:
    assert extract_payloads(render_licence_certificates([licence()], STYLE)) == [PAYLOAD]
    payloads = [PAYLOAD, 'odd (payload) \\ with "quotes"', "فارسی ۱۲۳"]
    items = [licence(qr_payload=p) for p in payloads]
    pdf = render_licence_certificates(items, STYLE)
    assert page_count(pdf) == 3
    assert extract_payloads(pdf) == payloads
    assert PAYLOAD_PREFIX.encode() in pdf  # findable in the file as written


def test_payloads_found_in_compressed_streams_and_damaged_ones_rejected() -> None:
    keywords = encode_payloads(["a", "b"]).encode()
    stream = zlib.compress(b"<< /Keywords (" + keywords + b") >>")
    rewritten = b"%PDF-1.7\n1 0 obj\n<< /Length 9 >>\nstream\n" + stream + b"\nendstream\n"
    assert extract_payloads(rewritten) == ["a", "b"]
    assert extract_payloads(b"%PDF-1.4 nothing here") == []
    with pytest.raises(PayloadError):
        extract_payloads(PAYLOAD_PREFIX.encode() + b"AAAA")  # valid base64, not JSON


@pytest.mark.slow
def test_thousand_pages_round_trip() -> None:
    items = [licence(qr_payload=f"{PAYLOAD}.{i}", serial=f"0612-1404-{i:06d}") for i in range(1000)]
    progress = Progress()
    pdf = render_licence_certificates(items, STYLE, progress)
    assert page_count(pdf) == 1000
    assert extract_payloads(pdf) == [item.qr_payload for item in items]
    assert progress.state[:2] == (1000, 1000)


# -- progress and cancel ---------------------------------------------------------------------


def test_progress_reported_per_page_and_cancel() -> None:
    seen: list[tuple[int, int | None]] = []
    progress = Progress(lambda done, total, _text: seen.append((done, total)))
    render_licence_certificates([licence()] * 3, STYLE, progress)
    assert seen == [(1, 3), (2, 3), (3, 3)]

    progress = Progress()

    def cancel_after_first(done: int, total: int | None, text: str) -> None:
        progress.cancel()

    progress = Progress(cancel_after_first)
    with pytest.raises(Cancelled):
        render_licence_certificates([licence()] * 3, STYLE, progress)


def test_empty_batch_is_a_valid_pdf() -> None:
    pdf = render_licence_certificates([], STYLE)
    assert pdf.startswith(b"%PDF-") and extract_payloads(pdf) == []


# -- pictures --------------------------------------------------------------------------------


def _raster(pdf: bytes, tmp_path: Path, dpi: int, name: str) -> list[Any]:
    """The pages of ``pdf`` rendered by pdftoppm as greyscale PIL images."""
    image = pytest.importorskip("PIL.Image")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(path), str(tmp_path / name)],
        check=True,
        capture_output=True,
    )
    pages = sorted(tmp_path.glob(f"{name}-*.png"))
    return [image.open(p).convert("L") for p in pages]


def _mean_difference(a: Any, b: Any) -> float:
    assert a.size == b.size, (a.size, b.size)
    pixels_a, pixels_b = a.tobytes(), b.tobytes()
    return sum(abs(x - y) for x, y in zip(pixels_a, pixels_b, strict=True)) / len(pixels_a)


def test_qr_penalty_rules() -> None:
    # 5×5 all dark: N1 5 rows + 5 columns × 3, N2 16 blocks × 3, N4 100 % dark: 10 × 10.
    assert qr_penalty([[True] * 5] * 5) == 30 + 48 + 100
    # A finder-like row (N3) in a checkerboard-free matrix.
    row = [c == "1" for c in "10111010000"]
    assert qr_penalty([row]) >= 40


def test_qr_modules_take_the_mask_with_lowest_penalty() -> None:
    chosen = qr_modules(PAYLOAD)
    qr = QrCodeWidget(PAYLOAD, barLevel="M").qr
    qr.version = qr.calculate_version()
    penalties, symbols = [], []
    for mask in range(8):
        qr.makeImpl(True, mask)  # as evaluated: format information left blank
        penalties.append(qr_penalty(qr.modules))
        qr.makeImpl(False, mask)  # as printed
        symbols.append([[bool(m) for m in row] for row in qr.modules])
    assert chosen == symbols[penalties.index(min(penalties))]
    assert len(set(map(str, symbols))) == 8


@needs_pdftoppm
def test_qr_drawing_places_every_module(tmp_path: Path) -> None:
    """draw_qr's fast path draws the encoder's modules where reportlab's widget would."""
    size = 100.0
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(200, 200))
    draw_qr(canvas, PAYLOAD, 50, 50, size, border=3)
    canvas.showPage()
    widget = QrCodeWidget(PAYLOAD, barLevel="M", barWidth=size, barHeight=size, barBorder=3)
    drawing = Drawing(size, size)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, 50, 50)
    canvas.showPage()
    canvas.save()
    pages = _raster(buffer.getvalue(), tmp_path, 150, "qr")
    scale = 150 / 72

    def modules(page: Any, count: int) -> list[list[bool]]:
        """Dark or light at the centre of each module (rows from the top)."""
        module = size / (count + 6)
        return [
            [
                page.getpixel(
                    (
                        round((50 + (3 + c + 0.5) * module) * scale),
                        round((200 - 50 - size + (3 + r + 0.5) * module) * scale),
                    )
                )
                < 128
                for c in range(count)
            ]
            for r in range(count)
        ]

    ours = qr_modules(PAYLOAD)
    assert modules(pages[0], len(ours)) == ours
    theirs = [[bool(m) for m in row] for row in widget.qr.modules]  # the widget's own mask
    assert modules(pages[1], len(theirs)) == theirs


#: Mean absolute difference per pixel (0-255) allowed against the reference at 50 dpi.
#: The same poppler renders the same PDF identically (0.0); anti-aliasing differences
#: between poppler versions stay well below this, while a missing «المثنی» stamp (0.41),
#: a changed QR code (1.4) or the whole page moved by one pixel (8.0) exceed it. Changed
#: text in a single field (0.05-0.2) is the business of the pdftotext tests.
REFERENCE_TOLERANCE = 0.25


def _reference_page(item: LicenceCertificateData, tmp_path: Path, name: str) -> Any:
    (page,) = _raster(render_licence_certificates([item], STYLE), tmp_path, 50, name)
    return page


@needs_pdftoppm
def test_page_matches_reviewed_reference(tmp_path: Path) -> None:
    page = _reference_page(licence(duplicate=True), tmp_path, "page")
    if os.environ.get("DAFTAR_UPDATE_REFERENCE") == "1":
        DATA.mkdir(parents=True, exist_ok=True)
        page.save(REFERENCE)
        pytest.skip(f"reference written to {REFERENCE}: look at it before committing")
    image = pytest.importorskip("PIL.Image")
    difference = _mean_difference(page, image.open(REFERENCE).convert("L"))
    if difference >= REFERENCE_TOLERANCE:
        page.save(tmp_path / "certificate_actual.png")
    assert difference < REFERENCE_TOLERANCE, (
        f"page differs from the reference by {difference:.2f} per pixel; "
        f"see {tmp_path / 'certificate_actual.png'}"
    )


@needs_pdftoppm
def test_reference_comparison_detects_changes(tmp_path: Path) -> None:
    """The tolerance notices a missing stamp and a page moved by one pixel."""
    image = pytest.importorskip("PIL.Image")
    chops = pytest.importorskip("PIL.ImageChops")
    reference = image.open(REFERENCE).convert("L")
    without_stamp = _reference_page(licence(duplicate=False), tmp_path, "plain")
    assert _mean_difference(without_stamp, reference) > REFERENCE_TOLERANCE
    moved = chops.offset(_reference_page(licence(duplicate=True), tmp_path, "dup"), 1, 0)
    assert _mean_difference(moved, reference) > REFERENCE_TOLERANCE


def test_fonts_registered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(pdfmetrics, "registerFont", lambda font: calls.append(font.fontName))
    register_fonts()
    render_licence_certificates([licence()], STYLE)
    assert calls == []


def test_digits_helper_matches_service() -> None:
    assert display_text("0612-000042") == to_persian_digits("0612-000042")


SCREENSHOTS = Path(__file__).resolve().parents[3] / "screenshots"


@needs_pdftoppm
def test_screenshots_of_sample_certificates(tmp_path: Path) -> None:
    """Save sample pages as screenshots/certificate_*.png (70 dpi) to be looked at."""
    image = pytest.importorskip("PIL.Image")
    draw = pytest.importorskip("PIL.ImageDraw")
    logo = tmp_path / "logo.png"
    emblem = image.new("RGBA", (240, 240), (255, 255, 255, 0))
    pen = draw.Draw(emblem)
    pen.ellipse((8, 8, 232, 232), outline=(27, 58, 92, 255), width=14)
    pen.ellipse((60, 60, 180, 180), fill=(168, 132, 58, 255))
    emblem.save(logo)
    style = dataclasses.replace(STYLE, logo=logo)
    long_item = licence(
        holder_name=("محمدحسین " * 40)[:300],
        father_name="John Smith",
        activity_address=("خیابان آزادی، کوچه شهید رجایی (پلاک 12-3)، " * 10)[:300],
        duplicate=True,
        office_county="",
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, pdf in (
        ("certificate_licence", render_licence_certificates([licence()], style)),
        ("certificate_licence_long_duplicate", render_licence_certificates([long_item], STYLE)),
        ("certificate_attendance", render_attendance_certificates([attendance()], style)),
    ):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "70", "-png", "-singlefile", str(path), str(SCREENSHOTS / name)],
            check=True,
            capture_output=True,
        )
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000


@pytest.mark.parametrize("render", ["licence", "attendance"])
def test_large_style_values_never_push_the_grid_into_the_footer(
    render: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = dataclasses.replace(  # the largest values a style file may hold
        STYLE,
        margin_mm=20,
        header_size=16,
        title_size=32,
        label_size=14,
        value_size=16,
        small_size=12,
        min_size=10,
    )
    seen: list[tuple[float, float]] = []
    original = page_module.Page.grid_rows

    def grid_rows(page: Any, rows: Any, y_top: float) -> float:
        bottom: float = original(page, rows, y_top)
        seen.append((bottom, page.footer_top))
        return bottom

    monkeypatch.setattr(page_module.Page, "grid_rows", grid_rows)
    for style in (STYLE, big):
        if render == "licence":
            render_licence_certificates([licence(office_county="تهران")], style)
        else:
            render_attendance_certificates([attendance()], style)
    assert len(seen) == 2
    for bottom, footer_top in seen:
        assert bottom >= footer_top - 0.01
