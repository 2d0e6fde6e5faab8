from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mamori.inventory.models import Approval

MAX_REPORT_BYTES = 20 * 1024 * 1024


class SigninReportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Sign-in or app report (.csv, .xlsx)"),
        help_text=gettext_lazy("Up to 20 MB, as downloaded from the admin centre."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_REPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB. Split it into parts."))
        return upload


class ReviewForm(forms.Form):
    approval = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=Approval.choices,
        initial=Approval.UNDER_REVIEW,
    )
    personal_data = forms.BooleanField(label=gettext_lazy("holds personal data"), required=False)
    confidential_data = forms.BooleanField(
        label=gettext_lazy("holds confidential data"), required=False
    )
