"""The monthly management report, mailed to each organisation's owners (handbook §1: the owner
keeps paying attention to what they can read in a minute). Checked every few hours; each
organisation gets last month's report once, in each owner's language, as a PDF attachment."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mamori.audit.models import AuditEvent
from mamori.audit.services import record
from mamori.core.jobs import handler, schedule
from mamori.core.models import Job
from mamori.orgs.models import Membership, Organization, Role

from .report import build_report, render_report_pdf

MONTHLY = "assessments.monthly_report"
MAILED = "report.mailed"


@handler(MONTHLY, queue="bulk")
def send_monthly_reports(job: Job) -> None:
    for org in Organization.objects.order_by("pk").iterator():
        send_monthly_report(org)


def _today(org: Organization) -> dt.date:
    try:
        zone = ZoneInfo(org.time_zone or "Asia/Tokyo")
    except (KeyError, ValueError):
        zone = ZoneInfo("Asia/Tokyo")
    return timezone.localtime(timezone.now(), zone).date()


def send_monthly_report(org: Organization, *, today: dt.date | None = None) -> bool:
    """Mail last month's report to the owners unless already done; True when mailed."""
    today = today or _today(org)
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    month = month_end.strftime("%Y-%m")
    if AuditEvent.objects.filter(
        organization_id=org.pk, action=MAILED, changes__month=month
    ).exists():
        return False
    by_language: dict[str, list[str]] = defaultdict(list)
    owners = Membership.objects.filter(organization=org, role=Role.OWNER).select_related(
        "user", "user__profile"
    )
    for membership in owners:
        user: Any = membership.user
        if user.is_active and user.email:
            language = getattr(getattr(user, "profile", None), "language", "") or "ja"
            by_language[language].append(user.email)
    if not by_language:
        return False
    messages = []
    for language, recipients in sorted(by_language.items()):
        report = build_report(org, language, today=month_end)
        pdf = render_report_pdf(report)
        with translation.override(language):
            subject = _("mamori: the security report of %(org)s for %(month)s") % {
                "org": org.name,
                "month": month,
            }
            body = _(
                "The one-page security report of %(org)s for %(month)s is attached. "
                "The current state is on the dashboard: %(url)s"
            ) % {"org": org.name, "month": month, "url": f"{settings.BASE_URL}/o/{org.slug}/"}
        message = EmailMessage(subject, body, to=recipients)
        message.attach(f"mamori-report-{org.slug}-{month}.pdf", pdf, "application/pdf")
        messages.append(message)
    with transaction.atomic():
        record(
            MAILED,
            organization=org,
            object_repr=month,
            changes={"month": month, "recipients": sum(len(v) for v in by_language.values())},
        )
    for message in messages:
        message.send(fail_silently=False)
    return True


def ensure_schedules() -> None:
    schedule(MONTHLY, unique_key=MONTHLY, every_seconds=6 * 60 * 60)
