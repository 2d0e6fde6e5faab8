"""Forwarded mails → the doubted original; the verdict reply; PPAP pairing."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from types import SimpleNamespace

from mamori.mailcheck.engine import Context, analyse
from mamori.mailcheck.forwarding import extract_forwarded
from mamori.mailcheck.ppap import pair
from mamori.mailcheck.reply import compose_reply

from .builders import build_mail, from_header, msg_bytes, rfc822_attachment
from .labelled import (
    bec_payee_change_eucjp,
    macro_docm_emotet_style,
    phishing_amazon_html_only,
    ppap_password_mail,
    ppap_zip_mail,
)

STAFF = ("鈴木 一郎", "suzuki@our-office.co.jp")


def test_rfc822_attachment_is_extracted() -> None:
    original = phishing_amazon_html_only()
    forward = rfc822_attachment(STAFF, "Fwd: 怪しいメール", original)
    found = extract_forwarded(forward)
    assert len(found) == 1
    report = analyse(found[0])
    assert report.subject == "【重要】アカウントの一時停止のお知らせ"
    assert report.verdict == "danger"


def test_eml_and_msg_file_attachments_are_extracted() -> None:
    outer = MIMEMultipart("mixed")
    outer.attach(MIMEText("これ大丈夫でしょうか", "plain", "utf-8"))
    eml = MIMEApplication(bec_payee_change_eucjp(), _subtype="octet-stream")
    eml.add_header("Content-Disposition", "attachment", filename="suspicious.eml")
    outer.attach(eml)
    msg = MIMEApplication(
        msg_bytes(
            subject="請求書の件",
            sender_name="経理",
            sender_address="keiri@example.com",
            body="添付をご確認ください",
        ),
        _subtype="vnd.ms-outlook",
    )
    msg.add_header("Content-Disposition", "attachment", filename="請求書の件.msg")
    outer.attach(msg)
    outer["From"] = from_header(*STAFF)
    outer["Subject"] = "Fwd"
    found = extract_forwarded(outer.as_bytes())
    subjects = sorted(analyse(raw).subject for raw in found)
    assert subjects == ["振込先変更のお願い", "請求書の件"]


def test_inline_gmail_forward_is_rebuilt() -> None:
    body = (
        "確認お願いします\n\n"
        "---------- Forwarded message ---------\n"
        "From: PayPal <service@paypa1.com>\n"
        "Date: Mon, 10 Nov 2025 at 9:12\n"
        "Subject: Your account has been limited\n"
        "To: <suzuki@our-office.co.jp>\n\n"
        "Your account has been suspended. Verify your identity at https://paypa1.com/login\n"
    )
    forward = build_mail(sender=STAFF, subject="Fwd: Your account has been limited", text=body)
    found = extract_forwarded(forward)
    report = analyse(found[0])
    assert report.from_address == "service@paypa1.com"
    assert report.subject == "Your account has been limited"
    ids = {s.id for s in report.signals}
    assert {"sender.lookalike", "link.lookalike", "content.lure_with_link"} <= ids


def test_inline_japanese_outlook_forward_is_rebuilt() -> None:
    body = (
        "総務の鈴木です。下記のメールが届きました。\n\n"
        "-----Original Message-----\n"
        "差出人: 山田 太郎 <yamada@partner-tradng.co.jp>\n"
        "送信日時: 2025年11月10日 9:00\n"
        "宛先: 鈴木 一郎\n"
        "件名: 振込先変更のお願い\n\n"
        "> 弊社の振込先口座が変更になりました。新しい口座へお振込みをお願いします。\n"
    )
    forward = build_mail(
        sender=STAFF, subject="FW: 振込先変更のお願い", text=body, charset="iso-2022-jp", cte="7bit"
    )
    found = extract_forwarded(forward)
    context = Context(trusted_domains=["partner-trading.co.jp"])
    report = analyse(found[0], context)
    assert report.subject == "振込先変更のお願い"
    assert report.from_address == "yamada@partner-tradng.co.jp"
    assert {"sender.lookalike", "content.payee_change"} <= {s.id for s in report.signals}


def test_plain_mail_without_forward_is_returned_as_is() -> None:
    raw = build_mail(sender=STAFF, subject="相談", text="このメールは普通です")
    assert extract_forwarded(raw) == [raw]
    assert extract_forwarded(b"\x00garbage") == [b"\x00garbage"]


def test_reply_names_the_lookalike_domain_in_japanese_only() -> None:
    context = Context(trusted_domains=["partner-trading.co.jp"])
    report = analyse(bec_payee_change_eucjp(), context)
    reply = compose_reply(report, to="suzuki@our-office.co.jp", from_addr="check@our-office.co.jp")
    parsed = email.message_from_bytes(reply.as_bytes(), policy=email.policy.default)
    assert "危険" in str(parsed["Subject"]) and "Danger" not in str(parsed["Subject"])
    assert parsed["Content-Language"] == "ja"
    assert parsed["Auto-Submitted"] == "auto-replied"
    body = parsed.get_content()
    assert "partner-tradng.co.jp" in body and "partner-trading.co.jp" in body
    assert "電話など" in body and "判定: 危険" in body
    assert "Verdict" not in body and "What to do" not in body and "automatically" not in body


def test_reply_names_the_macro_in_english_only_when_asked() -> None:
    report = analyse(macro_docm_emotet_style())
    reply = compose_reply(report, to="a@example.jp", from_addr="check@example.jp", lang="en")
    body = reply.get_content()
    assert "契約書.docm" in body and "Document with macros" in body
    assert "Verdict: Danger" in body and reply["Content-Language"] == "en"
    assert "判定" not in body and "対処" not in body and "自動" not in body


def test_ppap_pairs_zip_with_later_password_mail() -> None:
    reports = [analyse(ppap_password_mail()), analyse(ppap_zip_mail())]
    pairs = pair(reports)
    assert len(pairs) == 1
    assert pairs[0].archive.subject == "見積書送付の件"
    assert pairs[0].gap == timedelta(minutes=3)
    assert "誤送信" in pairs[0].explanation["ja"] and "mis-sending" in pairs[0].explanation["en"]


def _record(
    sender: str, minutes: int, *, archive: bool = False, password: bool = False
) -> SimpleNamespace:
    base = datetime(2025, 11, 10, 1, 0, tzinfo=UTC)
    return SimpleNamespace(
        from_address=sender,
        date=base + timedelta(minutes=minutes),
        message_id=f"<{sender}-{minutes}>",
        facts={"encrypted_archives": ["a.zip"] if archive else [], "password_notice": password},
    )


def test_ppap_respects_sender_window_and_order() -> None:
    records = [
        _record("a@x.jp", 0, archive=True),
        _record("b@y.jp", 1, password=True),  # another sender
        _record("a@x.jp", -5, password=True),  # before the zip
        _record("a@x.jp", 500, password=True),  # outside the window
    ]
    assert pair(records) == []
    records.append(_record("a@x.jp", 10, password=True))
    found = pair(records)
    assert len(found) == 1 and found[0].gap == timedelta(minutes=10)
    assert pair(records, window=timedelta(minutes=5)) == []


def test_outlook_html_forward_without_marker_is_rebuilt() -> None:
    html = (
        "<div>確認してください</div><hr>"
        "<div><b>差出人:</b> Amazon.co.jp &lt;security@amazon-co-jp.verify-account.top&gt;<br>"
        "<b>送信日時:</b> 2025年11月10日 9:00<br><b>宛先:</b> 鈴木 一郎<br>"
        "<b>件名:</b> アカウントの一時停止</div><br>"
        "<p>アカウントが一時停止されました。"
        '<a href="https://amazon-co-jp.verify-account.top/signin">https://www.amazon.co.jp/</a></p>'
    )
    forward = build_mail(sender=STAFF, subject="FW: アカウントの一時停止", html=html)
    found = extract_forwarded(forward)
    report = analyse(found[0])
    assert report.from_address == "security@amazon-co-jp.verify-account.top"
    assert report.subject == "アカウントの一時停止"
    assert report.verdict == "danger"
    assert {"link.text_mismatch", "sender.brand_name_mismatch"} <= {s.id for s in report.signals}
