"""Changes made by the mail check: one transaction, one audit event, side effects after commit."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from mamori.audit.services import changed_fields, record, snapshot
from mamori.core.jobs import cancel, schedule
from mamori.core.text import storable
from mamori.findings.rules import FindingSpec
from mamori.findings.services import sync
from mamori.orgs.models import Membership, Organization, Role

from . import credentials
from .engine import Report, analyse
from .engine.model import VERDICT_LABELS
from .models import CheckedMail, MailCheckSettings, RawMail
from .queries import context_for, settings_for

log = logging.getLogger(__name__)

FINDING_KIND = "mailcheck.dangerous_mail"
PURGE_JOB = "mailcheck.purge"
POLL_JOB = "mailcheck.poll_mailbox"
PURGE_EVERY_SECONDS = 6 * 60 * 60
# Upload and forward cap: large enough for office attachments, small enough for one request.
MAX_MAIL_BYTES = 25 * 1024 * 1024
VERDICT_SEVERITY = {"danger": "high", "caution": "medium", "safe": "low"}


@dataclass
class CheckResult:
    mail: CheckedMail
    report: Report


def _when(report: Report) -> Any:
    date = report.date
    if date is None:
        return None
    if timezone.is_naive(date):
        return timezone.make_aware(date, timezone.get_fixed_timezone(0))
    return date


def check_mail(
    org: Organization,
    raw: bytes,
    *,
    source: str,
    reporter: Any = None,
    file_name: str = "",
    request: HttpRequest | None = None,
) -> CheckResult:
    """Analyse one mail with the organisation's context and store it in the history.

    The analysis runs before the transaction (it may take a few seconds on a large mail).
    """
    report = analyse(raw, context_for(org))
    mail = CheckedMail(
        organization=org,
        source=source,
        reporter=reporter if getattr(reporter, "pk", None) else None,
        file_name=file_name[:255],
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        subject=storable(report.subject[:500]),
        from_header=storable(report.from_[:500]),
        from_address=storable(report.from_address.lower()[:320]),
        mail_date=_when(report),
        message_id=storable(report.message_id[:500]),
        verdict=report.verdict,
        score=report.score,
        signals=storable([s.to_dict() for s in report.signals]),
        facts=storable(report.to_dict()["facts"]),
    )
    with transaction.atomic():
        mail.save()
        RawMail.objects.create(mail=mail, organization=org, data=raw)
        record(
            "mailcheck.checked",
            request=request,
            actor=reporter,
            organization=org,
            obj=mail,
            changes={"verdict": mail.verdict, "score": mail.score, "source": source},
        )
        transaction.on_commit(ensure_purge_scheduled)
    return CheckResult(mail=mail, report=report)


def ensure_purge_scheduled() -> None:
    """One recurring purge job for the whole install (idempotent)."""
    schedule(PURGE_JOB, unique_key=PURGE_JOB, every_seconds=PURGE_EVERY_SECONDS)


def purge_raw(now: Any = None) -> int:
    """Delete raw bytes older than MAIL_RETENTION_DAYS; the verdict and signals stay."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.MAIL_RETENTION_DAYS)
    ids = list(
        CheckedMail.objects.filter(checked_at__lt=cutoff, raw_purged_at__isnull=True).values_list(
            "id", flat=True
        )[:5000]
    )
    if not ids:
        return 0
    with transaction.atomic():
        RawMail.objects.filter(mail_id__in=ids).delete()
        CheckedMail.objects.filter(id__in=ids).update(raw_purged_at=timezone.now())
        record(
            "mailcheck.raw_purged",
            object_repr=f"{len(ids)} mail(s)",
            changes={"count": len(ids), "retention_days": settings.MAIL_RETENTION_DAYS},
        )
    return len(ids)


def _reasons(mail: CheckedMail) -> list[dict[str, str]]:
    """The signals' titles in both languages (the verdict itself when there is no signal)."""
    titles: list[dict[str, str]] = []
    for signal in mail.signals[:6]:
        title = signal.get("title") or {}
        if isinstance(title, dict) and title.get("ja"):
            titles.append({"ja": str(title["ja"]), "en": str(title.get("en") or title["ja"])})
    if not titles:
        titles.append(dict(VERDICT_LABELS.get(mail.verdict, VERDICT_LABELS["caution"])))
    return titles


def _display(user: Any) -> str:
    return (getattr(user, "first_name", "") or getattr(user, "email", "") or "—")[:200]


def report_to_admins(
    request: HttpRequest | None,
    mail: CheckedMail,
    *,
    opened_or_clicked: bool,
    note: str = "",
    actor: Any = None,
) -> CheckedMail:
    """The staff member's "send to the administrators": a finding in the to-do list (editors and
    owners see it) and, after commit, a mail to every owner."""
    from mamori.findings.guidance import load_guidance

    actor = actor or (request.user if request is not None else None)
    org = mail.organization
    guidance = load_guidance().get(FINDING_KIND)
    severity = VERDICT_SEVERITY.get(mail.verdict, "medium")
    if opened_or_clicked and guidance is not None:
        severity = guidance.severity_for(["opened_or_clicked"])
    subject = mail.subject or mail.file_name or f"#{mail.pk}"
    spec = FindingSpec(
        key=f"{FINDING_KIND}:mail:{mail.pk}",
        subject=f"{subject} ({mail.from_address or '—'})",
        params={
            "reporter": _display(actor),
            "subject": subject,
            "reasons": _reasons(mail),
            "opened_or_clicked": opened_or_clicked,
        },
        evidence=[
            {"kind": "mail", "text": f"{subject} — {mail.from_header or '—'}", "id": mail.pk},
        ]
        + [
            {"kind": "mail", "text": f"{s.get('id')}: {s.get('evidence', '')}"[:300]}
            for s in mail.signals[:5]
        ],
        severity=severity,
        subject_type="mailcheck.checkedmail",
        subject_id=str(mail.pk),
    )
    with transaction.atomic():
        locked = CheckedMail.objects.select_for_update().get(pk=mail.pk)
        locked.reported_at = timezone.now()
        locked.reported_by = actor if getattr(actor, "pk", None) else None
        locked.opened_or_clicked = opened_or_clicked or locked.opened_or_clicked
        locked.report_note = note[:2000]
        locked.save(
            update_fields=["reported_at", "reported_by", "opened_or_clicked", "report_note"]
        )
        sync(org, FINDING_KIND, [spec], default_severity=severity, complete=False)
        record(
            "mailcheck.reported",
            request=request,
            actor=actor,
            organization=org,
            obj=locked,
            changes={"opened_or_clicked": opened_or_clicked, "verdict": locked.verdict},
        )
        transaction.on_commit(lambda: _mail_owners(locked, actor))
    return locked


def result_url(mail: CheckedMail) -> str:
    path = reverse("mailcheck:detail", kwargs={"org_slug": mail.organization.slug, "pk": mail.pk})
    return settings.BASE_URL + path


OWNER_NOTICE: dict[str, dict[str, str]] = {
    "ja": {
        "reported": "{who} さんから不審なメールの報告がありました。",
        "verdict": "判定: {label}（スコア {score}/100）",
        "subject": "件名: {subject}",
        "from": "差出人: {sender}",
        "none": "（なし）",
        "opened": "報告者は添付を開いた、リンクを押した、またはパスワードを入力したと答えています。",
        "details": "詳細: {url}",
        "title": "[mamori] 不審メールの報告: {subject}",
    },
    "en": {
        "reported": "{who} reported a suspicious mail.",
        "verdict": "Verdict: {label} (score {score}/100)",
        "subject": "Subject: {subject}",
        "from": "From: {sender}",
        "none": "(none)",
        "opened": "The reporter says they opened the attachment, clicked a link or typed a password.",
        "details": "Details: {url}",
        "title": "[mamori] Suspicious mail reported: {subject}",
    },
}


def _owners_by_language(organization_id: int) -> dict[str, list[str]]:
    """Owners' addresses grouped by the language each reads (Japanese unless set to English)."""
    groups: dict[str, list[str]] = {}
    for email, language in (
        Membership.objects.filter(organization_id=organization_id, role=Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", "user__profile__language")
    ):
        groups.setdefault("en" if language == "en" else "ja", []).append(email)
    return groups


def owner_notice(mail: CheckedMail, actor: Any, language: str) -> tuple[str, str]:
    """Subject and body of the owners' notice about a reported mail, in one language."""
    words = OWNER_NOTICE["en" if language == "en" else "ja"]
    label = VERDICT_LABELS.get(mail.verdict, VERDICT_LABELS["caution"])
    lines = [
        words["reported"].format(who=_display(actor)),
        words["verdict"].format(label=label[language], score=mail.score),
        words["subject"].format(subject=mail.subject or words["none"]),
        words["from"].format(sender=mail.from_header or words["none"]),
    ]
    if mail.opened_or_clicked:
        lines.append(words["opened"])
    lines.append(words["details"].format(url=result_url(mail)))
    return words["title"].format(subject=mail.subject[:80]), "\n".join(lines)


def _mail_owners(mail: CheckedMail, actor: Any) -> None:
    """One mail per language the owners read: never two languages glued in one message."""
    for language, owners in _owners_by_language(mail.organization_id).items():
        subject, body = owner_notice(mail, actor, language)
        try:
            send_mail(subject, body, None, owners)
        except (
            Exception
        ):  # the finding is already in the to-do list; a mail outage must not hide it
            log.exception("could not mail the owners about reported mail %s", mail.pk)


SETTINGS_FIELDS = [
    "own_domains",
    "check_address",
    "imap_enabled",
    "imap_host",
    "imap_port",
    "imap_use_ssl",
    "imap_username",
    "imap_folder",
]


def update_settings(
    request: HttpRequest | None,
    org: Organization,
    values: dict[str, Any],
    *,
    new_password: str | None = None,
    actor: Any = None,
) -> MailCheckSettings:
    """Save the organisation's mail check settings; (re)schedule or cancel the mailbox poll.

    `new_password` None keeps the stored password; "" removes it. The audit event says only
    whether the password changed.
    """
    with transaction.atomic():
        current = settings_for(org)
        if current.pk is not None:
            current = MailCheckSettings.objects.select_for_update().get(pk=current.pk)
        before = snapshot(current, SETTINGS_FIELDS)
        for name in SETTINGS_FIELDS:
            if name in values:
                setattr(current, name, values[name])
        current.check_address = (current.check_address or "").strip().lower()
        if new_password is not None:
            current.imap_password_encrypted = credentials.encrypt(new_password)
        current.updated_at = timezone.now()
        current.save()
        changes = changed_fields(before, snapshot(current, SETTINGS_FIELDS))
        if new_password is not None:
            changes["imap_password"] = ["…", "changed" if new_password else "removed"]
        record(
            "mailcheck.settings_changed",
            request=request,
            actor=actor,
            organization=org,
            obj=current,
            changes=changes,
        )
        poll = current.imap_enabled and bool(current.imap_host and current.imap_username)
        org_id = org.pk
        transaction.on_commit(lambda: _schedule_poll(org_id, poll))
    return current


def poll_job_key(org_id: int) -> str:
    return f"{POLL_JOB}:{org_id}"


def _schedule_poll(org_id: int, enabled: bool) -> None:
    if enabled:
        schedule(
            POLL_JOB,
            unique_key=poll_job_key(org_id),
            every_seconds=max(60, int(settings.MAIL_IMAP_POLL_SECONDS)),
            payload={"organization_id": org_id},
            organization_id=org_id,
        )
    else:
        cancel(poll_job_key(org_id))


def note_poll(org: Organization, error: str = "") -> None:
    """Remember when the mailbox was last polled and its last error (never the password)."""
    MailCheckSettings.objects.filter(organization=org).update(
        imap_last_polled_at=timezone.now(), imap_last_error=error[:500]
    )
