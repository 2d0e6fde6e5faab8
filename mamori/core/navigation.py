"""The main navigation: one explicit list. Each module adds its entry here when it lands."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    min_role: str = "viewer"


ORG_NAVIGATION: list[NavItem] = [
    NavItem(_("Dashboard"), "core:dashboard"),
    NavItem(_("To do"), "findings:todo"),
    NavItem(_("Findings"), "findings:list"),
    NavItem(_("Inventory"), "inventory:index"),
    NavItem(_("Mail check"), "mailcheck:history"),
    NavItem(_("Security news"), "intel:timeline"),
    NavItem(_("Website monitoring"), "monitoring:list"),
    NavItem(_("Notifications"), "notify:preferences"),
    NavItem(_("Self-assessments"), "assessments:list"),
    NavItem(_("Incidents"), "incidents:list"),
    NavItem(_("Members"), "orgs:members"),
    NavItem(_("Background jobs"), "core:jobs", "owner"),
    NavItem(_("Audit trail"), "orgs:audit", "owner"),
    NavItem(_("Settings"), "orgs:settings", "owner"),
]
