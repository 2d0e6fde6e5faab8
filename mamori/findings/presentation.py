"""What a finding says to a person: title, summary, why, steps and sources in their language,
from the guidance content (mamori/content/guidance), filled with the finding's parameters."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _lazy

from .models import Finding

EVIDENCE_LABELS = {
    "account": _lazy("Account"),
    "device": _lazy("Device"),
    "share": _lazy("Share"),
    "share_grant": _lazy("Share permission"),
    "service": _lazy("Service"),
    "supplier": _lazy("Supplier"),
    "person": _lazy("Person"),
    "software": _lazy("Software"),
    "advisory": _lazy("Advisory"),
    "page": _lazy("Page"),
    "mail": _lazy("Mail"),
    "answer": _lazy("Answer"),
    "advice": _lazy("Advice"),
    "source": _lazy("Source"),
    "incident": _lazy("Incident"),
    "feed_item": _lazy("News item"),
}


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    from .guidance import load_guidance

    return load_guidance()


def _localised(params: dict[str, Any], language: str) -> dict[str, Any]:
    """A check may pass `name_en` beside `name`: the English page then uses it."""
    if language != "en":
        return params
    return {
        key: params.get(f"{key}_en") or value
        for key, value in params.items()
        if not key.endswith("_en")
    }


def evidence_label(kind: str) -> str:
    return str(EVIDENCE_LABELS.get(kind, _lazy("Item")))


def present(finding: Finding) -> dict[str, Any]:
    guidance = _catalogue().get(finding.guidance_key)
    language = (get_language() or "ja")[:2]
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
        "title": guidance.title.get(language),
        "summary": guidance.render_summary(_localised(finding.params or {}, language), language),
        "why": guidance.why.get(language),
        "steps": [step.get(language) for step in guidance.steps],
        "sources": [source.label(language) for source in guidance.sources],
        "evidence": evidence,
    }
