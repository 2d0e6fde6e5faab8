"""The payee register (取引先の振込先), served by the generic register views (group
"continuity"); its detail page adds the account check and the change requests."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mamori.inventory.display import display, label
from mamori.inventory.registers import RegisterSpec, add_register
from mamori.orgs.models import Role

from . import banking
from .models import ACCOUNT_FIELDS, ACCOUNT_LOCKED, SECRET_FIELDS, Payee
from .queries import changes_of

FIELDS = [
    "name",
    "supplier",
    "phone_on_record",
    "destination",
    "bank_name",
    "bank_code",
    "branch_name",
    "branch_code",
    "account_type",
    "account_number",
    "holder_kana",
    "iban",
    "bic",
    "notes",
]


def may_see_full_number(request: HttpRequest) -> bool:
    """Owners and editors who confirmed their password recently (sudo) and asked for it."""
    from mamori.accounts.services import has_sudo

    return (
        request.membership.allows(Role.EDITOR)  # type: ignore[attr-defined]
        and has_sudo(request)
        and request.GET.get("full") == "1"
    )


def detail_context(request: HttpRequest, payee: models.Model) -> dict[str, Any]:
    assert isinstance(payee, Payee)
    full = may_see_full_number(request)
    fields = []
    for name in FIELDS:
        value = display(payee, name)
        if name in SECRET_FIELDS and not full and getattr(payee, name):
            value = banking.mask(getattr(payee, name), 4 if name == "iban" else 3)
        fields.append({"label": label(Payee, name), "value": value})
    return {
        "fields": fields,
        "full_number": full,
        "changes": changes_of(request.org, payee),  # type: ignore[attr-defined]
        "account_verified": payee.account_verified,
    }


SPEC = add_register(
    RegisterSpec(
        key="payees",
        model=Payee,
        title=_("Payees"),
        intro=_(
            "The bank accounts you pay partners into, and the partner's phone number from your "
            "own records. An account changes only through a change request that is called back "
            "on that number and approved by a second person."
        ),
        fields=FIELDS,
        list_columns=["name", "supplier", "bank_name", "account_type", "account_hint"],
        search=["name", "bank_name", "holder_kana"],
        filters=["destination"],
        default_order="name",
        source="ハンドブック 第7章 §7.4",
        natural_key=("name",),
        group="continuity",
        detail_template="payees/payee_detail.html",
        detail_context=detail_context,
        form_note="payees/form_note.html",
        # Set when the payee is added; afterwards changed only by an approved change request.
        locked_fields=ACCOUNT_FIELDS,
        locked_message=ACCOUNT_LOCKED,
        locked_note="payees/locked_note.html",
        masked_fields={
            "account_number": banking.mask,
            "iban": lambda value: banking.mask(value, 4),
        },
    )
)
