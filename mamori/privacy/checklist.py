"""The PPC's ten-point checklist for small businesses (the `personal_data` questionnaire) linked
to the registers: each weak answer names the personal-data entries or supervision records it is
about, so the person reading the result knows where to start.

The mapping is ours: for each question, the records whose fields say the point is not handled
(an entry without a purpose for pd01), or, when none says so, every record the point applies to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from .models import CLAUSE_FIELDS, PersonalData, Provision, Supervision

QUESTIONNAIRE_ID = "personal_data"
MAX_RECORDS = 10


def _entries(org: Any) -> QuerySet[PersonalData]:
    return PersonalData.objects.filter(organization=org, archived_at__isnull=True).order_by("name")


def _supervisions(org: Any) -> QuerySet[Supervision]:
    return (
        Supervision.objects.filter(organization=org, archived_at__isnull=True)
        .select_related("supplier")
        .order_by("supplier__name")
    )


def _preferring(problem: QuerySet[Any], applies: QuerySet[Any]) -> QuerySet[Any]:
    return problem if problem.exists() else applies


def _purpose(org: Any) -> QuerySet[Any]:
    return _preferring(_entries(org).filter(purpose=""), _entries(org))


def _kept(org: Any) -> QuerySet[Any]:
    # Where it is kept matters for storage: the entries kept on devices or in shares first.
    return _preferring(
        _entries(org).filter(Q(devices__isnull=False) | Q(shares__isnull=False)).distinct(),
        _entries(org),
    )


def _access(org: Any) -> QuerySet[Any]:
    return _preferring(_entries(org).filter(access=""), _entries(org))


def _contractors(org: Any) -> QuerySet[Any]:
    missing = Q()
    for name in CLAUSE_FIELDS:
        missing |= Q(**{name: False})
    return _preferring(_supervisions(org).filter(missing), _supervisions(org))


def _provided(org: Any) -> QuerySet[Any]:
    return _entries(org).exclude(provision=Provision.NONE, foreign_transfer=False)


def _consent(org: Any) -> QuerySet[Any]:
    return _preferring(
        _entries(org).filter(foreign_transfer=True, foreign_consent=False), _provided(org)
    )


def _records(org: Any) -> QuerySet[Any]:
    return _preferring(_provided(org).exclude(provision_records_kept=True), _provided(org))


def _breach(org: Any) -> QuerySet[Any]:
    return _preferring(_entries(org).filter(sensitive=True), _entries(org))


QUESTION_RECORDS: dict[str, Callable[[Any], QuerySet[Any]]] = {
    "pd01_purpose": _purpose,
    "pd02_scope_of_use": _purpose,
    "pd03_physical": _kept,
    "pd04_technical": _kept,
    "pd05_staff": _access,
    "pd06_contractors": _contractors,
    "pd07_consent": _consent,
    "pd08_records": _records,
    "pd09_requests": _entries,
    "pd10_breach": _breach,
}


def records_for(org: Any, question_id: str) -> list[dict[str, str]]:
    finder = QUESTION_RECORDS.get(question_id)
    if finder is None:
        return []
    out = []
    for obj in finder(org)[:MAX_RECORDS]:
        register = "supervision" if isinstance(obj, Supervision) else "personal-data"
        url = reverse(
            "inventory:detail",
            kwargs={"org_slug": org.slug, "register": register, "pk": obj.pk},
        )
        out.append({"text": str(obj), "url": url})
    return out


def attach_records(org: Any, result: Any, view: dict[str, Any]) -> None:
    """Add `records` to each weak answer of a personal-data check's result view."""
    items = [*view.get("first_actions", []), *view.get("more_actions", [])]
    for weak, item in zip(result.weak, items, strict=False):
        if weak.questionnaire_id == QUESTIONNAIRE_ID:
            item["records"] = records_for(org, weak.question_id)
