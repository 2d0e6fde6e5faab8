from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.core.getting_started import checklist
from mamori.orgs.access import org_view, scoped
from mamori.orgs.models import Role

from . import queries, services
from .forms import AcceptRiskForm, ActionForm, CommentForm, FindingFilterForm
from .models import Finding, Status
from .presentation import present
from .rows import rows

PAGE_SIZE = 50


@org_view()
def finding_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("status", Status.OPEN)
    form = FindingFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {"status": Status.OPEN}
    counts = queries.open_counts(request.org)
    paginator = Paginator(queries.findings(request.org, filters), PAGE_SIZE)
    known = queries.known_count(filters, counts)
    if known is not None:
        # The severity counts already read the index: no second count over every open row.
        paginator.count = known  # type: ignore[misc]
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "findings/list.html",
        {
            "form": form,
            "page": page,
            "items": rows(page, request.org.slug),
            "counts": counts,
            "query": query.urlencode(),
        },
    )


@org_view()
def todo(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    findings = queries.todo(request.org, request.user if mine else None)
    page = Paginator(findings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "findings/todo.html",
        {
            "page": page,
            "items": rows(page, request.org.slug),
            "mine": mine,
            "query": "mine=1" if mine else "",
            # An empty list means "well done" only once mamori has something to check.
            "getting_started": None if page.object_list else checklist(request.org),
        },
    )


@org_view()
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(
        scoped(Finding, request.org).select_related("action", "action__owner", "accepted_by"),
        pk=pk,
    )
    action = finding.action
    can_edit = request.membership.allows(Role.EDITOR)
    return render(
        request,
        "findings/detail.html",
        {
            "finding": finding,
            "view": present(finding, request.org.slug),
            "action": action,
            "comments": action.comments.select_related("author"),
            "action_form": ActionForm(
                organization=request.org,
                initial={
                    "owner": action.owner_id,
                    "due_date": action.due_date,
                    "status": action.status,
                },
            ),
            "accept_form": AcceptRiskForm(),
            "comment_form": CommentForm(),
            "can_edit": can_edit,
        },
    )


def _finding(request: HttpRequest, pk: int) -> Finding:
    return get_object_or_404(scoped(Finding, request.org).select_related("action"), pk=pk)


@org_view()
@require_POST
def action_update(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    form = ActionForm(request.POST, organization=request.org)
    if form.is_valid():
        services.update_action(request, finding.action, **form.cleaned_data)
        messages.success(request, _("The action was updated."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
    return redirect("findings:detail", org_slug=request.org.slug, pk=pk)


@org_view()
def accept_risk(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    form = AcceptRiskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.accept_risk(
            request, finding, form.cleaned_data["reason"], form.cleaned_data["until"]
        )
        messages.success(request, _("The risk was accepted."))
        return redirect("findings:detail", org_slug=request.org.slug, pk=pk)
    return render(request, "findings/accept.html", {"finding": finding, "form": form})


@org_view()
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    services.reopen(request, _finding(request, pk))
    messages.success(request, _("The finding is open again."))
    return redirect("findings:detail", org_slug=request.org.slug, pk=pk)


@org_view()
@require_POST
def recheck(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    if services.recheck(request, finding):
        messages.success(request, _("Checked again: the problem is gone. The finding is resolved."))
    else:
        messages.warning(
            request,
            _(
                "Checked again: the problem is still there. Fix it in the inventory, then check again."
            ),
        )
    return redirect("findings:detail", org_slug=request.org.slug, pk=pk)


@org_view()
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _finding(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.add_comment(request, finding.action, form.cleaned_data["text"])
    else:
        messages.error(request, _("Write a comment first."))
    return redirect("findings:detail", org_slug=request.org.slug, pk=pk)
