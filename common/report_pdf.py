"""A report as a Persian PDF (reportlab): the office's header and page numbers on every
page, the tables, and bar charts (reportlab.graphics). Shared: an office's report
(app.services.reports) and the server's (server.report) are drawn here.

Every Persian string goes through the certificates' text pipeline
(common.pdf_text: display_text → shape → wrap → visual_line), so
the report reads right to left with Persian digits exactly as a certificate does. Tables
are laid out right to left: the first column is drawn at the right.
"""

from __future__ import annotations

import io
import math
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from common import jalali
from common.pdf_text import (
    FONT_BOLD,
    FONT_MEDIUM,
    FONT_REGULAR,
    draw_paragraph,
    fit_paragraph,
    register_fonts,
)
from common.reports import Report, ReportTable, fa_cell
from common.text import to_persian_digits

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 14 * mm
HEADER_HEIGHT = 26 * mm
FOOTER_HEIGHT = 10 * mm
BODY_SIZE = 8.5
TITLE_SIZE = 11.5
CELL_PAD = 3.5
#: Bar colours that stay apart in grey print (dark, middle, light).
SERIES_COLORS = (colors.HexColor("#1f3b73"), colors.HexColor("#8a94a6"), colors.HexColor("#d3d8de"))
INK = colors.HexColor("#1f2937")
RULE = colors.HexColor("#9aa3ae")
HEAD_FILL = colors.HexColor("#e5e9ef")
TOTAL_FILL = colors.HexColor("#f3f4f6")


def visual(text: str, width: float, font: str = FONT_REGULAR, size: float = BODY_SIZE) -> str:
    """``text`` wrapped to ``width`` and in visual order, lines joined by newlines (what
    a reportlab table cell or chart label draws)."""
    fitted = fit_paragraph(text, width, 10_000, font, size, size)
    return "\n".join(fitted.lines)


class Heading(Flowable):  # type: ignore[misc]
    """A table's title, right-aligned, kept with what follows."""

    def __init__(self, text: str, width: float) -> None:
        super().__init__()
        self.text = text
        self.width = width
        self.height = TITLE_SIZE * 2.0

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setFillColor(INK)
        draw_paragraph(
            self.canv,
            self.text,
            self.width,
            self.height,
            self.width,
            self.height,
            FONT_BOLD,
            TITLE_SIZE,
            TITLE_SIZE - 2,
        )


class Note(Heading):
    """A small note under a table."""

    def __init__(self, text: str, width: float) -> None:
        super().__init__(text, width)
        self.height = fit_paragraph(text, width, 1000, FONT_REGULAR, 7.5, 7.5).height + 2

    def draw(self) -> None:
        self.canv.setFillColor(colors.HexColor("#4b5563"))
        draw_paragraph(
            self.canv, self.text, self.width, self.height, self.width, self.height,
            FONT_REGULAR, 7.5, 7.5,
        )  # fmt: skip


def _column_widths(table: ReportTable, width: float) -> list[float]:
    """The first (label) column takes what the numeric ones leave."""
    count = len(table.columns)
    label_share = 0.34 if count > 4 else 0.46
    if table.key == "top_fields":
        shares = [0.07, 0.1, 0.37, 0.2, 0.13, 0.13]
        return [width * s for s in shares]
    first = width * label_share
    rest = (width - first) / (count - 1)
    return [first, *([rest] * (count - 1))]


def table_flowable(table: ReportTable, width: float) -> Table:
    """A report table drawn right to left (its first column at the right)."""
    widths = _column_widths(table, width)
    header = [
        visual(text, w - 2 * CELL_PAD, FONT_MEDIUM)
        for text, w in zip(table.columns, widths, strict=True)
    ]
    body = []
    for row in table.rows:
        body.append(
            [visual(fa_cell(value), w - 2 * CELL_PAD) for value, w in zip(row, widths, strict=True)]
        )
    # Right to left: reverse every row and the widths.
    data = [list(reversed(line)) for line in [header, *body]]
    last = len(widths) - 1
    style = [
        ("FONT", (0, 0), (-1, -1), FONT_REGULAR, BODY_SIZE),
        ("FONT", (0, 0), (-1, 0), FONT_MEDIUM, BODY_SIZE),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("ALIGN", (last, 0), (last, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ]
    if table.total and body:
        style += [
            ("FONT", (0, -1), (-1, -1), FONT_BOLD, BODY_SIZE),
            ("BACKGROUND", (0, -1), (-1, -1), TOTAL_FILL),
        ]
    flowable = Table(data, colWidths=list(reversed(widths)), repeatRows=1, hAlign="RIGHT")
    flowable.setStyle(TableStyle(style))
    return flowable


def chart_drawing(table: ReportTable, width: float) -> Drawing | None:
    """A bar chart of the table's chart columns, one bar group per row (right to left),
    with a legend; None when the table has no chart or nothing to draw."""
    spec = table.chart
    if spec is None:
        return None
    rows = [row for row in table.rows if not (table.total and row is table.rows[-1])]
    rows = rows[: spec.max_bars]
    # Right to left: the first row's bars at the right, and in each group the first
    # value column (the period itself) at the right.
    columns = list(reversed(spec.value_columns))
    series = [[float(row[col] or 0) for row in reversed(rows)] for col in columns]
    if not rows or not any(any(values) for values in series):
        return None
    height = 200.0
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 62
    chart.width, chart.height = width - 50, height - 92
    chart.data = series
    slot = chart.width / len(rows)
    # Many bars (a province's counties): a smaller label keeps a name on its line.
    label_size = 6.5 if len(rows) <= 10 else 5.5
    chart.categoryAxis.categoryNames = [
        visual(str(row[spec.label_column]), slot - 2, FONT_REGULAR, label_size)
        for row in reversed(rows)
    ]
    chart.categoryAxis.labels.fontName = FONT_REGULAR
    chart.categoryAxis.labels.fontSize = label_size
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -3
    chart.categoryAxis.labels.leading = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueStep = _value_step(max(max(values) for values in series))
    chart.valueAxis.labels.fontName = FONT_REGULAR
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda value: to_persian_digits(f"{int(value):,}").replace(
        ",", "٬"
    )
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e5e7eb")
    chart.valueAxis.visibleGrid = True
    chart.barSpacing = 1
    chart.groupSpacing = 6
    colours = list(reversed(SERIES_COLORS[: len(series)]))
    for index, color in enumerate(colours):
        chart.bars[index].fillColor = color
        chart.bars[index].strokeColor = INK
        chart.bars[index].strokeWidth = 0.3
    drawing.add(chart)
    legend = Legend()
    legend.fontName = FONT_REGULAR
    legend.fontSize = 7.5
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.boxAnchor = "ne"
    legend.x, legend.y = width - 16, height - 4
    legend.dxTextSpace = 4
    legend.deltax = 95
    legend.colorNamePairs = [
        (colour, visual(table.columns[col], 85, FONT_REGULAR, 7.5))
        for colour, col in zip(colours, columns, strict=True)
    ]
    drawing.add(legend)
    return drawing


def _value_step(top: float) -> int:
    """A whole step giving about five grid lines up to ``top`` (counts have no halves)."""
    rough = max(1.0, top / 5)
    magnitude = 10 ** int(math.log10(rough))
    for multiple in (1, 2, 5, 10):
        if rough <= multiple * magnitude:
            return int(multiple * magnitude)
    return int(10 * magnitude)


class _Document(BaseDocTemplate):  # type: ignore[misc]
    """Pages with the office's header and a footer; page numbers «صفحه n از N» are drawn
    once the page count is known (a second pass over the saved page states)."""

    def __init__(self, out: io.BytesIO, report: Report) -> None:
        super().__init__(
            out,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + HEADER_HEIGHT,
            bottomMargin=MARGIN + FOOTER_HEIGHT,
            title=report.title,
            author=report.office,
            subject=report.place,
            creator="Daftar",
        )
        self.report = report
        frame = Frame(
            self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )  # fmt: skip
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._header)])

    def _header(self, canvas: Canvas, _doc: Any) -> None:
        report = self.report
        right, width = PAGE_WIDTH - MARGIN, PAGE_WIDTH - 2 * MARGIN
        top = PAGE_HEIGHT - MARGIN
        canvas.saveState()
        canvas.setFillColor(INK)
        draw_paragraph(canvas, report.office, right, top, width * 0.6, 18, FONT_BOLD, 13, 9)
        draw_paragraph(canvas, report.place, right, top - 18, width * 0.6, 14, FONT_REGULAR, 9.5, 7)
        span = (
            f"از {jalali.format_jalali(report.period.start)} "
            f"تا {jalali.format_jalali(report.period.end)}"
        )
        draw_paragraph(
            canvas, report.title, MARGIN + width * 0.38, top, width * 0.38, 18, FONT_BOLD, 13, 9,
            align="left",
        )  # fmt: skip
        draw_paragraph(
            canvas, span, MARGIN + width * 0.38, top - 18, width * 0.38, 14, FONT_REGULAR, 9.5, 7,
            align="left",
        )  # fmt: skip
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.8)
        line_y = PAGE_HEIGHT - MARGIN - HEADER_HEIGHT + 6 * mm
        canvas.line(MARGIN, line_y, PAGE_WIDTH - MARGIN, line_y)
        foot_y = MARGIN + FOOTER_HEIGHT - 3 * mm
        canvas.line(MARGIN, foot_y, PAGE_WIDTH - MARGIN, foot_y)
        canvas.setFillColor(colors.HexColor("#4b5563"))
        made = f"تهیه‌شده با دفتر در {jalali.format_jalali(report.generated)}"
        draw_paragraph(canvas, made, right, MARGIN + 5 * mm, width / 2, 12, FONT_REGULAR, 8, 6)
        canvas.restoreState()


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Keeps every page's state and draws «صفحه n از N» on each when the document ends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFillColor(colors.HexColor("#4b5563"))
            text = to_persian_digits(f"صفحه {number} از {total}")
            draw_paragraph(
                self, text, MARGIN + 60 * mm, MARGIN + 5 * mm, 60 * mm, 12, FONT_REGULAR, 8, 6,
                align="left",
            )  # fmt: skip
            super().showPage()
        super().save()


def _story(report: Report, width: float) -> list[Flowable]:
    story: list[Flowable] = []
    for table in report.tables:
        parts: list[Flowable] = [Heading(table.title, width), table_flowable(table, width)]
        if table.note:
            parts.append(Note(table.note, width))
        chart = chart_drawing(table, width)
        if len(table.rows) <= 14:
            story.append(KeepTogether(parts))
        else:
            story += parts
        if chart is not None:
            story.append(KeepTogether([Spacer(1, 4), chart]))
        story.append(Spacer(1, 10))
    return story


def render_report_pdf(report: Report) -> bytes:
    """The report as PDF bytes (A4 portrait, Vazirmatn embedded)."""
    register_fonts()
    out = io.BytesIO()
    document = _Document(out, report)
    document.build(_story(report, document.width), canvasmaker=_NumberedCanvas)
    return out.getvalue()
