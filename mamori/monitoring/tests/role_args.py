from __future__ import annotations

from typing import Any

from mamori.monitoring.fingerprint import fingerprint
from mamori.monitoring.models import PageChange, Snapshot, WatchedPage


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    page = WatchedPage.objects.create(organization=org, url="https://www.example.jp/")
    print_ = fingerprint(b"<html><body><p>a</p></body></html>").to_dict()
    snapshot = Snapshot.objects.create(organization=org, page=page, fingerprint=print_)
    change = PageChange.objects.create(
        organization=org, page=page, snapshot=snapshot, baseline=print_, level="caution"
    )
    page_args = {"pk": page.pk}
    return {
        "monitoring:detail": page_args,
        "monitoring:edit": page_args,
        "monitoring:delete": page_args,
        "monitoring:check": page_args,
        "monitoring:change": {"pk": change.pk},
        "monitoring:approve": {"pk": change.pk},
    }
