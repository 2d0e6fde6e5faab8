"""Join advisories about the same vulnerability from several sources (JVN + NVD + KEV).

Advisories sharing a CVE id (or the same JVNDB id) become one: ids, references, CVSS and criteria
are united, titles and summaries are kept per language, and the KEV facts carry over. A JVN
criterion that names a product without versions is dropped when another source gives real
versions for the same product, so it cannot turn an exact NVD range into "all versions".
"""

from __future__ import annotations

from collections.abc import Iterable

from mamori.intel.matching.cpe import ANY, NA, Cpe, CpeError
from mamori.intel.model import Advisory, Reference


def merge_advisories(advisories: Iterable[Advisory]) -> list[Advisory]:
    merged: list[Advisory] = []
    owner: dict[str, int] = {}  # CVE or JVNDB id -> position in `merged`
    for advisory in advisories:
        keys = [*advisory.cve_ids, *([advisory.jvndb_id] if advisory.jvndb_id else [])]
        targets = sorted({owner[k] for k in keys if k in owner})
        if not targets:
            position = len(merged)
            merged.append(_copy(advisory))
        else:
            position = targets[0]
            _absorb(merged[position], advisory)
            for other in targets[1:]:  # this advisory links two earlier groups: join them
                _absorb(merged[position], merged[other])
                for key, value in list(owner.items()):
                    if value == other:
                        owner[key] = position
        for key in [*merged[position].cve_ids, merged[position].jvndb_id]:
            if key:
                owner[key] = position
    alive = set(owner.values())
    out = [merged[i] for i in sorted(alive)]
    for advisory in out:
        _drop_versionless_duplicates(advisory)
    return out


def _copy(advisory: Advisory) -> Advisory:
    return Advisory(
        source=advisory.source,
        cve_ids=list(advisory.cve_ids),
        jvndb_id=advisory.jvndb_id,
        title_ja=advisory.title_ja,
        title_en=advisory.title_en,
        summary_ja=advisory.summary_ja,
        summary_en=advisory.summary_en,
        cvss=list(advisory.cvss),
        criteria=list(advisory.criteria),
        products=list(advisory.products),
        published=advisory.published,
        modified=advisory.modified,
        references=list(advisory.references),
        kev=advisory.kev,
        link=advisory.link,
    )


def _absorb(target: Advisory, other: Advisory) -> None:
    sources = target.source.split("+")
    for source in other.source.split("+"):
        if source not in sources:
            sources.append(source)
    target.source = "+".join(sources)
    for cve in other.cve_ids:
        if cve not in target.cve_ids:
            target.cve_ids.append(cve)
    target.jvndb_id = target.jvndb_id or other.jvndb_id
    for name in ("title_ja", "title_en", "summary_ja", "summary_en", "link"):
        if not getattr(target, name):
            setattr(target, name, getattr(other, name))
    for cvss in other.cvss:
        if cvss not in target.cvss:
            target.cvss.append(cvss)
    for criterion in other.criteria:
        if criterion not in target.criteria:
            target.criteria.append(criterion)
    for product in other.products:
        if product not in target.products:
            target.products.append(product)
    known = {ref.url for ref in target.references}
    if other.link and other.link != target.link and other.link not in known:
        # Each source's own page (JVN iPedia, NVD, …) stays reachable after the merge.
        name = other.jvndb_id or (other.cve_ids[0] if other.cve_ids else "")
        target.references.insert(0, Reference(url=other.link, name=name, source=other.source))
        known.add(other.link)
    for reference in other.references:
        if reference.url not in known:
            target.references.append(reference)
            known.add(reference.url)
    if other.published and (target.published is None or other.published < target.published):
        target.published = other.published
    if other.modified and (target.modified is None or other.modified > target.modified):
        target.modified = other.modified
    target.kev = target.kev or other.kev


def _drop_versionless_duplicates(advisory: Advisory) -> None:
    def product_of(cpe23: str) -> tuple[tuple[str, str] | None, bool]:
        try:
            cpe = Cpe.parse(cpe23)
        except CpeError:
            return None, False
        return (cpe.vendor, cpe.product), cpe.version in (ANY, NA)

    versioned: set[tuple[str, str]] = set()
    described = []
    for criterion in advisory.criteria:
        product, versionless = product_of(criterion.cpe23)
        is_open = versionless and not criterion.has_range
        described.append((criterion, product, is_open))
        if product is not None and not is_open:
            versioned.add(product)
    advisory.criteria = [
        criterion
        for criterion, product, is_open in described
        if not (is_open and product in versioned)
    ]
