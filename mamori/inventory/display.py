"""How register values are shown in lists and detail pages."""

from __future__ import annotations

from collections.abc import Callable
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


def _ymd(value: date) -> str:
    """A date (or a datetime's own date) as Y-m-d, as formats.date_format(value, "Y-m-d")."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def cells_for(model: type[models.Model], names: list[str]) -> Callable[[models.Model], list[str]]:
    """A function record -> its list cells, the same text as display() for each name, with the
    field lookups, choice labels and yes/no words done once for the page instead of per cell."""
    shown: list[Callable[[models.Model], str]] = []
    blank = "—"
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, models.ManyToManyField) or field.choices:
            # Related sets, and choices (their labels, translated once here).
            if field.choices:
                words = {value: str(text) for value, text in field.flatchoices}
                shown.append(
                    lambda obj, n=name, w=words: str(w.get(getattr(obj, n), getattr(obj, n)))
                )
            else:
                shown.append(lambda obj, n=name: display(obj, n))
        elif isinstance(field, models.BooleanField):
            yes_no = {True: _("Yes"), False: _("No"), None: _("Unknown")}
            shown.append(lambda obj, n=name, w=yes_no: w[getattr(obj, n)])
        else:

            def plain(obj: models.Model, n: str = name) -> str:
                value = getattr(obj, n)
                if value is None or value == "":
                    return blank
                if isinstance(value, date):
                    return _ymd(value)
                return str(value)

            shown.append(plain)
    return lambda obj: [cell(obj) for cell in shown]


def label(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)
