"""Outlook .msg input: detected by the OLE signature and converted before the checks."""

from __future__ import annotations

from mamori.mailcheck.engine import analyse

from .builders import msg_bytes, ole_bytes, zip_bytes

TRANSPORT_HEADERS = (
    "Received: from mx.example.net by mx.our-office.co.jp; Mon, 10 Nov 2025 10:00:00 +0900\r\n"
    "Authentication-Results: mx.our-office.co.jp; spf=fail smtp.mailfrom=partner-tradng.co.jp\r\n"
    "From: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <yamada@partner-tradng.co.jp>\r\n"
    "Reply-To: pay@freemail.example\r\n"
    "Subject: =?UTF-8?B?5oyv6L685YWI5aSJ5pu044Gu44GK6aGY44GE?=\r\n"
    "Date: Mon, 10 Nov 2025 10:00:00 +0900\r\n"
    "Message-ID: <abc@partner-tradng.co.jp>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
)


def test_msg_with_transport_headers_uses_the_original_headers() -> None:
    data = msg_bytes(
        subject="ignored when headers exist",
        sender_name="山田 太郎",
        sender_address="yamada@partner-tradng.co.jp",
        body="振込先口座が変更になりました。新しい口座へお振込みください。",
        headers=TRANSPORT_HEADERS,
    )
    report = analyse(data)
    assert report.facts["format"] == "msg"
    assert report.subject == "振込先変更のお願い"
    assert report.message_id == "<abc@partner-tradng.co.jp>"
    ids = {s.id for s in report.signals}
    assert {"sender.auth_fail", "sender.reply_to_mismatch", "content.payee_change"} <= ids
    assert report.verdict == "danger"


def test_msg_attachments_are_checked() -> None:
    archive = zip_bytes({"請求書.pdf.exe": b"MZ"})
    data = msg_bytes(
        subject="請求書",
        sender_name="経理",
        sender_address="keiri@supplier.example.co.jp",
        body="添付をご確認ください",
        html="<p>添付をご確認ください</p>",
        attachments=[("請求書.zip", archive), ("memo.txt", b"hello")],
    )
    report = analyse(data)
    assert report.facts["attachments"] == ["請求書.zip", "memo.txt"]
    evidence = {s.id: s.evidence for s in report.signals}
    assert "請求書.zip → 請求書.pdf.exe" in evidence["attachment.double_extension"]
    assert report.verdict == "danger"


def test_ole_file_that_is_not_a_mail_is_unreadable_not_a_crash() -> None:
    report = analyse(ole_bytes({"WordDocument": b"\x00" * 100}))
    assert "message.unparseable" in {s.id for s in report.signals}
    assert report.verdict == "caution"


def test_outlook_item_attached_inside_a_msg_is_converted_and_checked() -> None:
    from .builders import ole_bytes

    def u(text: str) -> bytes:
        return text.encode("utf-16-le")

    inner = "__attach_version1.0_#00000000/__substg1.0_3701000D"
    data = ole_bytes(
        {
            "__substg1.0_0037001F": u("FW: 至急 振込先変更"),
            "__substg1.0_0C1A001F": u("鈴木 一郎"),
            "__substg1.0_5D01001F": u("suzuki@our-office.co.jp"),
            "__substg1.0_1000001F": u("このメールは本物でしょうか"),
            "__attach_version1.0_#00000000/__substg1.0_3707001F": u("振込先変更のお願い.msg"),
            f"{inner}/__substg1.0_0037001F": u("振込先変更のお願い"),
            f"{inner}/__substg1.0_0C1A001F": u("山田 太郎"),
            f"{inner}/__substg1.0_5D01001F": u("yamada@partner-tradng.co.jp"),
            f"{inner}/__substg1.0_1000001F": u(
                "弊社の振込先口座が変更になりました。新しい口座へお振込みください。"
            ),
        }
    )
    from mamori.mailcheck.engine import Context
    from mamori.mailcheck.engine.model import Limits
    from mamori.mailcheck.engine.msg import msg_to_eml
    from mamori.mailcheck.forwarding import extract_forwarded

    eml = msg_to_eml(data, Limits())
    assert eml is not None
    # The converted mail and the .msg itself give the same original.
    subjects = {analyse(raw).subject for raw in extract_forwarded(eml) + extract_forwarded(data)}
    assert subjects == {"振込先変更のお願い"}
    originals = extract_forwarded(data)
    assert len(originals) == 1
    report = analyse(originals[0], Context(trusted_domains=["partner-trading.co.jp"]))
    assert report.subject == "振込先変更のお願い"
    assert report.from_address == "yamada@partner-tradng.co.jp"
    assert {"sender.lookalike", "content.payee_change"} <= {s.id for s in report.signals}
