"""The management report: one page for the owner, in plain language, as a printable HTML view
and a PDF. Framed as risk and cost avoided (ハンドブック 第7章 §1.1: security avoids the
「負のコスト」 of an incident). Texts live in ``mamori/content/reports/management.yaml``.

``build_report`` reads everything in a fixed number of queries; ``render_report_pdf`` lays the
same content out with reportlab's Japanese CID font.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.safestring import mark_safe
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Table, TableStyle

from mamori.core.charts import line_chart_svg
from mamori.core.overview import _open_per_week as open_per_week  # the dashboard's series
from mamori.findings.models import Action, ActionStatus, Finding, Status
from mamori.findings.presentation import headline
from mamori.incidents.card import report_line as first_hour_line
from mamori.orgs.access import scoped
from mamori.orgs.models import Organization
from mamori.reports.charts import line_chart
from mamori.reports.pdf import build_pdf, bullets, paragraph, spacer, styles

from .models import AssessmentStatus
from .queries import posture
from .questionnaire import read_yaml

CONTENT = Path(__file__).resolve().parents[1] / "content" / "reports" / "management.yaml"
TOP_RISKS = 5
# Items per list, and characters per subject: the summary must stay on one printed page.
DECISION_ITEMS = 3
RESOLVED_ITEMS = 3
# A risk row fits one line of the one-page PDF (display columns: a Japanese character is two).
SUBJECT_CHARS = 96
EXPIRY_WARNING_DAYS = 30


@functools.cache
def texts() -> dict[str, Any]:
    return read_yaml(CONTENT)


def _t(key: str, code: str, **values: Any) -> str:
    template = texts()[key][code]
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value))
    return str(template).strip()


@dataclass
class ManagementReport:
    lang: str
    org_name: str
    period_start: dt.date
    period_end: dt.date
    headings: dict[str, str]
    title: str
    period: str
    framing: str
    framing_source: str
    summary: list[str]
    score: float | None
    trend: list[tuple[str, float]]
    trend_note: str
    risks: list[dict[str, Any]]
    risks_none: str
    done: list[str]
    decisions: list[str]
    footer: str
    extra: dict[str, Any] = field(default_factory=dict)
    # Open findings at the end of each of the last weeks: the dashboard's own series.
    findings_trend: list[tuple[str, int]] = field(default_factory=list)
    # Chart titles and the text line under each chart ("posture", "findings").
    charts: dict[str, str] = field(default_factory=dict)


def _severity(code: str, severity: str) -> str:
    return str(texts()["severity"].get(severity, {}).get(code, severity))


def build_report(
    org: Organization, code: str = "ja", *, today: dt.date | None = None
) -> ManagementReport:
    code = "en" if code.startswith("en") else "ja"
    today = today or timezone.localdate()
    start = today.replace(day=1)
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    state = posture(org)

    counts = scoped(Finding, org).aggregate(
        open=Count("id", filter=Q(status=Status.OPEN)),
        critical=Count("id", filter=Q(status=Status.OPEN, severity="critical")),
        high=Count("id", filter=Q(status=Status.OPEN, severity="high")),
        resolved=Count("id", filter=Q(status=Status.RESOLVED, resolved_at__gte=start_at)),
    )
    open_actions = (
        scoped(Action, org).filter(finding__status=Status.OPEN).exclude(status=ActionStatus.DONE)
    )
    action_counts = scoped(Action, org).aggregate(
        overdue=Count(
            "id",
            filter=Q(finding__status=Status.OPEN, due_date__lt=today)
            & ~Q(status=ActionStatus.DONE),
        ),
        completed=Count("id", filter=Q(status=ActionStatus.DONE, completed_at__gte=start_at)),
    )
    assessments_done = org.assessments.filter(
        status=AssessmentStatus.COMPLETED, completed_at__gte=start_at
    ).count()

    summary: list[str] = []
    if state.score is None:
        summary.append(_t("score_none", code))
    else:
        delta = state.delta
        if delta is None:
            delta_text = ""
        elif delta > 0:
            delta_text = _t("delta_up", code, delta=f"{delta:g}")
        elif delta < 0:
            delta_text = _t("delta_down", code, delta=f"{-delta:g}")
        else:
            delta_text = _t("delta_same", code)
        summary.append(_t("score_line", code, score=f"{state.score:g}", delta=delta_text))
        summary.append(_t("score_meaning", code))
    summary.append(
        _t(
            "open_line",
            code,
            open=counts["open"],
            critical=counts["critical"],
            high=counts["high"],
            overdue=action_counts["overdue"],
        )
    )
    summary.append(_t("avoided_line", code, resolved=counts["resolved"]))

    risks = [
        {
            "severity": finding.severity,
            "severity_label": _severity(code, finding.severity),
            "subject": headline(finding, code, limit=SUBJECT_CHARS),
            "due": finding.action.due_date.isoformat(),
            "text": _t(
                "risk_row",
                code,
                severity=_severity(code, finding.severity),
                subject=headline(finding, code, limit=SUBJECT_CHARS),
                due=finding.action.due_date.isoformat(),
            ),
        }
        for finding in scoped(Finding, org)
        .filter(status=Status.OPEN, action__isnull=False)
        .select_related("action")
        .order_by("-severity_rank", "due_date", "pk")[:TOP_RISKS]
    ]

    done = [
        _t("done_resolved", code, count=counts["resolved"]),
        _t("done_actions", code, count=action_counts["completed"]),
        _t("done_assessments", code, count=assessments_done),
    ]
    resolved = (
        scoped(Finding, org)
        .filter(status=Status.RESOLVED, resolved_at__gte=start_at)
        .order_by("-severity_rank", "-resolved_at", "pk")
        .only("subject", "guidance_key")[:RESOLVED_ITEMS]
    )
    done.extend(
        _t("done_item", code, subject=headline(f, code, limit=SUBJECT_CHARS)) for f in resolved
    )
    if not (counts["resolved"] or action_counts["completed"] or assessments_done):
        done.append(_t("done_none", code))

    decisions: list[str] = []
    expiring = (
        scoped(Finding, org)
        .filter(
            status=Status.ACCEPTED,
            accepted_until__isnull=False,
            accepted_until__lte=today + dt.timedelta(days=EXPIRY_WARNING_DAYS),
        )
        .order_by("accepted_until", "pk")
        .only("subject", "guidance_key", "accepted_until")[:DECISION_ITEMS]
    )
    decisions.extend(
        _t(
            "decision_expiring",
            code,
            subject=headline(f, code, limit=SUBJECT_CHARS),
            until=f.accepted_until.isoformat(),
        )
        for f in expiring
        if f.accepted_until is not None
    )
    overdue = (
        open_actions.filter(due_date__lt=today)
        .select_related("finding")
        .order_by("due_date", "pk")
        .only("due_date", "finding__subject", "finding__guidance_key")[:DECISION_ITEMS]
    )
    decisions.extend(
        _t(
            "decision_overdue",
            code,
            subject=headline(a.finding, code, limit=SUBJECT_CHARS),
            due=a.due_date.isoformat(),
        )
        for a in overdue
    )
    if state.next_due is not None and state.next_due <= today:
        decisions.append(_t("decision_assessment", code, due=state.next_due.isoformat()))
    if not decisions:
        decisions.append(_t("decisions_none", code))

    trend = [
        (timezone.localtime(point.when).date().isoformat(), point.score) for point in state.points
    ]
    findings_trend = [
        (day.isoformat(), count)
        for day, count in open_per_week(
            org, timezone.make_aware(dt.datetime.combine(today, dt.time.max))
        )
    ]
    return ManagementReport(
        lang=code,
        org_name=org.name,
        period_start=start,
        period_end=today,
        headings={
            key: _t(f"{key}_heading", code)
            for key in ("summary", "trend", "risks", "done", "decisions")
        },
        title=_t("title", code),
        period=_t("period", code, start=start.isoformat(), end=today.isoformat()),
        framing=_t("framing", code),
        framing_source=_t("framing_source", code),
        summary=summary,
        score=state.score,
        trend=trend,
        trend_note="" if len(trend) > 1 else _t("trend_none", code),
        risks=risks,
        risks_none=_t("risks_none", code),
        done=done,
        decisions=decisions,
        footer=_t("footer", code, date=today.isoformat()),
        extra={"first_hour": first_hour_line(org, code)},
        findings_trend=findings_trend,
        charts=_chart_texts(code, trend, findings_trend),
    )


def _chart_texts(
    code: str, trend: list[tuple[str, float]], findings: list[tuple[str, int]]
) -> dict[str, str]:
    """Each chart's title and the line of text under it (the figures a reader can quote)."""
    texts_out = {
        "posture_title": _t("chart_posture_title", code),
        "findings_title": _t("chart_findings_title", code, weeks=len(findings)),
        "posture_line": _t(
            "chart_posture_line",
            code,
            first_day=trend[0][0],
            first=f"{trend[0][1]:g}",
            last_day=trend[-1][0],
            last=f"{trend[-1][1]:g}",
            count=len(trend),
        )
        if len(trend) > 1
        else _t("trend_none", code),
        "findings_line": "",
    }
    if findings:
        counts = [count for _day, count in findings]
        texts_out["findings_line"] = _t(
            "chart_findings_line",
            code,
            first_day=findings[0][0],
            first=counts[0],
            last_day=findings[-1][0],
            last=counts[-1],
            most=max(counts),
        )
    return texts_out


def html_charts(report: ManagementReport) -> dict[str, str]:
    """The page's versions of the PDF's two charts: inline SVG drawn on the server with
    presentation attributes only (mamori.core.charts), which the strict CSP allows. The posture
    chart only once there is a trend to draw; the weekly series always has its twelve weeks."""
    charts = {
        "findings": line_chart_svg(
            [(day[5:].replace("-", "/"), count) for day, count in report.findings_trend],
            title=report.charts["findings_title"],
            description=report.charts["findings_line"],
            css_class="chart-report-findings",
        )
    }
    if len(report.trend) > 1:
        charts["posture"] = line_chart_svg(
            report.trend,
            title=report.charts["posture_title"],
            description=report.charts["posture_line"],
            maximum=100,
            css_class="chart-report-posture",
        )
    # Built from numbers and escaped labels only.
    return {key: mark_safe(svg) for key, svg in charts.items()}  # noqa: S308


@functools.cache
def _compact() -> dict[str, ParagraphStyle]:
    """Tighter styles than the shared ones: the whole report fits one A4 page."""
    shared = styles()
    return {
        "title": ParagraphStyle("report-title", parent=shared["title"], fontSize=15, leading=20),
        "h2": ParagraphStyle(
            "report-h2", parent=shared["h2"], fontSize=11, leading=15, spaceBefore=5, spaceAfter=1
        ),
        "body": ParagraphStyle("report-body", parent=shared["body"], fontSize=9, leading=12.5),
        "small": shared["small"],
    }


def _charts(report: ManagementReport, small: ParagraphStyle) -> Table:
    """The posture trend and the open findings per week side by side, a line of text under
    each (the dashboard's two charts, from the same series)."""
    posture_chart = line_chart(
        report.trend, title=report.charts["posture_title"], maximum=100, height_mm=23
    )
    findings_chart = line_chart(
        [(day[5:].replace("-", "/"), count) for day, count in report.findings_trend],
        title=report.charts["findings_title"],
        height_mm=23,
    )
    cells = [
        [posture_chart, findings_chart],
        [
            paragraph(report.charts["posture_line"], small),
            paragraph(report.charts["findings_line"], small),
        ],
    ]
    grid = Table(cells, colWidths=[91 * mm, 91 * mm])
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return grid


def render_report_pdf(report: ManagementReport) -> bytes:
    """The report on one A4 page (margins, type and list lengths sized for it)."""
    style = _compact()
    body = style["body"]
    story: list[Any] = [
        paragraph(f"{report.title} — {report.org_name}", style["title"]),
        paragraph(report.period, style["small"]),
        spacer(1.5),
        paragraph(report.framing, body),
        paragraph(report.framing_source, style["small"]),
        paragraph(report.headings["summary"], style["h2"]),
        bullets(report.summary, body),
        paragraph(report.headings["trend"], style["h2"]),
        _charts(report, style["small"]),
    ]
    story.append(paragraph(report.headings["risks"], style["h2"]))
    if report.risks:
        story.append(bullets([risk["text"] for risk in report.risks], body))
    else:
        story.append(paragraph(report.risks_none, body))
    story.append(paragraph(report.headings["done"], style["h2"]))
    story.append(bullets(report.done, body))
    story.append(paragraph(report.headings["decisions"], style["h2"]))
    story.append(bullets(report.decisions, body))
    if report.extra.get("first_hour"):
        story.append(paragraph(report.extra["first_hour"], style["small"]))
    story.append(spacer(2))
    story.append(paragraph(report.footer, style["small"]))
    return build_pdf(story, title=f"{report.title} — {report.org_name}", margins_mm=14)
