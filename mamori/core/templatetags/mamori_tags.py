"""Small template helpers, available in every template (settings: TEMPLATES builtins)."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """mapping[key] for a dict, or the key-th item of a list ("" when absent)."""
    if isinstance(mapping, (list, tuple)):
        try:
            return mapping[int(key)]
        except (IndexError, TypeError, ValueError):
            return ""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def lang(texts: Any) -> str:
    """Pick the user's language from a {"ja": …, "en": …} text (Japanese as the fallback)."""
    if not isinstance(texts, dict):
        return "" if texts is None else str(texts)
    code = (get_language() or "ja")[:2]
    return str(texts.get(code) or texts.get("ja") or texts.get("en") or "")


@register.filter
def headline(finding: Any) -> str:
    """A finding as its problem, then its object, in the page's language."""
    from mamori.findings.presentation import headline as finding_headline

    return finding_headline(finding)


@register.filter
def event_label(action: str) -> str:
    """An audit event code as a sentence in the page's language."""
    from mamori.audit.labels import describe

    return describe(action)


@register.filter
def event_details(changes: Any) -> list[str]:
    from mamori.audit.labels import detail_lines

    return detail_lines(changes)


@register.filter
def job_kind(kind: str) -> str:
    from mamori.core.job_labels import kind_label

    return kind_label(kind)


@register.filter
def job_queue(queue: str) -> str:
    from mamori.core.job_labels import queue_label

    return queue_label(queue)


@register.filter
def job_status(status: str) -> str:
    from mamori.core.job_labels import status_label

    return status_label(status)


@register.filter
def job_error(last_error: str) -> str:
    from mamori.core.job_labels import error_summary

    return error_summary(last_error or "")


# A stored message written as "日本語 / English" (delivery errors, older records).
_BILINGUAL = re.compile(
    r"^(?P<ja>.*[\u3040-\u30ff\u4e00-\u9fff）].*?) / (?P<en>[\x20-\x7e].*)$", re.S
)


@register.filter
def one_language(text: Any) -> str:
    """The part of a "日本語 / English" message in the page's language (other text as is)."""
    value = str(text or "")
    match = _BILINGUAL.match(value)
    if match is None:
        return value
    english = (get_language() or "ja").startswith("en")
    return match.group("en") if english else match.group("ja")


@register.filter
def event_object(event: Any) -> str:
    """An audit event's object as a reader names it (never a finding-kind code)."""
    from mamori.audit.labels import describe_object

    return describe_object(event.action, event.object_repr or "", event.changes)


_HANDBOOK_CITATION = re.compile(r"ハンドブック\s*第(\d+)章\s*")


@register.filter
def cite(text: Any) -> str:
    """A citation of the seeds in the page's language: 「ハンドブック 第7章 §7.7」 reads
    "Handbook chapter 7 §7.7" on an English page (the MIC case titles are names and stay)."""
    value = str(text or "")
    if not (get_language() or "ja").startswith("en"):
        return value
    value = _HANDBOOK_CITATION.sub(lambda m: f"Handbook chapter {m.group(1)} ", value)
    return value.replace("事故・被害事例", "MIC incident case ")


# "日本語のラベル / English label: what was found" (mail-check lure evidence).
_LABELLED_EVIDENCE = re.compile(
    r"^(?P<labels>[^:]*?[\u3040-\u30ff\u4e00-\u9fff][^:]*? / [\x20-\x7e][^:]*?): (?P<rest>.*)$",
    re.S,
)


@register.filter
def evidence(text: Any) -> str:
    """Evidence whose label is given in both languages, shown with the page's label only."""
    value = str(text or "")
    match = _LABELLED_EVIDENCE.match(value)
    if match is None:
        return value
    return f"{one_language(match.group('labels'))}: {match.group('rest')}"
