"""What a background job is and how it stands, in the reader's language. Job rows keep stable
codes ("intel.fetch_feed", "failed"); the jobs page shows these words, and the raw error text
only behind 「詳細」."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

JOB_KIND_LABELS: dict[str, Any] = {
    "findings.run_all_rules": _("Nightly check of every rule"),
    "findings.rerun_rules": _("Re-checking the rules after a change"),
    "intel.fetch_feed": _("Fetching a news feed"),
    "intel.rematch": _("Matching vulnerabilities to the inventory"),
    "intel.match_new": _("Matching new vulnerabilities to the inventory"),
    "intel.sync_nvd": _("Fetching vulnerabilities from NVD"),
    "intel.sync_kev": _("Fetching the CISA KEV catalogue"),
    "intel.sync_jvn": _("Fetching vulnerabilities from JVN"),
    "intel.sync_myjvn": _("Fetching vulnerabilities from the MyJVN API"),
    "accounts.prune": _("Removing old sign-in records, sessions and invitations"),
    "monitoring.check_page": _("Checking a watched web page"),
    "notify.deliver": _("Sending a notification"),
    "notify.periodic": _("Sending digests and reminders"),
    "mailcheck.purge": _("Deleting old stored mail"),
    "mailcheck.poll_mailbox": _("Reading the mail-check mailbox"),
    "assessments.monthly_report": _("Sending the monthly report"),
    "core.prune_job_history": _("Deleting old finished jobs"),
    "training.send_drill": _("Sending a targeted-mail drill"),
    "routines.daily": _("Opening actions for recurring checks that come due"),
    "orgs.report_bundle": _("Preparing the monthly reports of several organisations"),
    "orgs.prune_report_bundles": _("Deleting old report zips"),
}

JOB_STATUS_LABELS: dict[str, Any] = {
    "queued": _("Waiting"),
    "running": _("Running"),
    "done": _("Done"),
    "failed": _("Failed"),
}


def kind_label(kind: str) -> str:
    label = JOB_KIND_LABELS.get(kind)
    return str(label) if label is not None else str(_("Background work"))


def queue_label(queue: str) -> str:
    """Urgent / Normal / Bulk in the reader's language (mamori.core.models.JobQueue)."""
    from mamori.core.models import JobQueue

    try:
        return str(JobQueue(queue).label)
    except ValueError:
        return queue


def status_label(status: str) -> str:
    label = JOB_STATUS_LABELS.get(status)
    return str(label) if label is not None else status


def error_summary(last_error: str) -> str:
    """One plain sentence for the table; the raw text (which may hold a traceback) is shown
    only behind 「詳細」."""
    if not last_error.strip():
        return ""
    lowered = last_error.lower()
    if "lease" in lowered and "expired" in lowered:
        return str(_("The worker running it stopped; it was tried again."))
    if "timed out" in lowered or "timeout" in lowered:
        return str(_("A connection timed out."))
    if "refused" in lowered or "cannot resolve" in lowered or "name or service" in lowered:
        return str(_("The address could not be reached."))
    return str(_("The job stopped with an error."))
