"""Result types of scoring and comparison, with a JSON-ready round trip."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mamori.assessments.model import Text


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
