from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.inventory.models import Person
from mamori.orgs.models import Organization

from .models import Chore

MAX_INTERVAL_MONTHS = 60
MAX_INTERVAL_DAYS = 366
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChoreForm(forms.ModelForm):
    class Meta:
        model = Chore
        fields = [
            "kind",
            "title",
            "interval_months",
            "interval_days",
            "next_due",
            "owner",
            "owner_person",
            "source",
            "notes",
        ]
        widgets = {"next_due": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "title": _("Leave empty to use the name of the kind."),
            "interval_days": _("Added to the months: e.g. 0 months and 14 days."),
            "owner": _("The member who gets the dated action in their to-do list."),
            "owner_person": _(
                "Or a person from the people register (the action goes to the member with the "
                "same e-mail address)."
            ),
            "source": _("Where this check comes from: a handbook section or an MIC case."),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(memberships__organization=organization)
            .order_by("email")
        )
        self.fields["owner"].label_from_instance = lambda u: u.first_name or u.email
        self.fields["owner_person"].queryset = Person.objects.filter(
            organization=organization, archived_at__isnull=True
        ).order_by("name")
        if not self.instance.pk and not self.initial.get("next_due"):
            self.initial["next_due"] = timezone.localdate()

    def clean_interval_months(self) -> int:
        value = self.cleaned_data["interval_months"]
        if value > MAX_INTERVAL_MONTHS:
            raise forms.ValidationError(_("At most %(max)d months.") % {"max": MAX_INTERVAL_MONTHS})
        return value

    def clean_interval_days(self) -> int:
        value = self.cleaned_data["interval_days"]
        if value > MAX_INTERVAL_DAYS:
            raise forms.ValidationError(_("At most %(max)d days.") % {"max": MAX_INTERVAL_DAYS})
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not data.get("interval_months") and not data.get("interval_days"):
            raise forms.ValidationError(
                _("Say how often the check repeats: at least one month or one day.")
            )
        if data.get("owner") and data.get("owner_person"):
            raise forms.ValidationError(_("Choose either a member or a person as the owner."))
        return data


class DoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Result"),
        max_length=500,
        required=False,
        help_text=_("What was checked and what came out, e.g. 'restored 3 files in 20 minutes'."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("done_on", timezone.localdate())

    def clean_done_on(self) -> date:
        value: date = self.cleaned_data["done_on"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(_("The date cannot be in the future."))
        if value.year < today.year - 5:
            raise forms.ValidationError(_("The date is too far in the past."))
        return value
