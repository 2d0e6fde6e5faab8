"""The check address does not take a From header's word for who reported a mail, and cannot be
used to multiply mail: real SMTP on loopback (mamori smtpd's controller, smtplib as the sending
server), replies caught by Django's locmem backend.

The test's "outsider" connects from 127.0.0.2; the organisation's own mail server (when one is
configured) is 127.0.0.1."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail as django_mail
from django.test.utils import override_settings
from django.urls import reverse

from mamori.mailcheck.models import CheckedMail
from mamori.mailcheck.smtpd_command import start_controller
from mamori.orgs.models import Membership, Role

from .builders import rfc822_attachment
from .labelled import bec_payee_change_eucjp

pytestmark = pytest.mark.django_db(transaction=True)

MAIL_DOMAIN = "check.mamori.example"
OUTSIDER = "127.0.0.2"
OWN_SERVER = "127.0.0.1"
AUTHSERV = "mx.our-office.co.jp"


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtpd() -> Iterator[int]:
    port = _free_port()
    with override_settings(
        MAIL_DOMAIN=MAIL_DOMAIN,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        MAIL_TRUSTED_AUTHSERV_IDS=[],
        MAIL_FRONT_RELAYS=[],
        MAIL_ORG_RELAYS=[],
    ):
        controller = start_controller("127.0.0.1", port, max_bytes=300_000)
        try:
            yield port
        finally:
            controller.stop()


@pytest.fixture
def staff(org: Any, make_user: Any) -> Any:
    user = make_user("suzuki@our-office.co.jp", name="鈴木 一郎")
    Membership.objects.create(organization=org, user=user, role=Role.VIEWER)
    return user


def forward(claimed_from: str, *, auth_results: list[str] | None = None) -> bytes:
    raw = rfc822_attachment(("鈴木 一郎", claimed_from), "Fwd: 振込先", bec_payee_change_eucjp())
    headers = "".join(f"Authentication-Results: {value}\r\n" for value in auth_results or [])
    return headers.encode() + raw


def send(
    port: int, raw: bytes, rcpts: list[str], *, source: str = OUTSIDER, sender: str = ""
) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=60, source_address=(source, 0)) as client:
        return client.sendmail(sender or "someone@elsewhere.example", rcpts, crlf(raw))


def check_address(org: Any) -> str:
    return f"check+{org.slug}@{MAIL_DOMAIN}"


def test_forged_member_from_is_stored_unverified_and_answered_only_on_record(
    smtpd: int, org: Any, staff: Any, client_as: Any
) -> None:
    """An outsider's mail claiming the member's From (in another spelling) is not attributed to
    the member; the one reply goes to the member's address on record, not the claimed text."""
    django_mail.outbox.clear()
    send(smtpd, forward("SUZUKI@Our-Office.CO.JP"), [check_address(org)])
    checked = CheckedMail.objects.get(organization=org)
    assert checked.reporter is None
    assert checked.facts["reporter"] == {
        "address": "suzuki@our-office.co.jp",
        "verified": False,
        "by": "",
    }
    assert [m.to for m in django_mail.outbox] == [[staff.email]]
    assert "未確認の送信者" in django_mail.outbox[0].body
    # The member's own history (viewers see what they reported) does not show it as theirs.
    history = client_as(staff).get(reverse("mailcheck:history", kwargs={"org_slug": org.slug}))
    assert "振込先変更のお願い" not in history.content.decode()


@override_settings(MAIL_TRUSTED_AUTHSERV_IDS=[AUTHSERV])
def test_authentication_results_written_by_the_sender_are_ignored(
    smtpd: int, org: Any, staff: Any
) -> None:
    """Straight from an outsider (no trusted front server), a dkim=pass header is just text."""
    raw = forward(staff.email, auth_results=[f"{AUTHSERV}; dkim=pass header.d=our-office.co.jp"])
    send(smtpd, raw, [check_address(org)])
    assert CheckedMail.objects.get(organization=org).reporter is None


def test_forward_from_the_organisations_own_server_is_the_member(
    smtpd: int, org: Any, staff: Any
) -> None:
    with override_settings(MAIL_ORG_RELAYS=[f"{org.slug}={OWN_SERVER}/32"]):
        send(smtpd, forward(staff.email), [check_address(org)], source=OWN_SERVER)
    checked = CheckedMail.objects.get(organization=org)
    assert checked.reporter == staff and checked.facts["reporter"]["by"] == "relay"
    assert "未確認の送信者" not in django_mail.outbox[-1].body


def test_another_organisations_server_does_not_vouch(smtpd: int, org: Any, staff: Any) -> None:
    with override_settings(MAIL_ORG_RELAYS=[f"another-org={OWN_SERVER}/32"]):
        send(smtpd, forward(staff.email), [check_address(org)], source=OWN_SERVER)
    assert CheckedMail.objects.get(organization=org).reporter is None


@override_settings(MAIL_TRUSTED_AUTHSERV_IDS=[AUTHSERV], MAIL_FRONT_RELAYS=[f"{OWN_SERVER}/32"])
@pytest.mark.parametrize(
    ("headers", "verified_by"),
    [
        ([f"{AUTHSERV}; dkim=pass header.d=our-office.co.jp header.s=s1"], "dkim"),
        ([f"{AUTHSERV}; dmarc=pass (p=reject) header.from=our-office.co.jp"], "dmarc"),
        ([f'"{AUTHSERV}" 1; dkim=pass header.i="@our-office.co.jp"'], "dkim"),
        (
            [
                f"{AUTHSERV}; dkim=pass header.d=evil.example; dmarc=fail header.from=our-office.co.jp"
            ],
            "",
        ),
        ([f"{AUTHSERV}; dkim=pass header.d=co.jp"], ""),  # a public suffix aligns with nobody
        (["mx.elsewhere.example; dkim=pass header.d=our-office.co.jp"], ""),  # untrusted id
        (
            # The trusted server's own (topmost) header decides; a forged one below it does not.
            [
                f"{AUTHSERV}; dkim=fail header.d=our-office.co.jp; dmarc=fail",
                f"{AUTHSERV}; dkim=pass header.d=our-office.co.jp",
            ],
            "",
        ),
    ],
)
def test_trusted_front_server_results_decide(
    smtpd: int, org: Any, staff: Any, headers: list[str], verified_by: str
) -> None:
    send(smtpd, forward(staff.email, auth_results=headers), [check_address(org)], source=OWN_SERVER)
    checked = CheckedMail.objects.get(organization=org)
    assert checked.facts["reporter"]["by"] == verified_by
    assert (checked.reporter == staff) is bool(verified_by)


def test_twenty_repeated_recipients_make_one_check_and_one_reply(
    smtpd: int, org: Any, staff: Any
) -> None:
    address = check_address(org)
    spellings = [address] * 19 + [address.upper()]
    django_mail.outbox.clear()
    send(smtpd, forward(staff.email), spellings)
    assert CheckedMail.objects.filter(organization=org).count() == 1
    assert len(django_mail.outbox) == 1


@override_settings(MAIL_CHECK_MAX_RECIPIENTS=2)
def test_recipients_per_message_are_capped(
    smtpd: int, org: Any, staff: Any, make_user: Any
) -> None:
    from mamori.orgs.services import create_organization

    others = []
    for n in range(2):
        owner = make_user(f"owner{n}@other{n}.example")
        other = create_organization(f"別組織 {n}", owner)
        Membership.objects.create(organization=other, user=staff, role=Role.VIEWER)
        others.append(other)
    refused = send(smtpd, forward(staff.email), [check_address(o) for o in [org, *others]])
    assert list(refused) == [check_address(others[1])]
    assert refused[check_address(others[1])][0] == 452
    assert CheckedMail.objects.count() == 2


@override_settings(MAIL_CHECK_MAX_PER_SENDER_HOUR=3)
def test_checks_per_sender_and_hour_are_capped(smtpd: int, org: Any, staff: Any) -> None:
    django_mail.outbox.clear()
    for _ in range(3):
        send(smtpd, forward(staff.email), [check_address(org)])
    for _ in range(2):
        with pytest.raises(smtplib.SMTPDataError) as limited:
            send(smtpd, forward(staff.email), [check_address(org)])
        assert limited.value.smtp_code == 450
    assert CheckedMail.objects.filter(organization=org).count() == 3
    assert len(django_mail.outbox) == 3


@override_settings(
    OUTBOUND_ALLOW_NETWORKS=["127.0.0.0/8"],
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    MAIL_TRUSTED_AUTHSERV_IDS=[AUTHSERV],
)
def test_report_mailbox_attributes_only_what_its_server_verified(org: Any, staff: Any) -> None:
    """Over IMAP the mailbox's own server wrote the Authentication-Results: a forward with its
    dkim=pass is the member's; one without is stored unverified and answered on record."""
    from mamori.mailcheck import credentials, mailbox
    from mamori.mailcheck.models import MailCheckSettings

    from .imap_server import ImapTestServer
    from .imap_server import Mailbox as ImapBox

    box = ImapBox("report@our-office.co.jp", "imap-Pass-9876")
    box.add(forward(staff.email, auth_results=[f"{AUTHSERV}; dkim=pass header.d=our-office.co.jp"]))
    box.add(forward("Suzuki@our-office.co.jp"))
    django_mail.outbox.clear()
    with ImapTestServer(box) as port:
        MailCheckSettings.objects.create(
            organization=org,
            imap_enabled=True,
            imap_host="127.0.0.1",
            imap_port=port,
            imap_use_ssl=False,
            imap_username="report@our-office.co.jp",
            imap_password_encrypted=credentials.encrypt("imap-Pass-9876"),
        )
        mailbox.poll_organisation(org.pk, timeout=10)
    rows = list(CheckedMail.objects.filter(organization=org).order_by("pk"))
    assert [row.reporter for row in rows] == [staff, None]
    assert [row.facts["reporter"]["by"] for row in rows] == ["dkim", ""]
    assert [m.to for m in django_mail.outbox] == [[staff.email], [staff.email]]
