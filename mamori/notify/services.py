"""Notifications: channel changes, immediate alerts, delivery with retries, digests, calendars.

The hook: ``mamori.findings.services.sync`` calls ``findings_opened(org_id, ids)`` after commit
for findings it opened or re-opened. Critical events become one Notification per matching
channel and one delivery job each; a failing channel retries with backoff (jobs) and never
holds up the others. Other modules may call ``notify_event`` for notices that are not findings.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, time, timedelta
from functools import partial
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.accounts.requirements import unmet_requirements
from mamori.audit.services import record
from mamori.core.jobs import enqueue, ensure_lease, schedule
from mamori.core.models import Job
from mamori.core.outage import retry_on_outage
from mamori.findings.models import SEVERITY_RANK, Finding
from mamori.orgs.models import Membership, Organization

from .compose import (
    Message,
    event_message,
    finding_message,
    findings_summary_message,
    test_message,
)
from .delivery import DeliveryError, masked_url, send_chat, send_email
from .models import (
    CalendarFeed,
    Channel,
    ChannelKind,
    DeliveryStatus,
    Digest,
    Notification,
    NotificationKind,
    Preference,
)

logger = logging.getLogger("mamori.notify")

DELIVER_JOB = "notify.deliver"
PERIODIC_JOB = "notify.periodic"
DELIVERY_ATTEMPTS = 6
PERIODIC_SECONDS = 5 * 60
# Kinds that are worth waking someone for whatever their stored severity (the list).
IMMEDIATE_KINDS = frozenset(
    {
        "inventory.leaver_access",
        "mailcheck.dangerous_mail",
        "monitoring.defacement",
    }
)
IMMEDIATE_PREFIXES = ("incident.", "incidents.")
CHANNEL_SECRET_FIELDS = ("smtp_password", "apprise_url")
MAX_SEPARATE_ALERTS = 5


def is_immediate(finding: Finding) -> bool:
    if finding.severity == "critical" or finding.kind in IMMEDIATE_KINDS:
        return True
    if finding.kind.startswith(IMMEDIATE_PREFIXES):
        return True
    params = finding.params or {}
    # A vulnerability on CISA's Known Exploited list is being used in attacks now.
    return finding.kind.startswith("intel.") and bool(params.get("kev_listed"))


def _rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, 0)


# --- channels -------------------------------------------------------------------------------


def _channel_audit(channel: Channel) -> dict[str, Any]:
    """What the audit trail keeps of a channel: never its secrets."""
    return {
        "name": channel.name,
        "kind": channel.kind,
        "enabled": channel.enabled,
        "min_severity": channel.min_severity,
        "digest": channel.digest,
        "quiet": f"{channel.quiet_start or ''}-{channel.quiet_end or ''}",
        "destination": masked_url(channel.apprise_url)
        if channel.kind == ChannelKind.CHAT
        else (channel.smtp_host or "server"),
    }


def save_channel(request: HttpRequest, org: Organization, channel: Channel) -> Channel:
    is_new = channel.pk is None
    with transaction.atomic():
        channel.organization = org
        if channel.digest != Digest.NONE and channel.next_digest_at is None:
            channel.next_digest_at = next_digest_time(channel, timezone.now())
        if channel.digest == Digest.NONE:
            channel.next_digest_at = None
        channel.save()
        record(
            "notify.channel_added" if is_new else "notify.channel_changed",
            request=request,
            organization=org,
            obj=channel,
            changes=_channel_audit(channel),
        )
        # Digests and event checks (incidents, deadlines) run from one recurring job.
        ensure_periodic_schedule()
    return channel


def delete_channel(request: HttpRequest, channel: Channel) -> None:
    with transaction.atomic():
        record(
            "notify.channel_deleted",
            request=request,
            organization=channel.organization,
            obj=channel,
            changes=_channel_audit(channel),
        )
        channel.delete()


def save_preference(request: HttpRequest, preference: Preference) -> Preference:
    with transaction.atomic():
        preference.save()
        record(
            "notify.preference_changed",
            request=request,
            organization=preference.organization_id,
            obj=preference,
            changes={"alerts": preference.alerts, "digests": preference.digests},
        )
    return preference


def preference_for(org: Organization, user: Any) -> Preference:
    found = Preference.objects.filter(organization=org, user=user).first()
    return found or Preference(organization=org, user=user)


def recipients_by_language(channel: Channel, *, digest: bool) -> dict[str, list[str]]:
    """Members who did not opt out (alerts or digests), by the language each reads, then the
    channel's own addresses (in Japanese, the organisation's language): one mail per language,
    never two languages glued in one message."""
    groups: dict[str, list[str]] = {}
    seen: set[str] = set()
    if channel.send_to_members:
        opted_out = set(
            Preference.objects.filter(organization_id=channel.organization_id)
            .filter(**({"digests": False} if digest else {"alerts": False}))
            .values_list("user_id", flat=True)
        )
        for user_id, email, language in Membership.objects.filter(
            organization_id=channel.organization_id, user__is_active=True
        ).values_list("user_id", "user__email", "user__profile__language"):
            if email and user_id not in opted_out and email not in seen:
                seen.add(email)
                groups.setdefault("en" if language == "en" else "ja", []).append(email)
    for address in channel.recipient_list:
        if address not in seen:
            seen.add(address)
            groups.setdefault("ja", []).append(address)
    return groups


def email_recipients(channel: Channel, *, digest: bool) -> list[str]:
    """Every address a mail of this channel goes to (all languages)."""
    groups = recipients_by_language(channel, digest=digest)
    return [address for addresses in groups.values() for address in addresses]


# --- creating notifications -----------------------------------------------------------------


def _audiences(channel: Channel, kind: str) -> dict[str, str]:
    """language → recipients text: one message per language for mail; chat gets Japanese."""
    if channel.kind != ChannelKind.EMAIL:
        return {"ja": masked_url(channel.apprise_url)}
    groups = recipients_by_language(channel, digest=kind == NotificationKind.DIGEST)
    if not groups:  # delivery records "no recipients"
        return {"ja": ""}
    return {language: ", ".join(addresses) for language, addresses in groups.items()}


def _queue(
    channel: Channel,
    kind: str,
    build: Callable[[Sequence[str]], Message],
    *,
    severity: str = "",
    finding: Finding | None = None,
    event_key: str = "",
) -> list[Notification]:
    created = []
    for language, recipients in _audiences(channel, kind).items():
        message = build((language,))
        notification = Notification.objects.create(
            organization_id=channel.organization_id,
            channel=channel,
            kind=kind,
            finding=finding,
            severity=severity,
            event_key=event_key[:120],
            subject=message.subject,
            body=message.body,
            recipients=recipients[:5000],
        )
        enqueue(
            DELIVER_JOB,
            {"notification_id": notification.pk},
            organization_id=channel.organization_id,
            max_attempts=DELIVERY_ATTEMPTS,
        )
        created.append(notification)
    return created


def channels_for(org_id: int, severity: str) -> list[Channel]:
    return [
        channel
        for channel in Channel.objects.filter(organization_id=org_id, enabled=True)
        if _rank(severity) >= _rank(channel.min_severity)
    ]


def findings_opened(org_id: int, finding_ids: Iterable[int]) -> list[Notification]:
    """Alerts for newly opened or re-opened findings that are critical events (after commit)."""
    ids = list(finding_ids)
    if not ids:
        return []
    findings = [
        finding
        for finding in Finding.objects.filter(organization_id=org_id, pk__in=ids).select_related(
            "organization"
        )
        if is_immediate(finding)
    ]
    if not findings:
        return []
    created: list[Notification] = []
    if len(findings) > MAX_SEPARATE_ALERTS:
        # One rule run opening many at once: one message listing them, not a flood.
        ordered = sorted(findings, key=lambda finding: -_rank(finding.severity))
        with transaction.atomic():
            for channel in channels_for(org_id, ordered[0].severity):
                shown = [f for f in ordered if _rank(f.severity) >= _rank(channel.min_severity)]
                created.extend(
                    _queue(
                        channel,
                        NotificationKind.ALERT,
                        partial(findings_summary_message, ordered[0].organization, shown),
                        severity=shown[0].severity,
                    )
                )
        return created
    with transaction.atomic():
        for finding in findings:
            for channel in channels_for(org_id, finding.severity):
                created.extend(
                    _queue(
                        channel,
                        NotificationKind.ALERT,
                        partial(finding_message, finding),
                        severity=finding.severity,
                        finding=finding,
                    )
                )
    return created


def findings_opened_after_commit(org_id: int, finding_ids: list[int]) -> None:
    """The hook for the findings service: never lets a notification problem undo a finding."""

    def run() -> None:
        try:
            findings_opened(org_id, finding_ids)
        except Exception:
            logger.exception("notify: could not queue alerts for organisation %s", org_id)

    transaction.on_commit(run)


def notify_event(
    org: Organization,
    *,
    severity: str,
    title: dict[str, str],
    body: dict[str, str],
    path: str,
    event_key: str = "",
) -> list[Notification]:
    """An immediate notice that is not a finding (e.g. an incident opened, a deadline near).
    With an event_key, the notice is queued once per channel however often this is called."""
    build = partial(event_message, org, title, body, path)
    with transaction.atomic():
        return [
            notification
            for channel in channels_for(org.pk, severity)
            if not event_key
            or not Notification.objects.filter(channel=channel, event_key=event_key).exists()
            for notification in _queue(
                channel, NotificationKind.ALERT, build, severity=severity, event_key=event_key
            )
        ]


# --- delivery -------------------------------------------------------------------------------


def _local_time(org: Organization, moment: datetime) -> datetime:
    try:
        zone = ZoneInfo(org.time_zone or "Asia/Tokyo")
    except (KeyError, ValueError):
        zone = ZoneInfo("Asia/Tokyo")
    return moment.astimezone(zone)


def quiet_until(channel: Channel, moment: datetime) -> datetime | None:
    """The end of the current quiet period (aware), or None when it is not quiet now."""
    start, end = channel.quiet_start, channel.quiet_end
    if start is None or end is None or start == end:
        return None
    local = _local_time(channel.organization, moment)
    now_time = local.time()
    if start < end:
        inside = start <= now_time < end
    else:  # over midnight, e.g. 22:00-07:00
        inside = now_time >= start or now_time < end
    if not inside:
        return None
    until = datetime.combine(local.date(), end, tzinfo=local.tzinfo)
    if until <= local:
        until += timedelta(days=1)
    return until


def _send(channel: Channel, notification: Notification) -> None:
    if channel.kind == ChannelKind.EMAIL:
        recipients = [r.strip() for r in notification.recipients.split(",") if r.strip()]
        send_email(channel, notification.subject, notification.body, recipients)
    else:
        send_chat(channel.apprise_url, notification.subject, notification.body)


def deliver(
    notification_id: int, *, job: Job | None = None, now: datetime | None = None
) -> Notification | None:
    """Send one notification. Raises DeliveryError after recording a failure (the job retries)."""
    notification = (
        Notification.objects.select_related("channel", "channel__organization")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.status == DeliveryStatus.SENT:
        return notification
    channel = notification.channel
    moment = now or timezone.now()
    if not channel.enabled:
        Notification.objects.filter(pk=notification.pk).update(
            status=DeliveryStatus.FAILED, last_error=str(DeliveryError("disabled"))
        )
        return notification
    held = quiet_until(channel, moment)
    bypass = channel.critical_in_quiet_hours and notification.severity == "critical"
    if held is not None and not bypass and notification.kind != NotificationKind.TEST:
        with transaction.atomic():
            Notification.objects.filter(pk=notification.pk).update(status=DeliveryStatus.HELD)
            enqueue(
                DELIVER_JOB,
                {"notification_id": notification.pk},
                run_at=held,
                organization_id=notification.organization_id,
                max_attempts=DELIVERY_ATTEMPTS,
            )
        notification.status = DeliveryStatus.HELD
        return notification
    notification.attempts += 1
    if job is not None:
        ensure_lease(job)  # another worker has it now: do not send a second time
    try:
        _send(channel, notification)
    except DeliveryError as error:
        # Without a job (a test send) nothing will retry: the failure is final.
        final = job is None or job.attempts >= job.max_attempts
        notification.status = DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING
        notification.last_error = str(error)[:500]
        notification.save(update_fields=["status", "last_error", "attempts"])
        Channel.objects.filter(pk=channel.pk).update(
            last_failure_at=timezone.now(), last_error=str(error)[:500]
        )
        raise
    notification.status = DeliveryStatus.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""

    def record_sent() -> None:
        # The notification's status is the key that keeps it from being sent twice: record it
        # through a database blip rather than let the job fail and send again.
        notification.save(update_fields=["status", "sent_at", "last_error", "attempts"])
        Channel.objects.filter(pk=channel.pk).update(last_success_at=notification.sent_at)

    lease: Any = getattr(job, "_lease", None)
    deadline = lease.valid_until if lease is not None else monotonic() + 30
    retry_on_outage(record_sent, deadline=deadline, what=f"notification {notification.pk} sent")
    return notification


def send_test(request: HttpRequest, channel: Channel) -> tuple[bool, str]:
    """Send a test now (not queued, so the owner sees the result at once): one message per
    language of the recipients."""
    notifications = []
    for language, recipients in _audiences(channel, NotificationKind.TEST).items():
        message = test_message(channel.organization, channel.name, (language,))
        notifications.append(
            Notification.objects.create(
                organization=channel.organization,
                channel=channel,
                kind=NotificationKind.TEST,
                subject=message.subject,
                body=message.body,
                recipients=recipients[:5000],
            )
        )
    record("notify.test_sent", request=request, organization=channel.organization, obj=channel)
    for notification in notifications:
        try:
            deliver(notification.pk)
        except DeliveryError as error:
            return False, str(error)
        notification.refresh_from_db(fields=["status", "last_error"])
        if notification.status != DeliveryStatus.SENT:
            return False, notification.last_error or notification.get_status_display()
    return True, ""


# --- digests --------------------------------------------------------------------------------


def next_digest_time(channel: Channel, after: datetime) -> datetime:
    """The next 08:00 local time (a Monday for weekly digests) after ``after``."""
    local = _local_time(channel.organization, after)
    candidate = datetime.combine(local.date(), time(8, 0), tzinfo=local.tzinfo)
    while candidate <= local or (channel.digest == Digest.WEEKLY and candidate.weekday() != 0):
        candidate += timedelta(days=1)
    return candidate


def ensure_periodic_schedule() -> None:
    schedule(PERIODIC_JOB, unique_key=PERIODIC_JOB, every_seconds=PERIODIC_SECONDS)


def send_due_digests(now: datetime | None = None) -> int:
    from .digest import digest_message

    moment = now or timezone.now()
    count = 0
    due = (
        Channel.objects.filter(enabled=True, next_digest_at__lte=moment)
        .exclude(digest=Digest.NONE)
        .select_related("organization")
    )
    for channel in due:
        period = timedelta(days=7 if channel.digest == Digest.WEEKLY else 1)
        with transaction.atomic():
            _queue(
                channel,
                NotificationKind.DIGEST,
                partial(digest_message, channel, moment - period, moment),
            )
            channel.next_digest_at = next_digest_time(channel, moment)
            channel.save(update_fields=["next_digest_at"])
        count += 1
    return count


# --- calendar feeds -------------------------------------------------------------------------


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_calendar_feed(request: HttpRequest, org: Organization) -> str:
    """A new secret feed for the current user (older ones revoked); returns the token once."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(
            organization=org, user=request.user, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        CalendarFeed.objects.create(
            organization=org, user=request.user, token_hash=hash_feed_token(token)
        )
        record("notify.calendar_created", request=request, organization=org)
    return token


def revoke_calendar_feeds(request: HttpRequest, org: Organization) -> int:
    with transaction.atomic():
        count = CalendarFeed.objects.filter(
            organization=org, user=request.user, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        record(
            "notify.calendar_revoked", request=request, organization=org, changes={"count": count}
        )
    return count


def feed_for_token(token: str) -> CalendarFeed | None:
    if not token or len(token) > 200:
        return None
    feed = (
        CalendarFeed.objects.select_related("organization", "user")
        .filter(token_hash=hash_feed_token(token), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active:
        return None
    if not Membership.objects.filter(organization=feed.organization, user=feed.user).exists():
        return None  # a member who left loses the feed with the membership
    if unmet_requirements(feed.user, feed.organization):
        return None  # like an API token: only while the organisation's requirements are met
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed
