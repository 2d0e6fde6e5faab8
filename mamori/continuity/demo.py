"""Demo data for continuity: backups (one tested and kept offline, one only inside the cloud
service, one never restore-tested and late), mamori's own backup row, critical accounts (one
without a deputy, one whose deputy has left, one never tested), a completed BCP self-check —
so every continuity rule shows once and the BCP sheet prints with content."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mamori.findings.services import run_rules
from mamori.inventory.models import Device, DeviceKind, Person, Service

from . import services
from .models import (
    Backup,
    BackupLocation,
    BackupSchedule,
    CriticalAccount,
    CriticalAccountKind,
    EscrowPlace,
    RestoreResult,
)


def _complete_bcp_check(ctx: Any) -> None:
    from mamori.assessments.models import AnswerSet, Assessment
    from mamori.assessments.questionnaire import load_all
    from mamori.assessments.services import complete

    questionnaire = load_all()["bcp"]
    owner = ctx.users["owner"]
    assessment = Assessment.objects.create(
        organization=ctx.org,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        created_by=owner,
    )
    answers = {q.id: "yes" for q in questionnaire.questions}
    # Every fifth question answered "no": the sheet lists them as gaps.
    gaps = [q.id for q in questionnaire.questions][:20:5]
    answers.update({qid: "no" for qid in gaps})
    AnswerSet.objects.create(assessment=assessment, member=owner, answers=answers)
    complete(None, assessment, actor=owner, today=timezone.localdate())


def build(ctx: Any) -> None:
    org = ctx.org
    today = timezone.localdate()
    ago = lambda days: today - timedelta(days=days)  # noqa: E731 - reads well in the data below
    people = {p.name: p for p in Person.objects.filter(organization=org)}
    yamada, sato, ito = people["山田 太郎"], people["佐藤 花子"], people["伊藤 健"]
    service = {s.name: s for s in Service.objects.filter(organization=org)}
    m365, bank, accounting = (
        service["Microsoft 365"],
        service["法人インターネットバンキング"],
        service["クラウド会計"],
    )

    nas = Device.objects.create(
        organization=org,
        name="NAS-01（共有フォルダ）",
        kind=DeviceKind.NAS,
        os_name="DSM",
        os_version="7.2",
        os_supported=True,
        auto_update=True,
        last_updated_on=ago(12),
        location="本社",
    )
    Device.objects.create(
        organization=org,
        name="経理ファイルサーバー",
        kind=DeviceKind.SERVER,
        os_name="Windows Server",
        os_version="2022",
        os_supported=True,
        auto_update=True,
        last_updated_on=ago(8),
        location="本社",
    )  # nothing backs it up: a finding

    tested = Backup.objects.create(
        organization=org,
        name="NASの共有フォルダ → 外付けHDD",
        device=nas,
        location=BackupLocation.OFFLINE_MEDIA,
        method="NASのバックアップ機能（週1回、終わったら外して金庫へ）",
        generations=4,
        offline_or_immutable=True,
        checker=sato,
        schedule=BackupSchedule.WEEKLY,
        last_success_on=ago(3),
    )
    services.add_restore_test(
        None,
        tested,
        tested_on=ago(40),
        restored="「見積書」フォルダ（3月分）を予備のPCへ",
        result=RestoreResult.SUCCESS,
        duration_minutes=35,
        notes="ファイルが開けること、日付が最新であることを確認",
        evidence=SimpleUploadedFile(
            "restore-log.txt", "復元ログ: 見積書 312件 復元完了 (35分)\n".encode()
        ),
    )
    Backup.objects.create(
        organization=org,
        name="Microsoft 365 のごみ箱とバージョン履歴",
        service=m365,
        location=BackupLocation.SAME_SYSTEM,
        method="サービス標準の機能のみ",
        schedule=BackupSchedule.MANUAL,
    )  # only inside the service: the cloud case
    Backup.objects.create(
        organization=org,
        name="クラウド会計の月次CSV書き出し",
        service=accounting,
        location=BackupLocation.CLOUD,
        method="月末にCSVを書き出して別のクラウドストレージへ保存",
        generations=12,
        checker=sato,
        schedule=BackupSchedule.MONTHLY,
        last_success_on=ago(50),
    )  # never restore-tested, late, and reachable online
    own = services.mamori_backup_row(org)
    Backup.objects.filter(pk=own.pk).update(last_success_on=ago(1))
    services.add_restore_test(
        None,
        own,
        tested_on=ago(10),
        restored="mamori-demo.tar",
        result=RestoreResult.SUCCESS,
        notes="mamori restore --check",
        automatic=True,
    )

    def critical(name: str, kind: str, **fields: Any) -> CriticalAccount:
        return CriticalAccount.objects.create(organization=org, name=name, kind=kind, **fields)

    critical(
        "独自ドメインの管理（レジストラ）",
        CriticalAccountKind.DOMAIN_REGISTRAR,
        administrator=yamada,
    )  # one person, nothing held elsewhere
    critical(
        "法人インターネットバンキングの管理者",
        CriticalAccountKind.ONLINE_BANKING,
        service=bank,
        administrator=sato,
        deputy=yamada,
        escrow=EscrowPlace.SEALED_SAFE,
        escrow_details="社長室の金庫、封筒に割印。鍵は総務部長が保管",
        last_access_test_on=ago(100),
    )
    critical(
        "Microsoft 365 の全体管理者",
        CriticalAccountKind.MAIL_ADMIN,
        service=m365,
        administrator=yamada,
        deputy=sato,
    )  # a deputy, but never tried
    critical(
        "パスワード管理アプリ（会社の金庫）",
        CriticalAccountKind.PASSWORD_MANAGER,
        administrator=yamada,
        deputy=ito,
        escrow=EscrowPlace.LAWYER,
        escrow_details="顧問弁護士の事務所に封書で預託（開示条件は委任契約書のとおり）",
        last_access_test_on=ago(200),
    )  # the deputy has left

    _complete_bcp_check(ctx)
    run_rules(org)
    ctx.notes.append(
        "continuity: backups with restore tests, mamori's own row, critical accounts with "
        "deputies and escrow, a BCP self-check; the BCP sheet prints"
    )
