"""Breach clock: the reporting decision and the deadline rule as documented in the module."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.incidents.breach_clock import (
    BreachAnswers,
    assess,
    closed_reason,
    deadlines,
    notice_items,
    report_draft,
    report_items,
    texts,
)

JST = ZoneInfo("Asia/Tokyo")


def jst(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=JST)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime.combine(date(y, m, d), time(23, 59, 59), tzinfo=JST)


# --------------------------------------------------------------------------- assess

ALL_NO = {
    "personal_data": True,
    "sensitive": False,
    "financial_risk": False,
    "malicious": False,
    "affected_count": 10,
    "encrypted": False,
}


@pytest.mark.parametrize(
    ("change", "trigger"),
    [
        ({"sensitive": True}, "sensitive"),
        ({"financial_risk": True}, "financial_risk"),
        ({"malicious": True}, "malicious"),
        ({"affected_count": 1001}, "over_1000"),
    ],
)
def test_each_criterion_alone_requires_report_and_notice(change, trigger):
    decision = assess({**ALL_NO, **change})
    assert decision.status == "required"
    assert decision.report_to_ppc and decision.notify_individuals
    assert decision.triggers == (trigger,)
    assert all(r.ja and r.en for r in decision.reasons)


def test_none_of_the_criteria_means_not_required():
    decision = assess(ALL_NO)
    assert decision.status == "not_required"
    assert not decision.report_to_ppc and not decision.notify_individuals
    assert decision.triggers == ()


def test_exactly_1000_people_is_not_more_than_1000():
    assert assess({**ALL_NO, "affected_count": 1000}).status == "not_required"
    decision = assess({**ALL_NO, "affected_count": "1,001"})
    assert decision.status == "required"
    assert "1,001" in " ".join(r.ja for r in decision.reasons)


def test_strong_encryption_with_key_safe_is_the_exception():
    decision = assess({**ALL_NO, "sensitive": True, "encrypted": True, "key_leaked": False})
    assert decision.status == "not_required"
    assert decision.encryption_exception
    assert not decision.report_to_ppc


def test_encryption_does_not_help_when_the_key_leaked():
    decision = assess({**ALL_NO, "malicious": True, "encrypted": True, "key_leaked": True})
    assert decision.status == "required"
    assert not decision.encryption_exception


def test_encryption_with_unknown_key_status_is_undetermined():
    decision = assess({**ALL_NO, "sensitive": True, "encrypted": True})
    assert decision.status == "undetermined"
    assert decision.missing == ("key_leaked",)


def test_unknown_answers_are_undetermined_and_listed():
    decision = assess({"personal_data": True, "sensitive": False})
    assert decision.status == "undetermined"
    assert set(decision.missing) == {"financial_risk", "malicious", "affected_count"}
    assert not decision.report_to_ppc
    text = decision.reasons[-1]
    assert "財産的被害" in text.ja and "financial" in text.en


def test_a_single_known_trigger_decides_even_with_unknowns():
    decision = assess({"malicious": "yes"})
    assert decision.status == "required"
    assert decision.malicious


def test_no_personal_data_is_not_required():
    decision = assess({"personal_data": False})
    assert decision.status == "not_required"
    assert "個人データ" in decision.reasons[0].ja


def test_dataclass_answers_are_accepted():
    decision = assess(BreachAnswers(personal_data=True, financial_risk=True))
    assert decision.triggers == ("financial_risk",)


def test_unreadable_answers_are_reported_not_raised():
    decision = assess({"sensitive": "perhaps", "affected_count": -5, "malicious": 3})
    assert set(decision.invalid) == {"sensitive", "affected_count", "malicious"}
    assert decision.status == "undetermined"
    assert assess(None).status == "undetermined"
    assert assess("nonsense").status == "undetermined"  # type: ignore[arg-type]


# --------------------------------------------------------------------------- deadlines


def test_ordinary_weekday_deadlines():
    # Tuesday 2026-06-02 10:00 JST: day 1.
    d = deadlines(jst(2026, 6, 2), malicious=False)
    assert d.preliminary_reminder == jst(2026, 6, 4, 9, 0)  # day 3, 09:00
    assert d.preliminary_due == end_of(2026, 6, 6)  # day 5 (a Saturday: not moved)
    assert d.final_days == 30
    assert d.final_nominal == date(2026, 7, 1)  # day 30, a Wednesday
    assert d.final_due == end_of(2026, 7, 1)
    assert d.final_shifts == ()
    assert d.final_reminders == (jst(2026, 6, 24, 9, 0), jst(2026, 6, 30, 9, 0))
    assert "1 日目" in d.rule.ja and "day 1" in d.rule.en


def test_malicious_intent_gives_60_days():
    d = deadlines(jst(2026, 6, 2), malicious=True)
    assert d.final_days == 60
    assert d.final_nominal == date(2026, 7, 31)  # Friday
    assert d.final_due == end_of(2026, 7, 31)


def test_final_due_on_saturday_moves_to_monday():
    # Day 30 = 2026-07-04, a Saturday.
    d = deadlines(jst(2026, 6, 5), malicious=False)
    assert d.final_nominal == date(2026, 7, 4)
    assert d.final_due == end_of(2026, 7, 6)
    assert [s.day for s in d.final_shifts] == [date(2026, 7, 4), date(2026, 7, 5)]
    assert [s.reason.en for s in d.final_shifts] == ["Saturday", "Sunday"]


def test_final_due_on_a_holiday_moves_to_the_next_open_day():
    # Day 30 = 2026-09-21 (敬老の日), then 9/22 国民の休日 and 9/23 秋分の日: due 9/24.
    d = deadlines(jst(2026, 8, 23), malicious=False)
    assert d.final_nominal == date(2026, 9, 21)
    assert d.final_due == end_of(2026, 9, 24)
    assert [s.reason.en for s in d.final_shifts] == ["national holiday"] * 3


def test_final_due_in_new_year_closure_moves_past_january_3():
    d = deadlines(jst(2026, 12, 1), malicious=False)
    assert d.final_nominal == date(2026, 12, 30)
    assert d.final_due == end_of(2027, 1, 4)  # Monday after the closure
    assert {s.reason.ja for s in d.final_shifts} == {"年末年始の閉庁日"}


def test_closure_then_weekend_keeps_moving():
    # Day 30 = 2025-12-30: closure to 2026-01-03, then Sunday 01-04, so due Monday 01-05.
    d = deadlines(jst(2025, 12, 1), malicious=False)
    assert d.final_nominal == date(2025, 12, 30)
    assert d.final_due == end_of(2026, 1, 5)


def test_preliminary_due_is_never_moved_for_weekends_or_holidays():
    # Day 5 = 2027-01-01 (New Year) stays the preliminary due date.
    d = deadlines(jst(2026, 12, 28), malicious=False)
    assert d.preliminary_due == end_of(2027, 1, 1)


def test_day_one_is_the_tokyo_date_of_awareness():
    # 2026-06-01 16:30 UTC is 2026-06-02 01:30 in Tokyo: day 1 is June 2.
    d = deadlines(datetime(2026, 6, 1, 16, 30, tzinfo=UTC), malicious=False)
    assert d.aware_at.date() == date(2026, 6, 2)
    assert d.preliminary_due == end_of(2026, 6, 6)
    # Another offset, same instant, same answer.
    other = datetime(2026, 6, 1, 12, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert deadlines(other, malicious=False) == d


def test_naive_or_absurd_datetime_is_rejected():
    with pytest.raises(ValueError):
        deadlines(datetime(2026, 6, 2, 10, 0), malicious=False)
    with pytest.raises(ValueError):
        deadlines(datetime(9999, 12, 31, tzinfo=UTC), malicious=True)
    with pytest.raises(ValueError):
        deadlines("2026-06-02", malicious=False)  # type: ignore[arg-type]


def test_reminders_are_in_time_order():
    d = deadlines(jst(2026, 6, 2), malicious=False)
    kinds = [k for k, _ in d.reminders()]
    assert kinds[0] == "preliminary_reminder" and kinds[-1] == "final_due"
    whens = [w for _, w in d.reminders()]
    assert whens == sorted(whens)


def test_closed_reason():
    assert closed_reason(date(2026, 7, 4)) == "saturday"
    assert closed_reason(date(2026, 7, 5)) == "sunday"
    assert closed_reason(date(2026, 5, 6)) == "holiday"  # 振替休日
    assert closed_reason(date(2026, 12, 29)) == "new_year"  # a Tuesday
    assert closed_reason(date(2026, 7, 6)) is None


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2040, 12, 31)),
    st.booleans(),
)
def test_deadline_properties(moment, malicious):
    aware = moment.replace(tzinfo=UTC)
    d = deadlines(aware, malicious)
    day_one = aware.astimezone(JST).date()
    assert d.preliminary_due == end_of(*(day_one + timedelta(days=4)).timetuple()[:3])
    assert d.aware_at < d.preliminary_reminder < d.preliminary_due < d.final_due
    assert d.final_nominal == day_one + timedelta(days=(59 if malicious else 29))
    due_day = d.final_due.date()
    assert closed_reason(due_day) is None
    assert due_day >= d.final_nominal
    # Every day skipped over was closed, and they are consecutive from the nominal day.
    assert [s.day for s in d.final_shifts] == [
        d.final_nominal + timedelta(days=i) for i in range((due_day - d.final_nominal).days)
    ]
    assert all(closed_reason(s.day) is not None for s in d.final_shifts)


# --------------------------------------------------------------------------- report items


def test_report_items_are_bilingual_data():
    items = report_items()
    ids = [i.id for i in items]
    assert ids[:3] == ["summary", "data_items", "people_count"]
    assert {
        "cause",
        "secondary_harm",
        "response_to_individuals",
        "publication",
        "prevention",
    } <= set(ids)
    for item in items:
        assert item.text.ja and item.text.en
        assert item.final == "required"
    assert notice_items() and all(i.text.ja and i.text.en for i in notice_items())


def test_every_reason_and_label_is_bilingual():
    t = texts()
    for text in (*t.reasons.values(), *t.answer_labels.values(), *t.shift_reasons.values()):
        assert text.ja and text.en
    assert t.deadline_rule.ja and t.deadline_rule.en


def test_report_draft_preliminary_needs_only_what_is_known():
    draft = report_draft("preliminary", {"summary": "ランサムウェア感染", "people_count": "不明"})
    assert draft.stage == "preliminary" and draft.complete
    missing = [line.item.id for line in draft.lines if line.missing]
    assert "cause" in missing and "summary" not in missing
    assert not report_draft("preliminary", {}).complete


def test_report_draft_final_needs_every_item():
    filled = {item.id: f"{item.text.ja}: 記入済み" for item in report_items()}
    assert report_draft("final", filled).complete
    del filled["prevention"]
    draft = report_draft("final", filled)
    assert not draft.complete
    assert [line.item.id for line in draft.lines if line.missing] == ["prevention"]


def test_report_draft_tolerates_bad_values():
    draft = report_draft("bogus", {"summary": 42, "cause": "  ", "other": "x" * 50_000})
    assert draft.stage == "final" and not draft.complete
    by_id = {line.item.id: line for line in draft.lines}
    assert by_id["summary"].missing and by_id["cause"].missing
    assert len(by_id["other"].value) == 20_000
    assert report_draft("final", None).lines


# --------------------------------------------------------------------------- issue 16 paths


def test_skimmed_form_input_counts_when_malicious_even_without_stored_personal_data():
    # 施行規則 第7条第3号 (2024 amendment): data in the course of acquisition counts.
    decision = assess({"personal_data": False, "acquiring": True, "malicious": True})
    assert decision.status == "required"
    assert decision.triggers == ("malicious",)
    assert any("第7条第3号" in r.ja and "Art. 7(3)" in r.en for r in decision.reasons)


def test_skimmed_form_input_only_asks_about_malicious_intent():
    decision = assess({"acquiring": True})
    assert decision.status == "undetermined"
    assert decision.missing == ("malicious",)
    # the other three situations do not apply to data still being acquired
    assert assess({"acquiring": True, "malicious": False, "sensitive": True}).status == (
        "not_required"
    )


def test_loss_of_sensitive_data_is_reportable_whatever_the_cause():
    decision = assess({**ALL_NO, "sensitive": True, "loss_only": True, "copy_exists": False})
    assert decision.status == "required"
    assert any("滅失" in r.ja and "3-5-1-2" in r.ja for r in decision.reasons)


def test_loss_of_more_than_1000_people_without_copy_is_reportable():
    answers = {**ALL_NO, "affected_count": 1001, "loss_only": True, "copy_exists": False}
    assert assess(answers).status == "required"


def test_loss_with_a_copy_is_not_a_loss():
    answers = {**ALL_NO, "affected_count": 5000, "loss_only": True, "copy_exists": True}
    decision = assess(answers)
    assert decision.status == "not_required"
    assert decision.copy_exception
    assert "3-5-1-2" in decision.reasons[-1].ja and "Q&A 4-5" in decision.reasons[-1].ja


def test_loss_with_copy_unknown_is_undetermined():
    answers = {**ALL_NO, "sensitive": True, "loss_only": True}
    decision = assess(answers)
    assert decision.status == "undetermined"
    assert "copy_exists" in decision.missing


def test_entrusted_data_offers_the_notify_the_client_path():
    decision = assess({**ALL_NO, "malicious": True, "entrusted": True})
    assert decision.status == "required"
    assert decision.contractor_path
    text = next(r for r in decision.reasons if "委託元" in r.ja)
    assert "第26条第1項ただし書" in text.ja and "第9条" in text.ja and "3-5-3-5" in text.ja
    assert not assess({**ALL_NO, "malicious": True, "entrusted": False}).contractor_path
    unknown = assess({**ALL_NO, "malicious": True})
    assert any("委託元" in r.ja for r in unknown.reasons) and not unknown.contractor_path


def test_client_notice_due_is_end_of_day_two_in_tokyo():
    from mamori.incidents.breach_clock import client_notice_due, client_notice_items

    # 23:30 UTC on 1 April is 08:30 JST on 2 April: day 1 is 2 April
    aware = datetime(2026, 4, 1, 23, 30, tzinfo=UTC)
    assert client_notice_due(aware) == end_of(2026, 4, 3)
    with pytest.raises(ValueError):
        client_notice_due(datetime(2026, 4, 1))  # noqa: DTZ001
    assert [i.id for i in client_notice_items()][:2] == ["summary", "data_items"]


def test_public_notice_and_enquiry_desk_texts_are_bilingual():
    from mamori.incidents.breach_clock import enquiry_desk_checklist, public_notice_items

    assert any(i.id == "enquiry" for i in public_notice_items())
    for text in [i.text for i in public_notice_items()] + list(enquiry_desk_checklist()):
        assert text.ja and text.en


def test_who_knew_first_is_recorded_with_the_rule():
    decision = assess({**ALL_NO, "sensitive": True, "known_first_by": " 営業部（顧客からの電話） "})
    assert decision.status == "required"
    first = decision.reasons[0]
    assert "営業部（顧客からの電話）" in first.ja and "3-5-3-3" in first.ja
    assert "known_first_by" in assess({"known_first_by": 5}).invalid
