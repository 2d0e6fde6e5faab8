"""Notification pages: channels (owner only, secrets never shown back), a test send to a local
mailbox, per-user opt-out, and the secret, revocable deadlines calendar."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import override_settings

from mamori.findings.models import Action
from mamori.findings.rules import FindingSpec
from mamori.findings.services import sync
from mamori.inventory.models import Supplier
from mamori.monitoring.tests.servers import free_port, smtp_mailbox
from mamori.notify.models import CalendarFeed, Channel, Notification, Preference
from mamori.notify.services import hash_feed_token

TOKEN = "hooktoken-0123456789abcdef"  # noqa: S105 - test value


def base(org: Any) -> str:
    return f"/o/{org.slug}/notifications/"


def chat_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Team chat",
        "kind": "chat",
        "enabled": "on",
        "min_severity": "high",
        "digest": "none",
        "smtp_port": 587,
        "apprise_url": f"json://hooks.example.jp/{TOKEN}",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_owner_adds_a_chat_channel_whose_secret_is_never_shown(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    response = owner.post(base(org) + "new/", chat_form(apprise_url="windows://"))
    assert response.status_code == 200
    assert "対応しているチャットサービス" in response.content.decode()
    assert not Channel.objects.exists()

    assert owner.post(base(org) + "new/", chat_form()).status_code == 302
    channel = Channel.objects.get()
    assert channel.apprise_url.endswith(TOKEN)
    for url in (base(org), base(org) + f"{channel.pk}/"):
        page = owner.get(url).content.decode()
        assert TOKEN not in page
    # Editing without re-entering the URL keeps it.
    assert (
        owner.post(
            base(org) + f"{channel.pk}/", chat_form(apprise_url="", name="Chat 2")
        ).status_code
        == 302
    )
    channel.refresh_from_db()
    assert channel.name == "Chat 2" and channel.apprise_url.endswith(TOKEN)
    # Editors do not manage channels.
    assert client_as(members["editor"]).get(base(org)).status_code == 403


@pytest.mark.django_db
@override_settings(OUTBOUND_ALLOW_NETWORKS=["127.0.0.0/8"])
def test_test_send_reaches_the_mailbox_and_a_failure_is_shown(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    owner = client_as(members["owner"])
    with smtp_mailbox() as (port, mailbox):
        data = {
            "name": "Mail",
            "kind": "email",
            "enabled": "on",
            "min_severity": "high",
            "digest": "none",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "from_email": "mamori@example.jp",
            "send_to_members": "on",
        }
        assert owner.post(base(org) + "new/", data).status_code == 302
        channel = Channel.objects.get()
        response = owner.post(base(org) + f"{channel.pk}/test/", follow=True)
        assert "テストメッセージを送信しました。" in response.content.decode()
        assert len(mailbox.messages) == 1
        assert "通知のテスト" in mailbox.messages[0]["Subject"]

    Channel.objects.filter(pk=channel.pk).update(smtp_port=free_port())
    response = owner.post(base(org) + f"{channel.pk}/test/", follow=True)
    page = response.content.decode()
    assert "テスト送信に失敗しました" in page and "送信できていません" in page
    assert Notification.objects.filter(status="failed", kind="test").count() == 1
    history = owner.get(base(org) + "history/").content.decode()
    assert '<span class="warn">失敗</span>' in history


@pytest.mark.django_db
def test_member_opts_out(org: Any, members: dict[str, Any], client_as: Any) -> None:
    viewer = client_as(members["viewer"])
    assert viewer.get(base(org) + "mine/").status_code == 200
    assert viewer.post(base(org) + "mine/", {"digests": "on"}).status_code == 302
    preference = Preference.objects.get(user=members["viewer"], organization=org)
    assert preference.alerts is False and preference.digests is True


@pytest.mark.django_db
def test_calendar_feed_is_secret_revocable_and_lists_deadlines(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    sync(
        org,
        "inventory.leaver_access",
        [FindingSpec(key="cal:1", subject="山田さんのアカウント, 退職", params={})],
        default_severity="high",
    )
    due = Action.objects.get(organization=org).due_date
    Supplier.objects.create(
        organization=org,
        name="クラウド会計 株式会社",
        next_audit_on=date.today() + timedelta(days=40),
    )
    viewer = client_as(members["viewer"])
    page = viewer.post(base(org) + "calendar/").content.decode()
    marker = "/calendar/"
    start = page.index(marker)
    path = page[start : page.index(".ics", start) + 4]
    token = path[len(marker) : -4]
    feed = CalendarFeed.objects.get(user=members["viewer"])
    assert feed.token_hash == hash_feed_token(token) and token not in feed.token_hash

    from django.test import Client

    anonymous = Client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert f"DTSTART;VALUE=DATE:{due:%Y%m%d}" in body
    unfolded = body.replace("\r\n ", "")
    # Named by its problem, then its object, in the member's language.
    assert (
        "SUMMARY:[mamori] 退職者のアカウントが残っています — 山田さんのアカウント\\, 退職"
        in unfolded
    )
    assert "クラウド会計" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))

    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404
    viewer.post(base(org) + "calendar/", {"revoke": "1"})
    assert anonymous.get(path).status_code == 404


@pytest.mark.django_db
def test_test_send_of_a_disabled_channel_says_so(
    org: Any, members: dict[str, Any], client_as: Any
) -> None:
    channel = Channel.objects.create(organization=org, name="off", kind="email", enabled=False)
    response = client_as(members["owner"]).post(base(org) + f"{channel.pk}/test/", follow=True)
    page = response.content.decode()
    assert "テスト送信に失敗しました" in page and "この通知先は無効になっています" in page
