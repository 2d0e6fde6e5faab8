"""Shadow IT review (handbook §3.1): upload a sign-in or app report, then decide for each app
the register does not name whether it is approved, under review or not approved."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.orgs.access import org_view, scoped
from mamori.orgs.models import Role

from . import queries, services
from .forms import ReviewForm, SigninReportForm
from .models import DiscoveredApp
from .signin_reports import read_signin_report

MAX_PROBLEMS_SHOWN = 50


def _language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _page(request: HttpRequest, form: SigninReportForm, status: int = 200, **extra: object):
    context = {
        "form": form,
        "apps": queries.apps_to_review(request.org)[: queries.PAGE_LIMIT],
        "reviewed": queries.reviewed_apps(request.org)[:50],
        "review_form": ReviewForm(),
        "can_edit": request.membership.allows(Role.EDITOR),
        **extra,
    }
    return render(request, "licences/shadow_it.html", context, status=status)


@org_view()
def shadow_it(request: HttpRequest) -> HttpResponse:
    return _page(request, SigninReportForm())


@org_view(read=Role.EDITOR)
@require_POST
def shadow_it_import(request: HttpRequest) -> HttpResponse:
    form = SigninReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    report = read_signin_report(upload.read(), upload.name)
    if not report.ok:
        lang = _language()
        problems = [p.describe(lang) for p in report.preview.errors[:MAX_PROBLEMS_SHOWN]]
        return _page(
            request,
            form,
            status=400,
            problems=problems,
            problem_total=report.preview.error_count,
        )
    counts = services.import_signin_report(request, request.org, report, upload.name)
    messages.success(
        request,
        _(
            "Report read: %(new)d new apps to review, %(updated)d seen before, "
            "%(known)d already in the services register."
        )
        % counts,
    )
    return redirect("licences:shadow_it", org_slug=request.org.slug)


@org_view()
@require_POST
def shadow_it_review(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(scoped(DiscoveredApp, request.org), pk=pk)
    if request.POST.get("dismiss") == "1":
        try:
            services.dismiss(request, request.org, app)
        except services.ReviewError:
            messages.error(request, _("This app has already been reviewed."))
        else:
            messages.success(request, _("Dismissed: %(name)s") % {"name": app.name})
        return redirect("licences:shadow_it", org_slug=request.org.slug)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approved, under review or not approved."))
        return redirect("licences:shadow_it", org_slug=request.org.slug)
    try:
        service = services.add_to_register(
            request,
            request.org,
            app,
            form.cleaned_data["approval"],
            personal_data=form.cleaned_data["personal_data"],
            confidential_data=form.cleaned_data["confidential_data"],
        )
    except services.ReviewError:
        messages.error(request, _("This app has already been reviewed."))
        return redirect("licences:shadow_it", org_slug=request.org.slug)
    messages.success(
        request,
        _("%(name)s is now in the services register (%(approval)s).")
        % {"name": service.name, "approval": service.get_approval_display()},
    )
    return redirect("licences:shadow_it", org_slug=request.org.slug)
