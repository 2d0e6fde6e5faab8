"""Scoring of every shipped questionnaire: points, わからない = −1, bands, conditions, weak
answers (exactly one per weak question, stable keys), unanswered and bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.assessments.questionnaire import load_all
from mamori.assessments.scoring import DATE_NEVER, Result, score

TODAY = dt.date(2026, 11, 22)


def ipa_answers(done: int = 0, partial: int = 0, not_done: int = 0, unknown: int = 0) -> dict:
    ipa = load_all()["ipa_basic"]
    values = ["done"] * done + ["partial"] * partial + ["not_done"] * not_done
    values += ["unknown"] * unknown
    assert len(values) == len(ipa.questions) == 25
    return {q.id: value for q, value in zip(ipa.questions, values, strict=True)}


def best_answers(name: str) -> dict:
    """The best answer to every question (showing every conditional one)."""
    questionnaire = load_all()[name]
    answers: dict = {}
    for question in questionnaire.questions:
        if question.type == "text":
            answers[question.id] = "メモ"
        elif question.type == "date":
            answers[question.id] = (TODAY - dt.timedelta(days=30)).isoformat()
        elif question.type == "multiple":
            answers[question.id] = [c.id for c in question.choices if c.score > 0]
        elif not question.scored:
            # Gating questions: the answer that shows the most follow-up questions.
            answers[question.id] = "yes" if question.type == "yesno" else question.choices[0].id
        else:
            answers[question.id] = max(question.choices, key=lambda c: c.score).id
    return answers


# ---------------------------------------------------------------------------- IPA basic check


def test_ipa_all_done_scores_100_in_the_top_band() -> None:
    result = score(load_all()["ipa_basic"], ipa_answers(done=25), today=TODAY)
    assert (result.total, result.max, result.percent) == (100, 100, 100)
    assert result.band.key == "complete"
    assert result.weak == () and result.unanswered == () and result.problems == ()
    assert [(s.section_id, s.total, s.max) for s in result.sections] == [
        ("basic", 20, 20),
        ("staff", 52, 52),
        ("org", 28, 28),
    ]


def test_ipa_unknown_counts_minus_one() -> None:
    answers = ipa_answers(done=25)
    answers["s11_backup"] = "unknown"
    result = score(load_all()["ipa_basic"], answers, today=TODAY)
    assert result.total == 95  # 24 × 4 − 1
    assert len(result.weak) == 1
    weak = result.weak[0]
    assert weak.unknown and weak.points == -1 and weak.question_id == "s11_backup"
    # The "not sure" guidance comes first, then what to do about the measure itself.
    assert weak.guidance.ja.startswith("「わからない」は−1点")
    assert "バックアップ" in weak.guidance.ja and "back up" in weak.guidance.en.lower()


def test_ipa_all_unknown_goes_below_zero_but_percent_stays_at_zero() -> None:
    result = score(load_all()["ipa_basic"], ipa_answers(unknown=25), today=TODAY)
    assert result.total == -25 and result.percent == 0
    assert result.band.key == "urgent"
    assert len(result.weak) == 25 and all(w.unknown for w in result.weak)


@pytest.mark.parametrize(
    ("counts", "total", "band"),
    [
        ({"done": 24, "partial": 1}, 98, "mostly"),
        ({"done": 17, "partial": 1, "not_done": 7}, 70, "mostly"),
        ({"done": 18, "not_done": 4, "unknown": 3}, 69, "gaps"),
        ({"done": 12, "partial": 1, "not_done": 12}, 50, "gaps"),
        ({"done": 13, "not_done": 9, "unknown": 3}, 49, "urgent"),
        ({"not_done": 25}, 0, "urgent"),
    ],
)
def test_ipa_band_boundaries(counts: dict, total: int, band: str) -> None:
    result = score(load_all()["ipa_basic"], ipa_answers(**counts), today=TODAY)
    assert result.total == total
    assert result.band.key == band
    assert result.band.label.ja and result.band.label.en


def test_ipa_not_used_counts_as_done_and_is_not_weak() -> None:
    answers = ipa_answers(done=25)
    answers["s09_wifi"] = "not_used"
    result = score(load_all()["ipa_basic"], answers, today=TODAY)
    assert result.total == 100 and result.weak == ()


def test_partial_credit_lowers_severity_one_step() -> None:
    answers = ipa_answers(done=25)
    answers["b01_updates"] = "partial"
    answers["b02_antivirus"] = "not_done"
    weak = {w.question_id: w for w in score(load_all()["ipa_basic"], answers, today=TODAY).weak}
    assert weak["b01_updates"].severity == "medium"
    assert weak["b02_antivirus"].severity == "high"


def test_weak_answers_are_ordered_weakest_first() -> None:
    answers = ipa_answers(done=25)
    answers["s07_misdelivery"] = "partial"  # 2/4, medium → low
    answers["s14_screen_lock"] = "not_done"  # 0/4, medium
    answers["b01_updates"] = "not_done"  # 0/4, high
    answers["o25_rules"] = "unknown"  # −1/4
    result = score(load_all()["ipa_basic"], answers, today=TODAY)
    assert [w.question_id for w in result.weak] == [
        "o25_rules",
        "b01_updates",
        "s14_screen_lock",
        "s07_misdelivery",
    ]


# ---------------------------------------------------------------------------- every questionnaire


@pytest.mark.parametrize("name", list(load_all()))
def test_best_answers_yield_full_score_and_no_weak_answers(name: str) -> None:
    result = score(load_all()[name], best_answers(name), today=TODAY)
    assert result.problems == ()
    assert result.weak == ()
    assert result.unanswered == ()
    assert result.percent == 100
    assert result.band.key == load_all()[name].bands[0].key


@pytest.mark.parametrize("name", list(load_all()))
def test_each_weak_answer_yields_exactly_one_item_with_a_stable_key(name: str) -> None:
    questionnaire = load_all()[name]
    answers = best_answers(name)
    expected: set[str] = set()
    for question in questionnaire.questions:
        if not question.scored or question.max_points <= 0:
            continue
        if question.type == "date":
            answers[question.id] = DATE_NEVER
        elif question.type == "multiple":
            answers[question.id] = [c.id for c in question.choices if c.exclusive]
        else:
            answers[question.id] = min(question.choices, key=lambda c: c.score).id
        expected.add(question.id)
    first = score(questionnaire, answers, today=TODAY)
    second = score(questionnaire, answers, today=TODAY)
    assert sorted(w.question_id for w in first.weak) == sorted(expected)
    assert len({w.finding_key for w in first.weak}) == len(first.weak)
    assert [w.finding_key for w in first.weak] == [w.finding_key for w in second.weak]
    for weak in first.weak:
        assert weak.finding_key == f"{name}.{weak.question_id}"
        assert weak.guidance.ja and weak.guidance.en and weak.cite
    # Re-answering well resolves every one of them.
    assert score(questionnaire, best_answers(name), today=TODAY).weak == ()


def test_bcp_counts_yes_answers_and_treats_not_sure_as_not_done() -> None:
    bcp = load_all()["bcp"]
    ids = [q.id for q in bcp.questions]

    def with_yes(count: int, rest: str = "no") -> Result:
        answers = {qid: ("yes" if i < count else rest) for i, qid in enumerate(ids)}
        return score(bcp, answers, today=TODAY)

    assert with_yes(20).band.key == "good"
    assert with_yes(16).band.key == "good" and with_yes(16).total == 16
    assert with_yes(15).band.key == "partial"
    assert with_yes(6).band.key == "partial"
    assert with_yes(5).band.key == "urgent"
    unsure = with_yes(10, rest="unknown")
    assert unsure.total == 10
    assert len(unsure.weak) == 10 and all(w.unknown for w in unsure.weak)
    assert unsure.weak[0].answer_label.ja == "不明"


def test_bcp_accepts_booleans_as_yes_and_no() -> None:
    bcp = load_all()["bcp"]
    answers = {q.id: True for q in bcp.questions}
    answers["p01_safety_plan"] = False
    result = score(bcp, answers, today=TODAY)
    assert result.total == 19
    assert [w.question_id for w in result.weak] == ["p01_safety_plan"]


def test_personal_data_percent_bands() -> None:
    personal = load_all()["personal_data"]
    ids = [q.id for q in personal.questions]
    answers = {qid: "yes" for qid in ids}
    answers[ids[0]] = "partly"
    answers[ids[1]] = "partly"
    result = score(personal, answers, today=TODAY)
    assert result.percent == 90 and result.band.key == "good"
    answers[ids[2]] = "no"
    assert score(personal, answers, today=TODAY).band.key == "partial"


# ---------------------------------------------------------------------------- conditions & types


def test_hidden_questions_do_not_count_and_their_answers_are_ignored() -> None:
    telework = load_all()["telework_byod"]
    answers = best_answers("telework_byod")
    shown = score(telework, answers, today=TODAY)
    answers.update(tw01_telework="never", tw02_byod="no", tw03_policy="none", tw04_byod_rules="no")
    hidden = score(telework, answers, today=TODAY)
    assert hidden.max < shown.max
    assert hidden.weak == () and hidden.percent == 100
    for question_id in ("tw03_policy", "tw04_byod_rules", "tw13_leaver_data"):
        item = hidden.question_score(question_id)
        assert item is not None and not item.visible and item.max_points == 0
    assert "tw03_policy" not in hidden.unanswered


def test_unanswered_questions_score_zero_and_are_listed_not_weak() -> None:
    telework = load_all()["telework_byod"]
    result = score(telework, {"tw01_telework": "sometimes", "tw02_byod": "yes"}, today=TODAY)
    assert result.total == 0 and result.weak == ()
    assert "tw03_policy" in result.unanswered and "tw13_leaver_data" in result.unanswered
    assert "tw15_notes" not in result.unanswered  # free text is optional
    assert not result.complete


def test_required_gating_questions_are_listed_when_unanswered() -> None:
    result = score(load_all()["telework_byod"], {}, today=TODAY)
    assert {"tw01_telework", "tw02_byod"} <= set(result.unanswered)


@pytest.mark.parametrize(
    ("selected", "weak"),
    [
        (["screen_lock", "os_updates", "antivirus", "disk_encryption", "remote_wipe"], False),
        (["screen_lock", "os_updates", "antivirus", "disk_encryption"], False),  # 4/5 ≥ 0.8
        (["screen_lock", "os_updates", "antivirus"], True),
        (["none"], True),
    ],
)
def test_multiple_choice_weak_threshold(selected: list[str], weak: bool) -> None:
    answers = best_answers("telework_byod")
    answers["tw06_device_measures"] = selected
    result = score(load_all()["telework_byod"], answers, today=TODAY)
    item = result.question_score("tw06_device_measures")
    assert item.points == len([s for s in selected if s != "none"])
    assert item.weak is weak
    assert ("tw06_device_measures" in {w.question_id for w in result.weak}) is weak


def test_multiple_choice_cap_and_exclusive_choice() -> None:
    handbook = load_all()["handbook"]
    answers = best_answers("handbook")
    answers["h05_sources"] = ["public_bodies", "vendors", "rss", "media"]
    item = score(handbook, answers, today=TODAY).question_score("h05_sources")
    assert item.points == item.max_points == 3  # capped
    answers["h05_sources"] = ["none", "rss"]
    mixed = score(handbook, answers, today=TODAY)
    assert [p.code for p in mixed.problems] == ["exclusive_mixed"]
    assert "h05_sources" in mixed.unanswered


@pytest.mark.parametrize(
    ("value", "weak", "problem"),
    [
        ((TODAY - dt.timedelta(days=365)).isoformat(), False, None),
        ((TODAY - dt.timedelta(days=366)).isoformat(), True, None),
        (TODAY - dt.timedelta(days=10), False, None),
        (DATE_NEVER, True, None),
        ((TODAY + dt.timedelta(days=1)).isoformat(), False, "future_date"),
        ("22/11/2026", False, "bad_date"),
    ],
)
def test_date_questions_weak_when_too_old(value, weak: bool, problem: str | None) -> None:
    answers = best_answers("handbook")
    answers["h07_5_restore_test"] = value
    result = score(load_all()["handbook"], answers, today=TODAY)
    assert ("h07_5_restore_test" in {w.question_id for w in result.weak}) is weak
    assert [p.code for p in result.problems] == ([problem] if problem else [])


def test_bad_answers_become_problems_not_exceptions() -> None:
    ipa = load_all()["ipa_basic"]
    answers = ipa_answers(done=25)
    answers["b01_updates"] = "maybe"
    answers["b02_antivirus"] = {"nested": ["x"]}
    answers["no_such_question"] = "done"
    answers[42] = "done"
    result = score(ipa, answers, today=TODAY)
    codes = sorted((p.question_id, p.code) for p in result.problems)
    assert codes == [
        ("42", "unknown_question"),
        ("b01_updates", "bad_choice"),
        ("b02_antivirus", "bad_type"),
        ("no_such_question", "unknown_question"),
    ]
    assert all(p.message.ja and p.message.en for p in result.problems)
    assert result.problems[2].message.ja == "選択肢にない回答です。選び直してください。"
    assert set(result.unanswered) == {"b01_updates", "b02_antivirus"}
    assert result.total == 92


def test_non_mapping_answers_are_a_problem() -> None:
    result = score(load_all()["ipa_basic"], ["done"] * 25, today=TODAY)  # type: ignore[arg-type]
    assert result.problems[0].code == "bad_type"
    assert len(result.unanswered) == 25


def test_result_round_trips_through_json() -> None:
    answers = ipa_answers(done=20, partial=2, not_done=2, unknown=1)
    result = score(load_all()["ipa_basic"], answers, today=TODAY)
    restored = Result.from_dict(json.loads(json.dumps(result.as_dict(), ensure_ascii=False)))
    assert restored == result


# ---------------------------------------------------------------------------- property-based

_GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=12),
    st.lists(st.text(max_size=8), max_size=4),
)


@st.composite
def random_answers(draw: st.DrawFn, name: str) -> dict:
    questionnaire = load_all()[name]
    answers: dict = {}
    for question in questionnaire.questions:
        if draw(st.booleans()):
            continue
        if question.choices and draw(st.integers(0, 4)):
            ids = [c.id for c in question.choices]
            if question.type == "multiple":
                answers[question.id] = draw(st.lists(st.sampled_from(ids), max_size=len(ids)))
            else:
                answers[question.id] = draw(st.sampled_from(ids))
        elif question.type == "date" and draw(st.booleans()):
            answers[question.id] = draw(st.dates(dt.date(2000, 1, 1), TODAY)).isoformat()
        else:
            answers[question.id] = draw(_GARBAGE)
    return answers


@pytest.mark.parametrize("name", list(load_all()))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_scoring_invariants_hold_for_any_answers(name: str, data: st.DataObject) -> None:
    questionnaire = load_all()[name]
    answers = data.draw(random_answers(name))
    result = score(questionnaire, answers, today=TODAY)
    assert 0 <= result.percent <= 100
    assert result.total <= result.max
    weak_scores = [q for q in result.questions if q.weak]
    assert len(result.weak) == len(weak_scores)
    assert len({w.finding_key for w in result.weak}) == len(result.weak)
    ratios = [w.points / w.max_points for w in result.weak]
    assert ratios == sorted(ratios)
    assert not set(result.unanswered) & {w.question_id for w in result.weak}


def test_choice_guidance_and_severity_override_the_question_defaults() -> None:
    telework = load_all()["telework_byod"]
    answers = best_answers("telework_byod")
    answers.update(tw09_mfa="some", tw12_data_location="devices")
    weak = {w.question_id: w for w in score(telework, answers, today=TODAY).weak}
    question = telework.question("tw12_data_location")
    assert weak["tw12_data_location"].guidance == question.choice("devices").guidance
    assert weak["tw12_data_location"].guidance != question.finding.guidance
    assert weak["tw12_data_location"].severity == "high"
    # "some" earns partial credit but keeps its explicit severity instead of dropping a step.
    assert weak["tw09_mfa"].severity == "medium"
    assert "一覧" in weak["tw09_mfa"].guidance.ja
    answers["tw12_data_location"] = "mixed"
    mixed = {w.question_id: w for w in score(telework, answers, today=TODAY).weak}
    assert mixed["tw12_data_location"].guidance == question.finding.guidance
    assert mixed["tw12_data_location"].severity == "low"  # partial credit: medium → low
