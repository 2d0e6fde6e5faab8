"""Demo incidents: one open ransomware incident with its first steps done, one closed
misaddressed-mail incident with a review whose prevention measures became actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from . import services
from .catalog import catalog, checklist_for
from .models import IncidentStatus


def build(ctx: Any) -> None:
    org = ctx.org
    owner, editor = ctx.users["owner"], ctx.users["editor"]
    now = timezone.now()

    ransomware = services.report_incident(
        None,
        org,
        title="経理部 PC に身代金要求画面",
        description="朝来たらパソコンに身代金を要求する画面が出ていた。共有フォルダのファイルも開けない。",
        playbook_ids=["ransomware"],
        severity="critical",
        noticed_at=now - timedelta(hours=5),
        actor=editor,
    )
    services.change_status(None, ransomware, IncidentStatus.RESPONDING, actor=owner)
    for item in checklist_for(ransomware.playbook_ids)[:4]:
        services.set_step(None, ransomware, item.step_id, True, actor=editor)
    services.add_note(
        None,
        ransomware,
        "LAN ケーブルを抜いた。画面の写真を撮影済み。",
        actor=editor,
    )
    services.add_evidence(
        None,
        ransomware,
        SimpleUploadedFile("ransom-note.txt", b"YOUR FILES ARE ENCRYPTED (demo copy)\n"),
        "脅迫文のテキスト",
        actor=editor,
    )
    services.add_task(
        None,
        ransomware,
        "バックアップの状態を確認",
        owner,
        timezone.localdate() + timedelta(days=1),
    )
    services.save_breach(
        None,
        ransomware,
        {"personal_data": "yes", "malicious": "yes"},
        now - timedelta(hours=4),
        actor=owner,
    )

    closed = services.report_incident(
        None,
        org,
        title="見積書を別の取引先へ誤送信",
        description="見積書を添付したメールを、名前の似た別の取引先に送ってしまった。",
        playbook_ids=["mail-misaddressed"],
        severity="medium",
        noticed_at=now - timedelta(days=20),
        actor=editor,
    )
    for item in checklist_for(closed.playbook_ids):
        services.set_step(None, closed, item.step_id, True, actor=editor)
    playbook = catalog().get("mail-misaddressed")
    measures = [m.id for m in playbook.prevention[:2]] if playbook else []
    services.save_review(
        None,
        closed,
        {
            "what_happened": "宛先の自動補完で別の取引先を選んでしまった。",
            "cause": "送信前の宛先確認のルールがなかった。",
        },
        measures,
        actor=owner,
    )
    for status in (
        IncidentStatus.RESPONDING,
        IncidentStatus.CONTAINED,
        IncidentStatus.RECOVERED,
        IncidentStatus.REVIEW,
        IncidentStatus.CLOSED,
    ):
        services.change_status(None, closed, status, actor=owner)
    # The demo runs inside one transaction, so on_commit work would come too late: run it now.
    services.sync_prevention(closed.pk)
    ctx.notes.append("incidents: 1 open (ransomware), 1 closed (misaddressed mail)")
