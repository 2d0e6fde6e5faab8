"""Questionnaires as data: YAML files → validated, immutable dataclasses.

A questionnaire has sections; a section has questions. Question types:

- ``single``: one choice; every choice carries a score.
- ``multiple``: any number of choices; the score is the sum of the chosen scores, capped at
  ``max_score`` when given. A choice marked ``exclusive`` (e.g. "none of these") cannot be
  combined with others.
- ``yesno``: the fixed answers ``yes`` / ``no`` / ``unknown`` with the questionnaire's
  ``yesno_labels``; ``good`` says which answer is the safe one (default ``yes``).
- ``text`` and ``date``: free answers. A date question with ``max_age_days`` is scored: full
  points when the date is recent enough, none when it is older or missing.

A question may be shown only when an earlier question's answer matches (``show_if``). Scored
questions carry a ``finding`` (stable key, severity, guidance) that the lead turns into a
finding + action for every weak answer; a choice may override the guidance and severity.

Validation problems are returned as values (``validate``); ``parse`` raises
``QuestionnaireInvalid`` carrying them. ``load_all`` reads the registered shipped files.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

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
from mamori.assessments.schema import (
    FOLD_SPACE_RE,
    JAPANESE_RE,
    KANA_RE,
    Checker,
    parse,
    validate,
)

__all__ = [
    "BAND_BASES",
    "CONTENT_DIR",
    "FOLD_SPACE_RE",
    "JAPANESE_RE",
    "KANA_RE",
    "QUESTIONNAIRE_FILES",
    "QUESTION_TYPES",
    "SEVERITIES",
    "YESNO_ANSWERS",
    "Band",
    "Checker",
    "Choice",
    "Condition",
    "FindingSpec",
    "Problem",
    "Question",
    "Questionnaire",
    "QuestionnaireInvalid",
    "Section",
    "Text",
    "load_all",
    "load_file",
    "parse",
    "read_yaml",
    "validate",
]

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content" / "questionnaires"

# Explicit registry (no directory scan): every shipped questionnaire file, in display order.
QUESTIONNAIRE_FILES: tuple[str, ...] = (
    "ipa_basic",
    "handbook",
    "bcp",
    "personal_data",
    "telework_byod",
)

MAX_FILE_BYTES = 512 * 1024
# libyaml's safe loader when built in (about ten times faster), the pure-Python one otherwise.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# --------------------------------------------------------------------------------------------
# Loading


def read_yaml(path: Path) -> Any:
    """Raw data of a content file, refusing oversized files."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise QuestionnaireInvalid(
            str(path), [Problem("$", "file_too_large", f"{size} bytes > {MAX_FILE_BYTES}")]
        )
    with path.open("rb") as handle:
        return yaml.load(handle, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader


def load_file(path: Path) -> Questionnaire:
    try:
        data = read_yaml(path)
    except yaml.YAMLError as exc:
        raise QuestionnaireInvalid(str(path), [Problem("$", "yaml_error", str(exc))]) from exc
    questionnaire = parse(data, str(path))
    if questionnaire.id != path.stem:
        raise QuestionnaireInvalid(
            str(path), [Problem("id", "id_mismatch", "id must equal the file name")]
        )
    return questionnaire


@functools.cache
def _load_shipped() -> tuple[tuple[str, Questionnaire], ...]:
    return tuple((name, load_file(CONTENT_DIR / f"{name}.yaml")) for name in QUESTIONNAIRE_FILES)


def load_all() -> dict[str, Questionnaire]:
    """Every shipped questionnaire by id, in registry order (read once, then cached; callers get
    their own dict). Shipped content that does not validate is a programming error and raises
    ``QuestionnaireInvalid``."""
    return dict(_load_shipped())
