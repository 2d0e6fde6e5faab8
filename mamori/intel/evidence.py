"""The vulnerability finding's evidence as labelled facts in the reader's language.

Built when the finding page is shown (one advisory row and the software's devices and services,
a handful of queries) from the stored advisory, so findings opened before these facts existed
render them too and a re-imported advisory (a new CVSS score, a KEV listing) shows at once.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _

from mamori.findings.models import Severity

from .model import Advisory as AdvisoryData
from .model import advisory_from_dict
from .models import Advisory
from .vulnmatch import MAX_REFERENCES, _references, advisory_label

MAX_LINKED_RECORDS = 20


def _record_url(org_slug: str, register: str, pk: int) -> str:
    try:
        return reverse(
            "inventory:detail", kwargs={"org_slug": org_slug, "register": register, "pk": pk}
        )
    except NoReverseMatch:
        return ""


def _fact(label: str, value: str = "", url: str = "", **extra: Any) -> dict[str, Any]:
    return {"label": label, "value": value, "url": url, "links": [], "code": "", **extra}


def _severity(advisory: AdvisoryData, finding: Any) -> dict[str, Any]:
    """「緊急（CVSS v3.1 9.8）」 and the vector beside it; the finding's own level without one."""
    cvss = advisory.best_cvss()
    level = (cvss.severity.lower() if cvss and cvss.severity else "") or finding.severity
    word = str(Severity(level).label) if level in Severity.values else str(finding.severity)
    if cvss is None or cvss.score is None:
        return _fact(_("Severity"), word)
    score = _("CVSS v%(version)s score %(score)s") % {
        "version": cvss.version,
        "score": f"{cvss.score:.1f}",
    }
    return _fact(_("Severity"), f"{word} ({score})", code=cvss.vector)


def _kev(advisory: AdvisoryData) -> dict[str, Any]:
    label = _("Known to be exploited (CISA KEV)")
    if advisory.kev is None:
        return _fact(label, _("Not listed"))
    if advisory.kev.due_date:
        due = formats.date_format(advisory.kev.due_date, "Y-m-d")
        return _fact(label, _("Listed: attacks are seen; fix by %(date)s") % {"date": due})
    return _fact(label, _("Listed: attacks are seen"))


def _affected(finding: Any, org_slug: str) -> tuple[list[dict[str, Any]], str]:
    """The product as recorded (linked to its register page), where it runs, and the product
    name news would use."""
    from mamori.inventory.models import Device, Service, Software, Website

    facts: list[dict[str, Any]] = []
    register = (finding.subject_type or "").rpartition(".")[2]
    ident = str(finding.subject_id or "")
    if not ident.isdigit():
        return facts, ""
    pk = int(ident)
    if register == "website":
        site = Website.objects.filter(organization_id=finding.organization_id, pk=pk).first()
        if site is not None:
            product = " ".join(p for p in (site.cms, site.cms_version) if p) or site.url
            facts.append(
                _fact(_("Affected product"), product, _record_url(org_slug, "websites", pk))
            )
            facts.append(_fact(_("Website"), site.url, _record_url(org_slug, "websites", pk)))
        return facts, ""
    software = Software.objects.filter(organization_id=finding.organization_id, pk=pk).first()
    if software is None:
        return facts, ""
    name = " ".join(p for p in (software.vendor, software.product) if p)
    facts.append(_fact(_("Affected product"), name, _record_url(org_slug, "software", pk)))
    facts.append(_fact(_("Installed version"), software.version or _("Not recorded")))
    for label, model, register_name, related in (
        (_("Devices running it"), Device, "devices", "software"),
        (_("Services using it"), Service, "services", "software"),
    ):
        rows = list(
            model.objects.filter(
                organization_id=finding.organization_id,
                archived_at__isnull=True,
                **{related: software},
            ).order_by("name")[:MAX_LINKED_RECORDS]
        )
        if rows:
            fact = _fact(label)
            fact["links"] = [
                {"text": str(row), "url": _record_url(org_slug, register_name, row.pk)}
                for row in rows
            ]
            facts.append(fact)
    return facts, software.product


def _related_news(finding: Any, advisory: AdvisoryData, product: str) -> list[dict[str, Any]]:
    """News about this advisory or product: signals that open no finding of their own."""
    from .fetching import surge_settings
    from .related import related_items

    items = related_items(finding, advisory, product)
    if not items:
        return []
    fact = _fact(_("Related news"))
    fact["links"] = [
        {
            "text": f"{formats.date_format(item.published, 'Y-m-d')} {item.feed.name}: {item.title}",
            "url": item.link if item.link.startswith(("https://", "http://")) else "",
            "external": True,
        }
        for item in items
    ]
    facts = [fact]
    sources = {item.feed.name for item in items}
    min_sources, _window = surge_settings()
    if len(sources) >= max(min_sources, 2):
        facts.append(
            _fact(
                _("Reported by several sources"),
                _("%(count)s sources reported it: %(names)s")
                % {"count": len(sources), "names": "; ".join(sorted(sources))},
            )
        )
    return facts


def _fixed_version(finding: Any) -> dict[str, Any] | None:
    params = finding.params or {}
    if params.get("fixed_version"):
        return _fact(_("Fixed version"), str(params["fixed_version"]))
    if params.get("last_affected"):
        text = _("Later than %(version)s") % {"version": params["last_affected"]}
        return _fact(_("Fixed version"), text)
    return None


def vulnerability_facts(finding: Any, org_slug: str, language: str) -> list[dict[str, Any]]:
    """Labelled facts of a vulnerable-software finding, in `language` only; [] when its
    advisory is gone (the stored evidence then speaks alone)."""
    advisory_pk = (finding.params or {}).get("advisory_pk")
    if not isinstance(advisory_pk, int):
        return []
    data = Advisory.objects.filter(pk=advisory_pk).values_list("data", flat=True).first()
    if not data:
        return []
    advisory = advisory_from_dict(data)
    english = language == "en"
    title = advisory.title_en if english else advisory.title_ja
    facts = [
        _fact(
            _("Advisory"),
            " ".join(p for p in (advisory_label(advisory), title or "") if p),
            advisory.link if advisory.link.startswith(("https://", "http://")) else "",
            external=True,
        )
    ]
    # JVN's own Japanese summary for Japanese readers, NVD's description for English ones:
    # never the other language's paragraph on the page.
    summary = advisory.summary_en if english else advisory.summary_ja
    if summary:
        facts.append(_fact(_("Summary"), " ".join(summary.split()), long=True))
    affected, product = _affected(finding, org_slug)
    facts += affected
    fixed = _fixed_version(finding)
    if fixed is not None:
        facts.append(fixed)
    facts.append(_severity(advisory, finding))
    facts.append(_kev(advisory))
    references = _references(advisory)[:MAX_REFERENCES]
    if references:
        fact = _fact(_("References"))
        fact["links"] = [{"text": url, "url": url, "external": True} for url in references]
        facts.append(fact)
    facts += _related_news(finding, advisory, product)
    return facts
