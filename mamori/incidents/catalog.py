"""The shipped playbook catalogue as the Django app uses it, with role and phase labels."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .playbooks import Catalog, ChecklistItem, Playbook, load_catalog

CHECKLIST_ROLES = ("user", "admin")

ROLE_LABELS = {
    "user": _("Users (the person who noticed)"),
    "home": _("Home users"),
    "admin": _("People who manage the systems"),
}
PHASE_LABELS = {
    "contain": _("Contain"),
    "scope": _("Find the scope"),
    "remove_cause": _("Remove the cause"),
    "recover": _("Recover"),
    "report": _("Report"),
}


def catalog() -> Catalog:
    return load_catalog()


def playbooks_of(playbook_ids: Iterable[str]) -> list[Playbook]:
    found = (catalog().get(pid) for pid in playbook_ids)
    return [pb for pb in found if pb is not None]


def checklist_for(playbook_ids: Iterable[str]) -> list[ChecklistItem]:
    """The checklist of an incident: each playbook's user steps, then its admin steps by phase."""
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for playbook in playbooks_of(playbook_ids):
        for item in playbook.checklist(CHECKLIST_ROLES):
            if item.step_id not in seen:
                seen.add(item.step_id)
                items.append(item)
    return items


def playbook_choices() -> list[tuple[str, str]]:
    """(id, title in the active language) for form choices."""
    english = (get_language() or "ja").startswith("en")
    return [(pb.id, pb.title.en if english else pb.title.ja) for pb in catalog().playbooks]
