"""Scoring, comparison and merging of questionnaire answers (pure Python).

Answers are a mapping ``question id → value``:

- ``single``: a choice id; ``yesno``: ``"yes"`` / ``"no"`` / ``"unknown"`` (booleans accepted);
- ``multiple``: a list of choice ids; ``text``: a string;
- ``date``: a ``datetime.date``, an ISO ``YYYY-MM-DD`` string, or ``"never"`` (never done).

Rules, chosen so that an incomplete or careless answer never looks better than it is:

- A question counts only when shown (its ``show_if`` matches); answers to hidden questions are
  ignored, and hidden questions add nothing to the maximum.
- A shown scored question that is unanswered (or answered invalidly) scores 0 but keeps its
  full weight in the maximum, and is listed in ``unanswered``; it is not a weak answer.
- A weak answer is a shown, answered, scored question whose answer is below the best: for a
  choice the explicit ``weak`` flag, else "score below the best choice"; for a multiple choice
  "points below ``weak_below`` × maximum"; for a date "older than ``max_age_days``". Each weak
  answer yields exactly one ``WeakAnswer`` with the question's stable finding key.
- A weak answer that earned partial credit is one severity step lower than the question's
  (unless the choice sets its own severity).
- Points are weighted by question weight × section weight; ``percent`` is clamped to 0–100
  ("unknown = −1" answers can push the raw total below zero).

Bad answer values never raise: they become ``AnswerProblem`` entries on the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mamori.assessments.questionnaire import (
    SEVERITIES,
    Choice,
    Question,
    Questionnaire,
    Text,
)

MAX_ANSWERS = 1000
DATE_NEVER = "never"  # the answer to a date question about something never done
MAX_ANSWER_TEXT = 5000

_PROBLEM_TEXTS: dict[str, Text] = {
    "unknown_question": Text(
        "この設問はこの診断にありません。", "This question is not part of this questionnaire."
    ),
    "bad_choice": Text(
        "選択肢にない回答です。選び直してください。",
        "This answer is not one of the choices; please choose again.",
    ),
    "bad_type": Text("回答の形式が正しくありません。", "The answer is not in the expected form."),
    "exclusive_mixed": Text(
        "「該当なし」などの選択肢はほかと同時に選べません。",
        "A 'none of these' answer cannot be combined with other choices.",
    ),
    "too_long": Text(
        f"回答が長すぎます（{MAX_ANSWER_TEXT}文字まで）。",
        f"The answer is too long (at most {MAX_ANSWER_TEXT} characters).",
    ),
    "bad_date": Text("日付は YYYY-MM-DD の形で入力してください。", "Enter the date as YYYY-MM-DD."),
    "future_date": Text("未来の日付は入力できません。", "The date cannot be in the future."),
    "too_many": Text("回答の数が多すぎます。", "There are too many answers."),
}


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    question_id: str
    code: str
    message: Text


@dataclass(frozen=True, slots=True)
class QuestionScore:
    question_id: str
    section_id: str
    visible: bool
    answered: bool
    answer: Any
    points: float  # weighted
    max_points: float  # weighted
    weak: bool

    @property
    def ratio(self) -> float:
        return self.points / self.max_points if self.max_points else 1.0


@dataclass(frozen=True, slots=True)
class WeakAnswer:
    """One weak answer = one finding for the spine (key is stable across assessments)."""

    finding_key: str
    questionnaire_id: str
    section_id: str
    question_id: str
    title: Text
    question: Text
    answer: Any
    answer_label: Text | None
    points: float
    max_points: float
    severity: str
    guidance: Text
    cite: str
    unknown: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "finding_key": self.finding_key,
            "questionnaire_id": self.questionnaire_id,
            "section_id": self.section_id,
            "question_id": self.question_id,
            "title": self.title.as_dict(),
            "question": self.question.as_dict(),
            "answer": self.answer,
            "answer_label": self.answer_label.as_dict() if self.answer_label else None,
            "points": self.points,
            "max_points": self.max_points,
            "severity": self.severity,
            "guidance": self.guidance.as_dict(),
            "cite": self.cite,
            "unknown": self.unknown,
        }


@dataclass(frozen=True, slots=True)
class SectionResult:
    section_id: str
    title: Text
    total: float
    max: float
    percent: float
    questions: int
    answered: int
    weak: int


@dataclass(frozen=True, slots=True)
class BandResult:
    key: str
    label: Text
    advice: Text


@dataclass(frozen=True, slots=True)
class Result:
    questionnaire_id: str
    version: int
    total: float
    max: float
    percent: float
    band: BandResult
    sections: tuple[SectionResult, ...]
    weak: tuple[WeakAnswer, ...]  # weakest first
    unanswered: tuple[str, ...]
    problems: tuple[AnswerProblem, ...] = ()
    questions: tuple[QuestionScore, ...] = field(default=(), repr=False)

    @property
    def complete(self) -> bool:
        return not self.unanswered

    @property
    def finding_keys(self) -> frozenset[str]:
        return frozenset(w.finding_key for w in self.weak)

    def question_score(self, question_id: str) -> QuestionScore | None:
        for item in self.questions:
            if item.question_id == question_id:
                return item
        return None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (to keep a completed assessment with its section scores)."""
        return {
            "questionnaire_id": self.questionnaire_id,
            "version": self.version,
            "total": self.total,
            "max": self.max,
            "percent": self.percent,
            "band": {
                "key": self.band.key,
                "label": self.band.label.as_dict(),
                "advice": self.band.advice.as_dict(),
            },
            "sections": [
                {
                    "section_id": s.section_id,
                    "title": s.title.as_dict(),
                    "total": s.total,
                    "max": s.max,
                    "percent": s.percent,
                    "questions": s.questions,
                    "answered": s.answered,
                    "weak": s.weak,
                }
                for s in self.sections
            ],
            "weak": [w.as_dict() for w in self.weak],
            "unanswered": list(self.unanswered),
            "problems": [
                {"question_id": p.question_id, "code": p.code, "message": p.message.as_dict()}
                for p in self.problems
            ],
            "questions": [
                {
                    "question_id": q.question_id,
                    "section_id": q.section_id,
                    "visible": q.visible,
                    "answered": q.answered,
                    "answer": q.answer,
                    "points": q.points,
                    "max_points": q.max_points,
                    "weak": q.weak,
                }
                for q in self.questions
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        def text(value: Mapping[str, str]) -> Text:
            return Text(ja=value["ja"], en=value["en"])

        band = data["band"]
        return cls(
            questionnaire_id=data["questionnaire_id"],
            version=data["version"],
            total=data["total"],
            max=data["max"],
            percent=data["percent"],
            band=BandResult(band["key"], text(band["label"]), text(band["advice"])),
            sections=tuple(
                SectionResult(
                    s["section_id"],
                    text(s["title"]),
                    s["total"],
                    s["max"],
                    s["percent"],
                    s["questions"],
                    s["answered"],
                    s["weak"],
                )
                for s in data["sections"]
            ),
            weak=tuple(
                WeakAnswer(
                    finding_key=w["finding_key"],
                    questionnaire_id=w["questionnaire_id"],
                    section_id=w["section_id"],
                    question_id=w["question_id"],
                    title=text(w["title"]),
                    question=text(w["question"]),
                    answer=w["answer"],
                    answer_label=text(w["answer_label"]) if w["answer_label"] else None,
                    points=w["points"],
                    max_points=w["max_points"],
                    severity=w["severity"],
                    guidance=text(w["guidance"]),
                    cite=w["cite"],
                    unknown=w["unknown"],
                )
                for w in data["weak"]
            ),
            unanswered=tuple(data["unanswered"]),
            problems=tuple(
                AnswerProblem(p["question_id"], p["code"], text(p["message"]))
                for p in data["problems"]
            ),
            questions=tuple(QuestionScore(**q) for q in data["questions"]),
        )


# --------------------------------------------------------------------------------------------
# Answer normalisation


@dataclass(frozen=True, slots=True)
class _Graded:
    answered: bool
    value: Any = None  # normalised answer (JSON-ready)
    points: float = 0.0  # unweighted
    weak: bool = False
    choice: Choice | None = None  # the choice that made it weak (single/yesno)
    labels: tuple[Text, ...] = ()
    problem: str | None = None


def _normalise_yesno(value: Any) -> Any:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def _grade(question: Question, value: Any, today: dt.date) -> _Graded:
    """Normalise and score one answer; never raises."""
    if value is None or value == "" or value == []:
        return _Graded(answered=False)
    q_type = question.type
    if q_type in ("single", "yesno"):
        if q_type == "yesno":
            value = _normalise_yesno(value)
        if not isinstance(value, str):
            return _Graded(answered=False, problem="bad_type")
        choice = question.choice(value)
        if choice is None:
            return _Graded(answered=False, problem="bad_choice")
        best = question.max_points
        weak = choice.weak if choice.weak is not None else choice.score < best
        return _Graded(
            True,
            choice.id,
            choice.score,
            question.scored and weak,
            choice,
            (choice.label,),
        )
    if q_type == "multiple":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple | set | frozenset) or len(value) > 100:
            return _Graded(answered=False, problem="bad_type")
        chosen: list[Choice] = []
        for item in value:
            choice = question.choice(item) if isinstance(item, str) else None
            if choice is None:
                return _Graded(answered=False, problem="bad_choice")
            if choice not in chosen:
                chosen.append(choice)
        if len(chosen) > 1 and any(c.exclusive for c in chosen):
            return _Graded(answered=False, problem="exclusive_mixed")
        order = {c.id: i for i, c in enumerate(question.choices)}
        chosen.sort(key=lambda c: order[c.id])
        points = sum(c.score for c in chosen)
        if question.max_score is not None:
            points = min(points, question.max_score)
        best = question.max_points
        explicit_weak = [c for c in chosen if c.weak]
        weak = bool(explicit_weak) or points < question.weak_below * best
        return _Graded(
            True,
            [c.id for c in chosen],
            points,
            question.scored and weak,
            explicit_weak[0] if explicit_weak else None,
            tuple(c.label for c in chosen),
        )
    if q_type == "text":
        if not isinstance(value, str):
            return _Graded(answered=False, problem="bad_type")
        if len(value) > MAX_ANSWER_TEXT:
            return _Graded(answered=False, problem="too_long")
        stripped = value.strip()
        return _Graded(answered=bool(stripped), value=stripped or None)
    if q_type == "date":
        if value == DATE_NEVER:
            # "Never done" is an answer, and a weak one when the date is scored.
            scored = question.scored and bool(question.max_age_days)
            return _Graded(True, DATE_NEVER, 0.0, scored)
        parsed = _parse_date(value)
        if parsed is None:
            return _Graded(answered=False, problem="bad_date")
        if parsed > today:
            return _Graded(answered=False, problem="future_date")
        if not question.scored or not question.max_age_days:
            return _Graded(True, parsed.isoformat())
        recent = (today - parsed).days <= question.max_age_days
        return _Graded(True, parsed.isoformat(), 1.0 if recent else 0.0, not recent)
    return _Graded(answered=False, problem="bad_type")


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) <= 32:
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _visible(question: Question, graded: Mapping[str, _Graded], shown: Mapping[str, bool]) -> bool:
    condition = question.show_if
    if condition is None:
        return True
    if not shown.get(condition.question, False):
        return False
    target = graded.get(condition.question)
    if target is None or not target.answered:
        return False
    values = target.value if isinstance(target.value, list) else [target.value]
    return any(v in condition.any_of for v in values)


def _lower(severity: str) -> str:
    index = SEVERITIES.index(severity)
    return SEVERITIES[max(0, index - 1)]


# --------------------------------------------------------------------------------------------
# Scoring


def score(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any] | None,
    *,
    today: dt.date | None = None,
) -> Result:
    """Score ``answers`` against ``questionnaire``. Bad values become ``problems``."""
    today = today or dt.date.today()
    problems: list[AnswerProblem] = []
    if not isinstance(answers, Mapping):
        answers = {}
        problems.append(AnswerProblem("", "bad_type", _PROBLEM_TEXTS["bad_type"]))
    elif len(answers) > MAX_ANSWERS:
        problems.append(AnswerProblem("", "too_many", _PROBLEM_TEXTS["too_many"]))
        answers = {}
    for key in answers:
        if not isinstance(key, str) or questionnaire.question(key) is None:
            problems.append(
                AnswerProblem(str(key)[:64], "unknown_question", _PROBLEM_TEXTS["unknown_question"])
            )

    graded: dict[str, _Graded] = {}
    shown: dict[str, bool] = {}
    scores: list[QuestionScore] = []
    weak: list[tuple[tuple[float, int, float, int], WeakAnswer]] = []
    unanswered: list[str] = []
    section_results: list[SectionResult] = []
    total = maximum = 0.0
    order = 0
    for section in questionnaire.sections:
        s_total = s_max = 0.0
        s_questions = s_answered = s_weak = 0
        for question in section.questions:
            order += 1
            g = _grade(question, answers.get(question.id), today)
            graded[question.id] = g
            visible = _visible(question, graded, shown)
            shown[question.id] = visible
            if g.problem and visible:
                problems.append(AnswerProblem(question.id, g.problem, _PROBLEM_TEXTS[g.problem]))
            factor = question.weight * section.weight
            q_max = question.max_points * factor if visible else 0.0
            q_points = g.points * factor if visible and g.answered and question.scored else 0.0
            is_weak = visible and g.answered and g.weak
            scores.append(
                QuestionScore(
                    question.id,
                    section.id,
                    visible,
                    g.answered and visible,
                    g.value if visible else None,
                    q_points,
                    q_max,
                    is_weak,
                )
            )
            if not visible:
                continue
            if question.scored or question.required:
                s_questions += 1
                if g.answered:
                    s_answered += 1
                else:
                    unanswered.append(question.id)
            s_total += q_points
            s_max += q_max
            if is_weak and question.finding is not None:
                s_weak += 1
                item = _weak_answer(questionnaire, question, g, q_points, q_max)
                ratio = q_points / q_max if q_max else 0.0
                sort_key = (ratio, -SEVERITIES.index(item.severity), -factor, order)
                weak.append((sort_key, item))
        section_results.append(
            SectionResult(
                section.id,
                section.title,
                round(s_total, 2),
                round(s_max, 2),
                _percent(s_total, s_max),
                s_questions,
                s_answered,
                s_weak,
            )
        )
        total += s_total
        maximum += s_max

    percent = _percent(total, maximum)
    band = questionnaire.band_for(total if questionnaire.basis == "points" else percent)
    weak.sort(key=lambda pair: pair[0])
    return Result(
        questionnaire_id=questionnaire.id,
        version=questionnaire.version,
        total=round(total, 2),
        max=round(maximum, 2),
        percent=percent,
        band=BandResult(band.key, band.label, band.advice),
        sections=tuple(section_results),
        weak=tuple(item for _, item in weak),
        unanswered=tuple(unanswered),
        problems=tuple(problems),
        questions=tuple(scores),
    )


def _percent(total: float, maximum: float) -> float:
    if maximum <= 0:
        return 0.0
    return round(min(100.0, max(0.0, 100.0 * total / maximum)), 1)


def _weak_answer(
    questionnaire: Questionnaire,
    question: Question,
    graded: _Graded,
    points: float,
    max_points: float,
) -> WeakAnswer:
    finding = question.finding
    assert finding is not None
    choice = graded.choice
    if choice is None and question.type in ("single", "yesno"):
        choice = question.choice(str(graded.value))
    severity = finding.severity
    if choice is not None and choice.severity:
        severity = choice.severity
    elif points > 0:
        severity = _lower(severity)
    guidance = finding.guidance
    if choice is not None and choice.guidance is not None:
        guidance = choice.guidance
    unknown = choice is not None and choice.unknown
    if unknown and questionnaire.unknown_guidance is not None and choice.guidance is None:
        guidance = Text(
            ja=f"{questionnaire.unknown_guidance.ja}\n{guidance.ja}",
            en=f"{questionnaire.unknown_guidance.en}\n{guidance.en}",
        )
    label: Text | None = None
    if graded.labels:
        label = Text(
            ja="、".join(t.ja for t in graded.labels), en=", ".join(t.en for t in graded.labels)
        )
    return WeakAnswer(
        finding_key=finding.key,
        questionnaire_id=questionnaire.id,
        section_id=question.section_id,
        question_id=question.id,
        title=finding.title,
        question=question.text,
        answer=graded.value,
        answer_label=label,
        points=round(points, 2),
        max_points=round(max_points, 2),
        severity=severity,
        guidance=guidance,
        cite=question.cite,
        unknown=unknown,
    )


# --------------------------------------------------------------------------------------------
# Comparison


@dataclass(frozen=True, slots=True)
class Change:
    question_id: str
    section_id: str
    before: Any
    after: Any
    points_before: float
    points_after: float
    max_points: float


@dataclass(frozen=True, slots=True)
class SectionChange:
    section_id: str
    title: Text
    percent_before: float
    percent_after: float

    @property
    def delta(self) -> float:
        return round(self.percent_after - self.percent_before, 1)


@dataclass(frozen=True, slots=True)
class Comparison:
    questionnaire_id: str
    total_before: float
    total_after: float
    percent_before: float
    percent_after: float
    band_before: BandResult
    band_after: BandResult
    improved: tuple[Change, ...]  # biggest gain first
    worsened: tuple[Change, ...]  # biggest loss first
    resolved_findings: tuple[str, ...]
    new_findings: tuple[str, ...]
    sections: tuple[SectionChange, ...]

    @property
    def delta(self) -> float:
        return round(self.total_after - self.total_before, 2)


def compare(before: Result, after: Result) -> Comparison:
    """What improved and what got worse from ``before`` to ``after`` (same questionnaire)."""
    if before.questionnaire_id != after.questionnaire_id:
        raise ValueError("compare() needs two results of the same questionnaire")
    old = {q.question_id: q for q in before.questions}
    improved: list[Change] = []
    worsened: list[Change] = []
    for new in after.questions:
        prior = old.get(new.question_id)
        if prior is None or not (prior.answered or new.answered):
            continue
        if not (prior.max_points or new.max_points):
            continue  # unscored on both sides
        change = Change(
            new.question_id,
            new.section_id,
            prior.answer,
            new.answer,
            prior.points,
            new.points,
            max(prior.max_points, new.max_points),
        )
        # Compare ratios so that a question that became hidden/shown is judged fairly.
        if _ratio(new) > _ratio(prior):
            improved.append(change)
        elif _ratio(new) < _ratio(prior):
            worsened.append(change)
    improved.sort(key=lambda c: c.points_before - c.points_after)
    worsened.sort(key=lambda c: c.points_after - c.points_before)
    before_keys = before.finding_keys
    after_keys = after.finding_keys
    old_sections = {s.section_id: s for s in before.sections}
    sections = tuple(
        SectionChange(
            s.section_id,
            s.title,
            old_sections[s.section_id].percent if s.section_id in old_sections else 0.0,
            s.percent,
        )
        for s in after.sections
    )
    return Comparison(
        questionnaire_id=after.questionnaire_id,
        total_before=before.total,
        total_after=after.total,
        percent_before=before.percent,
        percent_after=after.percent,
        band_before=before.band,
        band_after=after.band,
        improved=tuple(improved),
        worsened=tuple(worsened),
        resolved_findings=tuple(sorted(before_keys - after_keys)),
        new_findings=tuple(sorted(after_keys - before_keys)),
        sections=sections,
    )


def _ratio(item: QuestionScore) -> float:
    if not item.answered or not item.max_points:
        return 0.0
    return item.points / item.max_points


# --------------------------------------------------------------------------------------------
# Merging several members' answers


@dataclass(frozen=True, slots=True)
class Conflict:
    question_id: str
    values: tuple[tuple[str, Any], ...]  # (member, answer) for every member who answered
    chosen: Any  # the merged answer, or None when the owner must decide
    reason: str  # "owner" | "most_cautious" | "undecided"


@dataclass(frozen=True, slots=True)
class MergeResult:
    answers: dict[str, Any]
    conflicts: tuple[Conflict, ...]
    contributors: dict[str, tuple[str, ...]]

    @property
    def undecided(self) -> tuple[str, ...]:
        return tuple(c.question_id for c in self.conflicts if c.chosen is None)


def merge(
    answer_sets: Mapping[str, Mapping[str, Any]] | Sequence[tuple[str, Mapping[str, Any]]],
    questionnaire: Questionnaire | None = None,
    *,
    owner: str | None = None,
    today: dt.date | None = None,
) -> MergeResult:
    """Merge answers from several members into one set.

    Agreement is kept. On disagreement: the owner's answer wins when the owner answered;
    otherwise, with a questionnaire, the most cautious scored answer is kept (one weak office
    weakens the whole organisation); unscored disagreements (free text, plain dates) are left
    out for the owner to decide. Every disagreement is listed in ``conflicts``.
    """
    today = today or dt.date.today()
    items: Iterable[tuple[str, Mapping[str, Any]]]
    items = answer_sets.items() if isinstance(answer_sets, Mapping) else answer_sets
    by_question: dict[str, list[tuple[str, Any, Any]]] = {}
    for member, answers in items:
        if not isinstance(answers, Mapping):
            continue
        for question_id, value in answers.items():
            if not isinstance(question_id, str):
                continue
            question = questionnaire.question(question_id) if questionnaire else None
            if questionnaire is not None and question is None:
                continue
            key, graded = _merge_key(question, value, today)
            if key is None:
                continue
            by_question.setdefault(question_id, []).append((str(member), value, (key, graded)))

    merged: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    contributors: dict[str, tuple[str, ...]] = {}
    for question_id, entries in by_question.items():
        contributors[question_id] = tuple(member for member, _, _ in entries)
        distinct = {_hashable(key) for _, _, (key, _) in entries}
        if len(distinct) == 1:
            merged[question_id] = entries[0][1]
            continue
        values = tuple((member, value) for member, value, _ in entries)
        owner_entry = next((e for e in entries if owner is not None and e[0] == owner), None)
        question = questionnaire.question(question_id) if questionnaire else None
        if owner_entry is not None:
            chosen, reason = owner_entry[1], "owner"
        elif question is not None and question.scored and question.type != "text":
            cautious = min(entries, key=lambda e: (e[2][1].points, e[2][1].answered))
            chosen, reason = cautious[1], "most_cautious"
        else:
            chosen, reason = None, "undecided"
        if chosen is not None:
            merged[question_id] = chosen
        conflicts.append(Conflict(question_id, values, chosen, reason))
    return MergeResult(merged, tuple(conflicts), contributors)


def _merge_key(question: Question | None, value: Any, today: dt.date) -> tuple[Any, _Graded]:
    """A comparable form of an answer, or (None, _) when it is empty or invalid."""
    if question is None:
        if value is None or value == "" or value == []:
            return None, _Graded(answered=False)
        if isinstance(value, list | tuple | set | frozenset):
            return tuple(sorted(map(str, value))), _Graded(answered=True)
        return value, _Graded(answered=True)
    graded = _grade(question, value, today)
    if not graded.answered:
        return None, graded
    key = graded.value
    if isinstance(key, list):
        key = tuple(key)
    return key, graded


def _hashable(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value
