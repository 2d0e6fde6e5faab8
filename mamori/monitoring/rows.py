"""One row of the watched-pages list: what the row shows, read as values of
queries.ROW_COLUMNS (no WatchedPage, Website or PageChange instances), with labels, links and
times computed once per page (issue 20, "Rendering")."""

from __future__ import annotations

from typing import Any

from mamori.core.rowurls import minute_text, row_url

from .models import PageState

# The badge colour of a state (the severity classes of the stylesheet); other states: no badge.
STATE_CLASS = {"danger": "critical", "changed": "medium", "unreachable": "medium"}


def rows(pages: Any, org_slug: str) -> list[dict[str, Any]]:
    states = {value: str(label) for value, label in PageState.choices}
    detail = row_url("monitoring:detail", org_slug=org_slug)
    when = minute_text()
    out = []
    for page in pages:
        certificate = page["certificate"] if isinstance(page["certificate"], dict) else None
        out.append(
            {
                "pk": page["pk"],
                "url": detail(page["pk"]),
                "address": page["url"],
                "enabled": page["enabled"],
                "website": page["website__url"] or "",
                "state": states.get(page["state"], page["state"]),
                "state_class": STATE_CLASS.get(page["state"], ""),
                "last_checked": when(page["last_checked_at"]) or "—",
                "certificate_until": str(certificate.get("not_after") or "")[:10]
                if certificate
                else None,
                # Days left shown beside the date unless the certificate is fine.
                "certificate_days": certificate.get("days_left", "")
                if certificate and certificate.get("stage") != "ok"
                else None,
            }
        )
    return out
