from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.core.dashboard import Tile

from .queries import month_counts


def tiles(org: Any, membership: Any) -> list[Tile]:
    """Mails checked this month and how many were dangerous (one query)."""
    counts = month_counts(org)
    return [
        Tile(
            label=_("Mails checked this month"),
            value=counts["checked"],
            url=reverse("mailcheck:history", kwargs={"org_slug": org.slug}),
            note=_("%(danger)d dangerous, %(reported)d sent to the administrators")
            % {"danger": counts["danger"], "reported": counts["reported"]},
            level="danger" if counts["danger"] else "",
            order=40,
        )
    ]
