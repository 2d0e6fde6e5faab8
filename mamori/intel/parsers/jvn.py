"""JVN iPedia RSS 1.0 (RDF) feeds and the MyJVN API's XML answers, parsed with lxml.

Both `sec:` namespaces are accepted (JVN RSS 2.0 "http://jvn.jp/rss/mod_sec/" and MyJVN 3.x
"http://jvn.jp/rss/mod_sec/3.0/"); repeated `sec:references`, `sec:cpe` and `sec:cvss` are all
kept with their text, which is why these are not read with feedparser.
"""

from __future__ import annotations

from lxml import etree

from mamori.intel.model import Advisory, AdvisoryResult, Cvss, ProductName, Reference
from mamori.intel.parsers.common import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ITEMS,
    InputError,
    as_score,
    clean_text,
    criterion_from_cpe,
    element_text,
    find_ids,
    local_name,
    normalise_cve,
    normalise_jvndb,
    parse_date,
    parse_xml_lenient,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SEC_NAMESPACES = ("http://jvn.jp/rss/mod_sec/", "http://jvn.jp/rss/mod_sec/3.0/")
MAX_CHILDREN = 500  # repeated elements kept per item


def parse_jvn_rdf(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_items: int = DEFAULT_MAX_ITEMS
) -> AdvisoryResult:
    """Advisories from a JVN iPedia RDF feed (jvndb_new.rdf, jvndb_2023.rdf, …)."""
    return _parse_xml_document(data, "jvn", max_bytes=max_bytes, max_items=max_items)


def parse_myjvn_xml(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_items: int = DEFAULT_MAX_ITEMS
) -> AdvisoryResult:
    """Advisories from a MyJVN API XML answer (getVulnOverviewList RDF or getVulnDetailInfo)."""
    return _parse_xml_document(data, "myjvn", max_bytes=max_bytes, max_items=max_items)


def _parse_xml_document(
    data: bytes, source: str, *, max_bytes: int, max_items: int
) -> AdvisoryResult:
    try:
        root, warning = parse_xml_lenient(data, max_bytes=max_bytes)
    except InputError as exc:
        return AdvisoryResult(errors=[str(exc)], format=source)
    try:
        result = _dispatch(root, source, max_items)
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        return AdvisoryResult(errors=[f"unreadable document: {type(exc).__name__}"], format=source)
    if warning:
        result.errors.append(warning)
    status_error = _status_error(root)
    if status_error:
        result.errors.append(status_error)
    _paging(root, result)
    return result


def _paging(root: etree._Element, result: AdvisoryResult) -> None:
    """MyJVN's paging facts (totalRes, firstRes 1-based, totalResRet) in NVD's terms."""
    # lxml's "{*}" filter walks the tree in C: a 500-item RDF has no Status at all.
    for element in root.iter("{*}Status"):
        try:
            total = int(element.get("totalRes") or "")
            first = int(element.get("firstRes") or "1")
            returned = int(element.get("totalResRet") or "0")
        except ValueError:
            return
        result.total_results = total
        result.start_index = max(first - 1, 0)
        result.results_per_page = returned or None
        return


def _dispatch(root: etree._Element, source: str, max_items: int) -> AdvisoryResult:
    name = local_name(root)
    lang = (root.get(XML_LANG) or "ja").lower()
    if name == "RDF":
        items = [child for child in root if local_name(child) == "item"]
        result = AdvisoryResult(format=f"{source}-rdf")
        for item in items[:max_items]:
            advisory = _rdf_item(item, source, lang)
            if advisory is not None:
                result.advisories.append(advisory)
        _note_cap(result, len(items), max_items)
        return result
    if name == "VULDEF-Document":
        vulinfos = [child for child in root if local_name(child) == "Vulinfo"]
        result = AdvisoryResult(format=f"{source}-vuldef")
        for vulinfo in vulinfos[:max_items]:
            advisory = _vuldef(vulinfo, source, lang)
            if advisory is not None:
                result.advisories.append(advisory)
        _note_cap(result, len(vulinfos), max_items)
        return result
    return AdvisoryResult(
        errors=[f"not a JVN advisory document: root element <{name[:50]}>"], format=source
    )


def _note_cap(result: AdvisoryResult, found: int, max_items: int) -> None:
    if found > max_items:
        result.errors.append(f"too many items: kept the first {max_items} of {found}")


def _status_error(root: etree._Element) -> str:
    for element in root.iter("{*}Status"):
        code = (element.get("retCd") or "0").strip()
        if code not in ("", "0"):
            message = element.get("errMsg") or element.get("errCd") or "unknown error"
            return f"MyJVN API error {code}: {message[:200]}"
        return ""
    return ""


_SEC_TAGS: dict[str, bool] = {}


def _is_sec(element: etree._Element) -> bool:
    tag = element.tag
    if not isinstance(tag, str):
        return False
    known = _SEC_TAGS.get(tag)
    if known is None:
        known = tag.startswith("{") and tag[1:].split("}")[0] in SEC_NAMESPACES
        if len(_SEC_TAGS) < 4096:
            _SEC_TAGS[tag] = known
    return known


def _rdf_item(item: etree._Element, source: str, lang: str) -> Advisory | None:
    advisory = Advisory(source=source)
    children = [(local_name(child), child) for child in item]
    first: dict[str, etree._Element] = {}
    for name, child in children:
        first.setdefault(name, child)

    def text_of(name: str) -> str:
        return element_text(first.get(name))

    title = clean_text(text_of("title"), limit=1000)
    summary = clean_text(text_of("description"))
    if lang.startswith("en"):
        advisory.title_en, advisory.summary_en = title, summary
    else:
        advisory.title_ja, advisory.summary_ja = title, summary
    advisory.link = text_of("link")[:2000]
    cves: dict[str, None] = {}
    counts = {"references": 0, "cpe": 0, "cvss": 0}
    for name, child in children:
        if not _is_sec(child):
            continue
        if name in counts:
            counts[name] += 1
            if counts[name] > MAX_CHILDREN:
                continue
        if name == "identifier":
            advisory.jvndb_id = normalise_jvndb(element_text(child)) or element_text(child)[:50]
        elif name == "references":
            url = element_text(child)[:2000]
            ref_id = (child.get("id") or "").strip()
            ref_source = (child.get("source") or "").strip()
            label = ref_id or (child.get("title") or "").strip()
            advisory.references.append(Reference(url=url, name=label[:500], source=ref_source))
            cve = normalise_cve(ref_id) if ref_source in ("CVE", "NVD", "") else ""
            if cve and ref_id.upper().startswith("CVE-"):
                cves.setdefault(cve, None)
        elif name == "cpe":
            text = element_text(child)
            criterion = criterion_from_cpe(text)
            if criterion is not None:
                advisory.criteria.append(criterion)
            vendor, product = (child.get("vendor") or "").strip(), (child.get("product") or "")
            if vendor or product:
                advisory.products.append(ProductName(vendor=vendor[:200], product=product[:200]))
        elif name == "cvss":
            advisory.cvss.append(
                Cvss(
                    version=(child.get("version") or "").strip()[:10],
                    score=as_score(child.get("score")),
                    vector=(child.get("vector") or "").strip()[:300],
                    severity=(child.get("severity") or "").strip().upper()[:20],
                    source="JVN",
                )
            )
    if not advisory.jvndb_id:
        advisory.jvndb_id = normalise_jvndb(advisory.link)
    advisory.cve_ids = list(cves)
    advisory.published = parse_date(text_of("issued")) or parse_date(text_of("date"))
    advisory.modified = parse_date(text_of("modified")) or advisory.published
    if not advisory.advisory_id:
        return None
    return advisory


def _first(element: etree._Element, name: str) -> str:
    for child in element:
        if local_name(child) == name:
            return element_text(child)
    return ""


def _vuldef(vulinfo: etree._Element, source: str, lang: str) -> Advisory | None:
    advisory = Advisory(source=source)
    advisory.jvndb_id = normalise_jvndb(_first(vulinfo, "VulinfoID"))
    data = next((c for c in vulinfo if local_name(c) == "VulinfoData"), None)
    if data is None:
        return None
    title = clean_text(_first(data, "Title"), limit=1000)
    summary = ""
    description = next((c for c in data if local_name(c) == "VulinfoDescription"), None)
    if description is not None:
        summary = clean_text(_first(description, "Overview"))
    if lang.startswith("en"):
        advisory.title_en, advisory.summary_en = title, summary
    else:
        advisory.title_ja, advisory.summary_ja = title, summary
    cves: dict[str, None] = {}
    for element in data.iter():
        name = local_name(element)
        if name == "AffectedItem":
            _vuldef_affected(element, advisory)
        elif name == "Cvss":
            _vuldef_cvss(element, advisory)
        elif name == "RelatedItem" and len(advisory.references) < MAX_CHILDREN:
            ref_id = _first(element, "VulinfoID")
            url = _first(element, "URL")
            if url:
                advisory.references.append(
                    Reference(url=url[:2000], name=ref_id[:500], source=_first(element, "Name"))
                )
            cve = normalise_cve(ref_id)
            if cve and element.get("type") == "advisory":
                cves.setdefault(cve, None)
    for cve in find_ids(summary):
        if cve.startswith("CVE-"):
            cves.setdefault(cve, None)
    advisory.cve_ids = list(cves)
    advisory.published = parse_date(_first(data, "DateFirstPublished")) or parse_date(
        _first(data, "DatePublic")
    )
    advisory.modified = parse_date(_first(data, "DateLastUpdated")) or advisory.published
    if advisory.jvndb_id:
        year = advisory.jvndb_id.split("-")[1]
        advisory.link = f"https://jvndb.jvn.jp/{'en' if lang.startswith('en') else 'ja'}/contents/{year}/{advisory.jvndb_id}.html"
    return advisory if advisory.advisory_id else None


def _vuldef_affected(element: etree._Element, advisory: Advisory) -> None:
    if len(advisory.products) >= MAX_CHILDREN:
        return
    vendor = _first(element, "Name")[:200]
    product = _first(element, "ProductName")[:200]
    versions = " / ".join(
        element_text(c)[:200] for c in element if local_name(c) == "VersionNumber"
    )
    for child in element:
        if local_name(child) == "Cpe":
            criterion = criterion_from_cpe(element_text(child))
            if criterion is not None:
                advisory.criteria.append(criterion)
    if vendor or product:
        advisory.products.append(ProductName(vendor=vendor, product=product, versions=versions))


def _vuldef_cvss(element: etree._Element, advisory: Advisory) -> None:
    if len(advisory.cvss) >= MAX_CHILDREN:
        return
    advisory.cvss.append(
        Cvss(
            version=(element.get("version") or "").strip()[:10],
            score=as_score(_first(element, "Base")),
            vector=_first(element, "Vector")[:300],
            severity=_first(element, "Severity").upper()[:20],
            source="JVN",
        )
    )
