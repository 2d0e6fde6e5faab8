"""Brand names that are also everyday English words: "credit line" is not the LINE app.

The word counts as the brand only in a Japanese context, written as the brand writes it
("LINE") in ordinary text, or when the mail otherwise speaks of the service (its domains, the
LINE ID, the app)."""

from __future__ import annotations

from mamori.mailcheck.engine import Report, analyse

from .builders import build_mail


def _mentions_line(report: Report) -> list[str]:
    return [
        f"{s.id}: {s.evidence}"
        for s in report.signals
        if "LINE" in s.evidence or "LINE" in s.explanation.get("en", "")
    ]


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
    assert "content.brand_claim" in {s.id for s in analyse(raw).signals}
    # Lower case, but the mail names the LINE ID and links to line.me.
    raw = build_mail(
        sender=("Line Support", "help@account-check.example.top"),
        subject="Unusual sign-in to your Line account",
        text="Confirm your Line ID and password at https://line.me.account-check.example.top/\n",
    )
    ids = {s.id for s in analyse(raw).signals}
    assert "sender.brand_name_mismatch" in ids and "content.brand_claim" in ids
