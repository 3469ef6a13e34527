"""The certificate's QR code: reportlab's encoder with the mask chosen by the standard's
penalty rules, drawn as one vector path of filled runs (small, sharp at any zoom)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget

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
