"""MyJVN API answers: XML (RDF overview lists, VULDEF details) and JSON (feed, CSAF, STIX).

`parse_myjvn` accepts any of them and sniffs which one it was given.
"""

from __future__ import annotations

from mamori.intel.model import Advisory, AdvisoryResult, Cvss, ProductName, Reference
from mamori.intel.parsers.common import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ITEMS,
    InputError,
    as_dict,
    as_list,
    as_score,
    as_str,
    clean_text,
    criterion_from_cpe,
    find_ids,
    load_json,
    normalise_cve,
    normalise_jvndb,
    parse_date,
)
from mamori.intel.parsers.jvn import MAX_CHILDREN, parse_myjvn_xml

MAX_BRANCH_DEPTH = 8


def parse_myjvn(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_items: int = DEFAULT_MAX_ITEMS
) -> AdvisoryResult:
    """Advisories from a MyJVN API answer in XML or JSON. Never raises on bad input."""
    if data.lstrip()[:1] in (b"{", b"["):
        return parse_myjvn_json(data, max_bytes=max_bytes, max_items=max_items)
    return parse_myjvn_xml(data, max_bytes=max_bytes, max_items=max_items)


def parse_myjvn_json(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_items: int = DEFAULT_MAX_ITEMS
) -> AdvisoryResult:
    try:
        document = as_dict(load_json(data, max_bytes=max_bytes))
    except InputError as exc:
        return AdvisoryResult(errors=[str(exc)], format="myjvn-json")
    try:
        result = _dispatch(document, max_items)
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        return AdvisoryResult(errors=[f"unreadable document: {type(exc).__name__}"])
    status = as_dict(document.get("status"))
    code = status.get("retCd", 0)
    if code not in (0, "0", "", None):
        message = as_str(status.get("errMsg")) or as_str(status.get("errCd")) or "unknown error"
        result.errors.append(f"MyJVN API error {code}: {message[:200]}")
    return result


def _dispatch(document: dict, max_items: int) -> AdvisoryResult:
    lang = "ja"
    if "feed" in document:
        feed = as_dict(document["feed"])
        lang = as_str(feed.get("lang")) or lang
        entries = as_list(feed.get("entry"))
        result = AdvisoryResult(format="myjvn-json-feed")
        for entry in entries[:max_items]:
            advisory = _feed_entry(as_dict(entry), lang)
            if advisory is not None:
                result.advisories.append(advisory)
        if len(entries) > max_items:
            result.errors.append(f"too many items: kept the first {max_items} of {len(entries)}")
        return result
    if "document" in document and "vulnerabilities" in document:
        advisory = _csaf(document)
        result = AdvisoryResult(format="myjvn-json-csaf")
        if advisory is not None:
            result.advisories.append(advisory)
        return result
    if "objects" in document:  # STIX bundle: the CSAF documents ride inside jvn-jp-sdo objects
        result = AdvisoryResult(format="myjvn-json-stix")
        for stix_object in as_list(document["objects"])[:MAX_CHILDREN]:
            embedded = as_list(as_dict(stix_object).get("VULDEF-Document"))
            for csaf in embedded[: max(0, max_items - len(result.advisories))]:
                advisory = _csaf(as_dict(csaf))
                if advisory is not None:
                    result.advisories.append(advisory)
        if not result.advisories:
            result.errors.append("STIX bundle without a VULDEF document")
        return result
    return AdvisoryResult(errors=["not a MyJVN advisory document"], format="myjvn-json")


def _set_text(advisory: Advisory, lang: str, title: str, summary: str) -> None:
    if lang.lower().startswith("en"):
        advisory.title_en, advisory.summary_en = title, summary
    else:
        advisory.title_ja, advisory.summary_ja = title, summary


def _metrics(advisory: Advisory, metrics: object) -> None:
    for metric in as_list(metrics)[:MAX_CHILDREN]:
        content = as_dict(as_dict(metric).get("content"))
        for key in ("cvss_v4", "cvss_v3", "cvss_v2"):
            data = as_dict(content.get(key))
            if not data:
                continue
            cvss = Cvss(
                version=as_str(data.get("version"))[:10],
                score=as_score(data.get("baseScore")),
                vector=as_str(data.get("vectorString"))[:300],
                severity=as_str(data.get("baseSeverity")).upper()[:20],
                source=as_str(content.get("source"))[:100] or "JVN",
            )
            if cvss not in advisory.cvss:
                advisory.cvss.append(cvss)


def _feed_entry(entry: dict, lang: str) -> Advisory | None:
    advisory = Advisory(source="myjvn")
    advisory.jvndb_id = normalise_jvndb(as_str(entry.get("id")))
    _set_text(
        advisory,
        lang,
        clean_text(as_str(entry.get("title")), limit=1000),
        clean_text(as_str(entry.get("summary"))),
    )
    advisory.link = as_str(entry.get("link"))[:2000]
    cves: dict[str, None] = {}
    for reference in as_list(entry.get("references"))[:MAX_CHILDREN]:
        reference = as_dict(reference)
        url = as_str(reference.get("url"))[:2000]
        name = as_str(reference.get("summary"))[:500]
        source = as_str(reference.get("source"))[:100]
        if url:
            advisory.references.append(Reference(url=url, name=name, source=source))
        if source in ("CVE", "NVD") and normalise_cve(name):
            cves.setdefault(normalise_cve(name), None)
    for product in as_list(entry.get("products"))[:MAX_CHILDREN]:
        product = as_dict(product)
        cpe = as_str(as_dict(product.get("product_ids")).get("cpe"))
        criterion = criterion_from_cpe(cpe) if cpe else None
        if criterion is not None and criterion not in advisory.criteria:
            advisory.criteria.append(criterion)
        vendor, name = as_str(product.get("vname"))[:200], as_str(product.get("pname"))[:200]
        names = ProductName(vendor=vendor, product=name, versions=as_str(product.get("version")))
        if (vendor or name) and names not in advisory.products:
            advisory.products.append(names)
    _metrics(advisory, entry.get("metrics"))
    advisory.cve_ids = list(cves)
    advisory.published = parse_date(as_str(entry.get("public"))) or parse_date(
        as_str(entry.get("created"))
    )
    advisory.modified = parse_date(as_str(entry.get("modified"))) or advisory.published
    return advisory if advisory.advisory_id else None


def _csaf(document: dict) -> Advisory | None:
    head = as_dict(document.get("document"))
    tracking = as_dict(head.get("tracking"))
    advisory = Advisory(source="myjvn")
    advisory.jvndb_id = normalise_jvndb(as_str(tracking.get("id")))
    summary = ""
    for note in as_list(head.get("notes")):
        note = as_dict(note)
        if as_str(note.get("category")) in ("description", "summary"):
            summary = clean_text(as_str(note.get("text")))
            break
    _set_text(
        advisory,
        as_str(head.get("lang")) or "ja",
        clean_text(as_str(head.get("title")), limit=1000),
        summary,
    )
    for reference in as_list(head.get("references"))[:MAX_CHILDREN]:
        reference = as_dict(reference)
        url = as_str(reference.get("url"))[:2000]
        if url:
            advisory.references.append(
                Reference(
                    url=url,
                    name=as_str(reference.get("summary"))[:500],
                    source=as_str(reference.get("source"))[:100],
                )
            )
    _csaf_products(advisory, as_dict(document.get("product_tree")).get("branches"), "", 0)
    cves: dict[str, None] = {}
    for vulnerability in as_list(document.get("vulnerabilities"))[:MAX_CHILDREN]:
        vulnerability = as_dict(vulnerability)
        cve = normalise_cve(as_str(vulnerability.get("cve")))
        if cve:
            cves.setdefault(cve, None)
        _metrics(advisory, vulnerability.get("metrics"))
    for found in find_ids(summary):
        if found.startswith("CVE-"):
            cves.setdefault(found, None)
    advisory.cve_ids = list(cves)
    advisory.published = parse_date(as_str(tracking.get("initial_release_date")))
    advisory.modified = parse_date(as_str(tracking.get("current_release_date")))
    if advisory.jvndb_id:
        year = advisory.jvndb_id.split("-")[1]
        advisory.link = f"https://jvndb.jvn.jp/ja/contents/{year}/{advisory.jvndb_id}.html"
    return advisory if advisory.advisory_id else None


def _csaf_products(advisory: Advisory, branches: object, vendor: str, depth: int) -> None:
    if depth > MAX_BRANCH_DEPTH:
        return
    for branch in as_list(branches)[:MAX_CHILDREN]:
        branch = as_dict(branch)
        category = as_str(branch.get("category"))
        name = as_str(branch.get("name"))[:200]
        branch_vendor = name if category == "vendor" else vendor
        product = as_dict(branch.get("product"))
        if product:
            helper = as_dict(product.get("product_identification_helper"))
            criterion = criterion_from_cpe(as_str(helper.get("cpe")))
            if criterion is not None and criterion not in advisory.criteria:
                advisory.criteria.append(criterion)
            if category == "product_name":
                names = ProductName(vendor=branch_vendor, product=name)
                if names not in advisory.products:
                    advisory.products.append(names)
        _csaf_products(advisory, branch.get("branches"), branch_vendor, depth + 1)
