from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
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
            # An existing record's locked fields are not offered; they keep their stored values.
            self.locked = spec.locked_fields if self.instance.pk is not None else ()
            for name in self.locked:
                self.fields.pop(name, None)

        def clean(self) -> dict[str, Any]:
            data = super().clean()
            # A post that still carries a locked field (not from this form) must not change it.
            if any(self._changes(name) for name in self.locked if name in self.data):
                raise ValidationError(spec.locked_message)
            return data

        def _changes(self, name: str) -> bool:
            field = spec.model._meta.get_field(name)
            stored = field.value_from_object(self.instance)
            try:
                posted = field.to_python(self.data.get(name))
            except ValidationError:
                return True
            empty = field.empty_values
            return not (posted == stored or (posted in empty and stored in empty))

        def add_error(self, field: str | None, error: Any) -> None:
            # The model's own checks may still name a locked field (stored data made invalid by
            # a later rule); shown above the form, since the field is not in it.
            if (
                field is None
                and isinstance(error, ValidationError)
                and hasattr(error, "error_dict")
            ):
                stray = [k for k in error.error_dict if k in self.locked]
                if stray:
                    kept = {k: v for k, v in error.error_dict.items() if k not in stray}
                    moved = [e for k in stray for e in error.error_dict[k]]
                    kept[NON_FIELD_ERRORS] = [*kept.get(NON_FIELD_ERRORS, []), *moved]
                    error = ValidationError(kept)
            super().add_error(field, error)

    RegisterForm.__name__ = f"{spec.model.__name__}Form"
    return RegisterForm
