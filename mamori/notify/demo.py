"""Demo data: an email channel, a disabled webhook channel and a delivery history."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from .delivery import DeliveryError
from .models import Channel, ChannelKind, DeliveryStatus, Digest, Notification, NotificationKind


def build(ctx: Any) -> None:
    org = ctx.org
    now = timezone.now()
    mail = Channel.objects.create(
        organization=org,
        name="管理担当へのメール",
        kind=ChannelKind.EMAIL,
        min_severity="high",
        quiet_start=time(22, 0),
        quiet_end=time(7, 0),
        digest=Digest.WEEKLY,
        next_digest_at=now + timedelta(days=3),
        send_to_members=True,
        last_success_at=now - timedelta(days=1),
    )
    Channel.objects.create(
        organization=org,
        name="社内チャット",
        kind=ChannelKind.CHAT,
        enabled=False,
        min_severity="critical",
        apprise_url="json://chat.demo.example.jp/hooks/mamori",
        last_failure_at=now - timedelta(days=2),
        last_error=str(DeliveryError("chat_rejected")),
    )
    Notification.objects.create(
        organization=org,
        channel=mail,
        kind=NotificationKind.TEST,
        subject="[mamori] 通知のテスト",
        body="demo",
        recipients="demo-owner@example.jp",
        status=DeliveryStatus.SENT,
        attempts=1,
        created_at=now - timedelta(days=1),
        sent_at=now - timedelta(days=1),
    )
    ctx.notes.append("notify: a mail channel and a disabled chat channel")
