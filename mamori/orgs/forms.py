from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Role

ROLE_HELP = _(
    "Owner: everything, including members and settings. Editor: add and change records. "
    "Viewer: read only."
)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"), choices=Role.choices, initial=Role.VIEWER, help_text=ROLE_HELP
    )


class CreateAccountForm(InviteForm):
    full_name = forms.CharField(label=_("Name"), max_length=150)

    field_order = ["full_name", "email", "role"]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=200)


class OrganizationSettingsForm(OrganizationForm):
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Asia/Tokyo")
    require_mfa = forms.BooleanField(
        label=_("Require two-step verification of every member"), required=False
    )

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Unknown time zone. Use a name such as Asia/Tokyo."))
        return value


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    actor = forms.CharField(label=_("Who"), required=False, max_length=254)
    since = forms.DateField(
        label=_("Start date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
