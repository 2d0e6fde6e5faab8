"""Intel pages: timeline, advisories, 「自社に関係する脆弱性」, feeds and watches (thin views)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.core.rowurls import row_prefix
from mamori.findings.models import Finding
from mamori.inventory.models import Software
from mamori.orgs.access import org_view
from mamori.orgs.models import Role

from . import queries, services
from .forms import AdvisorySearchForm, DecisionForm, FeedForm, TimelineFilterForm, WatchForm
from .models import Advisory, Feed, FeedItem, Watch
from .monitoring import current_surges, inventory_names
from .presets import PRESETS
from .rows import ADVISORY_COLUMNS, advisory_rows
from .sync import status as sync_status

T = TypeVar("T")


def _get(lookup: Callable[..., T], *args: Any) -> T:
    try:
        return lookup(*args)
    except (Feed.DoesNotExist, FeedItem.DoesNotExist, Watch.DoesNotExist, Advisory.DoesNotExist):
        raise Http404 from None


@org_view()
def timeline(request: HttpRequest) -> HttpResponse:
    feed_choices = list(queries.feeds(request.org).filter(enabled=True).values_list("pk", "name"))
    form = TimelineFilterForm(request.GET or None, feeds=feed_choices)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = queries.timeline(
        request.org,
        request.user,
        feed_id=filters.get("source"),
        keyword=filters.get("q") or "",
        unread_only=bool(filters.get("unread")),
        before=request.GET.get("before", ""),
    )
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "intel/timeline.html",
        {
            "form": form,
            "rows": page.rows,
            "older": page.older,
            "query": query.urlencode(),
            "surges": [surge for surge, _ids in current_surges(request.org)],
            "has_feeds": bool(feed_choices),
            "here": request.get_full_path(),
            # One form for the page; each row's button posts it to that row's URL.
            "read_url": row_prefix("intel:item_read", org_slug=request.org.slug),
        },
    )


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@org_view(write=Role.VIEWER)  # reading state is personal: every member may mark items read
@require_POST
def item_read(request: HttpRequest, pk: int) -> HttpResponse:
    row = _get(queries.item, request.org, pk)
    if request.POST.get("unread"):
        services.mark_unread(request.user, row)
    else:
        services.mark_read(request.user, row)
    return _back(request, reverse("intel:timeline", kwargs={"org_slug": request.org.slug}))


@org_view(write=Role.VIEWER)
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user, request.org)
    messages.success(request, _("Everything on the timeline is marked as read."))
    return redirect("intel:timeline", org_slug=request.org.slug)


@org_view()
def advisory_list(request: HttpRequest) -> HttpResponse:
    form = AdvisorySearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = queries.advisories(
        keyword=filters.get("q") or "",
        kev_only=bool(filters.get("kev")),
        min_score=filters.get("min_score"),
    )
    page = Paginator(rows.values(*ADVISORY_COLUMNS), queries.ADVISORY_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "intel/advisories.html",
        {
            "form": form,
            "page": page,
            "items": advisory_rows(page, request.org.slug),
            "query": query.urlencode(),
            "sources": sync_status(),
        },
    )


@org_view()
def advisory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = _get(queries.advisory, pk)
    data = row.data
    english = (get_language() or "ja").startswith("en")
    title = (
        (data.get("title_en") if english else data.get("title_ja"))
        or data.get("title_ja")
        or data.get("title_en")
    )
    summary = (
        (data.get("summary_en") if english else data.get("summary_ja"))
        or data.get("summary_ja")
        or data.get("summary_en")
    )
    return render(
        request,
        "intel/advisory_detail.html",
        {
            "advisory": row,
            "data": data,
            "title": title,
            "summary": summary,
            "findings": queries.findings_for_advisory(request.org, row.pk),
            # Only web links become links: a source could send "javascript:" or worse.
            "link": _web_url(data.get("link", "")),
            "references": [
                {"url": url, "name": ref.get("name") or url}
                for ref in data.get("references", [])[:50]
                if isinstance(ref, dict) and (url := _web_url(ref.get("url", "")))
            ],
        },
    )


def _web_url(value: object) -> str:
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""


@org_view()
def relevant(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.relevant(request.org), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "intel/relevant.html",
        {"page": page, "decision_form": DecisionForm(), "query": ""},
    )


@org_view()
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    finding = Finding.objects.filter(
        organization=request.org, pk=pk, kind="intel.vulnerable_software"
    ).first()
    if finding is None:
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("intel:relevant", org_slug=request.org.slug)
    try:
        services.decide(
            request, request.org, finding, form.cleaned_data["status"], form.cleaned_data["note"]
        )
    except (KeyError, ValueError, Advisory.DoesNotExist, Software.DoesNotExist):
        # The finding no longer points at stored software or an advisory.
        raise Http404 from None
    messages.success(request, _("Decision saved. It applies to this version only."))
    return redirect("intel:relevant", org_slug=request.org.slug)


@org_view(read=Role.EDITOR)
def feed_list(request: HttpRequest) -> HttpResponse:
    form = FeedForm(request.POST or None, org=request.org)
    if request.method == "POST" and form.is_valid():
        services.create_feed(request, request.org, form.cleaned_data)
        messages.success(request, _("Feed added. It will be checked shortly."))
        return redirect("intel:feeds", org_slug=request.org.slug)
    rows = list(queries.feeds(request.org))
    by_preset = {f.preset: f for f in rows if f.preset}
    return render(
        request,
        "intel/feeds.html",
        {
            "form": form,
            "feeds": rows,
            "presets": [(p, by_preset.get(p.key)) for p in PRESETS],
        },
        status=400 if request.method == "POST" else 200,
    )


@org_view(read=Role.EDITOR)
@require_POST
def preset_toggle(request: HttpRequest) -> HttpResponse:
    key = request.POST.get("preset", "")
    if key not in {p.key for p in PRESETS}:
        messages.error(request, _("Unknown preset."))
    else:
        services.set_preset(request.org, key, request.POST.get("enable") == "1", request=request)
    return redirect("intel:feeds", org_slug=request.org.slug)


@org_view(read=Role.EDITOR)
def feed_edit(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _get(queries.feed, request.org, pk)
    form = FeedForm(request.POST or None, instance=feed, org=request.org)
    if request.method == "POST" and form.is_valid():
        services.update_feed(request, feed, form.cleaned_data)
        messages.success(request, _("Feed saved."))
        return redirect("intel:feeds", org_slug=request.org.slug)
    if request.method == "POST":
        feed.refresh_from_db()
    return render(
        request,
        "intel/feed_form.html",
        {"form": form, "feed": feed},
        status=400 if request.method == "POST" else 200,
    )


@org_view(read=Role.EDITOR)
@require_POST
def feed_delete(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _get(queries.feed, request.org, pk)
    services.delete_feed(request, feed)
    messages.success(request, _("Feed removed with its items."))
    return redirect("intel:feeds", org_slug=request.org.slug)


@org_view(read=Role.EDITOR)
@require_POST
def feed_fetch(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _get(queries.feed, request.org, pk)
    services.fetch_now(request, feed)
    messages.success(request, _("The feed will be checked in the background shortly."))
    return redirect("intel:feeds", org_slug=request.org.slug)


@org_view()
def watch_list(request: HttpRequest) -> HttpResponse:
    form = WatchForm(request.POST or None, org=request.org)
    if request.method == "POST" and form.is_valid():
        services.add_watch(request, request.org, form.cleaned_data["keyword"])
        messages.success(request, _("Keyword added."))
        return redirect("intel:watches", org_slug=request.org.slug)
    return render(
        request,
        "intel/watches.html",
        {
            "form": form,
            "watches": queries.watches(request.org),
            "inventory_names": inventory_names(request.org),
        },
        status=400 if request.method == "POST" else 200,
    )


@org_view()
@require_POST
def watch_delete(request: HttpRequest, pk: int) -> HttpResponse:
    watch = _get(lambda: queries.watches(request.org).get(pk=pk))
    services.delete_watch(request, watch)
    return redirect("intel:watches", org_slug=request.org.slug)
