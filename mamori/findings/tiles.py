from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.core.dashboard import Tile

from .queries import open_counts, overdue_count


def tiles(org: Any, membership: Any) -> list[Tile]:
    counts = open_counts(org)
    counts["total"] = sum(counts.values())
    overdue = overdue_count(org)
    findings_url = reverse("findings:list", kwargs={"org_slug": org.slug})
    return [
        Tile(
            label=_("Open findings"),
            value=counts["total"],
            url=findings_url,
            note=_("%(critical)d critical, %(high)d high")
            % {"critical": counts["critical"], "high": counts["high"]},
            level="danger" if counts["critical"] else ("warn" if counts["high"] else ""),
            order=10,
        ),
        Tile(
            label=_("Overdue actions"),
            value=overdue,
            url=reverse("findings:todo", kwargs={"org_slug": org.slug}),
            level="warn" if overdue else "",
            order=20,
        ),
    ]
