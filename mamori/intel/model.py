"""The normalised data the parsers produce and the matcher reads (plain dataclasses)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class FeedItem:
    """One article of a news feed."""

    guid: str
    title: str
    link: str
    summary: str
    published: dt.datetime | None
    ids: list[str] = field(default_factory=list)  # CVE / JVNDB / JVN ids in title, summary, link


@dataclass(slots=True)
class FeedResult:
    """A parsed feed: `error` when it could not be read at all, `warnings` when items were cut."""

    title: str = ""
    link: str = ""
    items: list[FeedItem] = field(default_factory=list)
    error: str | None = None  # the feed could not be read (items empty)
    kind: str = ""  # "rss", "rdf", "atom"
    warnings: list[str] = field(default_factory=list)  # read, but something was left out


@dataclass(slots=True)
class Cvss:
    version: str  # "2.0", "3.0", "3.1", "4.0"
    score: float | None
    vector: str
    severity: str  # upper case: LOW, MEDIUM, HIGH, CRITICAL (or "" when not given)
    source: str = ""


@dataclass(slots=True)
class MatchCriterion:
    """One affected-product rule: a CPE 2.3 name plus an optional version range."""

    cpe23: str
    vulnerable: bool = True
    version_start_including: str | None = None
    version_start_excluding: str | None = None
    version_end_including: str | None = None
    version_end_excluding: str | None = None
    # For NVD "AND" configurations: the platform CPEs the product must run on to be affected.
    platforms: list[str] = field(default_factory=list)

    @property
    def has_range(self) -> bool:
        return any(
            (
                self.version_start_including,
                self.version_start_excluding,
                self.version_end_including,
                self.version_end_excluding,
            )
        )


@dataclass(slots=True)
class ProductName:
    """An affected product known only by name (KEV, JVN without CPE): used by the name fallback."""

    vendor: str
    product: str
    versions: str = ""  # free text such as "v6 R4 およびそれ以前", kept for the reader


@dataclass(slots=True)
class Reference:
    url: str
    name: str = ""
    source: str = ""


@dataclass(slots=True)
class KevInfo:
    date_added: dt.date | None = None
    due_date: dt.date | None = None
    ransomware: bool | None = None  # None = "Unknown" in the catalogue
    required_action: str = ""


@dataclass(slots=True)
class Advisory:
    """One vulnerability advisory, whatever its source (JVN, MyJVN, NVD, KEV)."""

    source: str  # "jvn", "myjvn", "nvd", "kev" (joined with "+" after a merge)
    cve_ids: list[str] = field(default_factory=list)
    jvndb_id: str = ""
    title_ja: str = ""
    title_en: str = ""
    summary_ja: str = ""
    summary_en: str = ""
    cvss: list[Cvss] = field(default_factory=list)
    criteria: list[MatchCriterion] = field(default_factory=list)
    products: list[ProductName] = field(default_factory=list)
    published: dt.datetime | None = None
    modified: dt.datetime | None = None
    references: list[Reference] = field(default_factory=list)
    kev: KevInfo | None = None
    link: str = ""

    @property
    def advisory_id(self) -> str:
        """The stable key: the JVNDB id when there is one, else the first CVE id."""
        if self.jvndb_id:
            return self.jvndb_id
        return self.cve_ids[0] if self.cve_ids else ""

    @property
    def is_kev(self) -> bool:
        return self.kev is not None

    def best_cvss(self) -> Cvss | None:
        """The newest CVSS version with a score (v4 > v3.1 > v3.0 > v2)."""
        scored = [c for c in self.cvss if c.score is not None]
        if not scored:
            return None
        return max(scored, key=lambda c: _version_rank(c.version))


def _version_rank(version: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in version.split("."):
        parts.append(int(piece) if piece.isdigit() else 0)
    return tuple(parts)


@dataclass(slots=True)
class AdvisoryResult:
    """What an advisory parser returns: advisories, errors, and paging facts for NVD."""

    advisories: list[Advisory] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    format: str = ""
    total_results: int | None = None
    start_index: int | None = None
    results_per_page: int | None = None

    @property
    def next_start_index(self) -> int | None:
        """The NVD API `startIndex` of the next page, or None when this was the last one."""
        if not self.has_more:
            return None
        return (self.start_index or 0) + (self.results_per_page or len(self.advisories))

    @property
    def has_more(self) -> bool:
        """True when a paged (NVD API) response says further pages exist."""
        if self.total_results is None or self.start_index is None:
            return False
        page = self.results_per_page or len(self.advisories)
        return self.start_index + page < self.total_results


def _stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def advisory_to_dict(advisory: Advisory) -> dict:
    """A JSON-ready dict of an advisory (for storing it or sending it over the API)."""
    return {
        "source": advisory.source,
        "cve_ids": list(advisory.cve_ids),
        "jvndb_id": advisory.jvndb_id,
        "title_ja": advisory.title_ja,
        "title_en": advisory.title_en,
        "summary_ja": advisory.summary_ja,
        "summary_en": advisory.summary_en,
        "cvss": [
            {
                "version": c.version,
                "score": c.score,
                "vector": c.vector,
                "severity": c.severity,
                "source": c.source,
            }
            for c in advisory.cvss
        ],
        "criteria": [
            {
                "cpe23": c.cpe23,
                "vulnerable": c.vulnerable,
                "version_start_including": c.version_start_including,
                "version_start_excluding": c.version_start_excluding,
                "version_end_including": c.version_end_including,
                "version_end_excluding": c.version_end_excluding,
                "platforms": list(c.platforms),
            }
            for c in advisory.criteria
        ],
        "products": [
            {"vendor": p.vendor, "product": p.product, "versions": p.versions}
            for p in advisory.products
        ],
        "published": _stamp(advisory.published),
        "modified": _stamp(advisory.modified),
        "references": [
            {"url": r.url, "name": r.name, "source": r.source} for r in advisory.references
        ],
        "kev": (
            {
                "date_added": _day(advisory.kev.date_added),
                "due_date": _day(advisory.kev.due_date),
                "ransomware": advisory.kev.ransomware,
                "required_action": advisory.kev.required_action,
            }
            if advisory.kev
            else None
        ),
        "link": advisory.link,
    }


def advisory_from_dict(data: dict) -> Advisory:
    """The inverse of advisory_to_dict."""
    kev = data.get("kev")
    return Advisory(
        source=data.get("source", ""),
        cve_ids=list(data.get("cve_ids", [])),
        jvndb_id=data.get("jvndb_id", ""),
        title_ja=data.get("title_ja", ""),
        title_en=data.get("title_en", ""),
        summary_ja=data.get("summary_ja", ""),
        summary_en=data.get("summary_en", ""),
        cvss=[Cvss(**c) for c in data.get("cvss", [])],
        criteria=[MatchCriterion(**c) for c in data.get("criteria", [])],
        products=[ProductName(**p) for p in data.get("products", [])],
        published=dt.datetime.fromisoformat(data["published"]) if data.get("published") else None,
        modified=dt.datetime.fromisoformat(data["modified"]) if data.get("modified") else None,
        references=[Reference(**r) for r in data.get("references", [])],
        kev=(
            KevInfo(
                date_added=dt.date.fromisoformat(kev["date_added"])
                if kev.get("date_added")
                else None,
                due_date=dt.date.fromisoformat(kev["due_date"]) if kev.get("due_date") else None,
                ransomware=kev.get("ransomware"),
                required_action=kev.get("required_action", ""),
            )
            if kev
            else None
        ),
        link=data.get("link", ""),
    )
