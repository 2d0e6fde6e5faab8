"""SECURITY ACTION status (IPA's self-declaration scheme): 0, ★ (1) or ★★ (2), with reasons.

★ needs the five basic measures of IPA's 情報セキュリティ5か条 declared. ★★ needs the
self-assessment done and a basic security policy in place; IPA lets an organisation declare ★★
directly, so ★★ does not require ★ here either. Texts live in
``content/questionnaires/security_action.yaml``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mamori.assessments.questionnaire import CONTENT_DIR, Text, read_yaml

# Answers that count as "declared / in place" for a measure.
_DECLARED_VALUES = frozenset({"yes", "done", "declared", "true", "1"})


@dataclass(frozen=True, slots=True)
class Measure:
    id: str
    ipa_question: str
    label: Text


@dataclass(frozen=True, slots=True)
class SecurityActionStatus:
    level: int  # 0, 1 (★) or 2 (★★)
    one_star: bool
    two_star: bool
    reasons: tuple[Text, ...]
    missing_measures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Content:
    measures: tuple[Measure, ...]
    texts: Mapping[str, Text]


@functools.cache
def _content() -> _Content:
    data = read_yaml(CONTENT_DIR / "security_action.yaml")
    measures = tuple(
        Measure(m["id"], m["ipa_question"], Text(m["label"]["ja"], m["label"]["en"]))
        for m in data["measures"]
    )
    texts = {key: Text(value["ja"], value["en"]) for key, value in data["texts"].items()}
    return _Content(measures, texts)


def measures() -> tuple[Measure, ...]:
    """The five basic measures (情報セキュリティ5か条), in order."""
    return _content().measures


def _declared(value: Any) -> bool:
    if value is True:
        return True
    return isinstance(value, str) and value.strip().lower() in _DECLARED_VALUES


def security_action_level(
    basic_measures_answers: Mapping[str, Any] | None,
    assessment_done: bool,
    policy_in_place: bool,
) -> SecurityActionStatus:
    """Level and reasons. ``basic_measures_answers`` maps each measure id (``updates``,
    ``antivirus``, ``passwords``, ``sharing``, ``threats``) to True / "yes" / "declared", or
    holds the ``ipa_basic`` answers, where only "done" (実施している) counts."""
    content = _content()
    answers = basic_measures_answers if isinstance(basic_measures_answers, Mapping) else {}
    missing = tuple(
        m.id
        for m in content.measures
        if not (_declared(answers.get(m.id)) or _declared(answers.get(m.ipa_question)))
    )
    one_star = not missing
    two_star = bool(assessment_done) and bool(policy_in_place)
    texts = content.texts
    reasons: list[Text] = []
    if one_star:
        reasons.append(texts["one_star_met"])
    else:
        labels = [m.label for m in content.measures if m.id in missing]
        template = texts["one_star_missing"]
        reasons.append(
            Text(
                ja=template.ja.replace("{measures}", "、".join(t.ja for t in labels)),
                en=template.en.replace("{measures}", "; ".join(t.en for t in labels)),
            )
        )
    if two_star:
        reasons.append(texts["two_star_met"])
        reasons.append(texts["publish_note"])
    else:
        if not assessment_done:
            reasons.append(texts["two_star_no_assessment"])
        if not policy_in_place:
            reasons.append(texts["two_star_no_policy"])
    level = 2 if two_star else 1 if one_star else 0
    return SecurityActionStatus(level, one_star, two_star, tuple(reasons), missing)
