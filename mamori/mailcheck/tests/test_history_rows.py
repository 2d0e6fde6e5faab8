"""History rows read as values with labels, links and times computed once per page (issue 20,
"Rendering"): what a row shows, in the page's language and the organisation's zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mamori.mailcheck.models import CheckedMail

pytestmark = pytest.mark.django_db


def _row(body: str, marker: str) -> str:
    return body.split(marker)[0].rsplit("<tr>", 1)[1] + body.split(marker)[1].split("</tr>")[0]


def test_history_row_shows_labels_names_and_local_times(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    # 2025-01-31 23:30 UTC is 2025-02-01 08:30 in Tokyo.
    at = dt.datetime(2025, 1, 31, 23, 30, tzinfo=dt.UTC)
    reported = CheckedMail.objects.create(
        organization=org,
        checked_at=at,
        source="smtp",
        reporter=members["viewer"],
        subject="【重要】お支払い",
        from_address="billing@example.com",
        verdict="danger",
        score=91,
        sha256="0" * 64,
        reported_at=at + dt.timedelta(minutes=5),
    )
    bare = CheckedMail.objects.create(
        organization=org, checked_at=at, source="upload", file_name="x.eml", verdict="safe"
    )
    body = client_as(members["owner"]).get(f"/o/{org.slug}/mail/").content.decode()
    row = _row(body, f'href="/o/{org.slug}/mail/{reported.pk}/"')
    assert '<span class="sev sev-high">危険</span> <span class="muted">91</span>' in row
    assert ">【重要】お支払い</a>" in row and "billing@example.com" in row
    assert "2025-02-01 08:30<br>" in row and "2025-02-01 08:35" in row
    assert "検査用アドレス" in row  # the source, in Japanese
    assert "閲覧 次郎" in row  # the reporter's name
    row = _row(body, f'href="/o/{org.slug}/mail/{bare.pk}/"')
    assert '<span class="sev sev-low">' in row and ">x.eml</a>" in row
    assert row.count("<td>—</td>") == 3  # no sender, reporter or report
