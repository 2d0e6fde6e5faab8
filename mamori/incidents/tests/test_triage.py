"""Triage: plain descriptions lead to the right playbook; answers steer; bad input is safe."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.incidents.playbooks import load_catalog
from mamori.incidents.tests.triage_cases import TRIAGE_CASES
from mamori.incidents.triage import (
    Normaliser,
    build_index,
    load_triage_problems,
    questions,
    suggest,
    validate_triage_data,
)


def test_case_set_is_large_and_covers_every_playbook():
    assert len(TRIAGE_CASES) >= 25
    assert {expected for _, expected in TRIAGE_CASES} == set(load_catalog().by_id)


@pytest.mark.parametrize(("text", "expected"), TRIAGE_CASES)
def test_description_leads_to_expected_playbook(text, expected):
    results = suggest(text)
    assert results, text
    assert results[0].playbook_id == expected, [(s.playbook_id, s.score) for s in results]


def test_ransomware_example_from_the_issue():
    results = suggest("朝来たらパソコンに身代金を要求する画面が出ていた")
    assert results[0].playbook_id == "ransomware"
    assert "身代金" in results[0].matched
    assert len(results) == 1 or results[0].score > 2 * results[1].score


def test_width_and_kana_variants_match_the_same_playbook():
    # Half-width katakana, full-width Latin and hiragana spellings of the same facts.
    variants = [
        "ﾊﾟｿｺﾝに身代金を要求する画面",
        "ぱそこんにみのしろきんのがめん、らんさむうぇあかも",
        "ＵＳＢメモリを落とした",
        "USBめもりをおとした",
    ]
    assert suggest(variants[0])[0].playbook_id == "ransomware"
    assert suggest(variants[1])[0].playbook_id == "ransomware"
    assert suggest(variants[2])[0].playbook_id == "lost-device"
    assert suggest(variants[3])[0].playbook_id == "lost-device"


def test_longest_keyword_wins_across_playbooks():
    catalog = load_catalog()
    bec = catalog.get("bec-payee-fraud")
    widened = replace(bec, keywords_ja=(*bec.keywords_ja, "代金", "ワード"))
    playbooks = tuple(widened if pb.id == bec.id else pb for pb in catalog.playbooks)
    catalog = replace(catalog, playbooks=playbooks, by_id={pb.id: pb for pb in playbooks})
    index = build_index(catalog, {"questions": [], "variants": {}})
    ids = [s.playbook_id for s in suggest("身代金を要求された", index=index)]
    assert ids == ["ransomware"]
    # Standing alone, the shorter keyword does count.
    assert suggest("代金を払った", index=index)[0].playbook_id == "bec-payee-fraud"
    assert "ワード" not in suggest("パスワードを入力した", index=index)[0].matched


def test_spelling_variants_are_folded():
    normaliser = Normaliser(variants=(("漏洩", "漏えい"),))
    assert normaliser.compact("情報が漏洩した") == normaliser.compact("情報が漏えいした")
    assert normaliser.compact("ＡＢＣ　ｱｲｳ") == "abcあいう"


def test_answers_alone_suggest_playbooks():
    results = suggest("", {"ransom_screen": True})
    assert results[0].playbook_id == "ransomware"
    assert results[0].questions == ("ransom_screen",)
    results = suggest("", {"money_sent": "はい"})
    assert results[0].playbook_id == "bec-payee-fraud"


def test_answers_change_the_ranking_of_an_ambiguous_description():
    text = "変なメールが来て、開いてしまった"
    plain = [s.playbook_id for s in suggest(text, limit=5)]
    steered = suggest(text, {"entered_password": True})
    assert steered[0].playbook_id == "phishing-credentials"
    assert plain[0] != "phishing-credentials" or steered[0].score > suggest(text)[0].score


def test_no_and_unknown_answers_add_nothing():
    base = suggest("USBメモリを落とした")
    assert suggest("USBメモリを落とした", {"device_missing": False}) == base
    assert suggest("USBメモリを落とした", {"no_such_question": True, 7: True}) == base
    assert suggest("USBメモリを落とした", {"device_missing": "maybe"}) == base


def test_unrelated_text_suggests_nothing():
    assert suggest("今日は天気が良いので散歩に行きます") == []
    assert suggest("") == []


def test_limit_is_respected_and_order_is_by_score():
    results = suggest("メールを開いたらパソコンがおかしい。パスワードも入力した", limit=2)
    assert len(results) <= 2
    many = suggest("不正アクセスで情報が漏れた、パスワード、メール、サーバ", limit=10)
    scores = [s.score for s in many]
    assert scores == sorted(scores, reverse=True)


def test_bad_inputs_do_not_raise():
    assert suggest(None) == []  # type: ignore[arg-type]
    assert isinstance(suggest("身代金", answers="yes", limit="x"), list)  # type: ignore[arg-type]
    assert len(suggest("身代金 " * 10_000, limit=1)) == 1


def test_questions_are_bilingual_data():
    qs = questions()
    ids = {q.id for q in qs}
    assert {"ransom_screen", "money_sent", "personal_data"} <= ids
    for q in qs:
        assert q.text.ja and q.text.en and q.boost
    personal = next(q for q in qs if q.id == "personal_data")
    assert "breach_clock" in personal.flags


def test_shipped_triage_file_validates():
    assert load_triage_problems() == []


def test_triage_validator_reports_problems():
    data = {
        "questions": [
            {"id": "a", "ja": "質問", "en": "Question", "boost": {"nope": 2}},
            {"id": "a", "ja": "", "en": "Q", "boost": {"ddos": 99}},
        ],
        "variants": {"x": 3},
    }
    problems = [str(p) for p in validate_triage_data(data, ["ddos"])]
    assert any("boost.nope: is not a playbook id" in p for p in problems)
    assert any("duplicate id 'a'" in p for p in problems)
    assert any("questions[1].ja" in p for p in problems)
    assert any("boost.ddos: must be a number" in p for p in problems)
    assert any("variants" in p for p in problems)


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=200),
    st.dictionaries(
        st.text(max_size=12), st.none() | st.booleans() | st.text(max_size=5), max_size=4
    ),
)
def test_suggest_never_raises_and_stays_within_limit(text, answers):
    results = suggest(text, answers, limit=3)
    assert len(results) <= 3
    assert all(s.score > 0 for s in results)
