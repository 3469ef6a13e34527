"""Persian lines for reportlab: shaping, wrapping in logical order, bidi per line. Shared
by the certificates (app.services.certificates.pdf) and the reports (common.report_pdf,
drawn by the office and by the server).

The recipe measured to work (rendered and checked as PNG, tests/services/certificates):

1. Vazirmatn TTFs registered with reportlab (embedded, subset) — :func:`register_fonts`;
2. the logical text reshaped with ``arabic_reshaper`` — :func:`shape`;
3. wrapped in *logical* order on spaces (ZWNJ is not a break), measuring the shaped
   words with ``pdfmetrics.stringWidth`` — :func:`wrap`;
4. each line reordered on its own with the legacy ``bidi.algorithm.get_display(line,
   base_dir="R")`` (it mirrors brackets) — :func:`visual_line`;
5. drawn right-aligned or centred — :func:`draw_paragraph`, which also shrinks the font
   and finally truncates with «…» so text never leaves its frame.

Text is prepared for display first (:func:`display_text`): bidi controls typed by users
are stripped (an RLO in a name must not reorder a printed certificate), whitespace is
collapsed, and ASCII digits become Persian except inside tokens that carry Latin letters
(a Latin unique ID such as ``7K3M-9XQ2`` stays Latin). Numbers joined by ``-`` ``/`` ``.``
``:`` (IDs, dates, plate numbers) are embedded left-to-right (LRE … PDF) before
reordering: after a Persian word ``۱۴۰۵-۰۰۴۲`` would otherwise read ``۰۰۴۲-۱۴۰۵``.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from arabic_reshaper import ArabicReshaper
from bidi.algorithm import get_display
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from common.errors import DomainError
from common.resources import fonts_dir
from common.text import strip_bidi_controls, to_persian_digits

log = logging.getLogger("daftar.pdf")

FONT_REGULAR = "Vazirmatn"
FONT_MEDIUM = "Vazirmatn-Medium"
FONT_BOLD = "Vazirmatn-Bold"
#: reportlab font name → TTF file name in ``resources/fonts``.
FONT_FILES: dict[str, str] = {
    FONT_REGULAR: "Vazirmatn-Regular.ttf",
    FONT_MEDIUM: "Vazirmatn-Medium.ttf",
    FONT_BOLD: "Vazirmatn-Bold.ttf",
}

ELLIPSIS = "…"
LRE = "\u202a"
PDF = "\u202c"

Align = Literal["right", "center", "left"]

#: Vertical extent of Persian glyphs in em (dots and madda above, ی ن ر below): used to
#: centre a line in its line box. The font's own ascent/descent (1.03/0.54) is looser.
GLYPH_TOP = 0.86
GLYPH_BOTTOM = 0.44
#: Below this size (pt) nothing is drawn: a frame that small is a layout error.
ABSOLUTE_MIN_SIZE = 4.0

# The Allah ligature turns «عبدالله» into one calligraphic glyph: not wanted in names.
_RESHAPER = ArabicReshaper(configuration={"ARABIC LIGATURE ALLAH": False, "delete_tatweel": True})
# Alphanumeric groups joined by separators: kept left-to-right as one unit.
_LTR_UNIT = re.compile(r"[0-9۰-۹A-Za-z]+(?:[-/.:_][0-9۰-۹A-Za-z]+)+")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_SPACES = re.compile(r"[^\S\n]+")

_lock = threading.Lock()
_registered_from: Path | None = None
# Presentation forms arabic_reshaper emits but Vazirmatn lacks (e.g. U+FBA4, isolated ۀ),
# mapped to their base letter (which the font has).
_fallback: dict[int, str] = {}


class FontMissing(DomainError):
    """A bundled Vazirmatn TTF file is missing; ``path`` names it."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"پرونده قلم «{path.name}» پیدا نشد ({path}). بدون آن گواهی چاپ نمی‌شود؛ "
            "برنامه را دوباره نصب کنید."
        )
        self.path = path


def register_fonts(directory: Path | None = None) -> None:
    """Register Vazirmatn (regular, medium, bold) with reportlab; only once per folder.

    Raises :class:`FontMissing` (Persian message naming the file) when a TTF is absent.
    """
    global _registered_from
    folder = directory if directory is not None else fonts_dir()
    with _lock:
        if _registered_from == folder:
            return
        paths = {name: folder / file for name, file in FONT_FILES.items()}
        for path in paths.values():
            if not path.is_file():
                raise FontMissing(path)
        fonts = {name: TTFont(name, str(path)) for name, path in paths.items()}
        for font in fonts.values():
            pdfmetrics.registerFont(font)
        _fallback.clear()
        _fallback.update(_missing_forms(fonts.values()))
        _shape.cache_clear()
        _word_width.cache_clear()
        _registered_from = folder
        log.debug("Vazirmatn registered from %s", folder)


def _missing_forms(fonts: Iterable[Any]) -> dict[int, str]:
    """Presentation forms some font lacks whose NFKC base letter every font has."""
    charmaps = [font.face.charToGlyph for font in fonts]
    result: dict[int, str] = {}
    for code in (*range(0xFB50, 0xFE00), *range(0xFE70, 0xFEFF)):
        if all(code in cmap for cmap in charmaps):
            continue
        base = unicodedata.normalize("NFKC", chr(code))
        if base != chr(code) and all(ord(c) in cmap for cmap in charmaps for c in base):
            result[code] = base
    return result


def _persian_digits_token(token: str) -> str:
    return token if _LATIN_LETTER.search(token) else to_persian_digits(token)


def display_text(text: str | None, persian_digits: bool = True) -> str:
    """Logical text ready to shape: bidi controls stripped, whitespace collapsed.

    ``None`` gives "". Line breaks are kept (they separate paragraphs). With
    ``persian_digits`` ASCII digits become Persian, except in tokens with Latin letters.
    """
    if not text:
        return ""
    text = strip_bidi_controls(str(text)).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = "\n".join(line for line in lines if line)
    if persian_digits and any(c.isascii() and c.isdigit() for c in text):
        text = re.sub(r"\S+", lambda m: _persian_digits_token(m.group()), text)
    return text


def shape(text: str) -> str:
    """Return ``text`` (logical order) with Arabic letters in their joined forms."""
    return _shape(text)


# Caches: labels and header lines repeat on every page; values rarely do, so the caches
# are small (memory must not grow with a batch).
@functools.lru_cache(maxsize=2048)
def _shape(text: str) -> str:
    shaped: str = _RESHAPER.reshape(text)
    return shaped.translate(_fallback) if _fallback else shaped


@functools.lru_cache(maxsize=2048)
def visual_line(shaped_line: str) -> str:
    """One shaped logical line in visual (left-to-right drawing) order, base direction RTL.

    Bidi controls in the input are dropped (the legacy algorithm asserts on isolates);
    number units are then wrapped in LRE … PDF, which it removes from its output.
    """
    clean = strip_bidi_controls(shaped_line)
    protected = _LTR_UNIT.sub(lambda m: f"{LRE}{m.group()}{PDF}", clean)
    result: str = get_display(protected, base_dir="R")
    return result


@functools.lru_cache(maxsize=8192)
def _word_width(word: str, font: str) -> float:
    """Width of ``word`` at 1 pt (reportlab does not kern, so widths add up)."""
    width: float = pdfmetrics.stringWidth(word, font, 1.0)
    return width


def text_width(shaped: str, font: str, size: float) -> float:
    """Width in points of shaped text (any order) in ``font`` at ``size``."""
    width: float = pdfmetrics.stringWidth(shaped, font, size)
    return width


def _break_word(word: str, font: str, size: float, width: float) -> list[str]:
    """Split a word wider than ``width`` into pieces that fit (last resort for long IDs)."""
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and text_width(current + char, font, size) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def wrap(shaped: str, font: str, size: float, width: float) -> list[str]:
    """Wrap shaped logical text into lines no wider than ``width`` (on spaces only).

    ``\\n`` forces a break. A word wider than the line is split between letters.
    """
    lines: list[str] = []
    space = _word_width(" ", font) * size
    for paragraph in shaped.split("\n"):
        current: list[str] = []
        current_width = 0.0
        for word in paragraph.split(" "):
            if not word:
                continue
            w = _word_width(word, font) * size
            pieces = _break_word(word, font, size, width) if w > width else [word]
            for piece in pieces:
                pw = w if len(pieces) == 1 else _word_width(piece, font) * size
                extra = pw + (space if current else 0.0)
                if current and current_width + extra > width:
                    lines.append(" ".join(current))
                    current, current_width = [piece], pw
                else:
                    current.append(piece)
                    current_width += extra
        if current:
            lines.append(" ".join(current))
    return lines


def _truncate(line: str, font: str, size: float, width: float) -> str:
    """``line`` shortened at the end (logical) so that ``line + "…"`` fits in ``width``."""
    ellipsis = _word_width(ELLIPSIS, font) * size
    words = line.split(" ")
    while words:
        candidate = " ".join(words)
        if text_width(candidate, font, size) + ellipsis <= width:
            return candidate + ELLIPSIS
        if len(words) == 1:
            # One long word: cut letters instead.
            word = words[0]
            while word and text_width(word, font, size) + ellipsis > width:
                word = word[:-1]
            return word + ELLIPSIS
        words.pop()
    return ELLIPSIS


@dataclass(frozen=True)
class FittedText:
    """A paragraph fitted into a frame: visual lines, the size and leading used."""

    lines: tuple[str, ...]
    size: float
    leading: float
    truncated: bool

    @property
    def height(self) -> float:
        """Height used: one leading per line."""
        return len(self.lines) * self.leading


def fit_paragraph(
    text: str | None,
    width: float,
    max_height: float,
    font: str,
    size: float,
    min_size: float,
    leading: float | None = None,
    persian_digits: bool = True,
) -> FittedText:
    """Wrap ``text`` into ``width`` × ``max_height``, shrinking down to ``min_size``.

    The size drops by 0.5 pt steps (the leading in proportion, 1.5 × size by default);
    if the text still does not fit at ``min_size``, the lines that fit are kept and the
    last one ends with «…».
    """
    prepared = display_text(text, persian_digits)
    if not prepared or width <= 0:
        return FittedText((), size, leading or size * 1.5, False)
    shaped = shape(prepared)
    # A line box lower than the glyphs' extent would let them out of the frame.
    ratio = max((leading / size) if leading else 1.5, GLYPH_TOP + GLYPH_BOTTOM)
    min_size = min(min_size, size)
    current = size
    while True:
        line_height = current * ratio
        lines = wrap(shaped, font, current, width)
        if len(lines) * line_height <= max_height + 1e-6:
            return FittedText(tuple(visual_line(x) for x in lines), current, line_height, False)
        if current <= min_size:
            break
        current = max(min_size, current - 0.5)
    max_lines = math.floor((max_height + 1e-6) / line_height)
    if max_lines <= 0:
        # Not even one line at min_size: one line as large as the frame allows, rather
        # than nothing, down to a size that is still legible in print.
        current = max_height / (GLYPH_TOP + GLYPH_BOTTOM)
        if current < ABSOLUTE_MIN_SIZE:
            log.warning("frame too small for any line of text (%.1f pt high)", max_height)
            return FittedText((), current, max_height, True)
        line_height = max_height
        lines = wrap(shaped, font, current, width)
        max_lines = 1
    kept = lines[:max_lines]
    truncated = len(lines) > max_lines
    if truncated:
        kept[-1] = _truncate(kept[-1], font, current, width)
    return FittedText(tuple(visual_line(x) for x in kept), current, line_height, truncated)


def draw_fitted(
    canvas: Any,
    fitted: FittedText,
    x_right: float,
    y_top: float,
    width: float,
    font: str,
    align: Align = "right",
) -> float:
    """Draw lines made by :func:`fit_paragraph`; returns the height used."""
    if not fitted.lines:
        return 0.0
    size, leading = fitted.size, fitted.leading
    canvas.setFont(font, size)
    # Centre the glyphs' visual extent in each line box.
    baseline = y_top - (leading - (GLYPH_TOP + GLYPH_BOTTOM) * size) / 2 - GLYPH_TOP * size
    for line in fitted.lines:
        if align == "right":
            canvas.drawRightString(x_right, baseline, line)
        elif align == "center":
            canvas.drawCentredString(x_right - width / 2, baseline, line)
        else:
            canvas.drawString(x_right - width, baseline, line)
        baseline -= leading
    return fitted.height


def draw_paragraph(
    canvas: Any,
    text: str | None,
    x_right: float,
    y_top: float,
    width: float,
    max_height: float,
    font: str,
    size: float,
    min_size: float,
    leading: float | None = None,
    align: Align = "right",
    persian_digits: bool = True,
) -> float:
    """Draw Persian ``text`` in the frame whose top-right corner is (x_right, y_top).

    Wraps to ``width``, shrinks the size (down to ``min_size``) until the lines fit in
    ``max_height``, and truncates with «…» as the last resort: nothing is drawn outside
    the frame. ``leading`` is the line height at ``size`` (default 1.5 × size); ``align``
    is ``"right"``, ``"center"`` or ``"left"``. Returns the height used (≤ max_height).
    The caller sets the fill colour.
    """
    fitted = fit_paragraph(text, width, max_height, font, size, min_size, leading, persian_digits)
    return draw_fitted(canvas, fitted, x_right, y_top, width, font, align)
