from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.accounts.forms import FirstRunForm
from mamori.accounts.services import note_login_success
from mamori.audit.services import record
from mamori.orgs import services as org_services
from mamori.orgs.access import org_view
from mamori.orgs.models import Membership, Role

from . import queries

User = get_user_model()


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        if not User.objects.exists():
            return redirect("core:first_run")
        return redirect("accounts:login")
    memberships = Membership.objects.filter(user=request.user).select_related("organization")
    current = request.session.get("current_org")
    chosen = next((m for m in memberships if m.organization.slug == current), None)
    chosen = chosen or memberships.first()
    if chosen is None:
        return redirect("orgs:list")
    return redirect("core:dashboard", org_slug=chosen.organization.slug)


def first_run(request: HttpRequest) -> HttpResponse:
    """Create the first owner and organisation; only while there is no account at all."""
    if User.objects.exists():
        raise Http404
    form = FirstRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            if User.objects.select_for_update().exists():
                raise Http404
            user = org_services.create_user(
                data["email"], data["password1"], full_name=data["full_name"]
            )
            org = org_services.create_organization(data["organization"], user, request=request)
            org_services.set_up_new_organization(org, request=request)
            record(
                "account.created",
                request=request,
                actor=user,
                organization=org,
                object_repr=user.username,
                changes={"role": "owner", "via": "first run"},
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        note_login_success(request, user, "none")
        messages.success(
            request,
            _("Welcome. As the first owner, protect your account with two-step verification now."),
        )
        return redirect("/accounts/mfa/setup/?required=1")
    return render(request, "core/first_run.html", {"form": form})


@org_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request, "core/dashboard.html", queries.dashboard(request.org, request.membership)
    )


@org_view(read=Role.OWNER, write=Role.OWNER)
def jobs(request: HttpRequest) -> HttpResponse:
    return render(request, "core/jobs.html", {"jobs": queries.recent_jobs(request.org)})


@org_view(read=Role.OWNER, write=Role.OWNER)
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    from . import jobs as job_queue

    if not queries.recent_jobs(request.org).filter(pk=job_id, status="failed").exists():
        raise Http404
    job_queue.retry_job(job_id)
    messages.success(request, _("The job will run again shortly."))
    return redirect("core:jobs", org_slug=request.org.slug)


@login_required
def switch_organization(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("org", "")
    if Membership.objects.filter(user=request.user, organization__slug=slug).exists():
        request.session["current_org"] = slug
        return redirect("core:dashboard", org_slug=slug)
    raise Http404
