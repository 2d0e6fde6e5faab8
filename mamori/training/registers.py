"""The training-records register (group "people and partners"), served by the generic views."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from mamori.inventory.registers import RegisterSpec, add_register

from .models import TrainingRecord

add_register(
    RegisterSpec(
        key="training",
        model=TrainingRecord,
        title=_("Training records"),
        intro=_(
            "Who was trained in what, and when: security and information-handling briefings, "
            "e-learning, and the follow-up after a targeted-mail drill. Everyone should be "
            "trained once a year, and new staff within their first month."
        ),
        fields=["person", "title", "kind", "taken_on", "completed", "due_on", "notes"],
        list_columns=["person", "title", "kind", "taken_on", "completed", "due_on"],
        search=["title"],
        filters=["kind", "completed"],
        default_order="-taken_on",
        source="ハンドブック 第7章 §7.9",
        natural_key=("person", "title", "taken_on"),
        group="partners",
    )
)
