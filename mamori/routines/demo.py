"""Demo: the default recurring checks with one overdue and one done, and the first-hour card's
contacts (bank, insurer, police station, IT vendor)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from mamori.incidents.contact_models import ContactKind, EmergencyContact

from .models import Chore, ChoreKind, add_months
from .services import ensure_defaults, sync_due

DEMO_CONTACTS: tuple[dict[str, Any], ...] = (
    {
        "kind": ContactKind.BANK,
        "name": "みなと銀行 本店 法人営業部",
        "phone": "03-1234-5601",
        "emergency_phone": "0120-555-010",
        "source": "口座開設時の案内書",
        "notes": "不正送金の組戻し・ネットバンキング停止は緊急窓口（24時間）へ。",
    },
    {
        "kind": ContactKind.INSURER,
        "name": "さくら損害保険 サイバー保険事故受付",
        "phone": "0120-777-220",
        "contract_number": "CY-2026-004512",
        "source": "保険証券",
    },
    {
        "kind": ContactKind.POLICE,
        "name": "中央警察署 生活安全課",
        "phone": "03-3333-0110",
        "source": "警視庁ウェブサイト",
    },
    {
        "kind": ContactKind.IT_VENDOR,
        "name": "株式会社ネットサポート",
        "phone": "03-4444-7788",
        "email": "support@netsupport.example.jp",
        "source": "保守契約書",
    },
)


def build(ctx: Any) -> None:
    org = ctx.org
    today = timezone.localdate()
    for values in DEMO_CONTACTS:
        EmergencyContact.objects.create(
            organization=org, checked_on=today - timedelta(days=40), **values
        )
    ensure_defaults(org)
    owner, editor = ctx.users["owner"], ctx.users["editor"]
    # One overdue round (the backup restore test was due ten days ago) and one due soon.
    Chore.objects.filter(organization=org, kind=ChoreKind.RESTORE_TEST).update(
        next_due=today - timedelta(days=10), owner=editor
    )
    Chore.objects.filter(organization=org, kind=ChoreKind.ACCESS_REVIEW).update(
        next_due=today + timedelta(days=7), owner=editor
    )
    contacts_checked = today - timedelta(days=40)
    Chore.objects.filter(organization=org, kind=ChoreKind.CONTACT_REVIEW).update(
        last_done_on=contacts_checked,
        next_due=add_months(contacts_checked, 12),
        last_done_by=owner,
        last_done_note="銀行・保険・警察署の番号を公式サイトと証券で確認",
        owner=owner,
    )
    sync_due(org)
    ctx.notes.append("routines: 定期点検 (1 overdue) and the first-hour card contacts")
