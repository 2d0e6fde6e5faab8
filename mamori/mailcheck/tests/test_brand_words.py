"""Brand names that are also everyday English words: "credit line" is not the LINE app.

The word counts as the brand only in a Japanese context, written as the brand writes it
("LINE") in ordinary text, or when the mail otherwise speaks of the service (its domains, the
LINE ID, the app)."""

from __future__ import annotations

from mamori.mailcheck.engine import Report, analyse

from .builders import build_mail


def _brands_named(report: Report, *names: str) -> list[str]:
    """The signals whose evidence or English explanation names one of `names`."""
    return [
        f"{s.id}: {s.evidence}"
        for s in report.signals
        if any(name in s.evidence or name in s.explanation.get("en", "") for name in names)
    ]


def _mentions_line(report: Report) -> list[str]:
    return _brands_named(report, "LINE")


def _signal_ids(raw: bytes) -> set[str]:
    return {s.id for s in analyse(raw).signals}


def test_a_banks_credit_line_increase_mail_does_not_mention_line() -> None:
    raw = build_mail(
        sender=("Chase Credit Line Team", "alerts@chase.com"),
        subject="Good news: you may qualify for a credit line increase",
        text=(
            "Dear cardmember,\nBased on your account history you are eligible to increase "
            "your credit line. A higher line of credit gives you more flexibility.\n"
            "Review your offer at https://www.chase.com/creditline\n"
        ),
    )
    report = analyse(raw)
    assert _mentions_line(report) == []
    assert report.verdict == "safe", report.signals


def test_title_case_and_capitals_are_read_as_the_word_too() -> None:
    for display, subject in (
        ("CHASE CREDIT LINE", "INCREASE YOUR CREDIT LINE TODAY"),
        ("Northwind Bank", "Increase Your Credit Line Today"),
        ("Northwind Bank", "Your new line of credit is ready"),
    ):
        raw = build_mail(
            sender=(display, "offers@mail.northwind-bank.example"),
            subject=subject,
            text="Log in to your online banking to accept the offer.\n",
        )
        assert _mentions_line(analyse(raw)) == [], subject


def test_line_brand_phishing_in_japanese_is_still_found() -> None:
    raw = build_mail(
        sender=("LINE", "no-reply@line-security.example.top"),
        subject="【重要】LINEアカウントの認証",
        text=(
            "お客様のLINEアカウントで不審なログインが検出されました。24時間以内に以下の"
            "リンクから認証を行ってください。\nhttps://line-auth.example.top/verify\n"
        ),
    )
    report = analyse(raw)
    ids = {s.id for s in report.signals}
    assert report.verdict == "danger"
    assert {"sender.brand_name_mismatch", "content.brand_claim"} <= ids
    assert _mentions_line(report)


def test_line_in_english_counts_when_the_mail_speaks_of_the_service() -> None:
    # The brand's own capitals in an ordinary sentence.
    raw = build_mail(
        sender=("Support", "help@account-check.example.top"),
        subject="Your LINE account will be suspended",
        text="Verify your account within 24 hours: https://verify.example.top/\n",
    )
    assert "content.brand_claim" in _signal_ids(raw)
    # Lower case, but the mail names the LINE ID and links to line.me.
    raw = build_mail(
        sender=("Line Support", "help@account-check.example.top"),
        subject="Unusual sign-in to your Line account",
        text="Confirm your Line ID and password at https://line.me.account-check.example.top/\n",
    )
    ids = _signal_ids(raw)
    assert "sender.brand_name_mismatch" in ids and "content.brand_claim" in ids


def test_french_au_english_visa_and_apple_the_fruit_are_not_brands() -> None:
    for sender, subject, text, names in (
        (
            ("Librairie Dupont", "contact@librairie-dupont.example.fr"),
            "Rendez-vous au salon du livre",
            "Bonjour,\nNous serons au salon du livre samedi. Au plaisir de vous voir !\n"
            "https://www.librairie-dupont.example.fr/salon\n",
            ("au ", "KDDI"),
        ),
        (
            ("Northwind Travel", "desk@northwind-travel.example"),
            "Visa application update: documents received",
            "Thank you. Your Visa application for Japan is being processed; we will send "
            "your passport back next week.\nhttps://www.northwind-travel.example/status\n",
            ("VISA",),
        ),
        (
            ("Contoso Kitchen", "news@contoso-kitchen.example"),
            "Apple season: our weekend apple pie",
            "This weekend: an apple pie with cinnamon. Apple season is here!\n"
            "https://www.contoso-kitchen.example/recipes/apple-pie\n",
            ("Apple",),
        ),
    ):
        report = analyse(build_mail(sender=sender, subject=subject, text=text))
        assert _brands_named(report, *names) == [], subject
        assert report.verdict == "safe", (subject, report.signals)


def test_au_visa_and_apple_phishing_is_still_found() -> None:
    for sender, subject, text in (
        (
            ("au", "info@au-support.example.top"),
            "【au】お支払い方法の確認のお願い",
            "auをご利用いただきありがとうございます。お支払い方法に問題があります。"
            "以下から確認してください。\nhttps://au-id.example.top/login\n",
        ),
        (
            ("Card Services", "alert@card-alerts.example.top"),
            "Verified by Visa: your card has been suspended",
            "Your Visa card has been suspended. Confirm your card details within 24 hours: "
            "https://secure-verify.example.top/visa\n",
        ),
        (
            ("Apple", "no-reply@id-locked.example.top"),
            "Your Apple account has been locked",
            "We noticed unusual activity. Verify your identity now: https://id-locked.example.top/\n",
        ),
    ):
        report = analyse(build_mail(sender=sender, subject=subject, text=text))
        ids = {s.id for s in report.signals}
        assert "content.brand_claim" in ids or "sender.brand_name_mismatch" in ids, (subject, ids)
        assert report.verdict in ("caution", "danger"), subject


def _brand_host_signals(report: Report) -> list[str]:
    return [
        f"{s.id}: {s.evidence}"
        for s in report.signals
        if s.id in ("sender.brand_subdomain", "link.brand_subdomain")
    ]


def test_an_apple_farm_and_a_visa_office_do_not_claim_apple_or_visa_by_their_domains() -> None:
    for sender, subject, text in (
        (
            ("青森りんご農園", "info@aomori-apple.example.jp"),
            "【青森りんご農園】今年のりんごの発送について",
            "いつもありがとうございます。今年のふじりんごは11月下旬から発送します。\n"
            "ご注文はこちら: https://shop.aomori-apple.example.jp/order\n",
        ),
        (
            ("ビザ申請サポート行政書士事務所", "contact@visa-support.example.jp"),
            "在留資格の更新手続きのご案内",
            "在留期間の満了日が近づいています。必要書類をご確認ください。\n"
            "https://www.visa-support.example.jp/renewal\n",
        ),
    ):
        report = analyse(build_mail(sender=sender, subject=subject, text=text))
        assert _brand_host_signals(report) == [], subject
        assert report.verdict == "safe", (subject, report.signals)


def test_apple_and_visa_in_a_lures_host_still_count_when_the_mail_speaks_of_them() -> None:
    raw = build_mail(
        sender=("Apple Support", "support@apple-id-locked.example.top"),
        subject="Your Apple account has been locked",
        text="Verify your identity now: https://apple-id-locked.example.top/\n",
    )
    assert "sender.brand_subdomain" in _signal_ids(raw)
    raw = build_mail(
        sender=("Card Services", "alerts@card-alerts.example.top"),
        subject="Verified by Visa: confirm your card",
        text="Confirm your card now: https://visa-secure.example.top/verify\n",
    )
    assert "link.brand_subdomain" in _signal_ids(raw)
