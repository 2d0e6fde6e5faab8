"""Every mail of the labelled corpus gets its expected verdict and signals."""

from __future__ import annotations

import json

import pytest

from mamori.mailcheck.engine import analyse

from .labelled import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_labelled_mail(case: Case) -> None:
    report = analyse(case.build(), case.context, case.limits)
    found = {s.id for s in report.signals}
    detail = [(s.id, s.severity, s.evidence) for s in report.signals]
    assert case.expect <= found, f"missing {case.expect - found}; got {detail}"
    assert not (case.absent & found), f"unexpected {case.absent & found}; got {detail}"
    assert report.verdict == case.verdict, detail
    for signal_id, text in case.evidence.items():
        evidences = [s.evidence for s in report.signals if s.id == signal_id]
        assert any(text in e for e in evidences), (signal_id, evidences)
    # Every report serialises to JSON and carries both languages for every reason.
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["verdict"] == case.verdict
    for signal in data["signals"]:
        assert signal["explanation"]["ja"] and signal["explanation"]["en"]
        assert signal["advice"]["ja"] and signal["advice"]["en"]
        assert signal["source"]


def test_corpus_covers_every_kind_and_verdict() -> None:
    verdicts = {c.verdict for c in CASES}
    assert verdicts == {"safe", "caution", "danger"}
    expected_ids = set().union(*(c.expect for c in CASES))
    for family in ("sender.", "link.", "attachment.", "content."):
        assert any(i.startswith(family) for i in expected_ids), family


def test_japanese_subjects_decode_in_every_charset() -> None:
    subjects = {c.name: analyse(c.build(), c.context).subject for c in CASES}
    assert (
        subjects["phishing: card company, Shift_JIS quoted-printable, IP link"]
        == "【三井住友カード】ご利用制限のお知らせ"
    )
    assert subjects["phishing: delivery notice, ISO-2022-JP, shortener"] == "不在通知"
    assert (
        subjects["BEC: payee change from a lookalike partner domain, EUC-JP"]
        == "振込先変更のお願い"
    )


def test_raw_utf8_and_shift_jis_headers_are_decoded() -> None:
    for codec in ("utf-8", "cp932"):
        raw = (
            "From: 楽天カード <info@rakuten-card.example-secure.top>\r\n"
            "Subject: 【重要】ご利用確認\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n本人確認をお願いします。\r\n"
        ).encode(codec)
        report = analyse(raw)
        assert report.subject == "【重要】ご利用確認", codec
        assert report.from_ == "楽天カード <info@rakuten-card.example-secure.top>"
        assert "sender.brand_name_mismatch" in {s.id for s in report.signals}


def test_contact_name_matches_whatever_the_spacing() -> None:
    from mamori.mailcheck.engine import Context

    from .builders import build_mail

    context = Context(known_contacts={"山田 太郎": ["yamada@partner-trading.co.jp"]})
    for display in ("山田太郎", "山田\u3000太郎", "山田 太郎 (パートナー商事)"):
        raw = build_mail(
            sender=(display, "yamada.taro@freemail.example"), subject="至急", text="連絡です"
        )
        ids = {s.id for s in analyse(raw, context).signals}
        assert "sender.contact_impersonation" in ids, display
    genuine = build_mail(
        sender=("山田太郎", "yamada@partner-trading.co.jp"), subject="連絡", text="連絡です"
    )
    assert "sender.contact_impersonation" not in {s.id for s in analyse(genuine, context).signals}
