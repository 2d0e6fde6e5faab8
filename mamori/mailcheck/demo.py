"""Demo data for the mail check: a look-alike phishing mail, a payee-change (BEC) mail reported
to the administrators, an ordinary business mail, and a PPAP pair — all written here."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import pyzipper
from django.utils import timezone

from mamori.inventory.models import Supplier

from . import services
from .models import Source

PARTNER_DOMAIN = "partner-trading.co.jp"
OWN_DOMAIN = "demo-kabushiki.co.jp"


def _mail(
    sender: str,
    subject: str,
    body: str,
    *,
    sent: Any,
    html: str | None = None,
    reply_to: str = "",
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"鈴木 一郎 <suzuki@{OWN_DOMAIN}>"
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = (
        f"<demo-{hashlib.sha256(subject.encode()).hexdigest()[:12]}@mail.example>"
    )
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    if attachment:
        message.add_attachment(
            attachment[1], maintype="application", subtype="zip", filename=attachment[0]
        )
    return message.as_bytes()


def _aes_zip(name: str, data: bytes, password: bytes) -> bytes:
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password)
        archive.writestr(name, data)
    return buffer.getvalue()


def build(ctx: Any) -> None:
    org = ctx.org
    now = timezone.now()
    viewer = ctx.users.get("viewer")
    # The company's mail domain and the one its staff list uses (a drill can only go there).
    services.update_settings(
        None, org, {"own_domains": f"{OWN_DOMAIN}, demo.example.jp"}, actor=ctx.users.get("owner")
    )
    if not Supplier.objects.filter(organization=org, domains__icontains=PARTNER_DOMAIN).exists():
        Supplier.objects.create(
            organization=org,
            name="パートナー商事株式会社",
            domains=PARTNER_DOMAIN,
            work="部品の仕入れ",
        )
    phishing = _mail(
        "Amazon.co.jp <account-update@amazon-co-jp.account-verify.com>",
        "【重要】お客様のアカウントは一時停止されました",
        "お客様のアカウントで異常なログインを検出しました。24時間以内に本人確認を行ってください。\n"
        "https://amaz0n-co-jp.account-verify.com/signin\n",
        html=(
            "<p>お客様のアカウントは一時停止されました。本人確認を行ってください。</p>"
            '<p><a href="https://amaz0n-co-jp.account-verify.com/signin">'
            "https://www.amazon.co.jp/ap/signin</a></p>"
        ),
        sent=now - timedelta(days=3, hours=2),
    )
    bec = _mail(
        "パートナー商事 経理部 <keiri@partner-tradng.co.jp>",
        "【至急】振込先口座変更のお願い",
        "いつもお世話になっております。\n弊社の取引銀行の変更に伴い、今月のお支払いから振込先を下記の新しい口座に"
        "変更いたします。至急ご対応をお願いいたします。\n\n新しい口座: ○○銀行 本店 普通 1234567\n",
        reply_to="partner.keiri@freemail.example",
        sent=now - timedelta(days=1, hours=5),
    )
    ordinary = _mail(
        f"田中 健 <tanaka@{PARTNER_DOMAIN}>",
        "来週の打ち合わせ日程について",
        "お世話になっております。来週の打ち合わせですが、水曜日の14時からでいかがでしょうか。\n"
        "ご都合をお知らせください。\n",
        sent=now - timedelta(hours=20),
    )
    sent_zip = now - timedelta(hours=6)
    ppap_zip = _mail(
        f"田中 健 <tanaka@{PARTNER_DOMAIN}>",
        "見積書送付の件",
        "見積書を添付いたします。パスワードは別途お送りします。\n",
        sent=sent_zip,
        attachment=("見積書.zip", _aes_zip("見積書.txt", "見積金額 120,000円".encode(), b"Pw2026")),
    )
    ppap_password = _mail(
        f"田中 健 <tanaka@{PARTNER_DOMAIN}>",
        "パスワード送付の件",
        "先ほどお送りした添付ファイルのパスワードをお知らせします。\nパスワード: Pw2026\n",
        sent=sent_zip + timedelta(minutes=3),
    )
    checked = {}
    for key, raw, source in (
        ("phishing", phishing, Source.UPLOAD),
        ("bec", bec, Source.SMTP),
        ("ordinary", ordinary, Source.UPLOAD),
        ("ppap_zip", ppap_zip, Source.IMAP),
        ("ppap_password", ppap_password, Source.IMAP),
    ):
        checked[key] = services.check_mail(
            org, raw, source=source, reporter=viewer, file_name=f"{key}.eml"
        ).mail
    services.report_to_admins(
        None,
        checked["bec"],
        opened_or_clicked=False,
        note="取引先からの口座変更依頼ですが、ドメインが少し違う気がします。",
        actor=viewer,
    )
    ctx.notes.append(
        "mail check: 5 checked mails (look-alike phishing, payee change, ordinary, PPAP pair); "
        "the payee-change mail was sent to the administrators"
    )
