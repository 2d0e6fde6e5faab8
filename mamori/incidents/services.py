"""Changes to incidents: one transaction, one audit event and at least one timeline entry each.

Every change an incident goes through (status, step, note, file, task, breach clock, review)
is written to its append-only timeline with the time and who did it; closing an incident turns
the chosen prevention measures into findings after the transaction commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import record
from mamori.core.text import storable
from mamori.findings.rules import FindingSpec
from mamori.orgs.models import Organization

from . import breach_clock
from .catalog import catalog, checklist_for
from .models import (
    BreachNotice,
    EntryKind,
    EvidenceFile,
    Incident,
    IncidentStatus,
    IncidentTask,
    TimelineEntry,
)

PREVENTION_KIND = "incident.prevention_measure"
BREACH_TASK_KEYS = ("breach_preliminary", "breach_final")


class IncidentError(ValueError):
    """A change that does not fit the incident (unknown step, closed incident …)."""


def clean(value: object, limit: int) -> str:
    """Text as stored: NUL characters dropped (PostgreSQL refuses them), cut to the limit."""
    return storable(str(value or ""))[:limit]


def _actor(request: HttpRequest | None) -> Any:
    if request is None or not request.user.is_authenticated:
        return None
    return request.user


def _label(user: Any) -> str:
    if user is None:
        return ""
    name = getattr(user, "first_name", "") or ""
    email = getattr(user, "email", "") or getattr(user, "username", "")
    return (f"{name} <{email}>" if name else email)[:254]


def add_entry(
    incident: Incident,
    kind: str,
    *,
    actor: Any = None,
    text: str = "",
    data: Mapping[str, Any] | None = None,
    corrects: TimelineEntry | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    """Append one timeline entry (callers hold the transaction)."""
    return TimelineEntry.objects.create(
        organization_id=incident.organization_id,
        incident=incident,
        created_at=at or timezone.now(),
        author=actor,
        author_label=_label(actor),
        kind=kind,
        text=clean(text, 5000),
        data=dict(data or {}),
        corrects=corrects,
    )


def _touch(incident: Incident, *fields: str) -> None:
    incident.updated_at = timezone.now()
    incident.save(update_fields=[*fields, "updated_at"])


def report_incident(
    request: HttpRequest | None,
    org: Organization,
    *,
    title: str,
    description: str = "",
    playbook_ids: Iterable[str] = (),
    severity: str = "high",
    noticed_at: datetime | None = None,
    actor: Any = None,
) -> Incident:
    """A new incident in status 報告, with its first timeline entry."""
    actor = actor or _actor(request)
    known = catalog().by_id
    chosen = [pid for pid in dict.fromkeys(playbook_ids) if pid in known]
    with transaction.atomic():
        incident = Incident.objects.create(
            organization=org,
            title=clean(title, 200),
            description=clean(description, 5000),
            playbook_ids=chosen,
            severity=severity,
            reported_by=actor,
            noticed_at=noticed_at,
        )
        add_entry(
            incident,
            EntryKind.CREATED,
            actor=actor,
            text=description,
            data={"title": incident.title, "playbooks": chosen, "severity": severity},
        )
        record(
            "incident.reported",
            request=request,
            actor=actor,
            organization=org,
            obj=incident,
            changes={"playbooks": chosen, "severity": severity},
        )
    return incident


def change_status(
    request: HttpRequest | None,
    incident: Incident,
    status: str,
    note: str = "",
    *,
    actor: Any = None,
) -> None:
    if status not in IncidentStatus.values:
        raise IncidentError(f"unknown status {status!r}")
    actor = actor or _actor(request)
    old = incident.status
    if old == status:
        return
    with transaction.atomic():
        incident.status = status
        incident.closed_at = timezone.now() if status == IncidentStatus.CLOSED else None
        _touch(incident, "status", "closed_at")
        add_entry(
            incident, EntryKind.STATUS, actor=actor, text=note, data={"from": old, "to": status}
        )
        record(
            "incident.status",
            request=request,
            actor=actor,
            organization=incident.organization_id,
            obj=incident,
            changes={"status": [old, status]},
        )
        if status == IncidentStatus.CLOSED:
            transaction.on_commit(lambda: sync_prevention(incident.pk))


def step_states(entries: Iterable[TimelineEntry]) -> dict[str, TimelineEntry]:
    """The latest step entry per step id (done or undone), from a timeline."""
    latest: dict[str, TimelineEntry] = {}
    for entry in entries:
        if entry.kind == EntryKind.STEP and isinstance(entry.data, dict):
            step_id = entry.data.get("step_id")
            if isinstance(step_id, str):
                latest[step_id] = entry
    return latest


def set_step(
    request: HttpRequest | None,
    incident: Incident,
    step_id: str,
    done: bool,
    note: str = "",
    *,
    actor: Any = None,
) -> TimelineEntry:
    """Mark a checklist step done (or not done again): a new timeline entry either way."""
    actor = actor or _actor(request)
    item = next((i for i in checklist_for(incident.playbook_ids) if i.step_id == step_id), None)
    if item is None:
        raise IncidentError(f"{step_id!r} is not a step of this incident's playbooks")
    with transaction.atomic():
        previous = step_states(incident.timeline.filter(kind=EntryKind.STEP)).get(step_id)
        if previous is not None and bool(previous.data.get("done")) == done:
            return previous
        entry = add_entry(
            incident,
            EntryKind.STEP,
            actor=actor,
            text=note,
            data={"step_id": step_id, "done": done, "role": item.role, "phase": item.phase},
            corrects=previous if previous is not None and not done else None,
        )
        _touch(incident)
        record(
            "incident.step",
            request=request,
            actor=actor,
            organization=incident.organization_id,
            obj=incident,
            changes={"step": step_id, "done": done},
        )
    return entry


def add_note(
    request: HttpRequest | None,
    incident: Incident,
    text: str,
    corrects: TimelineEntry | None = None,
    *,
    actor: Any = None,
) -> TimelineEntry:
    """A note, or a correction of an earlier entry (which stays as it was)."""
    actor = actor or _actor(request)
    if corrects is not None and corrects.incident_id != incident.pk:
        raise IncidentError("a correction must refer to an entry of the same incident")
    kind = EntryKind.CORRECTION if corrects is not None else EntryKind.NOTE
    with transaction.atomic():
        entry = add_entry(incident, kind, actor=actor, text=text, corrects=corrects)
        _touch(incident)
        record(
            f"incident.{kind}",
            request=request,
            actor=actor,
            organization=incident.organization_id,
            obj=incident,
            changes={"entry": entry.pk, "corrects": corrects.pk if corrects else None},
        )
    return entry


DETAIL_FIELDS = ("title", "description", "severity", "noticed_at", "playbook_ids")
RELATION_FIELDS = ("people", "devices", "services", "accounts", "websites")


def _relation_labels(incident: Incident, name: str) -> list[str]:
    return sorted(str(obj) for obj in getattr(incident, name).all())


def update_details(
    request: HttpRequest | None, incident: Incident, values: Mapping[str, Any]
) -> dict[str, Any]:
    """Change the incident's type(s), severity, people and affected items; returns the changes."""
    actor = _actor(request)
    changes: dict[str, Any] = {}
    with transaction.atomic():
        for name in DETAIL_FIELDS:
            if name not in values:
                continue
            old, new = getattr(incident, name), values[name]
            if name == "playbook_ids":
                new = [pid for pid in dict.fromkeys(new) if pid in catalog().by_id]
            if old != new:
                setattr(incident, name, new)
                changes[name] = [str(old) if old is not None else "", str(new)]
        for name in RELATION_FIELDS:
            if name not in values:
                continue
            before = _relation_labels(incident, name)
            getattr(incident, name).set(values[name])
            after = _relation_labels(incident, name)
            if before != after:
                changes[name] = [", ".join(before), ", ".join(after)]
        if not changes:
            return changes
        _touch(incident, *[n for n in DETAIL_FIELDS if n in changes])
        add_entry(incident, EntryKind.CHANGE, actor=actor, data={"changes": changes})
        record(
            "incident.updated",
            request=request,
            organization=incident.organization_id,
            obj=incident,
            changes=changes,
        )
    return changes


def add_evidence(
    request: HttpRequest | None,
    incident: Incident,
    upload: UploadedFile,
    description: str = "",
    *,
    actor: Any = None,
) -> EvidenceFile:
    """Store a file under MEDIA_ROOT/incidents/<org>/<incident>/ with its SHA-256."""
    actor = actor or _actor(request)
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    name = clean(upload.name or "file", 1000).replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"
    evidence = EvidenceFile(
        organization_id=incident.organization_id,
        incident=incident,
        original_name=name,
        size=size,
        sha256=digest.hexdigest(),
        description=clean(description, 300),
        uploaded_by=actor,
    )
    evidence.file.save(name, File(upload), save=False)
    stored = evidence.file.name
    try:
        with transaction.atomic():
            evidence.save()
            add_entry(
                incident,
                EntryKind.ATTACHMENT,
                actor=actor,
                text=description,
                data={
                    "file_id": evidence.pk,
                    "name": name,
                    "size": size,
                    "sha256": evidence.sha256,
                },
            )
            _touch(incident)
            record(
                "incident.evidence_added",
                request=request,
                actor=actor,
                organization=incident.organization_id,
                obj=incident,
                changes={"file": name, "size": size, "sha256": evidence.sha256},
            )
    except Exception:
        # Nothing half-saved: the stored file goes when its record could not be written.
        evidence.file.storage.delete(stored)
        raise
    return evidence


def add_task(
    request: HttpRequest | None,
    incident: Incident,
    title: str,
    owner: Any = None,
    due_date: date | None = None,
) -> IncidentTask:
    actor = _actor(request)
    with transaction.atomic():
        task = IncidentTask.objects.create(
            organization_id=incident.organization_id,
            incident=incident,
            title=clean(title, 300),
            owner=owner,
            due_date=due_date,
        )
        add_entry(
            incident,
            EntryKind.TASK,
            actor=actor,
            text=task.title,
            data={
                "task_id": task.pk,
                "event": "added",
                "owner": _label(owner),
                "due_date": due_date.isoformat() if due_date else None,
            },
        )
        _touch(incident)
        record(
            "incident.task_added",
            request=request,
            organization=incident.organization_id,
            obj=incident,
            changes={"task": task.title},
        )
    return task


def complete_task(request: HttpRequest | None, task: IncidentTask, *, actor: Any = None) -> None:
    actor = actor or _actor(request)
    if task.done_at is not None:
        return
    with transaction.atomic():
        task.done_at = timezone.now()
        task.done_by = actor
        task.save(update_fields=["done_at", "done_by"])
        add_entry(
            task.incident,
            EntryKind.TASK,
            actor=actor,
            text=task.title,
            data={"task_id": task.pk, "event": "done"},
        )
        _touch(task.incident)
        record(
            "incident.task_done",
            request=request,
            actor=actor,
            organization=task.organization_id,
            obj=task.incident,
            changes={"task": task.title},
        )


def _breach_task_titles() -> dict[str, str]:
    # Stored in Japanese; pages show IncidentTask.display_title in the reader's language.
    return {
        "breach_preliminary": "個人情報保護委員会へ速報を提出",
        "breach_final": "個人情報保護委員会へ確報を提出",
    }


def save_breach(
    request: HttpRequest | None,
    incident: Incident,
    answers: Mapping[str, Any],
    aware_at: datetime | None,
    preliminary_sent_on: date | None = None,
    final_sent_on: date | None = None,
    *,
    actor: Any = None,
) -> breach_clock.Decision:
    """Record the decision helper's answers and the moment of awareness; keep the report
    deadlines as incident tasks (速報, 確報) while a report is or may be required."""
    from mamori.privacy.breach import with_register

    actor = actor or _actor(request)
    # The personal-data register fills what was not answered by hand (count, 要配慮).
    decision = breach_clock.assess(with_register(incident, answers))
    clean_answers = {k: answers.get(k) for k in breach_clock.ANSWER_KEYS if k in answers}
    previous_first = (
        (incident.breach_answers or {}).get("known_first_by"),
        incident.breach_aware_at,
    )
    with transaction.atomic():
        incident.breach_answers = clean_answers
        incident.breach_status = decision.status
        incident.breach_aware_at = aware_at
        incident.breach_malicious = decision.malicious
        incident.preliminary_sent_on = preliminary_sent_on
        incident.final_sent_on = final_sent_on
        _touch(
            incident,
            "breach_answers",
            "breach_status",
            "breach_aware_at",
            "breach_malicious",
            "preliminary_sent_on",
            "final_sent_on",
        )
        tasks = {
            t.system_key: t
            for t in IncidentTask.objects.filter(incident=incident, system_key__in=BREACH_TASK_KEYS)
        }
        wanted: dict[str, date] = {}
        if aware_at is not None and decision.status != "not_required":
            clock = breach_clock.deadlines(aware_at, decision.malicious)
            wanted = {
                "breach_preliminary": clock.preliminary_due.date(),
                "breach_final": clock.final_due.date(),
            }
        sent = {"breach_preliminary": preliminary_sent_on, "breach_final": final_sent_on}
        titles = _breach_task_titles()
        for key in BREACH_TASK_KEYS:
            task = tasks.get(key)
            due = wanted.get(key)
            if due is not None and task is None:
                task = IncidentTask.objects.create(
                    organization_id=incident.organization_id,
                    incident=incident,
                    title=titles[key],
                    due_date=due,
                    system_key=key,
                )
            elif task is not None and due is not None and task.due_date != due:
                task.due_date = due
                task.save(update_fields=["due_date"])
            if task is not None and (sent[key] or due is None) and task.done_at is None:
                task.done_at = timezone.now()
                task.done_by = actor
                task.save(update_fields=["done_at", "done_by"])
            elif task is not None and not sent[key] and due is not None and task.done_at:
                task.done_at = None
                task.done_by = None
                task.save(update_fields=["done_at", "done_by"])
        add_entry(
            incident,
            EntryKind.BREACH,
            actor=actor,
            data={
                "status": decision.status,
                "triggers": list(decision.triggers),
                "aware_at": aware_at.isoformat() if aware_at else None,
                "preliminary_sent_on": preliminary_sent_on.isoformat()
                if preliminary_sent_on
                else None,
                "final_sent_on": final_sent_on.isoformat() if final_sent_on else None,
            },
        )
        known_first_by = str(clean_answers.get("known_first_by") or "").strip()
        if known_first_by and (known_first_by, aware_at) != previous_first:
            # The clock starts when anyone in the business knew (通則編 3-5-3-3): the timeline
            # keeps who that was and when, each time the answer changes.
            add_entry(
                incident,
                EntryKind.BREACH,
                actor=actor,
                data={
                    "known_first_by": clean(known_first_by, 200),
                    "aware_at": aware_at.isoformat() if aware_at else None,
                },
            )
        record(
            "incident.breach_assessed",
            request=request,
            actor=actor,
            organization=incident.organization_id,
            obj=incident,
            changes={"status": decision.status, "triggers": list(decision.triggers)},
        )
    return decision


def save_breach_draft(
    request: HttpRequest | None, incident: Incident, values: Mapping[str, str]
) -> None:
    known = {item.id for item in breach_clock.report_items()}
    cleaned = {
        k: clean(v.strip(), 5000) for k, v in values.items() if k in known and isinstance(v, str)
    }
    with transaction.atomic():
        changed = sorted(
            k for k in known if cleaned.get(k, "") != incident.breach_report_values.get(k, "")
        )
        incident.breach_report_values = {k: v for k, v in cleaned.items() if v}
        _touch(incident, "breach_report_values")
        if changed:
            add_entry(
                incident,
                EntryKind.BREACH,
                actor=_actor(request),
                data={"draft_changed": changed},
            )
        record(
            "incident.breach_draft",
            request=request,
            organization=incident.organization_id,
            obj=incident,
            changes={"items": changed},
        )


def add_notice(
    request: HttpRequest | None,
    incident: Incident,
    *,
    recipients: str,
    count: int,
    method: str,
    sent_on: date,
    note: str = "",
) -> BreachNotice:
    actor = _actor(request)
    with transaction.atomic():
        notice = BreachNotice.objects.create(
            organization_id=incident.organization_id,
            incident=incident,
            recipients=clean(recipients, 300),
            count=count,
            method=method,
            sent_on=sent_on,
            note=clean(note, 500),
            created_by=actor,
        )
        add_entry(
            incident,
            EntryKind.NOTICE,
            actor=actor,
            text=note,
            data={
                "recipients": notice.recipients,
                "count": count,
                "method": method,
                "sent_on": sent_on.isoformat(),
            },
        )
        _touch(incident)
        record(
            "incident.notice_added",
            request=request,
            organization=incident.organization_id,
            obj=incident,
            changes={"count": count, "method": method},
        )
    return notice


def save_review(
    request: HttpRequest | None,
    incident: Incident,
    answers: Mapping[str, str],
    measures: Iterable[str],
    *,
    actor: Any = None,
) -> None:
    """Store the 振り返り and the chosen prevention measures (findings follow on closing)."""
    actor = actor or _actor(request)
    allowed = {m.id for m in prevention_choices(incident)}
    chosen = [m for m in dict.fromkeys(measures) if m in allowed]
    with transaction.atomic():
        incident.review = {k: clean(v.strip(), 5000) for k, v in answers.items() if v and v.strip()}
        incident.chosen_measures = chosen
        _touch(incident, "review", "chosen_measures")
        add_entry(
            incident,
            EntryKind.REVIEW,
            actor=actor,
            data={"measures": chosen, "answered": sorted(incident.review)},
        )
        record(
            "incident.reviewed",
            request=request,
            actor=actor,
            organization=incident.organization_id,
            obj=incident,
            changes={"measures": chosen},
        )
        if incident.status == IncidentStatus.CLOSED:
            transaction.on_commit(lambda: sync_prevention(incident.pk))


def prevention_choices(incident: Incident) -> list[Any]:
    """The prevention measures (予防法) of the incident's playbooks, in playbook order."""
    found: list[Any] = []
    for pid in incident.playbook_ids:
        playbook = catalog().get(pid)
        if playbook is not None:
            found.extend(playbook.prevention)
    return found


def prevention_specs(incident: Incident) -> list[FindingSpec]:
    measures = {m.id: m for m in prevention_choices(incident)}
    specs = []
    for measure_id in incident.chosen_measures:
        measure = measures.get(measure_id)
        if measure is None:
            continue
        specs.append(
            FindingSpec(
                key=f"{PREVENTION_KIND}:{incident.pk}:{measure_id}",
                subject=f"{incident.title}: {measure.text.ja}",
                params={
                    "incident": incident.title,
                    "measure": measure.text.ja,
                    "measure_en": measure.text.en,
                },
                evidence=[
                    {"kind": "incident", "text": incident.title, "id": incident.pk},
                    {
                        "kind": "measure",
                        "text": measure.text.ja,
                        "text_en": measure.text.en,
                        "id": measure_id,
                    },
                ],
                subject_type="incidents.incident",
                subject_id=str(incident.pk),
            )
        )
    return specs


def sync_prevention(incident_id: int) -> int:
    """Each chosen prevention measure of a closed incident becomes a finding with an action."""
    from mamori.findings.services import sync

    incident = Incident.objects.select_related("organization").filter(pk=incident_id).first()
    if incident is None or incident.status != IncidentStatus.CLOSED:
        return 0
    specs = prevention_specs(incident)
    if not specs:
        return 0
    result = sync(
        incident.organization, PREVENTION_KIND, specs, default_severity="medium", complete=False
    )
    return result.opened + result.reopened
