from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.core.dashboard import Tile
from mamori.orgs.access import scoped
from mamori.orgs.models import Role

from .models import Channel


def tiles(org: Any, membership: Any) -> list[Tile]:
    """Owners see whether alerts can reach anyone: no channel, or a failing one, is a warning."""
    if not membership.allows(Role.OWNER):
        return []
    channels = list(
        scoped(Channel, org).filter(enabled=True).only("name", "last_success_at", "last_failure_at")
    )
    broken = [channel for channel in channels if channel.is_broken]
    if broken:
        note = _("Failing: %(names)s") % {"names": ", ".join(c.name for c in broken[:3])}
    elif not channels:
        note = _("No channel: nobody is told when something is found.")
    else:
        note = ""
    return [
        Tile(
            label=_("Notification channels"),
            value=len(channels),
            url=reverse("notify:channels", kwargs={"org_slug": org.slug}),
            note=note,
            level="danger" if broken else ("warn" if not channels else ""),
            order=85,
        )
    ]
