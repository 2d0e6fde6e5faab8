from __future__ import annotations

from typing import Any

from django.utils import timezone

from mamori.intel.models import Feed, FeedItem, Watch
from mamori.intel.store import import_advisories
from mamori.intel.tests.fixtures import struts_advisories
from mamori.intel.vulnmatch import rematch
from mamori.inventory.models import Software


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    feed = Feed.objects.create(organization=org, name="Role feed", url="https://feed.example/r.rdf")
    item = FeedItem.objects.create(
        organization=org, feed=feed, guid="g1", title="Role item", published=timezone.now()
    )
    watch = Watch.objects.create(organization=org, keyword="role keyword")
    Software.objects.create(organization=org, vendor="Apache", product="Struts", version="2.5.30")
    result = import_advisories(struts_advisories())
    rematch(org)
    from mamori.findings.models import Finding

    finding = Finding.objects.get(organization=org, kind="intel.vulnerable_software")
    return {
        "intel:item_read": {"pk": item.pk},
        "intel:advisory": {"pk": result.touched[0]},
        "intel:decide": {"pk": finding.pk},
        "intel:feed": {"pk": feed.pk},
        "intel:feed_delete": {"pk": feed.pk},
        "intel:feed_fetch": {"pk": feed.pk},
        "intel:watch_delete": {"pk": watch.pk},
    }
