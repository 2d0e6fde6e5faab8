"""Stored self-assessments: one row per assessment, one answer set per member who answered,
and the organisation's editable basic security policy.

A completed assessment keeps its merged answers and its scored ``Result`` (``as_dict()``), so
history and trends never depend on the questionnaire content shipped later.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.orgs.models import Organization


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Being answered")
    COMPLETED = "completed", _("Completed")


class Assessment(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="assessments"
    )
    questionnaire_id = models.CharField(_("questionnaire"), max_length=60)
    questionnaire_version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # The merged answers and the scored result (mamori.assessments.results.Result.as_dict()).
    answers = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # Copied out of the result so lists and trends read them without decoding JSON.
    percent = models.FloatField(null=True, blank=True)
    total = models.FloatField(null=True, blank=True)
    band_key = models.CharField(max_length=40, blank=True)
    weak_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "status", "-completed_at"]),
            models.Index(fields=["organization", "questionnaire_id", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_id} #{self.pk}"

    @property
    def is_completed(self) -> bool:
        return self.status == AssessmentStatus.COMPLETED


class AnswerSet(models.Model):
    """One member's answers to one assessment (kept as answered, merged on completion)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answer_sets")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessment_answers"
    )
    answers = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "member"], name="one_answer_set_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"answers of {self.member_id} to {self.assessment_id}"


class SecurityPolicy(models.Model):
    """The organisation's 情報セキュリティ基本方針: generated from the template, then edited."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="security_policy"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=50_000)
    language = models.CharField(max_length=5, default="ja")
    representative = models.CharField(_("representative"), max_length=200, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.title

    @property
    def in_place(self) -> bool:
        return self.adopted_on is not None

    def as_audit(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "representative": self.representative,
            "adopted_on": self.adopted_on,
            "body_chars": len(self.body),
        }
