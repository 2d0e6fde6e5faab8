"""The one-page BCP sheet: key people and deputies, where work can continue, contacts, backups
and how long a restore takes — gathered from the registers and the latest BCP self-check, shown
as a page and printed as a PDF (reportlab, as the other reports).

`gather` reads (organisation-scoped, capped lists so the sheet stays one page); the texts are
in the active language, so callers wrap it in `translation.override` for the reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mamori.assessments.queries import completed
from mamori.inventory.models import Device, Ownership, Service
from mamori.orgs.access import scoped
from mamori.orgs.models import Organization

from .models import Backup, CriticalAccount, RestoreResult, RestoreTest

MAX_ROWS = 12  # rows per section: the sheet is one page; the rest is counted, not listed
MAX_WEAK = 5


@dataclass
class Section:
    rows: list[list[str]] = field(default_factory=list)
    more: int = 0


@dataclass
class BcpSheet:
    organization: str
    generated_on: date
    people: Section
    services: Section
    byod: str
    selfcheck: str
    selfcheck_gaps: list[str]
    contacts: Section
    backups: Section


def _capped(rows: list[list[str]]) -> Section:
    return Section(rows=rows[:MAX_ROWS], more=max(0, len(rows) - MAX_ROWS))


def _name(value: Any) -> str:
    return str(value) if value is not None else "—"


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "—"
    return _("Yes") if value else _("No")


def key_people(org: Organization) -> Section:
    rows = []
    accounts = (
        scoped(CriticalAccount, org)
        .filter(archived_at__isnull=True)
        .select_related("administrator", "deputy")
        .order_by("name", "pk")
    )
    for account in accounts:
        deputy = _name(account.deputy)
        if account.deputy is not None and account.deputy.has_left:
            deputy = _("%(name)s (has left)") % {"name": account.deputy.name}
        rows.append(
            [
                account.name,
                account.get_kind_display(),
                _name(account.administrator),
                deputy,
                account.get_escrow_display(),
                _day(account.last_access_test_on),
            ]
        )
    return _capped(rows)


def cloud_services(org: Organization) -> Section:
    rows = []
    for service in scoped(Service, org).filter(archived_at__isnull=True).order_by("name", "pk"):
        rows.append([service.name, service.get_category_display(), _yes_no(service.mfa_enforced)])
    return _capped(rows)


def byod_summary(org: Organization) -> str:
    count = (
        scoped(Device, org)
        .filter(archived_at__isnull=True, disposed_on__isnull=True, ownership=Ownership.BYOD)
        .count()
    )
    text = _("Personal devices used for work: %(count)d.") % {"count": count}
    latest = completed(org, "telework_byod").first()
    if latest is not None and latest.result:
        text += " " + _("Telework and BYOD check: %(band)s (%(day)s).") % {
            "band": _band(latest.result),
            "day": timezone.localdate(latest.completed_at).isoformat(),
        }
    else:
        text += " " + _("The telework and BYOD self-check has not been completed yet.")
    return text


def _pick(text: Any) -> str:
    if isinstance(text, dict):
        language = (get_language() or "ja")[:2]
        return str(text.get(language) or text.get("ja") or "")
    return str(text or "")


def _band(result: dict[str, Any]) -> str:
    return _pick((result.get("band") or {}).get("label"))


def selfcheck(org: Organization) -> tuple[str, list[str]]:
    latest = completed(org, "bcp").first()
    if latest is None or not latest.result:
        return _("The BCP self-check has not been completed yet."), []
    result = latest.result
    text = _("%(total)s of %(max)s answered yes on %(day)s: %(band)s") % {
        "total": f"{result.get('total', 0):g}",
        "max": f"{result.get('max', 0):g}",
        "day": timezone.localdate(latest.completed_at).isoformat(),
        "band": _band(result),
    }
    gaps = [_pick(item.get("title")) for item in result.get("weak", [])[:MAX_WEAK]]
    return text, [g for g in gaps if g]


def organisation_contacts(org: Organization) -> Section:
    """The organisation's own emergency contacts (incidents app, issue 16), when installed.

    Kept apart on purpose: the contacts register belongs to the incidents app and may be absent
    in an older database; the sheet then shows its empty-section note.
    """
    try:
        model = apps.get_model("incidents", "EmergencyContact")
    except LookupError:
        return Section()
    rows = []
    for contact in scoped(model, org).filter(archived_at__isnull=True).order_by("kind", "name"):
        phones = " / ".join(
            p for p in (getattr(contact, "phone", ""), getattr(contact, "emergency_phone", "")) if p
        )
        rows.append([contact.get_kind_display(), contact.name, phones or "—"])
    return _capped(rows)


def backups(org: Organization) -> Section:
    successes = RestoreTest.objects.filter(organization=org, result=RestoreResult.SUCCESS)
    last_test = dict(
        successes.values("backup_id").annotate(day=Max("tested_on")).values_list("backup_id", "day")
    )
    durations: dict[int, int | None] = {}
    for backup_id, day, minutes in successes.filter(Q(backup_id__in=list(last_test))).values_list(
        "backup_id", "tested_on", "duration_minutes"
    ):
        if day == last_test.get(backup_id) and minutes is not None:
            durations[backup_id] = minutes
    rows = []
    for backup in (
        scoped(Backup, org)
        .filter(archived_at__isnull=True)
        .select_related("service", "device", "share")
        .order_by("name", "pk")
    ):
        minutes = durations.get(backup.pk)
        rows.append(
            [
                backup.name,
                _name(backup.protects) if backup.protects else "—",
                backup.get_location_display(),
                _yes_no(backup.offline_or_immutable),
                _day(backup.last_success_on),
                _day(last_test.get(backup.pk)),
                _("%(minutes)d min") % {"minutes": minutes} if minutes is not None else "—",
            ]
        )
    return _capped(rows)


def gather(org: Organization) -> BcpSheet:
    check, gaps = selfcheck(org)
    return BcpSheet(
        organization=org.name,
        generated_on=timezone.localdate(),
        people=key_people(org),
        services=cloud_services(org),
        byod=byod_summary(org),
        selfcheck=check,
        selfcheck_gaps=gaps,
        contacts=organisation_contacts(org),
        backups=backups(org),
    )


def headers() -> dict[str, list[str]]:
    return {
        "people": [
            _("Critical account"),
            _("Kind"),
            _("Administrator"),
            _("Deputy"),
            _("Credentials held"),
            _("Last access test"),
        ],
        "services": [_("Service"), _("Category"), _("MFA for everyone")],
        "contacts": [_("Kind"), _("Name"), _("Phone")],
        "backups": [
            _("Backup"),
            _("Protects"),
            _("Where"),
            _("Offline or cannot be changed"),
            _("Last run"),
            _("Last restore test"),
            _("Restore time"),
        ],
    }


MARGIN_MM = 12


def _table(rows: list[list[str]], widths_mm: list[float], english: bool) -> Any:
    """A compact ruled table; English cells wrap between words, Japanese between characters."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    from mamori.reports.pdf import markup, register_japanese_font

    style = ParagraphStyle(
        "bcp-cell",
        fontName=register_japanese_font(),
        fontSize=8,
        leading=10,
        wordWrap=None if english else "CJK",
    )
    data = [[Paragraph(markup(cell), style) for cell in row] for row in rows]
    result = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return result


def render_pdf(sheet: BcpSheet) -> bytes:
    """The sheet as one A4 page in the active language: the content is shrunk to fit the page
    rather than flowing onto a second one (lists are capped at MAX_ROWS, so it stays legible)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepInFrame

    from mamori.reports.pdf import build_pdf, paragraph, spacer

    english = (get_language() or "ja").startswith("en")
    head = headers()
    story: list[Any] = [
        paragraph(_("Business continuity sheet"), "title"),
        paragraph(
            _("%(org)s — made on %(day)s from mamori's registers and the BCP self-check")
            % {"org": sheet.organization, "day": sheet.generated_on.isoformat()},
            "small",
        ),
    ]

    def section(title: str, key: str, data: Section, widths: list[float], empty: str) -> None:
        story.append(paragraph(title, "h3"))
        if not data.rows:
            story.append(paragraph(empty, "small"))
            return
        story.append(_table([head[key], *data.rows], widths, english))
        if data.more:
            story.append(paragraph(_("and %(count)d more") % {"count": data.more}, "small"))

    section(
        _("Key people and deputies"),
        "people",
        sheet.people,
        [43, 26, 26, 26, 36, 24],
        _("No critical accounts are registered yet."),
    )
    story.append(paragraph(_("Where work can continue"), "h3"))
    story.append(paragraph(sheet.byod, "small"))
    comma, colon = (", ", ": ") if english else ("、", "：")
    if sheet.services.rows:
        template = "{0} ({1})" if english else "{0}（{1}）"
        services = comma.join(template.format(row[0], row[1]) for row in sheet.services.rows)
        if sheet.services.more:
            services += comma + _("and %(count)d more") % {"count": sheet.services.more}
        story.append(paragraph(_("Cloud services") + colon + services, "small"))
    else:
        story.append(paragraph(_("No services are registered yet."), "small"))
    story.append(paragraph(_("BCP self-check") + colon + sheet.selfcheck, "small"))
    if sheet.selfcheck_gaps:
        story.append(paragraph(" / ".join(sheet.selfcheck_gaps), "small"))
    section(
        _("Contacts"),
        "contacts",
        sheet.contacts,
        [50, 81, 50],
        _("No emergency contacts are registered yet."),
    )
    section(
        _("Backups and restore times"),
        "backups",
        sheet.backups,
        [35, 30, 34, 20, 20, 22, 20],
        _("No backups are registered yet."),
    )
    story.append(spacer(2))
    story.append(
        paragraph(
            _(
                "Review this sheet once a year and after any change of people or services "
                "(handbook chapter 7 §2.2)."
            ),
            "small",
        )
    )
    # The frame SimpleDocTemplate gives the story, less its 6 pt padding on each side.
    width = A4[0] - 2 * MARGIN_MM * mm - 12
    height = A4[1] - 2 * MARGIN_MM * mm - 12
    page = KeepInFrame(width, height, story, mode="shrink")
    return build_pdf([page], title=_("Business continuity sheet"), margins_mm=MARGIN_MM)
