"""Forms: start an assessment, answer one section (built from the questionnaire), decide the
open conflicts when merging, edit the security policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import SecurityPolicy
from .questionnaire import Question, Questionnaire, Section, load_all
from .scoring import DATE_NEVER, MAX_ANSWER_TEXT


def lang() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


class StartForm(forms.Form):
    questionnaire = forms.ChoiceField(label=_("Questionnaire"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = lang()
        self.fields["questionnaire"].choices = [
            (q.id, q.title.get(code)) for q in load_all().values()
        ]


def _choices(question: Question) -> list[tuple[str, str]]:
    code = lang()
    return [(c.id, c.label.get(code)) for c in question.choices]


def never_field(question_id: str) -> str:
    return f"{question_id}__never"


def question_field(question: Question) -> forms.Field:
    """The form field of one question; nothing is required (drafts save as you go)."""
    code = lang()
    label = question.text.get(code)
    help_text = question.help.get(code) if question.help else ""
    if question.type in ("single", "yesno"):
        return forms.ChoiceField(
            label=label,
            help_text=help_text,
            required=False,
            choices=_choices(question),
            widget=forms.RadioSelect,
        )
    if question.type == "multiple":
        return forms.MultipleChoiceField(
            label=label,
            help_text=help_text,
            required=False,
            choices=_choices(question),
            widget=forms.CheckboxSelectMultiple,
        )
    if question.type == "date":
        return forms.DateField(
            label=label,
            help_text=help_text,
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
        )
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=MAX_ANSWER_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SectionForm(forms.Form):
    """One section's visible questions. ``answers()`` gives JSON-ready values."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        section: Section,
        visible: Iterable[str],
        *args: Any,
        initial_answers: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.section = section
        self.visible = [q for q in section.questions if q.id in set(visible)]
        saved = dict(initial_answers or {})
        for question in self.visible:
            field = question_field(question)
            value = saved.get(question.id)
            if question.type == "date":
                if value == DATE_NEVER:
                    self.initial[never_field(question.id)] = True
                else:
                    self.initial[question.id] = value
            elif value is not None:
                self.initial[question.id] = value
            self.fields[question.id] = field
            if question.type == "date":
                self.fields[never_field(question.id)] = forms.BooleanField(
                    label=_("Never / not yet"), required=False
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = timezone.localdate()
        for question in self.visible:
            value = data.get(question.id)
            if question.type == "multiple" and value:
                exclusive = [c.id for c in question.choices if c.exclusive]
                if len(value) > 1 and any(v in exclusive for v in value):
                    self.add_error(
                        question.id,
                        _('"None of these" cannot be combined with other choices.'),
                    )
            if question.type == "date":
                never = data.get(never_field(question.id))
                if never and value:
                    self.add_error(question.id, _("Either enter a date or tick “never”, not both."))
                elif isinstance(value, dt.date) and value > today:
                    self.add_error(question.id, _("The date cannot be in the future."))
        return data

    def answers(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for question in self.visible:
            value = self.cleaned_data.get(question.id)
            if question.type == "date":
                if self.cleaned_data.get(never_field(question.id)):
                    result[question.id] = DATE_NEVER
                elif isinstance(value, dt.date):
                    result[question.id] = value.isoformat()
                continue
            if question.type == "text" and isinstance(value, str):
                value = value.strip()
            if value not in (None, "", []):
                result[question.id] = list(value) if question.type == "multiple" else value
        return result


class ConflictForm(forms.Form):
    """The owner's choice for each disagreement the merge could not settle."""

    def __init__(
        self, questionnaire: Questionnaire, undecided: Iterable[str], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for question_id in undecided:
            question = questionnaire.question(question_id)
            if question is None:
                continue
            if question.type in ("single", "yesno"):
                field: forms.Field = forms.ChoiceField(
                    label=question.text.get(lang()),
                    choices=_choices(question),
                    widget=forms.RadioSelect,
                )
            else:
                field = forms.CharField(
                    label=question.text.get(lang()),
                    max_length=MAX_ANSWER_TEXT,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    help_text=_("Write the answer to keep (dates as YYYY-MM-DD, or “never”)."),
                )
            self.fields[question_id] = field


class PolicyGenerateForm(forms.Form):
    representative = forms.CharField(
        label=_("Representative (name and title)"),
        required=False,
        max_length=200,
        help_text=_("Shown under the policy, e.g. 代表取締役 山田太郎."),
    )
    language = forms.ChoiceField(
        label=_("Language of the draft"),
        choices=[("ja", "日本語"), ("en", "English")],
        initial="ja",
    )


class PolicyForm(forms.ModelForm):
    adopted = forms.BooleanField(
        label=_("This policy is adopted and announced to everyone"),
        required=False,
        help_text=_("SECURITY ACTION ★★ needs an adopted basic security policy."),
    )

    class Meta:
        model = SecurityPolicy
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adopted"].initial = self.instance.adopted_on is not None
