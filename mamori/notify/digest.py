"""The digest: new findings, actions due soon or overdue, and security news of one period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from mamori.findings.models import Action, ActionStatus, Finding, Status
from mamori.findings.presentation import headline

from .compose import BOTH, Message, absolute, severity_name, text

MAX_ITEMS = 30
DUE_WITHIN_DAYS = 7


def _news(org: Any, since: datetime) -> list[str]:
    try:
        item_model = apps.get_model("intel", "FeedItem")
    except LookupError:
        return []
    try:
        rows = list(
            item_model.objects.filter(organization=org, primary=True, published__gte=since)
            .order_by("-published")
            .values_list("title", "link")[:MAX_ITEMS]
        )
    except Exception:  # noqa: BLE001 - the intel app is optional here; its schema may differ
        return []
    return [f"- {title[:200]}" + (f"\n  {link}" if link else "") for title, link in rows]


def digest_message(
    channel: Any, since: datetime, until: datetime, languages: Sequence[str] = BOTH
) -> Message:
    org = channel.organization
    new = list(
        Finding.objects.filter(organization=org, first_seen__gte=since, first_seen__lt=until)
        .exclude(status=Status.RESOLVED)
        .order_by("-severity_rank", "-first_seen")[:MAX_ITEMS]
    )
    horizon = timezone.localdate() + timedelta(days=DUE_WITHIN_DAYS)
    due = list(
        Action.objects.filter(organization=org, due_date__lte=horizon, finding__status=Status.OPEN)
        .exclude(status=ActionStatus.DONE)
        .select_related("finding")
        .order_by("due_date")[:MAX_ITEMS]
    )
    news = _news(org, since)
    period = f"{timezone.localtime(since):%Y-%m-%d} – {timezone.localtime(until):%Y-%m-%d}"
    blocks = []
    for language in languages:
        lines = [text("digest_subject", language, org=org.name, period=period), ""]
        if not (new or due or news):
            lines.append(text("digest_nothing", language))
        if new:
            lines.append(text("digest_new", language, count=len(new)))
            for finding in new:
                link = absolute(
                    reverse("findings:detail", kwargs={"org_slug": org.slug, "pk": finding.pk})
                )
                lines.append(
                    f"- [{severity_name(finding.severity, language)}] "
                    f"{headline(finding, language, limit=160)}\n  {link}"
                )
            lines.append("")
        if due:
            lines.append(text("digest_due", language, count=len(due)))
            for action in due:
                lines.append(
                    f"- {action.due_date:%Y-%m-%d} {headline(action.finding, language, limit=160)}"
                )
            lines.append("")
        if news:
            lines.append(text("digest_news", language, count=len(news)))
            lines.extend(news)
        blocks.append("\n".join(lines))
    blocks.append("\n".join(text("footer", language) for language in languages))
    subject = " / ".join(
        text("digest_subject", language, org=org.name, period=period) for language in languages
    )
    return Message(subject=subject[:300], body="\n\n----\n\n".join(blocks)[:20_000])
