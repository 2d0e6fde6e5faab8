"""Dashboard tiles: posture score and trend, last assessment and next due, upcoming deadlines.
A fixed number of queries (three) whatever the data size."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mamori.core.dashboard import Tile
from mamori.findings.models import ActionStatus, Finding, Status
from mamori.findings.presentation import headline
from mamori.orgs.access import scoped

from .queries import posture, trend_text
from .questionnaire import load_all

DEADLINE_DAYS = 30
OPEN_ACTION_STATUSES = [ActionStatus.TODO, ActionStatus.IN_PROGRESS]
DEADLINE_ITEMS = 5


def _lang() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def tiles(org: Any, membership: Any) -> list[Tile]:
    today = timezone.localdate()
    state = posture(org)
    list_url = reverse("assessments:list", kwargs={"org_slug": org.slug})
    result: list[Tile] = []

    if state.score is None:
        result.append(
            Tile(
                label=_("Security posture score"),
                value="—",
                url=list_url,
                note=_("Complete the basic check (about 10 minutes) to get a score."),
                level="warn",
                order=5,
            )
        )
    else:
        delta = state.delta
        note = _("Trend: %(trend)s") % {"trend": trend_text(state.points)}
        level = "danger" if state.score < 50 else ("warn" if state.score < 70 else "")
        result.append(
            Tile(
                label=_("Security posture score"),
                value=f"{state.score:g}"
                + (f" ({delta:+g})" if delta is not None and delta != 0 else ""),
                url=list_url,
                note=note,
                level=level,
                order=5,
            )
        )

    titles = load_all()
    if state.last_completed_at is None:
        result.append(
            Tile(
                label=_("Last self-assessment"),
                value="—",
                url=list_url,
                note=_("None yet"),
                level="warn",
                order=6,
            )
        )
    else:
        questionnaire = titles.get(state.last_questionnaire or "")
        name = questionnaire.title.get(_lang()) if questionnaire else state.last_questionnaire
        due = state.next_due
        overdue = due is not None and due < today
        result.append(
            Tile(
                label=_("Last self-assessment"),
                value=timezone.localtime(state.last_completed_at).date().isoformat(),
                url=list_url,
                note=_("%(name)s · next due %(due)s")
                % {"name": name, "due": due.isoformat() if due else "—"},
                level="warn" if overdue else "",
                order=6,
            )
        )

    horizon = today + dt.timedelta(days=DEADLINE_DAYS)
    upcoming = (
        scoped(Finding, org)
        # The finding's copies of its action's status and due date: the finding_todo index
        # serves the date range (status IN (…) rather than != done), no join with Action.
        .filter(
            status=Status.OPEN,
            action_status__in=OPEN_ACTION_STATUSES,
            due_date__gte=today,
            due_date__lte=horizon,
        )
    )
    count = upcoming.count()
    nearest = list(
        upcoming.order_by("due_date", "-severity_rank", "pk").only(
            "due_date", "subject", "params", "guidance_key"
        )[:DEADLINE_ITEMS]
    )
    items = [
        {
            "text": f"{finding.due_date.isoformat()} {headline(finding, limit=80)}",
            "url": reverse("findings:detail", kwargs={"org_slug": org.slug, "pk": finding.pk}),
        }
        for finding in nearest
        if finding.due_date is not None
    ]
    if state.next_due is not None and state.next_due <= horizon:
        count += 1
        items.insert(0, {"text": f"{state.next_due.isoformat()} {_('Next self-assessment due')}"})
    result.append(
        Tile(
            label=_("Deadlines in the next 30 days"),
            value=count,
            url=reverse("findings:todo", kwargs={"org_slug": org.slug}),
            items=items[:DEADLINE_ITEMS],
            order=25,
        )
    )
    return result
