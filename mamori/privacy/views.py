"""Views of the privacy registers beyond the generic register pages: a supervision record's
audits and questionnaire links, the supplier's own questionnaire page (no account), and which
personal data an incident concerns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mamori.accounts.decorators import sudo_required
from mamori.audit.services import client_ip
from mamori.incidents.models import Incident
from mamori.orgs.access import org_view, scoped
from mamori.orgs.models import Role

from . import services
from .forms import AuditForm, IncidentDataForm, SupplierAnswersForm
from .models import PersonalData, QuestionnaireHit, QuestionnaireLink, Supervision
from .questionnaire import BY_ID, QUESTIONS

# Public questionnaire: requests per client address per window, counted in the database.
# Guessing a 256-bit token is hopeless anyway; the limit keeps the page from being a free load
# generator and from hammering the token lookup.
PUBLIC_LIMIT = 30
PUBLIC_WINDOW_SECONDS = 600


def _answers_view(link: QuestionnaireLink, language: str) -> list[dict[str, str]]:
    rows = []
    for key, value in link.answers.items():
        question = BY_ID.get(key)
        if question is None:
            continue
        if question.kind == "yesno":
            shown = _("Yes") if value == "yes" else _("No")
        else:
            shown = str(value)
        rows.append({"question": question.text(language), "answer": shown})
    return rows


def supervision_context(request: HttpRequest, obj: models.Model) -> dict[str, Any]:
    assert isinstance(obj, Supervision)
    language = translation.get_language() or "ja"
    links = list(obj.questionnaire_links.all()[:20])
    waiting = services.outstanding(obj.questionnaire_links.all()).exists()
    return {
        "audits": list(obj.audits.select_related("questionnaire")[:50]),
        "audit_form": AuditForm(initial={"method": "report"}),
        "links": [{"link": link, "answers": _answers_view(link, language)} for link in links],
        "link_waiting": waiting,
        "entrusted": list(
            PersonalData.objects.filter(
                organization=request.org,  # type: ignore[attr-defined]
                contractors=obj.supplier_id,
                archived_at__isnull=True,
            ).order_by("name")
        ),
    }


def personal_data_context(request: HttpRequest, obj: models.Model) -> dict[str, Any]:
    assert isinstance(obj, PersonalData)
    return {"incidents": list(obj.incidents.order_by("-reported_at")[:20])}


@org_view()
@require_POST
def audit_add(request: HttpRequest, pk: int) -> HttpResponse:
    supervision = get_object_or_404(scoped(Supervision, request.org), pk=pk)  # type: ignore[attr-defined]
    form = AuditForm(request.POST)
    if form.is_valid():
        services.add_audit(request, supervision, **form.cleaned_data)
        messages.success(request, _("The audit was recorded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(
        "inventory:detail",
        org_slug=request.org.slug,  # type: ignore[attr-defined]
        register="supervision",
        pk=supervision.pk,
    )


@org_view()
@sudo_required
@require_POST
def link_create(request: HttpRequest, pk: int) -> HttpResponse:
    supervision = get_object_or_404(scoped(Supervision, request.org), pk=pk)  # type: ignore[attr-defined]
    replacing = services.outstanding(supervision.questionnaire_links.all()).exists()
    link, token = services.create_link(request, supervision)
    # The install's public address (as for calendar feeds and mail links), not the Host header.
    url = settings.BASE_URL + reverse("privacy:questionnaire", kwargs={"token": token})
    # Shown once, on this response only: the token is not stored in clear anywhere.
    return render(
        request,
        "privacy/link_created.html",
        {
            "supervision": supervision,
            "link": link,
            "url": url,
            "replaced": replacing,
        },
    )


@org_view()
@require_POST
def link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(
        scoped(QuestionnaireLink, request.org).select_related("supervision"),  # type: ignore[attr-defined]
        pk=pk,
    )
    if services.revoke_link(request, link):
        messages.success(request, _("The link was revoked. It no longer opens the questionnaire."))
    else:
        messages.info(request, _("The link was already answered, revoked or expired."))
    return redirect(
        reverse(
            "inventory:detail",
            kwargs={
                "org_slug": request.org.slug,  # type: ignore[attr-defined]
                "register": "supervision",
                "pk": link.supervision_id,
            },
        )
        + "#questionnaire"
    )


@org_view()
def incident_data(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(scoped(Incident, request.org), pk=pk)  # type: ignore[attr-defined]
    form = IncidentDataForm(
        request.POST or None,
        incident=incident,
        initial={"entries": list(incident.personal_data_entries.all())},
    )
    if request.method == "POST" and form.is_valid():
        services.set_incident_data(request, incident, form.cleaned_data["entries"])
        messages.success(request, _("Saved."))
        return redirect(
            "incidents:detail",
            org_slug=request.org.slug,  # type: ignore[attr-defined]
            pk=incident.pk,
        )
    return render(
        request,
        "privacy/incident_data.html",
        {
            "incident": incident,
            "form": form,
            "can_edit": request.membership.allows(Role.EDITOR),  # type: ignore[attr-defined]
        },
    )


# --- the supplier's questionnaire (no account) ----------------------------------------------


def _over_limit(request: HttpRequest) -> bool:
    ip = client_ip(request) or "unknown"
    now = timezone.now()
    window_start = now - timedelta(seconds=PUBLIC_WINDOW_SECONDS)
    with transaction.atomic():
        QuestionnaireHit.objects.filter(ip=ip, at__lt=window_start).delete()
        if QuestionnaireHit.objects.filter(ip=ip).count() >= PUBLIC_LIMIT:
            return True
        QuestionnaireHit.objects.create(ip=ip, at=now)
    return False


def _page_language(request: HttpRequest) -> str:
    wanted = request.POST.get("lang") or request.GET.get("lang") or ""
    if wanted in {"ja", "en"}:
        return wanted
    return "en" if (translation.get_language() or "ja").startswith("en") else "ja"


@never_cache
def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    language = _page_language(request)
    with translation.override(language):
        if _over_limit(request):
            response = render(
                request, "privacy/questionnaire_closed.html", {"limited": True}, status=429
            )
            response["Retry-After"] = str(PUBLIC_WINDOW_SECONDS)
            return response
        link = services.link_for_token(token)
        if link is None or not link.is_usable:
            return _closed(request, link)
        form = SupplierAnswersForm(request.POST or None, language=language)
        if request.method == "POST" and form.is_valid():
            try:
                services.submit_answers(request, link, form.answers(), language)
            except services.LinkUsed:
                link.refresh_from_db()
                return _closed(request, link)
            return render(request, "privacy/questionnaire_done.html", {"language": language})
        other = "en" if language == "ja" else "ja"
        return render(
            request,
            "privacy/questionnaire.html",
            {
                "form": form,
                "language": language,
                "other_language": other,
                "organization_name": link.organization.name,
                "supplier": link.supervision.supplier.name,
                "expires_at": link.expires_at,
                "questions": QUESTIONS,
            },
        )


def _closed(request: HttpRequest, link: QuestionnaireLink | None) -> HttpResponse:
    """Why the link no longer works, naming neither the organisation nor the supplier."""
    state = link.state if link is not None else "unknown"
    return render(request, "privacy/questionnaire_closed.html", {"state": state}, status=410)
