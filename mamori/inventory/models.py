"""The inventory: what the organisation has (handbook §3, §4, §6, §10).

Every register row belongs to one organisation and is archived rather than deleted, so that
history and findings can still name it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.orgs.models import Organization


class Register(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class EmploymentType(models.TextChoices):
    REGULAR = "regular", _("Full-time employee")
    PART_TIME = "part_time", _("Part-time")
    FIXED_TERM = "fixed_term", _("Fixed-term or contract employee")
    DISPATCHED = "dispatched", _("Agency worker")
    CONTRACTOR = "contractor", _("Contractor")


class Person(Register):
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email address"), blank=True)
    department = models.CharField(_("department"), max_length=200, blank=True)
    employment_type = models.CharField(
        _("employment type"),
        max_length=12,
        choices=EmploymentType.choices,
        default=EmploymentType.REGULAR,
    )
    joined_on = models.DateField(_("joined"), null=True, blank=True)
    left_on = models.DateField(_("left"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["organization", "left_on"])]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    @property
    def has_left(self) -> bool:
        return self.left_on is not None and self.left_on <= timezone.localdate()


class DeviceKind(models.TextChoices):
    PC = "pc", _("PC")
    SMARTPHONE = "smartphone", _("Smartphone")
    TABLET = "tablet", _("Tablet")
    NAS = "nas", _("NAS")
    ROUTER = "router", _("Router / wireless LAN")
    CAMERA = "camera", _("Security camera")
    PRINTER = "printer", _("Printer")
    SMART_LOCK = "smart_lock", _("Smart lock / entry system")
    SERVER = "server", _("Server")
    OTHER = "other", _("Other")


class Ownership(models.TextChoices):
    COMPANY = "company", _("Company-owned")
    BYOD = "byod", _("Personal (BYOD)")


class Device(Register):
    name = models.CharField(_("name or asset tag"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=DeviceKind.choices)
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="devices",
        verbose_name=_("user"),
    )
    ownership = models.CharField(
        _("ownership"), max_length=8, choices=Ownership.choices, default=Ownership.COMPANY
    )
    os_name = models.CharField(_("OS"), max_length=100, blank=True)
    os_version = models.CharField(_("OS version"), max_length=100, blank=True)
    os_supported = models.BooleanField(_("OS still supported by its vendor"), null=True, blank=True)
    disk_encryption = models.BooleanField(_("disk encryption"), null=True, blank=True)
    screen_lock = models.BooleanField(_("screen lock"), null=True, blank=True)
    auto_update = models.BooleanField(_("automatic updates"), null=True, blank=True)
    anti_malware = models.BooleanField(_("anti-malware"), null=True, blank=True)
    last_updated_on = models.DateField(_("last updated"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    disposed_on = models.DateField(_("disposed"), null=True, blank=True)
    erasure_method = models.CharField(_("how data was erased"), max_length=200, blank=True)
    erasure_certificate = models.CharField(
        _("erasure certificate reference"), max_length=200, blank=True
    )
    # A personal device may hold work data only once its user has agreed to the BYOD rules
    # (handbook §3.1); the date is the evidence, and its absence is a finding.
    byod_rules_accepted_on = models.DateField(
        _("BYOD rules accepted on"),
        null=True,
        blank=True,
        help_text=_("For a personal device: the day its user agreed to the rules for work use."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        return self.name


class ServiceCategory(models.TextChoices):
    CLOUD_STORAGE = "cloud_storage", _("Cloud storage")
    MAIL = "mail", _("Mail")
    ACCOUNTING = "accounting", _("Accounting")
    BANKING = "banking", _("Online banking")
    SNS = "sns", _("Official SNS account")
    HOSTING = "hosting", _("Website hosting")
    VPN = "vpn", _("VPN / remote access")
    BUSINESS = "business", _("Business application")
    OTHER = "other", _("Other")


class Approval(models.TextChoices):
    """Whether the organisation allows a service for work (shadow IT, handbook §3.1)."""

    APPROVED = "approved", _("Approved")
    UNDER_REVIEW = "under_review", _("Under review")
    NOT_APPROVED = "not_approved", _("Not approved")


class Service(Register):
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(
        _("category"), max_length=16, choices=ServiceCategory.choices, default=ServiceCategory.OTHER
    )
    url = models.URLField(_("URL"), blank=True, max_length=500)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    mfa_available = models.BooleanField(_("MFA available"), null=True, blank=True)
    mfa_enforced = models.BooleanField(_("MFA enforced for everyone"), null=True, blank=True)
    holds_personal_data = models.BooleanField(_("holds personal data"), default=False)
    holds_confidential_data = models.BooleanField(_("holds confidential data"), default=False)
    # Services registered by hand are the ones the organisation chose: approved unless said
    # otherwise. Services found in sign-in reports are added under review or not approved.
    approval = models.CharField(
        _("approval for work use"),
        max_length=12,
        choices=Approval.choices,
        default=Approval.APPROVED,
    )
    backup_owner = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("responsible for backups"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class Software(Register):
    vendor = models.CharField(_("vendor"), max_length=200)
    product = models.CharField(_("product"), max_length=200)
    version = models.CharField(_("version"), max_length=100, blank=True)
    cpe23 = models.CharField(_("CPE 2.3 name"), max_length=300, blank=True)
    devices = models.ManyToManyField(
        Device, blank=True, related_name="software", verbose_name=_("devices")
    )
    services = models.ManyToManyField(
        Service, blank=True, related_name="software", verbose_name=_("services")
    )

    class Meta:
        ordering = ["vendor", "product", "version"]
        verbose_name = _("software")
        verbose_name_plural = _("software")

    def __str__(self) -> str:
        return " ".join(p for p in [self.vendor, self.product, self.version] if p)


class AccountRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    USER = "user", _("User")
    GUEST = "guest", _("Guest")


class Account(Register):
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
        verbose_name=_("person"),
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="accounts",
        verbose_name=_("service"),
    )
    device = models.ForeignKey(
        Device,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="accounts",
        verbose_name=_("device"),
    )
    username = models.CharField(_("user name / ID"), max_length=200)
    role = models.CharField(
        _("role"), max_length=8, choices=AccountRole.choices, default=AccountRole.USER
    )
    mfa_enabled = models.BooleanField(_("MFA on"), null=True, blank=True)
    shared = models.BooleanField(_("shared by several people"), default=False)
    active = models.BooleanField(_("active"), default=True)
    last_reviewed_on = models.DateField(_("last reviewed"), null=True, blank=True)

    class Meta:
        ordering = ["username"]
        indexes = [models.Index(fields=["organization", "active", "role"])]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        where = self.service or self.device
        return f"{self.username} @ {where}" if where else self.username


class Supplier(Register):
    name = models.CharField(_("name"), max_length=200)
    domains = models.CharField(
        _("mail and web domains"),
        max_length=500,
        blank=True,
        help_text=_("Separate several with commas, e.g. example.co.jp, example.com"),
    )
    work = models.CharField(_("what they do for us"), max_length=300, blank=True)
    handles_personal_data = models.BooleanField(_("handles personal data"), default=False)
    security_clauses = models.BooleanField(_("security clauses in the contract"), default=False)
    certifications = models.CharField(_("P-mark / ISMS"), max_length=200, blank=True)
    subcontracting_allowed = models.BooleanField(_("re-subcontracting allowed"), default=False)
    servers_abroad = models.BooleanField(_("servers abroad"), default=False)
    abroad_reviewed = models.BooleanField(_("foreign data handling reviewed"), default=False)
    last_audit_on = models.DateField(_("last audit"), null=True, blank=True)
    next_audit_on = models.DateField(_("next audit"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def __str__(self) -> str:
        return self.name

    @property
    def domain_list(self) -> list[str]:
        return [d.strip().lower() for d in self.domains.replace("、", ",").split(",") if d.strip()]


class ShareScope(models.TextChoices):
    PUBLIC = "public", _("Public on the web")
    ANYONE_WITH_LINK = "anyone_with_link", _("Anyone with the link")
    PARTNERS = "partners", _("Business partners")
    INTERNAL = "internal", _("Within the organisation")
    PRIVATE = "private", _("Only the owner")


class Share(Register):
    name = models.CharField(_("file, folder or link"), max_length=300)
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shares",
        verbose_name=_("service"),
    )
    url = models.URLField(_("URL"), blank=True, max_length=1000)
    owner = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_shares",
        verbose_name=_("owner"),
    )
    scope = models.CharField(
        _("who can open it"), max_length=16, choices=ShareScope.choices, default=ShareScope.INTERNAL
    )
    contains_personal_data = models.BooleanField(_("contains personal data"), default=False)
    contains_confidential_data = models.BooleanField(_("contains confidential data"), default=False)
    created_on = models.DateField(_("shared on"), null=True, blank=True)
    expires_on = models.DateField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["organization", "scope"])]
        verbose_name = _("share")
        verbose_name_plural = _("shares")

    def __str__(self) -> str:
        return self.name


class Permission(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Can edit")
    VIEWER = "viewer", _("Can view")


class ShareGrant(models.Model):
    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="grants")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="share_grants"
    )
    group = models.CharField(_("group or outside address"), max_length=200, blank=True)
    permission = models.CharField(
        _("permission"), max_length=8, choices=Permission.choices, default=Permission.VIEWER
    )

    def __str__(self) -> str:
        return f"{self.person or self.group} → {self.share} ({self.permission})"


class Website(Register):
    url = models.URLField(_("URL"), max_length=500)
    hosting = models.CharField(_("hosting service"), max_length=200, blank=True)
    cms = models.CharField(_("CMS"), max_length=100, blank=True)
    cms_version = models.CharField(_("CMS version"), max_length=50, blank=True)
    # Plugins and themes with their versions, one per line ("contact-form-7 5.8.1"): matched
    # against advisories like software (intel). Monitoring may fill it from the page.
    cms_plugins = models.TextField(
        _("CMS plugins and themes"),
        blank=True,
        max_length=5000,
        help_text=_("One per line: name and version, e.g. contact-form-7 5.8.1"),
    )
    administrators = models.ManyToManyField(
        Person, blank=True, related_name="websites", verbose_name=_("administrators")
    )

    class Meta:
        ordering = ["url"]
        verbose_name = _("website")
        verbose_name_plural = _("websites")

    def __str__(self) -> str:
        return self.url
