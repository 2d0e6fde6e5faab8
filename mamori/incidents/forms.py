from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mamori.findings.models import Severity
from mamori.inventory.models import Account, Device, Person, Service, Website
from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from . import breach_clock, triage
from .catalog import playbook_choices
from .models import BreachNotice, IncidentStatus
from .playbooks import Text
from .review import review_template

DEFAULT_MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def max_evidence_bytes() -> int:
    return int(getattr(settings, "INCIDENT_EVIDENCE_MAX_BYTES", DEFAULT_MAX_EVIDENCE_BYTES))


def pick(text: Text | None) -> str:
    return "" if text is None else text.get(get_language() or "ja")


class TriageForm(forms.Form):
    text = forms.CharField(
        label=_("What happened? Describe it in your own words"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=triage.MAX_TEXT_CHARS,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in triage.questions():
            self.fields[f"q_{question.id}"] = forms.BooleanField(
                label=pick(question.text), required=False
            )

    def answers(self) -> dict[str, bool]:
        return {
            name[2:]: True
            for name, value in self.cleaned_data.items()
            if name.startswith("q_") and value
        }


class ReportForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("A short name. Left empty, the type of incident is used."),
    )
    description = forms.CharField(
        label=_("What happened?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    playbooks = forms.MultipleChoiceField(
        label=_("Type of incident"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial="high")
    noticed_at = forms.DateTimeField(
        label=_("When was it noticed?"), required=False, widget=DATETIME_WIDGET
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["playbooks"].choices = playbook_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("title") and not data.get("playbooks") and not data.get("description"):
            raise forms.ValidationError(
                _("Say what happened, or choose the type of incident, so it can be recorded.")
            )
        return data


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What happened?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    playbook_ids = forms.MultipleChoiceField(
        label=_("Type of incident"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    noticed_at = forms.DateTimeField(
        label=_("When was it noticed?"), required=False, widget=DATETIME_WIDGET
    )
    people = forms.ModelMultipleChoiceField(
        label=_("People involved"), queryset=Person.objects.none(), required=False
    )
    devices = forms.ModelMultipleChoiceField(
        label=_("Affected devices"), queryset=Device.objects.none(), required=False
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Affected services"), queryset=Service.objects.none(), required=False
    )
    accounts = forms.ModelMultipleChoiceField(
        label=_("Affected accounts"), queryset=Account.objects.none(), required=False
    )
    websites = forms.ModelMultipleChoiceField(
        label=_("Affected websites"), queryset=Website.objects.none(), required=False
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["playbook_ids"].choices = playbook_choices()
        for name, model in (
            ("people", Person),
            ("devices", Device),
            ("services", Service),
            ("accounts", Account),
            ("websites", Website),
        ):
            queryset = scoped(model, organization).filter(archived_at__isnull=True)
            if model is Account:
                queryset = queryset.select_related("person", "service", "device")
            self.fields[name].queryset = queryset.order_by("pk")


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=IncidentStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class StepForm(forms.Form):
    step_id = forms.CharField(max_length=200, widget=forms.HiddenInput)
    done = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")],
        coerce=lambda v: v == "1",
        widget=forms.HiddenInput,
        initial="1",
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    corrects = forms.IntegerField(
        label=_("Corrects entry no."),
        required=False,
        min_value=1,
        help_text=_("To correct an earlier entry, give its number: both stay on the record."),
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = max_evidence_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large (%(size)s). The limit is %(limit)s.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                }
            )
        return upload


def member_queryset(organization: Organization) -> Any:
    return get_user_model().objects.filter(memberships__organization=organization).order_by("email")


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), required=False
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_queryset(organization)
        self.fields["owner"].label_from_instance = lambda u: u.first_name or u.email


TRISTATE = [("", _("Not known yet")), ("yes", _("Yes")), ("no", _("No"))]


class BreachForm(forms.Form):
    aware_at = forms.DateTimeField(
        label=_("When did the organisation become aware of it?"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_(
            "The deadlines count from this moment: when anyone in the business (any department"
            " or employee) first knew, not when the person in charge heard of it (PPC General"
            " Guidelines 3-5-3-3)."
        ),
    )
    affected_count = forms.IntegerField(
        label=_("Number of people whose data is involved"), required=False, min_value=0
    )
    preliminary_sent_on = forms.DateField(
        label=_("Preliminary report sent on"), required=False, widget=DATE_WIDGET
    )
    final_sent_on = forms.DateField(
        label=_("Final report sent on"), required=False, widget=DATE_WIDGET
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = breach_clock.texts().answer_labels
        for key in breach_clock.ANSWER_KEYS:
            if key == "affected_count":
                continue
            label = labels.get(key)
            if key in breach_clock.TEXT_ANSWER_KEYS:
                self.fields[key] = forms.CharField(
                    label=pick(label) if label else key,
                    required=False,
                    max_length=breach_clock.MAX_TEXT_ANSWER_CHARS,
                    help_text=_("For example: the sales department, from a customer's call."),
                )
                continue
            self.fields[key] = forms.ChoiceField(
                label=pick(label) if label else key, choices=TRISTATE, required=False
            )
        order = [k for k in breach_clock.ANSWER_KEYS] + [
            "aware_at",
            "preliminary_sent_on",
            "final_sent_on",
        ]
        self.order_fields(order)

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for key in breach_clock.ANSWER_KEYS:
            value = data.get(key)
            if value not in (None, ""):
                out[key] = value
        return out


class BreachDraftForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in breach_clock.report_items():
            self.fields[item.id] = forms.CharField(
                label=pick(item.text),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )


class NoticeForm(forms.ModelForm):
    class Meta:
        model = BreachNotice
        fields = ["recipients", "count", "method", "sent_on", "note"]
        widgets = {"sent_on": DATE_WIDGET}


class ReviewForm(forms.Form):
    measures = forms.MultipleChoiceField(
        label=_("Prevention measures to carry out"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each chosen measure becomes an action on the to-do list when the incident is closed."
        ),
    )

    def __init__(self, *args: Any, measures: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in review_template().questions:
            self.fields[f"r_{question.id}"] = forms.CharField(
                label=pick(question.text),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["measures"].choices = [(m.id, pick(m.text)) for m in measures]
        self.order_fields([f"r_{q.id}" for q in review_template().questions] + ["measures"])

    def answers(self) -> dict[str, str]:
        return {
            name[2:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("r_") and isinstance(value, str)
        }
