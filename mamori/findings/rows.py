"""One list row of a finding (findings list, to-do list): what the row shows and nothing more,
computed from the columns queries.ROW_COLUMNS loads — no evidence, no summary, no Action row,
and labels, the detail link and today's date computed once per page rather than once per row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext

from mamori.core.rowurls import row_url

from .models import ActionStatus, Finding, Severity, Status
from .presentation import problem_title, subject_text


def labels() -> dict[str, str]:
    """Status and severity words in the current language, computed once for a page."""
    return {
        **{f"severity:{value}": str(label) for value, label in Severity.choices},
        **{f"status:{value}": str(label) for value, label in Status.choices},
        # The same words as presentation.status_label (finding and action never disagree).
        "in_progress": gettext("In progress"),
        "done": gettext("Done, waiting for the next check"),
    }


def row(
    finding: Finding,
    words: dict[str, str],
    language: str,
    detail: Callable[[Any], str] | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    status = words.get(f"status:{finding.status}", finding.status)
    if finding.status == Status.OPEN and finding.action_status == ActionStatus.IN_PROGRESS:
        status = words["in_progress"]
    elif finding.status == Status.OPEN and finding.action_status == ActionStatus.DONE:
        status = words["done"]
    owner = finding.action_owner
    due = finding.due_date
    if today is None:
        overdue = finding.is_overdue
    else:  # Finding.is_overdue with today's date looked up once for the page
        overdue = finding.action_status != ActionStatus.DONE and due is not None and due < today
    return {
        "finding": finding,
        "url": detail(finding.pk) if detail is not None else "",
        "severity": finding.severity,
        "title": problem_title(finding, language),
        "subject": subject_text(finding, language),
        "status": status,
        "severity_label": words.get(f"severity:{finding.severity}", ""),
        "due_date": due,
        "due": f"{due.year:04d}-{due.month:02d}-{due.day:02d}" if due is not None else "",
        "overdue": overdue,
        "owner": (owner.first_name or owner.email) if owner is not None else "",
    }


def rows(findings: Any, org_slug: str) -> list[dict[str, Any]]:
    words = labels()
    language = (get_language() or "ja")[:2]
    detail = row_url("findings:detail", org_slug=org_slug)
    today = timezone.localdate()
    return [row(finding, words, language, detail, today) for finding in findings]
