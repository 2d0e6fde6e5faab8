from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.incidents.models import Incident

from .models import AuditMethod, PersonalData, SupervisionAudit
from .questionnaire import QUESTIONS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditForm(forms.ModelForm):
    class Meta:
        model = SupervisionAudit
        fields = ["audited_on", "method", "findings", "follow_up", "follow_up_done"]
        widgets = {
            "audited_on": DATE_WIDGET,
            "findings": forms.Textarea(attrs={"rows": 3}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = AuditMethod.choices


class IncidentDataForm(forms.Form):
    entries = forms.ModelMultipleChoiceField(
        label=_("Personal data concerned"),
        queryset=PersonalData.objects.none(),
        required=False,
        help_text=_(
            "The breach clock reads the number of people and the special-care flag from the "
            "entries chosen here, unless you answer those questions yourself."
        ),
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["entries"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = PersonalData.objects.filter(
            organization_id=incident.organization_id, archived_at__isnull=True
        ).order_by("name")
        field.widget.attrs["size"] = "6"


YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


class SupplierAnswersForm(forms.Form):
    """The public questionnaire; labels come from questionnaire.QUESTIONS in the page's
    language, error messages from Django's translations of that language."""

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for q in QUESTIONS:
            label = q.text(language)
            if q.kind == "yesno":
                field: forms.Field = forms.ChoiceField(label=label, choices=YES_NO, required=True)
            elif q.kind == "date":
                field = forms.DateField(label=label, required=False, widget=DATE_WIDGET)
            elif q.kind == "hours":
                field = forms.IntegerField(
                    label=label, required=False, min_value=0, max_value=24 * 60
                )
            else:
                field = forms.CharField(label=label, required=q.id == "respondent", max_length=300)
            self.fields[q.id] = field

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for q in QUESTIONS:
            value = self.cleaned_data.get(q.id)
            if value in (None, ""):
                continue
            out[q.id] = value.isoformat() if hasattr(value, "isoformat") else value
        return out
