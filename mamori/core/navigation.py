"""The main navigation: one explicit list, in groups so it fits a 1,280 px screen and a phone.
Each module adds its entry here when it lands."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    min_role: str = "viewer"


@dataclass(frozen=True)
class NavGroup:
    label: str | Promise
    items: tuple[NavItem, ...]


ORG_NAVIGATION_GROUPS: list[NavGroup] = [
    NavGroup(
        _("At a glance"),
        (
            NavItem(_("Dashboard"), "core:dashboard"),
            NavItem(_("To do"), "findings:todo"),
            NavItem(_("Findings"), "findings:list"),
        ),
    ),
    NavGroup(
        _("Registers"),
        (
            NavItem(_("Inventory"), "inventory:index"),
            NavItem(_("Payee changes"), "payees:index"),
            NavItem(_("Recurring checks"), "routines:list"),
            NavItem(_("BCP sheet"), "continuity:bcp"),
        ),
    ),
    NavGroup(
        _("Detection"),
        (
            NavItem(_("Mail check"), "mailcheck:history"),
            NavItem(_("Security news"), "intel:timeline"),
            NavItem(_("Website monitoring"), "monitoring:list"),
            NavItem(_("Shadow IT"), "licences:shadow_it"),
        ),
    ),
    NavGroup(
        _("Response"),
        (
            NavItem(_("Incidents"), "incidents:list"),
            NavItem(_("First-hour card"), "incidents:first_hour_card"),
            NavItem(_("Self-assessments"), "assessments:list"),
            NavItem(_("Mail drills"), "training:drill_list", "editor"),
        ),
    ),
    NavGroup(
        _("Organisation"),
        (
            NavItem(_("Members"), "orgs:members"),
            NavItem(_("Notifications"), "notify:preferences"),
            NavItem(_("Background jobs"), "core:jobs", "owner"),
            NavItem(_("Audit trail"), "orgs:audit", "owner"),
            NavItem(_("Settings"), "orgs:settings", "owner"),
        ),
    ),
]

# Every entry, in order (for checks that walk the whole navigation).
ORG_NAVIGATION: list[NavItem] = [item for group in ORG_NAVIGATION_GROUPS for item in group.items]
