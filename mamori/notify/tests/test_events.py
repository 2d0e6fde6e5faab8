"""Incident notices: an incident opened and a breach-clock deadline near, each sent once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mamori.notify.events import check_incident_events
from mamori.notify.models import Channel, ChannelKind, Notification

incidents = pytest.importorskip("mamori.incidents.models")


@pytest.mark.django_db
def test_incident_opened_and_breach_deadline_are_notified_once(org: Any) -> None:
    channel = Channel.objects.create(
        organization=org, name="mail", kind=ChannelKind.EMAIL, min_severity="high"
    )
    quiet = Channel.objects.create(
        organization=org, name="only critical", kind=ChannelKind.EMAIL, min_severity="critical"
    )
    incident = incidents.Incident.objects.create(
        organization=org, title="顧客名簿の誤送信", severity="high"
    )
    old = incidents.Incident.objects.create(organization=org, title="old", severity="high")
    incidents.Incident.objects.filter(pk=old.pk).update(
        reported_at=timezone.now() - timedelta(days=3)
    )
    incidents.IncidentTask.objects.create(
        organization=org,
        incident=incident,
        title="個人情報保護委員会へ速報を提出",
        system_key="breach_preliminary",
        due_date=timezone.localdate() + timedelta(days=1),
    )
    incidents.IncidentTask.objects.create(
        organization=org,
        incident=incident,
        title="far away",
        system_key="breach_final",
        due_date=timezone.localdate() + timedelta(days=40),
    )
    assert check_incident_events() == 2
    subjects = {n.channel_id: [] for n in Notification.objects.all()}
    for notification in Notification.objects.order_by("id"):
        subjects[notification.channel_id].append(notification.subject)
    assert any("顧客名簿の誤送信" in s for s in subjects[channel.pk])
    assert any("速報" in s for s in subjects[channel.pk])
    # The deadline is critical; the opened incident (high) is below the second channel's minimum.
    assert len(subjects[quiet.pk]) == 1 and "速報" in subjects[quiet.pk][0]
    assert not any("old" in s or "far away" in s for s in sum(subjects.values(), []))

    before = Notification.objects.count()
    check_incident_events()
    assert Notification.objects.count() == before
