"""Number the audit events and re-hash the chain with the install key (HMAC), once.

The unkeyed chain is checked first; what it found is written into the audit event that records
the re-key, so tampering done before the upgrade is reported rather than absorbed.
"""

from django.db import migrations, models
from django.utils import timezone


def rekey_existing(apps, schema_editor):
    from mamori.audit import head as head_file
    from mamori.audit.chain import chain_key, keyed_hash, legacy_hash, rekey

    event_model = apps.get_model("audit", "AuditEvent")
    using = schema_editor.connection.alias
    if not event_model.objects.using(using).exists():
        return
    key = chain_key()
    result = rekey(event_model, key, previous_hash=legacy_hash, using=using)
    previous = (
        "intact"
        if result.previous_problems == 0
        else f"{result.previous_problems} problem(s), first at event id {result.first_problem_id}"
    )
    event = event_model(
        created_at=timezone.now(),
        action="audit.chain_rekeyed",
        object_repr="audit trail",
        changes={"events": result.events, "reason": "upgrade", "previous_check": previous},
        seq=result.head_seq + 1,
        prev_hash=result.head_hash,
    )
    event.hash = keyed_hash(event, key)
    event.save(using=using)
    head_file.append_on_commit(result.head_seq, result.head_hash, reset="rekeyed", note=previous)
    head_file.append_on_commit(event.seq, event.hash)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(null=True, verbose_name="number"),
        ),
        migrations.RunPython(rekey_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(unique=True, verbose_name="number"),
        ),
    ]
