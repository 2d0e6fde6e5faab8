from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.core.dashboard import Tile

from . import queries
from .presentation import countdown


def tiles(org: Any, membership: Any) -> list[Tile]:
    """Open incidents, and the nearest personal-data report deadline not yet met."""
    summary = queries.open_summary(org)
    nearest = summary["nearest"]
    result = [
        Tile(
            label=_("Open incidents"),
            value=summary["open"],
            url=reverse("incidents:list", kwargs={"org_slug": org.slug}),
            note=_("Something happened? Start here.") if not summary["open"] else "",
            level="danger" if summary["open"] else "",
            order=5,
        )
    ]
    if nearest is not None:
        kind = _("Preliminary report") if nearest.kind == "preliminary" else _("Final report")
        result.append(
            Tile(
                label=_("Next breach report deadline"),
                value=timezone.localtime(nearest.due).strftime("%Y-%m-%d %H:%M"),
                url=reverse(
                    "incidents:breach", kwargs={"org_slug": org.slug, "pk": nearest.incident_id}
                ),
                note=f"{kind} · {nearest.title} · {countdown(nearest.due)}",
                level="danger" if nearest.due < timezone.now() else "warn",
                order=6,
            )
        )
    return result
