from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import RestoreResult

DEFAULT_MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def max_evidence_bytes() -> int:
    return int(getattr(settings, "CONTINUITY_EVIDENCE_MAX_BYTES", DEFAULT_MAX_EVIDENCE_BYTES))


class RestoreTestForm(forms.Form):
    tested_on = forms.DateField(label=_("Tested on"), widget=DATE_WIDGET)
    restored = forms.CharField(
        label=_("What was restored"),
        max_length=300,
        help_text=_("e.g. the March quotations folder, restored to a spare PC"),
    )
    duration_minutes = forms.IntegerField(
        label=_("How long it took (minutes)"), required=False, min_value=0, max_value=100_000
    )
    result = forms.ChoiceField(label=_("Result"), choices=RestoreResult.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_("A screenshot or log of the restore (optional)."),
    )

    def clean_tested_on(self) -> Any:
        value = self.cleaned_data["tested_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The test date cannot be in the future."))
        return value

    def clean_evidence(self) -> Any:
        upload = self.cleaned_data.get("evidence")
        if upload is None:
            return None
        limit = max_evidence_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is too large (%(size)s). The limit is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload
