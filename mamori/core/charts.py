"""Server-rendered SVG line charts for the dashboard (no script, no inline style: allowed by the
strict Content-Security-Policy). Each chart carries a text alternative (<title>, <desc>) and the
page shows the same figures as text beside it."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 360
HEIGHT = 140
PAD_LEFT = 34
PAD_RIGHT = 10
PAD_TOP = 12
PAD_BOTTOM = 26


def line_chart_svg(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    description: str,
    maximum: float | None = None,
    css_class: str = "",
) -> str:
    """A line chart of (label, value) points, oldest first; labels under the first and last."""
    values = [float(value) for _label, value in points]
    top = maximum if maximum is not None else max([*values, 1.0])
    top = top or 1.0
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(values) - 1, 1)

    def x(index: int) -> float:
        return PAD_LEFT + index * step

    def y(value: float) -> float:
        return PAD_TOP + inner_h - (min(value, top) / top) * inner_h

    parts = [
        f'<svg class="chart {escape(css_class)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(css_class)}-t {escape(css_class)}-d" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(css_class)}-t">{escape(title)}</title>',
        f'<desc id="{escape(css_class)}-d">{escape(description)}</desc>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + inner_h}" x2="{WIDTH - PAD_RIGHT}" '
        f'y2="{PAD_TOP + inner_h}" stroke="#999" stroke-width="1"/>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" text-anchor="end" font-size="10" '
        f'fill="#555">{top:g}</text>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + inner_h}" text-anchor="end" font-size="10" '
        'fill="#555">0</text>',
    ]
    if values:
        coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="#1f5fa8" stroke-width="2"/>')
        for index, value in enumerate(values):
            parts.append(
                f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="2.5" fill="#1f5fa8"/>'
            )
        first, last = points[0][0], points[-1][0]
        parts.append(
            f'<text x="{PAD_LEFT}" y="{HEIGHT - 8}" font-size="10" fill="#555">{escape(first)}</text>'
        )
        if len(points) > 1:
            parts.append(
                f'<text x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 8}" text-anchor="end" font-size="10" '
                f'fill="#555">{escape(last)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
