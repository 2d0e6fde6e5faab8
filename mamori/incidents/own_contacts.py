"""Which of the organisation's own contacts stand in for a playbook's 「自社の窓口」 entry, and the
reads that fetch them (always within one organisation)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .contact_models import ContactKind, EmergencyContact

# Playbook contact id (content/playbooks/contacts.yaml, kind "organisation") → the kinds of
# recorded contact that answer it, in the order shown.
PLAYBOOK_CONTACT_KINDS: dict[str, tuple[str, ...]] = {
    "bank": (ContactKind.BANK,),
    "card_company": (ContactKind.CARD,),
    "hosting_provider": (ContactKind.HOSTING, ContactKind.DOMAIN),
    "cloud_provider": (ContactKind.CLOUD,),
    "it_vendor": (ContactKind.IT_VENDOR,),
    "lawyer": (ContactKind.LAWYER,),
    "insurer": (ContactKind.INSURER,),
    "police_station": (ContactKind.POLICE,),
}


def current_contacts(org: Organization) -> dict[str, list[EmergencyContact]]:
    """The organisation's contacts that are not archived, by kind (one query)."""
    by_kind: dict[str, list[EmergencyContact]] = defaultdict(list)
    for contact in (
        scoped(EmergencyContact, org)
        .filter(archived_at__isnull=True)
        .order_by("kind", "name", "pk")
    ):
        by_kind[contact.kind].append(contact)
    return dict(by_kind)


def for_playbook_contact(
    contact_id: str, recorded: dict[str, list[EmergencyContact]]
) -> dict[str, Any] | None:
    """The recorded contacts standing in for one playbook contact, and the kind to preselect when
    none is recorded; None when the playbook contact is not one the organisation records here."""
    kinds = PLAYBOOK_CONTACT_KINDS.get(contact_id)
    if kinds is None:
        return None
    found = [contact for kind in kinds for contact in recorded.get(kind, [])]
    return {"recorded": found, "kind": kinds[0]}
