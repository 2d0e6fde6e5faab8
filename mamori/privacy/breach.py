"""The personal-data register as a source for the breach clock (incidents.breach_clock).

When an incident names entries of the register, the decision reads from them: personal data is
involved, how many people (the sum of the entries' counts, when every entry has one) and whether
special care-required data is among them. An answer typed on the breach page wins over the
register whenever it is set.

The count is the sum over the named entries: an upper bound when the same people appear in two
entries (the safe side for the 1,000-person threshold); the exact figure, once known, is typed on
the breach page and wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .models import PersonalData


def register_answers(incident: Any) -> dict[str, Any]:
    if incident is None or incident.pk is None:
        return {}
    rows = list(
        PersonalData.objects.filter(
            organization_id=incident.organization_id, incidents=incident
        ).values_list("sensitive", "people_count")
    )
    if not rows:
        return {}
    answers: dict[str, Any] = {
        "personal_data": True,
        "sensitive": any(sensitive for sensitive, _count in rows),
    }
    counts = [count for _sensitive, count in rows]
    if all(count is not None for count in counts):
        answers["affected_count"] = sum(counts)
    return answers


def with_register(incident: Any, answers: Mapping[str, Any] | None) -> dict[str, Any]:
    """The answers the decision uses: the register's, overridden by every explicit answer."""
    explicit = {k: v for k, v in (answers or {}).items() if v not in (None, "")}
    return {**register_answers(incident), **explicit}


def sources(incident: Any) -> list[PersonalData]:
    return list(
        PersonalData.objects.filter(
            organization_id=incident.organization_id, incidents=incident
        ).order_by("name")
    )
