"""Incident records: the incident, its append-only timeline, evidence files, tasks and the
notices sent to the people whose personal data was involved.

The timeline is the record an organisation hands to the police, an insurer or the PPC, so its
entries are append-only: a saved entry cannot be changed or deleted through the model or its
queryset (a correction is a new entry pointing at the earlier one). Deleting a whole
organisation still removes them (Django's cascade does not go through these methods).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.findings.models import Severity
from mamori.inventory.models import Account, Device, Person, Service, Website
from mamori.orgs.models import Organization


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    RESPONDING = "responding", _("Responding")
    CONTAINED = "contained", _("Contained")
    RECOVERED = "recovered", _("Recovered")
    REVIEW = "review", _("Post-incident review")
    CLOSED = "closed", _("Closed")


STATUS_ORDER = [value for value, _label in IncidentStatus.choices]
OPEN_STATUSES = [s for s in STATUS_ORDER if s != IncidentStatus.CLOSED]


class Incident(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="incidents"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happened"), max_length=5000, blank=True)
    # Playbook ids (mamori/content/playbooks): the incident's type(s).
    playbook_ids = models.JSONField(default=list, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.HIGH
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=IncidentStatus.choices,
        default=IncidentStatus.REPORTED,
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    noticed_at = models.DateTimeField(_("noticed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    people = models.ManyToManyField(Person, blank=True, related_name="+", verbose_name=_("people"))
    devices = models.ManyToManyField(
        Device, blank=True, related_name="+", verbose_name=_("devices")
    )
    services = models.ManyToManyField(
        Service, blank=True, related_name="+", verbose_name=_("services")
    )
    accounts = models.ManyToManyField(
        Account, blank=True, related_name="+", verbose_name=_("accounts")
    )
    websites = models.ManyToManyField(
        Website, blank=True, related_name="+", verbose_name=_("websites")
    )
    # Breach clock (個人情報保護法): the answers to the decision helper, the moment of
    # awareness, the decision status, the draft report values and when reports were sent.
    breach_answers = models.JSONField(default=dict, blank=True)
    breach_status = models.CharField(max_length=14, blank=True)
    breach_aware_at = models.DateTimeField(_("became aware at"), null=True, blank=True)
    breach_malicious = models.BooleanField(default=False)
    breach_report_values = models.JSONField(default=dict, blank=True)
    preliminary_sent_on = models.DateField(_("preliminary report sent on"), null=True, blank=True)
    final_sent_on = models.DateField(_("final report sent on"), null=True, blank=True)
    # Post-incident review (振り返り): free texts by question id, and the chosen prevention
    # measure ids that become findings when the incident is closed.
    review = models.JSONField(default=dict, blank=True)
    chosen_measures = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "status", "-reported_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.CLOSED


class AppendOnlyError(Exception):
    """A timeline entry or evidence record was about to be changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("append-only: entries cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("append-only: entries cannot be deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("append-only: a saved entry cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("append-only: entries cannot be deleted")


class EntryKind(models.TextChoices):
    CREATED = "created", _("Reported")
    STATUS = "status", _("Status change")
    STEP = "step", _("Step")
    NOTE = "note", _("Note")
    CORRECTION = "correction", _("Correction")
    ATTACHMENT = "attachment", _("Evidence file")
    TASK = "task", _("Task")
    CHANGE = "change", _("Details changed")
    BREACH = "breach", _("Breach clock")
    NOTICE = "notice", _("Notice to individuals")
    REVIEW = "review", _("Review")


class TimelineEntry(AppendOnlyModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    created_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept even if the user is deleted later: who wrote it stays on the record.
    author_label = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    text = models.TextField(max_length=5000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="corrections"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    # The stored name is the hash: the original name is kept in a field, never in the path.
    return f"incidents/{instance.organization_id}/{instance.incident_id}/{instance.sha256}"


class EvidenceFile(AppendOnlyModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class IncidentTask(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # "" for a task someone added; "breach_preliminary" / "breach_final" for the clock's own.
    system_key = models.CharField(max_length=40, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_at", "due_date", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The breach clock's own tasks read in the viewer's language; others as written."""
        label = SYSTEM_TASK_TITLES.get(self.system_key)
        return str(label) if label is not None else self.title

    @property
    def is_overdue(self) -> bool:
        return (
            self.done_at is None
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


SYSTEM_TASK_TITLES = {
    "breach_preliminary": _("Send the preliminary report to the PPC"),
    "breach_final": _("Send the final report to the PPC"),
}


class NoticeMethod(models.TextChoices):
    MAIL = "mail", _("E-mail")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    PUBLIC = "public", _("Public announcement")
    OTHER = "other", _("Other")


class BreachNotice(models.Model):
    """A notice to the people whose data was involved (本人通知): to whom, how, when."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notices")
    recipients = models.CharField(_("to whom"), max_length=300)
    count = models.PositiveIntegerField(_("number of people"), default=1)
    method = models.CharField(_("how"), max_length=10, choices=NoticeMethod.choices)
    sent_on = models.DateField(_("sent on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_on", "id"]

    def __str__(self) -> str:
        return self.recipients


# The organisation's own contacts live in their own module; imported here so Django finds them.
from .contact_models import EmergencyContact  # noqa: E402, F401
