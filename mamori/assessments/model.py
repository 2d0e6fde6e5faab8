"""Immutable data model of a questionnaire (see ``questionnaire`` for the YAML format)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

QUESTION_TYPES = ("single", "multiple", "yesno", "text", "date")
YESNO_ANSWERS = ("yes", "no", "unknown")
SEVERITIES = ("low", "medium", "high", "critical")
BAND_BASES = ("points", "percent")


class QuestionnaireInvalid(ValueError):
    """Raised by ``parse`` / ``load_all`` when content does not validate."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        listed = "; ".join(f"{p.path}: {p.message}" for p in problems[:10])
        super().__init__(f"{source}: {len(problems)} problem(s): {listed}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One content problem: where (a dotted path) and what (for the content author)."""

    path: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Text:
    """A user-visible text in both languages."""

    ja: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang.lower().startswith("en") else self.ja

    def as_dict(self) -> dict[str, str]:
        return {"ja": self.ja, "en": self.en}


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    label: Text
    score: float = 0.0
    # None means "weak when the score is below the question's best score".
    weak: bool | None = None
    unknown: bool = False
    exclusive: bool = False
    severity: str | None = None
    guidance: Text | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """Show a question only when ``question``'s answer is (or, for multiple, includes) one of
    ``any_of``."""

    question: str
    any_of: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FindingSpec:
    key: str
    severity: str
    title: Text
    guidance: Text


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    section_id: str
    type: str
    text: Text
    cite: str
    weight: float = 1.0
    scored: bool = True
    required: bool = False
    help: Text | None = None
    choices: tuple[Choice, ...] = ()
    show_if: Condition | None = None
    finding: FindingSpec | None = None
    # A multiple-choice answer is weak when its points are below weak_below × max points.
    weak_below: float = 1.0
    max_score: float | None = None
    max_age_days: int | None = None

    def choice(self, choice_id: str) -> Choice | None:
        for choice in self.choices:
            if choice.id == choice_id:
                return choice
        return None

    @property
    def max_points(self) -> float:
        """Best possible points before weights."""
        if not self.scored:
            return 0.0
        if self.type in ("single", "yesno"):
            return max((c.score for c in self.choices), default=0.0)
        if self.type == "multiple":
            positive = sum(c.score for c in self.choices if c.score > 0 and not c.exclusive)
            best_exclusive = max((c.score for c in self.choices if c.exclusive), default=0.0)
            best = max(positive, best_exclusive)
            return min(best, self.max_score) if self.max_score is not None else best
        if self.type == "date" and self.max_age_days:
            return 1.0
        return 0.0


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: Text
    questions: tuple[Question, ...]
    weight: float = 1.0
    description: Text | None = None


@dataclass(frozen=True, slots=True)
class Band:
    min: float
    key: str
    label: Text
    advice: Text


@dataclass(frozen=True)  # no slots: the cached properties need an instance __dict__
class Questionnaire:
    id: str
    version: int
    title: Text
    description: Text
    source: Text
    basis: str
    bands: tuple[Band, ...]  # sorted by ``min``, highest first
    sections: tuple[Section, ...]
    yesno_labels: Mapping[str, Text] = field(default_factory=dict)
    unknown_guidance: Text | None = None
    minutes: int | None = None

    @functools.cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @functools.cached_property
    def _by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def section(self, section_id: str) -> Section | None:
        for section in self.sections:
            if section.id == section_id:
                return section
        return None

    def band_for(self, value: float) -> Band:
        for band in self.bands:
            if value >= band.min:
                return band
        return self.bands[-1]
