"""Drill pages (list, draft, approval, results, PDF) and the public tracking addresses.

The tracking addresses (pixel, link, attachment link) need no account: the recipient's token is
the credential. They accept GET and HEAD only and answer the same way for an unknown token, so
they tell nothing about which tokens exist.
"""

from __future__ import annotations

import base64

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from mamori.accounts.decorators import sudo_required
from mamori.mailcheck.inbound import check_address_of
from mamori.orgs.access import org_view
from mamori.orgs.models import Role

from . import queries, services
from .content import common_lesson, templates
from .forms import DrillForm
from .models import DrillRecipient, DrillStatus, EventKind
from .pdf import results_pdf

# A 1×1 transparent GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
MACHINE_LABEL = "machine"


@org_view(read=Role.EDITOR)
@require_safe
def drill_list(request: HttpRequest) -> HttpResponse:
    drills = list(queries.drills(request.org)[:200])
    rows = [{"drill": d, **queries.summary_counts(d)} for d in drills]
    return render(
        request,
        "training/drill_list.html",
        {"rows": rows, "can_edit": request.membership.allows(Role.EDITOR)},
    )


@org_view(read=Role.EDITOR, write=Role.EDITOR)
def drill_create(request: HttpRequest) -> HttpResponse:
    form = DrillForm(request.POST or None, org=request.org)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            drill = services.create_drill(
                request,
                request.org,
                name=form.cleaned_data["name"],
                template=form.cleaned_data["template"],
                people=form.chosen_people(),
                scanner_window_seconds=form.cleaned_data["scanner_window_seconds"],
            )
        except services.DrillRefused as refused:
            error = str(refused)
        else:
            messages.success(request, _("The drill was saved. An owner must approve it."))
            return redirect("training:drill_detail", org_slug=request.org.slug, pk=drill.pk)
    return render(
        request,
        "training/drill_form.html",
        {
            "form": form,
            "error": error,
            "domains": services.own_domains(request.org),
            "previews": templates(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _results_context(request: HttpRequest, pk: int) -> dict[str, object]:
    drill = queries.drill(request.org, pk)
    results = queries.results(request.org, drill, _("No department"))
    return {
        "drill": drill,
        "results": results,
        "scenario": templates()[drill.template],
        "is_owner": request.membership.allows(Role.OWNER),
        "check_address": check_address_of(request.org),
    }


@org_view(read=Role.EDITOR)
@require_safe
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = _results_context(request, pk)
    lang = "en" if translation.get_language() == "en" else "ja"
    context["subject"] = context["scenario"]["subject"][lang]  # type: ignore[index]
    context["draft"] = context["drill"].status == DrillStatus.DRAFT  # type: ignore[attr-defined]
    return render(request, "training/drill_detail.html", context)


@org_view(read=Role.OWNER, write=Role.OWNER)
@sudo_required
def drill_approve(request: HttpRequest, pk: int) -> HttpResponse:
    drill = queries.drill(request.org, pk)
    if request.method != "POST":
        return redirect("training:drill_detail", org_slug=request.org.slug, pk=drill.pk)
    try:
        services.approve_drill(request, drill)
    except services.DrillRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Approved. The drill mails are being sent in the background."))
    return redirect("training:drill_detail", org_slug=request.org.slug, pk=drill.pk)


@org_view(read=Role.EDITOR)
@require_safe
def drill_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    context = _results_context(request, pk)
    data = results_pdf(request.org, context["drill"], context["results"])  # type: ignore[arg-type]
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="drill-{pk}.pdf"'
    return response


# --- public tracking addresses (no login; the token is the credential) -----------------------


def _client_ip(request: HttpRequest) -> str | None:
    # Behind the reverse proxy the scanner's address is the forwarded one (audit.client_ip
    # trusts X-Forwarded-For only when MAMORI_BEHIND_PROXY is set).
    from mamori.audit.services import client_ip

    return client_ip(request)


def _track(request: HttpRequest, token: str, kind: str) -> DrillRecipient | None:
    return services.record_event(
        token,
        kind,
        method=request.method or "GET",
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        ip=_client_ip(request),
    )


@require_http_methods(["GET", "HEAD"])
def pixel(request: HttpRequest, token: str) -> HttpResponse:
    _track(request, token, EventKind.OPEN)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def _landing(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    recipient = _track(request, token, kind)
    if recipient is None:
        raise Http404
    if request.method == "HEAD":
        return HttpResponse(status=200)
    entry = templates()[recipient.drill.template]
    lang = "en" if recipient.language == "en" else "ja"
    with translation.override(lang):
        response = render(
            request,
            "training/landing.html",
            {
                "lang": lang,
                "lesson": entry["lesson"][lang],
                "common": common_lesson().get(lang, []),
                "source": entry["source"][lang],
                "subject": entry["subject"][lang],
                "check_address": check_address_of(recipient.organization),
                "attachment": kind == EventKind.ATTACHMENT,
            },
        )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "HEAD"])
def click(request: HttpRequest, token: str) -> HttpResponse:
    return _landing(request, token, EventKind.CLICK)


@require_http_methods(["GET", "HEAD"])
def attachment(request: HttpRequest, token: str) -> HttpResponse:
    return _landing(request, token, EventKind.ATTACHMENT)
