"""Line charts for PDFs (reportlab graphics): the same (label, value) series the dashboard's SVG
charts draw (mamori.core.charts), as a flowable with its title, axis figures and first and last
labels as real text, so a reader (or a text extraction) finds them in the page."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from .pdf import LATIN_FONT_NAME, register_japanese_font

LINE = colors.HexColor("#1f5fa8")
AXIS = colors.HexColor("#999999")
INK = colors.HexColor("#555555")
PAD_LEFT = 22.0
PAD_RIGHT = 8.0
PAD_TOP = 16.0
PAD_BOTTOM = 14.0


def _figure(value: float) -> str:
    return f"{value:g}"


def line_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    width_mm: float = 84,
    height_mm: float = 34,
    maximum: float | None = None,
) -> Drawing:
    """A line chart of (label, value) points, oldest first: title on top, 0 and the top value
    on the axis, the first and last labels under it."""
    width, height = width_mm * mm, height_mm * mm
    drawing = Drawing(width, height)
    drawing.add(
        String(
            0, height - 10, title, fontName=register_japanese_font(), fontSize=8.5, fillColor=INK
        )
    )
    values = [float(value) for _label, value in points]
    top = maximum if maximum is not None else max([*values, 1.0])
    top = top or 1.0
    inner_w = width - PAD_LEFT - PAD_RIGHT
    inner_h = height - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(values) - 1, 1)

    def x(index: int) -> float:
        return PAD_LEFT + index * step

    def y(value: float) -> float:
        return PAD_BOTTOM + (min(max(value, 0.0), top) / top) * inner_h

    drawing.add(Line(PAD_LEFT, PAD_BOTTOM, width - PAD_RIGHT, PAD_BOTTOM, strokeColor=AXIS))
    drawing.add(Line(PAD_LEFT, PAD_BOTTOM, PAD_LEFT, PAD_BOTTOM + inner_h, strokeColor=AXIS))
    for value, at in ((top, PAD_BOTTOM + inner_h - 3), (0.0, PAD_BOTTOM - 2)):
        drawing.add(
            String(
                PAD_LEFT - 3,
                at,
                _figure(value),
                fontName=LATIN_FONT_NAME,
                fontSize=7,
                fillColor=INK,
                textAnchor="end",
            )
        )
    if not values:
        return drawing
    coordinates: list[float] = []
    for index, value in enumerate(values):
        coordinates += [x(index), y(value)]
    if len(values) > 1:
        drawing.add(PolyLine(coordinates, strokeColor=LINE, strokeWidth=1.5))
    for index, value in enumerate(values):
        drawing.add(Circle(x(index), y(value), 1.6, fillColor=LINE, strokeColor=LINE))
    drawing.add(
        String(PAD_LEFT, 3, points[0][0], fontName=LATIN_FONT_NAME, fontSize=7, fillColor=INK)
    )
    if len(points) > 1:
        drawing.add(
            String(
                width - PAD_RIGHT,
                3,
                points[-1][0],
                fontName=LATIN_FONT_NAME,
                fontSize=7,
                fillColor=INK,
                textAnchor="end",
            )
        )
    return drawing
