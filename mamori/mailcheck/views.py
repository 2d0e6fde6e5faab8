from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from mamori.accounts.decorators import sudo_required
from mamori.audit.services import record
from mamori.orgs.access import org_view, scoped
from mamori.orgs.models import Role

from . import credentials, queries, services
from . import rows as history_rows
from .forms import HistoryFilterForm, ReportForm, SettingsForm, UploadForm
from .inbound import check_address_of, default_check_address
from .models import CheckedMail, RawMail, Source

PAGE_SIZE = 50
SEVERITY_CLASS = {"high": "high", "medium": "medium", "low": "low", "info": "info"}


@org_view()
@require_safe
def history(request: HttpRequest) -> HttpResponse:
    form = HistoryFilterForm(request.GET)
    verdict = form.cleaned_data.get("verdict", "") if form.is_valid() else ""
    rows = queries.history(request.org, request.membership, verdict)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "mailcheck/history.html",
        {
            "form": form,
            "page": page,
            "items": history_rows.rows(page, request.org.slug),
            "query": query.urlencode(),
            "sees_all": request.membership.allows(Role.EDITOR),
            "check_address": check_address_of(request.org),
        },
    )


# Room for the multipart envelope and the CSRF field around the file itself.
UPLOAD_OVERHEAD_BYTES = 64 * 1024


def _declared_too_big(request: HttpRequest) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return declared > services.MAX_MAIL_BYTES + UPLOAD_OVERHEAD_BYTES


# Checking a mail is something every member may do, viewers included. The CSRF check runs inside,
# after the size check, so that an oversized body is refused before it is read at all.
@org_view(write=Role.VIEWER)
@csrf_exempt
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _declared_too_big(request):
        message = _("The file is larger than %(mb)d MB: it cannot be checked here.") % {
            "mb": services.MAX_MAIL_BYTES // (1024 * 1024)
        }
        return render(
            request,
            "mailcheck/upload.html",
            {
                "form": UploadForm(),
                "upload_error": message,
                "check_address": check_address_of(request.org),
            },
            status=413,
        )
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["mail"]
        raw = b"".join(upload_file.chunks())
        result = services.check_mail(
            request.org,
            raw,
            source=Source.UPLOAD,
            reporter=request.user,
            file_name=(upload_file.name or "").replace("\\", "/").rsplit("/", 1)[-1],
            request=request,
        )
        return redirect("mailcheck:detail", org_slug=request.org.slug, pk=result.mail.pk)
    return render(
        request,
        "mailcheck/upload.html",
        {"form": form, "check_address": check_address_of(request.org)},
        status=400 if request.method == "POST" else 200,
    )


def _visible(request: HttpRequest, pk: int) -> CheckedMail:
    return get_object_or_404(
        queries.visible_mails(request.org, request.membership).select_related(
            "reporter", "reported_by"
        ),
        pk=pk,
    )


@org_view()
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    mail = _visible(request, pk)
    signals = [
        {**s, "css": SEVERITY_CLASS.get(str(s.get("severity")), "info")}
        for s in mail.signals
        if isinstance(s, dict)
    ]
    pairs = queries.ppap_pairs(request.org, mail)
    return render(
        request,
        "mailcheck/detail.html",
        {
            "mail": mail,
            "signals": signals,
            "pairs": [
                {
                    "item": p,
                    "other": p.password.mail if p.archive.mail.pk == mail.pk else p.archive.mail,
                    "minutes": int(p.gap.total_seconds() // 60),
                    "this_is_archive": p.archive.mail.pk == mail.pk,
                }
                for p in pairs
            ],
            "attachments": mail.facts.get("attachments") or [],
            "report_form": ReportForm(),
            "can_edit": request.membership.allows(Role.EDITOR),
        },
    )


@org_view(write=Role.VIEWER)
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    mail = _visible(request, pk)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is too long (2,000 characters at most)."))
        return redirect("mailcheck:detail", org_slug=request.org.slug, pk=mail.pk)
    services.report_to_admins(
        request,
        mail,
        opened_or_clicked=form.cleaned_data["opened_or_clicked"],
        note=form.cleaned_data["note"],
    )
    messages.success(
        request, _("Sent to the administrators. They will see it in their to-do list.")
    )
    return redirect("mailcheck:detail", org_slug=request.org.slug, pk=mail.pk)


@org_view(read=Role.EDITOR)
@require_safe
def raw(request: HttpRequest, pk: int) -> HttpResponse:
    mail = get_object_or_404(scoped(CheckedMail, request.org), pk=pk)
    stored = get_object_or_404(scoped(RawMail, request.org), mail=mail)
    # Who read a possibly personal mail is part of the trail (handbook §7.6).
    record("mailcheck.raw_downloaded", request=request, organization=request.org, obj=mail)
    response = HttpResponse(bytes(stored.data), content_type="application/octet-stream")
    suffix = ".msg" if mail.facts.get("format") == "msg" else ".eml"
    response["Content-Disposition"] = f'attachment; filename="mail-{mail.pk}{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@org_view(read=Role.EDITOR, write=Role.OWNER)
@sudo_required
def settings_view(request: HttpRequest) -> HttpResponse:
    current = queries.settings_for(request.org)
    stored = credentials.decrypt(current.imap_password_encrypted)
    form = SettingsForm(
        request.POST or None,
        instance=current,
        has_password=bool(current.imap_password_encrypted),
    )
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        services.update_settings(request, request.org, values, new_password=form.new_password())
        messages.success(request, _("The mail check settings were saved."))
        return redirect("mailcheck:settings", org_slug=request.org.slug)
    return render(
        request,
        "mailcheck/settings.html",
        {
            "form": form,
            "can_write": request.membership.allows(Role.OWNER),
            "default_address": default_check_address(request.org),
            "check_address": check_address_of(request.org, current if current.pk else None),
            "password_mask": credentials.masked(stored),
            "password_unreadable": stored is None,
            "current": current,
            "trusted": queries.context_for(request.org).trusted_domains,
        },
        status=400 if request.method == "POST" else 200,
    )
