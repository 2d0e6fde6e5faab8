from __future__ import annotations

from typing import Any

from mamori.incidents.models import Incident
from mamori.inventory.models import Supplier
from mamori.privacy.models import Supervision
from mamori.privacy.services import create_link


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    supplier = Supplier.objects.create(organization=org, name="Role test supplier")
    supervision = Supervision.objects.create(organization=org, supplier=supplier)
    incident = Incident.objects.create(organization=org, title="Role test incident")
    link, _token = create_link(None, supervision)
    return {
        "privacy:audit_add": {"pk": supervision.pk},
        "privacy:link_create": {"pk": supervision.pk},
        "privacy:link_revoke": {"pk": link.pk},
        "privacy:incident_data": {"pk": incident.pk},
    }
