from __future__ import annotations

from typing import Any

from mamori.incidents.models import Incident
from mamori.inventory.models import Supplier
from mamori.privacy.models import Supervision


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    supplier = Supplier.objects.create(organization=org, name="Role test supplier")
    supervision = Supervision.objects.create(organization=org, supplier=supplier)
    incident = Incident.objects.create(organization=org, title="Role test incident")
    return {
        "privacy:audit_add": {"pk": supervision.pk},
        "privacy:link_create": {"pk": supervision.pk},
        "privacy:incident_data": {"pk": incident.pk},
    }
