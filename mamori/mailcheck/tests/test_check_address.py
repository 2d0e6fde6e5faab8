"""The check address over real SMTP on loopback: `mamori smtpd`'s controller in-process,
smtplib as the staff member's mail program, Django's locmem backend catching the replies."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail as django_mail
from django.test.utils import override_settings
from django.urls import reverse

from mamori.mailcheck.inbound import default_check_address
from mamori.mailcheck.models import CheckedMail, Source
from mamori.mailcheck.smtpd_command import start_controller
from mamori.orgs.models import Membership, Role

from .builders import build_mail, rfc822_attachment
from .labelled import bec_payee_change_eucjp, macro_docm_emotet_style

pytestmark = pytest.mark.django_db(transaction=True)

MAIL_DOMAIN = "check.mamori.example"
# mamori's own words in each language's reply (the forwarded mail's text may be in any language).
ENGLISH_LABELS = ("Verdict", "Reasons", "What to do", "Details:", "This reply was sent")
JAPANESE_LABELS = ("判定", "理由", "対処", "結果の詳細", "自動で送っています", "出典")


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
        # These forwards come from the organisation's own mail server (it vouches for the
        # sender); mail from elsewhere is tested in test_check_address_trust.
        MAIL_ORG_RELAYS=["127.0.0.1/32"],
    ):
        controller = start_controller("127.0.0.1", port, max_bytes=300_000)
        try:
            yield port
        finally:
            controller.stop()


@pytest.fixture
def staff(org: Any, make_user: Any) -> Any:
    from mamori.inventory.models import Supplier

    user = make_user("suzuki@our-office.co.jp", name="鈴木 一郎")
    Membership.objects.create(organization=org, user=user, role=Role.VIEWER)
    Supplier.objects.create(
        organization=org, name="パートナー商事", domains="partner-trading.co.jp"
    )
    return user


def _send(port: int, sender: str, to: str, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        client.sendmail(sender, [to], crlf(raw))


def test_forwarded_lookalike_mail_gets_a_japanese_reply_and_lands_in_the_history(
    smtpd: int, org: Any, members: dict[str, Any], staff: Any, client_as: Any
) -> None:
    """Done when: a staff member forwards a suspicious mail to the check address and gets back a
    Japanese explanation naming the look-alike domain; the administrator sees it in the history."""
    address = f"check+{org.slug}@{MAIL_DOMAIN}"
    assert default_check_address(org) == address
    forward = rfc822_attachment(
        ("鈴木 一郎", staff.email), "Fwd: 振込先変更のお願い", bec_payee_change_eucjp()
    )
    django_mail.outbox.clear()
    _send(smtpd, staff.email, address, forward)
    # smtplib returns after the server's final answer, which comes after checking and replying.
    assert len(django_mail.outbox) == 1
    reply = django_mail.outbox[0]
    assert reply.to == [staff.email] and reply.from_email == address
    assert reply.extra_headers["Auto-Submitted"] == "auto-replied"
    assert "危険" in reply.subject
    body = reply.body
    assert "partner-tradng.co.jp" in body  # the look-alike, named
    assert "判定: 危険" in body and "振込先" in body
    # One language per reply: no English half below the Japanese one.
    assert not any(word in body for word in ENGLISH_LABELS), body
    checked = CheckedMail.objects.get(organization=org)
    assert checked.source == Source.SMTP and checked.reporter == staff
    assert checked.subject == "振込先変更のお願い" and checked.verdict == "danger"
    detail = reverse("mailcheck:detail", kwargs={"org_slug": org.slug, "pk": checked.pk})
    assert detail in body
    history = client_as(members["owner"]).get(
        reverse("mailcheck:history", kwargs={"org_slug": org.slug})
    )
    assert "振込先変更のお願い" in history.content.decode()
    assert "partner-tradng.co.jp" in client_as(members["owner"]).get(detail).content.decode()


def test_forwarded_macro_mail_reply_names_the_macro(smtpd: int, org: Any, staff: Any) -> None:
    forward = rfc822_attachment(
        ("鈴木 一郎", staff.email), "Fwd: 契約書", macro_docm_emotet_style()
    )
    django_mail.outbox.clear()
    _send(smtpd, staff.email, f"check+{org.slug}@{MAIL_DOMAIN}", forward)
    body = django_mail.outbox[0].body
    assert "契約書.docm" in body and "マクロ" in body


def test_non_members_are_refused_without_any_reply(smtpd: int, org: Any, staff: Any) -> None:
    forward = rfc822_attachment(
        ("Stranger", "stranger@elsewhere.example"), "Fwd: x", bec_payee_change_eucjp()
    )
    django_mail.outbox.clear()
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(smtpd, "stranger@elsewhere.example", f"check+{org.slug}@{MAIL_DOMAIN}", forward)
    assert refused.value.smtp_code == 550
    assert django_mail.outbox == []
    assert not CheckedMail.objects.exists()


def test_unknown_check_addresses_are_refused(smtpd: int, org: Any, staff: Any) -> None:
    raw = build_mail(sender=("鈴木 一郎", staff.email), subject="x", text="x")
    for address in (f"check+no-such-org@{MAIL_DOMAIN}", f"check+{org.slug}@other.example"):
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            _send(smtpd, staff.email, address, raw)
    assert not CheckedMail.objects.exists()


def test_auto_replies_are_accepted_but_never_answered(smtpd: int, org: Any, staff: Any) -> None:
    raw = build_mail(
        sender=("鈴木 一郎", staff.email),
        subject="不在のお知らせ",
        text="不在です",
        headers={"Auto-Submitted": "auto-replied"},
    )
    django_mail.outbox.clear()
    _send(smtpd, staff.email, f"check+{org.slug}@{MAIL_DOMAIN}", raw)
    assert django_mail.outbox == [] and not CheckedMail.objects.exists()


def test_oversized_mail_is_refused(smtpd: int, org: Any, staff: Any) -> None:
    raw = build_mail(
        sender=("鈴木 一郎", staff.email),
        subject="big",
        text="x",
        attachments=[("big.pdf", b"%PDF" + b"0" * 400_000, "application/pdf")],
    )
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as info:
        _send(smtpd, staff.email, f"check+{org.slug}@{MAIL_DOMAIN}", raw)
    assert info.value.smtp_code == 552
    assert not CheckedMail.objects.exists()


def test_own_check_address_replaces_the_standard_one(smtpd: int, org: Any, staff: Any) -> None:
    from mamori.mailcheck import services

    services.update_settings(None, org, {"check_address": f"ayashii@{MAIL_DOMAIN}"})
    forward = rfc822_attachment(("鈴木 一郎", staff.email), "Fwd: x", macro_docm_emotet_style())
    django_mail.outbox.clear()
    _send(smtpd, staff.email, f"ayashii@{MAIL_DOMAIN}", forward)
    assert django_mail.outbox[0].from_email == f"ayashii@{MAIL_DOMAIN}"
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(smtpd, staff.email, f"check+{org.slug}@{MAIL_DOMAIN}", forward)


def test_inline_forward_is_checked_as_the_original(smtpd: int, org: Any, staff: Any) -> None:
    text = (
        "確認をお願いします。\n\n"
        "---------- Forwarded message ---------\n"
        "From: 山田 太郎 <yamada@partner-tradng.co.jp>\n"
        "Date: 2026年3月2日(月) 10:00\n"
        "Subject: 振込先変更のお願い\n"
        "To: 鈴木 一郎 <suzuki@our-office.co.jp>\n\n"
        "弊社の振込先口座が変更になりました。今月分の請求書のお支払いから、新しい口座へ"
        "お振込みをお願いします。至急ご対応ください。\n"
    )
    forward = build_mail(
        sender=("鈴木 一郎", staff.email), subject="Fwd: 振込先変更のお願い", text=text
    )
    django_mail.outbox.clear()
    _send(smtpd, staff.email, f"check+{org.slug}@{MAIL_DOMAIN}", forward)
    checked = CheckedMail.objects.get(organization=org)
    assert checked.from_address == "yamada@partner-tradng.co.jp"
    assert "partner-tradng.co.jp" in django_mail.outbox[0].body


def test_mamori_smtpd_command_listens_and_stops_on_sigterm(tmp_path: Any) -> None:
    """The real command line: `mamori smtpd --port N` answers EHLO and exits cleanly on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import time

    port = _free_port()
    env = {**os.environ, "MAMORI_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "mamori.cli", "smtpd", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        answer = None
        for _ in range(150):  # wait for the listener (start-up imports Django), not a timing test
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                    answer = client.ehlo()
                break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.2)
        assert answer is not None and answer[0] == 250, (
            process.stderr.read() if process.poll() else ""
        )
        assert b"SIZE" in answer[1]  # the size cap is announced
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
    assert code == 0


def test_member_who_reads_english_gets_an_english_reply_only(
    smtpd: int, org: Any, staff: Any
) -> None:
    from mamori.accounts.services import profile_of

    profile = profile_of(staff)
    profile.language = "en"
    profile.save(update_fields=["language"])
    forward = rfc822_attachment(("Suzuki", staff.email), "Fwd: x", bec_payee_change_eucjp())
    django_mail.outbox.clear()
    _send(smtpd, staff.email, f"check+{org.slug}@{MAIL_DOMAIN}", forward)
    assert len(django_mail.outbox) == 1
    reply = django_mail.outbox[0]
    body = reply.body
    assert "Verdict: Danger" in body and "partner-tradng.co.jp" in body
    assert "Details: http" in body and "suspicious-mail check" in body
    assert reply.subject.startswith("[mamori] Danger:")
    # None of mamori's own Japanese words: only the forwarded mail's subject may be Japanese.
    assert not any(word in body for word in JAPANESE_LABELS), body
    assert "危険" not in reply.subject


def test_reply_to_an_unverified_english_reader_warns_in_english_only(
    smtpd: int, org: Any, staff: Any
) -> None:
    """The unverified-sender note follows the reply's language too (it was glued ja + en)."""
    from mamori.accounts.services import profile_of

    profile = profile_of(staff)
    profile.language = "en"
    profile.save(update_fields=["language"])
    forward = rfc822_attachment(("Suzuki", staff.email), "Fwd: x", bec_payee_change_eucjp())
    django_mail.outbox.clear()
    with override_settings(MAIL_ORG_RELAYS=[]):  # nobody vouches for this sender
        _send(smtpd, staff.email, f"check+{org.slug}@{MAIL_DOMAIN}", forward)
    body = django_mail.outbox[0].body
    assert "unverified sender" in body
    assert "未確認の送信者" not in body and not any(w in body for w in JAPANESE_LABELS)
