"""Inventory software against stored advisories → findings of kind intel.vulnerable_software.

Only candidate advisories are loaded: those whose look-up keys (CPE vendor:product, or the
normalised product name for the name fallback) meet the organisation's software, so one
organisation's re-match reads a few rows however large the advisory store is. A "not affected"
or "patched" decision hides one (software, advisory, version) only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from mamori.findings.rules import FindingSpec
from mamori.intel.matching import (
    Cpe,
    CpeError,
    Inventory,
    InventoryItem,
    Match,
    MatchIndex,
    match_advisory,
    suggest_cpe,
)
from mamori.intel.matching.cpe import ANY, NA, normalise_name
from mamori.intel.matching.versions import version_key
from mamori.intel.model import Advisory as AdvisoryData
from mamori.intel.model import advisory_from_dict
from mamori.intel.policy import remediation, severity_of

from .models import Advisory, AdvisoryKey, Decision
from .store import cpe_key, name_keys

KIND = "intel.vulnerable_software"
MAX_REFERENCES = 8
KEY_REFERENCE_MARKERS = ("jvndb.jvn.jp", "jvn.jp/", "nvd.nist.gov", "cisa.gov", "cve.org")


@dataclass(frozen=True)
class SoftwareRow:
    pk: int
    label: str
    version: str
    cpe23: str
    platforms: tuple[str, ...] | None = None  # OS CPEs of its devices; None = not known
    register: str = "software"  # or "website": a website's CMS, matched like software
    component: str = ""  # a website's plugin or theme ("" = the CMS itself)

    @property
    def key(self) -> str:
        if self.register == "software":
            return str(self.pk)
        return f"{self.register}:{self.pk}" + (f":{self.component}" if self.component else "")


# CMS names as the website register (and monitoring) write them → NVD's vendor:product.
CMS_CPE = {
    "wordpress": ("wordpress", "wordpress"),
    "drupal": ("drupal", "drupal"),
    "joomla": ("joomla", "joomla!"),
    "joomla!": ("joomla", "joomla!"),
    "ec-cube": ("ec-cube", "ec-cube"),
    "eccube": ("ec-cube", "ec-cube"),
    "movable type": ("sixapart", "movable_type"),
    "movabletype": ("sixapart", "movable_type"),
    "a-blog cms": ("appleple", "a-blog_cms"),
    "concrete cms": ("concretecms", "concrete_cms"),
    "concrete5": ("concrete5", "concrete5"),
    "typo3": ("typo3", "typo3"),
    "modx": ("modx", "modx_revolution"),
    "ghost": ("ghost", "ghost"),
    "basercms": ("basercms", "basercms"),
    "magento": ("magento", "magento"),
}


# How sure a match is, as words for the finding page (ja, en).
CONFIDENCE_WORDS = {
    "high": (
        "高い（バージョンが影響範囲に含まれます）",
        "High (the version is in the affected range)",
    ),
    "medium": ("中程度（確認が必要です）", "Medium (please check)"),
    "low": ("低い（名前だけの一致です）", "Low (the names match only)"),
}


def cms_cpe(cms: str, version: str) -> str:
    """The CPE of a website's CMS (NVD's name for the common ones)."""
    name = " ".join((cms or "").lower().split())
    pair = CMS_CPE.get(name) or CMS_CPE.get(name.replace(" ", ""))
    if pair is None:
        return suggest_cpe(cms, cms, version, part="a")
    vendor, product = pair
    typed = (version or "").strip().lower() or "*"
    return Cpe(part="a", vendor=vendor, product=product, version=typed).format()


# Operating systems as the device register names them → NVD's platform names.
_OS_PLATFORMS = (
    (re.compile(r"windows\s*server\s*(\d{4})", re.I), "microsoft:windows_server_{0}"),
    (re.compile(r"windows\s*(\d+)", re.I), "microsoft:windows_{0}"),
    (re.compile(r"windows", re.I), "microsoft:windows"),
    (re.compile(r"mac\s*os|os\s*x", re.I), "apple:macos"),
    (re.compile(r"ipad\s*os", re.I), "apple:ipados"),
    (re.compile(r"\bios\b|iphone", re.I), "apple:iphone_os"),
    (re.compile(r"android", re.I), "google:android"),
    (re.compile(r"chrome\s*os", re.I), "google:chrome_os"),
    (re.compile(r"ubuntu", re.I), "canonical:ubuntu_linux"),
    (re.compile(r"debian", re.I), "debian:debian_linux"),
    (re.compile(r"red\s*hat|rhel", re.I), "redhat:enterprise_linux"),
    (re.compile(r"linux", re.I), "linux:linux_kernel"),
)


def os_platform(os_name: str) -> str | None:
    """The CPE of an operating system named in the device register, or None if unknown."""
    for pattern, template in _OS_PLATFORMS:
        match = pattern.search(os_name or "")
        if match:
            name = template.format(*match.groups())
            return f"cpe:2.3:o:{name}:*:*:*:*:*:*:*:*"
    return None


def _platforms_by_software(org: Any) -> dict[int, tuple[str, ...] | None]:
    """Each software row's platforms: known only when every linked device's OS is known."""
    from mamori.inventory.models import Software

    found: dict[int, list[str | None]] = {}
    rows = Software.devices.through.objects.filter(
        software__organization=org, device__archived_at__isnull=True
    ).values_list("software_id", "device__os_name")
    for software_id, os_name in rows:
        found.setdefault(software_id, []).append(os_platform(os_name))
    out: dict[int, tuple[str, ...] | None] = {}
    for software_id, platforms in found.items():
        out[software_id] = (
            None if any(p is None for p in platforms) else tuple(p for p in platforms if p)
        )
    return out


def cpe_following_version(cpe23: str, version: str) -> str:
    """The stored CPE with the register's version in it: the version field is the truth.

    A CPE whose version (with its update, "2.0:beta9") already says the same is kept as it is;
    otherwise the version is replaced and the update reset, since a typed version carries its
    own update ("2.0-rc2", "9.0R3.3"). An unparsable CPE is returned unchanged.
    """
    typed = (version or "").strip()
    try:
        cpe = Cpe.parse(cpe23)
    except CpeError:
        return cpe23
    if not typed:
        return cpe.format()
    current = cpe.version if cpe.update in (ANY, NA) else f"{cpe.version} {cpe.update}"
    if cpe.version not in (ANY, NA) and version_key(current) == version_key(typed):
        return cpe.format()
    values = {name: getattr(cpe, name) for name in cpe.__slots__}
    values["version"], values["update"] = typed.lower(), ANY
    return Cpe(**values).format()


def software_cpe(vendor: str, product: str, version: str, cpe23: str) -> str:
    """The CPE to match: the stored one with the register's version in it (the version field
    is the truth, so editing it changes what matches), else one suggested from the names."""
    if cpe23:
        followed = cpe_following_version(cpe23, version)
        try:
            Cpe.parse(followed)
        except CpeError:
            followed = ""
        if followed:
            return followed
    return suggest_cpe(vendor, product, version)


def known_names(vendor: str, product: str, *, limit: int = 2_000) -> list[tuple[str, str, str]]:
    """(part, vendor, product) names of NVD's dictionary present in imported advisories that
    could name this product (the part left "" here; `suggest_software_cpe` reads it)."""
    prefixes = {
        name[:3]
        for name in (normalise_name(vendor, vendor=True), normalise_name(product))
        if len(name) >= 2
    }
    if not prefixes:
        return []
    query = Q()
    for prefix in prefixes:
        query |= Q(key__contains=f":{prefix}")
    keys = (
        AdvisoryKey.objects.filter(key__startswith="cpe:")
        .filter(query)
        .values_list("key", flat=True)
        .distinct()[:limit]
    )
    out = []
    for key in keys:
        pieces = key[4:].split(":", 1)
        if len(pieces) == 2:
            out.append(("", pieces[0], pieces[1]))
    return out


def _part_of(vendor: str, product: str) -> str:
    row = (
        AdvisoryKey.objects.filter(key=cpe_key(vendor, product))
        .values_list("advisory__data", flat=True)
        .first()
    )
    if not row:
        return ""
    for criterion in advisory_from_dict(row).criteria:
        try:
            cpe = Cpe.parse(criterion.cpe23)
        except CpeError:
            continue
        if (cpe.vendor, cpe.product) == (vendor, product):
            return cpe.part
    return ""


def suggest_software_cpe(vendor: str, product: str, version: str = "") -> str:
    """The CPE suggested for a software row: NVD's own vendor:product (and part) when an
    imported advisory names it, else a guess from the names."""
    suggested = suggest_cpe(vendor, product, version, known=known_names(vendor, product))
    cpe = Cpe.parse(suggested)
    if cpe.vendor in (ANY, NA) or cpe.product in (ANY, NA):
        return suggested
    part = _part_of(cpe.vendor, cpe.product)
    if part and part != cpe.part:
        values = {name: getattr(cpe, name) for name in cpe.__slots__}
        values["part"] = part
        return Cpe(**values).format()
    return suggested


def software_keys(cpe23: str, vendor: str, product: str) -> set[str]:
    keys = name_keys(vendor, product)
    try:
        cpe = Cpe.parse(cpe23)
    except CpeError:
        return keys
    keys.add(cpe_key(cpe.vendor, cpe.product))
    keys |= name_keys(cpe.vendor, cpe.product)
    return keys


def organisation_software(org: Any) -> list[tuple[SoftwareRow, set[str]]]:
    from mamori.inventory.models import Software

    rows = []
    platforms = _platforms_by_software(org)
    for pk, vendor, product, version, cpe23 in Software.objects.filter(
        organization=org, archived_at__isnull=True
    ).values_list("pk", "vendor", "product", "version", "cpe23"):
        cpe = software_cpe(vendor, product, version, cpe23)
        label = " ".join(p for p in (vendor, product, version) if p)
        row = SoftwareRow(pk, label, version, cpe, platforms.get(pk))
        rows.append((row, software_keys(cpe, vendor, product)))
    return rows


_PLUGIN_LINE_RE = re.compile(r"^\s*(.+?)(?:[\s:@]+v?(\d[\w.+-]*))?\s*$")
MAX_PLUGINS = 100


def parse_plugins(text: str) -> list[tuple[str, str]]:
    """(name, version) per line of a website's plugin list ("contact-form-7 5.8.1")."""
    out = []
    for line in (text or "").splitlines()[:MAX_PLUGINS]:
        match = _PLUGIN_LINE_RE.match(line)
        if match and match.group(1).strip():
            out.append((match.group(1).strip()[:200], (match.group(2) or "")[:100]))
    return out


def plugin_cpe(name: str, version: str) -> str:
    """A plugin's CPE: NVD's vendor:product when an imported advisory names the plugin (by its
    slug, "-" or "_" alike), else a guess from the name."""
    product = normalise_name(name).replace("-", "_")
    variants = {product, product.replace("_", "-")}
    query = Q()
    for variant in variants:
        query |= Q(key__endswith=f":{variant}")
    key = (
        AdvisoryKey.objects.filter(key__startswith="cpe:")
        .filter(query)
        .values_list("key", flat=True)
        .first()
    )
    if key:
        vendor, _, found = key[4:].partition(":")
        typed = (version or "").strip().lower() or ANY
        return Cpe(part="a", vendor=vendor, product=found, version=typed).format()
    return suggest_cpe(name, name, version, part="a")


def plugin_keys(name: str, product_keys: set[str]) -> set[str]:
    """The advisory product keys among `product_keys` that could name this plugin."""
    product = normalise_name(name).replace("-", "_")
    endings = (f":{product}", f":{product.replace('_', '-')}")
    found = {key for key in product_keys if key.startswith("cpe:") and key.endswith(endings)}
    return found | name_keys(name, name)


def organisation_websites(org: Any) -> list[tuple[SoftwareRow, set[str]]]:
    """Websites whose CMS is recorded (and their plugins and themes), as rows to match like
    software."""
    from mamori.inventory.models import Website

    rows = []
    for pk, url, cms, version, plugins in (
        Website.objects.filter(organization=org, archived_at__isnull=True)
        .exclude(cms="", cms_plugins="")
        .values_list("pk", "url", "cms", "cms_version", "cms_plugins")
    ):
        if cms:
            cpe = cms_cpe(cms, version)
            label = " ".join(p for p in (cms, version) if p) + f" ({url})"
            row = SoftwareRow(pk, label, version, cpe, None, register="website")
            rows.append((row, software_keys(cpe, cms, cms)))
        for name, plugin_version in parse_plugins(plugins):
            cpe = plugin_cpe(name, plugin_version)
            label = " ".join(p for p in (cms, name, plugin_version) if p) + f" ({url})"
            row = SoftwareRow(
                pk, label, plugin_version, cpe, None, register="website", component=name.lower()
            )
            rows.append((row, software_keys(cpe, name, name)))
    return rows


def _references(advisory: AdvisoryData) -> list[str]:
    def rank(url: str) -> int:
        for position, marker in enumerate(KEY_REFERENCE_MARKERS):
            if marker in url:
                return position
        return 9

    urls = list(dict.fromkeys([advisory.link, *(r.url for r in advisory.references)]))
    return sorted((u for u in urls if u and "cwe" not in u), key=rank)[:MAX_REFERENCES]


def _finding_severity(advisory: AdvisoryData) -> str:
    severity = severity_of(advisory)
    return "low" if severity == "none" else severity


def advisory_label(advisory: AdvisoryData) -> str:
    ids = [*([advisory.jvndb_id] if advisory.jvndb_id else []), *advisory.cve_ids]
    return " / ".join(ids[:4]) or advisory.advisory_id


def spec_for(
    row: SoftwareRow, advisory_pk: int, advisory: AdvisoryData, match: Match
) -> FindingSpec:
    product = row.label
    texts = remediation(advisory, match.criterion, product)
    label = advisory_label(advisory)
    title = advisory.title_ja or advisory.title_en
    evidence: list[dict[str, Any]] = [
        {"kind": row.register, "text": row.label, "id": str(row.pk)},
        {"kind": "advisory", "text": f"{label} {title}".strip(), "id": advisory.advisory_id},
        {
            "kind": "match",
            "text": match.reason["ja"],
            "text_en": match.reason["en"],
            "id": match.kind,
        },
        {
            "kind": "confidence",
            "text": CONFIDENCE_WORDS.get(match.confidence, ("", ""))[0] or match.confidence,
            "text_en": CONFIDENCE_WORDS.get(match.confidence, ("", ""))[1] or match.confidence,
            "id": match.confidence,
        },
        {"kind": "remediation", "text": texts["ja"], "text_en": texts["en"], "id": ""},
    ]
    evidence.extend({"kind": "reference", "text": url, "id": url} for url in _references(advisory))
    kev_due = advisory.kev.due_date if advisory.kev else None
    return FindingSpec(
        key=f"{KIND}:{row.key}:{advisory_pk}",
        subject=f"{row.label} — {label}",
        params={
            "software": row.label,
            "advisory": label,
            "advisory_pk": advisory_pk,
            "confidence": match.confidence,
            "kev_listed": advisory.kev is not None,
            "cvss": (advisory.best_cvss().score if advisory.best_cvss() else None),
            # The matched range's end, for the finding page's "fixed version" fact.
            "fixed_version": (match.criterion.version_end_excluding or "")
            if match.criterion
            else "",
            "last_affected": (match.criterion.version_end_including or "")
            if match.criterion
            else "",
        },
        evidence=evidence,
        severity=_finding_severity(advisory),
        subject_type=f"inventory.{row.register}",
        subject_id=str(row.pk),
        due_date=kev_due,  # the KEV deadline; otherwise the organisation's policy decides
    )


def findings_for(org: Any) -> list[FindingSpec]:
    """Every vulnerable-software finding of the organisation (its software and its websites'
    CMS), as of now."""
    software = organisation_software(org) + organisation_websites(org)
    if not software:
        return []
    keys = set().union(*(keys for _, keys in software))
    candidate_ids = set(
        AdvisoryKey.objects.filter(key__in=keys).values_list("advisory_id", flat=True)
    )
    if not candidate_ids:
        return []
    stored = Advisory.objects.filter(pk__in=candidate_ids).values_list("pk", "data")
    parsed: dict[str, tuple[int, AdvisoryData]] = {}
    for pk, data in stored:
        advisory = advisory_from_dict(data)
        parsed[advisory.advisory_id] = (pk, advisory)
    index = MatchIndex.build(a for _, a in parsed.values())
    decided = set(
        Decision.objects.filter(organization=org)
        .filter(Q(advisory_id__in=candidate_ids))
        .values_list("software_id", "advisory_id", "version")
    )
    specs: list[FindingSpec] = []
    for row, _ in software:
        item = InventoryItem(item_id=row.key, cpe23=row.cpe23, platforms=row.platforms)
        for match in index.match(item):
            pk, advisory = parsed[match.advisory_id]
            if row.register == "software" and (row.pk, pk, row.version) in decided:
                continue
            specs.append(spec_for(row, pk, advisory, match))
    return specs


def rematch(org: Any) -> Any:
    from mamori.findings.services import sync

    from .related import fold_open_signals

    result = sync(org, KIND, findings_for(org), default_severity="high")
    fold_open_signals(org)  # news about these advisories now belongs to their findings
    return result


def new_advisory_findings(org: Any, advisory_pks: list[int]) -> list[FindingSpec]:
    """Findings from a few newly imported advisories only (the incremental path): the
    organisation's software is filed once (`Inventory`), each advisory matched against it."""
    software = organisation_software(org) + organisation_websites(org)
    if not software or not advisory_pks:
        return []
    rows = {row.key: row for row, _ in software}
    inventory = Inventory(
        InventoryItem(item_id=key, cpe23=row.cpe23, platforms=row.platforms)
        for key, row in rows.items()
    )
    decided = set(
        Decision.objects.filter(organization=org, advisory_id__in=advisory_pks).values_list(
            "software_id", "advisory_id", "version"
        )
    )
    specs: list[FindingSpec] = []
    for pk, data in Advisory.objects.filter(pk__in=advisory_pks).values_list("pk", "data"):
        advisory = advisory_from_dict(data)
        for match in match_advisory(advisory, inventory):
            row = rows[match.item_id]
            if row.register != "software" or (row.pk, pk, row.version) not in decided:
                specs.append(spec_for(row, pk, advisory, match))
    return specs


def match_new(org: Any, advisory_pks: list[int]) -> Any:
    """Open or update findings for newly imported advisories without touching the others
    (complete=False). A narrowed advisory's stale finding is resolved by the next full re-match
    (software changes, the daily schedule, or "mark resolved" on the finding)."""
    from mamori.findings.services import sync

    from .related import fold_open_signals

    specs = new_advisory_findings(org, advisory_pks)
    result = sync(org, KIND, specs, default_severity="high", complete=False)
    if specs:
        fold_open_signals(org)
    return result
