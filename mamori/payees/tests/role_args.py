from __future__ import annotations

from typing import Any

from mamori.payees.models import Channel, Payee, PayeeChange


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    payee = Payee.objects.create(
        organization=org,
        name="Role test payee",
        phone_on_record="03-1234-5678",
        bank_name="みずほ銀行",
        bank_code="0001",
        branch_code="001",
        account_type="ordinary",
        account_number="1234567",
        holder_kana="ロールテスト",
    )
    change = PayeeChange.objects.create(
        organization=org,
        payee=payee,
        channel=Channel.MAIL,
        requested_by=members["editor"],
        bank_name="りそな銀行",
        bank_code="0010",
        branch_code="002",
        account_type="ordinary",
        account_number="7654321",
        holder_kana="ロールテスト",
    )
    return {
        "payees:index": {},
        "payees:export": {},
        "payees:change_new": {"payee_pk": payee.pk},
        "payees:reveal": {"pk": payee.pk},
        "payees:change": {"pk": change.pk},
        "payees:callback": {"pk": change.pk},
        "payees:checklist": {"pk": change.pk},
        "payees:approve": {"pk": change.pk},
        "payees:reject": {"pk": change.pk},
    }
