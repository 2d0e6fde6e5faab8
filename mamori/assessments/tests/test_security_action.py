"""SECURITY ACTION ★ / ★★ status with reasons in both languages."""

from __future__ import annotations

from mamori.assessments.security_action import security_action_level

ALL_FIVE = {m: True for m in ("updates", "antivirus", "passwords", "sharing", "threats")}
IPA_PART1 = ("b01_updates", "b02_antivirus", "b03_passwords", "b04_sharing", "b05_threats")


def test_nothing_declared_is_level_zero_with_every_gap_named() -> None:
    status = security_action_level({}, assessment_done=False, policy_in_place=False)
    assert status.level == 0 and not status.one_star and not status.two_star
    assert status.missing_measures == ("updates", "antivirus", "passwords", "sharing", "threats")
    assert "ウイルス対策" in status.reasons[0].ja and "antivirus" in status.reasons[0].en
    assert len(status.reasons) == 3


def test_five_measures_declared_is_one_star() -> None:
    status = security_action_level(ALL_FIVE, assessment_done=False, policy_in_place=False)
    assert status.level == 1 and status.one_star
    assert status.missing_measures == ()
    assert status.reasons[0].ja.startswith("★一つ星")


def test_four_of_five_is_not_one_star() -> None:
    answers = dict(ALL_FIVE, sharing=False)
    status = security_action_level(answers, assessment_done=False, policy_in_place=False)
    assert status.level == 0 and status.missing_measures == ("sharing",)
    assert "共有設定" in status.reasons[0].ja


def test_ipa_answers_count_only_when_done() -> None:
    answers = {qid: "done" for qid in IPA_PART1}
    assert security_action_level(answers, False, False).level == 1
    answers["b03_passwords"] = "partial"
    status = security_action_level(answers, False, False)
    assert status.level == 0 and status.missing_measures == ("passwords",)


def test_assessment_and_policy_make_two_stars() -> None:
    status = security_action_level(ALL_FIVE, assessment_done=True, policy_in_place=True)
    assert status.level == 2 and status.one_star and status.two_star
    assert any("公開" in r.ja for r in status.reasons)  # the policy must also be published


def test_two_stars_can_be_declared_directly() -> None:
    status = security_action_level({}, assessment_done=True, policy_in_place=True)
    assert status.level == 2 and not status.one_star


def test_two_stars_needs_both_conditions() -> None:
    no_policy = security_action_level(ALL_FIVE, assessment_done=True, policy_in_place=False)
    assert no_policy.level == 1
    assert any("基本方針" in r.ja for r in no_policy.reasons)
    no_assessment = security_action_level(ALL_FIVE, assessment_done=False, policy_in_place=True)
    assert no_assessment.level == 1
    assert any("self-assessment" in r.en for r in no_assessment.reasons)


def test_junk_input_is_level_zero() -> None:
    assert security_action_level(None, False, False).level == 0
    assert security_action_level({"updates": "maybe", 3: True}, False, False).level == 0
