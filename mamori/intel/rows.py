"""Rows of the advisory search: what a row shows, read as values of ADVISORY_COLUMNS (not the
model with its JSON), with the link, the title in the reader's language, the CVE list clip and
the dates computed in Python once per page (issue 20, "Rendering")."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from mamori.core.rowurls import row_url

ADVISORY_COLUMNS = (
    "pk",
    "advisory_id",
    "cve_ids",
    "title_ja",
    "title_en",
    "cvss_score",
    "severity",
    "kev",
    "kev_due_date",
    "published",
)
CVE_CLIP = 60  # characters of the CVE list shown under the id (as truncatechars:60)


def _ymd(value: Any) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def advisory_rows(advisories: Any, org_slug: str) -> list[dict[str, Any]]:
    english = (get_language() or "ja").startswith("en")
    detail = row_url("intel:advisory", org_slug=org_slug)
    zone = timezone.get_current_timezone()
    out = []
    for a in advisories:
        cves = a["cve_ids"] or ""
        published = a["published"]
        score = a["cvss_score"]
        out.append(
            {
                "url": detail(a["pk"]),
                "advisory_id": a["advisory_id"],
                # The other ids, when they say more than the advisory's own id.
                "cve_ids": (cves if len(cves) <= CVE_CLIP else cves[: CVE_CLIP - 1] + "…")
                if cves and cves != a["advisory_id"]
                else "",
                "title": (a["title_en"] or a["title_ja"])
                if english
                else (a["title_ja"] or a["title_en"]),
                "cvss_score": score,
                "severity": "low" if a["severity"] == "none" else a["severity"],
                "kev": a["kev"],
                "kev_due": _ymd(a["kev_due_date"]) if a["kev_due_date"] else "",
                "published": _ymd(published.astimezone(zone)) if published else "",
            }
        )
    return out
