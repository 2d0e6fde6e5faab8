from __future__ import annotations

from typing import Any

from mamori.training.models import Drill, DrillTemplate


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    drill = Drill.objects.create(organization=org, name="role test", template=DrillTemplate.MEETING)
    args = {"pk": drill.pk}
    return {
        "training:drill_detail": args,
        "training:drill_approve": args,
        "training:drill_pdf": args,
    }
