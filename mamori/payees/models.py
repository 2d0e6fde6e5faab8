"""Payees and verified payee changes (振込先変更の確認, issue 17).

A payee's account is what the accounting software pays into. It is set when the partner is set
up; afterwards it changes only through a PayeeChange that has a callback to the phone number on
record, the MIC-case checklist and a second person's approval (two for overseas transfers), as
the MIC case 「正しい取引先に送金したはずが・・・」 and handbook chapter 7 §7.4 recommend.

`verified_fingerprint` is the digest of the account last set up or approved. An account changed
any other way (a spreadsheet import updates rows without the form's checks) no longer matches
it, and the rule `payees.account_unchecked` reports the payee.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Concat, Right
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.inventory.models import Register, Supplier
from mamori.mailcheck.models import CheckedMail, Verdict
from mamori.orgs.models import Organization

from . import banking


class DigitsField(models.CharField):
    """Digits typed in any width, with hyphens or spaces, stored as plain ASCII digits."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return banking.normalise_digits(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return banking.normalise_digits(value) if isinstance(value, str) else value


class BankIdField(models.CharField):
    """An IBAN or BIC: any width and spacing in, uppercase without spaces stored."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return banking.normalise_code(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return banking.normalise_code(value) if isinstance(value, str) else value


class BaselineField(models.CharField):
    """The verified account digest; a new row (form or import) takes its own account as the
    baseline, so only a later change outside the check differs from it."""

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if add and not value:
            value = model_instance.account_fingerprint()
            setattr(model_instance, self.attname, value)
        return value


class Destination(models.TextChoices):
    DOMESTIC = "domestic", _("Bank in Japan")
    OVERSEAS = "overseas", _("Bank abroad (IBAN/SWIFT)")


class AccountType(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    CURRENT = "current", _("Current")
    SAVINGS = "savings", _("Savings")


ACCOUNT_FIELDS: tuple[str, ...] = (
    "destination",
    "bank_name",
    "bank_code",
    "branch_name",
    "branch_code",
    "account_type",
    "account_number",
    "holder_kana",
    "iban",
    "bic",
)
# Shown masked to anyone without an editor's role and a fresh password confirmation.
SECRET_FIELDS: frozenset[str] = frozenset({"account_number", "iban"})
ACCOUNT_LOCKED = _(
    "The bank account of an existing payee changes only through a change "
    "request, with a callback to the number on record and a second "
    "person's approval. Open the payee and choose “Request an account "
    "change”."
)


class AccountDetails(models.Model):
    """Where money goes: a domestic zengin account or an overseas IBAN with its BIC."""

    destination = models.CharField(
        _("destination"), max_length=10, choices=Destination.choices, default=Destination.DOMESTIC
    )
    bank_name = models.CharField(_("bank name"), max_length=100, blank=True)
    bank_code = DigitsField(
        _("bank code"), max_length=8, blank=True, help_text=_("4 digits (Zengin bank code)")
    )
    branch_name = models.CharField(_("branch name"), max_length=100, blank=True)
    branch_code = DigitsField(_("branch code"), max_length=8, blank=True, help_text=_("3 digits"))
    account_type = models.CharField(
        _("account type"), max_length=10, choices=AccountType.choices, blank=True
    )
    account_number = DigitsField(
        _("account number"), max_length=12, blank=True, help_text=_("7 digits")
    )
    holder_kana = models.CharField(
        _("account holder (kana)"), max_length=100, blank=True, help_text=_("As the bank has it")
    )
    iban = BankIdField(_("IBAN"), max_length=40, blank=True)
    bic = BankIdField(_("SWIFT/BIC code"), max_length=16, blank=True)

    class Meta:
        abstract = True

    @property
    def is_overseas(self) -> bool:
        return self.destination == Destination.OVERSEAS

    def account_fingerprint(self) -> str:
        return banking.fingerprint([str(getattr(self, name) or "") for name in ACCOUNT_FIELDS])

    def account_snapshot(self) -> dict[str, str]:
        return {name: str(getattr(self, name) or "") for name in ACCOUNT_FIELDS}

    def masked_number(self) -> str:
        if self.is_overseas:
            return banking.mask(self.iban, 4)
        return banking.mask(self.account_number)

    def account_errors(self) -> dict[str, str]:
        """Field -> message for every account detail that is missing or malformed."""
        errors: dict[str, Any] = {}
        if self.is_overseas:
            if not self.iban:
                errors["iban"] = _("Enter the IBAN of the overseas account.")
            else:
                problem = banking.iban_error(self.iban)
                if problem == "shape":
                    errors["iban"] = _(
                        "An IBAN starts with a two-letter country code and two check digits, "
                        "followed by letters and digits (e.g. GB82 WEST 1234 5698 7654 32)."
                    )
                elif problem == "length":
                    errors["iban"] = _(
                        "This IBAN has the wrong length for its country. Copy it again from "
                        "the partner's invoice."
                    )
                elif problem:
                    errors["iban"] = _(
                        "The IBAN's check digits do not match (a typing error or a forged "
                        "number). Check every character."
                    )
            if not self.bic:
                errors["bic"] = _("Enter the SWIFT/BIC code of the overseas bank.")
            elif banking.bic_error(self.bic):
                errors["bic"] = _(
                    "A SWIFT/BIC code is 8 or 11 letters and digits: bank (4 letters), country "
                    "(2 letters), place (2) and optionally branch (3), e.g. DEUTDEFF."
                )
            return errors
        if banking.check_digits(self.bank_code, 4):
            errors["bank_code"] = _("The bank code is 4 digits (Zengin code), e.g. 0005.")
        if banking.check_digits(self.branch_code, 3):
            errors["branch_code"] = _("The branch code is 3 digits, e.g. 001.")
        if banking.check_digits(self.account_number, 7):
            errors["account_number"] = _(
                "The account number is 7 digits. Add leading zeros to a shorter number "
                "(123456 → 0123456)."
            )
        if not self.account_type:
            errors["account_type"] = _("Choose the account type.")
        if not self.holder_kana.strip():
            errors["holder_kana"] = _("Enter the account holder's name in kana.")
        if not self.bank_name.strip():
            errors["bank_name"] = _("Enter the bank name.")
        return errors


class Payee(Register, AccountDetails):
    name = models.CharField(_("payee"), max_length=200)
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phone_on_record = models.CharField(
        _("phone number on record"),
        max_length=40,
        blank=True,
        help_text=_(
            "The partner's number from your own records (contract, earlier invoices), taken when "
            "they were set up. Change requests are called back on this number, never on one "
            "given in the request."
        ),
    )
    # The account as last set up or approved: what a change made without the check misses.
    account_hint = models.GeneratedField(
        expression=models.Case(
            models.When(
                destination=Destination.OVERSEAS,
                then=Concat(models.Value("****"), Right("iban", 4)),
            ),
            models.When(account_number="", then=models.Value("")),
            default=Concat(models.Value("****"), Right("account_number", 3)),
        ),
        output_field=models.CharField(max_length=12),
        db_persist=True,
        verbose_name=_("bank account"),
    )
    verified_fingerprint = BaselineField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("payee")
        verbose_name_plural = _("payees")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        errors = self.account_errors()
        if errors:
            raise ValidationError(errors)
        if self.pk is not None:
            stored = type(self)._default_manager.filter(pk=self.pk).first()
            if stored is not None and stored.account_fingerprint() != self.account_fingerprint():
                raise ValidationError(ACCOUNT_LOCKED)

    @property
    def account_verified(self) -> bool:
        return self.verified_fingerprint == self.account_fingerprint()


class Channel(models.TextChoices):
    MAIL = "mail", _("Mail")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    OTHER = "other", _("Other")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for checks")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PayeeChange(AccountDetails):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    payee = models.ForeignKey(
        Payee, verbose_name=_("payee"), on_delete=models.CASCADE, related_name="changes"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    channel = models.CharField(_("arrived by"), max_length=10, choices=Channel.choices)
    mail = models.ForeignKey(
        CheckedMail,
        verbose_name=_("checked mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requester_contact = models.CharField(
        _("who asked (at the partner)"), max_length=200, blank=True
    )
    phone_in_request = models.CharField(
        _("phone number given in the request"),
        max_length=40,
        blank=True,
        help_text=_("Recorded for comparison only: it is never the number to call back."),
    )
    reason = models.TextField(_("reason given"), max_length=2000, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    sender_checked = models.BooleanField(
        _("sender address checked character by character"), default=False
    )
    previous_contact_confirmed = models.BooleanField(
        _("previous contact person confirmed the change"), default=False
    )
    amount_timing_plausible = models.BooleanField(
        _("amount and timing are plausible"), default=False
    )
    checklist_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checklist_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(_("note"), max_length=2000, blank=True)
    # The account the payee had before this change was approved (kept for history).
    previous_account = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"])]
        verbose_name = _("payee change request")

    def __str__(self) -> str:
        return f"{self.payee} ({self.created_at:%Y-%m-%d})"

    def clean(self) -> None:
        super().clean()
        errors = self.account_errors()
        if errors:
            raise ValidationError(errors)

    @property
    def previous_summary(self) -> str:
        """The account this change replaced (bank and masked number), for the history."""
        old = self.previous_account or {}
        if not old:
            return ""
        if old.get("destination") == Destination.OVERSEAS:
            number = banking.mask(old.get("iban", ""), 4)
        else:
            number = banking.mask(old.get("account_number", ""))
        return " ".join(part for part in (old.get("bank_name", ""), number) if part)

    @property
    def approvals_required(self) -> int:
        # The MIC case: overseas transfers are checked by several people.
        return 2 if self.is_overseas else 1

    @property
    def mail_is_suspicious(self) -> bool:
        return self.mail is not None and self.mail.verdict in (Verdict.DANGER, Verdict.CAUTION)

    @property
    def checklist_complete(self) -> bool:
        return (
            self.sender_checked and self.previous_contact_confirmed and self.amount_timing_plausible
        )

    def confirming_callback(self) -> PayeeCallback | None:
        """A callback to the number the payee has on record now that confirmed the change."""
        number = banking.normalise_digits(self.payee.phone_on_record)
        if not number:
            return None
        for callback in self.callbacks.all():
            if (
                callback.outcome == CallbackOutcome.CONFIRMED
                and banking.normalise_digits(callback.number_called) == number
            ):
                return callback
        return None

    def denied(self) -> bool:
        return any(c.outcome == CallbackOutcome.DENIED for c in self.callbacks.all())

    def blockers(self) -> list[str]:
        """Codes of what stops approval, in the order they are done (callback, checklist)."""
        if self.status != ChangeStatus.PENDING:
            return ["decided"]
        codes = []
        if self.denied():
            codes.append("denied")
        if not self.payee.phone_on_record.strip():
            codes.append("no_phone")
        elif self.confirming_callback() is None:
            codes.append("callback")
        if not self.checklist_complete:
            codes.append("checklist")
        return codes

    def approval_problem(self, user: Any) -> str:
        """Why this user may not add an approval now ("" when they may)."""
        blockers = self.blockers()
        if blockers:
            return blockers[0]
        if user.pk == self.requested_by_id:
            return "requester"
        if any(a.approver_id == user.pk for a in self.approvals.all()):
            return "already_approved"
        return ""


class CallbackOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("The partner confirmed the change")
    DENIED = "denied", _("The partner knows nothing of it")
    NO_ANSWER = "no_answer", _("No answer / could not confirm")


class PayeeCallback(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    change = models.ForeignKey(PayeeChange, on_delete=models.CASCADE, related_name="callbacks")
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    called_at = models.DateTimeField(_("called at"), default=timezone.now)
    # Copied from the payee's record when the call is logged: the form never asks for a number.
    number_called = models.CharField(_("number called"), max_length=40)
    answered_by = models.CharField(_("who answered"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=10, choices=CallbackOutcome.choices)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)

    class Meta:
        ordering = ["called_at", "id"]

    def __str__(self) -> str:
        return f"{self.number_called} {self.called_at:%Y-%m-%d %H:%M}"


class PayeeApproval(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    change = models.ForeignKey(PayeeChange, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["approved_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["change", "approver"], name="payee_approval_once")
        ]

    def __str__(self) -> str:
        return f"{self.approver} {self.approved_at:%Y-%m-%d}"
