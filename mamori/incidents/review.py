"""The 振り返り (post-incident review) questions, from mamori/content/incidents/review.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .playbooks import Text
from .yamlsafe import read_yaml_file

REVIEW_FILE = Path(__file__).resolve().parents[1] / "content" / "incidents" / "review.yaml"


@dataclass(frozen=True)
class ReviewQuestion:
    id: str
    text: Text


@dataclass(frozen=True)
class ReviewTemplate:
    source: str
    questions: tuple[ReviewQuestion, ...]


@lru_cache(maxsize=1)
def review_template() -> ReviewTemplate:
    data, error = read_yaml_file(REVIEW_FILE)
    if error or not isinstance(data, dict):
        raise ValueError(f"review.yaml: {error or 'must be a mapping'}")
    questions = tuple(
        ReviewQuestion(id=str(q["id"]), text=Text(ja=str(q["ja"]), en=str(q["en"])))
        for q in data.get("questions") or []
        if isinstance(q, dict) and {"id", "ja", "en"} <= set(q)
    )
    return ReviewTemplate(source=str(data.get("source", "")), questions=questions)
