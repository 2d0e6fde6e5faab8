"""The owner's dashboard: the three things to do first (named by problem, then object), what
changed in the last seven days, and trend charts as SVG with a text alternative."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from mamori.core.charts import line_chart_svg
from mamori.findings.models import Finding
from mamori.findings.services import FindingSpec, sync


def test_chart_is_plain_svg_with_a_text_alternative() -> None:
    svg = line_chart_svg(
        [("11/01", 3), ("11/08", 5), ("11/15", 2)],
        title="未対応の問題",
        description="11/01 3, 11/08 5, 11/15 2",
        css_class="c",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert '<title id="c-t">未対応の問題</title>' in svg and "11/08 5" in svg
    assert "<script" not in svg and "style=" not in svg and svg.count("<circle") == 3


@pytest.mark.django_db
def test_dashboard_says_what_to_do_first_and_what_changed(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    sync(
        org,
        "inventory.leaver_access",
        [
            FindingSpec(key=f"leaver:{n}", subject=f"退職者{n}", severity="critical")
            for n in range(2)
        ]
        + [FindingSpec(key="leaver:low", subject="低い問題", severity="low")],
        default_severity="high",
    )
    # One old finding resolved this week.
    old = Finding.objects.get(key="leaver:low")
    Finding.objects.filter(pk=old.pk).update(
        first_seen=timezone.now() - dt.timedelta(days=40),
        status="resolved",
        resolved_at=timezone.now() - dt.timedelta(days=1),
    )
    html = (
        client_as(members["owner"]).get(reverse("core:dashboard", args=[org.slug])).content.decode()
    )
    first = html.split('data-testid="first-things"')[1].split("</section>")[0]
    assert first.count("<li>") == 2
    assert "退職者のアカウントが残っています — 退職者0" in first
    changes = html.split('data-testid="changes"')[1].split("</section>")[0]
    assert "新しく見つかった問題: 2 件" in changes and "解決した問題: 1 件" in changes
    trends = html.split('data-testid="trends"')[1].split("</section>")[0]
    assert "<svg" in trends and "未対応の問題の数（週ごと）" in trends
