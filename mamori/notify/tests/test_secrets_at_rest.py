from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from mamori.notify.models import Channel, ChannelKind

TOKEN = "T0KEN-that-must-stay-secret"


def raw(channel: Channel) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT apprise_url, smtp_password FROM {Channel._meta.db_table} WHERE id = %s",
            [channel.pk],
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_channel_secrets_are_encrypted_in_the_database(org: Any) -> None:
    channel = Channel.objects.create(
        organization=org,
        name="chat",
        kind=ChannelKind.CHAT,
        apprise_url=f"json://hooks.example.jp/{TOKEN}",
        smtp_password=f"pw-{TOKEN}",
    )
    stored_url, stored_password = raw(channel)
    assert TOKEN not in stored_url and TOKEN not in stored_password
    assert stored_url.startswith("enc1:")
    fresh = Channel.objects.get(pk=channel.pk)
    assert fresh.apprise_url == f"json://hooks.example.jp/{TOKEN}"
    assert fresh.smtp_password == f"pw-{TOKEN}"
    # With another SECRET_KEY the values cannot be read (the owner must enter them again).
    with override_settings(SECRET_KEY="another-key-entirely-" + "x" * 40):
        assert Channel.objects.get(pk=channel.pk).apprise_url == ""


@pytest.mark.django_db
def test_value_written_before_encryption_is_still_read_and_encrypted_on_save(org: Any) -> None:
    channel = Channel.objects.create(organization=org, name="old", kind=ChannelKind.CHAT)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Channel._meta.db_table} SET apprise_url = %s WHERE id = %s",
            [f"json://legacy.example.jp/{TOKEN}", channel.pk],
        )
    legacy = Channel.objects.get(pk=channel.pk)
    assert legacy.apprise_url.endswith(TOKEN)
    legacy.save()
    assert TOKEN not in raw(legacy)[0]
