"""Draft 情報セキュリティ基本方針 (basic security policy) from a template, an organisation name
and its questionnaire answers; rendered as plain text or a Word-compatible HTML document.

Answers decide which optional clauses appear (telework, personal devices, website, …) and the
"current priorities" list: the weakest answers across the given questionnaires. The owner then
edits the draft; nothing here is final wording.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mamori.assessments.questionnaire import (
    CONTENT_DIR,
    SEVERITIES,
    Checker,
    Problem,
    Questionnaire,
    QuestionnaireInvalid,
    Text,
    load_all,
    read_yaml,
)
from mamori.assessments.scoring import score

TEMPLATE_PATH = CONTENT_DIR / "policy_template.yaml"
PLACEHOLDERS = ("org", "representative", "date")
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
MAX_NAME_CHARS = 200
MAX_PRIORITIES = 5
WORD_MEDIA_TYPE = "application/msword"


@dataclass(frozen=True, slots=True)
class ClauseCondition:
    questionnaire: str
    question: str
    any_of: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Clause:
    id: str
    heading: Text
    body: Text
    when: tuple[ClauseCondition, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyTemplate:
    id: str
    version: int
    title: Text
    source: Text
    preamble: Text
    priorities_heading: Text
    priorities_intro: Text
    clauses: tuple[Clause, ...]
    closing: Text
    messages: Mapping[str, Text]


@dataclass(frozen=True, slots=True)
class PolicyDraft:
    org: str
    representative: str
    date: dt.date
    title: Text
    preamble: Text
    clauses: tuple[Clause, ...]  # with placeholders filled, in order
    priorities_heading: Text
    priorities_intro: Text
    priorities: tuple[Text, ...]
    closing: Text
    problems: tuple[Text, ...] = ()

    def text(self, lang: str = "ja") -> str:
        return render_text(self, lang)


# --------------------------------------------------------------------------------------------
# Template loading and validation


def validate_template(
    data: Any, questionnaires: Mapping[str, Questionnaire] | None = None
) -> list[Problem]:
    checker = Checker()
    _build_template(data, checker, questionnaires)
    return checker.problems


def _build_template(
    data: Any, c: Checker, questionnaires: Mapping[str, Questionnaire] | None
) -> PolicyTemplate | None:
    top = c.mapping(data, "$")
    if top is None:
        return None
    allowed = {
        "id",
        "version",
        "title",
        "source",
        "preamble",
        "priorities_heading",
        "priorities_intro",
        "clauses",
        "closing",
        "messages",
    }
    c.unknown_keys(top, allowed, "$")
    template_id = c.ident(top.get("id"), "id")
    version = top.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        c.add("version", "bad_version", "version must be a positive integer")
    texts: dict[str, Text | None] = {}
    for key in ("title", "source", "preamble", "priorities_heading", "priorities_intro"):
        texts[key] = _placeholder_text(top.get(key), key, c)
    closing = _placeholder_text(top.get("closing"), "closing", c)
    messages = _build_messages(top.get("messages"), c)
    clauses: list[Clause] = []
    raw = top.get("clauses")
    if not isinstance(raw, list) or not raw:
        c.add("clauses", "no_clauses", "clauses must be a non-empty list")
        raw = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = f"clauses[{index}]"
        clause = c.mapping(item, path)
        if clause is None:
            continue
        c.unknown_keys(clause, {"id", "heading", "body", "when"}, path)
        clause_id = c.ident(clause.get("id"), f"{path}.id")
        if clause_id in seen:
            c.add(f"{path}.id", "duplicate_id", f"duplicate clause {clause_id!r}")
        if clause_id:
            seen.add(clause_id)
        heading = _placeholder_text(clause.get("heading"), f"{path}.heading", c)
        body = _placeholder_text(clause.get("body"), f"{path}.body", c)
        when = _build_when(clause.get("when"), f"{path}.when", c, questionnaires)
        if clause_id and heading and body and when is not None:
            clauses.append(Clause(clause_id, heading, body, when))
    if c.problems or not template_id or closing is None or any(v is None for v in texts.values()):
        return None
    assert isinstance(version, int)
    return PolicyTemplate(
        id=template_id,
        version=version,
        title=texts["title"],  # type: ignore[arg-type]
        source=texts["source"],  # type: ignore[arg-type]
        preamble=texts["preamble"],  # type: ignore[arg-type]
        priorities_heading=texts["priorities_heading"],  # type: ignore[arg-type]
        priorities_intro=texts["priorities_intro"],  # type: ignore[arg-type]
        clauses=tuple(clauses),
        closing=closing,
        messages=messages,
    )


MESSAGE_KEYS = ("org_placeholder", "name_empty", "name_long")


def _build_messages(raw: Any, c: Checker) -> dict[str, Text]:
    data = c.mapping(raw, "messages")
    if data is None:
        return {}
    c.unknown_keys(data, MESSAGE_KEYS, "messages")
    messages: dict[str, Text] = {}
    for key in MESSAGE_KEYS:
        text = c.text(data.get(key), f"messages.{key}")
        if text is not None:
            limit = str(MAX_NAME_CHARS)
            messages[key] = Text(text.ja.replace("{max}", limit), text.en.replace("{max}", limit))
    return messages


def _placeholder_text(value: Any, path: str, c: Checker) -> Text | None:
    text = c.text(value, path)
    if text is None:
        return None
    for lang, item in (("ja", text.ja), ("en", text.en)):
        for name in PLACEHOLDER_RE.findall(item):
            if name not in PLACEHOLDERS:
                c.add(f"{path}.{lang}", "bad_placeholder", f"unknown placeholder {{{name}}}")
    return text


def _build_when(
    raw: Any,
    path: str,
    c: Checker,
    questionnaires: Mapping[str, Questionnaire] | None,
) -> tuple[ClauseCondition, ...] | None:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        c.add(path, "bad_when", "when must be a non-empty list of conditions")
        return None
    conditions: list[ClauseCondition] = []
    for index, item in enumerate(raw):
        item_path = f"{path}[{index}]"
        data = c.mapping(item, item_path)
        if data is None:
            return None
        c.unknown_keys(data, {"questionnaire", "question", "any_of"}, item_path)
        q_id, question_id, any_of = (
            data.get("questionnaire"),
            data.get("question"),
            data.get("any_of"),
        )
        if not isinstance(any_of, list) or not any_of:
            c.add(f"{item_path}.any_of", "bad_when", "any_of must list answers")
            return None
        values = tuple("yes" if v is True else "no" if v is False else str(v) for v in any_of)
        if questionnaires is not None:
            questionnaire = questionnaires.get(q_id) if isinstance(q_id, str) else None
            question = questionnaire.question(question_id) if questionnaire else None
            if question is None:
                c.add(item_path, "bad_when", f"no question {q_id}.{question_id}")
                return None
            valid = {choice.id for choice in question.choices}
            unknown = [v for v in values if v not in valid]
            if unknown:
                c.add(f"{item_path}.any_of", "bad_when", f"not answers of it: {unknown}")
                return None
        conditions.append(ClauseCondition(str(q_id), str(question_id), values))
    return tuple(conditions)


@functools.cache
def load_template() -> PolicyTemplate:
    """The shipped template, validated against the shipped questionnaires."""
    checker = Checker()
    template = _build_template(read_yaml(TEMPLATE_PATH), checker, load_all())
    if template is None:
        raise QuestionnaireInvalid(str(TEMPLATE_PATH), checker.problems)
    return template


# --------------------------------------------------------------------------------------------
# Filling


def clean_name(value: Any) -> tuple[str, str | None]:
    """A single-line, printable name and the problem found (None when fine)."""
    if not isinstance(value, str):
        return "", "empty"
    normalised = unicodedata.normalize("NFKC", value)
    printable = "".join(ch if ch.isprintable() else " " for ch in normalised)
    collapsed = " ".join(printable.split())
    if not collapsed:
        return "", "empty"
    if len(collapsed) > MAX_NAME_CHARS:
        return collapsed[:MAX_NAME_CHARS], "long"
    return collapsed, None


def _matches(condition: ClauseCondition, answers: Mapping[str, Mapping[str, Any]]) -> bool:
    questionnaire_answers = answers.get(condition.questionnaire)
    if not isinstance(questionnaire_answers, Mapping):
        return False
    value = questionnaire_answers.get(condition.question)
    if value is True:
        value = "yes"
    elif value is False:
        value = "no"
    values = value if isinstance(value, list | tuple) else [value]
    return any(isinstance(v, str) and v in condition.any_of for v in values)


def _fill(text: Text, values_ja: Mapping[str, str], values_en: Mapping[str, str]) -> Text:
    # Substitute only inside the template; the values themselves are never re-scanned.
    def sub(template: str, values: Mapping[str, str]) -> str:
        return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), template)

    return Text(ja=sub(text.ja, values_ja), en=sub(text.en, values_en))


def draft_policy(
    org_name: str,
    answers: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    representative: str = "",
    on: dt.date | None = None,
    template: PolicyTemplate | None = None,
    questionnaires: Mapping[str, Questionnaire] | None = None,
) -> PolicyDraft:
    """Fill the template. ``answers`` maps questionnaire id → that questionnaire's answers."""
    template = template or load_template()
    questionnaires = questionnaires if questionnaires is not None else load_all()
    answers = answers if isinstance(answers, Mapping) else {}
    on = on or dt.date.today()
    problems: list[Text] = []
    org, org_problem = clean_name(org_name)
    if org_problem:
        problems.append(template.messages[f"name_{org_problem}"])
    placeholder = template.messages["org_placeholder"]
    representative_clean, _ = clean_name(representative)
    values_ja = {
        "org": org or placeholder.ja,
        "representative": representative_clean,
        "date": f"{on.year}年{on.month}月{on.day}日",
    }
    values_en = {
        "org": org or placeholder.en,
        "representative": representative_clean,
        "date": f"{on.day} {on.strftime('%B')} {on.year}",
    }
    clauses = tuple(
        Clause(
            clause.id,
            _fill(clause.heading, values_ja, values_en),
            _fill(clause.body, values_ja, values_en),
        )
        for clause in template.clauses
        if not clause.when or any(_matches(cond, answers) for cond in clause.when)
    )
    closing = _fill(template.closing, values_ja, values_en)
    closing = Text(ja=closing.ja.rstrip(), en=closing.en.rstrip())
    return PolicyDraft(
        org=org,
        representative=representative_clean,
        date=on,
        title=template.title,
        preamble=_fill(template.preamble, values_ja, values_en),
        clauses=clauses,
        priorities_heading=template.priorities_heading,
        priorities_intro=template.priorities_intro,
        priorities=_priorities(answers, questionnaires, on),
        closing=closing,
        problems=tuple(problems),
    )


def _priorities(
    answers: Mapping[str, Mapping[str, Any]],
    questionnaires: Mapping[str, Questionnaire],
    on: dt.date,
) -> tuple[Text, ...]:
    """Titles of the weakest answers across every answered questionnaire, without repeats."""
    weak = []
    for questionnaire_id, questionnaire_answers in answers.items():
        questionnaire = questionnaires.get(questionnaire_id)
        if questionnaire is None or not isinstance(questionnaire_answers, Mapping):
            continue
        result = score(questionnaire, questionnaire_answers, today=on)
        for rank, item in enumerate(result.weak):
            ratio = item.points / item.max_points if item.max_points else 0.0
            weak.append((ratio, -SEVERITIES.index(item.severity), rank, item))
    weak.sort(key=lambda entry: entry[:3])
    titles: list[Text] = []
    for *_, item in weak:
        if item.title not in titles:
            titles.append(item.title)
        if len(titles) == MAX_PRIORITIES:
            break
    return tuple(titles)


# --------------------------------------------------------------------------------------------
# Rendering


def render_text(draft: PolicyDraft, lang: str = "ja") -> str:
    en = lang.lower().startswith("en")
    lines = [draft.title.get(lang), "", draft.preamble.get(lang), ""]
    for number, clause in enumerate(draft.clauses, start=1):
        lines.append(
            f"{number}. {clause.heading.get(lang)}"
            if en
            else f"{number}．{clause.heading.get(lang)}"
        )
        lines.append(clause.body.get(lang))
        lines.append("")
    if draft.priorities:
        lines.append(draft.priorities_heading.get(lang))
        lines.append(draft.priorities_intro.get(lang))
        lines.extend(
            f"- {item.get(lang)}" if en else f"・{item.get(lang)}" for item in draft.priorities
        )
        lines.append("")
    lines.append(draft.closing.get(lang))
    return "\n".join(lines).rstrip() + "\n"


def render_word_html(draft: PolicyDraft, lang: str = "ja") -> str:
    """A single-file HTML document that Word opens as a document (serve it as
    ``WORD_MEDIA_TYPE`` with a ``.doc`` name). Every value is escaped."""
    esc = html.escape
    en = lang.lower().startswith("en")
    parts = [
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" '
        'xmlns="http://www.w3.org/TR/REC-html40">',
        '<head><meta charset="utf-8">',
        f"<title>{esc(draft.title.get(lang))}</title>",
        "<!--[if gte mso 9]><xml><w:WordDocument><w:View>Print</w:View></w:WordDocument></xml>"
        "<![endif]-->",
        "<style>body{font-family:'Yu Mincho','MS Mincho',serif;font-size:10.5pt;}"
        "h1{font-size:16pt;text-align:center;}h2{font-size:12pt;}</style>",
        f'</head><body lang="{"en" if en else "ja"}">',
        f"<h1>{esc(draft.title.get(lang))}</h1>",
        f"<p>{esc(draft.preamble.get(lang))}</p>",
    ]
    for number, clause in enumerate(draft.clauses, start=1):
        separator = ". " if en else "．"
        parts.append(f"<h2>{number}{separator}{esc(clause.heading.get(lang))}</h2>")
        parts.append(f"<p>{esc(clause.body.get(lang))}</p>")
    if draft.priorities:
        parts.append(f"<h2>{esc(draft.priorities_heading.get(lang))}</h2>")
        parts.append(f"<p>{esc(draft.priorities_intro.get(lang))}</p><ul>")
        parts.extend(f"<li>{esc(item.get(lang))}</li>" for item in draft.priorities)
        parts.append("</ul>")
    closing = "<br>".join(esc(line) for line in draft.closing.get(lang).splitlines())
    parts.append(f'<p style="text-align:right">{closing}</p>')
    parts.append("</body></html>")
    return "\n".join(parts)
