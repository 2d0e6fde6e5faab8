"""NVD CVE API 2.0 JSON: API pages, the 2.0 yearly feeds (same shape) and single CVE records."""

from __future__ import annotations

import gc
import re

from mamori.intel.model import Advisory, AdvisoryResult, Cvss, MatchCriterion, Reference
from mamori.intel.parsers.common import (
    InputError,
    as_dict,
    as_list,
    as_score,
    as_str,
    clean_text,
    load_json,
    normalise_cve,
    parse_date,
)

NVD_MAX_ITEMS = 2_500_000  # the whole NVD is ~300k records: the cap only stops absurd input
MAX_CRITERIA_PER_CVE = 20_000
MAX_REFERENCES = 500
MAX_PLATFORMS = 20
_METRIC_KEYS = (
    ("cvssMetricV40", "4.0"),
    ("cvssMetricV31", "3.1"),
    ("cvssMetricV30", "3.0"),
    ("cvssMetricV2", "2.0"),
)
_UNESCAPE_RE = re.compile(r"\\(.)")


def parse_nvd(
    data: bytes, *, max_bytes: int = 2 * 1024 * 1024 * 1024, max_items: int = NVD_MAX_ITEMS
) -> AdvisoryResult:
    """Advisories from NVD CVE API 2.0 JSON. Never raises on bad input."""
    try:
        document = load_json(data, max_bytes=max_bytes)
    except InputError as exc:
        return AdvisoryResult(errors=[str(exc)], format="nvd")
    return parse_nvd_document(document, max_items=max_items)


def parse_nvd_document(document: object, *, max_items: int = NVD_MAX_ITEMS) -> AdvisoryResult:
    """The same from an already-loaded JSON value (lets callers stream or reuse a json.load)."""
    # Building hundreds of thousands of small objects triggers repeated full garbage
    # collections that find nothing (no cycles are made); pause the collector meanwhile.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_document(document, max_items)
    finally:
        if was_enabled:
            gc.enable()


def _parse_document(document: object, max_items: int) -> AdvisoryResult:
    result = AdvisoryResult(format="nvd")
    if not isinstance(document, dict):
        result.errors.append("not an NVD CVE document (expected a JSON object)")
        return result
    if "CVE_Items" in document:
        result.errors.append("this is an NVD 1.1 feed; use the CVE API 2.0 or 2.0 feeds")
        return result
    if "vulnerabilities" in document:
        records = [as_dict(entry).get("cve") for entry in as_list(document["vulnerabilities"])]
        result.total_results = _int_or_none(document.get("totalResults"))
        result.start_index = _int_or_none(document.get("startIndex"))
        result.results_per_page = _int_or_none(document.get("resultsPerPage"))
    elif "id" in document and ("descriptions" in document or "configurations" in document):
        records = [document]
    else:
        result.errors.append("not an NVD CVE API 2.0 document")
        return result
    bad = 0
    for record in records[:max_items]:
        try:
            advisory = _record(as_dict(record))
        except (ValueError, TypeError, AttributeError, RecursionError):
            advisory = None
        if advisory is None:
            bad += 1
        elif advisory is not _REJECTED:
            result.advisories.append(advisory)
    if bad:
        result.errors.append(f"{bad} record(s) without a usable CVE id were skipped")
    if len(records) > max_items:
        result.errors.append(f"too many records: kept the first {max_items} of {len(records)}")
    return result


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_REJECTED = Advisory(source="nvd")


def _record(record: dict) -> Advisory | None:
    cve = normalise_cve(as_str(record.get("id"), limit=40))
    if not cve:
        return None
    if as_str(record.get("vulnStatus")) == "Rejected":
        return _REJECTED
    advisory = Advisory(source="nvd", cve_ids=[cve])
    for description in as_list(record.get("descriptions")):
        description = as_dict(description)
        if as_str(description.get("lang")) == "en":
            advisory.summary_en = clean_text(as_str(description.get("value")))
            break
    advisory.title_en = _short_title(advisory.summary_en)
    advisory.published = parse_date(as_str(record.get("published")))
    advisory.modified = parse_date(as_str(record.get("lastModified"))) or advisory.published
    advisory.link = f"https://nvd.nist.gov/vuln/detail/{cve}"
    metrics = as_dict(record.get("metrics"))
    for key, default_version in _METRIC_KEYS:
        for metric in as_list(metrics.get(key))[:20]:
            metric = as_dict(metric)
            data = as_dict(metric.get("cvssData"))
            severity = as_str(data.get("baseSeverity")) or as_str(metric.get("baseSeverity"))
            advisory.cvss.append(
                Cvss(
                    version=as_str(data.get("version"))[:10] or default_version,
                    score=as_score(data.get("baseScore")),
                    vector=as_str(data.get("vectorString"))[:300],
                    severity=severity.upper()[:20],
                    source=f"{as_str(metric.get('source'))[:80]} ({as_str(metric.get('type'))[:20]})",
                )
            )
    for reference in as_list(record.get("references"))[:MAX_REFERENCES]:
        reference = as_dict(reference)
        url = as_str(reference.get("url"))[:2000]
        if url:
            tags = ", ".join(as_str(tag)[:50] for tag in as_list(reference.get("tags"))[:10])
            advisory.references.append(
                Reference(url=url, name=tags, source=as_str(reference.get("source"))[:100])
            )
    advisory.criteria = _criteria(record.get("configurations"))
    return advisory


def _short_title(summary: str) -> str:
    first = summary.split(". ", 1)[0]
    return first if len(first) <= 160 else first[:157].rstrip() + "…"


def _criteria(configurations: object) -> list[MatchCriterion]:
    criteria: list[MatchCriterion] = []
    seen: set[tuple] = set()
    for configuration in as_list(configurations):
        configuration = as_dict(configuration)
        found: list[MatchCriterion] = []
        for node in as_list(configuration.get("nodes")):
            node = as_dict(node)
            if node.get("negate") is True:
                continue  # "NOT" nodes exclude platforms; they never make something vulnerable
            for match in as_list(node.get("cpeMatch"))[:MAX_CRITERIA_PER_CVE]:
                criterion = _criterion(as_dict(match))
                if criterion is not None:
                    found.append(criterion)
        if as_str(configuration.get("operator")) == "AND":
            # "App X running on platform Y": remember Y on X so a match can say so.
            platforms = [c.cpe23 for c in found if not c.vulnerable][:MAX_PLATFORMS]
            for criterion in found:
                if criterion.vulnerable:
                    criterion.platforms = list(platforms)
        for criterion in found:
            if len(criteria) >= MAX_CRITERIA_PER_CVE:
                return criteria
            key = (
                criterion.cpe23,
                criterion.vulnerable,
                criterion.version_start_including,
                criterion.version_start_excluding,
                criterion.version_end_including,
                criterion.version_end_excluding,
                tuple(criterion.platforms),
            )
            if key not in seen:
                seen.add(key)
                criteria.append(criterion)
    return criteria


def _criterion(match: dict) -> MatchCriterion | None:
    cpe = as_str(match.get("criteria"), limit=1000)
    if not cpe.startswith("cpe:2.3:"):
        return None
    return MatchCriterion(
        cpe23=cpe,
        vulnerable=match.get("vulnerable") is not False,
        version_start_including=_bound(match.get("versionStartIncluding")),
        version_start_excluding=_bound(match.get("versionStartExcluding")),
        version_end_including=_bound(match.get("versionEndIncluding")),
        version_end_excluding=_bound(match.get("versionEndExcluding")),
    )


def _bound(value: object) -> str | None:
    text = as_str(value, limit=200)
    if not text:
        return None
    return _UNESCAPE_RE.sub(r"\1", text) if "\\" in text else text
