from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST, require_safe

from mamori.orgs.access import org_view
from mamori.orgs.models import Role

from . import breach_clock, own_contacts, queries, report, services, triage
from .catalog import PHASE_LABELS, ROLE_LABELS, catalog, playbooks_of
from .forms import (
    BreachDraftForm,
    BreachForm,
    EvidenceForm,
    IncidentForm,
    NoteForm,
    NoticeForm,
    ReportForm,
    ReviewForm,
    StatusForm,
    StepForm,
    TaskForm,
    TriageForm,
    pick,
)
from .models import STATUS_ORDER, Incident, IncidentStatus
from .playbooks import IPA_STAGE_OF_PHASE
from .presentation import (
    breach_status_label,
    checklist_rows,
    clock_view,
    status_label,
    timeline_rows,
)
from .review import review_template

PAGE_SIZE = 50


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def _detail(request: HttpRequest, incident: Incident) -> HttpResponse:
    return redirect("incidents:detail", org_slug=request.org.slug, pk=incident.pk)


# --------------------------------------------------------------------------- playbooks


@org_view()
def playbook_list(request: HttpRequest) -> HttpResponse:
    items = [
        {"playbook": pb, "title": pick(pb.title), "summary": pick(pb.summary)}
        for pb in catalog().playbooks
    ]
    return render(request, "incidents/playbook_list.html", {"items": items})


def _playbook_view(playbook: Any) -> dict[str, Any]:
    contacts = [catalog().contacts[c] for c in playbook.contacts if c in catalog().contacts]
    return {
        "playbook": playbook,
        "title": pick(playbook.title),
        "summary": pick(playbook.summary),
        "sources": [s.label for s in playbook.sources],
        "recognise": [pick(t) for t in playbook.recognise],
        "roles": [
            {
                "label": ROLE_LABELS["user"],
                "steps": [(pick(s.text), pick(s.detail)) for s in playbook.user_steps],
            },
            *(
                [
                    {
                        "label": ROLE_LABELS["home"],
                        "steps": [(pick(s.text), pick(s.detail)) for s in playbook.home_steps],
                    }
                ]
                if playbook.home_steps
                else []
            ),
        ],
        "admin_phases": [
            {
                "label": PHASE_LABELS[phase],
                "stage": IPA_STAGE_LABELS[IPA_STAGE_OF_PHASE[phase]],
                "steps": [(pick(s.text), pick(s.detail)) for s in steps],
            }
            for phase, steps in playbook.admin_steps.phases()
        ],
        "admin_label": ROLE_LABELS["admin"],
        "contacts": [
            {
                "contact": c,
                "name": pick(c.name),
                "description": pick(c.description),
                "hours": pick(c.hours),
            }
            for c in contacts
        ],
        "legal": [
            {"text": pick(d.text), "detail": pick(d.detail), "clock": d.breach_clock}
            for d in playbook.legal
        ],
        "prevention": [(pick(p.text), pick(p.detail)) for p in playbook.prevention],
        "references": [(pick(r.title), r.url) for r in playbook.references],
    }


@org_view()
def playbook_detail(request: HttpRequest, playbook_id: str) -> HttpResponse:
    playbook = catalog().get(playbook_id)
    if playbook is None:
        raise Http404
    context = _playbook_view(playbook)
    # The organisation's own recorded contacts stand in for 「自社の窓口」 entries.
    recorded = own_contacts.current_contacts(request.org)  # type: ignore[attr-defined]
    for item in context["contacts"]:
        item["own"] = own_contacts.for_playbook_contact(item["contact"].id, recorded)
    return render(request, "incidents/playbook.html", context)


# The three stages of IPA 「中小企業のためのセキュリティインシデント対応の手引き」.
IPA_STAGE_LABELS = {
    "detect": _lazy("IPA stage: detection and first response"),
    "report": _lazy("IPA stage: reporting and publication"),
    "recover": _lazy("IPA stage: recovery and prevention"),
}


# --------------------------------------------------------------------------- triage and report


@org_view()
def triage_view(request: HttpRequest) -> HttpResponse:
    form = TriageForm(request.GET or None)
    suggestions: list[dict[str, Any]] = []
    asked = form.is_bound and form.is_valid()
    flags: set[str] = set()
    if asked:
        answers = form.answers()
        for question in triage.questions():
            if question.id in answers:
                flags.update(question.flags)
        for s in triage.suggest(form.cleaned_data["text"], answers, limit=5):
            if not triage.is_real_match(s):
                continue  # resemblance alone suggests unrelated playbooks: say nothing matched
            playbook = catalog().get(s.playbook_id)
            if playbook is None:
                continue
            suggestions.append(
                {
                    "suggestion": s,
                    "playbook": playbook,
                    "title": pick(playbook.title),
                    "first_step": pick(playbook.user_steps[0].text) if playbook.user_steps else "",
                    "questions": [pick(q.text) for q in triage.questions() if q.id in s.questions],
                }
            )
    return render(
        request,
        "incidents/triage.html",
        {
            "form": form,
            "asked": asked,
            "suggestions": suggestions,
            "breach_hint": "breach_clock" in flags,
            "general_steps": [pick(t) for t in triage.general_first_steps()],
            "text": form.cleaned_data.get("text", "") if asked else "",
        },
    )


@org_view(write=Role.VIEWER)
def report_incident(request: HttpRequest) -> HttpResponse:
    """Any member, viewers included, can report an incident."""
    initial: dict[str, Any] = {"severity": "high"}
    wanted = request.GET.getlist("playbook")
    if wanted:
        initial["playbooks"] = [pid for pid in wanted if catalog().get(pid)]
    if request.GET.get("text"):
        initial["description"] = request.GET["text"][:5000]
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        title = data["title"]
        if not title:
            chosen = playbooks_of(data["playbooks"])
            title = pick(chosen[0].title) if chosen else data["description"][:60]
        incident = services.report_incident(
            request,
            request.org,
            title=title,
            description=data["description"],
            playbook_ids=data["playbooks"],
            severity=data["severity"],
            noticed_at=data["noticed_at"],
        )
        messages.success(request, _("The incident was recorded. Start with the first step."))
        return _detail(request, incident)
    return render(request, "incidents/report.html", {"form": form})


# --------------------------------------------------------------------------- incident record


@org_view()
def incident_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    page = Paginator(queries.incidents(request.org, status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "incident": inc,
            "types": ", ".join(pick(pb.title) for pb in playbooks_of(inc.playbook_ids)),
        }
        for inc in page
    ]
    return render(
        request,
        "incidents/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": [("open", _("Open")), ("", _("All")), *IncidentStatus.choices],
            "query": f"status={status}",
        },
    )


@org_view()
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = queries.incident(request.org, pk)
    entries = queries.timeline(incident)
    steps = [e for e in entries if e.kind == "step"]
    can_edit = request.membership.allows(Role.EDITOR)
    rows = checklist_rows(incident, steps)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "types": playbooks_of(incident.playbook_ids),
            "type_titles": [pick(pb.title) for pb in playbooks_of(incident.playbook_ids)],
            "checklist": rows,
            "next_step": next((r for r in rows if not r.done), None),
            "timeline": timeline_rows(incident, entries),
            "evidence": queries.evidence(incident),
            "tasks": queries.tasks(incident),
            "people": incident.people.all(),
            "affected": [
                (label, list(getattr(incident, name).all()))
                for name, label in (
                    ("devices", _("Devices")),
                    ("services", _("Services")),
                    ("accounts", _("Accounts")),
                    ("websites", _("Websites")),
                )
            ],
            "clock": clock_view(incident),
            "breach_status": breach_status_label(incident.breach_status),
            "can_edit": can_edit,
            "status_form": StatusForm(initial={"status": _next_status(incident.status)}),
            "note_form": NoteForm(),
            "evidence_form": EvidenceForm(),
            "task_form": TaskForm(organization=request.org),
            "statuses": [(s, status_label(s)) for s in STATUS_ORDER],
            "measures": [
                pick(m.text)
                for m in services.prevention_choices(incident)
                if m.id in incident.chosen_measures
            ],
        },
    )


def _next_status(status: str) -> str:
    index = STATUS_ORDER.index(status) if status in STATUS_ORDER else 0
    return STATUS_ORDER[min(index + 1, len(STATUS_ORDER) - 1)]


@org_view()
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = queries.incident(request.org, pk)
    initial = {
        "title": incident.title,
        "description": incident.description,
        "playbook_ids": incident.playbook_ids,
        "severity": incident.severity,
        "noticed_at": incident.noticed_at,
        **{name: list(getattr(incident, name).all()) for name in services.RELATION_FIELDS},
    }
    form = IncidentForm(request.POST or None, organization=request.org, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = services.update_details(request, incident, form.cleaned_data)
        if changes:
            messages.success(request, _("The incident was updated."))
        return _detail(request, incident)
    return render(request, "incidents/edit.html", {"incident": incident, "form": form})


@org_view()
@require_POST
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    incident = queries.incident(request.org, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.change_status(
            request, incident, form.cleaned_data["status"], form.cleaned_data["note"]
        )
        messages.success(request, _("The status was changed."))
    else:
        _form_errors(request, form)
    return _detail(request, incident)


@org_view()
@require_POST
def step(request: HttpRequest, pk: int) -> HttpResponse:
    incident = queries.incident(request.org, pk)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.set_step(
                request,
                incident,
                form.cleaned_data["step_id"],
                form.cleaned_data["done"],
                form.cleaned_data["note"],
            )
        except services.IncidentError:
            messages.error(request, _("That step does not belong to this incident."))
    else:
        _form_errors(request, form)
    return redirect(f"{_detail(request, incident).url}#checklist")


@org_view()
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    incident = queries.incident(request.org, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        corrects = None
        if form.cleaned_data["corrects"]:
            corrects = queries.entry(incident, form.cleaned_data["corrects"])
            if corrects is None:
                messages.error(request, _("There is no entry with that number in this incident."))
                return _detail(request, incident)
        services.add_note(request, incident, form.cleaned_data["text"], corrects)
        messages.success(request, _("The entry was added to the timeline."))
    else:
        _form_errors(request, form)
    return _detail(request, incident)


@org_view()
@require_POST
def upload_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    incident = queries.incident(request.org, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        services.add_evidence(
            request, incident, form.cleaned_data["file"], form.cleaned_data["description"]
        )
        messages.success(request, _("The file was added as evidence."))
    else:
        _form_errors(request, form)
    return _detail(request, incident)


@org_view()
@require_safe
def download_evidence(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    evidence = queries.evidence_file(request.org, pk, file_id)
    try:
        handle = evidence.file.open("rb")
    except OSError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Evidence-SHA256"] = evidence.sha256
    return response


@org_view()
@require_POST
def add_task(request: HttpRequest, pk: int) -> HttpResponse:
    incident = queries.incident(request.org, pk)
    form = TaskForm(request.POST, organization=request.org)
    if form.is_valid():
        services.add_task(
            request,
            incident,
            form.cleaned_data["title"],
            form.cleaned_data["owner"],
            form.cleaned_data["due_date"],
        )
        messages.success(request, _("The task was added."))
    else:
        _form_errors(request, form)
    return _detail(request, incident)


@org_view()
@require_POST
def task_done(request: HttpRequest, pk: int, task_id: int) -> HttpResponse:
    task = queries.task(request.org, pk, task_id)
    services.complete_task(request, task)
    return _detail(request, task.incident)


# --------------------------------------------------------------------------- breach clock


@org_view()
def breach(request: HttpRequest, pk: int) -> HttpResponse:
    incident = queries.incident(request.org, pk)
    initial = {
        **{k: v for k, v in incident.breach_answers.items()},
        "aware_at": incident.breach_aware_at,
        "preliminary_sent_on": incident.preliminary_sent_on,
        "final_sent_on": incident.final_sent_on,
    }
    if "aware_at" in initial and initial["aware_at"] is None:
        initial["aware_at"] = incident.noticed_at or incident.reported_at
    form = BreachForm(initial=initial)
    draft_form = BreachDraftForm(initial=incident.breach_report_values)
    notice_form = NoticeForm(initial={"sent_on": timezone.localdate()})
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "draft":
            draft_form = BreachDraftForm(request.POST)
            if draft_form.is_valid():
                services.save_breach_draft(request, incident, draft_form.cleaned_data)
                messages.success(request, _("The draft report was saved."))
                return redirect("incidents:breach", org_slug=request.org.slug, pk=pk)
        elif which == "notice":
            notice_form = NoticeForm(request.POST)
            if notice_form.is_valid():
                services.add_notice(request, incident, **notice_form.cleaned_data)
                messages.success(request, _("The notice was recorded."))
                return redirect("incidents:breach", org_slug=request.org.slug, pk=pk)
        else:
            form = BreachForm(request.POST)
            if form.is_valid():
                services.save_breach(
                    request,
                    incident,
                    form.answers(),
                    form.cleaned_data["aware_at"],
                    form.cleaned_data["preliminary_sent_on"],
                    form.cleaned_data["final_sent_on"],
                )
                messages.success(request, _("The assessment was saved."))
                return redirect("incidents:breach", org_slug=request.org.slug, pk=pk)
    from mamori.privacy.breach import sources, with_register

    decision = (
        breach_clock.assess(with_register(incident, incident.breach_answers))
        if incident.breach_status
        else None
    )
    draft = breach_clock.report_draft(
        "final" if incident.preliminary_sent_on else "preliminary",
        incident.breach_report_values,
    )
    return render(
        request,
        "incidents/breach.html",
        {
            "incident": incident,
            "form": form,
            "draft_form": draft_form,
            "notice_form": notice_form,
            "decision": decision,
            "reasons": [pick(r) for r in decision.reasons] if decision else [],
            "breach_status": breach_status_label(incident.breach_status),
            "clock": clock_view(incident),
            "draft": [
                {"label": pick(line.item.text), "value": line.value, "missing": line.missing}
                for line in draft.lines
            ],
            "draft_complete": draft.complete,
            "notice_items": [pick(i.text) for i in breach_clock.notice_items()],
            "notice_drafts": _notice_drafts(incident),
            "enquiry_desk": [pick(t) for t in breach_clock.enquiry_desk_checklist()],
            "contractor_path": bool(decision and decision.contractor_path),
            "client_notice_due": breach_clock.client_notice_due(incident.breach_aware_at)
            if decision and decision.contractor_path and incident.breach_aware_at
            else None,
            "notices": list(incident.notices.all()),
            "register_sources": sources(incident),
            "can_edit": request.membership.allows(Role.EDITOR),
        },
    )


def _notice_drafts(incident: Incident) -> list[dict[str, Any]]:
    """The notice to individuals, the public notice and the notice to the client (委託元),
    each filled from the PPC report draft so the three say the same as the report."""
    known = incident.breach_report_values
    kinds = (
        ("individuals", _("Notice to the people affected"), breach_clock.notice_items()),
        ("public", _("Public notice"), breach_clock.public_notice_items()),
        (
            "client",
            _("Notice to the client who entrusted the data"),
            breach_clock.client_notice_items(),
        ),
    )
    return [
        {
            "kind": kind,
            "title": title,
            "lines": [
                {"label": pick(line.item.text), "value": line.value, "missing": line.missing}
                for line in breach_clock.notice_draft(items, known)
            ],
        }
        for kind, title, items in kinds
    ]


# --------------------------------------------------------------------------- review, export


@org_view()
def review(request: HttpRequest, pk: int) -> HttpResponse:
    incident = queries.incident(request.org, pk)
    measures = services.prevention_choices(incident)
    initial = {f"r_{k}": v for k, v in incident.review.items()}
    initial["measures"] = incident.chosen_measures
    form = ReviewForm(request.POST or None, measures=measures, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_review(request, incident, form.answers(), form.cleaned_data["measures"])
        messages.success(request, _("The review was saved."))
        return _detail(request, incident)
    return render(
        request,
        "incidents/review.html",
        {"incident": incident, "form": form, "source": review_template().source},
    )


@org_view()
@require_safe
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    incident = queries.incident(request.org, pk)
    if fmt not in report.FORMATS:
        raise Http404
    content, content_type = report.render(incident, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{report.filename(incident, fmt)}"'
    return response
