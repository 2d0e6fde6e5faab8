"""The check address over real SMTP on loopback (aiosmtpd in-process, smtplib as the client)."""

from __future__ import annotations

import smtplib
import socket
import threading
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from mamori.mailcheck.engine import Context
from mamori.mailcheck.pipeline import handle_forwarded
from mamori.mailcheck.smtp import CheckAddressHandler

from .builders import build_mail, rfc822_attachment
from .labelled import bec_payee_change_eucjp, macro_docm_emotet_style

CHECK = "check@our-office.co.jp"
STAFF = ("鈴木 一郎", "suzuki@our-office.co.jp")
CONTEXT = Context(trusted_domains=["our-office.co.jp", "partner-trading.co.jp"])


def crlf(raw: bytes) -> bytes:
    """Line ends as on the wire (smtplib sends bytes unchanged)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, bytes]] = []
        self.replies: list = []

    def __call__(self, rcpt: str, raw: bytes) -> None:
        result = handle_forwarded(raw, check_address=rcpt, context=CONTEXT)
        with self.lock:
            self.received.append((rcpt, raw))
            self.replies.extend(result.replies)


@pytest.fixture
def server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    handler = CheckAddressHandler(inbox, max_bytes=200_000, accept=lambda a: a == CHECK)
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **handler.smtp_parameters())
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_forwarded_bec_gets_a_japanese_reply_naming_the_lookalike(
    server: tuple[int, Inbox],
) -> None:
    port, inbox = server
    forward = rfc822_attachment(STAFF, "Fwd: 振込先変更のお願い", bec_payee_change_eucjp())
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(STAFF[1], [CHECK], crlf(forward))
    assert len(inbox.received) == 1 and inbox.received[0][0] == CHECK
    assert len(inbox.replies) == 1
    reply = inbox.replies[0]
    assert reply["To"] == STAFF[1] and reply["From"] == CHECK
    body = reply.get_content()
    assert "危険" in body and "partner-tradng.co.jp" in body and "振込先" in body


def test_forwarded_macro_mail_reply_names_the_macro(server: tuple[int, Inbox]) -> None:
    port, inbox = server
    forward = rfc822_attachment(STAFF, "Fwd: 契約書", macro_docm_emotet_style())
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(STAFF[1], [CHECK], crlf(forward))
    body = inbox.replies[0].get_content()
    assert "契約書.docm" in body and "マクロ" in body


def test_other_recipients_are_refused(server: tuple[int, Inbox]) -> None:
    port, inbox = server
    raw = build_mail(sender=STAFF, subject="x", text="x")
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail(STAFF[1], ["someone@elsewhere.example"], raw)
    assert inbox.received == []


def test_oversized_mail_is_refused(server: tuple[int, Inbox]) -> None:
    port, inbox = server
    raw = build_mail(
        sender=STAFF,
        subject="big",
        text="x",
        attachments=[("big.pdf", b"%PDF" + b"0" * 300_000, "application/pdf")],
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as info:
            client.sendmail(STAFF[1], [CHECK], crlf(raw))
    assert info.value.smtp_code == 552
    assert inbox.received == []


def test_auto_replies_are_not_answered() -> None:
    raw = build_mail(
        sender=("Auto", "suzuki@our-office.co.jp"),
        subject="Out of office",
        text="不在です",
        headers={"Auto-Submitted": "auto-replied"},
    )
    result = handle_forwarded(raw, check_address=CHECK)
    assert result.replies == [] and result.skipped
    own = build_mail(sender=("mamori", CHECK), subject="[mamori] 危険", text="…")
    assert handle_forwarded(own, check_address=CHECK).replies == []
