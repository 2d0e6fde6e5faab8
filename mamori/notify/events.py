"""Critical events that are not findings, found by a periodic check (every few minutes):
an incident just opened, and a breach-clock deadline (個人情報保護法 速報/確報) that is near.

Each goes out once per channel: the notice carries an event key and is not queued again. The
incidents app is optional here (looked up by name, its absence or a different schema is no error).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .compose import text
from .models import Notification
from .services import notify_event

logger = logging.getLogger("mamori.notify")

INCIDENT_LOOKBACK = timedelta(hours=6)
DEADLINE_WITHIN_DAYS = 2
BREACH_TASK_KEYS = ("breach_preliminary", "breach_final")
MAX_EVENTS_PER_RUN = 200


def _incident_path(incident: Any) -> str:
    try:
        return reverse(
            "incidents:detail", kwargs={"org_slug": incident.organization.slug, "pk": incident.pk}
        )
    except NoReverseMatch:
        return reverse("findings:todo", kwargs={"org_slug": incident.organization.slug})


def both(key: str, **params: object) -> dict[str, str]:
    return {language: text(key, language, **params) for language in ("ja", "en")}


def _already(org_id: int, key: str) -> bool:
    return Notification.objects.filter(organization_id=org_id, event_key=key).exists()


def check_incident_events(now: Any = None) -> int:
    """Queue notices for incidents opened lately and breach deadlines near; returns how many."""
    try:
        incident_model = apps.get_model("incidents", "Incident")
        task_model = apps.get_model("incidents", "IncidentTask")
    except LookupError:
        return 0
    moment = now or timezone.now()
    sent = 0
    try:
        recent = list(
            incident_model.objects.filter(reported_at__gte=moment - INCIDENT_LOOKBACK)
            .select_related("organization")
            .order_by("reported_at")[:MAX_EVENTS_PER_RUN]
        )
        horizon = timezone.localdate(moment) + timedelta(days=DEADLINE_WITHIN_DAYS)
        near = list(
            task_model.objects.filter(
                system_key__in=BREACH_TASK_KEYS, done_at__isnull=True, due_date__lte=horizon
            )
            .select_related("incident", "incident__organization")
            .order_by("due_date")[:MAX_EVENTS_PER_RUN]
        )
    except Exception:  # noqa: BLE001 - another module's schema: never break the notifier
        logger.exception("notify: could not read incidents")
        return 0
    for incident in recent:
        key = f"incident.opened:{incident.pk}"
        if _already(incident.organization_id, key):
            continue
        severity = incident.severity if incident.severity in ("critical", "high") else "high"
        notify_event(
            incident.organization,
            severity=severity,
            title=both("incident_opened_title", title=incident.title),
            body=both("incident_opened_body"),
            path=_incident_path(incident),
            event_key=key,
        )
        sent += 1
    for task in near:
        key = f"incident.deadline:{task.pk}:{task.due_date}"
        incident = task.incident
        if _already(incident.organization_id, key):
            continue
        due = f"{task.due_date:%Y-%m-%d}"
        notify_event(
            incident.organization,
            severity="critical",
            title=both("deadline_title", due=due, task=task.title),
            body=both("deadline_body", title=incident.title),
            path=_incident_path(incident),
            event_key=key,
        )
        sent += 1
    return sent
