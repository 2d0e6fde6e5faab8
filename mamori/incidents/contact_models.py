"""The organisation's own emergency contacts (issue 16 "Contacts"): its bank and the bank's
emergency line, card company, hosting and domain companies, IT vendor, insurer with the policy
number, lawyer, local police station … The incident playbooks show these in place of 「自社の窓口
を記録してください」 and the first-hour card prints them. Each carries where the number came from and
when it was last checked, because a wrong number found on the worst day costs hours."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mamori.inventory.models import Register


class ContactKind(models.TextChoices):
    BANK = "bank", _("Bank")
    CARD = "card", _("Credit card company")
    HOSTING = "hosting", _("Hosting company or web developer")
    DOMAIN = "domain", _("Domain registrar")
    CLOUD = "cloud", _("Cloud service provider")
    IT_VENDOR = "it_vendor", _("IT vendor or maintenance company")
    INSURER = "insurer", _("Insurer (cyber insurance)")
    LAWYER = "lawyer", _("Lawyer")
    POLICE = "police_station", _("Local police station")
    PPC = "ppc", _("Personal Information Protection Commission")
    OTHER = "other", _("Other")


# Digits with the usual separators, an optional leading + (international) or # (short codes
# such as #9110), and an optional extension: enough to reject a pasted URL or sentence.
phone_validator = RegexValidator(
    r"^[+#]?[0-9][0-9\- ()]{1,22}(?:\s*(?:内線|ext\.?)\s*[0-9]{1,6})?$",
    _("Enter a phone number of digits and hyphens, e.g. 03-1234-5678 or 0120-123-456."),
)


class EmergencyContact(Register):
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind.choices)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[phone_validator])
    emergency_phone = models.CharField(
        _("emergency or after-hours phone"),
        max_length=40,
        blank=True,
        validators=[phone_validator],
        help_text=_("The number that answers at night and on holidays (a bank's fraud line)."),
    )
    email = models.EmailField(_("email address"), blank=True)
    url = models.URLField(_("web address"), blank=True)
    contract_number = models.CharField(
        _("policy or contract number"),
        max_length=100,
        blank=True,
        help_text=_("The insurer's policy number, the hosting contract or customer number."),
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_(
            "Where the number comes from: the contract, the bank's letter, the official site."
        ),
    )
    checked_on = models.DateField(_("last checked"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["organization", "kind"])]
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")

    def __str__(self) -> str:
        return self.name
