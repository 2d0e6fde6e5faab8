"""Draft 情報セキュリティ基本方針: filled with the organisation's name, shaped by its answers."""

from __future__ import annotations

import copy
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.assessments.policy import (
    TEMPLATE_PATH,
    draft_policy,
    render_text,
    render_word_html,
    validate_template,
)
from mamori.assessments.questionnaire import load_all, read_yaml

ON = dt.date(2026, 4, 1)


def clause_ids(draft) -> list[str]:
    return [c.id for c in draft.clauses]


def test_policy_contains_the_org_name_date_and_representative_in_both_languages() -> None:
    draft = draft_policy("みらい商店", {}, representative="代表 山田花子", on=ON)
    ja, en = render_text(draft, "ja"), render_text(draft, "en")
    assert ja.startswith("情報セキュリティ基本方針")
    assert en.startswith("Basic Information Security Policy")
    for text in (ja, en):
        assert text.count("みらい商店") == 2  # preamble and signature
        assert "代表 山田花子" in text
        assert "{" not in text
    assert "2026年4月1日" in ja and "1 April 2026" in en
    assert draft.problems == ()


def test_optional_clauses_follow_the_answers() -> None:
    office_only = draft_policy(
        "A社", {"telework_byod": {"tw01_telework": "never", "tw02_byod": "no"}}, on=ON
    )
    assert "telework" not in clause_ids(office_only) and "byod" not in clause_ids(office_only)
    remote = draft_policy(
        "A社",
        {
            "telework_byod": {"tw01_telework": "sometimes", "tw02_byod": "yes"},
            "handbook": {"h07_7_website": "yes", "h08_overseas": "no"},
        },
        on=ON,
    )
    ids = clause_ids(remote)
    assert {"telework", "byod", "website"} <= set(ids)
    assert "overseas" not in ids
    assert "テレワーク" in render_text(remote, "ja")
    # Always-present clauses keep their order around the optional ones.
    assert ids[0] == "leadership" and ids[-1] == "improvement"


def test_priorities_list_the_weakest_answers_across_questionnaires() -> None:
    ipa = {q.id: "done" for q in load_all()["ipa_basic"].questions}
    ipa.update(b03_passwords="unknown", s11_backup="not_done", s14_screen_lock="partial")
    draft = draft_policy("B社", {"ipa_basic": ipa, "bcp": {"i16_credentials": "no"}}, on=ON)
    titles = [t.ja for t in draft.priorities]
    assert titles[0] == "強いパスワードと使い回し防止"  # −1 of 4: the weakest
    assert "バックアップ" in titles and "認証情報の預け先" in titles
    assert titles[-1] == "離席時の画面ロック"  # partial credit comes last
    assert "当面の重点取組" in render_text(draft, "ja")
    good = draft_policy("B社", {"ipa_basic": {q: "done" for q in ipa}}, on=ON)
    assert good.priorities == ()
    assert "当面の重点取組" not in render_text(good, "ja")


def test_priorities_are_capped_at_five() -> None:
    ipa = {q.id: "not_done" for q in load_all()["ipa_basic"].questions}
    assert len(draft_policy("C社", {"ipa_basic": ipa}, on=ON).priorities) == 5


def test_org_name_is_cleaned_and_never_treated_as_a_template() -> None:
    draft = draft_policy("  {date}\x00 商会\n\t{org}  ", {}, on=ON)
    assert draft.org == "{date} 商会 {org}"
    assert "{date} 商会 {org}" in render_text(draft, "ja")


def test_empty_or_overlong_names_become_problems_not_errors() -> None:
    empty = draft_policy("   ", {}, on=ON)
    assert empty.problems and "（組織名）" in render_text(empty, "ja")
    assert "(organisation name)" in render_text(empty, "en")
    long = draft_policy("長" * 500, {}, on=ON)
    assert len(long.org) == 200 and long.problems


def test_junk_answers_do_not_break_the_draft() -> None:
    draft = draft_policy("D社", {"ipa_basic": "junk", "nope": {}, "bcp": {"x": 1}}, on=ON)  # type: ignore[dict-item]
    assert draft.priorities == () and "D社" in render_text(draft)


def test_word_document_escapes_every_value() -> None:
    draft = draft_policy("<script>alert(1)</script>&株式会社", {}, on=ON)
    document = render_word_html(draft, "ja")
    assert "<script>" not in document
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;株式会社" in document
    assert 'xmlns:w="urn:schemas-microsoft-com:office:word"' in document
    assert "<h1>情報セキュリティ基本方針</h1>" in document
    assert "Basic Information Security Policy" in render_word_html(draft, "en")


def test_template_validation_catches_unknown_placeholders_and_conditions() -> None:
    data = read_yaml(TEMPLATE_PATH)
    broken = copy.deepcopy(data)
    broken["preamble"]["ja"] += "{ceo}"
    assert {p.code for p in validate_template(broken, load_all())} == {"bad_placeholder"}
    broken = copy.deepcopy(data)
    telework = next(c for c in broken["clauses"] if c["id"] == "telework")
    telework["when"][0]["question"] = "tw99_missing"
    assert {p.code for p in validate_template(broken, load_all())} == {"bad_when"}
    broken = copy.deepcopy(data)
    broken["clauses"][0]["body"].pop("en")
    assert "missing_text" in {p.code for p in validate_template(broken, load_all())}


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_org_name_yields_a_clean_single_line_in_the_draft(name: str) -> None:
    draft = draft_policy(name, {}, on=ON)
    assert len(draft.org) <= 200
    assert all(ch.isprintable() for ch in draft.org) and "\n" not in draft.org
    text = render_text(draft, "ja")
    assert (draft.org or "（組織名）") in text
    render_word_html(draft, "en")
