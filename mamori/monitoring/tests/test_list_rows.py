"""Watched-page list rows read as values with labels, links and times computed once per page
(issue 20, "Rendering"): what each row shows, in Japanese and the organisation's zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mamori.inventory.models import Website
from mamori.monitoring.models import WatchedPage

pytestmark = pytest.mark.django_db


def _row(body: str, pk: int, org: Any) -> str:
    marker = f'<a href="/o/{org.slug}/monitoring/{pk}/">'
    before, after = body.split(marker)
    return before.rsplit("<tr>", 1)[1] + marker + after.split("</tr>")[0]


def test_rows_show_state_badge_pause_site_last_check_and_certificate(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    site = Website.objects.create(organization=org, url="https://www.example.jp/")
    danger = WatchedPage.objects.create(
        organization=org,
        website=site,
        url="https://www.example.jp/a",
        state="danger",
        enabled=False,
        # 2025-01-31 23:30 UTC is 2025-02-01 08:30 in Tokyo.
        last_checked_at=dt.datetime(2025, 1, 31, 23, 30, tzinfo=dt.UTC),
        certificate={"not_after": "2025-02-20T00:00:00Z", "stage": "soon", "days_left": 19},
    )
    fine = WatchedPage.objects.create(
        organization=org,
        url="https://b.example.jp/",
        state="ok",
        certificate={"not_after": "2026-01-01T00:00:00Z", "stage": "ok", "days_left": 300},
    )
    pending = WatchedPage.objects.create(organization=org, url="https://c.example.jp/")
    body = client_as(members["viewer"]).get(f"/o/{org.slug}/monitoring/").content.decode()
    row = _row(body, danger.pk, org)
    assert '>https://www.example.jp/a</a> <span class="badge">停止中</span>' in row
    assert '<span class="muted">https://www.example.jp/</span>' in row
    assert '<span class="sev sev-critical">' in row
    assert "<td>2025-02-01 08:30</td>" in row
    assert '<td>2025-02-20 <span class="warn">(残り19日)</span></td>' in row
    row = _row(body, fine.pk, org)
    assert "badge" not in row and "sev-" not in row and "<td>2026-01-01</td>" in row
    row = _row(body, pending.pk, org)
    assert "<td>未チェック</td>" in row and row.count("<td>—</td>") == 2
