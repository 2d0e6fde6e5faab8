"""Reusable PDF helpers: reportlab with its built-in Japanese CID font (no font file needed).

Usage::

    from mamori.reports.pdf import build_pdf, styles, paragraph
    story = [paragraph("見出し", styles()["title"]), paragraph("本文", styles()["body"])]
    data = build_pdf(story, title="報告書")

Text passed to ``paragraph`` is escaped (reportlab's Paragraph reads a small XML markup), so
user-entered text can never inject markup or break the document.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    Flowable,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT_NAME = "HeiseiKakuGo-W5"
# Latin text set in the Japanese CID font takes full-width advances and reads spaced out
# ("m am ori"); runs of Latin letters, digits and ASCII punctuation use a Latin font instead.
LATIN_FONT_NAME = "Helvetica"
LATIN_RUN = re.compile(r"[\x21-\x7e][\x20-\x7e]*[\x21-\x7e]|[\x21-\x7e]")
# Longest text one paragraph takes; longer input is cut (a PDF of a runaway field stays small).
MAX_PARAGRAPH_CHARS = 20_000


@functools.cache
def register_japanese_font() -> str:
    """Register the built-in Japanese CID font once; returns its name."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT_NAME))
    return FONT_NAME


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in the Japanese font: title, h2, h3, body, small, right, cell."""
    font = register_japanese_font()
    # wordWrap="CJK" breaks lines between Japanese characters (no spaces to break on).
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=23, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=3
        ),
        "h3": ParagraphStyle("h3", parent=base, fontSize=11, leading=16, spaceBefore=4),
        "body": base,
        "small": ParagraphStyle(
            "small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#555555")
        ),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=13),
    }


def paragraph(text: str, style: ParagraphStyle | str = "body") -> Paragraph:
    """A paragraph of plain text (escaped; line breaks kept)."""
    chosen = styles()[style] if isinstance(style, str) else style
    return Paragraph(markup(text), chosen)


def markup(text: str) -> str:
    """Escaped Paragraph markup for plain text: Latin runs in the Latin font, line breaks kept."""
    safe = escape(str(text)[:MAX_PARAGRAPH_CHARS], quote=False)
    latin = LATIN_RUN.sub(lambda m: f'<font face="{LATIN_FONT_NAME}">{m.group(0)}</font>', safe)
    return latin.replace("\n", "<br/>")


def bullets(items: Iterable[str], style: ParagraphStyle | str = "body") -> ListFlowable:
    return ListFlowable(
        [ListItem(paragraph(item, style), leftIndent=12) for item in items],
        bulletType="bullet",
        start="•",
        leftIndent=12,
        bulletFontName=register_japanese_font(),
    )


def table(
    rows: Sequence[Sequence[str]], col_widths: Sequence[float] | None = None, header: bool = True
) -> Table:
    """A simple ruled table of plain-text cells (the first row as header when ``header``)."""
    cell = styles()["cell"]
    data = [[paragraph(value, cell) for value in row] for row in rows]
    result = Table(data, colWidths=list(col_widths) if col_widths else None, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header and rows:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")))
    result.setStyle(TableStyle(commands))
    return result


def spacer(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


def build_pdf(
    story: Sequence[Flowable],
    *,
    title: str = "",
    author: str = "mamori",
    margins_mm: float = 16,
) -> bytes:
    """Lay out ``story`` on A4 pages and return the PDF bytes."""
    register_japanese_font()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margins_mm * mm,
        rightMargin=margins_mm * mm,
        topMargin=margins_mm * mm,
        bottomMargin=margins_mm * mm,
        title=title,
        author=author,
    )
    document.build(list(story))
    return buffer.getvalue()
