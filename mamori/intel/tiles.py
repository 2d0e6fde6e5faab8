"""Dashboard tiles: latest security news and vulnerabilities due soon (fixed query count)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.core.dashboard import Tile
from mamori.findings.models import Action, Status
from mamori.findings.presentation import headline

from .models import FeedItem
from .vulnmatch import KIND

DUE_SOON_DAYS = 14
LISTED = 5


def tiles(org: Any, membership: Any) -> list[Tile]:
    today = timezone.localdate()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    open_vulns = Action.objects.filter(
        organization=org, finding__kind=KIND, finding__status=Status.OPEN
    )
    counts = open_vulns.aggregate(
        total=Count("id"),
        due_soon=Count("id", filter=Q(due_date__lte=soon)),
        overdue=Count("id", filter=Q(due_date__lt=today)),
    )
    upcoming = list(
        open_vulns.filter(due_date__lte=soon)
        .select_related("finding")
        .order_by("due_date", "id")[:LISTED]
    )
    news = list(
        FeedItem.objects.filter(organization=org, primary=True, feed__enabled=True)
        .select_related("feed")
        .order_by("-published", "-id")[:LISTED]
    )
    return [
        Tile(
            label=_("Vulnerabilities due soon"),
            value=counts["due_soon"],
            url=reverse("intel:relevant", kwargs={"org_slug": org.slug}),
            note=_("%(total)d open, %(overdue)d overdue")
            % {"total": counts["total"], "overdue": counts["overdue"]},
            level="danger" if counts["overdue"] else ("warn" if counts["due_soon"] else ""),
            order=15,
            items=[
                {
                    "text": f"{a.due_date:%Y-%m-%d} {headline(a.finding, limit=80)}",
                    "url": reverse(
                        "findings:detail", kwargs={"org_slug": org.slug, "pk": a.finding_id}
                    ),
                }
                for a in upcoming
            ],
        ),
        Tile(
            label=_("Latest security news"),
            value=len(news),
            url=reverse("intel:timeline", kwargs={"org_slug": org.slug}),
            note=news[0].feed.name if news else _("No feed enabled yet"),
            order=60,
            items=[
                {"text": f"{item.published:%m-%d} {item.feed.name}: {item.title}"[:120]}
                for item in news
            ],
        ),
    ]
