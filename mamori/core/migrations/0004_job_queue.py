"""Named job queues (issue 19): Job.queue, and the claim index by queue.

Rows that exist already are put in the queue their kind's handler now declares (a frozen copy of
that classification: a migration must not depend on today's handler modules); kinds not listed
stay in "default".
"""

from django.db import migrations, models

URGENT_KINDS = ["notify.deliver", "findings.rerun_rules"]
BULK_KINDS = [
    "intel.fetch_feed",
    "intel.sync_nvd",
    "intel.sync_kev",
    "intel.sync_jvn",
    "intel.sync_myjvn",
    "findings.run_all_rules",
    "assessments.monthly_report",
    "routines.daily",
    "orgs.report_bundle",
    "core.prune_job_history",
    "accounts.prune",
    "mailcheck.purge",
]


def classify(apps, schema_editor):
    Job = apps.get_model("core", "Job")
    Job.objects.filter(kind__in=URGENT_KINDS).update(queue="urgent")
    Job.objects.filter(kind__in=BULK_KINDS).update(queue="bulk")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_seal_otp_secrets"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="job",
            name="core_job_claim_idx",
        ),
        migrations.AddField(
            model_name="job",
            name="queue",
            field=models.CharField(
                choices=[("urgent", "Urgent"), ("default", "Normal"), ("bulk", "Bulk")],
                default="default",
                db_default="default",
                max_length=10,
            ),
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                fields=["status", "queue", "run_at", "id"], name="core_job_queue_claim_idx"
            ),
        ),
        migrations.RunPython(classify, migrations.RunPython.noop),
    ]
