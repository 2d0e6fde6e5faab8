"""Views of their own for continuity: a backup's restore tests (form and evidence download) and
the BCP sheet (page and PDF). The registers' list/detail/edit are the generic register views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from mamori.inventory.views import record_detail
from mamori.orgs.access import org_view, scoped
from mamori.orgs.models import Role

from . import bcp, services
from .forms import RestoreTestForm, max_evidence_bytes
from .models import Backup, RestoreTest


def backup_detail_context(request: Any, backup: Any) -> dict[str, Any]:
    """Extra context of a backup's page (RegisterSpec.detail_context)."""
    form = getattr(request, "_restore_test_form", None) or RestoreTestForm(
        initial={"tested_on": timezone.localdate()}
    )
    return {
        "restore_tests": RestoreTest.objects.filter(
            organization=request.org, backup=backup
        ).select_related("created_by"),
        "restore_form": form,
        "evidence_limit": max_evidence_bytes(),
    }


@org_view()
@require_POST
def restore_test_add(request: HttpRequest, pk: int) -> HttpResponse:
    backup = get_object_or_404(scoped(Backup, request.org), pk=pk)
    form = RestoreTestForm(request.POST, request.FILES)
    if not form.is_valid():
        # The backup's page again, with the form and its errors in place.
        request._restore_test_form = form  # type: ignore[attr-defined]
        messages.error(request, _("The restore test was not saved. Check the marked fields."))
        response = record_detail.__wrapped__(request, "backups", pk)  # type: ignore[attr-defined]
        response.status_code = 400
        return response
    services.add_restore_test(request, backup, **services.restore_test_kwargs(form.cleaned_data))
    messages.success(request, _("The restore test was recorded."))
    return redirect("inventory:detail", org_slug=request.org.slug, register="backups", pk=pk)


@org_view()
@require_safe
def restore_evidence(request: HttpRequest, pk: int, test_id: int) -> HttpResponse:
    test = get_object_or_404(
        RestoreTest.objects.filter(organization=request.org, backup_id=pk).exclude(evidence=""),
        pk=test_id,
    )
    try:
        handle = test.evidence.open("rb")
    except OSError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=test.evidence_name or "evidence",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@org_view()
@require_safe
def bcp_sheet(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import render

    return render(
        request,
        "continuity/bcp.html",
        {
            "sheet": bcp.gather(request.org),
            "headers": bcp.headers(),
            "can_edit": request.membership.allows(Role.EDITOR),
        },
    )


@org_view()
@require_safe
def bcp_pdf(request: HttpRequest) -> HttpResponse:
    data = bcp.render_pdf(bcp.gather(request.org))
    stamp = timezone.localdate().strftime("%Y%m%d")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{request.org.slug}-bcp-{stamp}.pdf"'
    return response
