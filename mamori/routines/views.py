from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from mamori.orgs.access import org_view
from mamori.orgs.models import Role

from . import queries, services
from .forms import ChoreForm, DoneForm
from .models import Chore


def _to_list(request: HttpRequest) -> HttpResponse:
    return redirect("routines:list", org_slug=request.org.slug)  # type: ignore[attr-defined]


@org_view()
@require_safe
def chore_list(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    findings = queries.open_findings_by_chore(org)
    rows = [
        {"chore": chore, "finding_id": findings.get(str(chore.pk))} for chore in queries.chores(org)
    ]
    can_edit = request.membership.allows(Role.EDITOR)  # type: ignore[attr-defined]
    context = {
        "rows": rows,
        "can_edit": can_edit,
        "stale_contacts": queries.stale_contacts(org, timezone.localdate()),
    }
    return render(request, "routines/list.html", context)


@org_view()
def chore_create(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    form = ChoreForm(request.POST or None, organization=org)
    if request.method == "POST" and form.is_valid():
        services.save_chore(request, org, form.instance)
        messages.success(request, _("The recurring check was added."))
        return _to_list(request)
    return render(request, "routines/form.html", {"form": form, "chore": None})


@org_view()
def chore_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    chore: Chore = queries.chore(org, pk)
    form = ChoreForm(request.POST or None, instance=chore, organization=org)
    if request.method == "POST" and form.is_valid():
        services.save_chore(request, org, form.instance)
        messages.success(request, _("The recurring check was saved."))
        return _to_list(request)
    return render(request, "routines/form.html", {"form": form, "chore": chore})


@org_view()
@require_POST
def chore_done(request: HttpRequest, pk: int) -> HttpResponse:
    chore = queries.chore(request.org, pk)  # type: ignore[attr-defined]
    form = DoneForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _to_list(request)
    next_due = services.mark_done(
        request, chore, form.cleaned_data["done_on"], form.cleaned_data["note"]
    )
    messages.success(
        request,
        _("Recorded as done. Next due: %(date)s")
        % {"date": formats.date_format(next_due, "SHORT_DATE_FORMAT")},
    )
    return _to_list(request)


@org_view()
@require_POST
def chore_pause(request: HttpRequest, pk: int) -> HttpResponse:
    chore = queries.chore(request.org, pk)  # type: ignore[attr-defined]
    services.set_paused(request, chore, not chore.paused)
    messages.success(
        request,
        _("The check is paused.") if chore.paused else _("The check is running again."),
    )
    return _to_list(request)
