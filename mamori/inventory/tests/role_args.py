from __future__ import annotations

from typing import Any

from mamori.inventory.models import Person


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    person = Person.objects.create(organization=org, name="Role test person")
    register = {"register": "people"}
    return {
        "inventory:list": register,
        "inventory:create": register,
        "inventory:detail": {**register, "pk": person.pk},
        "inventory:edit": {**register, "pk": person.pk},
        "inventory:archive": {**register, "pk": person.pk},
        "inventory:import": register,
        "inventory:export": register,
        "inventory:template": register,
        "inventory:sharing_report": {},
    }
