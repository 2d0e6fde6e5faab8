"""Every shipped questionnaire, the SECURITY ACTION texts and the policy template validate, are
bilingual, cite a source per question, and mirror the structures they claim to mirror."""

from __future__ import annotations

import re

import pytest

from mamori.assessments.policy import TEMPLATE_PATH, validate_template
from mamori.assessments.questionnaire import (
    CONTENT_DIR,
    FOLD_SPACE_RE,
    JAPANESE_RE,
    KANA_RE,
    QUESTIONNAIRE_FILES,
    Text,
    load_all,
    read_yaml,
    validate,
)
from mamori.assessments.security_action import measures

NON_QUESTIONNAIRE_FILES = {"policy_template.yaml", "security_action.yaml", "messages.yaml"}


def _texts(questionnaire) -> list[tuple[str, Text]]:
    found: list[tuple[str, Text]] = [
        ("title", questionnaire.title),
        ("description", questionnaire.description),
        ("source", questionnaire.source),
    ]
    for band in questionnaire.bands:
        found += [(f"band {band.key}", band.label), (f"band {band.key} advice", band.advice)]
    for section in questionnaire.sections:
        found.append((section.id, section.title))
        for question in section.questions:
            found.append((question.id, question.text))
            found += [(f"{question.id}.{c.id}", c.label) for c in question.choices]
            if question.finding:
                found.append((f"{question.id} title", question.finding.title))
                found.append((f"{question.id} guidance", question.finding.guidance))
    return found


def test_every_yaml_file_is_registered() -> None:
    on_disk = {p.name for p in CONTENT_DIR.glob("*.yaml")}
    registered = {f"{name}.yaml" for name in QUESTIONNAIRE_FILES}
    assert on_disk - NON_QUESTIONNAIRE_FILES == registered


@pytest.mark.parametrize("name", QUESTIONNAIRE_FILES)
def test_shipped_questionnaire_validates(name: str) -> None:
    assert validate(read_yaml(CONTENT_DIR / f"{name}.yaml")) == []


def test_load_all_returns_every_questionnaire_by_id() -> None:
    questionnaires = load_all()
    assert list(questionnaires) == list(QUESTIONNAIRE_FILES)
    assert all(q.id == key for key, q in questionnaires.items())


@pytest.mark.parametrize("name", QUESTIONNAIRE_FILES)
def test_every_text_is_in_both_languages(name: str) -> None:
    for where, text in _texts(load_all()[name]):
        assert JAPANESE_RE.search(text.ja), f"{name} {where}: ja text is not Japanese"
        assert text.en.strip() and not KANA_RE.search(text.en), f"{name} {where}: bad en text"
        assert not FOLD_SPACE_RE.search(text.ja), f"{name} {where}: stray space in ja text"


@pytest.mark.parametrize("name", QUESTIONNAIRE_FILES)
def test_every_question_cites_a_source_and_ids_are_unique(name: str) -> None:
    questionnaire = load_all()[name]
    ids = [s.id for s in questionnaire.sections] + [q.id for q in questionnaire.questions]
    assert len(ids) == len(set(ids))
    for question in questionnaire.questions:
        assert question.cite.strip(), question.id
        if question.scored and question.max_points > 0:
            assert question.finding is not None, question.id


@pytest.mark.parametrize("name", QUESTIONNAIRE_FILES)
def test_conditions_reference_earlier_questions_and_real_answers(name: str) -> None:
    questionnaire = load_all()[name]
    seen: dict[str, object] = {}
    for question in questionnaire.questions:
        if question.show_if is not None:
            target = seen.get(question.show_if.question)
            assert target is not None, question.id
            assert set(question.show_if.any_of) <= {c.id for c in target.choices}
        seen[question.id] = question


def test_finding_keys_are_unique_across_all_questionnaires() -> None:
    keys = [q.finding.key for qn in load_all().values() for q in qn.questions if q.finding]
    assert len(keys) == len(set(keys))
    assert all(key.split(".")[0] in QUESTIONNAIRE_FILES for key in keys)


def test_ipa_basic_mirrors_the_self_diagnosis_structure() -> None:
    ipa = load_all()["ipa_basic"]
    assert [len(s.questions) for s in ipa.sections] == [5, 13, 7]
    assert ipa.basis == "points"
    assert [b.min for b in ipa.bands][:3] == [100, 70, 50]
    for question in ipa.questions:
        scores = {c.id: c.score for c in question.choices}
        assert {k: scores[k] for k in ("done", "partial", "not_done", "unknown")} == {
            "done": 4,
            "partial": 2,
            "not_done": 0,
            "unknown": -1,
        }
    # Cites run No.1 to No.25 in order.
    numbers = [int(re.search(r"No\.(\d+)", q.cite).group(1)) for q in ipa.questions]
    assert numbers == list(range(1, 26))


def test_bcp_mirrors_the_twenty_item_check() -> None:
    bcp = load_all()["bcp"]
    assert [s.id for s in bcp.sections] == [
        "people",
        "things",
        "money",
        "information",
        "organisation",
    ]
    assert all(len(s.questions) == 4 for s in bcp.sections)
    assert {q.type for q in bcp.questions} == {"yesno"}
    assert set(bcp.yesno_labels) == {"yes", "no", "unknown"}
    assert bcp.yesno_labels["unknown"].ja == "不明"


def test_personal_data_has_ten_items_along_the_four_rules() -> None:
    personal = load_all()["personal_data"]
    assert len(personal.questions) == 10
    assert len(personal.sections) == 4


def test_handbook_check_covers_every_topic_of_chapter_7() -> None:
    handbook = load_all()["handbook"]
    cited: set[str] = set()
    for question in handbook.questions:
        cited.update(re.findall(r"§(\d+(?:\.\d+)?)", question.cite))
    expected = {"1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4", "5.1", "5.2", "6.1", "6.2"}
    expected |= {f"7.{n}" for n in range(1, 10)} | {"8", "9", "10"}
    assert expected <= cited
    assert len(handbook.sections) == 10


def test_question_types_are_all_exercised_by_shipped_content() -> None:
    types = {q.type for qn in load_all().values() for q in qn.questions}
    assert types == {"single", "multiple", "yesno", "text", "date"}
    assert any(q.show_if for qn in load_all().values() for q in qn.questions)


def test_security_action_texts_cover_five_measures_in_both_languages() -> None:
    items = measures()
    assert [m.id for m in items] == ["updates", "antivirus", "passwords", "sharing", "threats"]
    ipa = load_all()["ipa_basic"]
    for measure in items:
        assert ipa.question(measure.ipa_question) is not None
        assert JAPANESE_RE.search(measure.label.ja) and not KANA_RE.search(measure.label.en)
    data = read_yaml(CONTENT_DIR / "security_action.yaml")
    for key, text in data["texts"].items():
        assert JAPANESE_RE.search(text["ja"]), key
        assert not KANA_RE.search(text["en"]), key


def test_policy_template_validates_against_the_questionnaires() -> None:
    assert validate_template(read_yaml(TEMPLATE_PATH), load_all()) == []


def test_answer_problem_messages_cover_every_code_in_both_languages() -> None:
    messages = read_yaml(CONTENT_DIR / "messages.yaml")
    data = messages["answer_problems"]
    codes = {"unknown_question", "bad_choice", "bad_type", "exclusive_mixed", "too_long"}
    codes |= {"bad_date", "future_date", "too_many"}
    assert set(data) == codes
    for code, text in [*data.items(), ("chart", messages["chart"]["title"])]:
        assert JAPANESE_RE.search(text["ja"]) and not KANA_RE.search(text["en"]), code
