from __future__ import annotations

from typing import Any

from django.utils import timezone

from mamori.routines.models import Chore, ChoreKind


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    chore = Chore.objects.create(
        organization=org,
        kind=ChoreKind.RESTORE_TEST,
        interval_months=6,
        next_due=timezone.localdate(),
    )
    one = {"pk": chore.pk}
    return {"routines:edit": one, "routines:done": one, "routines:pause": one}
