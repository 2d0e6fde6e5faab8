"""One problem, one finding: the Struts advisory, a surge of news about it and keyword-watch hits
on the product name give one vulnerability finding that lists its news, not seven findings."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from mamori.findings.models import Finding, Status
from mamori.intel.fetching import store_items
from mamori.intel.model import FeedItem as ParsedItem
from mamori.intel.models import Feed, Watch
from mamori.intel.monitoring import SURGE_KIND, WATCH_KIND, after_new_items
from mamori.intel.store import import_advisories
from mamori.intel.tests.fixtures import struts_advisories
from mamori.intel.vulnmatch import KIND, rematch
from mamori.inventory.models import Software

pytestmark = pytest.mark.django_db

NEWS = [
    ("JPCERT/CC 注意喚起", "Apache Struts 2 の脆弱性 (CVE-2023-50164) に関する注意喚起", 1),
    ("IPA 重要なセキュリティ情報", "Apache Struts 2 の脆弱性対策について(CVE-2023-50164)", 2),
    ("JVN iPedia 新着", "JVNDB-2023-000777 Apache Struts におけるファイルアップロードの脆弱性", 3),
    ("Security NEXT", "「Apache Struts」に深刻な脆弱性 - 早急に更新を", 4),
]


def _news(org: Any) -> list[int]:
    """Four sources in the last hours: ids in three titles, the product name in all four."""
    now = timezone.now()
    stored: list[int] = []
    for n, (source, title, hours_ago) in enumerate(NEWS):
        feed = Feed.objects.create(organization=org, name=source, url=f"https://{n}.example/rss")
        item = ParsedItem(
            guid=f"struts-{n}",
            title=title,
            link=f"https://{n}.example/struts",
            summary="",
            published=now - dt.timedelta(hours=hours_ago),
            ids=re.findall(r"CVE-\d{4}-\d+|JVNDB-\d{4}-\d+", title),
        )
        stored.extend(store_items(feed, [item], now))
    return stored


def _open(org: Any, kind: str) -> int:
    return Finding.objects.filter(organization=org, kind=kind, status=Status.OPEN).count()


@pytest.fixture
def struts(org: Any) -> Software:
    Watch.objects.create(organization=org, keyword="Struts")
    return Software.objects.create(
        organization=org, vendor="Apache", product="Struts", version="2.5.30"
    )


def test_advisory_then_news_is_one_finding_listing_its_news(
    org: Any, members: dict[str, Any], client_as: Any, struts: Software
) -> None:
    import_advisories(struts_advisories())
    rematch(org)
    after_new_items(org, _news(org))
    open_findings = Finding.objects.filter(organization=org, status=Status.OPEN)
    assert [f.kind for f in open_findings] == [KIND]
    assert _open(org, WATCH_KIND) == 0 and _open(org, SURGE_KIND) == 0
    # The dashboard counts problems: one.
    finding = open_findings.get()
    client = client_as(members["viewer"])
    client.post(reverse("set_language"), {"language": "ja"})
    html = client.get(
        reverse("findings:detail", kwargs={"org_slug": org.slug, "pk": finding.pk})
    ).content.decode()
    for source, title, _hours in NEWS:
        assert title.replace("「", "").split()[0] in html
        assert f"{source}: " in html
    assert "関連する報道・情報" in html and "4 件の情報源が報じています" in html
    assert 'href="https://3.example/struts"' in html


def test_news_first_then_the_advisory_folds_the_signals_into_its_finding(
    org: Any, struts: Software
) -> None:
    """Before the advisory is known the news raises its own findings (they are the only sign);
    the vulnerability finding, once matched, takes them over."""
    after_new_items(org, _news(org))
    assert _open(org, WATCH_KIND) == 4  # every title names the watched product
    assert _open(org, SURGE_KIND) >= 1  # and four sources at once is a surge
    import_advisories(struts_advisories())
    rematch(org)
    assert _open(org, WATCH_KIND) == 0 and _open(org, SURGE_KIND) == 0
    assert _open(org, KIND) == 1
    resolved = Finding.objects.filter(organization=org, kind=WATCH_KIND, status=Status.RESOLVED)
    assert resolved.count() == 4


def test_news_about_something_else_still_opens_its_own_finding(org: Any, struts: Software) -> None:
    """Only signals about the known problem are folded: a watched keyword in unrelated news
    still raises a watch hit."""
    import_advisories(struts_advisories())
    rematch(org)
    Watch.objects.create(organization=org, keyword="VPN")
    feed = Feed.objects.create(organization=org, name="JPCERT/CC", url="https://v.example/rss")
    item = ParsedItem(
        guid="vpn",
        title="VPN 機器の脆弱性 (CVE-2099-10002) を悪用する攻撃",
        link="https://v.example/vpn",
        summary="",
        published=timezone.now(),
        ids=["CVE-2099-10002"],
    )
    after_new_items(org, store_items(feed, [item], timezone.now()))
    assert _open(org, WATCH_KIND) == 1 and _open(org, KIND) == 1
