"""What an owner reads first on the dashboard: the three things to do first, what changed in
the last seven days, and two trends (posture score, open findings per week). A fixed number of
queries whatever the data size."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from mamori.findings import queries as findings_queries
from mamori.findings.models import Finding, Status
from mamori.findings.presentation import headline
from mamori.orgs.access import scoped

from .charts import line_chart_svg

WEEKS = 12
FIRST_THINGS = 3


def _first_things(org: Any) -> list[dict[str, Any]]:
    # The to-do list's first rows, read in index order (findings.queries.todo).
    findings = findings_queries.todo(org)[:FIRST_THINGS]
    return [
        {
            "text": headline(finding, limit=110),
            "severity": finding.severity,
            "severity_label": finding.get_severity_display(),
            "due": finding.due_date,
            "overdue": finding.is_overdue,
            "url": reverse("findings:detail", kwargs={"org_slug": org.slug, "pk": finding.pk}),
        }
        for finding in findings
    ]


def _open_per_week(org: Any, now: dt.datetime) -> list[tuple[dt.date, int]]:
    """Findings open at the end of each of the last WEEKS weeks, in one query."""
    ends = [now - dt.timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    aggregates = {
        f"w{i}": Count(
            "id",
            filter=Q(first_seen__lte=end)
            & (Q(resolved_at__isnull=True) | Q(resolved_at__gt=end))
            & ~Q(status=Status.ACCEPTED),
        )
        for i, end in enumerate(ends)
    }
    counts = scoped(Finding, org).aggregate(**aggregates)
    return [(timezone.localtime(end).date(), counts[f"w{i}"]) for i, end in enumerate(ends)]


def overview(org: Any) -> dict[str, Any]:
    from mamori.assessments.queries import posture

    now = timezone.now()
    week_ago = now - dt.timedelta(days=7)
    changes = scoped(Finding, org).aggregate(
        new=Count("id", filter=Q(first_seen__gte=week_ago)),
        resolved=Count("id", filter=Q(status=Status.RESOLVED, resolved_at__gte=week_ago)),
        open=Count("id", filter=Q(status=Status.OPEN)),
    )
    state = posture(org)
    weekly = _open_per_week(org, now)
    findings_text = ", ".join(f"{day:%m/%d} {count}" for day, count in weekly)
    findings_chart = line_chart_svg(
        [(f"{day:%m/%d}", count) for day, count in weekly],
        title=_("Open findings per week"),
        description=findings_text,
        css_class="chart-findings",
    )
    posture_points = [(f"{timezone.localtime(p.when):%Y/%m/%d}", p.score) for p in state.points]
    posture_text = " → ".join(f"{score:g}" for _label, score in posture_points)
    posture_chart = (
        line_chart_svg(
            posture_points,
            title=_("Security posture score"),
            description=posture_text,
            maximum=100,
            css_class="chart-posture",
        )
        if posture_points
        else ""
    )
    return {
        "first_things": _first_things(org),
        "changes": {
            **changes,
            "posture_delta": state.delta,
        },
        # Built from numbers and escaped labels only (mamori.core.charts).
        "findings_chart": mark_safe(findings_chart),  # noqa: S308
        "findings_text": findings_text,
        "posture_chart": mark_safe(posture_chart),  # noqa: S308
        "posture_text": posture_text,
    }
