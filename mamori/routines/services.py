"""Changes to recurring checks: one transaction and one audit event each; the due-chore findings
are brought up to date after commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import record
from mamori.findings.models import Action, Finding, Status
from mamori.findings.services import SyncResult, run_rule
from mamori.orgs.models import Membership, Organization

from .defaults import DEFAULT_CHORES
from .models import Chore, RoutineSetup, add_months
from .rules import KIND, ChoreDue

# Whether Finding keeps a copy of its action's owner for the lists (being added by the findings
# change that denormalises the to-do list); both states are handled until it has landed.
_FINDING_COPIES_OWNER = any(f.name == "action_owner" for f in Finding._meta.get_fields())

EDITABLE_FIELDS = (
    "kind",
    "title",
    "interval_months",
    "interval_days",
    "owner",
    "owner_person",
    "next_due",
    "source",
    "notes",
)


def ensure_defaults(org: Organization, *, request: HttpRequest | None = None) -> int:
    """Give the organisation the default chores once; returns how many were created."""
    with transaction.atomic():
        setup, created = RoutineSetup.objects.get_or_create(organization=org)
        if not created:
            return 0
        today = timezone.localdate()
        chores = Chore.objects.bulk_create(
            [
                Chore(
                    organization=org,
                    kind=item.kind,
                    interval_months=item.interval_months,
                    next_due=add_months(today, item.first_in_months),
                    paused=item.paused,
                    source=item.source,
                )
                for item in DEFAULT_CHORES
            ]
        )
        record(
            "routines.defaults_added",
            request=request,
            organization=org,
            object_repr=str(org),
            changes={"count": len(chores)},
        )
    return len(chores)


def owner_user(chore: Chore) -> Any:
    """The member who gets the chore's action: its member owner, or the member whose address is
    the owning person's (a person in the register need not have an account)."""
    if chore.owner_id is not None:
        return chore.owner
    person = chore.owner_person
    if person is None or not person.email:
        return None
    return (
        get_user_model()
        .objects.filter(
            email__iexact=person.email,
            pk__in=Membership.objects.filter(organization_id=chore.organization_id).values(
                "user_id"
            ),
        )
        .first()
    )


def sync_due(org: Organization) -> SyncResult:
    """Open (or resolve) the due-chore findings and give each new action its chore's owner; an
    owner someone set on the action by hand is kept."""
    result = run_rule(org, ChoreDue())
    open_actions = Action.objects.filter(
        organization=org, owner__isnull=True, finding__kind=KIND, finding__status=Status.OPEN
    ).select_related("finding")
    chore_ids = {int(a.finding.subject_id) for a in open_actions if a.finding.subject_id.isdigit()}
    chores = {
        c.pk: c
        for c in Chore.objects.filter(organization=org, pk__in=chore_ids).select_related(
            "owner", "owner_person"
        )
    }
    for action in open_actions:
        chore = chores.get(int(action.finding.subject_id or 0))
        user = owner_user(chore) if chore is not None else None
        if user is not None:
            with transaction.atomic():
                Action.objects.filter(pk=action.pk, owner__isnull=True).update(owner=user)
                if _FINDING_COPIES_OWNER:
                    # The lists read the owner from the finding's copy (findings.models).
                    Finding.objects.filter(pk=action.finding_id).update(action_owner=user)
    return result


def _sync_after_commit(org: Organization) -> None:
    transaction.on_commit(lambda: sync_due(org))


def _values(chore: Chore) -> dict[str, Any]:
    return {name: str(getattr(chore, name) or "") for name in EDITABLE_FIELDS}


def save_chore(request: HttpRequest, org: Organization, chore: Chore) -> Chore:
    """Create or change a chore (the form already validated and filled `chore`)."""
    is_new = chore.pk is None
    before = {} if is_new else _values(Chore.objects.get(pk=chore.pk))
    with transaction.atomic():
        chore.organization = org
        chore.save()
        after = _values(chore)
        record(
            "routines.chore_created" if is_new else "routines.chore_updated",
            request=request,
            organization=org,
            obj=chore,
            changes=after
            if is_new
            else {k: [before[k], after[k]] for k in after if before[k] != after[k]},
        )
        _sync_after_commit(org)
    return chore


def set_paused(request: HttpRequest, chore: Chore, paused: bool) -> None:
    with transaction.atomic():
        chore.paused = paused
        chore.save(update_fields=["paused"])
        record(
            "routines.chore_paused" if paused else "routines.chore_resumed",
            request=request,
            organization=chore.organization,
            obj=chore,
        )
        _sync_after_commit(chore.organization)


def mark_done(request: HttpRequest, chore: Chore, done_on: date, note: str = "") -> date:
    """Record who did the chore and when; the next round is one interval after that day.
    Returns the new due date. The round's finding resolves after commit."""
    with transaction.atomic():
        previous_due = chore.next_due
        chore.last_done_on = done_on
        chore.last_done_by = request.user if request.user.is_authenticated else None
        chore.last_done_note = note[:500]
        chore.next_due = chore.interval_after(done_on)
        chore.save(update_fields=["last_done_on", "last_done_by", "last_done_note", "next_due"])
        record(
            "routines.chore_done",
            request=request,
            organization=chore.organization,
            obj=chore,
            changes={
                "done_on": done_on,
                "due": previous_due,
                "next_due": chore.next_due,
                "note": note[:200],
            },
        )
        _sync_after_commit(chore.organization)
    return chore.next_due


def open_finding(chore: Chore) -> Finding | None:
    """The chore's current round, when it is open (for a link from the list)."""
    return Finding.objects.filter(
        organization_id=chore.organization_id,
        kind=KIND,
        subject_id=str(chore.pk),
        status=Status.OPEN,
    ).first()
