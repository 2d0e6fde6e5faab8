"""Existing organisations get the default recurring checks once (new ones get them when created,
through orgs.services.NEW_ORGANIZATION_SETUP)."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone


def add_defaults(apps: Any, schema_editor: Any) -> None:
    from mamori.routines.defaults import DEFAULT_CHORES
    from mamori.routines.models import add_months

    organization_model = apps.get_model("orgs", "Organization")
    chore_model = apps.get_model("routines", "Chore")
    setup_model = apps.get_model("routines", "RoutineSetup")
    today = timezone.localdate()
    for org in organization_model.objects.exclude(
        pk__in=setup_model.objects.values("organization_id")
    ).iterator():
        setup_model.objects.create(organization=org)
        chore_model.objects.bulk_create(
            [
                chore_model(
                    organization=org,
                    kind=str(item.kind),
                    interval_months=item.interval_months,
                    next_due=add_months(today, item.first_in_months),
                    paused=item.paused,
                    source=item.source,
                )
                for item in DEFAULT_CHORES
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("routines", "0001_recurring_checks"),
        ("orgs", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
