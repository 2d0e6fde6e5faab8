"""Demo data for the inventory: every register filled, every inventory rule triggered once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from mamori.findings.services import run_rules

from .models import (
    Account,
    AccountRole,
    Device,
    Ownership,
    Person,
    Service,
    ServiceCategory,
    Share,
    ShareGrant,
    ShareScope,
    Software,
    Supplier,
    Website,
)


def build(ctx: Any) -> None:
    org = ctx.org
    today = timezone.localdate()
    ago = lambda days: today - timedelta(days=days)  # noqa: E731 - reads well in the data below

    def person(name: str, email: str, dept: str, kind: str = "regular", **extra: Any) -> Person:
        return Person.objects.create(
            organization=org,
            name=name,
            email=email,
            department=dept,
            employment_type=kind,
            joined_on=ago(900),
            **extra,
        )

    yamada = person("山田 太郎", "yamada@demo.example.jp", "経営")
    sato = person("佐藤 花子", "sato@demo.example.jp", "総務")
    suzuki = person("鈴木 一郎", "suzuki@demo.example.jp", "営業")
    takahashi = person("高橋 美咲", "takahashi@demo.example.jp", "営業", "part_time")
    ito = person("伊藤 健", "ito@demo.example.jp", "営業", left_on=ago(20))
    person("渡辺 由美", "watanabe@demo.example.jp", "経理", "dispatched")

    m365 = Service.objects.create(
        organization=org,
        name="Microsoft 365",
        category=ServiceCategory.MAIL,
        url="https://www.office.com/",
        purpose="メール・ファイル共有",
        mfa_available=True,
        mfa_enforced=False,
        holds_personal_data=True,
        holds_confidential_data=True,
        backup_owner=sato,
    )
    bank = Service.objects.create(
        organization=org,
        name="法人インターネットバンキング",
        category=ServiceCategory.BANKING,
        purpose="振込・残高確認",
        mfa_available=True,
        mfa_enforced=True,
        holds_confidential_data=True,
    )
    freee = Service.objects.create(
        organization=org,
        name="クラウド会計",
        category=ServiceCategory.ACCOUNTING,
        mfa_available=True,
        mfa_enforced=True,
        holds_personal_data=True,
    )
    sns = Service.objects.create(
        organization=org,
        name="公式 X（旧Twitter）アカウント",
        category=ServiceCategory.SNS,
        mfa_available=True,
        mfa_enforced=True,
    )

    def account(username: str, who: Person | None, where: Service, **extra: Any) -> Account:
        return Account.objects.create(
            organization=org,
            username=username,
            person=who,
            service=where,
            last_reviewed_on=extra.pop("reviewed", ago(30)),
            **extra,
        )

    account("yamada", yamada, m365, role=AccountRole.ADMIN, mfa_enabled=True)
    account("sato", sato, m365, role=AccountRole.ADMIN, mfa_enabled=True)
    account("suzuki", suzuki, m365, mfa_enabled=True)
    account("takahashi", takahashi, m365, mfa_enabled=False)
    account("ito", ito, m365, mfa_enabled=True)  # left 20 days ago, still active
    account(
        "keiri-admin", sato, bank, role=AccountRole.ADMIN, mfa_enabled=False
    )  # one admin, no MFA
    account("kaikei", None, freee, shared=True, mfa_enabled=True, reviewed=ago(500))
    account("pr-team", suzuki, sns, role=AccountRole.ADMIN, mfa_enabled=True, shared=True)

    pc1 = Device.objects.create(
        organization=org,
        name="PC-001",
        kind="pc",
        person=yamada,
        os_name="Windows 11",
        os_version="23H2",
        os_supported=True,
        disk_encryption=True,
        screen_lock=True,
        auto_update=True,
        anti_malware=True,
        last_updated_on=ago(5),
        location="本社",
    )
    Device.objects.create(
        organization=org,
        name="PC-002",
        kind="pc",
        person=ito,
        os_name="Windows 10",
        os_version="22H2",
        os_supported=False,
        disk_encryption=True,
        screen_lock=True,
        auto_update=False,
        last_updated_on=ago(200),
        location="営業所",
    )
    Device.objects.create(
        organization=org,
        name="鈴木さんの私物スマホ",
        kind="smartphone",
        person=suzuki,
        ownership=Ownership.BYOD,
        os_name="Android",
        os_version="14",
        disk_encryption=True,
        screen_lock=False,
        last_updated_on=ago(10),
    )
    Device.objects.create(
        organization=org,
        name="旧NAS",
        kind="nas",
        os_name="DSM",
        os_version="6.2",
        disposed_on=ago(60),
        location="倉庫",
    )
    Device.objects.create(
        organization=org,
        name="複合機",
        kind="printer",
        location="本社",
        last_updated_on=ago(100),
    )

    struts = Software.objects.create(
        organization=org,
        vendor="Apache",
        product="Struts",
        version="2.5.30",
        notes="受発注システムで使用",
    )
    struts.devices.add(pc1)
    Software.objects.create(
        organization=org, vendor="WordPress", product="WordPress", version="6.4.2"
    )

    Supplier.objects.create(
        organization=org,
        name="給与計算サービス株式会社",
        domains="kyuyo-service.example.jp",
        work="給与計算",
        handles_personal_data=True,
        security_clauses=False,
        servers_abroad=True,
        next_audit_on=ago(30),
        last_audit_on=ago(400),
    )
    Supplier.objects.create(
        organization=org,
        name="Web制作パートナー",
        domains="web-partner.example.com",
        work="ホームページの保守",
        security_clauses=True,
        certifications="ISMS",
        next_audit_on=today + timedelta(days=60),
    )

    roster = Share.objects.create(
        organization=org,
        name="顧客名簿_2024.xlsx",
        service=m365,
        owner=sato,
        scope=ShareScope.ANYONE_WITH_LINK,
        contains_personal_data=True,
        created_on=ago(200),
        url="https://demo.example.jp/share/roster",
    )
    ShareGrant.objects.create(share=roster, person=ito, permission="editor")
    Share.objects.create(
        organization=org,
        name="会社案内.pdf",
        service=m365,
        owner=yamada,
        scope=ShareScope.PUBLIC,
        created_on=ago(10),
    )

    Website.objects.create(
        organization=org,
        url="https://www.demo.example.jp/",
        hosting="レンタルサーバー",
        cms="WordPress",
        cms_version="6.4.2",
    ).administrators.add(sato)

    run_rules(org)
    ctx.notes.append("inventory: every register filled; every inventory rule has a finding")
