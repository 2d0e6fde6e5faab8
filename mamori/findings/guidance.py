"""Finding guidance as content: YAML files → validated, immutable dataclasses.

Every finding carries a guidance key (``inventory.leaver_access`` …). The guidance for a key says,
in Japanese and English, what is wrong (``summary``, a template the rule's params fill), why it
matters for a small organisation, what to do (ordered ``steps``) and where the facts come from
(``sources``: a handbook section such as ``ハンドブック 第7章 §6.2`` or a MIC case title).

One file per area under ``mamori/content/guidance/`` (``inventory.yaml`` …), listed explicitly in
``GUIDANCE_FILES``; every key in a file starts with its area. ``validate(data)`` returns problems
as values and never raises on bad input; ``load_guidance()`` returns the dataclasses or raises
``GuidanceInvalid`` carrying those problems. Pure Python: no Django imports.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from mamori.incidents.playbooks import MIC_CASE_TITLES, MIC_DOCUMENT, normalise_title
from mamori.incidents.yamlsafe import read_yaml_file

CONTENT_DIR = Path(__file__).resolve().parents[1] / "content" / "guidance"

# Explicit registry (no directory scan): the area files, each ``<area>.yaml``.
GUIDANCE_FILES: tuple[str, ...] = (
    "inventory",
    "mailcheck",
    "intel",
    "monitoring",
    "assessment",
    "incident",
    "licences",
    "shadowit",
    "routines",
    "continuity",
    "privacy",
    "training",
    "payees",
)

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
SEVERITY_RANK: dict[str, int] = {"critical": 4, "high": 3, "medium": 2, "low": 1}
DEFAULT_DUE_DAYS: dict[str, int] = {"critical": 3, "high": 14, "medium": 30, "low": 90}

# Sections of the handbook's chapter 7 (SMEs) that exist, for checking citations.
HANDBOOK_CHAPTER = 7
HANDBOOK_SECTIONS: frozenset[str] = frozenset(
    {
        *(str(n) for n in range(1, 11)),
        "1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "5.1", "5.2", "6.1", "6.2",
        *(f"7.{n}" for n in range(1, 10)),
    }
)  # fmt: skip
HANDBOOK_REF = re.compile(r"^ハンドブック 第(?P<chapter>\d+)章 §(?P<section>\d+(?:\.\d+)?)$")

KEY_PATTERN = re.compile(r"^(?P<area>[a-z]+)\.[a-z0-9]+(?:_[a-z0-9]+)*$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
PLAYBOOK_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")

ENTRY_FIELDS = frozenset(
    {
        "key",
        "severity",
        "title",
        "summary",
        "placeholders",
        "why",
        "steps",
        "sources",
        "due_days",
        "severity_when",
        "value_labels",
        "playbook",
    }
)
REQUIRED_FIELDS = ("key", "severity", "title", "summary", "placeholders", "why", "steps", "sources")

# Caps: content is reviewed like code, but a runaway file must not make pages slow or odd.
MAX_ENTRIES = 200
MAX_STEPS = 12
MAX_SOURCES = 8
MAX_PLACEHOLDERS = 10
MAX_LABELS = 40
MAX_DUE_DAYS = 365
MAX_CHARS = {"title": 80, "summary": 300, "why": 1000, "step": 400, "label": 80}
# Rendering caps: a value from user data (a share name, a mail subject) stays readable.
MAX_VALUE_CHARS = 200
MAX_LIST_ITEMS = 10

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LATIN = re.compile(r"[A-Za-z]")
_FORMATTER = string.Formatter()


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Problem:
    """One thing wrong with guidance content: where (file and path inside it), a code, a message."""

    where: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.code}: {self.message}"


class GuidanceInvalid(Exception):
    """Shipped guidance does not validate (a programming error: the content tests catch it)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} guidance problem(s): {shown}{more}")


@dataclass(frozen=True)
class Text:
    """A user-visible text in both languages."""

    ja: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language.lower().startswith("en") else self.ja

    def as_dict(self) -> dict[str, str]:
        return {"ja": self.ja, "en": self.en}


@dataclass(frozen=True)
class Source:
    """Where the facts come from: a handbook section or a MIC case title."""

    kind: str  # "handbook" or "mic_case"
    ref: str  # exactly as written in the content

    def label(self, language: str = "ja") -> str:
        english = language.lower().startswith("en")
        if self.kind == "mic_case":
            if english:
                return f"MIC incident cases (総務省 {MIC_DOCUMENT}): 「{self.ref}」"
            return f"総務省 {MIC_DOCUMENT}「{self.ref}」"
        if english:
            match = HANDBOOK_REF.match(self.ref)
            if match:
                return (
                    f"NISC Internet Safety Handbook, chapter {match['chapter']} §{match['section']}"
                )
        return (
            f"NISC インターネットの安全・安心ハンドブック {self.ref.removeprefix('ハンドブック ')}"
        )


@dataclass(frozen=True)
class Guidance:
    """What a finding page shows: what is wrong, why it matters, what to do, and the source."""

    key: str
    severity: str
    title: Text
    summary: Text
    placeholders: tuple[str, ...]
    why: Text
    steps: tuple[Text, ...]
    sources: tuple[Source, ...]
    due_days: int
    # Conditions a rule may report (e.g. ``kev_listed``) that raise the severity.
    severity_when: Mapping[str, str] = field(default_factory=dict)
    # Display texts for coded param values (e.g. scope ``anyone_with_link``), per placeholder.
    value_labels: Mapping[str, Mapping[str, Text]] = field(default_factory=dict)
    playbook: str | None = None  # incident playbook id, when the finding may already be an incident

    def severity_for(self, conditions: Iterable[str] = ()) -> str:
        """The default severity, raised by every reported condition listed in ``severity_when``."""
        severity = self.severity
        for condition in conditions:
            raised = self.severity_when.get(condition)
            if raised is not None and SEVERITY_RANK[raised] > SEVERITY_RANK[severity]:
                severity = raised
        return severity

    def due_days_for(self, severity: str | None = None) -> int:
        """Days to fix: the entry's own for its severity; a raised severity is never slower."""
        if severity is None or severity == self.severity or severity not in DEFAULT_DUE_DAYS:
            return self.due_days
        return min(self.due_days, DEFAULT_DUE_DAYS[severity])

    def render_summary(self, params: Mapping[str, Any], language: str = "ja") -> str:
        """The summary with the rule's params filled in. Never raises: a missing param stays
        visible as ``{name}``; values are inserted as text, never parsed as a template."""
        return render(self.summary.get(language), params, language, self.value_labels)

    def missing_params(self, params: Mapping[str, Any]) -> list[str]:
        """Placeholders the given params do not fill (for rule tests: should be empty)."""
        return [name for name in self.placeholders if name not in params]

    def as_dict(self, language: str | None = None) -> dict[str, Any]:
        """Plain data for exports and the API; one language when given, both otherwise."""

        def text(value: Text) -> Any:
            return value.get(language) if language else value.as_dict()

        return {
            "key": self.key,
            "severity": self.severity,
            "title": text(self.title),
            "summary": text(self.summary),
            "placeholders": list(self.placeholders),
            "why": text(self.why),
            "steps": [text(step) for step in self.steps],
            "sources": [s.label(language or "ja") for s in self.sources],
            "due_days": self.due_days,
            "playbook": self.playbook,
        }


# --------------------------------------------------------------------------- rendering


def _value_text(value: Any, language: str, labels: Mapping[str, Text] | None, english: bool) -> str:
    if isinstance(value, Text):
        text = value.get(language)
    elif isinstance(value, Mapping) and isinstance(value.get("ja"), str):
        text = str(value.get("en" if english else "ja") or value.get("ja"))
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        parts = [_value_text(v, language, labels, english) for v in items[:MAX_LIST_ITEMS]]
        rest = len(items) - len(parts)
        if rest > 0:
            parts.append(f"and {rest} more" if english else f"ほか{rest}件")
        return (", " if english else "、").join(parts)
    elif isinstance(value, bool):
        text = ("yes" if value else "no") if english else ("はい" if value else "いいえ")
    elif isinstance(value, (date, datetime)):
        text = value.isoformat()
    elif value is None:
        text = "—"
    else:
        text = str(value)
    if labels is not None and text in labels:
        text = labels[text].get(language)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def render(
    template: str,
    params: Mapping[str, Any],
    language: str = "ja",
    value_labels: Mapping[str, Mapping[str, Text]] | None = None,
) -> str:
    """Fill ``{name}`` fields of a template from params. Lists are joined, ``{ja, en}`` values
    and Text pick the language, coded values get their label. Never raises."""
    english = language.lower().startswith("en")
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError:
        return template
    out: list[str] = []
    for literal, name, _spec, _conversion in parsed:
        out.append(literal)
        if name is None:
            continue
        if name not in params:
            out.append("{" + name + "}")
            continue
        labels = (value_labels or {}).get(name)
        out.append(_value_text(params[name], language, labels, english))
    return "".join(out)


# --------------------------------------------------------------------------- validation


class _Checker:
    """Collects problems while reading one file's data."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[Problem] = []

    def add(self, path: str, code: str, message: str) -> None:
        self.problems.append(Problem(f"{self.where}:{path}" if path else self.where, code, message))

    def text(self, value: Any, path: str, cap: int) -> Text | None:
        if not isinstance(value, Mapping):
            self.add(path, "bad_text", "must be a mapping with `ja` and `en`")
            return None
        extra = set(value) - {"ja", "en"}
        if extra:
            self.add(path, "unknown_field", f"unexpected: {', '.join(sorted(map(str, extra)))}")
        texts: dict[str, str] = {}
        for language in ("ja", "en"):
            item = value.get(language)
            if not isinstance(item, str) or not item.strip():
                self.add(f"{path}.{language}", "empty_text", "must be non-empty text")
                continue
            if len(item) > cap:
                self.add(f"{path}.{language}", "too_long", f"{len(item)} characters > {cap}")
            texts[language] = item.strip()
        ja, en = texts.get("ja"), texts.get("en")
        if ja is not None and not _JAPANESE.search(ja):
            self.add(f"{path}.ja", "not_japanese", "the Japanese text has no kana or kanji")
        if en is not None and (_KANA.search(en) or not _LATIN.search(en)):
            self.add(f"{path}.en", "not_english", "the English text is not in English")
        if ja is None or en is None:
            return None
        return Text(ja=ja, en=en)

    def no_fields(self, text: Text | None, path: str) -> None:
        """Only the summary is filled in; braces elsewhere would show up literally."""
        if text is None:
            return
        for language in ("ja", "en"):
            if "{" in text.get(language) or "}" in text.get(language):
                self.add(
                    f"{path}.{language}",
                    "stray_braces",
                    "only the summary has placeholders; remove { and }",
                )


def template_fields(template: str) -> tuple[set[str], list[str]]:
    """Field names a template uses, and what is wrong with its fields (empty when fine)."""
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        return set(), [f"unbalanced braces ({exc})"]
    names: set[str] = set()
    errors: list[str] = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not NAME_PATTERN.match(name):
            errors.append(f"field {{{name}}} must be a plain lower-case name")
        elif spec or conversion:
            errors.append(f"field {{{name}}} must not have a format spec or conversion")
        else:
            names.add(name)
    return names, errors


def _source(value: Any) -> Source | None:
    if not isinstance(value, str):
        return None
    match = HANDBOOK_REF.match(value)
    if match:
        if int(match["chapter"]) == HANDBOOK_CHAPTER and match["section"] in HANDBOOK_SECTIONS:
            return Source("handbook", value)
        return None
    wanted = normalise_title(value)
    if any(normalise_title(title) == wanted for title in MIC_CASE_TITLES):
        return Source("mic_case", value)
    return None


def _entry(c: _Checker, data: Any, path: str, area: str | None) -> Guidance | None:
    if not isinstance(data, Mapping):
        c.add(path, "not_mapping", "an entry must be a mapping")
        return None
    for name in REQUIRED_FIELDS:
        if name not in data:
            c.add(f"{path}.{name}", "missing", "required field")
    extra = set(data) - ENTRY_FIELDS
    if extra:
        c.add(path, "unknown_field", f"unexpected: {', '.join(sorted(map(str, extra)))}")

    key = data.get("key")
    key_ok = isinstance(key, str) and KEY_PATTERN.match(key) is not None
    if "key" in data and not key_ok:
        c.add(f"{path}.key", "bad_key", "must look like `area.snake_case_name`")
    elif key_ok and area is not None and not str(key).startswith(f"{area}."):
        c.add(f"{path}.key", "key_area_mismatch", f"keys in this file start with `{area}.`")

    severity = data.get("severity")
    if "severity" in data and severity not in SEVERITIES:
        c.add(f"{path}.severity", "bad_severity", f"must be one of {', '.join(SEVERITIES)}")
        severity = None

    title = (
        c.text(data.get("title"), f"{path}.title", MAX_CHARS["title"]) if "title" in data else None
    )
    why = c.text(data.get("why"), f"{path}.why", MAX_CHARS["why"]) if "why" in data else None
    summary = (
        c.text(data.get("summary"), f"{path}.summary", MAX_CHARS["summary"])
        if "summary" in data
        else None
    )
    c.no_fields(title, f"{path}.title")
    c.no_fields(why, f"{path}.why")

    placeholders = _placeholders(c, data, path)
    if summary is not None and placeholders is not None:
        declared = set(placeholders)
        for language in ("ja", "en"):
            used, errors = template_fields(summary.get(language))
            where = f"{path}.summary.{language}"
            for error in errors:
                c.add(where, "bad_placeholder", error)
            for name in sorted(used - declared):
                c.add(where, "undeclared_placeholder", f"{{{name}}} is not in `placeholders`")
            for name in sorted(declared - used):
                c.add(where, "unused_placeholder", f"`{name}` is declared but not used")

    steps = _steps(c, data.get("steps"), f"{path}.steps") if "steps" in data else None
    sources = _sources(c, data.get("sources"), f"{path}.sources") if "sources" in data else None
    due_days = _due_days(c, data, path, severity)
    severity_when = _severity_when(c, data, path, severity)
    value_labels = _value_labels(c, data, path, placeholders)

    playbook = data.get("playbook")
    if playbook is not None and not (
        isinstance(playbook, str) and PLAYBOOK_PATTERN.match(playbook)
    ):
        c.add(f"{path}.playbook", "bad_playbook", "must be a playbook id such as `lost-device`")
        playbook = None

    parts = (key_ok, severity, title, summary, placeholders, why, steps, sources, due_days)
    if any(part is None or part is False for part in parts):
        return None
    assert isinstance(key, str) and isinstance(severity, str)  # narrowed by the checks above
    assert title and summary and why and steps and sources and placeholders is not None
    assert due_days is not None
    return Guidance(
        key=key,
        severity=severity,
        title=title,
        summary=summary,
        placeholders=placeholders,
        why=why,
        steps=steps,
        sources=sources,
        due_days=due_days,
        severity_when=severity_when,
        value_labels=value_labels,
        playbook=playbook,
    )


def _placeholders(c: _Checker, data: Mapping[str, Any], path: str) -> tuple[str, ...] | None:
    if "placeholders" not in data:
        return None
    value = data["placeholders"]
    if not isinstance(value, list) or len(value) > MAX_PLACEHOLDERS:
        c.add(
            f"{path}.placeholders",
            "bad_placeholders",
            f"must be a list of at most {MAX_PLACEHOLDERS} names (empty when none)",
        )
        return None
    names: list[str] = []
    for index, name in enumerate(value):
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            c.add(f"{path}.placeholders[{index}]", "bad_placeholder", "must be a lower-case name")
            return None
        if name in names:
            c.add(f"{path}.placeholders[{index}]", "duplicate_placeholder", f"`{name}` twice")
            return None
        names.append(name)
    return tuple(names)


def _steps(c: _Checker, value: Any, path: str) -> tuple[Text, ...] | None:
    if not isinstance(value, list) or not value:
        c.add(path, "no_steps", "must be a non-empty list of {ja, en}")
        return None
    if len(value) > MAX_STEPS:
        c.add(path, "too_many_steps", f"{len(value)} steps > {MAX_STEPS}")
    steps: list[Text] = []
    seen: set[str] = set()
    for index, item in enumerate(value[:MAX_STEPS]):
        step = c.text(item, f"{path}[{index}]", MAX_CHARS["step"])
        c.no_fields(step, f"{path}[{index}]")
        if step is None:
            continue
        if step.ja in seen:
            c.add(f"{path}[{index}]", "duplicate_step", "the same step twice")
        seen.add(step.ja)
        steps.append(step)
    return tuple(steps) if len(steps) == min(len(value), MAX_STEPS) else None


def _sources(c: _Checker, value: Any, path: str) -> tuple[Source, ...] | None:
    if not isinstance(value, list) or not value:
        c.add(path, "no_sources", "cite at least one handbook section or MIC case title")
        return None
    if len(value) > MAX_SOURCES:
        c.add(path, "too_many_sources", f"{len(value)} sources > {MAX_SOURCES}")
        return None
    sources: list[Source] = []
    for index, item in enumerate(value):
        source = _source(item)
        if source is None:
            c.add(
                f"{path}[{index}]",
                "unknown_source",
                "must be `ハンドブック 第7章 §N[.M]` with an existing section, "
                "or the exact title of a MIC case",
            )
            continue
        if source in sources:
            c.add(f"{path}[{index}]", "duplicate_source", "cited twice")
            continue
        sources.append(source)
    return tuple(sources) if len(sources) == len(value) else None


def _due_days(c: _Checker, data: Mapping[str, Any], path: str, severity: Any) -> int | None:
    value = data.get("due_days")
    if value is None:
        return DEFAULT_DUE_DAYS.get(severity, 0) if isinstance(severity, str) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DUE_DAYS:
        c.add(f"{path}.due_days", "bad_due_days", f"must be a whole number 1–{MAX_DUE_DAYS}")
        return None
    return value


def _severity_when(
    c: _Checker, data: Mapping[str, Any], path: str, severity: Any
) -> dict[str, str]:
    value = data.get("severity_when")
    if value is None:
        return {}
    where = f"{path}.severity_when"
    if not isinstance(value, Mapping):
        c.add(where, "bad_severity_when", "must map a condition name to a severity")
        return {}
    result: dict[str, str] = {}
    for condition, raised in value.items():
        if not isinstance(condition, str) or not NAME_PATTERN.match(condition):
            c.add(where, "bad_severity_when", f"condition {condition!r} is not a lower-case name")
        elif raised not in SEVERITIES:
            c.add(f"{where}.{condition}", "bad_severity", f"must be one of {', '.join(SEVERITIES)}")
        elif severity in SEVERITY_RANK and SEVERITY_RANK[raised] <= SEVERITY_RANK[severity]:
            c.add(
                f"{where}.{condition}",
                "not_an_escalation",
                f"`{raised}` is not above the default `{severity}`",
            )
        else:
            result[condition] = raised
    return result


def _value_labels(
    c: _Checker, data: Mapping[str, Any], path: str, placeholders: tuple[str, ...] | None
) -> dict[str, dict[str, Text]]:
    value = data.get("value_labels")
    if value is None:
        return {}
    where = f"{path}.value_labels"
    if not isinstance(value, Mapping):
        c.add(where, "bad_value_labels", "must map a placeholder to {code: {ja, en}}")
        return {}
    result: dict[str, dict[str, Text]] = {}
    for name, labels in value.items():
        if placeholders is not None and name not in placeholders:
            c.add(f"{where}.{name}", "undeclared_placeholder", f"`{name}` is not a placeholder")
            continue
        if not isinstance(labels, Mapping) or not labels or len(labels) > MAX_LABELS:
            c.add(f"{where}.{name}", "bad_value_labels", f"must map 1–{MAX_LABELS} codes to texts")
            continue
        parsed: dict[str, Text] = {}
        for code, label in labels.items():
            text = c.text(label, f"{where}.{name}.{code}", MAX_CHARS["label"])
            c.no_fields(text, f"{where}.{name}.{code}")
            if text is not None:
                parsed[str(code)] = text
        result[str(name)] = parsed
    return result


def parse(data: Any, where: str = "<data>") -> tuple[dict[str, Guidance], list[Problem]]:
    """Entries of one file's data, by key (only those without problems), and the problems."""
    c = _Checker(where)
    if not isinstance(data, Mapping):
        c.add("", "not_mapping", "the file must be a mapping with `area` and `entries`")
        return {}, c.problems
    extra = set(data) - {"area", "entries"}
    if extra:
        c.add("", "unknown_field", f"unexpected: {', '.join(sorted(map(str, extra)))}")
    area = data.get("area")
    if not isinstance(area, str) or not NAME_PATTERN.match(area):
        c.add("area", "bad_area", "must be the lower-case area name (the file name)")
        area = None
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries:
        c.add("entries", "no_entries", "must be a non-empty list")
        return {}, c.problems
    if len(entries) > MAX_ENTRIES:
        c.add("entries", "too_many_entries", f"{len(entries)} entries > {MAX_ENTRIES}")
        return {}, c.problems
    result: dict[str, Guidance] = {}
    seen: set[str] = set()
    for index, item in enumerate(entries):
        path = f"entries[{index}]"
        key = item.get("key") if isinstance(item, Mapping) else None
        if isinstance(key, str):
            if key in seen:
                c.add(f"{path}.key", "duplicate_key", f"`{key}` appears twice")
            seen.add(key)
        before = len(c.problems)
        guidance = _entry(c, item, path, area)
        # An entry with any problem is never handed out, even when it could be built.
        if guidance is not None and len(c.problems) == before and guidance.key not in result:
            result[guidance.key] = guidance
    return result, c.problems


def validate(data: Any, where: str = "<data>") -> list[Problem]:
    """Problems in one guidance file's data (empty when it is fine). Never raises."""
    return parse(data, where)[1]


# --------------------------------------------------------------------------- loading


def check_content(content_dir: Path = CONTENT_DIR) -> tuple[dict[str, Guidance], list[Problem]]:
    """Read and validate every registered file; also checks file/area names and that keys are
    unique across files. Never raises."""
    result: dict[str, Guidance] = {}
    problems: list[Problem] = []
    for area in GUIDANCE_FILES:
        path = content_dir / f"{area}.yaml"
        data, error = read_yaml_file(path)
        if error is not None:
            problems.append(Problem(path.name, "unreadable", error))
            continue
        entries, found = parse(data, path.name)
        problems.extend(found)
        if isinstance(data, Mapping) and data.get("area") != area:
            problems.append(Problem(f"{path.name}:area", "area_mismatch", f"must be `{area}`"))
        for key, guidance in entries.items():
            if key in result:
                problems.append(Problem(path.name, "duplicate_key", f"`{key}` in two files"))
            result.setdefault(key, guidance)
    return result, problems


@cache
def _load_shipped() -> dict[str, Guidance]:
    guidance, problems = check_content(CONTENT_DIR)
    if problems:
        raise GuidanceInvalid(problems)
    return guidance


def load_guidance(content_dir: Path | None = None) -> dict[str, Guidance]:
    """Every guidance entry by key. The shipped content is read once and cached; content that
    does not validate raises ``GuidanceInvalid`` with every problem."""
    if content_dir is None or content_dir == CONTENT_DIR:
        return dict(_load_shipped())
    guidance, problems = check_content(content_dir)
    if problems:
        raise GuidanceInvalid(problems)
    return guidance


def get_guidance(key: str) -> Guidance | None:
    """The shipped guidance for a key, or None (a finding page then shows its own texts)."""
    return _load_shipped().get(key)
