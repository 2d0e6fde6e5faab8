"""The words of a notification, both languages in one message (Japanese first).

Built only from the finding's guidance title and summary, its severity, the organisation's name
and a link to the finding page: never from a channel's settings, tokens or invitation links.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.urls import reverse

MESSAGES_PATH = Path(__file__).resolve().parent.parent / "content" / "notify" / "messages.yaml"
MAX_BODY_CHARS = 20_000
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


def finding_message(finding: Any) -> Message:
    from mamori.findings.guidance import get_guidance

    guidance = get_guidance(finding.guidance_key)
    org = finding.organization.name
    parts: dict[str, dict[str, str]] = {}
    for language in ("ja", "en"):
        if guidance is not None:
            title = guidance.title.get(language)
            summary = guidance.render_summary(finding.params or {}, language)
        else:
            title, summary = finding.kind, finding.subject
        parts[language] = {"title": _one_line(title), "summary": summary}
    subject = " / ".join(
        [
            text(
                "alert_subject",
                "ja",
                severity_ja=severity_name(finding.severity, "ja"),
                title_ja=parts["ja"]["title"],
            ),
            text(
                "alert_subject",
                "en",
                severity_en=severity_name(finding.severity, "en"),
                title_en=parts["en"]["title"],
            ),
        ]
    )
    link = absolute(
        reverse(
            "findings:detail",
            kwargs={"org_slug": finding.organization.slug, "pk": finding.pk},
        )
    )
    blocks = []
    for language in ("ja", "en"):
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
    blocks.append(text("footer", "ja") + "\n" + text("footer", "en"))
    return Message(subject=subject[:300], body="\n\n----\n\n".join(blocks)[:MAX_BODY_CHARS])


def event_message(org: Any, title: dict[str, str], body: dict[str, str], path: str) -> Message:
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
        for language in ("ja", "en")
    ]
    blocks.append(text("footer", "ja") + "\n" + text("footer", "en"))
    subject = f"[mamori] {_one_line(title.get('ja', ''))} / {_one_line(title.get('en', ''))}"
    return Message(subject=subject[:300], body="\n\n----\n\n".join(blocks)[:MAX_BODY_CHARS])


def test_message(org: Any, channel_name: str) -> Message:
    subject = f"{text('test_subject', 'ja')} / {text('test_subject', 'en')}"
    body = "\n\n".join(
        [
            text("test_body", "ja", org=org.name, channel=channel_name),
            text("test_body", "en", org=org.name, channel=channel_name),
            text("footer", "ja") + "\n" + text("footer", "en"),
        ]
    )
    return Message(subject=subject, body=body)


def findings_summary_message(org: Any, findings: list[Any]) -> Message:
    """One message for many critical findings at once (a rule run that opened a batch)."""
    from mamori.findings.guidance import get_guidance

    count = len(findings)
    link = absolute(reverse("findings:list", kwargs={"org_slug": org.slug}))
    blocks = []
    for language in ("ja", "en"):
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
    blocks.append(text("footer", "ja") + "\n" + text("footer", "en"))
    subject = (
        f"{text('many_subject', 'ja', count=count)} / {text('many_subject', 'en', count=count)}"
    )
    return Message(subject=subject[:300], body="\n\n----\n\n".join(blocks)[:MAX_BODY_CHARS])
