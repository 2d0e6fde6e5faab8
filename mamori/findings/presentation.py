"""What a finding says to a person: title, summary, why, steps and sources in their language,
from the guidance content (mamori/content/guidance), filled with the finding's parameters."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import get_language, gettext_lazy, override

from .models import Finding

EVIDENCE_LABELS = {
    "account": gettext_lazy("Account"),
    "device": gettext_lazy("Device"),
    "share": gettext_lazy("Share"),
    "share_grant": gettext_lazy("Share permission"),
    "service": gettext_lazy("Service"),
    "supplier": gettext_lazy("Supplier"),
    "person": gettext_lazy("Person"),
    "software": gettext_lazy("Software"),
    "advisory": gettext_lazy("Advisory"),
    "page": gettext_lazy("Page"),
    "mail": gettext_lazy("Mail"),
    "answer": gettext_lazy("Answer"),
    "advice": gettext_lazy("Advice"),
    "source": gettext_lazy("Source"),
    "incident": gettext_lazy("Incident"),
    "feed_item": gettext_lazy("News item"),
    "news": gettext_lazy("News item"),
    "reference": gettext_lazy("Reference"),
    "website": gettext_lazy("Website"),
    "match": gettext_lazy("Why it matches"),
    "confidence": gettext_lazy("Confidence"),
    "remediation": gettext_lazy("What to do"),
    "measure": gettext_lazy("Prevention measure"),
    "lifecycle": gettext_lazy("End of vendor support"),
    "payee": gettext_lazy("Payee"),
    "problem": gettext_lazy("What is wrong"),
    "supervision": gettext_lazy("Contractor supervision"),
    "personal_data": gettext_lazy("Personal data"),
    "material": gettext_lazy("Published material"),
    "backup": gettext_lazy("Backup"),
    "critical_account": gettext_lazy("Critical account"),
}


# Evidence that names a record links to its page: kind -> (URL name, inventory register or "").
EVIDENCE_PAGES = {
    "account": ("inventory:detail", "accounts"),
    "device": ("inventory:detail", "devices"),
    "service": ("inventory:detail", "services"),
    "share": ("inventory:detail", "shares"),
    "supplier": ("inventory:detail", "suppliers"),
    "person": ("inventory:detail", "people"),
    "software": ("inventory:detail", "software"),
    "website": ("inventory:detail", "websites"),
    "supervision": ("inventory:detail", "supervision"),
    "personal_data": ("inventory:detail", "personal-data"),
    "page": ("monitoring:detail", ""),
    "incident": ("incidents:detail", ""),
    "mail": ("mailcheck:detail", ""),
    "payee": ("inventory:detail", "payees"),
    "material": ("inventory:detail", "materials"),
    "backup": ("inventory:detail", "backups"),
    "critical_account": ("inventory:detail", "critical-accounts"),
}
# Finding kinds whose page shows labelled facts built from their source records (the finding's
# own app knows them): kind -> (dotted path of f(finding, org_slug, language) -> facts, evidence
# kinds still listed beside the facts).
FACT_BUILDERS: dict[str, tuple[str, frozenset[str]]] = {
    "intel.vulnerable_software": (
        "mamori.intel.evidence.vulnerability_facts",
        frozenset({"match", "confidence", "remediation"}),
    ),
}
# Evidence whose id is an outside address (news items, advisory references).
EVIDENCE_EXTERNAL = {"news", "reference", "feed_item"}


def evidence_url(item: dict[str, Any], org_slug: str) -> str:
    """The page of the record an evidence fact names, or the outside address it cites."""
    kind, ident = str(item.get("kind", "")), str(item.get("id", "") or "")
    if kind in EVIDENCE_EXTERNAL:
        return ident if ident.startswith(("https://", "http://")) else ""
    if kind not in EVIDENCE_PAGES or not ident.isdigit():
        return ""
    name, register = EVIDENCE_PAGES[kind]
    kwargs: dict[str, Any] = {"org_slug": org_slug, "pk": int(ident)}
    if register:
        kwargs["register"] = register
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


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
    return str(EVIDENCE_LABELS.get(kind, gettext_lazy("Item")))


def problem_title(finding: Finding, language: str | None = None) -> str:
    """What is wrong, in the reader's language (never the internal kind code)."""
    language = (language or get_language() or "ja")[:2]
    guidance = _catalogue().get(finding.guidance_key)
    if guidance is None:
        with override(language):
            return str(gettext_lazy("A problem was found"))
    return guidance.title.get(language)


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _clip(text: str, width: int) -> str:
    """`text` cut to `width` display columns (a Japanese character takes two), with "…"."""
    if sum(_width(char) for char in text) <= width:
        return text
    out, used = [], 1
    for char in text:
        used += _width(char)
        if used > width:
            break
        out.append(char)
    return "".join(out) + "…"


def subject_text(finding: Finding, language: str | None = None) -> str:
    """The finding's object in the reader's language: a check may store `subject_en` in the
    params beside a Japanese subject."""
    language = (language or get_language() or "ja")[:2]
    subject = finding.subject or ""
    if language == "en":
        subject = str((finding.params or {}).get("subject_en") or subject)
    return " ".join(subject.split())


def _evidence(finding: Finding, language: str, org_slug: str = "") -> list[dict[str, Any]]:
    """Evidence facts with their label (and, given the organisation, a link to the record);
    an item may carry `text_en` for English readers."""
    items = []
    for item in finding.evidence or []:
        if not isinstance(item, dict):
            continue
        text = item.get("text_en") if language == "en" and item.get("text_en") else item.get("text")
        items.append(
            {
                **item,
                "text": text,
                "label": evidence_label(str(item.get("kind", ""))),
                "url": evidence_url(item, org_slug) if org_slug else "",
            }
        )
    return items


def headline(finding: Finding, language: str | None = None, limit: int = 0) -> str:
    """A finding named by its problem, then its object: 「退職者のアカウントが残っています — 伊藤 健」.
    Lists, tiles, digests, calendars and PDFs all use this, so an owner never sees a bare
    name or product as a "risk" without the reason. `limit` caps the whole line in display
    columns (a Japanese character counts two); the object is shortened first."""
    subject = subject_text(finding, language)
    title = problem_title(finding, language)
    if not subject:
        return _clip(title, limit) if limit else title
    if limit:
        title = _clip(title, max(limit * 2 // 3, limit - 3 - sum(_width(c) for c in subject)))
        room = limit - sum(_width(c) for c in title) - 3
        subject = _clip(subject, max(room, 8))
    return f"{title} — {subject}"


def status_label(finding: Finding) -> str:
    """One status for a finding and its action, so the two never disagree on a page: an open
    finding whose action is under way reads 「対応中」, one whose action is done reads
    「対応済み（再確認待ち）」 until the next check resolves it."""
    if finding.status != "open":
        return str(finding.get_status_display())
    action = getattr(finding, "action", None)
    if action is not None and action.status == "in_progress":
        return str(gettext_lazy("In progress"))
    if action is not None and action.status == "done":
        return str(gettext_lazy("Done, waiting for the next check"))
    return str(finding.get_status_display())


def facts(finding: Finding, org_slug: str, language: str) -> tuple[list[dict[str, Any]], Any]:
    """Labelled facts for the finding page (label, value, optional url or links) and the
    evidence kinds to keep listed beside them; ([], None) for kinds without a builder."""
    builder = FACT_BUILDERS.get(finding.kind)
    if builder is None or not org_slug:
        return [], None
    path, kept = builder
    built = import_string(path)(finding, org_slug, language)
    return (built, kept) if built else ([], None)


def present(finding: Finding, org_slug: str = "") -> dict[str, Any]:
    """Everything a page shows of one finding; pass `org_slug` (the finding page does) to link
    its evidence and build its labelled facts."""
    guidance = _catalogue().get(finding.guidance_key)
    language = (get_language() or "ja")[:2]
    evidence = _evidence(finding, language, org_slug)
    structured, kept = facts(finding, org_slug, language)
    if kept is not None:
        evidence = [item for item in evidence if item.get("kind") in kept]
    subject = subject_text(finding, language)
    if guidance is None:
        return {
            "facts": structured,
            "title": problem_title(finding, language),
            "status": status_label(finding),
            "subject": subject,
            "summary": subject,
            "why": "",
            "steps": [],
            "sources": [],
            "evidence": evidence,
        }
    return {
        "facts": structured,
        "title": guidance.title.get(language),
        "status": status_label(finding),
        "subject": subject,
        "summary": guidance.render_summary(_localised(finding.params or {}, language), language),
        "why": guidance.why.get(language),
        "steps": [step.get(language) for step in guidance.steps],
        "sources": [source.label(language) for source in guidance.sources],
        "evidence": evidence,
    }
