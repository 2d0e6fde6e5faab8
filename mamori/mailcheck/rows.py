"""One row of the mail-check history: what the row shows and nothing more, read as values of
queries.HISTORY_COLUMNS (no model instances), with labels, links and times computed once per
page (issue 20, "Rendering")."""

from __future__ import annotations

from typing import Any

from mamori.core.rowurls import minute_text, row_url

from .models import Source, Verdict

# The badge colour of a verdict (the severity classes of the stylesheet).
VERDICT_CLASS = {"danger": "high", "caution": "medium"}


def rows(mails: Any, org_slug: str) -> list[dict[str, Any]]:
    verdicts = {value: str(label) for value, label in Verdict.choices}
    sources = {value: str(label) for value, label in Source.choices}
    detail = row_url("mailcheck:detail", org_slug=org_slug)
    when = minute_text()
    out = []
    for mail in mails:
        out.append(
            {
                "url": detail(mail["pk"]),
                "verdict": verdicts.get(mail["verdict"], mail["verdict"]),
                "verdict_class": VERDICT_CLASS.get(mail["verdict"], "low"),
                "score": mail["score"],
                "subject": mail["subject"] or mail["file_name"] or "—",
                "from_address": mail["from_address"] or "—",
                "checked_at": when(mail["checked_at"]),
                "source": sources.get(mail["source"], mail["source"]),
                "reporter": mail["reporter__first_name"] or mail["reporter__email"] or "—",
                "reported_at": when(mail["reported_at"]) or "—",
            }
        )
    return out
