"""Secrets at rest: TOTP seeds encrypted and recovery codes hashed in django-otp's own columns,
existing rows converted by the migration, and `mamori rotate-keys` moving every encrypted value
(channel secrets, the report mailbox password, TOTP seeds) from the old key to a new one."""

from __future__ import annotations

import binascii
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from mamori.mailcheck import credentials
from mamori.mailcheck.models import MailCheckSettings
from mamori.notify.models import Channel, ChannelKind

OLD_KEY = "old-secret-key-" + "x" * 40
NEW_KEY = "new-secret-key-" + "y" * 40


def _raw(table: str, column: str) -> list[str]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} ORDER BY id")  # noqa: S608
        return [str(row[0]) for row in cursor.fetchall()]


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _enrol(client: Client, user: Any) -> tuple[TOTPDevice, list[str]]:
    client.get("/accounts/mfa/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/mfa/setup/", {"code": _code(device)})
    assert response.status_code == 302
    codes = list(client.get(response["Location"]).context["codes"])
    device.refresh_from_db()
    return device, codes


@pytest.mark.django_db
def test_totp_seed_and_recovery_codes_are_not_in_the_database_in_clear(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = members["owner"]
    device, codes = _enrol(client_as(owner), owner)
    [stored_seed] = _raw(TOTPDevice._meta.db_table, "key")
    assert stored_seed.startswith("~") and device.key not in stored_seed
    with pytest.raises(binascii.Error):
        binascii.unhexlify(stored_seed)  # not the hex seed django-otp would store
    stored_codes = _raw(StaticToken._meta.db_table, "token")
    assert len(stored_codes) == len(codes) == 10
    assert not set(stored_codes) & set(codes)
    assert all(len(value) <= 16 for value in stored_codes)

    # The second factor still works through the real sign-in: a TOTP code, and a recovery
    # code exactly once.
    client = Client()
    client.post("/accounts/login/", {"email": owner.email, "password": PASSWORD})
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    assert client.post("/accounts/login/verify/", {"code": _code(device)}).status_code == 302
    for attempt, expected in ((1, 302), (2, 200)):
        other = Client()
        other.post("/accounts/login/", {"email": owner.email, "password": PASSWORD})
        for static in StaticDevice.objects.filter(user=owner):
            static.throttle_reset(commit=True)
        answer = other.post("/accounts/login/verify/", {"code": codes[0]})
        assert answer.status_code == expected, attempt
    assert len(_raw(StaticToken._meta.db_table, "token")) == 9


@pytest.mark.django_db
def test_a_seed_no_key_opens_fails_closed_and_is_kept(make_user: Any) -> None:
    user = make_user("mfa@example.jp")
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        device = TOTPDevice.objects.create(user=user, name="a", confirmed=True)
        code = _code(device)
        [stored] = _raw(TOTPDevice._meta.db_table, "key")
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        unreadable = TOTPDevice.objects.get(pk=device.pk)
        assert not unreadable.verify_token(code)  # the stand-in seed matches no code
        unreadable.save()
        assert _raw(TOTPDevice._meta.db_table, "key") == [stored]  # written back unchanged
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert TOTPDevice.objects.get(pk=device.pk).key == device.key


@pytest.mark.django_db(transaction=True)
def test_migration_seals_existing_seeds_and_recovery_codes(make_user: Any) -> None:
    from django.db.migrations.executor import MigrationExecutor

    user = make_user("legacy@example.jp")
    seed = "3132333435363738393031323334353637383930"
    executor = MigrationExecutor(connection)
    before = [("core", "0002_job_claim_indexes")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(
        [*before, ("otp_totp", "0003_add_timestamps"), ("otp_static", "0003_add_timestamps")]
    ).apps
    old_device = old_apps.get_model("otp_totp", "TOTPDevice").objects.create(
        user_id=user.pk, name="authenticator", key=seed, confirmed=True
    )
    static = old_apps.get_model("otp_static", "StaticDevice").objects.create(
        user_id=user.pk, name="recovery", confirmed=True
    )
    old_apps.get_model("otp_static", "StaticToken").objects.create(
        device_id=static.pk, token="abcd1234-ef5678"
    )
    assert _raw(TOTPDevice._meta.db_table, "key") == [seed]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    [stored] = _raw(TOTPDevice._meta.db_table, "key")
    assert stored.startswith("~") and seed not in stored
    assert TOTPDevice.objects.get(pk=old_device.pk).key == seed
    assert _raw(StaticToken._meta.db_table, "token") != ["abcd1234-ef5678"]
    assert StaticDevice.objects.get(pk=static.pk).verify_token("abcd1234-ef5678")


@pytest.mark.django_db
def test_rotate_keys_moves_every_secret_to_the_new_key(org: Any, make_user: Any) -> None:
    from mamori.core import otp_secrets
    from mamori.core.rotate import rotate

    user = make_user("rotate@example.jp")
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        mail_channel = Channel.objects.create(
            organization=org,
            name="mail",
            kind=ChannelKind.EMAIL,
            smtp_host="smtp.example.jp",
            smtp_password="smtp-Secret-1",  # noqa: S106 - test value
        )
        chat_channel = Channel.objects.create(
            organization=org,
            name="chat",
            kind=ChannelKind.CHAT,
            apprise_url="json://hooks.example.jp/secret-token",
        )
        MailCheckSettings.objects.create(
            organization=org, imap_password_encrypted=credentials.encrypt("imap-Secret-2")
        )
        device = TOTPDevice.objects.create(user=user, name="a", confirmed=True)
        seed = device.key
        StaticDevice.objects.create(user=user, name="recovery", confirmed=True).token_set.create(
            token="aaaa1111-bbbb22"
        )
    # Plain text written before encryption existed is encrypted too.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(Channel._meta.db_table)} SET "  # noqa: S608
            f"{connection.ops.quote_name('apprise_url')} = %s WHERE id = %s",
            ["json://hooks.example.jp/plain-legacy", chat_channel.pk],
        )

    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        report = rotate(NEW_KEY, [OLD_KEY])
    by_label = {column.label: column for column in report.columns}
    assert by_label["notify.Channel.smtp_password"].rotated == 1
    assert by_label["notify.Channel.apprise_url"].encrypted_plain == 1
    assert by_label["mailcheck.MailCheckSettings.imap_password_encrypted"].rotated == 1
    assert by_label["otp_totp.TOTPDevice.key"].rotated == 1
    assert report.unreadable == 0 and report.stale_recovery_codes == 1

    # Only the new key is needed now; the old one alone reads nothing.
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[]):
        assert Channel.objects.get(pk=mail_channel.pk).smtp_password == "smtp-Secret-1"  # noqa: S105
        assert Channel.objects.get(pk=chat_channel.pk).apprise_url.endswith("plain-legacy")
        own = MailCheckSettings.objects.get(organization=org)
        assert credentials.decrypt(own.imap_password_encrypted) == "imap-Secret-2"
        assert TOTPDevice.objects.get(pk=device.pk).key == seed
        again = rotate(NEW_KEY, [OLD_KEY])
        assert sum(column.rotated + column.encrypted_plain for column in again.columns) == 0
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        assert Channel.objects.get(pk=mail_channel.pk).smtp_password == ""
        own = MailCheckSettings.objects.get(organization=org)
        assert credentials.decrypt(own.imap_password_encrypted) is None
        assert isinstance(TOTPDevice.objects.get(pk=device.pk).key, otp_secrets.UnreadableSeed)
    # A recovery code made under the old key still works while that key is a fallback.
    with override_settings(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY]):
        assert StaticDevice.objects.get(user=user).verify_token("AAAA1111-bbbb22")


@pytest.mark.django_db
def test_rotation_never_overwrites_what_it_cannot_read(org: Any) -> None:
    from mamori.core.rotate import rotate

    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        channel = Channel.objects.create(
            organization=org, name="m", kind=ChannelKind.EMAIL, smtp_password="pw-1"
        )
    before = _raw(Channel._meta.db_table, "smtp_password")
    report = rotate(NEW_KEY, ["some-other-key"])
    assert report.unreadable == 1
    assert _raw(Channel._meta.db_table, "smtp_password") == before
    with override_settings(SECRET_KEY=OLD_KEY, SECRET_KEY_FALLBACKS=[]):
        assert Channel.objects.get(pk=channel.pk).smtp_password == "pw-1"  # noqa: S105
