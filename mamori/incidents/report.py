"""The incident report as JSON, Markdown and PDF: what happened, the steps done with their
times, the decisions (status changes, breach clock, review) and the whole timeline.

The report is dated (generation time in its header and in the file name) so a copy handed to
the police, an insurer or the PPC says when it was made.

Everything in it that people typed (titles, notes, timeline entries, answers) may hold HTML or
Markdown: the Markdown report escapes it (``<script>`` reads as text in any Markdown viewer, a
``[link](javascript:…)`` stays text), and the JSON report writes ``<``, ``>`` and ``&`` as
``\\u003c``, ``\\u003e``, ``\\u0026`` — the same data once parsed, but no raw HTML in the file.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.reports.pdf import build_pdf, bullets, paragraph, spacer, table

from . import queries
from .catalog import playbooks_of
from .models import Incident
from .presentation import (
    breach_status_label,
    checklist_rows,
    clock_view,
    pick,
    status_label,
    timeline_rows,
)
from .review import review_template
from .services import prevention_choices

FORMATS = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
}


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def filename(incident: Incident, fmt: str, now: datetime | None = None) -> str:
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M")
    return f"incident-{incident.pk}-{stamp}.{fmt}"


def build(incident: Incident, now: datetime | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (strings in the current language)."""
    now = now or timezone.now()
    entries = queries.timeline(incident)
    steps = [e for e in entries if e.kind == "step"]
    checklist = checklist_rows(incident, steps)
    measures = {m.id: pick(m.text) for m in prevention_choices(incident)}
    clock = clock_view(incident)
    questions = {q.id: pick(q.text) for q in review_template().questions}
    rows = timeline_rows(incident, entries)
    numbers = {row["entry"].pk: row["number"] for row in rows}
    return {
        "generated_at": _local(now),
        "organization": incident.organization.name,
        "incident": {
            "id": incident.pk,
            "title": incident.title,
            "description": incident.description,
            "types": [
                {"id": pb.id, "title": pick(pb.title)} for pb in playbooks_of(incident.playbook_ids)
            ],
            "severity": incident.get_severity_display(),
            "status": status_label(incident.status),
            "reported_at": _local(incident.reported_at),
            "noticed_at": _local(incident.noticed_at),
            "closed_at": _local(incident.closed_at),
            "reported_by": getattr(incident.reported_by, "email", "") or "",
            "people": [str(p) for p in incident.people.all()],
            "affected": [
                str(obj)
                for name in ("devices", "services", "accounts", "websites")
                for obj in getattr(incident, name).all()
            ],
        },
        "steps": [
            {
                "step_id": row.item.step_id,
                "role": row.role,
                "phase": row.phase,
                "text": row.text,
                "done": row.done,
                "done_at": _local(row.done_at),
                "done_by": row.done_by,
            }
            for row in checklist
        ],
        "breach": {
            "status": breach_status_label(incident.breach_status),
            "aware_at": _local(incident.breach_aware_at),
            "preliminary_due": _local(clock["clock"].preliminary_due) if clock else "",
            "final_due": _local(clock["clock"].final_due) if clock else "",
            "preliminary_sent_on": incident.preliminary_sent_on.isoformat()
            if incident.preliminary_sent_on
            else "",
            "final_sent_on": incident.final_sent_on.isoformat() if incident.final_sent_on else "",
            "notices": [
                {
                    "recipients": n.recipients,
                    "count": n.count,
                    "method": n.get_method_display(),
                    "sent_on": n.sent_on.isoformat(),
                }
                for n in incident.notices.all()
            ],
        },
        "tasks": [
            {
                "title": t.display_title,
                "owner": getattr(t.owner, "email", "") or "",
                "due_date": t.due_date.isoformat() if t.due_date else "",
                "done_at": _local(t.done_at),
            }
            for t in queries.tasks(incident)
        ],
        "evidence": [
            {
                "name": e.original_name,
                "size": e.size,
                "sha256": e.sha256,
                "uploaded_at": _local(e.uploaded_at),
                "description": e.description,
            }
            for e in queries.evidence(incident)
        ],
        "review": [
            {"question": questions.get(key, key), "answer": value}
            for key, value in incident.review.items()
        ],
        "prevention_measures": [measures.get(m, m) for m in incident.chosen_measures],
        "timeline": [
            {
                "number": row["number"],
                "at": _local(row["entry"].created_at),
                "by": row["entry"].author_label,
                "kind": row["entry"].kind,
                "what": row["what"],
                "text": row["text"],
                "corrects": numbers.get(row["entry"].corrects_id or 0),
            }
            for row in rows
        ],
    }


def _labels() -> dict[str, str]:
    return {
        "report": _("Incident report"),
        "generated": _("Generated at"),
        "organization": _("Organisation"),
        "overview": _("Overview"),
        "types": _("Type of incident"),
        "severity": _("Severity"),
        "status": _("Status"),
        "reported": _("Reported at"),
        "noticed": _("Noticed at"),
        "closed": _("Closed at"),
        "people": _("People involved"),
        "affected": _("Affected items"),
        "description": _("What happened"),
        "steps": _("Actions taken (checklist)"),
        "breach": _("Personal-data breach clock"),
        "aware": _("Became aware at"),
        "prelim_due": _("Preliminary report due"),
        "final_due": _("Final report due"),
        "prelim_sent": _("Preliminary report sent on"),
        "final_sent": _("Final report sent on"),
        "notices": _("Notices to individuals"),
        "tasks": _("Tasks"),
        "evidence": _("Evidence files"),
        "review": _("Post-incident review"),
        "measures": _("Prevention measures decided"),
        "timeline": _("Timeline"),
        "done": _("done"),
        "not_done": _("not done"),
        "when": _("When"),
        "who": _("Who"),
        "what": _("What"),
    }


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]])")


def _markdown_text(value: Any) -> Any:
    """Typed text made inert in Markdown: HTML escaped, link and emphasis syntax escaped."""
    if isinstance(value, str):
        return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(value, quote=False))
    if isinstance(value, dict):
        return {key: _markdown_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_markdown_text(item) for item in value]
    return value


def json_text(data: dict[str, Any]) -> str:
    """The report as JSON with no raw HTML characters in it (they are \\u escapes)."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def markdown(data: dict[str, Any]) -> str:
    lab = _labels()
    data = _markdown_text(data)
    inc = data["incident"]
    lines = [
        f"# {lab['report']}: {inc['title']}",
        "",
        f"- {lab['generated']}: {data['generated_at']}",
        f"- {lab['organization']}: {data['organization']}",
        f"- {lab['types']}: {', '.join(t['title'] for t in inc['types']) or '—'}",
        f"- {lab['severity']}: {inc['severity']}",
        f"- {lab['status']}: {inc['status']}",
        f"- {lab['reported']}: {inc['reported_at']}",
        f"- {lab['noticed']}: {inc['noticed_at'] or '—'}",
        f"- {lab['closed']}: {inc['closed_at'] or '—'}",
        f"- {lab['people']}: {', '.join(inc['people']) or '—'}",
        f"- {lab['affected']}: {', '.join(inc['affected']) or '—'}",
        "",
        f"## {lab['description']}",
        "",
        inc["description"] or "—",
        "",
        f"## {lab['steps']}",
        "",
    ]
    for step in data["steps"]:
        mark = "x" if step["done"] else " "
        when = f" — {step['done_at']} {step['done_by']}" if step["done"] else ""
        lines.append(f"- [{mark}] {step['text']} ({step['role']} {step['phase']}){when}")
    b = data["breach"]
    lines += [
        "",
        f"## {lab['breach']}",
        "",
        f"- {b['status']}",
        f"- {lab['aware']}: {b['aware_at'] or '—'}",
        f"- {lab['prelim_due']}: {b['preliminary_due'] or '—'}",
        f"- {lab['final_due']}: {b['final_due'] or '—'}",
        f"- {lab['prelim_sent']}: {b['preliminary_sent_on'] or '—'}",
        f"- {lab['final_sent']}: {b['final_sent_on'] or '—'}",
    ]
    for n in b["notices"]:
        lines.append(
            f"- {lab['notices']}: {n['recipients']} ({n['count']}, {n['method']}, {n['sent_on']})"
        )
    lines += ["", f"## {lab['tasks']}", ""]
    for t in data["tasks"]:
        mark = "x" if t["done_at"] else " "
        lines.append(f"- [{mark}] {t['title']} {t['owner']} {t['due_date']}".rstrip())
    lines += ["", f"## {lab['evidence']}", ""]
    for e in data["evidence"]:
        lines.append(f"- {e['name']} ({e['size']} B, SHA-256 `{e['sha256']}`, {e['uploaded_at']})")
    lines += ["", f"## {lab['review']}", ""]
    for r in data["review"]:
        lines += [f"### {r['question']}", "", r["answer"], ""]
    lines += [f"## {lab['measures']}", ""]
    lines += [f"- {m}" for m in data["prevention_measures"]]
    lines += ["", f"## {lab['timeline']}", ""]
    lines += [f"| # | {lab['when']} | {lab['who']} | {lab['what']} |", "|---|---|---|---|"]
    for row in data["timeline"]:
        what = row["what"] + (f": {row['text']}" if row["text"] else "")
        what = what.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {row['number']} | {row['at']} | {row['by']} | {what} |")
    return "\n".join(lines) + "\n"


def pdf(data: dict[str, Any]) -> bytes:
    lab = _labels()
    inc = data["incident"]
    story: list[Any] = [
        paragraph(f"{lab['report']}: {inc['title']}", "title"),
        paragraph(f"{lab['generated']}: {data['generated_at']} · {data['organization']}", "small"),
        spacer(),
        table(
            [
                [lab["types"], ", ".join(t["title"] for t in inc["types"]) or "—"],
                [lab["severity"], inc["severity"]],
                [lab["status"], inc["status"]],
                [lab["reported"], inc["reported_at"]],
                [lab["noticed"], inc["noticed_at"] or "—"],
                [lab["closed"], inc["closed_at"] or "—"],
                [lab["people"], ", ".join(inc["people"]) or "—"],
                [lab["affected"], ", ".join(inc["affected"]) or "—"],
            ],
            col_widths=[110, 360],
            header=False,
        ),
        paragraph(lab["description"], "h2"),
        paragraph(inc["description"] or "—"),
        paragraph(lab["steps"], "h2"),
        table(
            [[lab["what"], lab["when"], lab["who"]]]
            + [
                [
                    s["text"],
                    s["done_at"] if s["done"] else lab["not_done"],
                    s["done_by"],
                ]
                for s in data["steps"]
            ],
            col_widths=[280, 90, 100],
        ),
    ]
    b = data["breach"]
    story += [
        paragraph(lab["breach"], "h2"),
        paragraph(b["status"]),
        bullets(
            [
                f"{lab['aware']}: {b['aware_at'] or '—'}",
                f"{lab['prelim_due']}: {b['preliminary_due'] or '—'}",
                f"{lab['final_due']}: {b['final_due'] or '—'}",
                f"{lab['prelim_sent']}: {b['preliminary_sent_on'] or '—'}",
                f"{lab['final_sent']}: {b['final_sent_on'] or '—'}",
                *[
                    f"{lab['notices']}: {n['recipients']} ({n['count']}, {n['method']}, "
                    f"{n['sent_on']})"
                    for n in b["notices"]
                ],
            ]
        ),
    ]
    if data["tasks"]:
        story += [
            paragraph(lab["tasks"], "h2"),
            bullets(
                f"[{lab['done'] if t['done_at'] else lab['not_done']}] {t['title']} {t['owner']} {t['due_date']}"
                for t in data["tasks"]
            ),
        ]
    if data["evidence"]:
        story += [
            paragraph(lab["evidence"], "h2"),
            bullets(
                f"{e['name']} ({e['size']} B) SHA-256 {e['sha256']} {e['uploaded_at']}"
                for e in data["evidence"]
            ),
        ]
    if data["review"]:
        story.append(paragraph(lab["review"], "h2"))
        for r in data["review"]:
            story += [paragraph(r["question"], "h3"), paragraph(r["answer"])]
    if data["prevention_measures"]:
        story += [paragraph(lab["measures"], "h2"), bullets(data["prevention_measures"])]
    story.append(paragraph(lab["timeline"], "h2"))
    # One paragraph per entry: a table cell is wrapped twice (measure, draw) and Japanese
    # wrapping is the bulk of the cost, so a long timeline renders several times faster.
    for row in data["timeline"]:
        what = row["what"] + (f": {row['text']}" if row["text"] else "")
        story.append(paragraph(f"#{row['number']}  {row['at']}  {row['by']}\n{what}", "cell"))
    return build_pdf(story, title=f"{lab['report']}: {inc['title']}")


def render(incident: Incident, fmt: str) -> tuple[bytes | str, str]:
    data = build(incident)
    if fmt == "json":
        return json_text(data), FORMATS["json"]
    if fmt == "md":
        return markdown(data), FORMATS["md"]
    return pdf(data), FORMATS["pdf"]
