from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mamori.accounts.decorators import sudo_required
from mamori.accounts.services import profile_of
from mamori.core.templatetags.mamori_tags import one_language
from mamori.orgs.access import org_view, scoped
from mamori.orgs.models import Role

from . import calendar, services
from .delivery import masked_url
from .forms import ChannelForm, PreferenceForm
from .models import CalendarFeed, Channel, ChannelKind, Notification

PAGE_SIZE = 50
OWNER_ONLY = {"read": Role.OWNER, "write": Role.OWNER}
ANY_MEMBER = {"read": Role.VIEWER, "write": Role.VIEWER}


def _channel(request: HttpRequest, pk: int) -> Channel:
    return get_object_or_404(scoped(Channel, request.org), pk=pk)  # type: ignore[attr-defined]


@org_view(**OWNER_ONLY)
def channel_list(request: HttpRequest) -> HttpResponse:
    channels = list(scoped(Channel, request.org))  # type: ignore[attr-defined]
    rows = [
        {
            "channel": channel,
            "destination": masked_url(channel.apprise_url)
            if channel.kind == ChannelKind.CHAT
            else (_("server mail settings") if channel.use_server_mail else channel.smtp_host),
        }
        for channel in channels
    ]
    return render(request, "notify/channels.html", {"rows": rows})


@org_view(**OWNER_ONLY)
@sudo_required
def channel_create(request: HttpRequest) -> HttpResponse:
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.save_channel(request, request.org, form.instance)  # type: ignore[attr-defined]
        messages.success(request, _("The channel was added. Send a test to check it."))
        return redirect("notify:channels", org_slug=request.org.slug)  # type: ignore[attr-defined]
    return render(request, "notify/channel_form.html", {"form": form, "channel": None})


@org_view(**OWNER_ONLY)
@sudo_required
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel(request, pk)
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        services.save_channel(request, request.org, form.instance)  # type: ignore[attr-defined]
        messages.success(request, _("Saved."))
        return redirect("notify:channels", org_slug=request.org.slug)  # type: ignore[attr-defined]
    return render(request, "notify/channel_form.html", {"form": form, "channel": channel})


@org_view(**OWNER_ONLY)
@sudo_required
@require_POST
def channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_channel(request, _channel(request, pk))
    messages.success(request, _("The channel was deleted."))
    return redirect("notify:channels", org_slug=request.org.slug)  # type: ignore[attr-defined]


@org_view(**OWNER_ONLY)
@sudo_required
@require_POST
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    ok, error = services.send_test(request, _channel(request, pk))
    if ok:
        messages.success(request, _("The test message was sent."))
    else:
        # Delivery errors are stored as "日本語 / English": show the reader's half.
        messages.error(request, _("The test failed: %(error)s") % {"error": one_language(error)})
    return redirect("notify:channels", org_slug=request.org.slug)  # type: ignore[attr-defined]


@org_view(**OWNER_ONLY)
def history(request: HttpRequest) -> HttpResponse:
    rows = scoped(Notification, request.org).select_related("channel").defer("body")  # type: ignore[attr-defined]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notify/history.html", {"page": page, "query": ""})


@org_view(**ANY_MEMBER)
def preferences(request: HttpRequest) -> HttpResponse:
    preference = services.preference_for(request.org, request.user)  # type: ignore[attr-defined]
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        services.save_preference(request, form.instance)
        messages.success(request, _("Saved."))
        return redirect("notify:preferences", org_slug=request.org.slug)  # type: ignore[attr-defined]
    return render(request, "notify/preferences.html", {"form": form})


@org_view(**ANY_MEMBER)
@sudo_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    feed_url = ""
    if request.method == "POST":
        if request.POST.get("revoke"):
            services.revoke_calendar_feeds(request, org)
            messages.success(request, _("The calendar address no longer works."))
            return redirect("notify:calendar", org_slug=org.slug)
        token = services.create_calendar_feed(request, org)
        feed_url = settings.BASE_URL + reverse("notify:calendar_feed", kwargs={"token": token})
    active = CalendarFeed.objects.filter(
        organization=org, user=request.user, revoked_at__isnull=True
    ).first()
    return render(request, "notify/calendar.html", {"feed_url": feed_url, "active": active})


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = services.feed_for_token(token)
    if feed is None:
        raise Http404
    body = calendar.render(
        f"mamori {feed.organization.name}",
        calendar.deadlines(
            feed.organization, settings.BASE_URL, language=profile_of(feed.user).language
        ),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
