"""The payee-change workflow: each step one transaction with one audit event; rules re-run
after commit when a payee's active account changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import record
from mamori.findings.services import run_rules_after_commit
from mamori.orgs.models import Organization

from .forms import CallbackForm, ChangeRequestForm, ChecklistForm
from .models import (
    ACCOUNT_FIELDS,
    ChangeStatus,
    Payee,
    PayeeApproval,
    PayeeCallback,
    PayeeChange,
)


class StepRefused(Exception):
    """The step is not allowed now; `code` says why (a key of presentation.BLOCKERS)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _masked(snapshot: dict[str, str]) -> dict[str, str]:
    """An account for the audit trail: numbers masked, as a viewer of the trail may read it."""
    from .banking import mask

    shown = dict(snapshot)
    for name, keep in (("account_number", 3), ("iban", 4)):
        if shown.get(name):
            shown[name] = mask(shown[name], keep)
    return shown


def request_change(
    request: HttpRequest | None,
    org: Organization,
    form: ChangeRequestForm,
    actor: Any = None,
) -> PayeeChange:
    actor = actor or (request.user if request is not None else None)
    with transaction.atomic():
        change = form.save(commit=False)
        change.organization = org
        change.requested_by = actor
        change.status = ChangeStatus.PENDING
        change.save()
        record(
            "payees.change.requested",
            request=request,
            actor=actor,
            organization=org,
            obj=change.payee,
            changes={
                "change": change.pk,
                "channel": change.channel,
                "mail": change.mail_id,
                "new_account": _masked(change.account_snapshot()),
            },
        )
    return change


def log_callback(
    request: HttpRequest | None,
    change: PayeeChange,
    form: CallbackForm,
    actor: Any = None,
) -> PayeeCallback:
    """Log a call made to the payee's number on record (the only number that counts)."""
    actor = actor or (request.user if request is not None else None)
    if change.status != ChangeStatus.PENDING:
        raise StepRefused("decided")
    with transaction.atomic():
        callback = form.save(commit=False)
        callback.organization_id = change.organization_id
        callback.change = change
        callback.called_by = actor
        callback.number_called = change.payee.phone_on_record
        callback.save()
        record(
            "payees.change.callback_logged",
            request=request,
            actor=actor,
            organization=change.organization_id,
            obj=change.payee,
            changes={
                "change": change.pk,
                "number_called": callback.number_called,
                "answered_by": callback.answered_by,
                "outcome": callback.outcome,
            },
        )
    return callback


def save_checklist(
    request: HttpRequest | None, change: PayeeChange, form: ChecklistForm, actor: Any = None
) -> None:
    actor = actor or (request.user if request is not None else None)
    if change.status != ChangeStatus.PENDING:
        raise StepRefused("decided")
    with transaction.atomic():
        change = form.save(commit=False)
        change.checklist_by = actor
        change.checklist_at = timezone.now()
        change.save(
            update_fields=[
                "sender_checked",
                "previous_contact_confirmed",
                "amount_timing_plausible",
                "checklist_by",
                "checklist_at",
            ]
        )
        record(
            "payees.change.checklist_updated",
            request=request,
            actor=actor,
            organization=change.organization_id,
            obj=change.payee,
            changes={
                "change": change.pk,
                "sender_checked": change.sender_checked,
                "previous_contact_confirmed": change.previous_contact_confirmed,
                "amount_timing_plausible": change.amount_timing_plausible,
            },
        )


def approve(request: HttpRequest | None, change_id: int, actor: Any = None) -> PayeeChange:
    """Add this person's approval; with enough approvals the new account becomes active.

    The change row is locked so that two approvers pressing at once are counted once each and
    the account is switched once.
    """
    actor = actor or (request.user if request is not None else None)
    with transaction.atomic():
        change = (
            # Lock the change row only (the mail is an outer join, which PostgreSQL cannot lock).
            PayeeChange.objects.select_for_update(of=("self",))
            .select_related("payee", "mail")
            .get(pk=change_id)
        )
        problem = change.approval_problem(actor)
        if problem:
            raise StepRefused(problem)
        PayeeApproval.objects.create(
            organization_id=change.organization_id, change=change, approver=actor
        )
        approvals = change.approvals.count()
        if approvals < change.approvals_required:
            record(
                "payees.change.approval_recorded",
                request=request,
                actor=actor,
                organization=change.organization_id,
                obj=change.payee,
                changes={
                    "change": change.pk,
                    "approvals": approvals,
                    "required": change.approvals_required,
                },
            )
            return change
        payee = Payee.objects.select_for_update().get(pk=change.payee_id)
        before = payee.account_snapshot()
        for name in ACCOUNT_FIELDS:
            setattr(payee, name, getattr(change, name))
        payee.verified_fingerprint = payee.account_fingerprint()
        payee.updated_at = timezone.now()
        payee.save()
        change.previous_account = before
        change.status = ChangeStatus.APPROVED
        change.decided_at = timezone.now()
        change.decided_by = actor
        change.save(update_fields=["previous_account", "status", "decided_at", "decided_by"])
        record(
            "payees.change.approved",
            request=request,
            actor=actor,
            organization=change.organization_id,
            obj=payee,
            changes={
                "change": change.pk,
                "approvals": approvals,
                "previous_account": _masked(before),
                "new_account": _masked(payee.account_snapshot()),
            },
        )
        run_rules_after_commit(payee.organization, "payees.payee", pks=[payee.pk])
    return change


def reject(
    request: HttpRequest | None, change_id: int, note: str, actor: Any = None
) -> PayeeChange:
    actor = actor or (request.user if request is not None else None)
    with transaction.atomic():
        change = (
            PayeeChange.objects.select_for_update(of=("self",))
            .select_related("payee")
            .get(pk=change_id)
        )
        if change.status != ChangeStatus.PENDING:
            raise StepRefused("decided")
        change.status = ChangeStatus.REJECTED
        change.decided_at = timezone.now()
        change.decided_by = actor
        change.decision_note = note
        change.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        record(
            "payees.change.rejected",
            request=request,
            actor=actor,
            organization=change.organization_id,
            obj=change.payee,
            changes={"change": change.pk, "note": note},
        )
    return change


def record_reveal(request: HttpRequest, payee: Payee) -> None:
    """Seeing a full account number is itself an event in the trail."""
    record(
        "payees.payee.account_revealed",
        request=request,
        organization=payee.organization_id,
        obj=payee,
    )
