"""Comparing two assessments, and merging several members' answers into one."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.assessments.questionnaire import load_all
from mamori.assessments.scoring import compare, merge, score

TODAY = dt.date(2026, 11, 22)


def ipa(**overrides: str) -> dict[str, str]:
    answers = {q.id: "done" for q in load_all()["ipa_basic"].questions}
    answers.update(overrides)
    return answers


def test_compare_lists_what_improved_and_what_got_worse() -> None:
    questionnaire = load_all()["ipa_basic"]
    before = score(questionnaire, ipa(b01_updates="not_done", s11_backup="partial"), today=TODAY)
    after = score(questionnaire, ipa(s11_backup="done", o24_incident="unknown"), today=TODAY)
    comparison = compare(before, after)
    assert [c.question_id for c in comparison.improved] == ["b01_updates", "s11_backup"]
    assert [c.question_id for c in comparison.worsened] == ["o24_incident"]
    assert comparison.improved[0].before == "not_done" and comparison.improved[0].after == "done"
    assert comparison.resolved_findings == ("ipa_basic.b01_updates", "ipa_basic.s11_backup")
    assert comparison.new_findings == ("ipa_basic.o24_incident",)
    assert comparison.delta == after.total - before.total == 4 + 2 - 5
    by_section = {s.section_id: s.delta for s in comparison.sections}
    assert by_section["basic"] > 0 and by_section["org"] < 0


def test_compare_identical_results_reports_nothing() -> None:
    questionnaire = load_all()["ipa_basic"]
    result = score(questionnaire, ipa(b01_updates="partial"), today=TODAY)
    comparison = compare(result, result)
    assert comparison.improved == comparison.worsened == ()
    assert comparison.resolved_findings == comparison.new_findings == ()


def test_compare_refuses_different_questionnaires() -> None:
    a = score(load_all()["ipa_basic"], ipa(), today=TODAY)
    b = score(load_all()["bcp"], {}, today=TODAY)
    with pytest.raises(ValueError):
        compare(a, b)


def test_merge_keeps_agreement_and_takes_the_most_cautious_answer() -> None:
    questionnaire = load_all()["ipa_basic"]
    merged = merge(
        {
            "本社": {"b01_updates": "done", "b02_antivirus": "done", "s09_wifi": "not_used"},
            "支店": {"b01_updates": "done", "b02_antivirus": "partial", "s09_wifi": "done"},
            "倉庫": {"b02_antivirus": "unknown"},
        },
        questionnaire,
        today=TODAY,
    )
    assert merged.answers["b01_updates"] == "done"
    assert merged.answers["b02_antivirus"] == "unknown"  # −1 is the most cautious
    # not_used and done both score 4: a disagreement, settled without losing points.
    assert merged.answers["s09_wifi"] in {"done", "not_used"}
    conflicts = {c.question_id: c for c in merged.conflicts}
    assert set(conflicts) == {"b02_antivirus", "s09_wifi"}
    assert conflicts["b02_antivirus"].reason == "most_cautious"
    assert dict(conflicts["b02_antivirus"].values) == {
        "本社": "done",
        "支店": "partial",
        "倉庫": "unknown",
    }
    assert merged.contributors["b02_antivirus"] == ("本社", "支店", "倉庫")


def test_merge_owner_answer_wins_but_the_conflict_is_still_listed() -> None:
    questionnaire = load_all()["ipa_basic"]
    merged = merge(
        [("owner", {"s11_backup": "done"}), ("staff", {"s11_backup": "not_done"})],
        questionnaire,
        owner="owner",
        today=TODAY,
    )
    assert merged.answers["s11_backup"] == "done"
    assert merged.conflicts[0].reason == "owner"


def test_merge_leaves_free_text_conflicts_to_the_owner() -> None:
    questionnaire = load_all()["telework_byod"]
    merged = merge(
        {"a": {"tw15_notes": "チャットを使用"}, "b": {"tw15_notes": "クラウドを使用"}},
        questionnaire,
        today=TODAY,
    )
    assert "tw15_notes" not in merged.answers
    assert merged.undecided == ("tw15_notes",)


def test_merge_normalises_before_comparing() -> None:
    questionnaire = load_all()["telework_byod"]
    merged = merge(
        {
            "a": {"tw06_device_measures": ["antivirus", "screen_lock"], "tw02_byod": True},
            "b": {"tw06_device_measures": ["screen_lock", "antivirus"], "tw02_byod": "yes"},
        },
        questionnaire,
        today=TODAY,
    )
    assert merged.conflicts == ()


def test_merge_oldest_date_is_the_most_cautious() -> None:
    questionnaire = load_all()["handbook"]
    merged = merge(
        {"a": {"h07_5_restore_test": "2026-10-01"}, "b": {"h07_5_restore_test": "2024-01-01"}},
        questionnaire,
        today=TODAY,
    )
    assert merged.answers["h07_5_restore_test"] == "2024-01-01"
    # Both recent (same points): the older one still wins; "never" beats any date.
    recent = {"a": {"h07_5_restore_test": "2026-10-01"}, "b": {"h07_5_restore_test": "2026-06-01"}}
    merged = merge(recent, questionnaire, today=TODAY)
    assert merged.answers["h07_5_restore_test"] == "2026-06-01"
    recent["c"] = {"h07_5_restore_test": "never"}
    assert merge(recent, questionnaire, today=TODAY).answers["h07_5_restore_test"] == "never"


def test_merge_ignores_invalid_answers_and_unknown_questions() -> None:
    questionnaire = load_all()["ipa_basic"]
    merged = merge(
        {"a": {"b01_updates": "done", "nope": "x"}, "b": {"b01_updates": "bogus"}, "c": "junk"},
        questionnaire,
        today=TODAY,
    )
    assert merged.answers == {"b01_updates": "done"}
    assert merged.conflicts == ()


def test_merge_without_a_questionnaire_lists_every_disagreement_undecided() -> None:
    merged = merge({"a": {"x": "1", "y": ["p", "q"]}, "b": {"x": "2", "y": ["q", "p"]}})
    assert merged.answers == {"y": ["p", "q"]}
    assert merged.undecided == ("x",)


def test_merged_answers_score_no_better_than_the_weakest_member() -> None:
    questionnaire = load_all()["ipa_basic"]
    member_a = ipa(b01_updates="partial", s11_backup="not_done")
    member_b = ipa(b02_antivirus="unknown")
    merged = merge({"a": member_a, "b": member_b}, questionnaire, today=TODAY)
    total = score(questionnaire, merged.answers, today=TODAY).total
    assert total <= min(
        score(questionnaire, member_a, today=TODAY).total,
        score(questionnaire, member_b, today=TODAY).total,
    )


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(["done", "partial", "not_done", "unknown", "yes", "no", "never", "2025-01-01"]),
    st.lists(st.sampled_from(["rss", "vendors", "none", "x"]), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_QUESTION_IDS = st.sampled_from(
    ["b01_updates", "s09_wifi", "h05_sources", "h07_5_restore_test", "tw15_notes", "zz"]
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=4), st.dictionaries(_QUESTION_IDS, _VALUES, max_size=6), max_size=5
    )
)
def test_merge_never_raises_and_only_returns_answered_questions(sets: dict) -> None:
    for name in ("ipa_basic", "handbook", "telework_byod"):
        merged = merge(sets, load_all()[name], today=TODAY)
        assert set(merged.answers) <= set(merged.contributors)
        assert {c.question_id for c in merged.conflicts} <= set(merged.contributors)
    merge(sets)  # without a questionnaire too
