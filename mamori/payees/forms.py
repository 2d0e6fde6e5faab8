"""Forms of the payee-change workflow (the register itself uses the generic form)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.mailcheck.models import CheckedMail
from mamori.orgs.models import Organization

from .models import ACCOUNT_FIELDS, Payee, PayeeCallback, PayeeChange

MAIL_CHOICES = 200  # the most recent checked mails offered to link


class ChangeRequestForm(forms.ModelForm):
    class Meta:
        model = PayeeChange
        fields = [
            "channel",
            "mail",
            "requester_contact",
            "phone_in_request",
            "reason",
            *ACCOUNT_FIELDS,
        ]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, organization: Organization, payee: Payee, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.instance.payee = payee
        self.instance.organization = organization
        recent = list(
            CheckedMail.objects.filter(organization=organization)
            .order_by("-checked_at", "-id")
            .values_list("pk", flat=True)[:MAIL_CHOICES]
        )
        mail_field = self.fields["mail"]
        assert isinstance(mail_field, forms.ModelChoiceField)
        mail_field.queryset = CheckedMail.objects.filter(pk__in=recent).order_by("-checked_at")
        mail_field.help_text = _("If the request came by mail and went through the mail check.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("mail") is not None and data.get("channel") not in (None, "mail"):
            self.add_error("channel", _("A request linked to a checked mail arrived by mail."))
        return data


class CallbackForm(forms.ModelForm):
    class Meta:
        model = PayeeCallback
        fields = ["called_at", "answered_by", "outcome", "notes"]
        widgets = {
            "called_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["called_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_called_at(self) -> Any:
        value = self.cleaned_data["called_at"]
        if value and value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("The call cannot be in the future."))
        return value


class ChecklistForm(forms.ModelForm):
    class Meta:
        model = PayeeChange
        fields = ["sender_checked", "previous_contact_confirmed", "amount_timing_plausible"]


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Why is it rejected?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
