"""Contractor supervision (委託先の監督, handbook §10, §6.1) and the personal-data register
(個人情報取扱台帳, §8).

Both are registers (inventory.registers): organisation-scoped, archived rather than deleted.
Links to the inventory (suppliers, services, devices, shares) and to incidents are defined here,
so the apps that own those models keep their migrations.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.incidents.models import Incident
from mamori.inventory.models import Device, Person, Register, Service, Share, Supplier
from mamori.orgs.models import Organization

# The contract clauses a supervision record checks (handbook §10; 個人情報保護法 第25条 and the
# PPC guideline's list of what an entrustment contract should settle).
CLAUSE_FIELDS: tuple[str, ...] = (
    "clause_purpose",
    "clause_reentrustment",
    "clause_location",
    "clause_deletion",
    "clause_incident_notice",
    "clause_audit",
)


def split_list(text: str) -> list[str]:
    """Comma (or 、) separated names, stripped and without empties."""
    return [part.strip() for part in text.replace("、", ",").split(",") if part.strip()]


class Certification(models.TextChoices):
    NONE = "none", _("None recorded")
    PMARK = "pmark", _("Privacy Mark")
    ISMS = "isms", _("ISMS certification")
    BOTH = "both", _("Privacy Mark and ISMS")
    CHECKLIST = "checklist", _("Our checklist, answered by the supplier")


class Supervision(Register):
    supplier = models.OneToOneField(
        Supplier,
        on_delete=models.CASCADE,
        related_name="supervision",
        verbose_name=_("supplier"),
    )
    data_entrusted = models.TextField(
        _("data entrusted to them"),
        blank=True,
        max_length=2000,
        help_text=_("Which records they receive, e.g. customer names and addresses for shipping."),
    )
    entrusts_personal_data = models.BooleanField(_("personal data entrusted"), default=False)
    entrusts_confidential_data = models.BooleanField(
        _("confidential data entrusted"), default=False
    )
    certification = models.CharField(
        _("selection evidence"),
        max_length=12,
        choices=Certification.choices,
        default=Certification.NONE,
    )
    certification_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    certification_expires_on = models.DateField(_("certificate valid until"), null=True, blank=True)
    clause_purpose = models.BooleanField(_("Contract: used only for our purpose"), default=False)
    clause_reentrustment = models.BooleanField(
        _("Contract: re-entrustment only with our consent"), default=False
    )
    clause_location = models.BooleanField(
        _("Contract: where data is stored and processed"), default=False
    )
    clause_deletion = models.BooleanField(
        _("Contract: return or deletion at the end"), default=False
    )
    clause_incident_notice = models.BooleanField(
        _("Contract: incident notice within a deadline"), default=False
    )
    incident_notice_hours = models.PositiveIntegerField(
        _("incident notice deadline (hours)"), null=True, blank=True
    )
    clause_audit = models.BooleanField(_("Contract: our right to audit"), default=False)
    reentrustment_approved = models.BooleanField(_("re-entrustment approved by us"), default=False)
    offshore_approved = models.BooleanField(_("processing abroad approved by us"), default=False)
    processing_countries = models.CharField(
        _("countries where data is processed abroad"),
        max_length=300,
        blank=True,
        help_text=_("Separate several with commas. Leave empty when everything stays in Japan."),
    )
    foreign_regime = models.TextField(
        _("personal-data rules of those countries"),
        blank=True,
        max_length=3000,
        help_text=_(
            "What you checked about each country's personal-data protection system, e.g. from "
            "the Personal Information Protection Commission's survey of foreign systems."
        ),
    )

    class Meta:
        ordering = ["supplier__name"]
        verbose_name = _("contractor supervision")
        verbose_name_plural = _("contractor supervision")

    def __str__(self) -> str:
        return self.supplier.name

    @property
    def name(self) -> str:
        # Import/export and the register's search refer to a record by its supplier's name.
        return self.supplier.name

    @property
    def missing_clauses(self) -> list[str]:
        return [name for name in CLAUSE_FIELDS if not getattr(self, name)]

    @property
    def countries(self) -> list[str]:
        return split_list(self.processing_countries)


class AuditMethod(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", _("By questionnaire")
    VISIT = "visit", _("Visit")
    REPORT = "report", _("Report from the supplier")


class SupervisionAudit(models.Model):
    """One check of a contractor (date, method, what was found, what follows)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="audits")
    audited_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=16, choices=AuditMethod.choices)
    findings = models.TextField(_("what was found"), blank=True, max_length=3000)
    follow_up = models.TextField(_("follow-up"), blank=True, max_length=3000)
    follow_up_done = models.BooleanField(_("follow-up done"), default=False)
    questionnaire = models.OneToOneField(
        "QuestionnaireLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-audited_on", "-pk"]
        indexes = [models.Index(fields=["organization", "supervision", "audited_on"])]

    def __str__(self) -> str:
        return f"{self.supervision} {self.audited_on.isoformat()}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class QuestionnaireLink(models.Model):
    """A single-use link a supplier opens without an account to answer the selection
    checklist. Only the token's SHA-256 is stored; the link dies when answered or expired."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    supervision = models.ForeignKey(
        Supervision, on_delete=models.CASCADE, related_name="questionnaire_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, blank=True)
    # Withdrawn by an editor (sent to the wrong address, or replaced by a new link).
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.supervision} {self.created_at:%Y-%m-%d}"

    @property
    def state(self) -> str:
        """answered, revoked, expired or open."""
        if self.used_at is not None:
            return "answered"
        if self.revoked_at is not None:
            return "revoked"
        return "open" if self.expires_at > timezone.now() else "expired"

    @property
    def is_usable(self) -> bool:
        return self.state == "open"


class Provision(models.TextChoices):
    NONE = "none", _("Not provided to third parties")
    CONSENT = "consent", _("Provided with the person's consent")
    EXCEPTION = "exception", _("Provided under a legal exception")
    OPT_OUT = "opt_out", _("Provided by opt-out notified to the Commission")
    NOT_THIRD_PARTY = "not_third_party", _("Entrustment, business transfer or joint use")


class PersonalData(Register):
    name = models.CharField(_("name of the data"), max_length=200)
    categories = models.CharField(
        _("items held"),
        max_length=500,
        blank=True,
        help_text=_("e.g. name, address, phone number, date of birth, health check results"),
    )
    sensitive = models.BooleanField(
        _("includes special care-required personal information"), default=False
    )
    people_count = models.PositiveIntegerField(_("number of people"), null=True, blank=True)
    purpose = models.CharField(_("purpose of use"), max_length=500, blank=True)
    owner = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("person responsible"),
    )
    services = models.ManyToManyField(
        Service,
        blank=True,
        related_name="personal_data_entries",
        verbose_name=_("kept in services"),
    )
    devices = models.ManyToManyField(
        Device, blank=True, related_name="personal_data_entries", verbose_name=_("kept on devices")
    )
    shares = models.ManyToManyField(
        Share, blank=True, related_name="personal_data_entries", verbose_name=_("kept in shares")
    )
    access = models.CharField(_("who can access it"), max_length=500, blank=True)
    retention = models.CharField(_("how long it is kept"), max_length=300, blank=True)
    retain_until = models.DateField(_("keep until"), null=True, blank=True)
    provision = models.CharField(
        _("provision to third parties"),
        max_length=16,
        choices=Provision.choices,
        default=Provision.NONE,
    )
    provision_records_kept = models.BooleanField(
        _("records of each provision kept"), null=True, blank=True
    )
    foreign_transfer = models.BooleanField(_("provided to a third party abroad"), default=False)
    foreign_countries = models.CharField(
        _("countries it goes to"),
        max_length=300,
        blank=True,
        help_text=_("Separate several with commas."),
    )
    foreign_consent = models.BooleanField(
        _("consent to the foreign transfer recorded"), default=False
    )
    foreign_info_given = models.BooleanField(
        _("the person was told the country's rules"), default=False
    )
    foreign_regime = models.TextField(
        _("personal-data rules of those countries"), blank=True, max_length=3000
    )
    contractors = models.ManyToManyField(
        Supplier, blank=True, related_name="personal_data_entries", verbose_name=_("contractors")
    )
    incidents = models.ManyToManyField(
        Incident, blank=True, related_name="personal_data_entries", verbose_name=_("incidents")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("personal data")
        verbose_name_plural = _("personal data")

    def __str__(self) -> str:
        return self.name


class QuestionnaireHit(models.Model):
    """One request to the public questionnaire page, by client address: the rate limit is
    counted in the database (as sign-in attempts are) so every web process sees the same
    count. Rows older than the window are deleted as new ones arrive."""

    ip = models.CharField(max_length=45)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return f"{self.ip} {self.at:%Y-%m-%d %H:%M:%S}"
