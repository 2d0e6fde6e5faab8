import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_action_statuses(apps, schema_editor):
    """Existing findings take their action's status and owner (one statement)."""
    Finding = apps.get_model("findings", "Finding")
    Action = apps.get_model("findings", "Action")
    actions = Action.objects.filter(finding=OuterRef("pk"))
    Finding.objects.filter(action__isnull=False).update(
        action_status=Subquery(actions.values("status")[:1]),
        action_owner=Subquery(actions.values("owner")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("findings", "0003_finding_due_date_list_order"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="action_status",
            field=models.CharField(default="todo", max_length=12),
        ),
        migrations.AddField(
            model_name="finding",
            name="action_owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="finding",
            name="digest",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.RunPython(copy_action_statuses, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["organization", "status", "action_status", "due_date"],
                name="finding_todo",
            ),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["organization", "kind", "subject_id"], name="finding_subject"
            ),
        ),
    ]
