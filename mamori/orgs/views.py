from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mamori.accounts.decorators import sudo_required
from mamori.accounts.forms import SignupForm
from mamori.audit.services import record
from mamori.core.models import JobStatus
from mamori.core.rowurls import minute_text
from mamori.core.text import csv_rows
from mamori.intel.services import enable_default_presets

from . import bulk, queries, services
from . import overview as overview_queries
from .access import org_view, scoped
from .forms import (
    AuditFilterForm,
    CreateAccountForm,
    InviteForm,
    OrganizationForm,
    OrganizationSettingsForm,
    RoleForm,
)
from .models import Invitation, Membership, Role

User = get_user_model()


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = services.create_organization(form.cleaned_data["name"], request.user, request=request)
        services.set_up_new_organization(org, request=request)
        messages.success(request, _("The organisation was created."))
        return redirect("core:dashboard", org_slug=org.slug)
    memberships = Membership.objects.filter(user=request.user).select_related("organization")
    return render(
        request, "orgs/organization_list.html", {"form": form, "memberships": memberships}
    )


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Every organisation of the user on one page (no organisation in the URL: the scope is the
    user's own memberships)."""
    sort = overview_queries.normalise_sort(request.GET.get("sort"))
    bundle = bulk.latest_bundle(request.user)
    language = "en" if (get_language() or "ja").startswith("en") else "ja"
    return render(
        request,
        "orgs/overview.html",
        {
            "rows": overview_queries.overview(request.user, sort),
            "owned": overview_queries.owned_organizations(request.user),
            "bundle": bundle,
            # Deleted by the daily housekeeping (or not brought back by a restore): not offered.
            "bundle_gone": bundle is not None
            and bundle.status == JobStatus.DONE
            and not bulk.bundle_kept(bundle),
            "bundle_keep_days": bulk.BUNDLE_KEEP_DAYS,
            "questionnaires": bulk.questionnaire_titles(language),
            "sort": sort,
            "columns": [
                ("name", _("Organisation")),
                ("score", _("Security posture score")),
                ("critical", _("Open critical findings")),
                ("overdue", _("Overdue actions")),
                ("incidents", _("Open incidents")),
                ("deadline", _("Nearest report deadline")),
                ("monitors", _("Failed monitors")),
                ("feeds", _("Failing feeds")),
            ],
        },
    )


@login_required
@require_POST
@sudo_required
def overview_feed_presets(request: HttpRequest) -> HttpResponse:
    """Switch the default Japanese feed presets on for each chosen organisation the user owns
    (a 支援者 setting up several clients at once)."""
    owned = {org.pk: org for org in overview_queries.owned_organizations(request.user)}
    chosen: list[int] = []
    for value in request.POST.getlist("organization"):
        try:
            chosen.append(int(value))
        except ValueError:
            continue
    targets = [owned[pk] for pk in dict.fromkeys(chosen) if pk in owned]
    if not targets:
        messages.error(request, _("Choose at least one organisation you own."))
        return redirect("orgs:overview")
    for org in targets:
        enable_default_presets(org, request=request)
    messages.success(
        request,
        _("The default Japanese feeds are on for %(count)s organisation(s).")
        % {"count": len(targets)},
    )
    return redirect("orgs:overview")


@login_required
@require_POST
def overview_copy_checks(request: HttpRequest) -> HttpResponse:
    """Copy the recurring checks of one owned organisation to the chosen other owned ones."""
    sources = bulk.owned_by_id(request.user, [request.POST.get("source", "")])
    targets = [
        org
        for org in bulk.owned_by_id(request.user, request.POST.getlist("organization"))
        if not sources or org.pk != sources[0].pk
    ]
    if not sources or not targets:
        messages.error(
            request, _("Choose an organisation to copy from and at least one other to copy to.")
        )
        return redirect("orgs:overview")
    count = bulk.copy_checks(sources[0], targets, request=request)
    messages.success(
        request,
        _("The recurring checks of %(source)s were copied to %(count)s organisation(s).")
        % {"source": sources[0].name, "count": len(targets)},
    )
    if not count:
        messages.info(request, _("They already had the same recurring checks."))
    return redirect("orgs:overview")


@login_required
@require_POST
def overview_copy_questionnaires(request: HttpRequest) -> HttpResponse:
    """Start new drafts of the chosen questionnaires (or the set a source client has used) in
    the chosen owned organisations. Answers are never copied."""
    sources = bulk.owned_by_id(request.user, [request.POST.get("source", "")])
    source = sources[0] if sources else None
    targets = [
        org
        for org in bulk.owned_by_id(request.user, request.POST.getlist("organization"))
        if source is None or org.pk != source.pk
    ]
    chosen = request.POST.getlist("questionnaire")
    if source is not None:
        chosen += bulk.questionnaires_used(source)
    known = {qid for qid, _title in bulk.questionnaire_titles("ja")}
    chosen = [qid for qid in chosen if qid in known]
    if not chosen:
        if source is not None:
            messages.error(
                request,
                _("%(source)s has not used any questionnaire yet. Choose the questionnaires.")
                % {"source": source.name},
            )
        else:
            messages.error(
                request, _("Choose at least one questionnaire, or a client whose set to use.")
            )
        return redirect("orgs:overview")
    if not targets:
        messages.error(request, _("Choose at least one organisation you own to start them in."))
        return redirect("orgs:overview")
    started, skipped = bulk.start_questionnaires(
        chosen, targets, user=request.user, request=request, source=source
    )
    if not started:
        messages.info(
            request,
            _(
                "Nothing new was started: each chosen questionnaire was already being answered "
                "in each chosen organisation."
            ),
        )
        return redirect("orgs:overview")
    messages.success(
        request,
        ngettext(
            "%(started)s questionnaire was started in %(count)s organisation(s).",
            "%(started)s questionnaires were started in %(count)s organisation(s).",
            started,
        )
        % {"started": started, "count": len(targets)},
    )
    if skipped:
        messages.info(
            request,
            _("Skipped %(skipped)s: a draft of the same questionnaire was already open there.")
            % {"skipped": skipped},
        )
    return redirect("orgs:overview")


@login_required
@require_POST
def overview_reports(request: HttpRequest) -> HttpResponse:
    """Queue last month's owner report of each chosen owned organisation, as one zip."""
    targets = bulk.owned_by_id(request.user, request.POST.getlist("organization"))
    if not targets:
        messages.error(request, _("Choose at least one organisation you own."))
        return redirect("orgs:overview")
    bulk.request_report_bundle(request.user, targets, request.LANGUAGE_CODE or "ja")
    messages.success(
        request,
        _("The reports are being prepared. The download appears on this page when they are ready."),
    )
    return redirect("orgs:overview")


@login_required
@require_POST
@sudo_required
def overview_report_download(request: HttpRequest, job_id: int) -> HttpResponse:
    """The finished zip of monthly reports (several organisations' data: after sudo, audited in
    each organisation's trail)."""
    job = bulk.ready_bundle(request.user, job_id)
    if job is None:
        raise Http404
    ids = job.payload.get("organization_ids", [])
    for org in bulk.owned_by_id(request.user, [str(pk) for pk in ids]):
        record(bulk.BUNDLE_DOWNLOADED, request=request, organization=org, object_repr=str(org))
    return FileResponse(
        default_storage.open(bulk.bundle_name(job), "rb"),
        as_attachment=True,
        filename=f"mamori-reports-{job.pk}.zip",
        content_type="application/zip",
    )


@org_view(read=Role.VIEWER, write=Role.OWNER)
def member_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "orgs/member_list.html",
        {
            "members": queries.members(request.org),
            "invitations": queries.open_invitations(request.org),
            "is_owner": request.membership.allows(Role.OWNER),
        },
    )


@org_view(read=Role.OWNER, write=Role.OWNER)
@sudo_required
def member_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if queries.members(request.org).filter(user__username=email).exists():
            form.add_error("email", _("This person is already a member."))
        else:
            services.invite(request, request.org, email, form.cleaned_data["role"])
            messages.success(request, _("An invitation was sent to %(email)s.") % {"email": email})
            return redirect("orgs:members", org_slug=request.org.slug)
    return render(request, "orgs/member_invite.html", {"form": form})


@org_view(read=Role.OWNER, write=Role.OWNER)
@sudo_required
def member_create(request: HttpRequest) -> HttpResponse:
    form = CreateAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership, password = services.add_member_with_account(
                request,
                request.org,
                form.cleaned_data["email"],
                form.cleaned_data["full_name"],
                form.cleaned_data["role"],
            )
        except services.MembershipError as error:
            form.add_error("email", str(error))
        else:
            return render(
                request,
                "orgs/member_created.html",
                {"member": membership, "password": password},
            )
    return render(request, "orgs/member_create.html", {"form": form})


@org_view(read=Role.OWNER, write=Role.OWNER)
@sudo_required
def member_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(
        scoped(Membership, request.org).select_related("user"), pk=membership_id
    )
    form = RoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_role(request, membership, form.cleaned_data["role"])
        except services.MembershipError as error:
            form.add_error("role", str(error))
        else:
            messages.success(request, _("The role was changed."))
            return redirect("orgs:members", org_slug=request.org.slug)
    return render(request, "orgs/member_edit.html", {"member": membership, "form": form})


@org_view(read=Role.OWNER, write=Role.OWNER)
@sudo_required
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(scoped(Membership, request.org), pk=membership_id)
    try:
        services.remove_member(request, membership)
    except services.MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The member was removed; their sessions have ended."))
    return redirect("orgs:members", org_slug=request.org.slug)


@org_view(read=Role.OWNER, write=Role.OWNER)
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(scoped(Invitation, request.org), pk=invitation_id)
    services.revoke_invitation(request, invitation)
    messages.success(request, _("The invitation was withdrawn."))
    return redirect("orgs:members", org_slug=request.org.slug)


@org_view(read=Role.OWNER, write=Role.OWNER)
@sudo_required
def organization_settings(request: HttpRequest) -> HttpResponse:
    org = request.org
    form = OrganizationSettingsForm(
        request.POST or None,
        initial={"name": org.name, "time_zone": org.time_zone, "require_mfa": org.require_mfa},
    )
    if request.method == "POST" and form.is_valid():
        services.update_settings(request, org, **form.cleaned_data)
        messages.success(request, _("The settings were saved."))
        return redirect("orgs:settings", org_slug=org.slug)
    return render(request, "orgs/settings.html", {"form": form})


@org_view(read=Role.OWNER, write=Role.OWNER)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = queries.audit_events(request.org, filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    when = minute_text(seconds=True)  # the zone looked up once, not per row (issue 20)
    for event in page:
        event.when = when(event.created_at)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orgs/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@org_view(read=Role.OWNER, write=Role.OWNER)
@sudo_required
@require_POST
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.POST)
    filters = form.cleaned_data if form.is_valid() else {}
    events = queries.audit_events(request.org, filters)
    record("audit.exported", request=request, organization=request.org, changes=filters)
    zone = timezone.get_current_timezone()
    rows = (
        [
            timezone.localtime(e.created_at, zone).isoformat(),
            e.actor_label,
            e.action,
            e.object_repr,
            e.ip or "",
            e.changes,
        ]
        for e in events.iterator(chunk_size=2000)
    )
    header = [_("Time"), _("Who"), _("Action"), _("Object"), _("IP address"), _("Details")]
    response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{request.org.slug}-{stamp}.csv"'
    return response


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None or not invitation.is_usable:
        return render(request, "orgs/invitation_invalid.html", status=410)
    if request.user.is_authenticated:
        if request.user.username != invitation.email:
            return render(
                request, "orgs/invitation_invalid.html", {"wrong_account": True}, status=403
            )
        if request.method == "POST":
            try:
                services.accept_invitation(request, invitation, request.user)
            except services.MembershipError as error:
                messages.error(request, str(error))
                return redirect("core:home")
            return redirect("core:dashboard", org_slug=invitation.organization.slug)
        return render(request, "orgs/invitation_accept.html", {"invitation": invitation})
    if User.objects.filter(username=invitation.email).exists():
        messages.info(request, _("Sign in to accept the invitation."))
        from django.urls import reverse

        return redirect(reverse("accounts:login") + "?next=" + request.path)
    form = SignupForm(request.POST or None, initial={"email": invitation.email})
    if request.method == "POST" and form.is_valid():
        from django.contrib.auth import login

        from mamori.accounts.services import note_login_success

        if form.cleaned_data["email"] != invitation.email:
            form.add_error("email", _("Use the address the invitation was sent to."))
        else:
            user = services.create_user(
                form.cleaned_data["email"],
                form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
            )
            try:
                services.accept_invitation(request, invitation, user)
            except services.MembershipError as error:
                messages.error(request, str(error))
                return redirect("accounts:login")
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            note_login_success(request, user, "none")
            return redirect("core:dashboard", org_slug=invitation.organization.slug)
    return render(request, "orgs/invitation_signup.html", {"invitation": invitation, "form": form})
