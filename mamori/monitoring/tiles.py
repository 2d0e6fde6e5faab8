from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.core.dashboard import Tile
from mamori.orgs.access import scoped

from .models import PageState, WatchedPage


def tiles(org: Any, membership: Any) -> list[Tile]:
    counts = scoped(WatchedPage, org).aggregate(
        total=Count("id", filter=Q(enabled=True)),
        danger=Count("id", filter=Q(enabled=True, state=PageState.DANGER)),
        changed=Count("id", filter=Q(enabled=True, state=PageState.CHANGED)),
        down=Count("id", filter=Q(enabled=True, state=PageState.UNREACHABLE)),
    )
    level = (
        "danger" if counts["danger"] else ("warn" if counts["changed"] or counts["down"] else "")
    )
    return [
        Tile(
            label=_("Watched web pages"),
            value=counts["total"],
            url=reverse("monitoring:list", kwargs={"org_slug": org.slug}),
            note=_("%(danger)d suspicious, %(changed)d changed, %(down)d unreachable") % counts,
            level=level,
            order=40,
        )
    ]
