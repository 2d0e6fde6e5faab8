"""Licences of published material (フリー素材と著作権, handbook §9) and the apps that sign-in
reports show in use (shadow IT, handbook §3.1).

A material is one photo, illustration, font, piece of music, video or text the organisation
publishes, with the terms it may be used under. "Free" material is still someone's work: the
licence says on which conditions it may be used, and a photo of a person also needs that
person's consent (model release).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.inventory.models import Register, Service
from mamori.orgs.models import Organization


class MaterialKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    ILLUSTRATION = "illustration", _("Illustration")
    FONT = "font", _("Font")
    MUSIC = "music", _("Music or sound")
    VIDEO = "video", _("Video")
    TEXT = "text", _("Text")
    OTHER = "other", _("Other")


class Licence(models.TextChoices):
    CC_BY = "cc_by", _("CC BY (attribution)")
    CC_BY_SA = "cc_by_sa", _("CC BY-SA (attribution, share alike)")
    CC_BY_NC = "cc_by_nc", _("CC BY-NC (attribution, non-commercial)")
    CC_BY_ND = "cc_by_nd", _("CC BY-ND (attribution, no derivatives)")
    CC_BY_NC_SA = "cc_by_nc_sa", _("CC BY-NC-SA (attribution, non-commercial, share alike)")
    CC_BY_NC_ND = "cc_by_nc_nd", _("CC BY-NC-ND (attribution, non-commercial, no derivatives)")
    CC0 = "cc0", _("CC0 or public domain")
    STOCK = "stock", _("Stock photo or material site licence")
    OWN = "own", _("Own work")
    OTHER = "other", _("Other or written permission")


# The conditions each Creative Commons licence carries (handbook §9).
NON_COMMERCIAL = frozenset({Licence.CC_BY_NC, Licence.CC_BY_NC_SA, Licence.CC_BY_NC_ND})
NO_DERIVATIVES = frozenset({Licence.CC_BY_ND, Licence.CC_BY_NC_ND})
ATTRIBUTION = frozenset(
    {
        Licence.CC_BY,
        Licence.CC_BY_SA,
        Licence.CC_BY_NC,
        Licence.CC_BY_ND,
        Licence.CC_BY_NC_SA,
        Licence.CC_BY_NC_ND,
    }
)


class Release(models.TextChoices):
    OBTAINED = "obtained", _("Obtained")
    NOT_OBTAINED = "not_obtained", _("Not obtained")
    NOT_NEEDED = "not_needed", _("Not needed")


class UsedIn(models.TextChoices):
    WEBSITE = "website", _("Website")
    SNS = "sns", _("Social media")
    FLYER = "flyer", _("Flyer or poster")
    SLIDES = "slides", _("Slides or documents")
    PRODUCT = "product", _("Product or packaging")
    VIDEO = "video", _("Video")
    OTHER = "other", _("Other")


class Material(Register):
    name = models.CharField(
        _("material"),
        max_length=200,
        help_text=_("What it is, e.g. 'Top page photo: team meeting'."),
    )
    kind = models.CharField(
        _("kind of material"), max_length=12, choices=MaterialKind.choices, default="photo"
    )
    source_url = models.URLField(
        _("where it came from (URL)"),
        blank=True,
        max_length=500,
        help_text=_("The page you downloaded it from, so the terms can be checked again."),
    )
    author = models.CharField(_("author or rights holder"), max_length=200, blank=True)
    licence = models.CharField(
        _("licence"),
        max_length=12,
        choices=Licence.choices,
        default=Licence.OTHER,
        help_text=_(
            "BY: credit the author. NC: non-commercial use only — a company's website or "
            "advertising is commercial. ND: use it as it is, no cropping or retouching. "
            "SA: if you change it, publish the result under the same licence. CC0 or public "
            "domain: free to use."
        ),
    )
    attribution = models.CharField(
        _("credit line shown with it"),
        max_length=500,
        blank=True,
        help_text=_(
            "Required for every CC BY licence, e.g. 'Photo: Taro Yamada (CC BY 4.0)', with a "
            "link to the licence where possible."
        ),
    )
    contains_person = models.BooleanField(
        _("a recognisable person appears in it"),
        default=False,
        help_text=_("The person photographed has portrait rights, whoever took the photo."),
    )
    model_release = models.CharField(
        _("model release (consent of the person)"),
        max_length=12,
        choices=Release.choices,
        blank=True,
    )
    property_release = models.CharField(
        _("property release (building, artwork, product shown)"),
        max_length=12,
        choices=Release.choices,
        blank=True,
    )
    used_in = models.CharField(
        _("where it is used"), max_length=12, choices=UsedIn.choices, default=UsedIn.WEBSITE
    )
    used_at = models.CharField(
        _("page, post or document"),
        max_length=500,
        blank=True,
        help_text=_("The URL or the name of the flyer or slide deck."),
    )
    commercial_use = models.BooleanField(
        _("commercial use"),
        default=True,
        help_text=_(
            "Use by a business to present or sell its products or services is commercial, "
            "even when nothing is sold on that page."
        ),
    )
    modified = models.BooleanField(_("modified (cropped, retouched, text added)"), default=False)
    licence_expires_on = models.DateField(
        _("paid licence expires"),
        null=True,
        blank=True,
        help_text=_("For a paid or time-limited licence: stop using it or renew before this day."),
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["organization", "licence"])]
        verbose_name = _("published material")
        verbose_name_plural = _("published materials")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # A release answer for a photo without people says nothing; one missing where a
        # person appears is the rule's business (a finding), not a form error, so that a
        # material already in use can still be recorded as it is.
        if self.model_release == Release.NOT_NEEDED and self.contains_person:
            raise ValidationError(
                {
                    "model_release": _(
                        "A recognisable person appears in it, so their consent is needed. "
                        "Choose 'Obtained' or 'Not obtained'."
                    )
                }
            )

    @property
    def needs_attribution(self) -> bool:
        return self.licence in ATTRIBUTION

    @property
    def is_non_commercial(self) -> bool:
        return self.licence in NON_COMMERCIAL

    @property
    def is_no_derivatives(self) -> bool:
        return self.licence in NO_DERIVATIVES


class ReportSource(models.TextChoices):
    M365_SIGNINS = "m365_signins", _("Microsoft 365 sign-in log")
    M365_APPS = "m365_apps", _("Microsoft 365 enterprise applications")
    GOOGLE_APPS = "google_apps", _("Google Workspace app access")
    OTHER = "other", _("Other report")


class DiscoveredApp(models.Model):
    """An app a sign-in or OAuth report shows in use that the services register does not name.
    It stays here until someone adds it to the register (approved or not) or dismisses it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("app"), max_length=200)
    app_id = models.CharField(_("app or client ID"), max_length=200, blank=True)
    source = models.CharField(
        _("found in"), max_length=16, choices=ReportSource.choices, default=ReportSource.OTHER
    )
    users = models.PositiveIntegerField(_("users"), default=0)
    user_sample = models.CharField(_("who used it"), max_length=1000, blank=True)
    sign_ins = models.PositiveIntegerField(_("sign-ins"), default=0)
    first_seen = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("service"),
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-users", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="discovered_app_name")
        ]
        verbose_name = _("app found in a report")
        verbose_name_plural = _("apps found in reports")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.service_id is None and self.dismissed_at is None
