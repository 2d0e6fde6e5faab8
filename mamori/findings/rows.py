"""One list row of a finding (findings list, to-do list): what the row shows and nothing more,
computed from the columns queries.ROW_COLUMNS loads — no evidence, no summary, no Action row,
and labels translated once per page rather than once per row."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, gettext

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


def row(finding: Finding, words: dict[str, str], language: str) -> dict[str, Any]:
    status = words.get(f"status:{finding.status}", finding.status)
    if finding.status == Status.OPEN and finding.action_status == ActionStatus.IN_PROGRESS:
        status = words["in_progress"]
    elif finding.status == Status.OPEN and finding.action_status == ActionStatus.DONE:
        status = words["done"]
    owner = finding.action_owner
    return {
        "finding": finding,
        "title": problem_title(finding, language),
        "subject": subject_text(finding, language),
        "status": status,
        "severity_label": words.get(f"severity:{finding.severity}", ""),
        "due_date": finding.due_date,
        "overdue": finding.is_overdue,
        "owner": (owner.first_name or owner.email) if owner is not None else "",
    }


def rows(findings: Any) -> list[dict[str, Any]]:
    words = labels()
    language = (get_language() or "ja")[:2]
    return [row(finding, words, language) for finding in findings]
