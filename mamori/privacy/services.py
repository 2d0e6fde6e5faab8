"""Changes to supervision and personal-data records beyond the generic register form: audit rows,
the supplier's single-use questionnaire link, and which personal data an incident concerns.
Each change is one transaction with one audit event; rules re-run after commit."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import record
from mamori.findings.services import run_rules_after_commit
from mamori.incidents.models import Incident

from .models import (
    AuditMethod,
    PersonalData,
    QuestionnaireLink,
    Supervision,
    SupervisionAudit,
    hash_token,
)

LINK_DAYS = int(getattr(settings, "MAMORI_QUESTIONNAIRE_LINK_DAYS", 14))


def add_audit(
    request: HttpRequest | None,
    supervision: Supervision,
    *,
    audited_on: date,
    method: str,
    findings: str = "",
    follow_up: str = "",
    follow_up_done: bool = False,
    actor: Any = None,
) -> SupervisionAudit:
    actor = actor or (request.user if request is not None else None)
    with transaction.atomic():
        audit = SupervisionAudit.objects.create(
            organization_id=supervision.organization_id,
            supervision=supervision,
            audited_on=audited_on,
            method=method,
            findings=findings,
            follow_up=follow_up,
            follow_up_done=follow_up_done,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        record(
            "privacy.audit_recorded",
            request=request,
            actor=actor,
            organization=supervision.organization_id,
            obj=supervision,
            changes={"date": audited_on.isoformat(), "method": method},
        )
        run_rules_after_commit(supervision.organization, "privacy.supervisionaudit", pks=[audit.pk])
    return audit


def create_link(
    request: HttpRequest | None, supervision: Supervision, *, actor: Any = None
) -> tuple[QuestionnaireLink, str]:
    """A new single-use link; the clear token is returned once and never stored. A link of the
    same record still waiting for answers is revoked with it: one questionnaire is outstanding
    at a time, and a lost link is replaced by issuing a new one."""
    actor = actor or (request.user if request is not None else None)
    user = actor if getattr(actor, "pk", None) else None
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        replaced = outstanding(QuestionnaireLink.objects.filter(supervision=supervision)).update(
            revoked_at=now, revoked_by=user
        )
        link = QuestionnaireLink.objects.create(
            organization_id=supervision.organization_id,
            supervision=supervision,
            token_hash=hash_token(token),
            created_by=actor if getattr(actor, "pk", None) else None,
            expires_at=timezone.now() + timedelta(days=LINK_DAYS),
        )
        record(
            "privacy.questionnaire_link_created",
            request=request,
            actor=actor,
            organization=supervision.organization_id,
            obj=supervision,
            changes={"expires_at": link.expires_at.isoformat(), "replaced": replaced},
        )
    return link, token


def outstanding(links: Any) -> Any:
    """The links among `links` still waiting for answers."""
    return links.filter(
        used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def revoke_link(request: HttpRequest | None, link: QuestionnaireLink, *, actor: Any = None) -> bool:
    """Withdraw a link still waiting for answers; False (and nothing recorded) when it was
    already answered, revoked or expired. The conditional UPDATE settles a race with an answer:
    whichever commits first wins, the other changes nothing."""
    actor = actor or (request.user if request is not None else None)
    with transaction.atomic():
        revoked = outstanding(QuestionnaireLink.objects.filter(pk=link.pk)).update(
            revoked_at=timezone.now(), revoked_by=actor if getattr(actor, "pk", None) else None
        )
        if revoked:
            record(
                "privacy.questionnaire_link_revoked",
                request=request,
                actor=actor,
                organization=link.organization_id,
                obj=link.supervision,
                changes={"created_at": link.created_at.isoformat()},
            )
    return bool(revoked)


def link_for_token(token: str) -> QuestionnaireLink | None:
    if not token or len(token) > 100:
        return None
    return (
        QuestionnaireLink.objects.select_related("supervision__supplier", "organization")
        .filter(token_hash=hash_token(token))
        .first()
    )


class LinkUsed(Exception):
    """The link was answered, revoked or expired while this answer was being typed."""


def submit_answers(
    request: HttpRequest | None, link: QuestionnaireLink, answers: Mapping[str, Any], language: str
) -> SupervisionAudit:
    """Store the supplier's answers with its record; the link dies in the same transaction.

    The conditional UPDATE makes a second submission (a double click, a replayed request) lose
    even when both arrive at once."""
    now = timezone.now()
    with transaction.atomic():
        claimed = QuestionnaireLink.objects.filter(
            pk=link.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(used_at=now, answers=dict(answers), language=language[:8])
        if claimed != 1:
            raise LinkUsed
        link.refresh_from_db()
        supervision = link.supervision
        audit = SupervisionAudit.objects.create(
            organization_id=link.organization_id,
            supervision=supervision,
            audited_on=timezone.localdate(),
            method=AuditMethod.QUESTIONNAIRE,
            questionnaire=link,
        )
        record(
            "privacy.questionnaire_answered",
            request=request,
            organization=link.organization_id,
            obj=supervision,
            object_repr=str(supervision),
            changes={"answers": len(answers)},
        )
        run_rules_after_commit(link.organization, "privacy.supervisionaudit", pks=[audit.pk])
    return audit


def set_incident_data(
    request: HttpRequest | None,
    incident: Incident,
    entries: Iterable[PersonalData],
    *,
    actor: Any = None,
) -> None:
    """Name the personal data an incident concerns; a breach assessment already made is
    re-evaluated with the register's counts and flags (answers typed by hand still win)."""
    actor = actor or (request.user if request is not None else None)
    wanted = list(entries)
    with transaction.atomic():
        before = sorted(e.name for e in incident.personal_data_entries.all())
        for entry in PersonalData.objects.filter(
            organization_id=incident.organization_id, incidents=incident
        ):
            entry.incidents.remove(incident)
        for entry in wanted:
            entry.incidents.add(incident)
        after = sorted(e.name for e in wanted)
        record(
            "privacy.incident_data_linked",
            request=request,
            actor=actor,
            organization=incident.organization_id,
            obj=incident,
            changes={"personal_data": {"before": before, "after": after}},
        )
        if incident.breach_status:
            from mamori.incidents.services import save_breach

            save_breach(
                request,
                incident,
                incident.breach_answers,
                incident.breach_aware_at,
                incident.preliminary_sent_on,
                incident.final_sent_on,
                actor=actor,
            )
