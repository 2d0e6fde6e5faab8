"""Drill transitions and training assignments: each one transaction with one audit event.

Safety rules kept here (the views only call these): a drill is sent only after an owner
approved it; every address is checked against the organisation's own domains when the drill is
drafted, approved and again when each mail goes out; the send runs as a job, never in a request.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts.services import profile_of
from mamori.audit.services import record
from mamori.core.http import pinned_outbound
from mamori.core.jobs import enqueue
from mamori.inventory.models import Person
from mamori.mailcheck.models import MailCheckSettings
from mamori.notify.models import Channel, ChannelKind
from mamori.orgs.models import Membership, Organization, Role

from . import mailer
from .content import machine_reason
from .models import (
    Drill,
    DrillEvent,
    DrillRecipient,
    DrillStatus,
    EventKind,
    TrainingKind,
    TrainingRecord,
)

log = logging.getLogger(__name__)

SEND_JOB = "training.send_drill"
TRAINING_DUE_DAYS = 14
MAX_RECIPIENTS = 500
SMTP_TIMEOUT = 20
MAX_EVENTS_PER_RECIPIENT = 200


class DrillRefused(Exception):
    """A drill change that the rules refuse; the message is in the user's language."""


def own_domains(org: Organization) -> list[str]:
    own = MailCheckSettings.objects.filter(organization=org).first()
    return own.own_domain_list if own is not None else []


def on_own_domain(address: str, domains: list[str]) -> bool:
    domain = address.strip().lower().rpartition("@")[2].rstrip(".")
    return bool(domain) and domain in domains


def eligible_people(org: Organization) -> list[Person]:
    """People in the register who may receive a drill: still here, with an address on one of
    the organisation's own domains."""
    domains = own_domains(org)
    today = timezone.localdate()
    people = Person.objects.filter(organization=org, archived_at__isnull=True).exclude(email="")
    return [
        person
        for person in people.order_by("department", "name")
        if on_own_domain(person.email, domains) and not (person.left_on and person.left_on <= today)
    ]


def _check_addresses(org: Organization, addresses: list[str]) -> None:
    domains = own_domains(org)
    if not domains:
        raise DrillRefused(
            _(
                "Set your organisation's own mail domains in the mail check settings first: "
                "drill mail goes only to addresses on them."
            )
        )
    outside = [a for a in addresses if not on_own_domain(a, domains)]
    if outside:
        raise DrillRefused(
            _(
                "%(addresses)s is not on your organisation's domains (%(domains)s). Drill mail "
                "goes only to addresses inside the organisation."
            )
            % {"addresses": ", ".join(outside[:5]), "domains": ", ".join(domains)}
        )


def _language_of(address: str) -> str:
    user = get_user_model().objects.filter(email__iexact=address, is_active=True).first()
    if user is None:
        return "ja"
    return "en" if str(profile_of(user).language or "ja").startswith("en") else "ja"


def create_drill(
    request: HttpRequest | None,
    org: Organization,
    *,
    name: str,
    template: str,
    people: list[Person],
    actor: Any = None,
    scanner_window_seconds: int = 10,
) -> Drill:
    """A draft drill for these people (an owner approves it before anything is sent)."""
    if not people:
        raise DrillRefused(_("Choose at least one person."))
    if len(people) > MAX_RECIPIENTS:
        raise DrillRefused(_("A drill can have at most %(count)d people.") % {"count": 500})
    if any(person.organization_id != org.pk for person in people):
        raise DrillRefused(_("Choose people of this organisation only."))
    _check_addresses(org, [person.email for person in people])
    actor = actor or (request.user if request is not None else None)
    with transaction.atomic():
        drill = Drill.objects.create(
            organization=org,
            name=name[:200],
            template=template,
            created_by=actor,
            scanner_window_seconds=max(0, min(int(scanner_window_seconds), 300)),
        )
        seen: set[str] = set()
        for person in people:
            address = person.email.strip().lower()
            if address in seen:
                continue
            seen.add(address)
            DrillRecipient.objects.create(
                organization=org,
                drill=drill,
                person=person,
                name=person.name,
                email=address,
                department=person.department,
                language=_language_of(address),
                token=secrets.token_urlsafe(24),
            )
        record(
            "training.drill_created",
            request=request,
            actor=actor,
            organization=org,
            obj=drill,
            changes={"template": template, "recipients": len(seen)},
        )
    return drill


def _is_owner(org: Organization, user: Any) -> bool:
    return Membership.objects.filter(
        organization=org, user_id=getattr(user, "pk", None), role=Role.OWNER
    ).exists()


def approve_drill(request: HttpRequest | None, drill: Drill, *, actor: Any = None) -> Drill:
    """An owner's approval; the send job is queued when this commits."""
    actor = actor or (request.user if request is not None else None)
    org = drill.organization
    if not _is_owner(org, actor):
        raise DrillRefused(_("Only an owner can approve a drill."))
    with transaction.atomic():
        locked = Drill.objects.select_for_update().get(pk=drill.pk)
        if locked.status != DrillStatus.DRAFT:
            raise DrillRefused(_("This drill has already been approved."))
        _check_addresses(org, list(locked.recipients.values_list("email", flat=True)))
        locked.status = DrillStatus.APPROVED
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        enqueue(
            SEND_JOB,
            {"drill_id": locked.pk},
            organization_id=org.pk,
            unique_key=f"{SEND_JOB}:{locked.pk}",
            max_attempts=3,
        )
        record(
            "training.drill_approved",
            request=request,
            actor=actor,
            organization=org,
            obj=locked,
            changes={"recipients": locked.recipients.count()},
        )
    return locked


@dataclass
class SendResult:
    delivered: int = 0
    refused: int = 0
    failed: int = 0


def send_drill(drill_id: int) -> SendResult:
    """The job: send every approved drill mail not yet delivered (a retry resends only those)."""
    claimed = Drill.objects.filter(
        pk=drill_id, status__in=[DrillStatus.APPROVED, DrillStatus.SENDING]
    ).update(status=DrillStatus.SENDING)
    result = SendResult()
    if not claimed:
        return result
    drill = Drill.objects.select_related("organization").get(pk=drill_id)
    if drill.approved_at is None:  # never without an owner's approval, whatever the row says
        Drill.objects.filter(pk=drill_id).update(status=DrillStatus.DRAFT)
        return result
    org = drill.organization
    domains = own_domains(org)
    channel = organisation_smtp(org)
    from_email = (channel.from_email if channel else "") or settings.DEFAULT_FROM_EMAIL
    with ExitStack() as stack:
        try:
            connection = _open_connection(stack, channel)
        except Exception as exc:  # noqa: BLE001 - a server that is down or refused: say so
            _finish(drill, result, error=f"{type(exc).__name__}"[:200])
            return result
        for recipient in drill.recipients.filter(delivered_at__isnull=True).select_related("drill"):
            _send_one(recipient, connection, from_email, domains, result)
        connection.close()
    _finish(drill, result)
    return result


def _finish(drill: Drill, result: SendResult, error: str = "") -> None:
    failed = bool(error) or (result.failed and not result.delivered)
    with transaction.atomic():
        Drill.objects.filter(pk=drill.pk).update(
            status=DrillStatus.FAILED if failed else DrillStatus.SENT,
            sent_at=timezone.now(),
            last_error=error,
        )
        record(
            "training.drill_sent",
            organization=drill.organization,
            obj=drill,
            changes={
                "delivered": result.delivered,
                "refused": result.refused,
                "failed": result.failed,
                **({"error": error} if error else {}),
            },
        )


def organisation_smtp(org: Organization) -> Channel | None:
    """The organisation's own SMTP server (an enabled mail channel with its own server), if any;
    otherwise the drill goes through the server's mail settings."""
    return (
        Channel.objects.filter(
            organization=org, kind=ChannelKind.EMAIL, enabled=True, use_server_mail=False
        )
        .exclude(smtp_host="")
        .order_by("pk")
        .first()
    )


def _open_connection(stack: ExitStack, channel: Channel | None) -> Any:
    if channel is None:
        connection = get_connection(fail_silently=False)
    else:
        # A destination a member typed: resolved once through the outbound guard and connected
        # to at exactly the checked address (as notify.delivery does).
        pin = stack.enter_context(pinned_outbound(timeout=SMTP_TIMEOUT))
        pin.resolve(channel.smtp_host, channel.smtp_port)
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            fail_silently=False,
            host=channel.smtp_host,
            port=channel.smtp_port,
            username=channel.smtp_username or None,
            password=channel.smtp_password or None,
            use_tls=channel.smtp_starttls,
            timeout=SMTP_TIMEOUT,
        )
    connection.open()
    return connection


def _send_one(
    recipient: DrillRecipient, connection: Any, from_email: str, domains: list[str], result: Any
) -> None:
    if not on_own_domain(recipient.email, domains):
        result.refused += 1
        DrillRecipient.objects.filter(pk=recipient.pk).update(
            send_error="outside the organisation's domains"
        )
        return
    message = mailer.compose(recipient, from_email)
    message.connection = connection
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - one refused address must not stop the rest
        result.failed += 1
        DrillRecipient.objects.filter(pk=recipient.pk).update(send_error=type(exc).__name__[:300])
        return
    result.delivered += 1
    DrillRecipient.objects.filter(pk=recipient.pk).update(
        delivered_at=timezone.now(), send_error=""
    )


def assign_training(recipient: DrillRecipient) -> TrainingRecord | None:
    """A to-do training record for someone who clicked (once per drill and person)."""
    if recipient.person_id is None or recipient.training_id is not None:
        return None
    with transaction.atomic():
        training = TrainingRecord.objects.create(
            organization_id=recipient.organization_id,
            person_id=recipient.person_id,
            title=_("Review: recognising targeted mail (handbook chapter 7 §7.1)"),
            kind=TrainingKind.DRILL_REVIEW,
            completed=False,
            due_on=timezone.localdate() + timedelta(days=TRAINING_DUE_DAYS),
            notes=recipient.drill.name,
        )
        DrillRecipient.objects.filter(pk=recipient.pk).update(training=training)
        record(
            "training.training_assigned",
            organization=recipient.organization_id,
            obj=training,
            changes={"drill": recipient.drill_id},
        )
    recipient.training = training
    return training


_STAMP = {
    EventKind.OPEN: ("opened_at",),
    EventKind.CLICK: ("clicked_at", "opened_at"),
    EventKind.ATTACHMENT: ("attachment_opened_at", "opened_at"),
}


def record_event(
    token: str, kind: str, *, method: str, user_agent: str, ip: str | None
) -> DrillRecipient | None:
    """Store one tracking request; a person's (not a machine's) first one stamps the recipient."""
    recipient = (
        DrillRecipient.objects.select_related("drill", "organization")
        .filter(token=token, delivered_at__isnull=False)
        .first()
    )
    if recipient is None:
        return None
    now = timezone.now()
    reason = machine_reason(
        method=method,
        user_agent=user_agent,
        ip=ip,
        delivered_at=recipient.delivered_at,
        at=now,
        window_seconds=recipient.drill.scanner_window_seconds,
    )
    with transaction.atomic():
        # Bounded: a scanner or a script hitting the link in a loop cannot grow the table.
        if DrillEvent.objects.filter(recipient=recipient).count() < MAX_EVENTS_PER_RECIPIENT:
            DrillEvent.objects.create(
                organization_id=recipient.organization_id,
                recipient=recipient,
                kind=kind,
                at=now,
                method=method[:10],
                user_agent=user_agent[:300],
                ip=ip,
                machine_reason=reason,
            )
        rows = DrillRecipient.objects.filter(pk=recipient.pk)
        if reason:
            rows.update(machine_events=F("machine_events") + 1)
            return recipient
        for name in _STAMP[EventKind(kind)]:
            DrillRecipient.objects.filter(pk=recipient.pk, **{f"{name}__isnull": True}).update(
                **{name: now}
            )
    recipient.refresh_from_db()
    if kind in (EventKind.CLICK, EventKind.ATTACHMENT):
        assign_training(recipient)
    return recipient


def record_report(recipient: DrillRecipient) -> bool:
    """The recipient forwarded the drill mail to the check address: the success. False when it
    was already counted."""
    with transaction.atomic():
        updated = DrillRecipient.objects.filter(pk=recipient.pk, reported_at__isnull=True).update(
            reported_at=timezone.now()
        )
        if updated:
            record(
                "training.drill_reported",
                organization=recipient.organization_id,
                obj=recipient.drill,
                object_repr=f"{recipient.drill} — {recipient.name}",
                changes={"recipient": recipient.name},
            )
    return bool(updated)
