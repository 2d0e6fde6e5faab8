"""The first hour of a new organisation: a checklist on the dashboard that fills in as each
step is done, so a new organisation is never told "nothing to do" while nothing is set up.
One existence query per step (a fixed number, whatever the data size)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Step:
    key: str
    label: str | Promise
    hint: str | Promise
    url: str
    done: bool


def _exists(app_model: str, **filters: Any) -> bool:
    try:
        model = apps.get_model(app_model)
    except LookupError:
        return False
    return model._default_manager.filter(**filters).exists()


def steps(org: Any) -> list[Step]:
    slug = {"org_slug": org.slug}
    return [
        Step(
            "people",
            _("Register your people and their accounts"),
            _("Or import your staff list from Excel: leavers who still have access are found."),
            reverse("inventory:list", kwargs={**slug, "register": "people"}),
            _exists("inventory.Person", organization=org),
        ),
        Step(
            "feeds",
            _("Switch on the Japanese security news"),
            _("IPA, JPCERT/CC and JVN on one timeline, matched to what you use."),
            reverse("intel:feeds", kwargs=slug),
            _exists("intel.Feed", organization=org, enabled=True),
        ),
        Step(
            "mailcheck",
            _("Set the mail-check address"),
            _("Staff forward a doubtful mail there and get a verdict."),
            reverse("mailcheck:settings", kwargs=slug),
            # Saved once (the standard address may be kept) or already used.
            _exists("mailcheck.MailCheckSettings", organization=org)
            or _exists("mailcheck.CheckedMail", organization=org),
        ),
        Step(
            "assessment",
            _("Take the basic self-check"),
            _("25 questions; each weak answer becomes a dated action."),
            reverse("assessments:list", kwargs=slug),
            _exists("assessments.Assessment", organization=org, status="completed"),
        ),
        Step(
            "website",
            _("Add your website"),
            _("mamori watches it for defacement, injected scripts and certificate expiry."),
            reverse("inventory:list", kwargs={**slug, "register": "websites"}),
            _exists("inventory.Website", organization=org)
            or _exists("monitoring.WatchedPage", organization=org),
        ),
    ]


def checklist(org: Any) -> dict[str, Any] | None:
    """The checklist while any step is open; None once everything is done."""
    items = steps(org)
    done = sum(1 for step in items if step.done)
    if done == len(items):
        return None
    return {"steps": items, "done": done, "total": len(items)}
