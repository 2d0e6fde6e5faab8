"""Issue 11 item 5: a stored secret never follows a changed destination. Editing a notification
channel's or the report mailbox's server, port or user name does not keep the stored password
unless it is typed again; a local listener at the new destination receives nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.test import override_settings

from mamori.mailcheck import credentials
from mamori.mailcheck.models import MailCheckSettings
from mamori.monitoring.tests.servers import Mailbox, free_port
from mamori.notify.models import Channel

SECRET = "pw-Very-Secret-42"  # noqa: S105 - test value
NEW_SECRET = "pw-Typed-Again-77"  # noqa: S105 - test value


class Logins:
    """An aiosmtpd authenticator that accepts every login and remembers what it was given."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult

        self.seen.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=True)


@contextmanager
def listener() -> Iterator[tuple[int, Logins, Mailbox]]:
    from aiosmtpd.controller import Controller

    logins, mailbox, port = Logins(), Mailbox(), free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=logins,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield port, logins, mailbox
    finally:
        controller.stop()


def channel_form(port: int, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "Mail",
        "kind": "email",
        "enabled": "on",
        "min_severity": "high",
        "digest": "none",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_username": "alerts",
        "from_email": "mamori@example.jp",
        "send_to_members": "on",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=["127.0.0.0/8"])
def test_channel_password_does_not_follow_a_changed_server(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    base = f"/o/{org.slug}/notifications/"
    closed_port = free_port()
    created = owner.post(base + "new/", channel_form(closed_port, smtp_password=SECRET))
    assert created.status_code == 302
    channel = Channel.objects.get()
    assert channel.smtp_password == SECRET

    with listener() as (port, logins, mailbox):
        # Only the port changes (another server), the password is left empty.
        moved = owner.post(base + f"{channel.pk}/", channel_form(port))
        assert moved.status_code == 200
        assert "パスワードをもう一度入力" in moved.content.decode()
        channel.refresh_from_db()
        assert channel.smtp_port == closed_port and channel.smtp_password == SECRET
        owner.post(base + f"{channel.pk}/test/")
        # Another host, same refusal.
        other_host = owner.post(
            base + f"{channel.pk}/", channel_form(closed_port, smtp_host="localhost")
        )
        assert other_host.status_code == 200
        channel.refresh_from_db()
        assert channel.smtp_host == "127.0.0.1"
        # Another user name without a password: the stored password is dropped, not reused.
        renamed = owner.post(base + f"{channel.pk}/", channel_form(port, smtp_username=""))
        assert renamed.status_code == 302
        channel.refresh_from_db()
        assert channel.smtp_port == port and channel.smtp_password == ""
        owner.post(base + f"{channel.pk}/test/")
        assert logins.seen == []
        assert len(mailbox.messages) == 1  # the test mail, sent without any login

        # Typed again, the new password goes to the new server.
        typed = owner.post(base + f"{channel.pk}/", channel_form(port, smtp_password=NEW_SECRET))
        assert typed.status_code == 302
        owner.post(base + f"{channel.pk}/test/")
        assert logins.seen == [("alerts", NEW_SECRET)]
    assert all(SECRET not in password for _login, password in logins.seen)


def mailbox_form(**changes: Any) -> dict[str, Any]:
    data = {
        "own_domains": "example.jp",
        "check_address": "",
        "imap_enabled": "on",
        "imap_host": "imap.example.jp",
        "imap_port": 993,
        "imap_use_ssl": "on",
        "imap_username": "check@example.jp",
        "imap_folder": "INBOX",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_mailbox_password_does_not_follow_a_changed_server(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    url = f"/o/{org.slug}/mail/settings/"
    assert owner.post(url, mailbox_form(imap_password=SECRET)).status_code == 302

    def stored() -> MailCheckSettings:
        return MailCheckSettings.objects.get(organization=org)

    assert credentials.decrypt(stored().imap_password_encrypted) == SECRET
    # Same server: the stored password is kept without typing it.
    assert owner.post(url, mailbox_form(imap_folder="Reports")).status_code == 302
    assert credentials.decrypt(stored().imap_password_encrypted) == SECRET
    for change in (
        {"imap_host": "attacker.example.net"},
        {"imap_port": 143},
        {"imap_username": "someone-else@example.jp"},
    ):
        refused = owner.post(url, mailbox_form(**change))
        assert refused.status_code == 400, change
        assert "パスワードをもう一度入力" in refused.content.decode(), refused.context[
            "form"
        ].errors
        assert stored().imap_host == "imap.example.jp"
    # Polling switched off and the server changed: the password is removed, not kept.
    assert (
        owner.post(url, mailbox_form(imap_enabled="", imap_host="attacker.example.net")).status_code
        == 302
    )
    assert stored().imap_host == "attacker.example.net"
    assert credentials.decrypt(stored().imap_password_encrypted) == ""
