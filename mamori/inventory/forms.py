from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from mamori.orgs.models import Organization

from .registers import RegisterSpec


def form_class(spec: RegisterSpec) -> type[forms.ModelForm]:
    """A ModelForm for the register, its choices limited to the organisation's own rows.

    Yes/no fields that may be unknown use Django's 不明/はい/いいえ select.
    """

    def formfield(field: models.Field, **kwargs: Any) -> forms.Field | None:
        if isinstance(field, models.URLField):
            kwargs["assume_scheme"] = "https"  # a URL typed without a scheme is https
        return field.formfield(**kwargs)

    class RegisterForm(forms.ModelForm):
        class Meta:
            formfield_callback = formfield
            model = spec.model
            fields = spec.fields
            widgets = {
                f.name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                for f in spec.model._meta.fields
                if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
            }

        def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for field in self.fields.values():
                if isinstance(field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
                    field.queryset = field.queryset.model._default_manager.filter(
                        organization=organization, archived_at__isnull=True
                    )
                    if isinstance(field, forms.ModelMultipleChoiceField):
                        field.widget.attrs["size"] = "6"

    RegisterForm.__name__ = f"{spec.model.__name__}Form"
    return RegisterForm
