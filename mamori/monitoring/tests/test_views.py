"""Monitoring pages: registering (directly or from the Websites register), bad input beside the
field in Japanese, the side-by-side diff, approval, and a constant number of list queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mamori.core.models import Job
from mamori.findings.models import Finding, Status
from mamori.inventory.models import Website
from mamori.monitoring.compare import compare
from mamori.monitoring.fingerprint import fingerprint
from mamori.monitoring.models import ChangeStatus, PageChange, PageState, Snapshot, WatchedPage
from mamori.monitoring.services import sync_findings


def base(org: Any) -> str:
    return f"/o/{org.slug}/monitoring/"


@pytest.mark.django_db
def test_register_from_the_websites_register(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    website = Website.objects.create(organization=org, url="https://www.example.jp/")
    client = client_as(members["editor"])
    response = client.post(
        base(org) + "new/",
        {"website": website.pk, "url": "", "interval_minutes": 15, "enabled": "on"},
    )
    assert response.status_code == 302
    page = WatchedPage.objects.get(organization=org)
    assert page.url == "https://www.example.jp/" and page.website == website
    job = Job.objects.get(unique_key=page.job_key)
    assert job.repeat_seconds == 15 * 60 and job.payload == {"page_id": page.pk}
    listing = client.get(base(org)).content.decode()
    assert "https://www.example.jp/" in listing and "未チェック" in listing

    # Paused: the recurring job is cancelled.
    client.post(
        base(org) + f"{page.pk}/edit/",
        {"website": website.pk, "url": page.url, "interval_minutes": 15},
    )
    assert not Job.objects.filter(unique_key=page.job_key).exists()


@pytest.mark.django_db
def test_bad_input_is_explained_beside_each_field(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    client = client_as(members["owner"])
    response = client.post(
        base(org) + "new/",
        {
            "url": "ftp://www.example.jp/",
            "interval_minutes": 1,
            "ignore_selectors": "div[\n.ok",
            "enabled": "on",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "5〜10080 分の間で指定してください。" in page
    assert "mamori が解釈できない CSS セレクターです：div[" in page
    assert "has-error" in page
    assert not WatchedPage.objects.exists()

    # A website of another organisation is not a valid choice.
    from mamori.orgs.models import Organization

    other = Organization.objects.exclude(pk=org.pk).get()
    foreign = Website.objects.create(organization=other, url="https://y.example/")
    response = client.post(
        base(org) + "new/", {"website": foreign.pk, "interval_minutes": 60, "enabled": "on"}
    )
    assert response.status_code == 200 and not WatchedPage.objects.exists()


def _page_with_change(org: Any, level_html: str) -> tuple[WatchedPage, PageChange]:
    before = fingerprint(
        b"<html><body><p>line one</p><p>line two</p></body></html>",
        page_url="https://a.example.jp/",
    )
    after = fingerprint(level_html.encode(), page_url="https://a.example.jp/")
    change = compare(before, after, site_domain="a.example.jp")
    page = WatchedPage.objects.create(
        organization=org, url="https://a.example.jp/", baseline=before.to_dict()
    )
    snapshot = Snapshot.objects.create(organization=org, page=page, fingerprint=after.to_dict())
    pending = PageChange.objects.create(
        organization=org,
        page=page,
        snapshot=snapshot,
        baseline=before.to_dict(),
        level=change.level,
        reasons=[r.to_dict() for r in change.reasons],
    )
    page.pending_change = pending
    page.state = PageState.DANGER if change.level == "danger" else PageState.CHANGED
    page.save()
    sync_findings(org, ["monitoring.defacement", "monitoring.page_changed"])
    return page, pending


@pytest.mark.django_db
def test_side_by_side_diff_and_approval(org: Any, members: dict[str, Any], client_as: Any) -> None:
    page, change = _page_with_change(
        org,
        "<html><body><p>line one</p><p>line 2 changed</p>"
        '<script src="https://evil.example/x.js"></script></body></html>',
    )
    assert change.level == "danger"
    viewer = client_as(members["viewer"])
    html = viewer.get(base(org) + f"changes/{change.pk}/").content.decode()
    assert "<del>line two</del>" in html and "<ins>line 2 changed</ins>" in html
    assert "https://evil.example/x.js" in html
    assert "新しい基準として承認する" not in html  # a viewer cannot approve

    editor = client_as(members["editor"])
    assert (
        "新しい基準として承認する"
        in editor.get(base(org) + f"changes/{change.pk}/").content.decode()
    )
    assert editor.post(base(org) + f"changes/{change.pk}/approve/").status_code == 302
    change.refresh_from_db()
    page.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED and change.approved_by == members["editor"]
    assert page.state == PageState.OK and "line 2 changed" in page.baseline["text"]
    assert not Finding.objects.filter(
        organization=org, kind="monitoring.defacement", status=Status.OPEN
    ).exists()
    # Approving twice is refused politely.
    response = editor.post(base(org) + f"changes/{change.pk}/approve/", follow=True)
    assert "この変更は対応済みです。" in response.content.decode()


@pytest.mark.django_db
def test_other_organisations_change_is_not_found(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.orgs.models import Organization

    other = Organization.objects.exclude(pk=org.pk).get()
    _, change = _page_with_change(other, "<html><body><p>x</p></body></html>")
    client = client_as(members["owner"])
    assert client.get(base(org) + f"changes/{change.pk}/").status_code == 404
    assert client.post(base(org) + f"changes/{change.pk}/approve/").status_code == 404


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_pages(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    client = client_as(members["viewer"])

    def count_for(total: int) -> int:
        WatchedPage.objects.filter(organization=org).delete()
        website = Website.objects.create(organization=org, url="https://w.example.jp/")
        for index in range(total):
            _page_with_change(org, f"<html><body><p>{index}</p></body></html>")
        WatchedPage.objects.filter(organization=org).update(website=website)
        client.get(base(org))  # the first visit may write the session once: not per page
        with CaptureQueriesContext(connection) as captured:
            assert client.get(base(org)).status_code == 200
        return len(captured)

    assert count_for(2) == count_for(12)


@pytest.mark.django_db
def test_dashboard_tiles(org: Any, members: dict[str, Any], client_as: Any) -> None:
    _page_with_change(
        org, '<html><body><script src="https://evil.example/x.js"></script></body></html>'
    )
    owner = client_as(members["owner"]).get(f"/o/{org.slug}/").content.decode()
    assert "監視中のウェブページ" in owner
    assert "不審な変更 1件" in owner
    assert "通知先がありません" in owner
    viewer = client_as(members["viewer"]).get(f"/o/{org.slug}/").content.decode()
    assert "監視中のウェブページ" in viewer and "通知先がありません" not in viewer


@pytest.mark.django_db
def test_demo_shows_a_watched_page_with_a_change_and_two_channels(client_as: Any) -> None:
    from mamori.core.demo import run
    from mamori.notify.models import Channel

    ctx = run()
    owner = client_as(ctx.users["owner"])
    detail = owner.get(base(ctx.org) + f"{WatchedPage.objects.get(organization=ctx.org).pk}/")
    html = detail.content.decode()
    assert "確認を待っている変更があります" in html and "evil-stats.example" in html
    assert "残り12日" in owner.get(base(ctx.org)).content.decode()
    channels = owner.get(f"/o/{ctx.org.slug}/notifications/").content.decode()
    assert "json://chat.demo.example.jp/…" in channels and "/hooks/mamori" not in channels
    page = WatchedPage.objects.get(organization=ctx.org)
    assert page.state == PageState.DANGER and page.pending_change is not None
    assert Finding.objects.filter(
        organization=ctx.org, kind="monitoring.defacement", status=Status.OPEN
    ).exists()
    assert not Job.objects.filter(unique_key=page.job_key).exists()  # never fetched by the demo
    kinds = {(c.kind, c.enabled) for c in Channel.objects.filter(organization=ctx.org)}
    assert kinds == {("email", True), ("chat", False)}


@pytest.mark.django_db
def test_watch_every_website_of_the_register_once(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    Website.objects.create(organization=org, url="https://www.example.jp/")
    Website.objects.create(organization=org, url="https://shop.example.jp/")
    from django.utils import timezone

    Website.objects.create(
        organization=org, url="https://old.example.jp/", archived_at=timezone.now()
    )
    editor = client_as(members["editor"])
    response = editor.post(base(org) + "from-websites/", follow=True)
    assert "2 件のウェブサイトを監視し始めました。" in response.content.decode()
    assert set(WatchedPage.objects.values_list("url", flat=True)) == {
        "https://www.example.jp/",
        "https://shop.example.jp/",
    }
    editor.post(base(org) + "from-websites/")
    assert WatchedPage.objects.count() == 2
