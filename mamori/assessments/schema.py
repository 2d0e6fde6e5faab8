"""Schema validation: raw YAML data → problems, or a validated ``Questionnaire``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from mamori.assessments.model import (
    BAND_BASES,
    QUESTION_TYPES,
    SEVERITIES,
    YESNO_ANSWERS,
    Band,
    Choice,
    Condition,
    FindingSpec,
    Problem,
    Question,
    Questionnaire,
    QuestionnaireInvalid,
    Section,
    Text,
)

MAX_QUESTIONS = 300
MAX_CHOICES = 30
MAX_TEXT_CHARS = 4000
ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_.\-]{0,127}$")
# Hiragana, katakana or CJK ideographs: proof that a "ja" text really is Japanese.
JAPANESE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
KANA_RE = re.compile(r"[\u3040-\u30ff]")
# YAML folding (">-") turns line breaks into spaces; between Japanese characters they are noise.
_JA_CHAR = r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
FOLD_SPACE_RE = re.compile(rf"(?<={_JA_CHAR}) (?={_JA_CHAR})")

# --------------------------------------------------------------------------------------------
# Validation


class Checker:
    """Collects problems while walking raw YAML data."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, code: str, message: str) -> None:
        self.problems.append(Problem(path, code, message))

    def mapping(self, value: Any, path: str) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.add(path, "not_mapping", "expected a mapping")
            return None
        return value

    def text(self, value: Any, path: str, *, required: bool = True) -> Text | None:
        if value is None and not required:
            return None
        data = self.mapping(value, path)
        if data is None:
            return None
        ja, en = data.get("ja"), data.get("en")
        ok = True
        for lang, item in (("ja", ja), ("en", en)):
            if not isinstance(item, str) or not item.strip():
                self.add(f"{path}.{lang}", "missing_text", f"missing {lang} text")
                ok = False
            elif len(item) > MAX_TEXT_CHARS:
                self.add(f"{path}.{lang}", "text_too_long", f"longer than {MAX_TEXT_CHARS}")
                ok = False
        if not ok:
            return None
        assert isinstance(ja, str) and isinstance(en, str)
        if not JAPANESE_RE.search(ja):
            self.add(f"{path}.ja", "not_japanese", "ja text has no Japanese characters")
        if KANA_RE.search(en):
            self.add(f"{path}.en", "not_english", "en text contains kana")
        extra = set(data) - {"ja", "en"}
        if extra:
            self.add(path, "unknown_keys", f"unexpected keys {sorted(extra)}")
        return Text(ja=FOLD_SPACE_RE.sub("", ja.strip()), en=en.strip())

    def ident(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not ID_RE.match(value):
            self.add(path, "bad_id", "id must match [a-z][a-z0-9_]{0,63}")
            return None
        return value

    def number(self, value: Any, path: str, *, positive: bool = False) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(path, "not_number", "expected a number")
            return None
        if positive and value <= 0:
            self.add(path, "not_positive", "must be greater than 0")
            return None
        return float(value)

    def severity(self, value: Any, path: str) -> str | None:
        if value not in SEVERITIES:
            self.add(path, "bad_severity", f"severity must be one of {SEVERITIES}")
            return None
        return str(value)

    def unknown_keys(self, data: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
        extra = set(data) - set(allowed)
        if extra:
            self.add(path, "unknown_keys", f"unexpected keys {sorted(map(str, extra))}")


_TOP_KEYS = {
    "id",
    "version",
    "title",
    "description",
    "source",
    "minutes",
    "scoring",
    "yesno_labels",
    "unknown_guidance",
    "sections",
}
_SECTION_KEYS = {"id", "title", "description", "weight", "questions"}
_QUESTION_KEYS = {
    "id",
    "type",
    "text",
    "help",
    "cite",
    "weight",
    "scored",
    "required",
    "choices",
    "show_if",
    "finding",
    "weak_below",
    "max_score",
    "max_age_days",
    "good",
    "scores",
}
_CHOICE_KEYS = {"id", "label", "score", "weak", "unknown", "exclusive", "severity", "guidance"}


def validate(data: Any) -> list[Problem]:
    """Every problem in raw questionnaire data (empty list = valid)."""
    checker = Checker()
    _build(data, checker)
    return checker.problems


def parse(data: Any, source: str = "<data>") -> Questionnaire:
    """Validated questionnaire from raw data; raises ``QuestionnaireInvalid``."""
    checker = Checker()
    questionnaire = _build(data, checker)
    if checker.problems or questionnaire is None:
        raise QuestionnaireInvalid(source, checker.problems)
    return questionnaire


def _build(data: Any, c: Checker) -> Questionnaire | None:
    top = c.mapping(data, "$")
    if top is None:
        return None
    # Keys starting with "x-" only hold YAML anchors shared by several questions.
    c.unknown_keys({k: v for k, v in top.items() if not str(k).startswith("x-")}, _TOP_KEYS, "$")
    qid = c.ident(top.get("id"), "id")
    version = top.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        c.add("version", "bad_version", "version must be a positive integer")
    title = c.text(top.get("title"), "title")
    description = c.text(top.get("description"), "description")
    source = c.text(top.get("source"), "source")
    minutes = top.get("minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)):
        c.add("minutes", "not_int", "minutes must be an integer")
        minutes = None
    unknown_guidance = c.text(top.get("unknown_guidance"), "unknown_guidance", required=False)
    yesno_labels = _build_yesno_labels(top.get("yesno_labels"), c)
    basis, bands = _build_scoring(top.get("scoring"), c)

    sections_raw = top.get("sections")
    if not isinstance(sections_raw, list) or not sections_raw:
        c.add("sections", "no_sections", "sections must be a non-empty list")
        sections_raw = []
    seen_ids: set[str] = set()
    seen_keys: set[str] = set()
    earlier: dict[str, Question] = {}
    sections: list[Section] = []
    total_questions = 0
    for s_index, s_raw in enumerate(sections_raw):
        s_path = f"sections[{s_index}]"
        s_data = c.mapping(s_raw, s_path)
        if s_data is None:
            continue
        c.unknown_keys(s_data, _SECTION_KEYS, s_path)
        s_id = c.ident(s_data.get("id"), f"{s_path}.id")
        if s_id is not None:
            if s_id in seen_ids:
                c.add(f"{s_path}.id", "duplicate_id", f"duplicate id {s_id!r}")
            seen_ids.add(s_id)
        s_title = c.text(s_data.get("title"), f"{s_path}.title")
        s_desc = c.text(s_data.get("description"), f"{s_path}.description", required=False)
        s_weight = c.number(s_data.get("weight", 1), f"{s_path}.weight", positive=True)
        q_raw_list = s_data.get("questions")
        if not isinstance(q_raw_list, list) or not q_raw_list:
            c.add(f"{s_path}.questions", "no_questions", "questions must be a non-empty list")
            q_raw_list = []
        questions: list[Question] = []
        for q_index, q_raw in enumerate(q_raw_list):
            total_questions += 1
            if total_questions > MAX_QUESTIONS:
                c.add(f"{s_path}.questions", "too_many", f"more than {MAX_QUESTIONS} questions")
                break
            question = _build_question(
                q_raw,
                f"{s_path}.questions[{q_index}]",
                s_id or "?",
                qid or "?",
                c,
                seen_ids,
                seen_keys,
                earlier,
                yesno_labels,
            )
            if question is not None:
                questions.append(question)
                earlier[question.id] = question
        if s_id and s_title and s_weight is not None:
            sections.append(Section(s_id, s_title, tuple(questions), s_weight, s_desc))

    if c.problems or not (qid and title and description and source and bands and basis):
        return None
    assert isinstance(version, int)
    return Questionnaire(
        id=qid,
        version=version,
        title=title,
        description=description,
        source=source,
        basis=basis,
        bands=bands,
        sections=tuple(sections),
        yesno_labels=yesno_labels,
        unknown_guidance=unknown_guidance,
        minutes=minutes,
    )


def _yn(value: Any) -> Any:
    """YAML 1.1 reads bare yes/no as booleans; accept them as the answer ids they mean."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def _build_yesno_labels(raw: Any, c: Checker) -> dict[str, Text]:
    if raw is None:
        return {}
    data = c.mapping(raw, "yesno_labels")
    if data is None:
        return {}
    data = {_yn(k): v for k, v in data.items()}
    labels: dict[str, Text] = {}
    for answer in YESNO_ANSWERS:
        text = c.text(data.get(answer), f"yesno_labels.{answer}")
        if text is not None:
            labels[answer] = text
    c.unknown_keys(data, YESNO_ANSWERS, "yesno_labels")
    return labels


def _build_scoring(raw: Any, c: Checker) -> tuple[str | None, tuple[Band, ...]]:
    data = c.mapping(raw, "scoring")
    if data is None:
        return None, ()
    c.unknown_keys(data, {"basis", "bands"}, "scoring")
    basis = data.get("basis")
    if basis not in BAND_BASES:
        c.add("scoring.basis", "bad_basis", f"basis must be one of {BAND_BASES}")
        basis = None
    bands_raw = data.get("bands")
    if not isinstance(bands_raw, list) or not bands_raw:
        c.add("scoring.bands", "no_bands", "bands must be a non-empty list")
        return basis, ()
    bands: list[Band] = []
    keys: set[str] = set()
    for index, b_raw in enumerate(bands_raw):
        path = f"scoring.bands[{index}]"
        b = c.mapping(b_raw, path)
        if b is None:
            continue
        c.unknown_keys(b, {"min", "key", "label", "advice"}, path)
        minimum = c.number(b.get("min"), f"{path}.min")
        key = c.ident(b.get("key"), f"{path}.key")
        if key in keys:
            c.add(f"{path}.key", "duplicate_band", f"duplicate band key {key!r}")
        if key:
            keys.add(key)
        label = c.text(b.get("label"), f"{path}.label")
        advice = c.text(b.get("advice"), f"{path}.advice")
        if minimum is not None and key and label and advice:
            bands.append(Band(minimum, key, label, advice))
    mins = [b.min for b in bands]
    if len(set(mins)) != len(mins):
        c.add("scoring.bands", "duplicate_min", "two bands share the same min")
    return basis, tuple(sorted(bands, key=lambda b: b.min, reverse=True))


def _build_question(
    raw: Any,
    path: str,
    section_id: str,
    questionnaire_id: str,
    c: Checker,
    seen_ids: set[str],
    seen_keys: set[str],
    earlier: Mapping[str, Question],
    yesno_labels: Mapping[str, Text],
) -> Question | None:
    data = c.mapping(raw, path)
    if data is None:
        return None
    c.unknown_keys(data, _QUESTION_KEYS, path)
    q_id = c.ident(data.get("id"), f"{path}.id")
    if q_id is not None:
        if q_id in seen_ids:
            c.add(f"{path}.id", "duplicate_id", f"duplicate id {q_id!r}")
        seen_ids.add(q_id)
    q_type = data.get("type")
    if q_type not in QUESTION_TYPES:
        c.add(f"{path}.type", "bad_type", f"type must be one of {QUESTION_TYPES}")
        q_type = None
    text = c.text(data.get("text"), f"{path}.text")
    help_text = c.text(data.get("help"), f"{path}.help", required=False)
    cite = data.get("cite")
    if not isinstance(cite, str) or not cite.strip():
        c.add(f"{path}.cite", "missing_cite", "every question cites its source")
        cite = None
    weight = c.number(data.get("weight", 1), f"{path}.weight", positive=True)
    scored = data.get("scored", True)
    required = data.get("required", False)
    for flag, value in (("scored", scored), ("required", required)):
        if not isinstance(value, bool):
            c.add(f"{path}.{flag}", "not_bool", f"{flag} must be true or false")
    scored = scored is True
    if q_type == "text" and scored:
        # Free text cannot be scored; saying so explicitly keeps the YAML honest.
        c.add(f"{path}.scored", "text_scored", "text questions must say scored: false")

    choices = _build_choices(data, q_type, path, c, yesno_labels)
    max_age = data.get("max_age_days")
    if max_age is not None:
        if q_type != "date" or isinstance(max_age, bool) or not isinstance(max_age, int):
            c.add(f"{path}.max_age_days", "bad_max_age", "only date questions; an integer")
            max_age = None
        elif max_age <= 0:
            c.add(f"{path}.max_age_days", "bad_max_age", "must be positive")
            max_age = None
    if q_type == "date" and scored and max_age is None:
        c.add(f"{path}.max_age_days", "date_unscorable", "scored date questions need max_age")

    max_score = None
    if "max_score" in data:
        if q_type != "multiple":
            c.add(f"{path}.max_score", "bad_max_score", "only multiple-choice questions")
        else:
            max_score = c.number(data.get("max_score"), f"{path}.max_score", positive=True)
    weak_below = 1.0
    if "weak_below" in data:
        value = c.number(data.get("weak_below"), f"{path}.weak_below")
        if value is not None and not 0 < value <= 1:
            c.add(f"{path}.weak_below", "bad_weak_below", "weak_below must be in (0, 1]")
        elif value is not None:
            weak_below = value

    show_if = _build_condition(data.get("show_if"), f"{path}.show_if", c, earlier)
    finding = None
    if "finding" in data:
        finding = _build_finding(
            data.get("finding"), f"{path}.finding", c, questionnaire_id, q_id, text, seen_keys
        )
    if scored and q_type not in (None, "text") and finding is None and "finding" not in data:
        c.add(f"{path}.finding", "missing_finding", "scored questions need a finding")
    if not scored and "finding" in data:
        c.add(f"{path}.finding", "unscored_finding", "unscored questions produce no finding")

    if not (q_id and q_type and text and cite and weight is not None and choices is not None):
        return None
    question = Question(
        id=q_id,
        section_id=section_id,
        type=q_type,
        text=text,
        cite=cite.strip(),
        weight=weight,
        scored=scored,
        required=required is True,
        help=help_text,
        choices=choices,
        show_if=show_if,
        finding=finding,
        weak_below=weak_below,
        max_score=max_score,
        max_age_days=max_age,
    )
    if scored and q_type in ("single", "multiple", "yesno") and question.max_points <= 0:
        c.add(f"{path}.choices", "no_best_answer", "a scored question needs a positive score")
    return question


def _build_choices(
    data: Mapping[str, Any],
    q_type: str | None,
    path: str,
    c: Checker,
    yesno_labels: Mapping[str, Text],
) -> tuple[Choice, ...] | None:
    if q_type == "yesno":
        return _build_yesno_choices(data, path, c, yesno_labels)
    if q_type in ("text", "date"):
        for key in ("choices", "good", "scores"):
            if key in data:
                c.add(f"{path}.{key}", "not_allowed", f"{q_type} questions have no {key}")
        return ()
    if q_type is None:
        return None
    for key in ("good", "scores"):
        if key in data:
            c.add(f"{path}.{key}", "not_allowed", f"only yes/no questions have {key}")
    raw = data.get("choices")
    if not isinstance(raw, list) or len(raw) < 2:
        c.add(f"{path}.choices", "few_choices", "choice questions need at least 2 choices")
        return None
    if len(raw) > MAX_CHOICES:
        c.add(f"{path}.choices", "many_choices", f"more than {MAX_CHOICES} choices")
        return None
    choices: list[Choice] = []
    ids: set[str] = set()
    for index, ch_raw in enumerate(raw):
        ch_path = f"{path}.choices[{index}]"
        ch = c.mapping(ch_raw, ch_path)
        if ch is None:
            continue
        c.unknown_keys(ch, _CHOICE_KEYS, ch_path)
        ch_id = c.ident(_yn(ch.get("id")), f"{ch_path}.id")
        if ch_id in ids:
            c.add(f"{ch_path}.id", "duplicate_choice", f"duplicate choice {ch_id!r}")
        if ch_id:
            ids.add(ch_id)
        label = c.text(ch.get("label"), f"{ch_path}.label")
        score = c.number(ch.get("score", 0), f"{ch_path}.score")
        weak = ch.get("weak")
        if weak is not None and not isinstance(weak, bool):
            c.add(f"{ch_path}.weak", "not_bool", "weak must be true or false")
            weak = None
        flags = {}
        for flag in ("unknown", "exclusive"):
            value = ch.get(flag, False)
            if not isinstance(value, bool):
                c.add(f"{ch_path}.{flag}", "not_bool", f"{flag} must be true or false")
                value = False
            flags[flag] = value
        if flags["exclusive"] and q_type != "multiple":
            c.add(f"{ch_path}.exclusive", "not_allowed", "only multiple-choice has exclusive")
        severity = None
        if "severity" in ch:
            severity = c.severity(ch.get("severity"), f"{ch_path}.severity")
        guidance = c.text(ch.get("guidance"), f"{ch_path}.guidance", required=False)
        if ch_id and label and score is not None:
            choices.append(
                Choice(
                    ch_id,
                    label,
                    score,
                    weak,
                    flags["unknown"],
                    flags["exclusive"],
                    severity,
                    guidance,
                )
            )
    return tuple(choices)


def _build_yesno_choices(
    data: Mapping[str, Any], path: str, c: Checker, labels: Mapping[str, Text]
) -> tuple[Choice, ...] | None:
    if "choices" in data:
        c.add(f"{path}.choices", "not_allowed", "yes/no questions use yesno_labels")
    if len(labels) != len(YESNO_ANSWERS):
        c.add(f"{path}.type", "no_yesno_labels", "a yes/no question needs yesno_labels")
    good = _yn(data.get("good", "yes"))
    if good not in ("yes", "no"):
        c.add(f"{path}.good", "bad_good", "good must be yes or no")
        good = "yes"
    scores = {"yes": 1.0 if good == "yes" else 0.0, "no": 1.0 if good == "no" else 0.0}
    scores["unknown"] = 0.0
    raw_scores = data.get("scores")
    if raw_scores is not None:
        mapping = c.mapping(raw_scores, f"{path}.scores")
        if mapping is not None:
            mapping = {_yn(k): v for k, v in mapping.items()}
            c.unknown_keys(mapping, YESNO_ANSWERS, f"{path}.scores")
            for answer in YESNO_ANSWERS:
                if answer in mapping:
                    value = c.number(mapping[answer], f"{path}.scores.{answer}")
                    if value is not None:
                        scores[answer] = value
    if len(labels) != len(YESNO_ANSWERS):
        return None
    return tuple(
        Choice(answer, labels[answer], scores[answer], unknown=answer == "unknown")
        for answer in YESNO_ANSWERS
    )


def _build_condition(
    raw: Any, path: str, c: Checker, earlier: Mapping[str, Question]
) -> Condition | None:
    if raw is None:
        return None
    data = c.mapping(raw, path)
    if data is None:
        return None
    c.unknown_keys(data, {"question", "any_of"}, path)
    target_id = data.get("question")
    target = earlier.get(target_id) if isinstance(target_id, str) else None
    if target is None:
        c.add(f"{path}.question", "bad_condition", "must name an earlier question")
        return None
    if target.type not in ("single", "multiple", "yesno"):
        c.add(f"{path}.question", "bad_condition", "condition on a choice question only")
        return None
    any_of = data.get("any_of")
    if isinstance(any_of, str | bool):
        any_of = [any_of]
    if isinstance(any_of, list):
        any_of = [_yn(v) for v in any_of]
    if not isinstance(any_of, list) or not any_of:
        c.add(f"{path}.any_of", "bad_condition", "any_of must list answers")
        return None
    valid = {ch.id for ch in target.choices}
    for value in any_of:
        if value not in valid:
            c.add(f"{path}.any_of", "bad_condition", f"{value!r} is not an answer of {target_id}")
            return None
    return Condition(target.id, tuple(str(v) for v in any_of))


def _build_finding(
    raw: Any,
    path: str,
    c: Checker,
    questionnaire_id: str,
    question_id: str | None,
    question_text: Text | None,
    seen_keys: set[str],
) -> FindingSpec | None:
    data = c.mapping(raw, path)
    if data is None:
        return None
    c.unknown_keys(data, {"key", "severity", "title", "guidance"}, path)
    key = data.get("key") or f"{questionnaire_id}.{question_id}"
    if not isinstance(key, str) or not KEY_RE.match(key):
        c.add(f"{path}.key", "bad_key", "finding key must match [a-z][a-z0-9_.-]*")
        return None
    if key in seen_keys:
        c.add(f"{path}.key", "duplicate_key", f"duplicate finding key {key!r}")
    seen_keys.add(key)
    severity = c.severity(data.get("severity"), f"{path}.severity")
    title = c.text(data.get("title"), f"{path}.title", required=False) or question_text
    guidance = c.text(data.get("guidance"), f"{path}.guidance")
    if severity is None or guidance is None or title is None:
        return None
    return FindingSpec(key=key, severity=severity, title=title, guidance=guidance)
