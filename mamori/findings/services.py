"""Changes to findings and actions: one transaction, one audit event per call."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from mamori.audit.services import record
from mamori.orgs.models import Organization

from .models import (
    Action,
    ActionComment,
    ActionStatus,
    Finding,
    Status,
    default_due,
)
from .rules import RULES, Changed, FindingSpec, Link, Rule, Subjects

LAST_SEEN_GRANULARITY = timedelta(hours=1)


@dataclass
class SyncResult:
    opened: int = 0
    reopened: int = 0
    resolved: int = 0
    updated: int = 0
    # Of `reopened`: accepted risks whose acceptance had expired (a date effect, not drift).
    expired: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.reopened or self.resolved)

    @property
    def corrections(self) -> int:
        """Findings whose state a run changed for a reason other than an expired acceptance."""
        return self.opened + self.reopened - self.expired + self.resolved


def spec_digest(subject: str, severity: str, params: Any, evidence: Any) -> str:
    """What a check reported about one finding, hashed: sync compares this instead of loading
    every stored finding's JSON."""
    text = json.dumps(
        [subject, severity, params, evidence], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


# What sync reads of a stored finding: keys and states, never the params/evidence JSON.
SYNC_COLUMNS = (
    "id",
    "key",
    "subject_type",
    "subject_id",
    "status",
    "severity",
    "guidance_key",
    "accepted_until",
    "times_reopened",
    "digest",
)


def sync(
    org: Organization,
    kind: str,
    specs: Iterable[FindingSpec],
    *,
    default_severity: str,
    complete: bool = True,
    guidance_key: str | None = None,
    subjects: Collection[str] | Mapping[str, Collection[str]] | None = None,
) -> SyncResult:
    """Make the stored findings of `kind` match what a check reports now.

    With complete=True (a rule's full result) findings that are no longer reported are
    resolved; with complete=False (one event, such as one mail) nothing else is touched. With
    `subjects` — subject ids, or subject type → ids — the specs are the full result for those
    subjects only: findings of other subjects are neither read nor touched.
    """
    now = timezone.now()
    today = timezone.localdate()
    result = SyncResult()
    due_cache: dict[tuple[str, str], date] = {}

    def due(finding: Finding) -> date:
        # One policy lookup per severity, not per finding (a rule may open thousands).
        key = (finding.severity, finding.guidance_key)
        if key not in due_cache:
            due_cache[key] = default_due(org, finding.severity, today, finding.guidance_key)
        return due_cache[key]

    fired: dict[str, FindingSpec] = {}
    for spec in specs:
        fired[spec.key] = spec
    with transaction.atomic():
        stored = Finding.objects.filter(organization=org, kind=kind)
        pairs: set[tuple[str, str]] | None = None
        if isinstance(subjects, Mapping):
            pairs = {(t, str(i)) for t, ids in subjects.items() for i in ids}
            stored = stored.filter(subject_id__in=sorted({i for _t, i in pairs}))
        elif subjects is not None:
            stored = stored.filter(subject_id__in=[str(s) for s in subjects])
        existing = {f.key: f for f in stored.only(*SYNC_COLUMNS)}
        if pairs is not None:
            # The index finds the ids; the same id of another subject type is not ours.
            existing = {
                k: f for k, f in existing.items() if (f.subject_type, f.subject_id) in pairs
            }
        new_findings: list[Finding] = []
        reopened: list[Finding] = []
        changed: list[Finding] = []
        for key, spec in fired.items():
            severity = spec.severity or default_severity
            subject = spec.subject[:300]
            digest = spec_digest(subject, severity, spec.params, spec.evidence)
            finding = existing.get(key)
            if finding is None:
                new_findings.append(
                    Finding(
                        organization=org,
                        kind=kind,
                        key=key,
                        severity=severity,
                        subject=subject,
                        subject_type=spec.subject_type,
                        subject_id=spec.subject_id,
                        params=spec.params,
                        evidence=spec.evidence,
                        digest=digest,
                        guidance_key=guidance_key or kind,
                        first_seen=now,
                        last_seen=now,
                    )
                )
                continue
            expired_acceptance = (
                finding.status == Status.ACCEPTED
                and finding.accepted_until is not None
                and finding.accepted_until < today
            )
            if finding.status == Status.RESOLVED or expired_acceptance:
                result.expired += int(expired_acceptance)
                finding.status = Status.OPEN
                finding.resolved_at = None
                finding.times_reopened += 1
                finding.action_status = ActionStatus.TODO
                reopened.append(finding)
            if finding.digest != digest or finding in reopened:
                finding.params = spec.params
                finding.evidence = spec.evidence
                finding.subject = subject
                finding.severity = severity
                finding.digest = digest
                finding.last_seen = now
                changed.append(finding)
        if new_findings:
            for finding in new_findings:
                finding.severity_rank = _rank(finding.severity)
                finding.due_date = fired[finding.key].due_date or due(finding)
            created = Finding.objects.bulk_create(new_findings, batch_size=1000)
            Action.objects.bulk_create(
                [
                    Action(organization=org, finding=finding, due_date=finding.due_date)
                    for finding in created
                ],
                batch_size=1000,
            )
            result.opened = len(created)
        for finding in reopened:
            # A reopened finding starts a new action clock (its severity is already current).
            finding.due_date = fired[finding.key].due_date or due(finding)
        if changed:
            for finding in changed:
                finding.severity_rank = _rank(finding.severity)
            # Only the reopened rows' status columns are written (the others were not loaded).
            Finding.objects.bulk_update(
                changed,
                [
                    "params",
                    "evidence",
                    "subject",
                    "severity",
                    "severity_rank",
                    "digest",
                    "last_seen",
                ],
                batch_size=1000,
            )
            result.updated = len(changed) - len(reopened)
        if reopened:
            result.reopened = len(reopened)
            Finding.objects.bulk_update(
                reopened,
                ["status", "resolved_at", "times_reopened", "due_date", "action_status"],
                batch_size=1000,
            )
            Action.objects.filter(finding__in=reopened).update(
                status=ActionStatus.TODO, completed_at=None
            )
            for finding in reopened:
                Action.objects.filter(finding=finding).update(due_date=finding.due_date)
        if complete:
            gone = [
                f.pk
                for key, f in existing.items()
                if key not in fired and f.status in (Status.OPEN, Status.ACCEPTED)
            ]
            if gone:
                Finding.objects.filter(pk__in=gone).update(
                    status=Status.RESOLVED, resolved_at=now, action_status=ActionStatus.DONE
                )
                Action.objects.filter(finding_id__in=gone).exclude(status=ActionStatus.DONE).update(
                    status=ActionStatus.DONE, completed_at=now
                )
                result.resolved = len(gone)
            # Everything still reported was seen now: one statement, and only rows not touched
            # within the hour, so frequent re-runs do not rewrite thousands of unchanged rows.
            seen = Finding.objects.filter(
                organization=org,
                kind=kind,
                status=Status.OPEN,
                last_seen__lt=now - LAST_SEEN_GRANULARITY,
            )
            if subjects is not None:
                seen = seen.filter(key__in=list(fired))
            seen.update(last_seen=now)
        if new_findings or reopened:
            from mamori.notify.services import findings_opened_after_commit

            findings_opened_after_commit(org.pk, [f.pk for f in (*new_findings, *reopened)])
        if result.changed:
            record(
                "findings.synced",
                organization=org,
                object_repr=kind,
                changes={
                    "guidance": guidance_key or kind,
                    "opened": result.opened,
                    "reopened": result.reopened,
                    "resolved": result.resolved,
                },
            )
    return result


def _rank(severity: str) -> int:
    from .models import SEVERITY_RANK

    return SEVERITY_RANK.get(severity, 0)


def run_rule(org: Organization, rule: Rule, subjects: Subjects | None = None) -> SyncResult:
    """Run one rule: over the whole organisation, or (a rule with links) over these subjects
    only — its findings about other subjects are neither read nor touched."""
    if subjects is not None and rule.links:
        wanted = {(t, str(i)) for t, ids in subjects.items() for i in ids}
        # A rule may report a little more than asked (a whole group); only the subjects asked
        # for are synced, so nothing else is touched.
        specs = [
            spec
            for spec in rule.evaluate(org, subjects=subjects)
            if (spec.subject_type, spec.subject_id) in wanted
        ]
        return sync(org, rule.kind, specs, default_severity=rule.severity, subjects=subjects)
    return sync(org, rule.kind, rule.evaluate(org), default_severity=rule.severity)


def run_rules(org: Organization, triggers: Iterable[str] | None = None) -> dict[str, SyncResult]:
    """Run the rules concerned by a change of these models (all rules when None)."""
    wanted = set(triggers) if triggers is not None else None
    results = {}
    for kind, rule in RULES.items():
        if wanted is None or wanted & rule.triggers:
            results[kind] = run_rule(org, rule)
    return results


def run_rules_for_changes(
    org: Organization, changes: dict[str, list[str] | None]
) -> dict[str, SyncResult]:
    """Run the rules a set of changes concerns. `changes` maps a model label to the ids of the
    changed records (None: unknown or too many), and "label@attname" to the ids that foreign key
    of those records held before the change. A rule with a link for every changed model it reads
    re-evaluates just the subjects the links lead to; any other rule runs in full."""
    results = {}
    mapped: dict[tuple[int, str], Subjects] = {}  # the same link over the same label: once
    by_subjects: list[tuple[str, Rule, Subjects]] = []
    in_full: list[tuple[str, Rule]] = []
    for kind, rule in RULES.items():
        relevant = [label for label in changes if label in rule.triggers]
        if not relevant:
            continue
        subjects = _subjects(org, rule, changes, relevant, mapped)
        if subjects is None:
            in_full.append((kind, rule))
        elif any(subjects.values()):
            by_subjects.append((kind, rule, subjects))
    # Re-checks of a few subjects are short: one commit for all of them (a commit is the
    # costly part on PostgreSQL), while each full run keeps its own transaction.
    with transaction.atomic():
        for kind, rule, subjects in by_subjects:
            results[kind] = run_rule(org, rule, subjects=subjects)
    for kind, rule in in_full:
        results[kind] = run_rule(org, rule)
    return results


def _subjects(
    org: Organization,
    rule: Rule,
    changes: dict[str, list[str] | None],
    labels: list[str],
    mapped: dict[tuple[int, str], Subjects],
) -> Subjects | None:
    """The subjects these changes lead to through the rule's links; None = run it in full."""
    found: dict[str, set[str]] = {}
    for label in labels:
        ids = changes[label]
        link: Link | None = rule.links.get(label)
        if ids is None or link is None:
            return None
        before: dict[str, list[str]] = {}
        for key, old in changes.items():
            if key.startswith(f"{label}@"):
                if old is None:
                    return None  # too many moved references to name: look at everything
                before[key.partition("@")[2]] = old
        memo = (id(link), label)
        if memo not in mapped:
            mapped[memo] = link(org, Changed(ids=ids, before=before))
        for subject_type, subject_ids in mapped[memo].items():
            found.setdefault(subject_type, set()).update(str(i) for i in subject_ids)
    return {t: sorted(ids) for t, ids in found.items()}


def moved_references(label: str, before: Any, after: Any) -> dict[str, list[str]]:
    """The foreign keys a save changed, as "label@attname" → [old id]: a rule whose subject is
    the old target (the person an account no longer belongs to) re-checks it too."""
    moved = {}
    for field in after._meta.concrete_fields:
        if field.many_to_one or field.one_to_one:
            old = getattr(before, field.attname)
            if old is not None and old != getattr(after, field.attname):
                moved[f"{label}@{field.attname}"] = [str(old)]
    return moved


def run_rules_after_commit(
    org: Organization,
    *model_labels: str,
    pks: Iterable[Any] | None = None,
    moved: dict[str, list[str]] | None = None,
) -> None:
    """Re-check the organisation after the current transaction commits, in a job (never inside
    the request): `pks` names the changed records of a single label, so rules that can
    re-evaluate a subset look at those alone; `moved` carries moved_references()."""
    ids = None if pks is None else [str(pk) for pk in pks]
    changes: dict[str, list[str] | None] = {label: ids for label in model_labels}
    if ids is not None and moved:
        changes.update(moved)
    transaction.on_commit(lambda: _queue_rules(org.pk, changes))


def _queue_rules(org_id: int, changes: dict[str, list[str] | None]) -> None:
    from .tasks import queue_rules

    queue_rules(org_id, changes)


# --- user decisions -------------------------------------------------------------------------


class FindingError(Exception):
    """A change the rules forbid; the message is shown to the user."""


def accept_risk(request: HttpRequest, finding: Finding, reason: str, until: date | None) -> None:
    with transaction.atomic():
        finding.status = Status.ACCEPTED
        finding.accepted_reason = reason
        finding.accepted_until = until
        finding.accepted_by = request.user
        finding.save(update_fields=["status", "accepted_reason", "accepted_until", "accepted_by"])
        record(
            "finding.risk_accepted",
            request=request,
            organization=finding.organization,
            obj=finding,
            changes={"reason": reason, "until": until},
        )


def reopen(request: HttpRequest, finding: Finding) -> None:
    with transaction.atomic():
        finding.status = Status.OPEN
        finding.accepted_reason = ""
        finding.accepted_until = None
        finding.save(update_fields=["status", "accepted_reason", "accepted_until"])
        record("finding.reopened", request=request, organization=finding.organization, obj=finding)


def recheck(request: HttpRequest, finding: Finding) -> bool:
    """ "Mark resolved": the rule is run again; returns True when the finding is now resolved."""
    rule = RULES.get(finding.kind) if finding.kind in RULES else None
    if rule is None:
        # Not from a rule (a mail, a page change): the user's word is the check.
        with transaction.atomic():
            finding.status = Status.RESOLVED
            finding.resolved_at = timezone.now()
            finding.action_status = ActionStatus.DONE
            finding.save(update_fields=["status", "resolved_at", "action_status"])
            Action.objects.filter(finding=finding).update(
                status=ActionStatus.DONE, completed_at=timezone.now()
            )
            record(
                "finding.resolved", request=request, organization=finding.organization, obj=finding
            )
        return True
    # A rule that can evaluate one subject re-checks just this finding's subject.
    one = (
        {finding.subject_type: [finding.subject_id]}
        if rule.links and finding.subject_type and finding.subject_id
        else None
    )
    run_rule(finding.organization, rule, subjects=one)
    finding.refresh_from_db()
    if finding.status == Status.OPEN:
        # Checked just now and still there: 最終検出 says so (sync refreshes it only hourly).
        finding.last_seen = timezone.now()
        finding.save(update_fields=["last_seen"])
    record(
        "finding.rechecked",
        request=request,
        organization=finding.organization,
        obj=finding,
        changes={"status": finding.status},
    )
    return finding.status == Status.RESOLVED


def update_action(
    request: HttpRequest, action: Action, *, owner: Any, due_date: date, status: str
) -> None:
    with transaction.atomic():
        before = {
            "owner": str(action.owner or ""),
            "due_date": action.due_date,
            "status": action.status,
        }
        action.owner = owner
        action.due_date = due_date
        action.status = status
        action.completed_at = timezone.now() if status == ActionStatus.DONE else None
        action.save(update_fields=["owner", "due_date", "status", "completed_at"])
        # The lists sort by the finding's copy of the due date (models.Finding.due_date).
        # ... and its status and owner too (the to-do count and the list rows read no Action).
        Finding.objects.filter(pk=action.finding_id).update(
            due_date=due_date, action_status=status, action_owner=owner
        )
        action.finding.due_date = due_date
        action.finding.action_status = status
        action.finding.action_owner = owner
        after = {"owner": str(owner or ""), "due_date": due_date, "status": status}
        record(
            "action.updated",
            request=request,
            organization=action.organization,
            obj=action.finding,
            changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        )


def add_comment(request: HttpRequest, action: Action, text: str) -> ActionComment:
    with transaction.atomic():
        comment = ActionComment.objects.create(action=action, author=request.user, text=text)
        record(
            "action.commented",
            request=request,
            organization=action.organization,
            obj=action.finding,
            changes={"text": text[:200]},
        )
    return comment
