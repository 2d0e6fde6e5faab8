"""The words of a notification, both languages in one message (Japanese first).

Built only from the finding's guidance title and summary, its severity, the organisation's name
and a link to the finding page: never from a channel's settings, tokens or invitation links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.urls import reverse

MESSAGES_PATH = Path(__file__).resolve().parent.parent / "content" / "notify" / "messages.yaml"
MAX_BODY_CHARS = 20_000
# Builders write every language asked for; deliveries ask for the recipients' one language.
BOTH: tuple[str, ...] = ("ja", "en")
MAX_SUMMARY_LINES = 30


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


@lru_cache(maxsize=1)
def texts() -> dict[str, Any]:
    with MESSAGES_PATH.open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle))


def text(key: str, language: str, **params: object) -> str:
    template = str(texts()[key][language])
    return template.format_map({name: str(value) for name, value in params.items()})


def severity_name(severity: str, language: str) -> str:
    entry = texts()["severity"].get(severity)
    return str(entry[language]) if entry else severity


def absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def _one_line(value: str) -> str:
    return " ".join(value.split())[:250]


def _footer(languages: Sequence[str]) -> str:
    return "\n".join(text("footer", language) for language in languages)


def finding_message(finding: Any, languages: Sequence[str] = BOTH) -> Message:
    from mamori.findings.guidance import get_guidance

    guidance = get_guidance(finding.guidance_key)
    org = finding.organization.name
    parts: dict[str, dict[str, str]] = {}
    for language in languages:
        if guidance is not None:
            title = guidance.title.get(language)
            summary = guidance.render_summary(finding.params or {}, language)
        else:
            title, summary = finding.kind, finding.subject
        parts[language] = {"title": _one_line(title), "summary": summary}
    subject = " / ".join(
        text(
            "alert_subject",
            language,
            **{
                f"severity_{language}": severity_name(finding.severity, language),
                f"title_{language}": parts[language]["title"],
            },
        )
        for language in languages
    )
    link = absolute(
        reverse(
            "findings:detail",
            kwargs={"org_slug": finding.organization.slug, "pk": finding.pk},
        )
    )
    blocks = []
    for language in languages:
        blocks.append(
            "\n".join(
                [
                    text("alert_intro", language, org=org),
                    "",
                    parts[language]["title"],
                    parts[language]["summary"],
                    "",
                    text("open_link", language),
                    link,
                ]
            )
        )
    blocks.append(_footer(languages))
    return Message(subject=subject[:300], body="\n\n----\n\n".join(blocks)[:MAX_BODY_CHARS])


def event_message(
    org: Any,
    title: dict[str, str],
    body: dict[str, str],
    path: str,
    languages: Sequence[str] = BOTH,
) -> Message:
    """A notice that is not a finding (an incident opened, a deadline near)."""
    blocks = [
        "\n".join(
            [
                text("event_intro", language, org=org.name),
                "",
                _one_line(title.get(language, "")),
                body.get(language, ""),
                "",
                absolute(path),
            ]
        )
        for language in languages
    ]
    blocks.append(_footer(languages))
    subject = "[mamori] " + " / ".join(_one_line(title.get(lang, "")) for lang in languages)
    return Message(subject=subject[:300], body="\n\n----\n\n".join(blocks)[:MAX_BODY_CHARS])


def test_message(org: Any, channel_name: str, languages: Sequence[str] = BOTH) -> Message:
    subject = " / ".join(text("test_subject", language) for language in languages)
    body = "\n\n".join(
        [
            *(text("test_body", lang, org=org.name, channel=channel_name) for lang in languages),
            _footer(languages),
        ]
    )
    return Message(subject=subject, body=body)


def findings_summary_message(
    org: Any, findings: list[Any], languages: Sequence[str] = BOTH
) -> Message:
    """One message for many critical findings at once (a rule run that opened a batch)."""
    from mamori.findings.guidance import get_guidance

    count = len(findings)
    link = absolute(reverse("findings:list", kwargs={"org_slug": org.slug}))
    blocks = []
    for language in languages:
        lines = [text("alert_intro", language, org=org.name), ""]
        for finding in findings[:MAX_SUMMARY_LINES]:
            guidance = get_guidance(finding.guidance_key)
            title = guidance.title.get(language) if guidance is not None else finding.kind
            lines.append(
                f"- [{severity_name(finding.severity, language)}] {_one_line(title)}: "
                f"{_one_line(finding.subject)}"
            )
        if count > MAX_SUMMARY_LINES:
            lines.append(f"(+{count - MAX_SUMMARY_LINES})")
        lines += ["", text("open_link", language), link]
        blocks.append("\n".join(lines))
    blocks.append(_footer(languages))
    subject = " / ".join(text("many_subject", language, count=count) for language in languages)
    return Message(subject=subject[:300], body="\n\n----\n\n".join(blocks)[:MAX_BODY_CHARS])
