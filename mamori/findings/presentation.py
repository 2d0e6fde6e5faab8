"""What a finding says to a person: title, summary, why, steps and sources in their language,
from the guidance content (mamori/content/guidance), filled with the finding's parameters."""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import Finding

EVIDENCE_LABELS = {
    "account": "Account",
    "device": "Device",
    "share": "Share",
    "share_grant": "Share permission",
    "service": "Service",
    "supplier": "Supplier",
    "person": "Person",
    "software": "Software",
    "advisory": "Advisory",
    "page": "Page",
    "mail": "Mail",
}


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    from .guidance import load_guidance

    return load_guidance()


def _pick(texts: Any) -> str:
    code = (get_language() or "ja")[:2]
    if isinstance(texts, dict):
        return str(texts.get(code) or texts.get("ja") or texts.get("en") or "")
    value = getattr(texts, code, None) or getattr(texts, "ja", None)
    return str(value) if value is not None else str(texts or "")


class _Lenient(dict[str, Any]):
    """Leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, params: dict[str, Any]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Lenient(params))
    except (ValueError, IndexError):
        return template


def evidence_label(kind: str) -> str:
    return _(EVIDENCE_LABELS.get(kind, "Item"))


def present(finding: Finding) -> dict[str, Any]:
    guidance = _catalogue().get(finding.guidance_key)
    params = {k: ("" if v is None else v) for k, v in (finding.params or {}).items()}
    evidence = [
        {**item, "label": evidence_label(str(item.get("kind", "")))}
        for item in (finding.evidence or [])
        if isinstance(item, dict)
    ]
    if guidance is None:
        return {
            "title": finding.kind,
            "summary": finding.subject,
            "why": "",
            "steps": [],
            "sources": [],
            "evidence": evidence,
        }
    return {
        "title": _fill(_pick(guidance.title), params),
        "summary": _fill(_pick(guidance.summary), params),
        "why": _pick(guidance.why),
        "steps": [_fill(_pick(step), params) for step in guidance.steps],
        "sources": list(guidance.sources),
        "evidence": evidence,
    }
