"""Lure phrases (data in mamori/content/mailcheck/lures.yaml): what fires and what stays quiet."""

from __future__ import annotations

import pytest

from mamori.mailcheck.engine import analyse
from mamori.mailcheck.engine.catalog import lure_patterns, signal_texts

from .builders import build_mail

FIRES = [
    ("payee_change", "弊社の振込先口座が変更になりました"),
    ("payee_change", "新しい口座情報をお送りします"),
    ("payee_change", "送金先を変更させていただきます"),
    ("payee_change", "please note the change of bank details for future payments"),
    ("payee_change", "kindly update the beneficiary before paying"),
    ("account_lure", "お客様のアカウントを一時停止しました"),
    ("account_lure", "ご本人様確認のお願い"),
    ("account_lure", "パスワードの有効期限が近づいています"),
    ("account_lure", "異常なログインを検知しました"),
    ("account_lure", "ご利用料金のお支払いが確認できません"),
    ("account_lure", "お荷物を配達できませんでした"),
    ("account_lure", "your account has been suspended"),
    ("account_lure", "unusual sign-in activity"),
    ("credential_request", "idとパスワードを入力してください"),
    ("credential_request", "カード番号をご入力ください"),
    ("credential_request", "please confirm your password"),
    ("gift_card", "google playギフトカードを購入して番号を送ってください"),
    ("gift_card", "could you buy some gift cards for me"),
    ("enable_macro", "「コンテンツの有効化」をクリック"),
    ("enable_macro", "マクロを有効にしてください"),
    ("enable_macro", "click enable editing to view"),
    ("urgency", "至急ご対応ください"),
    ("urgency", "please reply immediately"),
    ("password_notice", "先ほどお送りしたファイルの解凍パスワードです"),
    ("password_notice", "パスワード：ab12cd34"),
    ("password_notice", "zip password: x9y8z7"),
]
QUIET = [
    ("payee_change", "お支払いは従来どおりの口座へお願いいたします"),
    ("payee_change", "振込先：三井住友銀行 本店 普通 1234567"),
    ("account_lure", "パスワードを変更しました（ご本人による操作の場合は対応不要です）"),
    ("credential_request", "パスワードは別途お知らせします"),
    ("gift_card", "amazonギフト券が当たるキャンペーン"),
    ("gift_card", "ギフトカードのご案内"),
    ("password_notice", "keep your password safe"),
]


@pytest.mark.parametrize(("category", "text"), FIRES)
def test_lure_phrase_fires(category: str, text: str) -> None:
    assert lure_patterns()[category].search(text.lower()), (category, text)


@pytest.mark.parametrize(("category", "text"), QUIET)
def test_ordinary_phrase_stays_quiet(category: str, text: str) -> None:
    assert not lure_patterns()[category].search(text.lower()), (category, text)


def test_every_signal_text_is_complete_in_both_languages() -> None:
    for signal_id, entry in signal_texts().items():
        assert entry["severity"] in {"info", "low", "medium", "high"}, signal_id
        assert entry["source"].startswith(("ハンドブック", "事故・被害事例")), signal_id
        for part in ("title", "explanation", "advice"):
            assert entry[part]["ja"].strip() and entry[part]["en"].strip(), (signal_id, part)


def test_full_width_and_half_width_text_is_normalised() -> None:
    # NFKC: full-width letters and half-width katakana are read like ordinary text.
    raw = build_mail(
        sender=("Support", "support@example.net"),
        subject="ｱｶｳﾝﾄが停止されました",
        text="ＡＣＣＯＵＮＴ ＨＡＳ ＢＥＥＮ ＳＵＳＰＥＮＤＥＤ",
    )
    evidence = [s.evidence for s in analyse(raw).signals if s.id == "content.account_lure"]
    assert evidence and "アカウントが停止" in evidence[0]
