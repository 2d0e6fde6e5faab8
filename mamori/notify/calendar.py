"""The deadlines calendar as iCalendar (RFC 5545): all-day events, escaped and folded by hand."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from mamori.findings.models import Action, ActionStatus, Status
from mamori.findings.presentation import headline, present

MAX_EVENTS = 2000


@dataclass(frozen=True)
class Deadline:
    uid: str
    day: date
    summary: str
    description: str = ""
    url: str = ""


def escape(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Lines of at most 75 octets, continuation lines starting with a space (never splitting
    a UTF-8 character)."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def render(name: str, deadlines: Iterable[Deadline], stamp: datetime | None = None) -> str:
    moment = (stamp or timezone.now()).astimezone(UTC)
    stamp_text = moment.strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//mamori//deadlines//JA",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for item in list(deadlines)[:MAX_EVENTS]:
        lines.extend(
            [
                "BEGIN:VEVENT",
                f"UID:{escape(item.uid)}",
                f"DTSTAMP:{stamp_text}",
                f"DTSTART;VALUE=DATE:{item.day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{item.day + timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{escape(item.summary)}",
            ]
        )
        if item.description:
            lines.append(f"DESCRIPTION:{escape(item.description)}")
        if item.url:
            lines.append(f"URL:{item.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def deadlines(org: Any, base_url: str, language: str = "ja") -> list[Deadline]:
    """Action due dates, supplier audits and incident task deadlines (breach clocks), in the
    calendar owner's language."""
    with override(language):
        return _deadlines(org, base_url, language)


def _deadlines(org: Any, base_url: str, language: str) -> list[Deadline]:
    from django.urls import reverse

    found: list[Deadline] = []
    actions = (
        Action.objects.filter(organization=org, finding__status=Status.OPEN)
        .exclude(status=ActionStatus.DONE)
        .select_related("finding")
        .order_by("due_date")[:MAX_EVENTS]
    )
    for action in actions:
        found.append(
            Deadline(
                uid=f"action-{action.pk}@mamori",
                day=action.due_date,
                summary=f"[mamori] {headline(action.finding, language, limit=120)}",
                description=present(action.finding)["summary"],
                url=base_url
                + reverse(
                    "findings:detail", kwargs={"org_slug": org.slug, "pk": action.finding_id}
                ),
            )
        )
    from mamori.inventory.models import Supplier

    suppliers = Supplier.objects.filter(
        organization=org, archived_at__isnull=True, next_audit_on__isnull=False
    ).order_by("next_audit_on")[:MAX_EVENTS]
    for supplier in suppliers:
        found.append(
            Deadline(
                uid=f"supplier-audit-{supplier.pk}@mamori",
                day=supplier.next_audit_on,
                summary="[mamori] " + _("Supplier audit due: %(name)s") % {"name": supplier.name},
            )
        )
    found.extend(_incident_deadlines(org))
    return found


def _incident_deadlines(org: Any) -> list[Deadline]:
    try:
        task_model = apps.get_model("incidents", "IncidentTask")
    except LookupError:
        return []
    try:
        tasks = list(
            task_model.objects.filter(
                organization=org, done_at__isnull=True, due_date__isnull=False
            )
            .select_related("incident")
            .order_by("due_date")[:MAX_EVENTS]
        )
    except Exception:  # noqa: BLE001 - the incidents schema is another module's; stay optional
        return []
    return [
        Deadline(
            uid=f"incident-task-{task.pk}@mamori",
            day=task.due_date,
            summary=f"[mamori] {task.title} ({task.incident.title})",
        )
        for task in tasks
    ]
