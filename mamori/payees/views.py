"""Payee-change pages: the request, its callback, checklist, approval and rejection, the full
account number on demand, and the export for the accounting software. The payee register
itself is served by the generic register views (mamori.inventory)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mamori.accounts.decorators import sudo_required
from mamori.audit.services import record
from mamori.orgs.access import org_view, scoped
from mamori.orgs.models import Role
from mamori.tabular import write_csv, write_xlsx

from . import queries, services
from .exports import ACCOUNTING_SCHEMA, accounting_rows
from .forms import CallbackForm, ChangeRequestForm, ChecklistForm, RejectForm
from .models import Payee, PayeeChange
from .presentation import blocker_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _change(request: HttpRequest, pk: int) -> PayeeChange:
    change = queries.change(request.org, pk)  # type: ignore[attr-defined]
    if change is None:
        raise Http404
    return change


def _to_change(request: HttpRequest, change: PayeeChange) -> HttpResponse:
    return redirect("payees:change", org_slug=request.org.slug, pk=change.pk)  # type: ignore[attr-defined]


@org_view()
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    pending = list(queries.pending_changes(org))
    return render(
        request,
        "payees/index.html",
        {
            "pending": [
                {"change": c, "blockers": [blocker_text(code) for code in c.blockers()]}
                for c in pending
            ],
            "decided": queries.recent_decisions(org),
            "can_edit": request.membership.allows(Role.EDITOR),  # type: ignore[attr-defined]
        },
    )


@org_view(read=Role.EDITOR)
def change_create(request: HttpRequest, payee_pk: int) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    payee = get_object_or_404(scoped(Payee, org).filter(archived_at__isnull=True), pk=payee_pk)
    initial = {"destination": payee.destination, "mail": request.GET.get("mail") or None}
    form = ChangeRequestForm(request.POST or None, organization=org, payee=payee, initial=initial)
    if request.method == "POST" and form.is_valid():
        change = services.request_change(request, org, form)
        messages.success(request, _("The change request is recorded. Call the partner back next."))
        return _to_change(request, change)
    return render(request, "payees/change_form.html", {"form": form, "payee": payee})


@org_view()
@require_GET
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(request, pk)
    membership = request.membership  # type: ignore[attr-defined]
    can_edit = membership.allows(Role.EDITOR)
    problem = change.approval_problem(request.user) if can_edit else ""
    return render(
        request,
        "payees/change_detail.html",
        {
            "change": change,
            "payee": change.payee,
            "blockers": [blocker_text(code) for code in change.blockers()],
            "approval_problem": blocker_text(problem) if problem else "",
            "approvals": list(change.approvals.all()),
            "callbacks": list(change.callbacks.all()),
            "can_edit": can_edit,
            "callback_form": CallbackForm(),
            "checklist_form": ChecklistForm(instance=change),
            "reject_form": RejectForm(),
        },
    )


@org_view()
@require_POST
def callback(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(request, pk)
    form = CallbackForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _to_change(request, change)
    try:
        services.log_callback(request, change, form)
    except services.StepRefused as refused:
        messages.error(request, blocker_text(refused.code))
    else:
        messages.success(request, _("The callback is logged."))
    return _to_change(request, change)


@org_view()
@require_POST
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(request, pk)
    form = ChecklistForm(request.POST, instance=change)
    if form.is_valid():
        try:
            services.save_checklist(request, change, form)
        except services.StepRefused as refused:
            messages.error(request, blocker_text(refused.code))
        else:
            messages.success(request, _("Saved."))
    return _to_change(request, change)


@org_view()
@sudo_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(request, pk)
    try:
        change = services.approve(request, change.pk)
    except services.StepRefused as refused:
        messages.error(request, blocker_text(refused.code))
    else:
        if change.status == "approved":
            messages.success(request, _("Approved: the new account is now active."))
        else:
            messages.success(request, _("Your approval is recorded. One more person must approve."))
    return _to_change(request, change)


@org_view()
@sudo_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write why the request is rejected."))
        return _to_change(request, change)
    try:
        services.reject(request, change.pk, form.cleaned_data["note"])
    except services.StepRefused as refused:
        messages.error(request, blocker_text(refused.code))
    else:
        messages.success(request, _("Rejected: the account on record stays as it was."))
    return _to_change(request, change)


@org_view()
@sudo_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    payee = get_object_or_404(scoped(Payee, org), pk=pk)
    services.record_reveal(request, payee)
    url = reverse("inventory:detail", kwargs={"org_slug": org.slug, "register": "payees", "pk": pk})
    return redirect(url + "?full=1")


@org_view()
@sudo_required
@require_POST
def accounting_export(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    fmt = "csv" if request.POST.get("format") == "csv" else "xlsx"
    rows = accounting_rows(org)
    lang = (get_language() or "ja")[:2]
    record(
        "payees.payee.accounting_exported",
        request=request,
        organization=org,
        changes={"format": fmt, "rows": len(rows)},
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    if fmt == "csv":
        body = write_csv(ACCOUNTING_SCHEMA, rows, lang=lang)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        title = ACCOUNTING_SCHEMA.title(lang)[:31]
        response = HttpResponse(
            write_xlsx(ACCOUNTING_SCHEMA, rows, lang=lang, sheet_title=title), content_type=XLSX
        )
    response["Content-Disposition"] = (
        f'attachment; filename="{org.slug}-payee-accounts-{stamp}.{fmt}"'
    )
    return response
