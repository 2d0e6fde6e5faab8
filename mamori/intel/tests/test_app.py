"""The intel Django app: import, matching into findings, decisions, timeline pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from mamori.findings.models import Finding, Status
from mamori.intel.fetching import store_items
from mamori.intel.model import FeedItem as ParsedItem
from mamori.intel.models import Advisory, Decision, Feed, FeedItem
from mamori.intel.parsers import parse_any
from mamori.intel.store import import_advisories
from mamori.intel.tests.fixtures import struts_files
from mamori.intel.tests.samples import nvd_page, nvd_record
from mamori.intel.vulnmatch import KIND, rematch
from mamori.inventory.models import Software


def _import_files(tmp_path: Any) -> int:
    from mamori.intel.command import main

    paths = []
    for name, data in struts_files():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    return main(["import", *paths])


@pytest.mark.django_db(transaction=True)
def test_done_when_struts_finding_with_due_date_and_references_and_merged_timeline(
    org: Any, members: dict[str, Any], client_as: Any, tmp_path: Any
) -> None:
    Software.objects.create(organization=org, vendor="Apache", product="Struts", version="2.5.30")
    assert _import_files(tmp_path) == 0
    finding = Finding.objects.select_related("action").get(organization=org, kind=KIND)
    assert finding.status == Status.OPEN
    assert finding.action.due_date >= timezone.localdate()
    references = [e["text"] for e in finding.evidence if e["kind"] == "reference"]
    assert any("jvndb.jvn.jp" in url for url in references)
    assert any("nvd.nist.gov" in url for url in references)
    assert finding.severity == "critical"  # CVSS 9.8
    client = client_as(members["viewer"])
    page = client.get(f"/o/{org.slug}/intel/relevant/").content.decode()
    assert "Apache Struts 2.5.30" in page and "JVNDB-2023-000777" in page

    now = timezone.now()
    sources = [("JPCERT/CC 注意喚起", 3), ("IPA 重要なセキュリティ情報", 1), ("JVN iPedia 新着", 2)]
    for name, hours_ago in sources:
        feed = Feed.objects.create(organization=org, name=name, url=f"https://x.example/{name}")
        item = ParsedItem(
            guid=name,
            title=f"{name} の記事",
            link=f"https://x.example/{hours_ago}",
            summary="",
            published=now - dt.timedelta(hours=hours_ago),
        )
        store_items(feed, [item], now)
    body = client.get(f"/o/{org.slug}/intel/").content.decode()
    positions = [body.index(f"{name} の記事") for name, _ in sources]
    # Newest first: IPA (1 h ago), JVN (2 h), JPCERT/CC (3 h).
    assert positions[1] < positions[2] < positions[0]


@pytest.mark.django_db
def test_struts_version_outside_the_range_is_not_matched(org: Any) -> None:
    Software.objects.create(organization=org, vendor="Apache", product="Struts", version="2.5.33")
    import_advisories(parse_any(nvd_page([nvd_record()]), "n.json").advisories)
    rematch(org)
    assert not Finding.objects.filter(organization=org, kind=KIND).exists()


@pytest.mark.django_db
def test_reimport_updates_in_place_and_keeps_decisions_per_version(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    software = Software.objects.create(
        organization=org, vendor="Apache", product="Struts", version="2.5.30"
    )
    for name, data in struts_files():
        import_advisories(parse_any(data, name).advisories)
    assert Advisory.objects.count() == 1  # JVN and NVD about the same CVE: one advisory
    rematch(org)
    finding = Finding.objects.get(organization=org, kind=KIND)
    editor = client_as(members["editor"])
    response = editor.post(
        f"/o/{org.slug}/intel/relevant/{finding.pk}/decide/", {"status": "patched", "note": "x"}
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == Status.RESOLVED
    # A re-import with a changed record updates the row in place; the decision stays.
    changed = nvd_record()
    changed["metrics"]["cvssMetricV31"][0]["cvssData"]["baseScore"] = 8.1
    result = import_advisories(parse_any(nvd_page([changed]), "n.json").advisories)
    assert result.updated == 1 and result.created == 0
    advisory = Advisory.objects.get()
    assert advisory.cvss_score == 8.1 and advisory.jvndb_id == "JVNDB-2023-000777"
    rematch(org)
    finding.refresh_from_db()
    assert finding.status == Status.RESOLVED
    # Another version of the same software is not hidden by the decision about 2.5.30.
    software.version = "2.5.31"
    software.save()
    rematch(org)
    finding.refresh_from_db()
    assert finding.status == Status.OPEN
    assert Decision.objects.filter(version="2.5.30").count() == 1


@pytest.mark.django_db
def test_viewer_cannot_decide(org: Any, members: dict[str, Any], client_as: Any) -> None:
    Software.objects.create(organization=org, vendor="Apache", product="Struts", version="2.5.30")
    for name, data in struts_files():
        import_advisories(parse_any(data, name).advisories)
    rematch(org)
    finding = Finding.objects.get(organization=org, kind=KIND)
    response = client_as(members["viewer"]).post(
        f"/o/{org.slug}/intel/relevant/{finding.pk}/decide/", {"status": "patched"}
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


def _items(org: Any, feed: Feed, count: int, prefix: str) -> None:
    now = timezone.now()
    store_items(
        feed,
        [
            ParsedItem(
                guid=f"{prefix}{n}",
                title=f"{prefix} item number {n}",
                link=f"https://news.example/{prefix}/{n}",
                summary="",
                published=now - dt.timedelta(minutes=n),
            )
            for n in range(count)
        ],
        now,
    )


@pytest.mark.django_db
def test_same_article_from_two_feeds_shown_once_with_both_sources(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    first = Feed.objects.create(organization=org, name="Feed A", url="https://a.example/f")
    second = Feed.objects.create(organization=org, name="Feed B", url="https://b.example/f")
    _items(org, first, 2, "same")
    _items(org, second, 2, "same")  # same links: duplicates of Feed A's items
    assert FeedItem.objects.filter(organization=org, primary=True).count() == 2
    body = client_as(members["viewer"]).get(f"/o/{org.slug}/intel/").content.decode()
    assert body.count("same item number 0") == 1
    assert "Feed B" in body


@pytest.mark.django_db
def test_timeline_filters_keyword_source_and_unread(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    first = Feed.objects.create(organization=org, name="Feed A", url="https://a.example/f")
    second = Feed.objects.create(organization=org, name="Feed B", url="https://b.example/f")
    _items(org, first, 3, "alpha")
    _items(org, second, 3, "beta")
    client = client_as(members["viewer"])
    body = client.get(f"/o/{org.slug}/intel/", {"q": "beta"}).content.decode()
    assert "beta item number 1" in body and "alpha item number 1" not in body
    body = client.get(f"/o/{org.slug}/intel/", {"source": first.pk}).content.decode()
    assert "alpha item number 1" in body and "beta item number 1" not in body
    item = FeedItem.objects.get(title="alpha item number 0")
    assert client.post(f"/o/{org.slug}/intel/items/{item.pk}/read/").status_code == 302
    body = client.get(f"/o/{org.slug}/intel/", {"unread": "on"}).content.decode()
    assert "alpha item number 0" not in body and "alpha item number 1" in body
    client.post(f"/o/{org.slug}/intel/read-all/")
    body = client.get(f"/o/{org.slug}/intel/", {"unread": "on"}).content.decode()
    assert "item number" not in body
    # Reading state is per user: the editor still sees everything unread.
    other = client_as(members["editor"]).get(f"/o/{org.slug}/intel/", {"unread": "on"})
    assert "alpha item number 0" in other.content.decode()


@pytest.mark.django_db
def test_timeline_pages_run_a_constant_number_of_queries(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    feeds = [
        Feed.objects.create(organization=org, name=f"F{n}", url=f"https://{n}.example/f")
        for n in range(3)
    ]
    client = client_as(members["viewer"])
    client.get(f"/o/{org.slug}/")  # the first visit stores the current organisation
    counts = []
    for size in (2, 30):
        for feed in feeds:
            _items(org, feed, size, f"{feed.name}-{size}-")
        with CaptureQueriesContext(connection) as small:
            assert client.get(f"/o/{org.slug}/intel/").status_code == 200
        counts.append(len(small))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_keyset_pagination_reaches_older_items(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    feed = Feed.objects.create(organization=org, name="Feed A", url="https://a.example/f")
    _items(org, feed, 60, "page")
    client = client_as(members["viewer"])
    body = client.get(f"/o/{org.slug}/intel/").content.decode()
    assert "page item number 0<" in body and "page item number 55<" not in body
    import re

    cursor = re.search(r"before=([^\"&]+)", body)
    assert cursor is not None
    from html import unescape

    older = client.get(f"/o/{org.slug}/intel/?before={unescape(cursor.group(1))}")
    assert "page item number 55<" in older.content.decode()


@pytest.mark.django_db
def test_watch_keyword_and_surge_raise_findings(org: Any) -> None:
    from mamori.intel.monitoring import after_new_items

    Software.objects.create(organization=org, vendor="Example", product="Widget Server")
    now = timezone.now()
    ids = []
    for n in range(3):
        feed = Feed.objects.create(organization=org, name=f"Src{n}", url=f"https://{n}.example/f")
        item = ParsedItem(
            guid=f"g{n}",
            title=f"Widget Server flaw report {n} CVE-2099-0001",
            link=f"https://{n}.example/post",
            summary="",
            published=now - dt.timedelta(hours=n),
            ids=["CVE-2099-0001"],
        )
        ids.extend(store_items(feed, [item], now))
    after_new_items(org, ids)
    watch = Finding.objects.filter(organization=org, kind="intel.watch_hit")
    assert watch.count() == 3
    assert "Widget Server" in watch.first().params["keyword"]
    surge = Finding.objects.get(organization=org, kind="intel.surge", subject="CVE-2099-0001")
    assert surge.params["count"] == 3


@pytest.mark.django_db
def test_bad_feed_form_input_says_what_is_wrong(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    client = client_as(members["editor"])
    response = client.post(
        f"/o/{org.slug}/intel/feeds/",
        {"name": "x", "url": "ftp://example.org/feed", "interval_minutes": 1, "enabled": "on"},
    )
    assert response.status_code == 400
    assert not Feed.objects.exists()
    body = response.content.decode()
    assert "between 15 and 10080" in body or "15" in body
    ok = client.post(
        f"/o/{org.slug}/intel/feeds/",
        {
            "name": "Mine",
            "url": "https://example.org/feed",
            "interval_minutes": 30,
            "enabled": "on",
        },
    )
    assert ok.status_code == 302
    assert Feed.objects.get().interval_minutes == 30


@pytest.mark.django_db
def test_presets_switch_on_and_off(
    org: Any, members: dict[str, Any], client_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from mamori.core.models import Job

    client = client_as(members["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/{org.slug}/intel/feeds/presets/", {"preset": "jvn_new", "enable": "1"})
    feed = Feed.objects.get(organization=org, preset="jvn_new")
    assert feed.enabled
    assert Job.objects.filter(unique_key=f"intel.feed:{feed.pk}").exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/{org.slug}/intel/feeds/presets/", {"preset": "jvn_new", "enable": "0"})
    feed.refresh_from_db()
    assert not feed.enabled
    assert not Job.objects.filter(unique_key=f"intel.feed:{feed.pk}", status="queued").exists()


@pytest.mark.django_db
def test_advisory_search_and_detail_in_both_languages(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    for name, data in struts_files():
        import_advisories(parse_any(data, name).advisories)
    advisory = Advisory.objects.get()
    client = client_as(members["viewer"])
    found = client.get(f"/o/{org.slug}/intel/advisories/", {"q": "CVE-2023-50164"})
    assert "JVNDB-2023-000777" in found.content.decode()
    missing = client.get(f"/o/{org.slug}/intel/advisories/", {"q": "CVE-1999-0001"})
    assert "JVNDB-2023-000777" not in missing.content.decode()
    url = f"/o/{org.slug}/intel/advisories/{advisory.pk}/"
    japanese = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "<h1>JVNDB-2023-000777: Apache Struts における脆弱性</h1>" in japanese
    client.cookies["django_language"] = "en"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "nvd.nist.gov/vuln/detail/CVE-2023-50164" in english
    assert "9.8" in english


@pytest.mark.django_db
def test_dashboard_tiles_list_news_and_due_vulnerabilities(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    Software.objects.create(organization=org, vendor="Apache", product="Struts", version="2.5.30")
    for name, data in struts_files():
        import_advisories(parse_any(data, name).advisories)
    rematch(org)
    feed = Feed.objects.create(organization=org, name="Feed A", url="https://a.example/f")
    _items(org, feed, 2, "tile")
    body = client_as(members["viewer"]).get(f"/o/{org.slug}/").content.decode()
    assert "tile item number 0" in body
    assert "Apache Struts 2.5.30" in body


@pytest.mark.django_db
def test_timeline_shows_a_surge_in_japanese(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    now = timezone.now()
    for n in range(3):
        feed = Feed.objects.create(organization=org, name=f"Src{n}", url=f"https://{n}.example/f")
        item = ParsedItem(
            guid=f"s{n}",
            title=f"Report {n} on CVE-2099-4242",
            link=f"https://{n}.example/s",
            summary="",
            published=now - dt.timedelta(hours=n),
            ids=["CVE-2099-4242"],
        )
        store_items(feed, [item], now)
    body = client_as(members["viewer"]).get(f"/o/{org.slug}/intel/").content.decode()
    assert "複数の情報源が同時に報じています" in body and "CVE-2099-4242" in body
    # Two sources only: below the threshold (3 by default), no alert.
    Feed.objects.filter(name="Src2").update(enabled=False)
    body = client_as(members["viewer"]).get(f"/o/{org.slug}/intel/").content.decode()
    assert "複数の情報源が同時に報じています" not in body


@pytest.mark.django_db
def test_relevant_and_advisory_pages_run_a_constant_number_of_queries(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(members["editor"])
    client.get(f"/o/{org.slug}/")  # the first visit stores the current organisation
    counts: dict[str, list[int]] = {"relevant": [], "advisories": []}
    for size in (1, 12):
        for n in range(size):
            Software.objects.create(
                organization=org, vendor="Apache", product="Struts", version=f"2.5.{n + 1}"
            )
        records = [nvd_record(f"CVE-2024-{size:02d}{n:03d}") for n in range(size)]
        import_advisories(parse_any(nvd_page(records), "n.json").advisories)
        rematch(org)
        for name, url in (
            ("relevant", f"/o/{org.slug}/intel/relevant/"),
            ("advisories", f"/o/{org.slug}/intel/advisories/"),
        ):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[name].append(len(queries))
    assert Finding.objects.filter(organization=org, kind=KIND).count() > 12
    assert counts["relevant"][0] == counts["relevant"][1]
    assert counts["advisories"][0] == counts["advisories"][1]


@pytest.mark.django_db
def test_advisory_detail_links_only_web_addresses(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    from mamori.intel.model import Advisory as AdvisoryData
    from mamori.intel.model import Reference

    hostile = AdvisoryData(
        source="nvd",
        cve_ids=["CVE-2099-0666"],
        title_en="Hostile references",
        link="javascript:alert(1)",
        references=[
            Reference(url="javascript:alert(2)", name="click"),
            Reference(url="https://example.org/advisory", name="ok"),
        ],
    )
    result = import_advisories([hostile])
    body = (
        client_as(members["viewer"])
        .get(f"/o/{org.slug}/intel/advisories/{result.touched[0]}/")
        .content.decode()
    )
    assert "javascript:" not in body
    assert 'href="https://example.org/advisory"' in body


@pytest.mark.django_db
def test_incremental_matching_agrees_with_the_full_rematch(org: Any) -> None:
    from mamori.intel.vulnmatch import findings_for, match_new, new_advisory_findings

    for version in ("2.5.30", "2.5.33", "6.1.0", ""):
        Software.objects.create(
            organization=org, vendor="Apache", product="Struts", version=version
        )
    Software.objects.create(organization=org, vendor="Other", product="Thing", version="1.0")
    records = [nvd_record("CVE-2024-0001"), nvd_record("CVE-2024-0002", matches=[])]
    result = import_advisories(parse_any(nvd_page(records), "n.json").advisories)
    incremental = {s.key for s in new_advisory_findings(org, result.touched)}
    full = {s.key for s in findings_for(org)}
    assert incremental == full and len(full) == 3  # 2.5.30, 6.1.0 and the unknown version
    match_new(org, result.touched)
    assert Finding.objects.filter(organization=org, kind=KIND, status=Status.OPEN).count() == 3
