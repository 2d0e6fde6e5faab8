"""Server-rendered SVG bar chart of a result's section scores (no script, no inline CSS, so it
passes a strict Content-Security-Policy; colours are presentation attributes and classes)."""

from __future__ import annotations

import functools
from html import escape

from mamori.assessments.model import Text
from mamori.assessments.questionnaire import CONTENT_DIR, read_yaml
from mamori.assessments.results import Result

ROW_HEIGHT = 28
LABEL_WIDTH = 190
BAR_WIDTH = 300
VALUE_WIDTH = 60
MAX_LABEL_CHARS = 14
# Colour by how complete a section is: the same three steps the dashboard uses for severity.
_FILLS = ((80.0, "#2e7d32", "good"), (50.0, "#f9a825", "fair"), (0.0, "#c62828", "poor"))


def _fill(percent: float) -> tuple[str, str]:
    for minimum, colour, name in _FILLS:
        if percent >= minimum:
            return colour, name
    return _FILLS[-1][1], _FILLS[-1][2]


@functools.cache
def _chart_title() -> Text:
    data = read_yaml(CONTENT_DIR / "messages.yaml")["chart"]["title"]
    return Text(ja=data["ja"], en=data["en"])


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def section_chart_svg(result: Result, lang: str = "ja", previous: Result | None = None) -> str:
    """One horizontal bar per section (percent of its maximum). With ``previous`` (an earlier
    result of the same questionnaire), a thin marker shows each section's earlier score."""
    before = {s.section_id: s.percent for s in previous.sections} if previous else {}
    title = _chart_title().get(lang)
    height = ROW_HEIGHT * len(result.sections) + 8
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="section-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, section in enumerate(result.sections):
        y = 4 + index * ROW_HEIGHT
        label = section.title.get(lang)
        percent = max(0.0, min(100.0, section.percent))
        bar = round(BAR_WIDTH * percent / 100, 1)
        colour, level = _fill(percent)
        text_y = y + ROW_HEIGHT / 2 + 5
        parts.append(
            f'<g class="section section-{level}" data-section="{escape(section.section_id)}">'
        )
        parts.append(f"<title>{escape(label)}: {percent:g}%</title>")
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end" font-size="13" '
            f'fill="#222">{escape(_short(label))}</text>'
        )
        parts.append(
            f'<rect class="track" x="{LABEL_WIDTH}" y="{y + 4}" width="{BAR_WIDTH}" '
            f'height="{ROW_HEIGHT - 8}" fill="#eeeeee"/>'
        )
        parts.append(
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 4}" width="{bar}" '
            f'height="{ROW_HEIGHT - 8}" fill="{colour}"/>'
        )
        if section.section_id in before:
            earlier = max(0.0, min(100.0, before[section.section_id]))
            x = round(LABEL_WIDTH + BAR_WIDTH * earlier / 100, 1)
            parts.append(
                f'<line class="previous" x1="{x}" x2="{x}" y1="{y + 1}" y2="{y + ROW_HEIGHT - 1}" '
                f'stroke="#222" stroke-width="2" stroke-dasharray="3 2"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{text_y}" font-size="13" '
            f'fill="#222">{percent:g}%</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
