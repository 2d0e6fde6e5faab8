from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.orgs.access import org_view
from mamori.orgs.models import Role

from . import queries, services
from .compare import side_by_side
from .forms import WatchedPageForm
from .models import ChangeStatus, PageChange, WatchedPage
from .rows import rows
from .software import Component
from .texts import advice

PAGE_SIZE = 50


def _page(request: HttpRequest, pk: int) -> WatchedPage:
    try:
        return queries.page(request.org, pk)  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        raise Http404 from None


def _change(request: HttpRequest, pk: int) -> PageChange:
    try:
        return queries.change(request.org, pk)  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        raise Http404 from None


@org_view()
def page_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.page_rows(request.org), PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[attr-defined]
    return render(
        request,
        "monitoring/list.html",
        {
            "page": page,
            "items": rows(page, request.org.slug),  # type: ignore[attr-defined]
            "query": "",
            "can_edit": request.membership.allows(Role.EDITOR),  # type: ignore[attr-defined]
        },
    )


@org_view()
def page_create(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    initial = {}
    website_id = request.GET.get("website", "")
    if website_id.isdigit():
        initial["website"] = int(website_id)
    form = WatchedPageForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        watched = services.save_page(request, org, form.instance)
        messages.success(request, _("The page is now watched. The first check sets the baseline."))
        return redirect("monitoring:detail", org_slug=org.slug, pk=watched.pk)
    return render(request, "monitoring/form.html", {"form": form, "watched": None})


@org_view()
@require_POST
def watch_websites(request: HttpRequest) -> HttpResponse:
    refused: list[str] = []
    created = services.watch_websites(request, request.org, refused=refused)  # type: ignore[attr-defined]
    messages.success(
        request,
        _("%(count)d website(s) from the inventory are now watched.") % {"count": len(created)},
    )
    if refused:
        messages.warning(
            request,
            _(
                "Not watched, because they point to private or loopback addresses: %(urls)s. "
                "To watch intranet sites, add their network to the setting %(setting)s."
            )
            % {"urls": ", ".join(refused[:5]), "setting": services.ALLOW_SETTING},
        )
    return redirect("monitoring:list", org_slug=request.org.slug)  # type: ignore[attr-defined]


@org_view()
def page_edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    watched = _page(request, pk)
    form = WatchedPageForm(request.POST or None, instance=watched, organization=org)
    if request.method == "POST" and form.is_valid():
        services.save_page(request, org, form.instance)
        messages.success(request, _("Saved."))
        return redirect("monitoring:detail", org_slug=org.slug, pk=watched.pk)
    return render(request, "monitoring/form.html", {"form": form, "watched": watched})


@org_view()
def page_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    watched = _page(request, pk)
    return render(
        request,
        "monitoring/detail.html",
        {
            "watched": watched,
            "snapshots": queries.recent_snapshots(org, watched),
            "changes": queries.changes(org, watched),
            "software": [Component.decode(str(item)) for item in watched.software or []],
            "advice": advice(watched.pending_change.level).to_dict()
            if watched.pending_change is not None and advice(watched.pending_change.level)
            else None,
            "can_edit": request.membership.allows(Role.EDITOR),  # type: ignore[attr-defined]
        },
    )


@org_view()
@require_POST
def page_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_page(request, _page(request, pk))
    messages.success(request, _("The page is no longer watched."))
    return redirect("monitoring:list", org_slug=request.org.slug)  # type: ignore[attr-defined]


@org_view()
@require_POST
def page_check(request: HttpRequest, pk: int) -> HttpResponse:
    watched = _page(request, pk)
    services.request_check(request, watched)
    messages.success(request, _("A check was queued; reload this page in a minute."))
    return redirect("monitoring:detail", org_slug=request.org.slug, pk=watched.pk)  # type: ignore[attr-defined]


@org_view()
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(request, pk)
    old_text = str((change.baseline or {}).get("text", ""))
    new_text = str((change.snapshot.fingerprint or {}).get("text", ""))
    return render(
        request,
        "monitoring/change.html",
        {
            "change": change,
            "watched": change.page,
            "diff": side_by_side(old_text, new_text),
            "advice": (lambda item: item.to_dict() if item else None)(advice(change.level)),
            "is_open": change.status == ChangeStatus.OPEN,
            "can_edit": request.membership.allows(Role.EDITOR),  # type: ignore[attr-defined]
        },
    )


@org_view()
@require_POST
def change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(request, pk)
    if change.status != ChangeStatus.OPEN:
        messages.error(request, _("This change was already handled."))
    else:
        services.approve_change(request, change)
        messages.success(request, _("Approved: the page as it is now is the new baseline."))
    return redirect("monitoring:detail", org_slug=request.org.slug, pk=change.page_id)  # type: ignore[attr-defined]
