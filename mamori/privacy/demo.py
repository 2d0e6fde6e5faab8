"""Demo data: a payroll contractor holding personal data, last checked over a year ago (a
finding), and personal-data entries — one with special care-required data — named by the
demo ransomware incident, so its breach clock counts people from the register."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from mamori.findings.services import run_rules
from mamori.incidents.models import Incident
from mamori.inventory.models import Person, Service, Share, Supplier

from . import services
from .models import AuditMethod, Certification, PersonalData, Provision, Supervision


def build(ctx: Any) -> None:
    org = ctx.org
    today = timezone.localdate()
    owner = ctx.users["owner"]
    payroll = Supplier.objects.filter(organization=org, name="給与計算サービス株式会社").first()
    web = Supplier.objects.filter(organization=org, name="Web制作パートナー").first()
    person = Person.objects.filter(organization=org).order_by("pk").first()
    service = Service.objects.filter(organization=org).order_by("pk").first()
    roster = Share.objects.filter(organization=org, name="顧客名簿_2024.xlsx").first()

    staff = PersonalData.objects.create(
        organization=org,
        name="従業員の健康診断結果",
        categories="氏名、生年月日、健康診断の結果",
        sensitive=True,
        people_count=38,
        purpose="労働安全衛生法に基づく健康管理",
        owner=person,
        access="総務担当 2 名",
        retention="5 年",
        retain_until=today + timedelta(days=900),
    )
    customers = PersonalData.objects.create(
        organization=org,
        name="顧客名簿",
        categories="氏名、住所、電話番号、購入履歴",
        people_count=1450,
        purpose="",
        owner=person,
        access="営業部全員",
        retention="取引終了から 3 年",
        retain_until=today - timedelta(days=40),
        provision=Provision.NONE,
    )
    if roster is not None:
        customers.shares.add(roster)
    if service is not None:
        staff.services.add(service)
        customers.services.add(service)

    if payroll is not None:
        staff.contractors.add(payroll)
        supervision = Supervision.objects.create(
            organization=org,
            supplier=payroll,
            data_entrusted="従業員の氏名・口座・給与額、健康診断結果の一部",
            entrusts_personal_data=True,
            certification=Certification.PMARK,
            certification_number="第12345678(01)号",
            certification_expires_on=today - timedelta(days=20),
            clause_purpose=True,
            clause_reentrustment=True,
            clause_deletion=True,
            processing_countries="ベトナム",
        )
        services.add_audit(
            None,
            supervision,
            audited_on=today - timedelta(days=420),
            method=AuditMethod.VISIT,
            findings="入退室管理は良好。バックアップ媒体の保管場所が未施錠。",
            follow_up="施錠保管を依頼",
            follow_up_done=True,
            actor=owner,
        )
    if web is not None:
        Supervision.objects.create(
            organization=org,
            supplier=web,
            data_entrusted="問い合わせフォームの送信内容",
            entrusts_confidential_data=True,
            certification=Certification.ISMS,
            certification_number="IS 000000",
            certification_expires_on=today + timedelta(days=300),
            clause_purpose=True,
            clause_reentrustment=True,
            clause_location=True,
            clause_deletion=True,
            clause_incident_notice=True,
            incident_notice_hours=24,
            clause_audit=True,
        )

    incident = Incident.objects.filter(organization=org, title="経理部 PC に身代金要求画面").first()
    if incident is not None:
        services.set_incident_data(None, incident, [staff, customers], actor=owner)
    run_rules(org)
    ctx.notes.append(
        "privacy: a contractor with personal data unaudited for over a year; the ransomware "
        "incident's breach clock counts people from the personal-data register"
    )
