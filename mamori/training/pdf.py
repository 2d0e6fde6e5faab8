"""The drill results as a PDF (reportlab, like the other reports), in the reader's language."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.orgs.models import Organization
from mamori.reports.pdf import build_pdf, paragraph, spacer, table

from . import labels
from .models import Drill
from .queries import Results


def _mark(value: object) -> str:
    return str(labels.YES) if value else labels.NO


def results_pdf(org: Organization, drill: Drill, results: Results) -> bytes:
    total = results.total
    story = [
        paragraph(_("Targeted-mail drill results"), "title"),
        paragraph(f"{org.name} — {drill.name}", "h2"),
        paragraph(
            _("Scenario: %(scenario)s. Sent: %(sent)s.")
            % {
                "scenario": drill.get_template_display(),
                "sent": timezone.localtime(drill.sent_at).strftime("%Y-%m-%d %H:%M")
                if drill.sent_at
                else "—",
            }
        ),
        spacer(),
        paragraph(
            _(
                "%(people)d people: %(reported)d reported the mail, %(clicked)d clicked, "
                "%(machine)d had a mail scanner's access excluded."
            )
            % {
                "people": total.people,
                "reported": total.reported,
                "clicked": total.clicked,
                "machine": total.machine,
            }
        ),
        spacer(),
        paragraph(_("Per person"), "h2"),
        table(
            [
                [
                    str(_("Name")),
                    str(_("Department")),
                    str(labels.DELIVERED),
                    str(labels.OPENED),
                    str(labels.CLICKED),
                    str(labels.MACHINE_CLICK),
                    str(labels.REPORTED),
                    str(labels.TRAINING_ASSIGNED),
                ]
            ]
            + [
                [
                    row.name,
                    row.department or "—",
                    _mark(row.delivered_at),
                    _mark(row.opened_at),
                    _mark(row.clicked_at or row.attachment_opened_at),
                    str(row.machine_events) if row.machine_events else labels.NO,
                    _mark(row.reported_at),
                    _mark(row.training_id),
                ]
                for row in results.rows
            ]
        ),
        spacer(),
        paragraph(_("Per department"), "h2"),
        table(
            [
                [
                    str(_("Department")),
                    str(_("People")),
                    str(labels.CLICKED),
                    str(labels.MACHINE_CLICK),
                    str(labels.REPORTED),
                ]
            ]
            + [
                [t.label, str(t.people), str(t.clicked), str(t.machine), str(t.reported)]
                for t in results.departments
            ]
        ),
        spacer(),
        paragraph(
            _(
                "Reporting the mail to the check address is the success. Clicks made by mail "
                "scanners (within seconds of delivery, HEAD requests, known scanner user agents "
                "or address ranges) are kept but not counted against anyone."
            ),
            "small",
        ),
    ]
    return build_pdf(story, title=str(_("Targeted-mail drill results")))
