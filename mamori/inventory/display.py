"""How register values are shown in lists and detail pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _


def display(instance: models.Model, name: str) -> str:
    field = instance._meta.get_field(name)
    if isinstance(field, models.ManyToManyField):
        return ", ".join(str(item) for item in getattr(instance, name).all())
    value: Any = getattr(instance, name)
    if field.choices:
        return str(getattr(instance, f"get_{name}_display")())
    if isinstance(field, models.BooleanField):
        return {True: _("Yes"), False: _("No"), None: _("Unknown")}[value]
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return formats.date_format(value, "Y-m-d")
    return str(value)


def label(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)
