from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.orgs.models import Organization

from .models import ActionStatus, Severity, Status


class ActionForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=get_user_model().objects.none(), required=False
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(memberships__organization=organization)
            .order_by("email")
        )
        self.fields["owner"].label_from_instance = lambda u: u.first_name or u.email


class AcceptRiskForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this risk acceptable?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    until = forms.DateField(
        label=_("Accept until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The finding opens again after this day if the problem is still there."),
    )

    def clean_until(self) -> Any:
        value = self.cleaned_data["until"]
        if value <= timezone.localdate():
            raise forms.ValidationError(_("Choose a day in the future."))
        return value


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class FindingFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *Status.choices],
        required=False,
        initial=Status.OPEN,
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("All")), *Severity.choices], required=False
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
