"""The payee accounts for the accounting software (CSV/Excel through mamori.tabular, so
formula-like text is neutralised): only accounts that were set up or approved through the
check; an account changed outside it is left out until a change request confirms it."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from mamori.orgs.models import Organization
from mamori.tabular import Choice, Column, Schema

from .models import AccountType, Destination, Payee
from .queries import payable


def _both(text: Any) -> tuple[str, str]:
    with translation.override("ja"):
        ja = str(text)
    with translation.override("en"):
        en = str(text)
    return ja, en


def _field(name: str, kind: str = "text", choices: Any = None) -> Column:
    label_ja, label_en = _both(Payee._meta.get_field(name).verbose_name)
    if choices is not None:
        options = [Choice(str(value), *_both(text)) for value, text in choices]
        return Column(name, label_ja, label_en, "choice", choices=options)
    return Column(name, label_ja, label_en, kind)


ACCOUNTING_SCHEMA = Schema(
    name="payee_accounts",
    columns=[
        _field("name"),
        _field("destination", choices=Destination.choices),
        _field("bank_code"),
        _field("bank_name"),
        _field("branch_code"),
        _field("branch_name"),
        _field("account_type", choices=AccountType.choices),
        _field("account_number"),
        _field("holder_kana"),
        _field("iban"),
        _field("bic"),
    ],
    title_ja="振込先口座",
    title_en="Payee accounts",
)


def accounting_rows(org: Organization) -> list[dict[str, Any]]:
    return [
        {column.key: getattr(payee, column.key) for column in ACCOUNTING_SCHEMA.columns}
        for payee in payable(org)
    ]
