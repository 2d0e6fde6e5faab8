"""「何が起きた？」: suggest incident playbooks from a plain description and a few yes/no answers.

Japanese has no spaces between words, so matching works on normalised characters rather than
words: NFKC (full/half width), case folding, katakana folded to hiragana, punctuation and spaces
dropped, and a small table of spelling variants (漏洩/漏えい, パソコン/PC …) folded together.

Score of a playbook =
  keyword hits     each of its keywords found in the text, weighted by length (longer = more
                   specific) and divided by sqrt(number of playbooks sharing that keyword);
                   a keyword inside a longer matched keyword of the same playbook is not
                   counted twice, and a Japanese keyword found only inside a longer keyword
                   of any playbook does not count (longest match: ワード in パスワード);
+ answers          the boosts that triage.yaml gives to a "yes" answer;
+ resemblance      a small term: character bigrams (Japanese) and words (English) shared with
                   the playbook's title, summary and signs, weighted by rarity; it separates
                   ties and catches descriptions that use none of the keywords.
No ML model, no external service. Pure Python: no Django imports.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from mamori.incidents.playbooks import (
    CONTENT_DIR,
    Catalog,
    Playbook,
    Problem,
    Text,
    load_catalog,
)
from mamori.incidents.yamlsafe import read_yaml_file

MAX_TEXT_CHARS = 4000
MAX_LIMIT = 50
MAX_ANSWERS = 100
RESEMBLANCE_WEIGHT = 1.5
# A playbook suggested on resemblance alone (no keyword, no answer) needs at least this score,
# so vague or unrelated text does not produce noise.
MIN_RESEMBLANCE_ONLY = 0.8
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# Bigrams with at least one kanji carry meaning; kana-only pairs are mostly particles (ので, いの).
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_EN_STOPWORDS = frozenset(
    "the and for with from that this was were are has have had not but you your our their "
    "there then into onto out off its it's all any can could been being some more most such "
    "than them they what when where which who why how".split()
)
_YES = frozenset({"yes", "y", "true", "1", "はい", "ある", "いる"})


# --------------------------------------------------------------------------- normalisation


def _kata_to_hira(text: str) -> str:
    return "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in text)


def _fold(text: str) -> str:
    """NFKC, case-fold, katakana to hiragana, punctuation/symbols to spaces, spaces squeezed."""
    text = _kata_to_hira(unicodedata.normalize("NFKC", text).casefold())
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "PSZC" and ch != "ー":
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


@dataclass(frozen=True)
class Normaliser:
    """Folds text and keywords the same way, including the spelling-variant table."""

    variants: tuple[tuple[str, str], ...] = ()

    def spaced(self, text: str) -> str:
        folded = _fold(text)
        for source, target in self.variants:
            folded = folded.replace(source, target)
        return folded

    def compact(self, text: str) -> str:
        return self.spaced(text).replace(" ", "")


def _is_ascii(term: str) -> bool:
    return all(ord(ch) < 128 for ch in term)


def _tokens(spaced: str) -> Counter[str]:
    """Japanese bigrams containing a kanji, plus English words: the resemblance vocabulary."""
    tokens: Counter[str] = Counter()
    compact = spaced.replace(" ", "")
    for a, b in zip(compact, compact[1:], strict=False):
        if _KANJI.match(a) or _KANJI.match(b):
            tokens[a + b] += 1
    for word in _ASCII_WORD.findall(spaced):
        if len(word) >= 3 and word not in _EN_STOPWORDS:
            tokens[word] += 1
    return tokens


# --------------------------------------------------------------------------- questions


@dataclass(frozen=True)
class Question:
    id: str
    text: Text
    boost: Mapping[str, float]
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    playbook_id: str
    score: float
    matched: tuple[str, ...]  # keywords found in the text, as written in the playbook
    questions: tuple[str, ...] = ()  # ids of "yes" answers that pointed here


@dataclass(frozen=True)
class _Keyword:
    term: str  # as written in the playbook
    folded: str
    ascii: bool
    weight: float
    pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class _Profile:
    playbook_id: str
    keywords: tuple[_Keyword, ...]
    tokens: Counter[str]


@dataclass(frozen=True)
class TriageIndex:
    """Everything triage needs, built once from the playbook catalog and triage.yaml."""

    normaliser: Normaliser
    profiles: tuple[_Profile, ...]
    token_idf: Mapping[str, float]
    questions: tuple[Question, ...]
    question_by_id: Mapping[str, Question] = field(default_factory=dict)


def _keyword_weight(folded: str, shared_by: int) -> float:
    specificity = 1.0 + 0.25 * min(len(folded), 8)
    return specificity / math.sqrt(max(shared_by, 1))


def _profile_text(pb: Playbook) -> str:
    parts: list[str] = [pb.title.ja, pb.title.en, pb.summary.ja, pb.summary.en]
    for sign in pb.recognise:
        parts.extend((sign.ja, sign.en))
    parts.extend(pb.keywords_ja)
    parts.extend(pb.keywords_en)
    return " ".join(parts)


def validate_triage_data(
    data: object, playbook_ids: Iterable[str], *, file: str = "triage.yaml"
) -> list[Problem]:
    """Problems in triage.yaml: question ids, both languages, boosts to known playbooks."""
    known = set(playbook_ids)
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return [Problem(file, "", "must be a mapping with 'questions' and 'variants'")]
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        problems.append(Problem(file, "questions", "must be a non-empty list"))
        questions = []
    seen: set[str] = set()
    for i, item in enumerate(questions):
        path = f"questions[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(file, path, "must be a mapping"))
            continue
        qid = item.get("id")
        if not isinstance(qid, str) or not re.match(r"^[a-z][a-z0-9_]*$", qid):
            problems.append(Problem(file, f"{path}.id", "must be a lower-case identifier"))
        elif qid in seen:
            problems.append(Problem(file, f"{path}.id", f"duplicate id {qid!r}"))
        else:
            seen.add(qid)
        for lang in ("ja", "en"):
            if not isinstance(item.get(lang), str) or not item[lang].strip():
                problems.append(Problem(file, f"{path}.{lang}", "must be a non-empty string"))
        boost = item.get("boost")
        if not isinstance(boost, dict) or not boost:
            problems.append(Problem(file, f"{path}.boost", "must be a non-empty mapping"))
            continue
        for target, value in boost.items():
            if target not in known:
                problems.append(Problem(file, f"{path}.boost.{target}", "is not a playbook id"))
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 10:
                problems.append(
                    Problem(file, f"{path}.boost.{target}", "must be a number in (0, 10]")
                )
        flags = item.get("flags", [])
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
            problems.append(Problem(file, f"{path}.flags", "must be a list of strings"))
    no_match = data.get("no_match", [])
    if not isinstance(no_match, list) or not all(
        isinstance(item, dict)
        and all(isinstance(item.get(lang), str) and item[lang].strip() for lang in ("ja", "en"))
        for item in no_match
    ):
        problems.append(Problem(file, "no_match", "must be a list of {ja, en} texts"))
    variants = data.get("variants", {})
    if not isinstance(variants, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in variants.items()
    ):
        problems.append(Problem(file, "variants", "must map non-empty strings to strings"))
    return problems


def build_index(catalog: Catalog, triage_data: object) -> TriageIndex:
    """Build the index; triage_data must already validate (see validate_triage_data)."""
    data = triage_data if isinstance(triage_data, dict) else {}
    raw_variants = data.get("variants") or {}
    # Fold variant keys like the text; longest first so 乗っ取られ beats 乗っ取.
    pairs = sorted(
        ((_fold(k).replace(" ", ""), _fold(v).replace(" ", "")) for k, v in raw_variants.items()),
        key=lambda kv: -len(kv[0]),
    )
    normaliser = Normaliser(variants=tuple(pairs))

    folded_by_pb: dict[str, list[tuple[str, str]]] = {}
    shared: Counter[str] = Counter()
    for pb in catalog.playbooks:
        entries: dict[str, str] = {}
        for term in (*pb.keywords_ja, *pb.keywords_en):
            folded = normaliser.spaced(term) if _is_ascii(term) else normaliser.compact(term)
            if folded:
                entries.setdefault(folded, term)
        folded_by_pb[pb.id] = [(f, t) for f, t in entries.items()]
        shared.update(entries.keys())

    profiles: list[_Profile] = []
    doc_freq: Counter[str] = Counter()
    for pb in catalog.playbooks:
        keywords = tuple(
            _Keyword(
                term=term,
                folded=folded,
                ascii=_is_ascii(folded),
                weight=_keyword_weight(folded, shared[folded]),
                pattern=re.compile(r"(?<![a-z0-9])" + re.escape(folded))
                if _is_ascii(folded)
                else None,
            )
            for folded, term in folded_by_pb[pb.id]
        )
        tokens = _tokens(normaliser.spaced(_profile_text(pb)))
        doc_freq.update(tokens.keys())
        profiles.append(_Profile(playbook_id=pb.id, keywords=keywords, tokens=tokens))
    total = max(len(profiles), 1)
    token_idf = {tok: math.log((1 + total) / (1 + df)) for tok, df in doc_freq.items()}

    questions = tuple(
        Question(
            id=str(item["id"]),
            text=Text(ja=str(item["ja"]).strip(), en=str(item["en"]).strip()),
            boost={str(k): float(v) for k, v in item["boost"].items()},
            flags=tuple(item.get("flags", [])),
        )
        for item in data.get("questions") or []
    )
    return TriageIndex(
        normaliser=normaliser,
        profiles=tuple(profiles),
        token_idf=token_idf,
        questions=questions,
        question_by_id={q.id: q for q in questions},
    )


@lru_cache(maxsize=1)
def default_index() -> TriageIndex:
    """The index over the shipped content (built once per process)."""
    catalog = load_catalog()
    data, error = read_yaml_file(CONTENT_DIR / "triage.yaml")
    problems = (
        [Problem("triage.yaml", "", error)] if error else validate_triage_data(data, catalog.by_id)
    )
    if problems:
        raise ValueError("; ".join(str(p) for p in problems))
    return build_index(catalog, data)


@lru_cache(maxsize=1)
def general_first_steps() -> tuple[Text, ...]:
    """What to do when no playbook really matches (triage.yaml ``no_match``)."""
    data, error = read_yaml_file(CONTENT_DIR / "triage.yaml")
    if error or not isinstance(data, dict):
        return ()
    return tuple(
        Text(ja=str(item["ja"]).strip(), en=str(item["en"]).strip())
        for item in data.get("no_match") or []
        if isinstance(item, dict) and item.get("ja") and item.get("en")
    )


def is_real_match(suggestion: Suggestion) -> bool:
    """A suggestion backed by the person's own words or a yes answer, not resemblance alone."""
    return bool(suggestion.matched or suggestion.questions)


def questions() -> tuple[Question, ...]:
    """The plain yes/no questions, in the order to ask them."""
    return default_index().questions


def load_triage_problems(directory: Path | None = None) -> list[Problem]:
    """Problems in triage.yaml of a content folder (empty list: valid)."""
    folder = directory or CONTENT_DIR
    catalog = load_catalog(directory)
    data, error = read_yaml_file(folder / "triage.yaml")
    if error:
        return [Problem("triage.yaml", "", error)]
    return validate_triage_data(data, catalog.by_id)


def _occurrences(term: str, text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    start = text.find(term)
    while start != -1 and len(found) < 50:
        found.append((start, start + len(term)))
        start = text.find(term, start + 1)
    return found


def _japanese_spans(idx: TriageIndex, compact: str) -> list[tuple[int, int]]:
    """Where every non-ASCII keyword of every playbook occurs in the text."""
    terms = {kw.folded for p in idx.profiles for kw in p.keywords if kw.pattern is None}
    return [span for term in terms if term in compact for span in _occurrences(term, compact)]


def _uncovered(term: str, compact: str, spans: list[tuple[int, int]]) -> bool:
    """True if the term occurs at least once not inside a longer keyword's occurrence."""
    for start, end in _occurrences(term, compact):
        if not any(s <= start and end <= e and e - s > end - start for s, e in spans):
            return True
    return False


def _is_yes(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().casefold() in _YES
    return False


def suggest(
    text: str,
    answers: Mapping[str, object] | None = None,
    limit: int = 3,
    *,
    index: TriageIndex | None = None,
) -> list[Suggestion]:
    """The best matching playbooks for a plain description, best first (score > 0 only).

    ``answers`` maps question ids to yes/no (True/False, "yes"/"no", "はい"); unknown ids and
    other values are ignored. Bad input never raises: a non-string text counts as empty.
    """
    idx = index or default_index()
    if not isinstance(text, str):
        text = ""
    text = text[:MAX_TEXT_CHARS]
    try:
        limit = max(1, min(int(limit), MAX_LIMIT))
    except (TypeError, ValueError):
        limit = 3
    spaced = idx.normaliser.spaced(text)
    compact = spaced.replace(" ", "")
    text_tokens = _tokens(spaced)
    text_norm = math.sqrt(sum(idx.token_idf.get(t, 0.0) ** 2 for t in text_tokens)) or 1.0

    yes_questions: list[Question] = []
    if isinstance(answers, Mapping):
        for qid, value in list(answers.items())[:MAX_ANSWERS]:
            question = idx.question_by_id.get(qid) if isinstance(qid, str) else None
            if question is not None and _is_yes(value):
                yes_questions.append(question)

    # Longest match wins across playbooks: ワード inside パスワード, 代金 inside 身代金.
    spans = _japanese_spans(idx, compact)
    results: list[Suggestion] = []
    for profile in idx.profiles:
        hits = [
            kw
            for kw in profile.keywords
            if (
                kw.pattern.search(spaced)
                if kw.pattern is not None
                else _uncovered(kw.folded, compact, spans)
            )
        ]
        hits.sort(key=lambda kw: (-len(kw.folded), kw.folded))
        counted: list[_Keyword] = []
        for kw in hits:
            if not any(kw.folded in longer.folded for longer in counted):
                counted.append(kw)
        score = sum(kw.weight for kw in counted)

        shared_tokens = [t for t in text_tokens if t in profile.tokens]
        if shared_tokens:
            overlap = sum(idx.token_idf.get(t, 0.0) ** 2 for t in shared_tokens)
            score += (
                RESEMBLANCE_WEIGHT * overlap / text_norm / math.sqrt(len(profile.tokens) or 1) * 4
            )

        pointed = [q for q in yes_questions if profile.playbook_id in q.boost]
        score += sum(q.boost[profile.playbook_id] for q in pointed)
        if score <= 0 or (not counted and not pointed and score < MIN_RESEMBLANCE_ONLY):
            continue
        results.append(
            Suggestion(
                playbook_id=profile.playbook_id,
                score=round(score, 3),
                matched=tuple(kw.term for kw in counted),
                questions=tuple(q.id for q in pointed),
            )
        )
    results.sort(key=lambda s: (-s.score, s.playbook_id))
    return results[:limit]
