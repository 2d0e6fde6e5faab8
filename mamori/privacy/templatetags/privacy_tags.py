"""The incident page's personal-data section, rendered from the privacy app so the incidents
app needs only one line in its template."""

from __future__ import annotations

from typing import Any

from django import template

from mamori.privacy.models import PersonalData

register = template.Library()


@register.inclusion_tag("privacy/incident_section.html", takes_context=True)
def incident_personal_data(context: Any, incident: Any) -> dict[str, Any]:
    entries = list(
        PersonalData.objects.filter(
            organization_id=incident.organization_id, incidents=incident
        ).order_by("name")
    )
    return {
        "org": context.get("org"),
        "incident": incident,
        "entries": entries,
        "can_edit": context.get("can_edit", False),
    }
