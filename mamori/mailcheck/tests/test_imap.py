"""Polling the report mailbox over a real IMAP exchange with a server started by the test."""

from __future__ import annotations

import pytest
from imapclient.exceptions import LoginError

from mamori.mailcheck.engine import Context
from mamori.mailcheck.imap import MailboxSettings, poll_mailbox
from mamori.mailcheck.pipeline import handle_forwarded

from .builders import build_mail, rfc822_attachment
from .imap_server import ImapTestServer, Mailbox
from .labelled import bec_payee_change_eucjp, business_mail_iso2022_pdf

STAFF = ("鈴木 一郎", "suzuki@our-office.co.jp")
CHECK = "report@our-office.co.jp"


def _settings(port: int, password: str = "s3cret") -> MailboxSettings:
    return MailboxSettings(
        host="127.0.0.1", port=port, username=CHECK, password=password, use_ssl=False, timeout=10
    )


def test_unseen_forwards_are_checked_replied_and_marked_seen() -> None:
    box = Mailbox(CHECK, "s3cret")
    box.add(rfc822_attachment(STAFF, "Fwd: 振込先変更のお願い", bec_payee_change_eucjp()))
    box.add(business_mail_iso2022_pdf(), seen=True)  # already handled earlier
    replies = []

    def handle(raw: bytes) -> None:
        result = handle_forwarded(
            raw, check_address=CHECK, context=Context(trusted_domains=["partner-trading.co.jp"])
        )
        replies.extend(result.replies)

    with ImapTestServer(box) as port:
        result = poll_mailbox(_settings(port), handle)
        again = poll_mailbox(_settings(port), handle)
    assert result.handled == [1] and again.handled == []
    assert "\\Seen" in box.mails[0].flags
    assert len(replies) == 1
    body = replies[0].get_content()
    assert replies[0]["To"] == STAFF[1]
    assert "partner-tradng.co.jp" in body and "危険" in body
    assert any("BODY.PEEK[]" in c for c in box.commands)  # fetched without setting \Seen early


def test_failed_handling_leaves_the_mail_unseen_for_retry() -> None:
    box = Mailbox(CHECK, "s3cret")
    box.add(build_mail(sender=STAFF, subject="x", text="x"))

    def broken(raw: bytes) -> None:
        raise RuntimeError("database down")

    with ImapTestServer(box) as port:
        result = poll_mailbox(_settings(port), broken)
    assert result.failed == [1] and "\\Seen" not in box.mails[0].flags


def test_oversized_mail_is_skipped_without_download() -> None:
    box = Mailbox(CHECK, "s3cret")
    box.add(build_mail(sender=STAFF, subject="big", text="x" * 5000))
    handled: list[bytes] = []
    with ImapTestServer(box) as port:
        result = poll_mailbox(_settings(port), handled.append, max_bytes=1000)
    assert result.too_big == [1] and handled == []
    assert not any("BODY" in c.upper() for c in box.commands)


def test_wrong_password_raises_login_error() -> None:
    box = Mailbox(CHECK, "s3cret")
    with ImapTestServer(box) as port:
        with pytest.raises(LoginError):
            poll_mailbox(_settings(port, password="wrong"), lambda raw: None)
