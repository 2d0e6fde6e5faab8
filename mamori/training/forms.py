"""The drill form: a scenario and the people it goes to (only people on the organisation's own
domains are offered; anything else is refused with a message, never silently dropped)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.inventory.models import Person

from .models import DrillTemplate
from .services import eligible_people


class DrillForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    template = forms.ChoiceField(label=_("Scenario"), choices=DrillTemplate.choices)
    scanner_window_seconds = forms.IntegerField(
        label=_("Seconds after delivery in which a click counts as a mail scanner's"),
        min_value=0,
        max_value=300,
        initial=10,
        help_text=_(
            "Mail security services open links as the mail arrives. Clicks this soon after "
            "delivery are kept but not counted against the person."
        ),
        error_messages={
            "min_value": _("Enter a number of seconds from 0 to 300."),
            "max_value": _("Enter a number of seconds from 0 to 300."),
            "invalid": _("Enter a number of seconds from 0 to 300."),
            "required": _("Enter a number of seconds from 0 to 300."),
        },
    )
    people = forms.MultipleChoiceField(
        label=_("People"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "People in the People register whose address is on your organisation's own domains."
        ),
        error_messages={
            "required": _("Choose at least one person."),
            "invalid_choice": _(
                "One of the chosen people cannot receive a drill: their address is not on your "
                "organisation's domains, or they have left."
            ),
        },
    )

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.eligible = {str(person.pk): person for person in eligible_people(org)}
        self.fields["people"].choices = [
            (
                pk,
                f"{person.name} <{person.email}>"
                + (f" — {person.department}" if person.department else ""),
            )
            for pk, person in self.eligible.items()
        ]

    def chosen_people(self) -> list[Person]:
        return [self.eligible[pk] for pk in self.cleaned_data["people"]]
