"""Demo payees: a partner whose account-change request arrived in the 危険 mail of the mail
check demo (pending: no callback yet, so approval is blocked; an earlier approved change keeps
the old account in history), an overseas supplier whose change has one of its two approvals,
and a payee whose account was changed by a spreadsheet import without the check (a finding)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from mamori.audit.services import record
from mamori.findings.services import run_rules
from mamori.inventory.models import Supplier
from mamori.mailcheck.models import CheckedMail, Verdict

from .models import (
    AccountType,
    CallbackOutcome,
    ChangeStatus,
    Channel,
    Destination,
    Payee,
    PayeeApproval,
    PayeeCallback,
    PayeeChange,
)

PARTNER = "パートナー商事株式会社"


def _dangerous_mail(org: Any) -> CheckedMail | None:
    mails = CheckedMail.objects.filter(organization=org, verdict=Verdict.DANGER)
    return mails.filter(subject__contains="振込先").first() or mails.first()


def build(ctx: Any) -> None:
    org = ctx.org
    editor, owner = ctx.users["editor"], ctx.users["owner"]
    now = timezone.now()
    supplier = Supplier.objects.filter(organization=org, name=PARTNER).first()
    partner = Payee.objects.create(
        organization=org,
        name=PARTNER,
        supplier=supplier,
        phone_on_record="03-5555-0101",
        bank_name="三井住友銀行",
        bank_code="0009",
        branch_name="渋谷支店",
        branch_code="234",
        account_type=AccountType.ORDINARY,
        account_number="7012345",
        holder_kana="パートナーシヨウジ（カ",
        notes="電話番号は取引基本契約書（2023年）の記載から登録",
    )
    mail = _dangerous_mail(org)
    bec = PayeeChange.objects.create(
        organization=org,
        payee=partner,
        channel=Channel.MAIL,
        mail=mail,
        requester_contact="経理部 担当者（新任と名乗る）",
        phone_in_request="090-0000-1234",
        reason="取引銀行の変更に伴い、今月のお支払いから新しい口座へ",
        requested_by=editor,
        created_at=now - timedelta(hours=20),
        bank_name="○○銀行",
        bank_code="0397",
        branch_name="本店",
        branch_code="001",
        account_type=AccountType.ORDINARY,
        account_number="1234567",
        holder_kana="パートナーシヨウジ（カ",
    )
    record(
        "payees.change.requested",
        actor=editor,
        organization=org,
        obj=partner,
        changes={"change": bec.pk, "channel": "mail", "mail": bec.mail_id},
    )

    overseas = Payee.objects.create(
        organization=org,
        name="Müller Komponenten GmbH",
        phone_on_record="+49 30 1234567",
        destination=Destination.OVERSEAS,
        bank_name="Commerzbank",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
    )
    abroad = PayeeChange.objects.create(
        organization=org,
        payee=overseas,
        channel=Channel.LETTER,
        requester_contact="Ms. Weber (accounts)",
        requested_by=editor,
        created_at=now - timedelta(days=2),
        destination=Destination.OVERSEAS,
        bank_name="Deutsche Bank",
        iban="DE02120300000000202051",
        bic="DEUTDEFF",
        sender_checked=True,
        previous_contact_confirmed=True,
        amount_timing_plausible=True,
        checklist_by=editor,
        checklist_at=now - timedelta(days=1),
    )
    PayeeCallback.objects.create(
        organization=org,
        change=abroad,
        called_by=editor,
        called_at=now - timedelta(days=1),
        number_called=overseas.phone_on_record,
        answered_by="Mr. Müller (managing director)",
        outcome=CallbackOutcome.CONFIRMED,
    )
    PayeeApproval.objects.create(organization=org, change=abroad, approver=owner)
    # A past change of the partner's account, approved after a callback and the checklist:
    # the old account stays in the request's history.
    done = PayeeChange.objects.create(
        organization=org,
        payee=partner,
        channel=Channel.LETTER,
        requester_contact="経理部 田中 健",
        requested_by=editor,
        created_at=now - timedelta(days=400),
        bank_name="三井住友銀行",
        bank_code="0009",
        branch_name="渋谷支店",
        branch_code="234",
        account_type=AccountType.ORDINARY,
        account_number="7012345",
        holder_kana="パートナーシヨウジ（カ",
        sender_checked=True,
        previous_contact_confirmed=True,
        amount_timing_plausible=True,
        checklist_by=editor,
        checklist_at=now - timedelta(days=399),
        status=ChangeStatus.APPROVED,
        decided_by=owner,
        decided_at=now - timedelta(days=398),
        previous_account={
            "destination": "domestic",
            "bank_name": "みずほ銀行",
            "bank_code": "0001",
            "branch_code": "110",
            "account_type": "ordinary",
            "account_number": "3300112",
        },
    )
    PayeeCallback.objects.create(
        organization=org,
        change=done,
        called_by=editor,
        called_at=now - timedelta(days=399),
        number_called=partner.phone_on_record,
        answered_by="経理部長 佐々木",
        outcome=CallbackOutcome.CONFIRMED,
    )
    PayeeApproval.objects.create(
        organization=org, change=done, approver=owner, approved_at=now - timedelta(days=398)
    )

    printer = Payee.objects.create(
        organization=org,
        name="山田印刷有限会社",
        phone_on_record="06-6666-0202",
        bank_name="りそな銀行",
        bank_code="0010",
        branch_name="難波支店",
        branch_code="105",
        account_type=AccountType.CURRENT,
        account_number="0456789",
        holder_kana="ユ）ヤマダインサツ",
    )
    # As a spreadsheet import writes it: the account changes, the check never happened.
    Payee.objects.filter(pk=printer.pk).update(account_number="0999888", bank_name="りそな銀行")
    record(
        "payees.payee.imported",
        actor=editor,
        organization=org,
        object_repr="振込先一覧_経理ソフト出力.xlsx",
        changes={"created": 0, "updated": 1},
    )
    run_rules(org, triggers=["payees.payee"])
    ctx.notes.append(
        "payees: the change request from the 危険 payee-change mail cannot be approved until "
        "a callback to the number on record and a second approver are logged; an overseas "
        "change has one of its two approvals; a payee changed by import is a finding"
    )
