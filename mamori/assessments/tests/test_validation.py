"""The schema validator reports every kind of content mistake and never raises on junk."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mamori.assessments.questionnaire import QuestionnaireInvalid, parse, validate


def minimal() -> dict[str, Any]:
    return {
        "id": "sample",
        "version": 1,
        "title": {"ja": "見本", "en": "Sample"},
        "description": {"ja": "説明", "en": "Description"},
        "source": {"ja": "ハンドブック", "en": "Handbook"},
        "yesno_labels": {
            "yes": {"ja": "はい", "en": "Yes"},
            "no": {"ja": "いいえ", "en": "No"},
            "unknown": {"ja": "不明", "en": "Not sure"},
        },
        "scoring": {
            "basis": "percent",
            "bands": [
                {
                    "min": 50,
                    "key": "ok",
                    "label": {"ja": "良い", "en": "Good"},
                    "advice": {"ja": "続ける", "en": "Keep on"},
                },
                {
                    "min": 0,
                    "key": "low",
                    "label": {"ja": "弱い", "en": "Weak"},
                    "advice": {"ja": "直す", "en": "Fix it"},
                },
            ],
        },
        "sections": [
            {
                "id": "main",
                "title": {"ja": "主", "en": "Main"},
                "questions": [
                    {
                        "id": "gate",
                        "type": "yesno",
                        "scored": False,
                        "text": {"ja": "使いますか", "en": "Used?"},
                        "cite": "ハンドブック 第7章 §4",
                    },
                    {
                        "id": "q1",
                        "type": "single",
                        "text": {"ja": "質問", "en": "Question"},
                        "cite": "ハンドブック 第7章 §4",
                        "show_if": {"question": "gate", "any_of": ["yes"]},
                        "choices": [
                            {"id": "good", "label": {"ja": "良", "en": "Good"}, "score": 2},
                            {"id": "bad", "label": {"ja": "悪", "en": "Bad"}, "score": 0},
                        ],
                        "finding": {
                            "severity": "high",
                            "guidance": {"ja": "直してください", "en": "Fix it"},
                        },
                    },
                ],
            }
        ],
    }


def codes(data: Any) -> set[str]:
    return {p.code for p in validate(data)}


def test_minimal_questionnaire_is_valid_and_parses() -> None:
    assert validate(minimal()) == []
    questionnaire = parse(minimal())
    question = questionnaire.question("q1")
    assert question.finding.key == "sample.q1"
    assert question.finding.title == question.text  # default title


def mutate(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(minimal())
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()
Q1 = ["sections", 0, "questions", 1]


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (["title", "en"], _DELETE, "missing_text"),
        (["title", "ja"], "Sample", "not_japanese"),
        (["title", "en"], "サンプル", "not_english"),
        ([*Q1, "cite"], _DELETE, "missing_cite"),
        ([*Q1, "cite"], "  ", "missing_cite"),
        ([*Q1, "id"], "gate", "duplicate_id"),
        ([*Q1, "id"], "Bad Id", "bad_id"),
        ([*Q1, "type"], "slider", "bad_type"),
        ([*Q1, "show_if"], {"question": "nowhere", "any_of": ["yes"]}, "bad_condition"),
        ([*Q1, "show_if"], {"question": "q1", "any_of": ["good"]}, "bad_condition"),
        ([*Q1, "show_if"], {"question": "gate", "any_of": ["perhaps"]}, "bad_condition"),
        ([*Q1, "finding"], _DELETE, "missing_finding"),
        ([*Q1, "finding", "severity"], "dire", "bad_severity"),
        ([*Q1, "choices"], [{"id": "only", "label": {"ja": "唯", "en": "Only"}}], "few_choices"),
        ([*Q1, "choices", 1, "id"], "good", "duplicate_choice"),
        ([*Q1, "choices", 0, "score"], "4", "not_number"),
        ([*Q1, "weight"], 0, "not_positive"),
        ([*Q1, "max_age_days"], 30, "bad_max_age"),
        ([*Q1, "colour"], "red", "unknown_keys"),
        (["yesno_labels"], _DELETE, "no_yesno_labels"),
        (["scoring", "basis"], "stars", "bad_basis"),
        (["scoring", "bands", 1, "min"], 50, "duplicate_min"),
        (["sections"], [], "no_sections"),
        (["version"], 0, "bad_version"),
    ],
)
def test_validator_reports_each_mistake(path: list[Any], value: Any, code: str) -> None:
    assert code in codes(mutate(path, value))
    with pytest.raises(QuestionnaireInvalid):
        parse(mutate(path, value))


def test_scored_date_needs_a_max_age_and_text_cannot_be_scored() -> None:
    data = mutate(
        [*Q1],
        {
            "id": "d",
            "type": "date",
            "text": {"ja": "日付", "en": "Date"},
            "cite": "§1",
            "finding": {"severity": "low", "guidance": {"ja": "直す", "en": "Fix"}},
        },
    )
    assert "date_unscorable" in codes(data)
    data = mutate(
        [*Q1], {"id": "t", "type": "text", "text": {"ja": "自由", "en": "Free"}, "cite": "§1"}
    )
    assert "text_scored" in codes(data)


def test_finding_keys_must_be_unique() -> None:
    data = minimal()
    second = copy.deepcopy(data["sections"][0]["questions"][1])
    second["id"] = "q2"
    data["sections"][0]["questions"][1]["finding"]["key"] = "sample.same"
    second["finding"]["key"] = "sample.same"
    data["sections"][0]["questions"].append(second)
    assert "duplicate_key" in codes(data)


def test_yaml_booleans_for_yes_and_no_are_understood() -> None:
    data = minimal()
    data["yesno_labels"] = {
        True: data["yesno_labels"]["yes"],
        False: data["yesno_labels"]["no"],
        "unknown": data["yesno_labels"]["unknown"],
    }
    data["sections"][0]["questions"][1]["show_if"]["any_of"] = [True]
    assert validate(data) == []


_JUNK = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=10)
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "ja",
                    "en",
                    "sections",
                    "questions",
                    "choices",
                    "show_if",
                    "finding",
                    "scoring",
                    "bands",
                    "title",
                    "cite",
                    "min",
                    "key",
                    "x",
                ]
            ),
            children,
            max_size=6,
        ),
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(_JUNK)
def test_validate_never_raises_on_junk(data: Any) -> None:
    problems = validate(data)
    assert isinstance(problems, list)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_validate_never_raises_on_mutated_valid_data(data: st.DataObject) -> None:
    document = minimal()
    question = document["sections"][0]["questions"][1]
    key = data.draw(st.sampled_from(sorted(question)))
    question[key] = data.draw(_JUNK)
    validate(document)
