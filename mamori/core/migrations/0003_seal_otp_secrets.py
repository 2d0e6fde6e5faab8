"""Existing two-step verification secrets sealed at rest: TOTP seeds encrypted, recovery codes
keyed-hashed (mamori.core.otp_secrets). The historical models here are plain django-otp ones, so
the values written are exactly the stored forms."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def seal(apps: Any, schema_editor: Any) -> None:
    from mamori.core import otp_secrets

    devices = apps.get_model("otp_totp", "TOTPDevice")
    for pk, key in devices.objects.values_list("pk", "key").iterator():
        if key and not otp_secrets.is_sealed_seed(key):
            devices.objects.filter(pk=pk).update(key=otp_secrets.seal_seed(key))
    tokens = apps.get_model("otp_static", "StaticToken")
    for pk, token in tokens.objects.values_list("pk", "token").iterator():
        if token and not otp_secrets.is_hashed_code(token):
            tokens.objects.filter(pk=pk).update(token=otp_secrets.hash_code(token))


def unseal(apps: Any, schema_editor: Any) -> None:
    """Seeds back to plain hex; recovery codes cannot be unhashed (users make new ones)."""
    from mamori.core import otp_secrets

    devices = apps.get_model("otp_totp", "TOTPDevice")
    for pk, key in devices.objects.values_list("pk", "key").iterator():
        if key and otp_secrets.is_sealed_seed(key):
            plain = otp_secrets.open_seed(key)
            if not isinstance(plain, otp_secrets.UnreadableSeed):
                devices.objects.filter(pk=pk).update(key=plain)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_job_claim_indexes"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(seal, unseal, elidable=False)]
