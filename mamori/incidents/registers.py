"""The organisation's own emergency contacts as a register (generic list, form, import/export,
history and API from inventory/registers.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mamori.inventory.registers import RegisterSpec, add_register

from .contact_models import EmergencyContact

CONTACTS = add_register(
    RegisterSpec(
        key="contacts",
        model=EmergencyContact,
        title=_("Emergency contacts"),
        intro=_(
            "Who to call on the day of an incident: your bank and its emergency line, the card "
            "company, hosting and domain companies, your IT vendor, the insurer with the policy "
            "number, your lawyer and the local police station. The incident playbooks and the "
            "first-hour card show these numbers. Record where each number comes from and when "
            "it was last checked; a recurring check re-verifies them every year."
        ),
        fields=[
            "kind",
            "name",
            "phone",
            "emergency_phone",
            "email",
            "url",
            "contract_number",
            "source",
            "checked_on",
            "notes",
        ],
        list_columns=["kind", "name", "phone", "emergency_phone", "checked_on"],
        search=["name", "phone", "email"],
        filters=["kind"],
        default_order="kind",
        source="ハンドブック 第7章 §2.2",
        natural_key=("kind", "name"),
        group="continuity",
    )
)
