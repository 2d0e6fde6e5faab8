"""Demo: training records that trigger the training rules, and a finished drill — one scanner
click filtered out, one real click (training assigned), one report to the check address."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone

from mamori.audit.services import record
from mamori.findings.services import run_rules
from mamori.inventory.models import Person

from . import services
from .content import SCANNER_AGENT
from .models import (
    Drill,
    DrillEvent,
    DrillRecipient,
    DrillStatus,
    DrillTemplate,
    EventKind,
    TrainingKind,
    TrainingRecord,
)

SCANNER_UA = "Mozilla/5.0 (compatible; BarracudaCentral/1.0)"
BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
)


def build(ctx: Any) -> None:
    org = ctx.org
    today = timezone.localdate()
    now = timezone.now()
    people = {p.email: p for p in Person.objects.filter(organization=org)}
    yamada = people.get("yamada@demo.example.jp")
    sato = people.get("sato@demo.example.jp")
    suzuki = people.get("suzuki@demo.example.jp")
    takahashi = people.get("takahashi@demo.example.jp")
    if yamada is not None:
        TrainingRecord.objects.create(
            organization=org,
            person=yamada,
            title="情報セキュリティ説明会（全社）",
            kind=TrainingKind.COURSE,
            taken_on=today - timedelta(days=120),
            completed=True,
        )
    if sato is not None:
        TrainingRecord.objects.create(
            organization=org,
            person=sato,
            title="情報セキュリティ説明会（全社）",
            kind=TrainingKind.COURSE,
            taken_on=today - timedelta(days=500),
            completed=True,
        )
    # A new joiner without training in the first month.
    Person.objects.create(
        organization=org,
        name="中村 翔",
        email="nakamura@demo.example.jp",
        department="営業",
        joined_on=today - timedelta(days=45),
    )
    recipients = [p for p in (sato, suzuki, takahashi) if p is not None]
    if recipients:
        _finished_drill(ctx, recipients, now)
    run_rules(org)


def _finished_drill(ctx: Any, people: list[Person], now: Any) -> None:
    org = ctx.org
    sent_at = now - timedelta(days=3)
    drill = Drill.objects.create(
        organization=org,
        name="2026年 夏季休暇明けの訓練",
        template=DrillTemplate.MEETING,
        status=DrillStatus.SENT,
        created_by=ctx.users.get("editor"),
        created_at=sent_at - timedelta(days=1),
        approved_by=ctx.users.get("owner"),
        approved_at=sent_at - timedelta(minutes=5),
        sent_at=sent_at,
    )
    rows = [
        DrillRecipient.objects.create(
            organization=org,
            drill=drill,
            person=person,
            name=person.name,
            email=person.email,
            department=person.department,
            token=secrets.token_urlsafe(24),
            delivered_at=sent_at,
        )
        for person in people
    ]
    # 1. A gateway scanner opened the first person's link two seconds after delivery: kept,
    # attributed to the machine.
    scanned = rows[0]
    DrillEvent.objects.create(
        organization=org,
        recipient=scanned,
        kind=EventKind.CLICK,
        at=sent_at + timedelta(seconds=2),
        method="GET",
        user_agent=SCANNER_UA,
        ip="203.0.113.10",
        machine_reason=SCANNER_AGENT,
    )
    DrillRecipient.objects.filter(pk=scanned.pk).update(machine_events=1)
    # 2. The second person clicked the link themselves an hour later: training assigned.
    if len(rows) > 1:
        clicker = rows[1]
        at = sent_at + timedelta(hours=1)
        DrillEvent.objects.create(
            organization=org,
            recipient=clicker,
            kind=EventKind.CLICK,
            at=at,
            method="GET",
            user_agent=BROWSER_UA,
            ip="198.51.100.24",
        )
        DrillRecipient.objects.filter(pk=clicker.pk).update(opened_at=at, clicked_at=at)
        clicker.refresh_from_db()
        services.assign_training(clicker)
    # 3. The third forwarded it to the check address: counted as reported.
    if len(rows) > 2:
        services.record_report(rows[2])
        DrillRecipient.objects.filter(pk=rows[2].pk).update(
            reported_at=sent_at + timedelta(minutes=20)
        )
    record(
        "training.drill_sent",
        organization=org,
        obj=drill,
        changes={"delivered": len(rows), "refused": 0, "failed": 0},
    )
    ctx.notes.append(
        "training: training records (never trained, over a year, new staff); a finished"
        " targeted-mail drill — one click, one mail scanner's access excluded, one report"
    )
