"""Documents for people to print, file and forward: one model, written as PDF (ReportLab) or Word (python-docx).

The scrutiny pack and the self-evaluation are built once as a ``Document`` (headings, paragraphs, bullet lists,
tables and small trend charts) and written as either format, so a committee clerk gets the same content whichever
they ask for::

    doc = Document("Scrutiny pack", subtitle="As at 30 November 2026", blocks=[Heading("Children in care"), ...])
    write(doc, Path("pack.pdf"))          # or .docx; the suffix chooses
    pdf_bytes(doc), docx_bytes(doc)       # for a web download

Files are created for the hub's own account only (``exports.private_file``), as everything childhub writes.
Text is plain (no markup reaches ReportLab's paragraph parser unescaped). The PDF's standard fonts cover Windows
Latin-1; the few typographic symbols outside it are spelt out (≥ becomes ">="), anything else becomes "?", so a
name in another script cannot stop the file being written. Trend charts are drawn with Pillow into a PNG that both
formats embed.

This module sits below every package (it imports only ``exports`` and ``calendar``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from childhub.exports import private_file

Style = Literal["body", "lead", "note", "small"]
Rag = Literal["green", "amber", "red"]
RAG_COLOURS = {"green": "#00703c", "amber": "#b45f06", "red": "#d4351c"}
_SYMBOLS = str.maketrans({"≥": ">=", "≤": "<=", "−": "-", "→": "->", "←": "<-", "✓": "yes", "✗": "no", "…": "..."})


class DocumentError(ValueError):
    """A document could not be written (an unknown suffix, or a place that cannot be written)."""


@dataclass(frozen=True)
class Heading:
    """A heading: level 1 for a part, 2 for a section, 3 for an item."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text (``lead`` a little larger, ``note`` set apart, ``small`` for sources)."""

    text: str
    style: Style = "body"


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table with a header row; ``numeric`` names the columns (by index) to align right; ``rag`` colours a
    column's cells that read green, amber or red."""

    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None
    numeric: tuple[int, ...] = ()
    rag_column: int | None = None


@dataclass(frozen=True)
class Trend:
    """A small line chart of a figure over time, with its target (dashed) and control limits (dotted), if any."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    target: float | None = None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


Block = Heading | Paragraph | Bullets | Table | Trend | PageBreak


@dataclass
class Document:
    """What is written: a title page header, then the blocks in order; ``footer`` on every page with its number."""

    title: str
    subtitle: str = ""
    blocks: list[Block] = field(default_factory=list)
    footer: str = ""
    author: str = "childhub"

    def add(self, *blocks: Block) -> Document:
        self.blocks.extend(blocks)
        return self


def write(doc: Document, path: Path) -> Path:
    """Write ``doc`` to ``path`` as PDF or Word by its suffix (``.pdf``, ``.docx``), readable by the owner only."""
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".docx"):
        raise DocumentError(f"{path}: the file must end .pdf or .docx, not {path.suffix or 'nothing'!r}")
    content = pdf_bytes(doc) if suffix == ".pdf" else docx_bytes(doc)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
    except OSError as error:
        raise DocumentError(f"{path}: could not be written ({error.strerror or error})") from error
    return private_file(path)


# --- charts ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Marks:
    """A trend chart as marks in a box ``width`` x ``height`` with y growing downwards: what both the PNG (Word) and
    the vector drawing (PDF) draw, so the two formats show the same chart."""

    axes: tuple[tuple[float, float], ...]
    levels: tuple[tuple[float, str, float], ...]  # (y, colour, dash length) for the target and the limits
    line: tuple[tuple[float, float], ...]
    texts: tuple[tuple[float, float, str, str], ...]  # (x, y of the text's top, text, anchor: start or end)


def _marks(trend: Trend, width: float, height: float, font: float) -> _Marks:
    left, right, top, bottom = font * 5, width - font * 1.4, font, height - font * 2.3
    known = [v for v in trend.values if v is not None]
    if not known:
        return _Marks((), (), (), ((left, height / 2, "No figures to draw", "start"),))
    extra = [v for v in (trend.target, trend.lower, trend.upper) if v is not None]
    low, high = min(known + extra), max(known + extra)
    if high == low:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - span * 0.08, high + span * 0.08
    count = max(len(trend.values) - 1, 1)

    def y(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / (high - low)

    texts = [
        (font * 0.4, y(high) - font / 2, _short(high), "start"),
        (font * 0.4, y(low) - font / 2, _short(low), "start"),
    ]
    if trend.labels:
        texts += [
            (left, bottom + font * 0.5, trend.labels[0], "start"),
            (right, bottom + font * 0.5, trend.labels[-1], "end"),
        ]
    levels = [
        (y(level), colour, dash)
        for level, colour, dash in (
            (trend.target, "#1d70b8", font * 0.8),
            (trend.lower, "#505a5f", font * 0.27),
            (trend.upper, "#505a5f", font * 0.27),
        )
        if level is not None
    ]
    line = tuple((left + (right - left) * i / count, y(v)) for i, v in enumerate(trend.values) if v is not None)
    return _Marks(((left, top), (left, bottom), (right, bottom)), tuple(levels), line, tuple(texts))


def trend_png(trend: Trend, width: int = 1200, height: int = 360) -> bytes:
    """The trend drawn as a PNG (twice the size it is shown at, for print): line and points, target, limits, and
    the first and last labels and values. Word embeds it; the PDF draws the same marks as vectors."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=22)
    marks = _marks(trend, width, height, 22)
    if marks.axes:
        draw.line(list(marks.axes), fill="#b1b4b6", width=2)
    left, right = marks.axes[0][0] if marks.axes else 0, marks.axes[-1][0] if marks.axes else width
    for level, colour, dash in marks.levels:
        start = left
        while start < right:
            draw.line([(start, level), (min(start + dash, right), level)], fill=colour, width=3)
            start += dash * 2
    if len(marks.line) > 1:
        draw.line(list(marks.line), fill="#0b0c0c", width=4, joint="curve")
    for px, py in marks.line:
        draw.ellipse([px - 6, py - 6, px + 6, py + 6], fill="#0b0c0c")
    for tx, ty, text, anchor in marks.texts:
        shift = draw.textlength(text, font=font) if anchor == "end" else 0
        draw.text((tx - shift, ty), text, fill="#505a5f", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


def _trend_drawing(trend: Trend, width: float, height: float):
    """The trend as a ReportLab vector drawing (points), from the same marks as ``trend_png``: no image to encode."""
    from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
    from reportlab.lib import colors

    size = 8.0
    marks = _marks(trend, width, height, size)
    drawing = Drawing(width, height)

    def flip(y: float) -> float:  # the marks' y grows downwards; a drawing's upwards
        return height - y

    grey = colors.HexColor("#505a5f")
    if marks.axes:
        drawing.add(PolyLine([c for x, y in marks.axes for c in (x, flip(y))], strokeColor=colors.HexColor("#b1b4b6")))
        left, right = marks.axes[0][0], marks.axes[-1][0]
        for level, colour, dash in marks.levels:
            drawing.add(
                Line(
                    left,
                    flip(level),
                    right,
                    flip(level),
                    strokeColor=colors.HexColor(colour),
                    strokeDashArray=[dash, dash],
                )
            )
    if len(marks.line) > 1:
        drawing.add(
            PolyLine([c for x, y in marks.line for c in (x, flip(y))], strokeColor=colors.black, strokeWidth=1.5)
        )
    for x, y in marks.line:
        drawing.add(Circle(x, flip(y), 2, fillColor=colors.black, strokeColor=None))
    for x, y, text, anchor in marks.texts:
        drawing.add(
            String(
                x,
                flip(y) - size * 0.8,
                _latin(text),
                fontName="Helvetica",
                fontSize=size,
                fillColor=grey,
                textAnchor=anchor,
            )
        )
    return drawing


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.1f}"


def _trend_note(trend: Trend) -> str:
    parts = [trend.title]
    if trend.target is not None:
        parts.append("dashed blue line: target")
    if trend.lower is not None or trend.upper is not None:
        parts.append("dotted lines: control limits")
    return "; ".join(parts)


# --- PDF ---------------------------------------------------------------------------------------------------------


def _latin(text: str) -> str:
    """Text the PDF's standard fonts can draw: symbols spelt out, anything else outside Windows Latin-1 as "?"."""
    return text.translate(_SYMBOLS).encode("cp1252", "replace").decode("cp1252")


def _pdf_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_latin(text))


def pdf_bytes(doc: Document) -> bytes:
    """``doc`` as an A4 PDF: a heading on the first page, the footer and page number on every page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, ListFlowable, ListItem, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import PageBreak as PdfPageBreak
    from reportlab.platypus import Paragraph as PdfParagraph
    from reportlab.platypus import Table as PdfTable

    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontName="Helvetica", fontSize=10, leading=13.5)
    styles = {
        "body": body,
        "lead": ParagraphStyle("lead", parent=body, fontSize=12, leading=16),
        "note": ParagraphStyle(
            "note", parent=body, backColor=colors.HexColor("#f3f2f1"), borderPadding=5, spaceBefore=6, spaceAfter=8
        ),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#505a5f")),
    }
    headings = {
        1: ParagraphStyle("h1", parent=sheet["Heading1"], fontName="Helvetica-Bold", fontSize=18, spaceBefore=6),
        2: ParagraphStyle("h2", parent=sheet["Heading2"], fontName="Helvetica-Bold", fontSize=14, spaceBefore=10),
        3: ParagraphStyle("h3", parent=sheet["Heading3"], fontName="Helvetica-Bold", fontSize=11.5, spaceBefore=8),
    }
    cell = ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceBefore=0, spaceAfter=0)
    cell_right = ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT)
    head = ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold")
    width = A4[0] - 36 * mm

    story: list = [
        PdfParagraph(_pdf_text(doc.title), ParagraphStyle("title", parent=headings[1], fontSize=24, leading=28))
    ]
    if doc.subtitle:
        story.append(PdfParagraph(_pdf_text(doc.subtitle), styles["lead"]))
    story.append(Spacer(1, 4 * mm))
    for block in doc.blocks:
        if isinstance(block, Heading):
            story.append(PdfParagraph(_pdf_text(block.text), headings[min(max(block.level, 1), 3)]))
        elif isinstance(block, Paragraph):
            story.append(PdfParagraph(_pdf_text(block.text), styles[block.style]))
        elif isinstance(block, Bullets):
            story.append(
                ListFlowable(
                    [ListItem(PdfParagraph(_pdf_text(item), body), leftIndent=12) for item in block.items],
                    bulletType="bullet",
                    start="•",
                    leftIndent=12,
                )
            )
        elif isinstance(block, Table):
            data = [[PdfParagraph(_pdf_text(h), head) for h in block.headings]]
            for row in block.rows:
                data.append(
                    [
                        PdfParagraph(_pdf_text(str(value)), cell_right if i in block.numeric else cell)
                        for i, value in enumerate(row)
                    ]
                )
            table = PdfTable(data, repeatRows=1, colWidths=[width / max(len(block.headings), 1)] * len(block.headings))
            commands = [
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.HexColor("#0b0c0c")),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, colors.HexColor("#b1b4b6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
            if block.rag_column is not None:
                for r, row in enumerate(block.rows, start=1):
                    colour = RAG_COLOURS.get(str(row[block.rag_column]).lower())
                    if colour:
                        commands.append(("BACKGROUND", (block.rag_column, r), (block.rag_column, r), colour))
                        commands.append(("TEXTCOLOR", (block.rag_column, r), (block.rag_column, r), colors.white))
            table.setStyle(TableStyle(commands))
            parts = [table]
            if block.caption:
                parts.insert(0, PdfParagraph(_pdf_text(block.caption), styles["small"]))
            story.append(KeepTogether(parts) if len(block.rows) < 15 else parts[-1])
            story.append(Spacer(1, 3 * mm))
        elif isinstance(block, Trend):
            chart = _trend_drawing(block, width * 0.8, width * 0.8 * 0.3)
            story.append(KeepTogether([chart, PdfParagraph(_pdf_text(_trend_note(block)), styles["small"])]))
        elif isinstance(block, PageBreak):
            story.append(PdfPageBreak())

    footer = _latin(doc.footer)

    def decorate(canvas, template) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#505a5f"))
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=doc.title,
        author=doc.author,
        subject=doc.subtitle,
        creator="childhub",
    )
    pdf.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()


# --- Word --------------------------------------------------------------------------------------------------------


def docx_bytes(doc: Document) -> bytes:
    """``doc`` as a Word file in Word's own styles (Title, Heading 1-3, List Bullet, a table grid), so a clerk can
    restyle it; the footer and page number on every page."""
    from docx import Document as WordDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt, RGBColor

    word = WordDocument()
    word.core_properties.title = doc.title
    word.core_properties.subject = doc.subtitle
    word.core_properties.author = doc.author
    word.core_properties.created = datetime.now()
    word.add_paragraph(_word_text(doc.title), style="Title")
    if doc.subtitle:
        word.add_paragraph(_word_text(doc.subtitle), style="Subtitle")
    for block in doc.blocks:
        if isinstance(block, Heading):
            word.add_heading(_word_text(block.text), level=min(max(block.level, 1), 3))
        elif isinstance(block, Paragraph):
            style = "Intense Quote" if block.style == "note" else None
            paragraph = word.add_paragraph(_word_text(block.text), style=style)
            if block.style in ("lead", "small"):
                for run in paragraph.runs:
                    run.font.size = Pt(13 if block.style == "lead" else 8)
                    if block.style == "small":
                        run.font.color.rgb = RGBColor(0x50, 0x5A, 0x5F)
        elif isinstance(block, Bullets):
            for item in block.items:
                word.add_paragraph(_word_text(item), style="List Bullet")
        elif isinstance(block, Table):
            if block.caption:
                word.add_paragraph(_word_text(block.caption), style="Caption")
            table = word.add_table(rows=1, cols=len(block.headings))
            table.style = "Table Grid"
            for i, heading in enumerate(block.headings):
                table.rows[0].cells[i].text = _word_text(heading)
                for run in table.rows[0].cells[i].paragraphs[0].runs:
                    run.font.bold = True
            _repeat_header(table.rows[0], OxmlElement, qn)
            for row in block.rows:
                cells = table.add_row().cells
                for i, value in enumerate(row):
                    cells[i].text = _word_text(str(value))
                    if i in block.numeric:
                        cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
                    colour = RAG_COLOURS.get(str(value).lower()) if i == block.rag_column else None
                    if colour:
                        shade = OxmlElement("w:shd")
                        shade.set(qn("w:val"), "clear")
                        shade.set(qn("w:fill"), colour.lstrip("#"))
                        cells[i]._tc.get_or_add_tcPr().append(shade)
                        for run in cells[i].paragraphs[0].runs:
                            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            word.add_paragraph()
        elif isinstance(block, Trend):
            word.add_picture(io.BytesIO(trend_png(block)), width=Inches(5.5))
            note = word.add_paragraph(_word_text(_trend_note(block)))
            for run in note.runs:
                run.font.size = Pt(8)
        elif isinstance(block, PageBreak):
            word.add_page_break()
    footer = word.sections[0].footer.paragraphs[0]
    footer.text = _word_text(doc.footer + ("  ·  Page " if doc.footer else "Page "))
    _page_number(footer, OxmlElement, qn)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _word_text(text: str) -> str:
    """Text Word's XML can hold: control characters (other than tab and line ends) removed."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)


def _repeat_header(row, element, qn) -> None:
    properties = row._tr.get_or_add_trPr()
    header = element("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _page_number(paragraph, element, qn) -> None:
    run = paragraph.add_run()
    field = element("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run._r.append(field)


def rows_as_text(rows: Sequence[Sequence[object]]) -> tuple[tuple[str, ...], ...]:
    """Rows of any values as the text a table shows (None as an empty cell)."""
    return tuple(tuple("" if value is None else str(value) for value in row) for row in rows)
