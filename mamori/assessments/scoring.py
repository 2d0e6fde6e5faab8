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
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mamori.assessments.questionnaire import (
    CONTENT_DIR,
    SEVERITIES,
    Choice,
    Question,
    Questionnaire,
    Text,
    read_yaml,
)
from mamori.assessments.results import (
    AnswerProblem,
    BandResult,
    Change,
    Comparison,
    QuestionScore,
    Result,
    SectionChange,
    SectionResult,
    WeakAnswer,
)

MAX_ANSWERS = 1000
DATE_NEVER = "never"  # the answer to a date question about something never done
MAX_ANSWER_TEXT = 5000


@functools.cache
def _problem_texts() -> dict[str, Text]:
    data = read_yaml(CONTENT_DIR / "messages.yaml")["answer_problems"]
    limit = str(MAX_ANSWER_TEXT)
    return {
        code: Text(ja=text["ja"].replace("{max}", limit), en=text["en"].replace("{max}", limit))
        for code, text in data.items()
    }


def _problem(question_id: str, code: str) -> AnswerProblem:
    return AnswerProblem(question_id, code, _problem_texts()[code])


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
        problems.append(_problem("", "bad_type"))
    elif len(answers) > MAX_ANSWERS:
        problems.append(_problem("", "too_many"))
        answers = {}
    for key in answers:
        if not isinstance(key, str) or questionnaire.question(key) is None:
            problems.append(_problem(str(key)[:64], "unknown_question"))

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
                problems.append(_problem(question.id, g.problem))
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
            cautious = min(entries, key=lambda e: _caution(e[2][1]))
            chosen, reason = cautious[1], "most_cautious"
        else:
            chosen, reason = None, "undecided"
        if chosen is not None:
            merged[question_id] = chosen
        conflicts.append(Conflict(question_id, values, chosen, reason))
    return MergeResult(merged, tuple(conflicts), contributors)


def _caution(graded: _Graded) -> tuple[float, str]:
    """Sort key: fewer points first; among equal points an older date (or "never") first."""
    value = graded.value
    tie = value if isinstance(value, str) and value != DATE_NEVER else ""
    return (graded.points, tie)


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
