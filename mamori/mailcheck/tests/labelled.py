"""The labelled corpus: mails written by the team, each with the verdict and signals expected.

Japanese and English; phishing, BEC, PPAP, macro attachments, targeted mails, ordinary business
mail, newsletters and bounces; every Japanese charset and transfer encoding offices send.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mamori.mailcheck.engine import Context, Limits

from .builders import build_mail, ooxml_bytes, zip_bytes, zipcrypto_bytes

PARTNER = Context(
    trusted_domains=["our-office.co.jp", "partner-trading.co.jp"],
    known_contacts={
        "山田 太郎": ["yamada@partner-trading.co.jp"],
        "Kenji Sato": ["sato@our-office.co.jp"],
    },
)


def puny(label: str) -> str:
    """The xn-- form of one label (Cyrillic letters inside, on purpose)."""
    return "xn--" + label.encode("punycode").decode("ascii")


@dataclass
class Case:
    name: str
    build: Callable[[], bytes]
    verdict: str
    expect: set[str] = field(default_factory=set)
    absent: set[str] = field(default_factory=set)
    context: Context | None = None
    limits: Limits | None = None
    evidence: dict[str, str] = field(default_factory=dict)  # signal id → text its evidence shows


def phishing_amazon_html_only() -> bytes:
    html = (
        "<html><body><p>Amazon.co.jp をご利用いただきありがとうございます。</p>"
        "<p>お客様のアカウントは一時停止されました。24時間以内に本人確認を完了してください。</p>"
        '<p><a href="https://amazon-co-jp.account-verify.top/signin?id=8812">'
        "https://www.amazon.co.jp/gp/css/account</a></p></body></html>"
    )
    return build_mail(
        sender=("Amazon.co.jp", "no-reply@account-verify.top"),
        subject="【重要】アカウントの一時停止のお知らせ",
        html=html,
        charset="utf-8",
        cte="base64",
    )


def phishing_homograph_paypal() -> bytes:
    text = (
        "Dear customer,\nWe noticed unusual sign-in activity. Your account has been limited.\n"
        "Log in here: https://xn--pypal-4ve.com/login\n"
    )
    return build_mail(
        sender=("PayPal", "service@" + puny("pаypal") + ".com"),
        subject="Your account has been limited",
        text=text,
        charset="utf-8",
        cte="quoted-printable",
    )


def phishing_card_sjis() -> bytes:
    text = (
        "三井住友カードをご利用のお客様\n"
        "不正なログインを検知したため、カードのご利用を一時制限しております。\n"
        "以下のページでIDとパスワードを入力してください。\n"
        "http://203.0.113.45/vpass/login.php\n"
    )
    return build_mail(
        sender=("三井住友カード", "info@smbc-card-security.xyz"),
        subject="【三井住友カード】ご利用制限のお知らせ",
        text=text,
        charset="shift_jis",
        cte="quoted-printable",
    )


def phishing_delivery_iso2022() -> bytes:
    text = (
        "お荷物のお届けにあがりましたが、不在のため持ち帰りました。\n"
        "再配達のご依頼は下記よりお願いします。\nhttps://bit.ly/3xYzAbc\n"
    )
    return build_mail(
        sender=("佐川急便", "delivery@sagawa-notice.click"),
        subject="不在通知",
        text=text,
        charset="iso-2022-jp",
        cte="7bit",
    )


def bec_payee_change_eucjp() -> bytes:
    text = (
        "いつもお世話になっております。パートナー商事の山田です。\n"
        "弊社の振込先口座が変更になりましたのでご連絡いたします。\n"
        "今月分の請求書のお支払いから、新しい口座へお振込みをお願いします。\n"
        "至急ご対応いただけますと幸いです。\n"
    )
    return build_mail(
        sender=("山田 太郎", "yamada@partner-tradng.co.jp"),
        subject="振込先変更のお願い",
        text=text,
        charset="euc-jp",
        cte="base64",
    )


def bec_english_reply_to() -> bytes:
    text = (
        "Hello,\nPlease note that our bank account details have changed. Kindly update the "
        "beneficiary for the pending invoice and confirm once payment is made. This is urgent.\n"
        "Regards,\nKenji Sato"
    )
    return build_mail(
        sender=("Kenji Sato", "k.sato.office@gmail.com"),
        subject="Invoice payment - updated bank details",
        text=text,
        headers={"Reply-To": "finance-dept@protonmail.example"},
    )


def gift_card_request() -> bytes:
    return build_mail(
        sender=("社長 鈴木", "president.suzuki@outlook.jp"),
        subject="至急お願い",
        text="今会議中で電話に出られません。取引先へのお礼にGoogle Playギフトカードを5万円分購入し、番号を返信してください。",
        charset="iso-2022-jp",
        cte="7bit",
    )


def gift_card_request_en() -> bytes:
    return build_mail(
        sender=("Kenji Sato", "kenji.sato.ceo@outlook.com"),
        subject="Quick favour",
        text="Are you free? I need you to buy five Apple gift cards for a client and send me the codes. It is urgent.",
    )


def ppap_zip_mail() -> bytes:
    archive = zipcrypto_bytes({"見積書.xlsx": b"PK fake"}, b"Secr3t!")
    return build_mail(
        sender=("高橋 花子", "hanako@supplier.example.co.jp"),
        subject="見積書送付の件",
        text="お世話になっております。見積書を送付します。パスワードは別途お送りします。",
        attachments=[("見積書.zip", archive, "application/zip")],
        date="Mon, 10 Nov 2025 10:00:00 +0900",
    )


def ppap_password_mail() -> bytes:
    return build_mail(
        sender=("高橋 花子", "hanako@supplier.example.co.jp"),
        subject="パスワード送付",
        text="先ほどお送りしたファイルの解凍パスワードをお知らせします。\nパスワード：Secr3t!",
        date="Mon, 10 Nov 2025 10:03:00 +0900",
    )


def aes_zip_mail() -> bytes:
    archive = zip_bytes({"report.docx": b"PK fake"}, password=b"pw-2025", aes=True)
    return build_mail(
        sender=("Partner", "files@partner.example.com"),
        subject="Quarterly report",
        text="Please find the report attached. The password follows in a separate mail.",
        attachments=[("report.zip", archive, "application/zip")],
    )


def macro_docm_emotet_style() -> bytes:
    doc = ooxml_bytes(
        "docm",
        vba=True,
        text="このドキュメントを表示するには、編集を有効にしてから コンテンツの有効化 をクリックしてください",
    )
    return build_mail(
        sender=("山田 太郎", "yamada@partner-trading.co.jp"),
        subject="Re: 契約書の最終確認",
        text="契約書の最終確認をお願いします。添付ファイルを開いて「コンテンツの有効化」を押してください。",
        attachments=[("契約書.docm", doc, "application/vnd.ms-word.document.macroEnabled.12")],
    )


def xlm_macro_sheet() -> bytes:
    book = ooxml_bytes("xlsm", xlm=True)
    return build_mail(
        sender=("Accounting", "accounts@partner-trading.co.jp"),
        subject="請求書",
        text="請求書を送付いたします。",
        attachments=[("invoice.xlsm", book, "application/vnd.ms-excel.sheet.macroEnabled.12")],
    )


def executable_double_extension() -> bytes:
    return build_mail(
        sender=("総務部", "soumu@our-office.co.jp"),
        subject="健康診断のお知らせ",
        text="添付をご確認ください。",
        attachments=[("健康診断結果.pdf.exe", b"MZ\x90\x00fake", "application/octet-stream")],
    )


def rtlo_screensaver() -> bytes:
    return build_mail(
        sender=("HR", "hr@our-office.co.jp"),
        subject="Salary review",
        text="See attached.",
        attachments=[("salary_\u202efdp.scr", b"MZ fake", "application/octet-stream")],
    )


def zip_with_lnk_and_nested_iso() -> bytes:
    inner = zip_bytes({"readme.txt": b"hello"})
    archive = zip_bytes(
        {"資料/会議資料.lnk": b"L\x00\x00\x00", "backup.zip": inner, "disk.iso": b"CD001"}
    )
    return build_mail(
        sender=("Kenji Sato", "kenji.sato@our-office-co.jp"),
        subject="次回ミーティングのレジュメ",
        text="次回ミーティングのレジュメを送ります。",
        attachments=[("resume.zip", archive, "application/zip")],
    )


def zip_bomb_entries() -> bytes:
    archive = zip_bytes({f"file{i:03}.txt": b"x" for i in range(40)})
    return build_mail(
        sender=("Files", "files@example.net"),
        subject="files",
        text="files attached",
        attachments=[("many.zip", archive, "application/zip")],
    )


def zip_bomb_ratio() -> bytes:
    archive = zip_bytes({"big.docx": b"\x00" * (3 * 1024 * 1024)})
    return build_mail(
        sender=("Files", "files@example.net"),
        subject="big",
        text="big attached",
        attachments=[("big.zip", archive, "application/zip")],
    )


def html_attachment_fax() -> bytes:
    page = "<html><body><form action='https://collect.example.ru/p'><input type='password'></form></body></html>"
    return build_mail(
        sender=("Fax Service", "fax@efax-jp.example.com"),
        subject="FAX受信のお知らせ",
        text="新しいFAXを受信しました。添付ファイルを開いてご確認ください。",
        attachments=[("FAX_0123.html", page.encode(), "text/html")],
    )


def html_form_and_data_url() -> bytes:
    html = (
        "<p>Please confirm your password to keep your mailbox.</p>"
        "<form action='https://mailbox-keep.example.org/save'>"
        "<input name='email'><input type='password' name='pw'></form>"
        "<a href='data:text/html;base64,PGgxPkxvZ2luPC9oMT4='>Open secure message</a>"
    )
    return build_mail(
        sender=("IT Helpdesk", "helpdesk@mailbox-keep.example.org"),
        subject="Mailbox quota",
        html=html,
    )


def auth_fail_spoofed_own_domain() -> bytes:
    return build_mail(
        sender=("Kenji Sato", "sato@our-office.co.jp"),
        subject="Quick question",
        text="Are you at your desk? I need a favour.",
        headers={
            "Authentication-Results": "mx.our-office.co.jp; spf=fail smtp.mailfrom=our-office.co.jp; "
            "dkim=none; dmarc=fail header.from=our-office.co.jp"
        },
    )


def phishing_with_auth_pass() -> bytes:
    text = "Your Microsoft 365 password expires today. Keep your password: https://m365-keep.example.net/auth"
    return build_mail(
        sender=("Microsoft 365", "admin@m365-keep.example.net"),
        subject="Password expiry notice",
        text=text,
        headers={"Authentication-Results": "mx.example.jp; spf=pass; dkim=pass; dmarc=pass"},
    )


def display_name_with_address() -> bytes:
    return build_mail(
        sender=("info@mizuhobank.co.jp", "info@mizuho-secure.example.com"),
        subject="【みずほ銀行】お取引の確認",
        text="お取引内容の確認が必要です。",
    )


def lookalike_trusted_cyrillic() -> bytes:
    return build_mail(
        sender=("Partner Trading", "sales@" + puny("раrtner-trading") + ".co.jp"),
        subject="Updated price list",
        text="Please see our new price list.",
    )


def enable_macro_body_en() -> bytes:
    return build_mail(
        sender=("Shipping", "ship@logistics.example.com"),
        subject="Shipping documents",
        text="The attached document is protected. Click Enable Content to view it.",
    )


def partner_domain_in_front_of_another() -> bytes:
    return build_mail(
        sender=("パートナー商事 経理", "billing@invoice-view.top"),
        subject="請求書のご確認",
        html='<p>請求書をご確認ください。</p><a href="https://partner-trading.co.jp.invoice-view.top/login">請求書を表示</a>',
    )


def bracketed_brand_subject() -> bytes:
    return build_mail(
        sender=("カスタマーサポート", "support@member-info.example-check.top"),
        subject="【楽天カード】お支払い方法の確認",
        text="お支払い情報の更新をお願いします。 https://member-info.example-check.top/card/update\n",
    )


def shop_newsletter_mentioning_brand() -> bytes:
    return build_mail(
        sender=("ショップニュース", "news@shop-news.example.co.jp"),
        subject="Amazonギフト券が当たるキャンペーン",
        text="会員ページからご応募ください。 https://www.shop-news.example.co.jp/account/campaign\n",
    )


# --- ordinary mail: must stay quiet ------------------------------------------------------------


def business_mail_iso2022_pdf() -> bytes:
    return build_mail(
        sender=("山田 太郎", "yamada@partner-trading.co.jp"),
        subject="打ち合わせ資料の送付",
        text="お世話になっております。\n来週の打ち合わせ資料をお送りします。\nよろしくお願いいたします。\n",
        charset="iso-2022-jp",
        cte="7bit",
        attachments=[("打ち合わせ資料.pdf", b"%PDF-1.4 fake", "application/pdf")],
    )


def business_mail_invoice_normal() -> bytes:
    return build_mail(
        sender=("経理部 佐藤", "keiri@supplier.example.co.jp"),
        subject="11月分請求書送付のご案内",
        text="いつもお世話になっております。11月分の請求書をお送りいたします。お支払いは従来どおりの口座へお願いいたします。",
        charset="shift_jis",
        cte="base64",
        attachments=[("請求書_11月.pdf", b"%PDF-1.7 fake", "application/pdf")],
    )


def newsletter_with_tracking() -> bytes:
    html = (
        "<html><body><h1>今月のお知らせ</h1><p>新製品のご案内です。</p>"
        '<a href="https://click.mailer-service.example.net/c/abc123">詳しくはこちら</a> '
        '<a href="https://www.shop-news.example.co.jp/unsubscribe">配信停止</a>'
        "</body></html>"
    )
    return build_mail(
        sender=("ショップニュース", "news@shop-news.example.co.jp"),
        subject="今月のお知らせ",
        text="今月のお知らせ\n新製品のご案内です。",
        html=html,
        headers={"Return-Path": "<bounce-123@mailer-service.example.net>"},
    )


def brand_genuine_mail() -> bytes:
    html = (
        "<p>ご注文ありがとうございます。</p>"
        '<a href="https://www.amazon.co.jp/gp/your-account/order-details">https://www.amazon.co.jp/注文履歴</a>'
    )
    return build_mail(
        sender=("Amazon.co.jp", "auto-confirm@amazon.co.jp"),
        subject="Amazon.co.jp ご注文の確認",
        html=html,
    )


def japanese_idn_link() -> bytes:
    return build_mail(
        sender=("町内会", "info@chonaikai.example.jp"),
        subject="夏祭りのお知らせ",
        text="詳しくは町内会のページをご覧ください。 https://xn--eckwd4c7c.xn--zckzah/ \n",
    )


def bounce_message() -> bytes:
    original = business_mail_iso2022_pdf()
    head = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.our-office.co.jp>\r\n"
        b"To: yamada@our-office.co.jp\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b"Return-Path: <>\r\n"
        b"Date: Mon, 10 Nov 2025 10:00:00 +0900\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"\r\n\r\n'
        b"--BOUNDARY\r\nContent-Type: text/plain\r\n\r\n"
        b"This is the mail system. Your message could not be delivered.\r\n"
        b"--BOUNDARY\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.our-office.co.jp\r\n\r\n"
        b"Final-Recipient: rfc822; nobody@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--BOUNDARY\r\nContent-Type: message/rfc822\r\n\r\n"
    )
    return head + original + b"\r\n--BOUNDARY--\r\n"


def english_business() -> bytes:
    return build_mail(
        sender=("Anna Becker", "anna.becker@partner.example.com"),
        subject="Minutes of Tuesday's call",
        text="Hi all,\nattached are the minutes of Tuesday's call. Let me know if I missed anything.\nBest, Anna",
        attachments=[
            (
                "minutes.docx",
                ooxml_bytes("docx", text="Minutes"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
        ],
    )


CASES: list[Case] = [
    Case(
        "phishing: Amazon, HTML only, UTF-8 base64",
        phishing_amazon_html_only,
        "danger",
        {
            "sender.brand_name_mismatch",
            "link.text_mismatch",
            "link.brand_subdomain",
            "content.account_lure",
            "content.lure_with_link",
            "link.login_off_brand",
        },
        evidence={"link.text_mismatch": "www.amazon.co.jp"},
    ),
    Case(
        "phishing: PayPal homograph (Cyrillic а, punycode)",
        phishing_homograph_paypal,
        "danger",
        {
            "sender.lookalike",
            "sender.mixed_script",
            "link.lookalike",
            "link.mixed_script",
            "content.account_lure",
        },
        evidence={"sender.lookalike": "paypal.com"},
    ),
    Case(
        "phishing: card company, Shift_JIS quoted-printable, IP link",
        phishing_card_sjis,
        "danger",
        {
            "sender.brand_name_mismatch",
            "sender.brand_subdomain",
            "link.ip_host",
            "content.account_lure",
            "content.credential_request",
        },
    ),
    Case(
        "phishing: delivery notice, ISO-2022-JP, shortener",
        phishing_delivery_iso2022,
        "danger",
        {
            "sender.brand_name_mismatch",
            "link.shortener",
            "content.account_lure",
            "content.lure_with_link",
        },
    ),
    Case(
        "BEC: payee change from a lookalike partner domain, EUC-JP",
        bec_payee_change_eucjp,
        "danger",
        {
            "sender.lookalike",
            "sender.contact_impersonation",
            "content.payee_change",
            "content.urgency",
        },
        context=PARTNER,
        evidence={"sender.lookalike": "partner-trading.co.jp"},
    ),
    Case(
        "BEC: English, free mail + Reply-To elsewhere",
        bec_english_reply_to,
        "danger",
        {
            "content.payee_change",
            "sender.reply_to_mismatch",
            "sender.contact_impersonation",
            "content.urgency",
        },
        context=PARTNER,
    ),
    Case(
        "gift card request (English), colleague's name on free mail",
        gift_card_request_en,
        "danger",
        {"content.gift_card", "content.urgency", "sender.contact_impersonation"},
        context=PARTNER,
    ),
    Case(
        "gift card request from a 'president'",
        gift_card_request,
        "caution",
        {"content.gift_card", "content.urgency"},
    ),
    Case(
        "PPAP: ZipCrypto zip",
        ppap_zip_mail,
        "caution",
        {"attachment.encrypted_zip"},
        {"content.password_notice"},
        evidence={"attachment.encrypted_zip": "ZipCrypto"},
    ),
    Case("PPAP: the password mail", ppap_password_mail, "safe", {"content.password_notice"}),
    Case(
        "AES-encrypted zip",
        aes_zip_mail,
        "caution",
        {"attachment.encrypted_zip"},
        evidence={"attachment.encrypted_zip": "AES"},
    ),
    Case(
        "macro .docm with 'enable content' lure (Emotet style)",
        macro_docm_emotet_style,
        "danger",
        {"attachment.macro", "attachment.enable_content_lure", "content.enable_macro_instruction"},
        context=PARTNER,
        evidence={"attachment.macro": "契約書.docm"},
    ),
    Case(
        "Excel 4.0 macro sheet",
        xlm_macro_sheet,
        "danger",
        {"attachment.xlm_macro"},
        context=PARTNER,
        absent={"attachment.macro_enabled_no_macro"},
    ),
    Case(
        "double extension .pdf.exe",
        executable_double_extension,
        "danger",
        {"attachment.double_extension", "attachment.dangerous_type"},
        context=PARTNER,
    ),
    Case(
        "right-to-left override in a .scr name",
        rtlo_screensaver,
        "danger",
        {"attachment.rtlo", "attachment.dangerous_type"},
        context=PARTNER,
        evidence={"attachment.rtlo": "<U+202E>"},
    ),
    Case(
        "targeted: lookalike colleague domain, zip with .lnk and nested archives",
        zip_with_lnk_and_nested_iso,
        "danger",
        {
            "attachment.dangerous_type",
            "attachment.nested_archive",
            "sender.lookalike",
            "sender.contact_impersonation",
        },
        context=PARTNER,
    ),
    Case(
        "cap: too many zip entries",
        zip_bomb_entries,
        "caution",
        {"attachment.limit"},
        limits=Limits(max_archive_entries=10),
    ),
    Case(
        "cap: member larger than the read cap",
        zip_bomb_ratio,
        "caution",
        {"attachment.limit"},
        limits=Limits(max_archive_member_read_bytes=1024 * 1024),
    ),
    Case("HTML attachment (fake fax)", html_attachment_fax, "caution", {"attachment.html"}),
    Case(
        "form with password and data: URL in the body",
        html_form_and_data_url,
        "danger",
        {"link.form_password", "link.data_url", "content.credential_request"},
    ),
    Case(
        "spoofed own domain, SPF and DMARC fail",
        auth_fail_spoofed_own_domain,
        "caution",
        {"sender.auth_fail"},
        context=PARTNER,
    ),
    Case(
        "phishing stays dangerous when SPF/DKIM/DMARC pass",
        phishing_with_auth_pass,
        "danger",
        {"sender.brand_name_mismatch", "content.account_lure", "content.lure_with_link"},
        {"sender.auth_fail"},
    ),
    Case(
        "display name carrying a bank address",
        display_name_with_address,
        "danger",
        {"sender.display_name_address", "sender.brand_subdomain"},
    ),
    Case(
        "trusted partner domain imitated with Cyrillic letters",
        lookalike_trusted_cyrillic,
        "danger",
        {"sender.lookalike", "sender.mixed_script"},
        context=PARTNER,
    ),
    Case(
        "trusted partner's domain in front of another domain",
        partner_domain_in_front_of_another,
        "danger",
        {"link.lookalike"},
        context=PARTNER,
        evidence={"link.lookalike": "partner-trading.co.jp (subdomain)"},
    ),
    Case(
        "brand in brackets in the subject, payment link elsewhere",
        bracketed_brand_subject,
        "danger",
        {"link.login_off_brand", "content.account_lure", "content.lure_with_link"},
    ),
    Case(
        "ordinary: shop newsletter naming a brand in its subject",
        shop_newsletter_mentioning_brand,
        "safe",
        set(),
        {"link.login_off_brand", "content.gift_card"},
    ),
    Case(
        "body tells to enable content (English)",
        enable_macro_body_en,
        "danger",
        {"content.enable_macro_instruction"},
    ),
    Case(
        "ordinary: Japanese business mail, ISO-2022-JP, PDF with Japanese name",
        business_mail_iso2022_pdf,
        "safe",
        set(),
        {"sender.lookalike", "attachment.dangerous_type", "message.unparseable"},
        context=PARTNER,
    ),
    Case(
        "ordinary: invoice mail, Shift_JIS base64",
        business_mail_invoice_normal,
        "safe",
        set(),
        {"content.payee_change"},
    ),
    Case(
        "ordinary: newsletter with click tracking",
        newsletter_with_tracking,
        "safe",
        {"sender.return_path_mismatch"},
        {"link.text_mismatch"},
    ),
    Case(
        "ordinary: genuine Amazon order mail",
        brand_genuine_mail,
        "safe",
        set(),
        {"sender.brand_name_mismatch", "link.text_mismatch", "link.login_off_brand"},
    ),
    Case(
        "ordinary: Japanese IDN link",
        japanese_idn_link,
        "safe",
        {"link.punycode"},
        {"link.mixed_script", "link.lookalike"},
    ),
    Case(
        "ordinary: bounce (delivery status)",
        bounce_message,
        "safe",
        set(),
        {"message.unparseable", "sender.return_path_mismatch"},
        context=PARTNER,
    ),
    Case(
        "ordinary: English business mail with .docx",
        english_business,
        "safe",
        set(),
        {"attachment.macro"},
    ),
]
