"""What incident records say to a person, in their language: timeline lines, the checklist
with who did each step and when, and countdowns to the breach-clock deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import breach_clock
from .catalog import PHASE_LABELS, ROLE_LABELS, checklist_for
from .models import EntryKind, Incident, IncidentStatus, NoticeMethod, TimelineEntry
from .playbooks import ChecklistItem, Text
from .services import step_states


def pick(text: Text | None) -> str:
    if text is None:
        return ""
    return text.get(get_language() or "ja")


def status_label(value: str) -> str:
    return str(dict(IncidentStatus.choices).get(value, value))


def _step_texts(incident: Incident) -> dict[str, str]:
    return {item.step_id: pick(item.text) for item in checklist_for(incident.playbook_ids)}


def describe(
    entry: TimelineEntry, step_texts: dict[str, str], numbers: dict[int, int] | None = None
) -> str:
    """One line saying what a timeline entry records (`numbers`: entry id → its number
    within the incident, for corrections)."""
    data = entry.data if isinstance(entry.data, dict) else {}
    kind = entry.kind
    if kind == EntryKind.CREATED:
        return _("Incident reported: %(title)s") % {"title": data.get("title", "")}
    if kind == EntryKind.STATUS:
        return _("Status: %(old)s → %(new)s") % {
            "old": status_label(str(data.get("from", ""))),
            "new": status_label(str(data.get("to", ""))),
        }
    if kind == EntryKind.STEP:
        step = step_texts.get(str(data.get("step_id")), str(data.get("step_id", "")))
        if data.get("done"):
            return _("Step done: %(step)s") % {"step": step}
        return _("Step marked as not done: %(step)s") % {"step": step}
    if kind == EntryKind.NOTE:
        return _("Note")
    if kind == EntryKind.CORRECTION:
        number = (numbers or {}).get(entry.corrects_id or 0, entry.corrects_id)
        return _("Correction of entry #%(number)s") % {"number": number}
    if kind == EntryKind.ATTACHMENT:
        return _("Evidence file added: %(name)s (%(size)s bytes, SHA-256 %(sha)s)") % {
            "name": data.get("name", ""),
            "size": data.get("size", ""),
            "sha": data.get("sha256", ""),
        }
    if kind == EntryKind.TASK:
        if data.get("event") == "done":
            return _("Task done: %(task)s") % {"task": entry.text}
        return _("Task added: %(task)s") % {"task": entry.text}
    if kind == EntryKind.CHANGE:
        changes = data.get("changes") or {}
        return _("Details changed: %(fields)s") % {"fields": ", ".join(sorted(changes))}
    if kind == EntryKind.BREACH and "known_first_by" in data:
        return _known_first(data)
    if kind == EntryKind.BREACH:
        if "draft_changed" in data:
            return _("Draft report to the PPC updated")
        return _("Breach clock assessed: %(status)s") % {
            "status": breach_status_label(str(data.get("status", "")))
        }
    if kind == EntryKind.NOTICE:
        method = dict(NoticeMethod.choices).get(str(data.get("method")), data.get("method"))
        return _("Notice to individuals: %(to)s, %(count)s people, %(method)s, %(date)s") % {
            "to": data.get("recipients", ""),
            "count": data.get("count", ""),
            "method": method,
            "date": data.get("sent_on", ""),
        }
    if kind == EntryKind.REVIEW:
        return _("Post-incident review saved (%(count)d prevention measures chosen)") % {
            "count": len(data.get("measures") or [])
        }
    return kind


def breach_status_label(status: str) -> str:
    return {
        "required": _("Report to the PPC and notice to individuals required"),
        "not_required": _("No report required"),
        "undetermined": _("Not decided yet: prepare as if a report is required"),
    }.get(status, status or "—")


def timeline_rows(incident: Incident, entries: Iterable[TimelineEntry]) -> list[dict[str, Any]]:
    texts = _step_texts(incident)
    # Numbered within the incident (1, 2, …), in the order things happened.
    entries = list(entries)
    numbers = {entry.pk: number for number, entry in enumerate(entries, start=1)}
    return [
        {
            "number": numbers[entry.pk],
            "entry": entry,
            "what": describe(entry, texts, numbers),
            "text": entry.text,
        }
        for entry in entries
    ]


@dataclass(frozen=True)
class ChecklistRow:
    item: ChecklistItem
    text: str
    detail: str
    role: str
    phase: str
    done: bool
    done_at: datetime | None
    done_by: str


def checklist_rows(incident: Incident, step_entries: Iterable[TimelineEntry]) -> list[ChecklistRow]:
    states = step_states(step_entries)
    rows = []
    for item in checklist_for(incident.playbook_ids):
        state = states.get(item.step_id)
        done = bool(state is not None and state.data.get("done"))
        rows.append(
            ChecklistRow(
                item=item,
                text=pick(item.text),
                detail=pick(item.detail),
                role=str(ROLE_LABELS.get(item.role, item.role)),
                phase=str(PHASE_LABELS.get(item.phase, "")) if item.phase else "",
                done=done,
                done_at=state.created_at if done and state is not None else None,
                done_by=state.author_label if done and state is not None else "",
            )
        )
    return rows


def countdown(due: datetime, now: datetime | None = None) -> str:
    """ "3 days 4 hours left" or "overdue by 2 hours"."""
    now = now or timezone.now()
    seconds = int((due - now).total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours = rest // 3600
    amount = (
        _("%(days)d days %(hours)d hours") % {"days": days, "hours": hours}
        if days
        else _("%(hours)d hours") % {"hours": hours}
    )
    if overdue:
        return _("overdue by %(amount)s") % {"amount": amount}
    return _("%(amount)s left") % {"amount": amount}


def clock_view(incident: Incident) -> dict[str, Any] | None:
    if incident.breach_aware_at is None:
        return None
    try:
        clock = breach_clock.deadlines(incident.breach_aware_at, incident.breach_malicious)
    except ValueError:
        return None
    return {
        "clock": clock,
        "preliminary_countdown": countdown(clock.preliminary_due),
        "final_countdown": countdown(clock.final_due),
        "shifts": [
            {"day": shift.day, "reason": pick(shift.reason)} for shift in clock.final_shifts
        ],
        "rule": pick(clock.rule),
    }


def _known_first(data: dict[str, Any]) -> str:
    """「最初に知った人」 and when, in the reader's language and the organisation's time."""
    when = ""
    raw = data.get("aware_at")
    if raw:
        try:
            moment = datetime.fromisoformat(str(raw))
            when = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
        except (TypeError, ValueError):
            when = ""
    if when:
        return _("Who in the organisation knew first: %(who)s, at %(when)s") % {
            "who": data.get("known_first_by", ""),
            "when": when,
        }
    return _("Who in the organisation knew first: %(who)s") % {
        "who": data.get("known_first_by", "")
    }
