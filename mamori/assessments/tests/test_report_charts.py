"""The owner's monthly PDF carries the dashboard's two charts (posture trend, open problems per
week) drawn with reportlab graphics from the same series, a line of figures under each, and
still fits one page."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from mamori.assessments.models import Assessment
from mamori.assessments.report import build_report, render_report_pdf
from mamori.core.overview import _open_per_week
from mamori.findings.models import Finding, Status

from .helpers import answer_all, complete, ipa_answers, start

pytestmark = pytest.mark.django_db


def _history(org: Any, owner: Any) -> None:
    """Two completed checks a month apart (a weaker one first) and problems found over the
    last weeks, two of them since fixed."""
    first = start(owner, org)
    answer_all(owner, org, first, ipa_answers({"s11_backup": "not_done"}))
    complete(owner, org, first)
    Assessment.objects.filter(pk=first.pk).update(
        completed_at=timezone.now() - dt.timedelta(days=35)
    )
    second = start(owner, org)
    answer_all(owner, org, second, ipa_answers())
    complete(owner, org, second)
    now = timezone.now()
    for weeks_ago in (9, 7, 5, 3, 1):
        Finding.objects.create(
            organization=org,
            kind="demo.problem",
            key=f"demo.problem:{weeks_ago}",
            severity="high",
            subject=f"problem {weeks_ago}",
            guidance_key="demo.problem",
            first_seen=now - dt.timedelta(weeks=weeks_ago, days=1),
            status=Status.RESOLVED if weeks_ago in (9, 5) else Status.OPEN,
            resolved_at=now - dt.timedelta(weeks=2) if weeks_ago in (9, 5) else None,
        )


def _page(data: bytes) -> tuple[str, bytes, int]:
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    return page.extract_text(), page.get_contents().get_data(), len(reader.pages)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_monthly_pdf_draws_both_charts_with_a_text_line_under_each(
    org: Any, members: dict[str, Any], client_as: Any, language: str
) -> None:
    _history(org, client_as(members["owner"]))
    report = build_report(org, language)
    # The same weekly series the dashboard's chart draws.
    weekly = _open_per_week(org, timezone.now())
    assert [count for _day, count in report.findings_trend] == [c for _d, c in weekly]
    counts = [count for _day, count in report.findings_trend]
    assert max(counts) == 4 and counts[-1] == 3 and counts[0] == 0
    assert len(report.trend) == 2
    text, content, pages = _page(render_report_pdf(report))
    assert pages == 1
    flat = " ".join(text.split())
    first_day, last_day = report.findings_trend[0][0], report.findings_trend[-1][0]
    if language == "ja":
        assert "点数の推移（100点満点）" in flat
        assert "未解決の問題の数（週ごと、12週）" in flat
        # (a wrapped line may split 「4 件」: compared without spaces)
        line = f"{first_day}に0件→{last_day}に3件（最多4件）"
        assert line in "".join(text.split())
        assert "点検2回" in "".join(text.split())
    else:
        assert "Posture score (out of 100)" in flat
        assert "Open problems per week (12 weeks)" in flat
        assert f"Open problems: 0 on {first_day} → 3 on {last_day} (most: 4)" in flat
        assert "(2 checks)" in flat
        assert "点" not in flat and "問題" not in flat
    # The axis labels of the charts are real text: the first and last week (MM/DD), 100.
    assert first_day[5:].replace("-", "/") in flat and last_day[5:].replace("-", "/") in flat
    assert "100" in flat
    # And the lines are drawn: a polyline of 12 weekly points has 11 line-to operators, the
    # posture line of 2 points one more (beside the axes and the table's own rules).
    line_tos = len(re.findall(rb"[\d.]+ [\d.]+ l\b", content))
    assert line_tos >= 11 + 1


def test_a_new_organisation_gets_flat_charts_and_the_no_trend_line(
    org: Any, members: dict[str, Any]
) -> None:
    report = build_report(org, "ja")
    assert report.trend == [] and all(count == 0 for _d, count in report.findings_trend)
    text, _content, pages = _page(render_report_pdf(report))
    assert pages == 1
    assert "推移を示すには、点検を2回以上行ってください。" in " ".join(text.split())


@pytest.mark.parametrize("language", ["ja", "en"])
def test_html_report_draws_the_trend_as_inline_svg_with_the_table_below(
    org: Any, members: dict[str, Any], client_as: Any, language: str
) -> None:
    from mamori.accounts.services import profile_of

    owner = members["owner"]
    _history(org, client_as(owner))
    profile = profile_of(owner)
    profile.language = language
    profile.save()
    page = client_as(owner).get(f"/o/{org.slug}/report/").content.decode()
    report = build_report(org, language)
    figures = re.findall(r"<figure[^>]*>(.*?)</figure>", page, re.S)
    assert len(figures) == 2
    posture, findings = figures
    for figure in figures:
        # Drawn on the server with presentation attributes: nothing the CSP would block.
        assert "<svg" in figure and "<polyline" in figure and 'role="img"' in figure
        assert "style=" not in figure and "<script" not in figure
    assert posture.count("<circle") == len(report.trend) == 2
    assert findings.count("<circle") == len(report.findings_trend) == 12
    # Titles and the line of figures under each chart in the page's language.
    assert report.charts["posture_title"] in posture
    assert report.charts["posture_line"] in posture and "<figcaption" in posture
    assert report.charts["findings_title"] in findings
    if language == "ja":
        assert "点数の推移" in posture and "Posture score" not in page
    else:
        assert "Posture score (out of 100)" in posture and "点数の推移" not in page
    # The figures stay as a table below the chart, for screen readers and printing.
    after = page.split("</figure>", 1)[1]
    table = re.search(r"<table[^>]*>(.*?)</table>", after, re.S)
    assert table is not None
    for day, score in report.trend:
        assert day in table.group(1) and f"{score:g}" in table.group(1)


def test_html_report_without_a_trend_says_so_and_draws_no_empty_chart(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    page = client_as(members["owner"]).get(f"/o/{org.slug}/report/").content.decode()
    assert "推移を示すには、点検を2回以上行ってください。" in page
    assert page.count("<figure") == 1  # the weekly problems chart only
