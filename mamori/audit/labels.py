"""What an audit event means, in the reader's language. The trail stores stable codes
("member.role_changed"); people read these sentences, and the code stays behind 「詳細」."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Any] = {
    "licences.signin_report_imported": _("Read a sign-in report for shadow IT"),
    "licences.discovered_app_added": _("Added an app found in a sign-in report to the services"),
    "licences.discovered_app_dismissed": _("Dismissed an app found in a sign-in report"),
    "login.success": _("Signed in"),
    "login.failure": _("Sign-in failed"),
    "login.blocked": _("Sign-in blocked after repeated failures"),
    "logout": _("Signed out"),
    "sudo.granted": _("Confirmed their password for a sensitive action"),
    "password.changed": _("Changed their password"),
    "password.reset": _("Reset their password by mail"),
    "password.reset_requested": _("Asked for a password reset mail"),
    "mfa": _("Changed two-step verification"),
    "mfa.enrolled": _("Turned on multi-factor authentication"),
    "mfa.reset": _("Removed two-step verification"),
    "mfa.recovery_codes_replaced": _("Replaced the recovery codes"),
    "token.created": _("Created an API token"),
    "token.revoked": _("Revoked an API token"),
    "account.created": _("Created the first account"),
    "account.updated": _("Changed their account settings"),
    "org.created": _("Created the organisation"),
    "org.updated": _("Changed the organisation settings"),
    "org.checks_copied": _("Copied recurring checks from another organisation"),
    "org.questionnaires_started": _("Started self-assessments from the all-organisations page"),
    "org.report_bundle_downloaded": _("Downloaded the monthly reports of several organisations"),
    "member.created": _("Created a member account"),
    "member.invited": _("Invited a member"),
    "member.invitation_revoked": _("Withdrew an invitation"),
    "member.joined": _("Joined the organisation"),
    "member.removed": _("Removed a member"),
    "member.role_changed": _("Changed a member's role"),
    "audit.exported": _("Exported the audit trail"),
    "audit.chain_rekeyed": _("Re-sealed the audit trail with the install's key"),
    "backup.restored": _("Restored a backup"),
    "finding.reopened": _("A finding came back"),
    "routines.defaults_added": _("Added the recommended recurring checks"),
    "routines.chore_created": _("Added a recurring check"),
    "routines.chore_updated": _("Changed a recurring check"),
    "routines.chore_paused": _("Paused a recurring check"),
    "routines.chore_resumed": _("Resumed a recurring check"),
    "routines.chore_done": _("Recorded a recurring check as done"),
    "finding.resolved": _("Marked a finding as resolved"),
    "finding.rechecked": _("Asked for a finding to be checked again"),
    "finding.risk_accepted": _("Accepted a risk"),
    "findings.synced": _("Checks updated the findings"),
    "action.updated": _("Updated an action"),
    "action.commented": _("Commented on an action"),
    "assessment.started": _("Started a self-assessment"),
    "assessment.answered": _("Answered self-assessment questions"),
    "assessment.completed": _("Completed a self-assessment"),
    "assessment.deleted": _("Deleted a self-assessment"),
    "policy.generated": _("Drafted the security policy"),
    "policy.updated": _("Edited the security policy"),
    "intel.decision": _("Decided about a vulnerability"),
    "intel.feed_created": _("Added a news feed"),
    "intel.feed_updated": _("Changed a news feed"),
    "intel.feed_deleted": _("Removed a news feed"),
    "intel.feed_fetch_requested": _("Asked for a feed to be fetched now"),
    "intel.preset_enabled": _("Switched a news source on"),
    "intel.preset_disabled": _("Switched a news source off"),
    "intel.watch_added": _("Added a watched word"),
    "intel.watch_deleted": _("Removed a watched word"),
    "mailcheck.checked": _("Checked a mail"),
    "mailcheck.reported": _("Sent a mail check result to the administrators"),
    "mailcheck.raw_downloaded": _("Downloaded a checked mail"),
    "mailcheck.raw_purged": _("Deleted stored mail files"),
    "mailcheck.settings_changed": _("Changed the mail check settings"),
    "training.drill_created": _("Drafted a targeted-mail drill"),
    "training.drill_approved": _("Approved a targeted-mail drill"),
    "training.drill_sent": _("Sent a targeted-mail drill"),
    "training.drill_reported": _("A drill mail was reported to the check address"),
    "training.training_assigned": _("Assigned training after a drill click"),
    "monitoring.page_added": _("Started watching a web page"),
    "monitoring.page_changed": _("Changed a watched web page"),
    "monitoring.page_deleted": _("Stopped watching a web page"),
    "monitoring.change_approved": _("Approved a change of a web page"),
    "monitoring.check_requested": _("Asked for a web page to be checked now"),
    "monitoring.software_detected": _("Read the CMS and its version from a watched web page"),
    "notify.channel_added": _("Added a notification channel"),
    "notify.channel_changed": _("Changed a notification channel"),
    "notify.channel_deleted": _("Removed a notification channel"),
    "notify.test_sent": _("Sent a test notification"),
    "notify.preference_changed": _("Changed notification settings"),
    "notify.calendar_created": _("Created a calendar address"),
    "notify.calendar_revoked": _("Revoked a calendar address"),
    "incident.reported": _("Reported an incident"),
    "incident.updated": _("Changed an incident's details"),
    "incident.status": _("Changed an incident's status"),
    "incident.step": _("Checked off a response step"),
    "incident.task_added": _("Added an incident task"),
    "incident.task_done": _("Completed an incident task"),
    "incident.evidence_added": _("Added an evidence file"),
    "incident.notice_added": _("Recorded a notice to individuals"),
    "incident.breach_assessed": _("Judged the personal-data breach duties"),
    "incident.breach_draft": _("Drafted the report to the PPC"),
    "incident.reviewed": _("Reviewed an incident"),
    "incident.note": _("Added a note to an incident"),
    "incident.correction": _("Corrected an incident entry"),
    "privacy.audit_recorded": _("Recorded an audit of a contractor"),
    "privacy.questionnaire_link_created": _("Created a questionnaire link for a contractor"),
    "privacy.questionnaire_link_revoked": _("Revoked a contractor's questionnaire link"),
    "privacy.questionnaire_answered": _("A contractor answered the questionnaire"),
    "privacy.incident_data_linked": _("Named the personal data an incident concerns"),
    "continuity.restore_test_added": _("Recorded a restore test of a backup"),
    "continuity.mamori_backup_recorded": _("Recorded a run of mamori's own backup"),
    "payees.change.requested": _("Recorded a request to change a payee's account"),
    "payees.change.callback_logged": _("Logged a callback about a payee change"),
    "payees.change.checklist_updated": _("Updated the checklist of a payee change"),
    "payees.change.approval_recorded": _("Approved a payee change (more approvals needed)"),
    "payees.change.approved": _("Approved a payee change: the new account is active"),
    "payees.change.rejected": _("Rejected a payee change"),
    "payees.payee.account_revealed": _("Viewed a payee's full account number"),
    "payees.payee.accounting_exported": _("Exported payee accounts for the accounting software"),
}

# inventory.<register>.<verb>: the register's name comes from its model.
REGISTER_VERBS: dict[str, Any] = {
    "created": _("Added to %(register)s"),
    "updated": _("Changed in %(register)s"),
    "archived": _("Archived in %(register)s"),
    "restored": _("Restored in %(register)s"),
    "imported": _("Imported into %(register)s"),
    "exported": _("Exported %(register)s"),
    "sharing_report_imported": _("Imported a cloud sharing report into %(register)s"),
}


def _register_name(app_label: str, model_name: str) -> str | None:
    """The register's name for `<app>.<model>` (inventory or a register another app added)."""
    from django.apps import apps

    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return str(_("the inventory")) if app_label == "inventory" else None
    if app_label != "inventory":
        from mamori.inventory.registers import REGISTERS

        if not any(spec.model is model for spec in REGISTERS.values()):
            return None
    return str(model._meta.verbose_name_plural)


def describe(action: str) -> str:
    """A sentence for an event code; an unknown code reads as a generic change."""
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    parts = action.split(".")
    if len(parts) == 3 and parts[2] in REGISTER_VERBS:
        name = _register_name(parts[0], parts[1])
        if name is not None:
            return str(REGISTER_VERBS[parts[2]]) % {"register": name}
    if parts[0] == "incident":
        return str(_("Changed an incident record"))
    return str(_("Recorded a change"))


def describe_object(action: str, object_repr: str, changes: Any = None) -> str:
    """The event's object as a reader names it. A rule run's object is a finding kind (a code):
    shown as that problem's title in the reader's language."""
    if action != "findings.synced":
        return object_repr
    from django.utils.translation import get_language

    from mamori.findings.guidance import get_guidance

    key = (
        str((changes or {}).get("guidance") or object_repr)
        if isinstance(changes, dict)
        else object_repr
    )
    guidance = get_guidance(key) or get_guidance(object_repr)
    if guidance is None:
        return str(_("Findings"))
    return guidance.title.get((get_language() or "ja")[:2])


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)[:300]
    return str(value)[:300]


def detail_lines(changes: Any) -> list[str]:
    """The event's recorded details as "field: before → after" lines (never a Python repr)."""
    if not changes:
        return []
    if not isinstance(changes, dict):
        return [_value(changes)]
    lines = []
    for key, value in list(changes.items())[:40]:
        if isinstance(value, (list, tuple)) and len(value) == 2:
            lines.append(f"{key}: {_value(value[0])} → {_value(value[1])}")
        else:
            lines.append(f"{key}: {_value(value)}")
    return lines
