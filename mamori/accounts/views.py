from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import (
    authenticate,
    get_user_model,
    login,
    logout,
    update_session_auth_hash,
)
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from mamori.audit.services import client_ip, record
from mamori.orgs.models import Membership

from . import services
from .decorators import sudo_required
from .forms import (
    ChangePasswordForm,
    EnrolForm,
    LoginForm,
    ProfileForm,
    SecondFactorForm,
    SudoForm,
    TokenForm,
)
from .hashers import PasswordHasherBusy, busy_message
from .models import ApiToken

User = get_user_model()
PENDING_KEY = "pending_login"
PENDING_SECONDS = 300


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _check_password(user: Any, password: str, attempt: Any, form: Any) -> bool:
    """user.check_password, or False with a "busy" error on the form when no hashing slot came
    free (the attempt then does not count)."""
    try:
        return bool(user.check_password(password))
    except PasswordHasherBusy:
        services.attempt_abandoned(attempt)
        form.add_error(None, busy_message())
        return False


def _too_many_attempts(request: HttpRequest) -> str:
    minutes = settings.LOGIN_FAILURE_WINDOW_SECONDS // 60
    return _(
        "Too many failed sign-in attempts. For your safety, sign-in is paused; "
        "try again in %(minutes)d minutes."
    ) % {"minutes": minutes}


def _finish_login(
    request: HttpRequest, user: object, device: object, method: str, attempt: Any = None
) -> HttpResponse:
    next_url = _safe_next(request, reverse("core:home"))
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    services.note_login_success(request, user, method, attempt)
    profile = services.profile_of(user)
    response = redirect(next_url)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, profile.language, samesite="Lax")
    if method == "recovery":
        messages.warning(
            request,
            _("You signed in with a recovery code. %(count)d recovery codes are left.")
            % {"count": services.recovery_codes_left(user)},
        )
    return response


def login_view(request: HttpRequest) -> HttpResponse:
    if not User.objects.exists():
        return redirect("core:first_run")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = services.normalise_email(form.cleaned_data["email"])
        attempt = services.start_attempt(request, username)
        if attempt is None:
            form.add_error(None, _too_many_attempts(request))
        else:
            try:
                user = authenticate(
                    request, username=username, password=form.cleaned_data["password"]
                )
            except PasswordHasherBusy:
                services.attempt_abandoned(attempt)
                form.add_error(None, busy_message())
                return render(
                    request,
                    "accounts/login.html",
                    {"form": form, "next": _safe_next(request, "")},
                    status=503,
                )
            if user is None:
                services.note_login_failure(request, username, "password")
                form.add_error(None, _("The email address or password is not correct."))
            elif services.has_mfa(user):
                services.attempt_succeeded(attempt)  # the password step; the code step counts anew
                request.session[PENDING_KEY] = {
                    "user": user.pk,
                    "until": timezone.now().timestamp() + PENDING_SECONDS,
                }
                verify_url = reverse("accounts:login_verify")
                next_url = _safe_next(request, "")
                return redirect(verify_url + (f"?next={next_url}" if next_url else ""))
            else:
                return _finish_login(request, user, None, "none", attempt)
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request, "")})


def login_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending or float(pending.get("until", 0)) < timezone.now().timestamp():
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    user = get_object_or_404(User, pk=pending["user"], is_active=True)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = services.second_factor_wait_seconds(user)
        attempt = None if wait else services.start_attempt(request, user.username)
        if wait:
            form.add_error(
                "code",
                _("Too many wrong codes. Wait %(seconds)d seconds, then enter the newest code.")
                % {"seconds": wait},
            )
        elif attempt is None:
            form.add_error(None, _too_many_attempts(request))
        else:
            device, method = services.verify_second_factor(user, form.cleaned_data["code"])
            if device is None:
                services.note_login_failure(request, user.username, "second factor")
                form.add_error("code", _("The code is not correct or has expired."))
            else:
                return _finish_login(request, user, device, method, attempt)
    return render(
        request, "accounts/login_verify.html", {"form": form, "next": _safe_next(request, "")}
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.note_logout(request)
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


@login_required
@sudo_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    if services.has_mfa(request.user) and request.GET.get("required"):
        return redirect("core:home")
    device = services.pending_totp(request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_totp(request, device, form.cleaned_data["code"])
        if codes is None:
            form.add_error(
                "code",
                _("The code is not correct. Check the time on your phone and try the newest code."),
            )
        else:
            otp_login(request, device)
            request.session["new_recovery_codes"] = codes
            return redirect("accounts:recovery_codes")
    import segno

    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_data_uri": qr.svg_data_uri(scale=4, dark="#111", light="#fff"),
            "secret": _format_secret(device),
            "required": bool(request.GET.get("required")),
        },
    )


def _format_secret(device: object) -> str:
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode().rstrip("=")  # type: ignore[attr-defined]
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = request.session.pop("new_recovery_codes", None)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "left": services.recovery_codes_left(request.user)},
    )


@login_required
@sudo_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    if not services.has_mfa(request.user):
        raise Http404
    request.session["new_recovery_codes"] = services.new_recovery_codes(request)
    return redirect("accounts:recovery_codes")


@login_required
@sudo_required
def mfa_reset(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.reset_mfa(request, request.user)
        messages.success(request, _("Two-step verification was removed from your account."))
        return redirect("accounts:settings")
    return render(request, "accounts/mfa_reset.html", {})


@login_required
def sudo(request: HttpRequest) -> HttpResponse:
    form = SudoForm(request.POST or None)
    user = request.user
    needs_code = services.has_mfa(user)
    if request.method == "POST" and form.is_valid():
        attempt = services.start_attempt(request, user.username)
        if attempt is None:
            form.add_error(None, _too_many_attempts(request))
        elif not _check_password(user, form.cleaned_data["password"], attempt, form):
            if form.is_valid():  # not busy: the password was wrong
                services.note_login_failure(request, user.username, "sudo password")
                form.add_error("password", _("The password is not correct."))
        elif (
            needs_code and services.verify_second_factor(user, form.cleaned_data["code"])[0] is None
        ):
            services.note_login_failure(request, user.username, "sudo second factor")
            form.add_error("code", _("The code is not correct or has expired."))
        else:
            services.attempt_succeeded(attempt)
            services.grant_sudo(request)
            record("sudo.granted", request=request, object_repr=user.username)
            return redirect(_safe_next(request, reverse("core:home")))
    return render(
        request,
        "accounts/sudo.html",
        {"form": form, "needs_code": needs_code, "next": _safe_next(request, "")},
    )


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = ChangePasswordForm(request.user, request.POST or None)
    profile = services.profile_of(request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        attempt = services.start_attempt(request, user.username)
        if attempt is None:
            form.add_error(None, _too_many_attempts(request))
        elif not _check_password(user, form.cleaned_data["current_password"], attempt, form):
            if form.is_valid():  # not busy: the password was wrong
                services.note_login_failure(request, user.username, "password change")
                form.add_error("current_password", _("The password is not correct."))
        else:
            services.attempt_succeeded(attempt)
            revoked = services.change_password(request, form.cleaned_data["password1"])
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            messages.info(request, _signed_out_everywhere(revoked))
            return redirect("core:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": profile.must_change_password},
    )


def _signed_out_everywhere(revoked: int) -> str:
    return _(
        "Every other session of your account was signed out, and %(count)d API tokens were "
        "revoked: create new ones if your scripts need them."
    ) % {"count": revoked}


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Django's reset request; the request is written to the audit trail (no account hint)."""

    def form_valid(self, form: Any) -> HttpResponse:
        email = services.normalise_email(form.cleaned_data["email"])
        record(
            "password.reset_requested",
            object_repr=email,
            actor=User.objects.filter(username=email, is_active=True).first(),
            ip=client_ip(self.request),
        )
        return super().form_valid(form)


class PasswordResetSetView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation; on success every session ends and every token is revoked."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        revoked = services.password_was_reset(self.request, form.user)
        self.request.session["password_reset_tokens_revoked"] = revoked
        return response


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    revoked = request.session.pop("password_reset_tokens_revoked", None)
    return render(
        request,
        "accounts/password_reset_complete.html",
        {"signed_out": _signed_out_everywhere(revoked) if revoked is not None else ""},
    )


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = services.profile_of(user)
    form = ProfileForm(
        request.POST or None,
        initial={"full_name": user.first_name, "language": profile.language},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            changes = {}
            if user.first_name != form.cleaned_data["full_name"]:
                changes["name"] = [user.first_name, form.cleaned_data["full_name"]]
                user.first_name = form.cleaned_data["full_name"]
                user.save(update_fields=["first_name"])
            if profile.language != form.cleaned_data["language"]:
                changes["language"] = [profile.language, form.cleaned_data["language"]]
                profile.language = form.cleaned_data["language"]
                profile.save(update_fields=["language"])
            if changes:
                record(
                    "account.updated", request=request, object_repr=user.username, changes=changes
                )
        translation.activate(profile.language)
        messages.success(request, _("Your settings were saved."))
        response = redirect("accounts:settings")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, profile.language, samesite="Lax")
        return response
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "has_mfa": services.has_mfa(user),
            "codes_left": services.recovery_codes_left(user),
            "memberships": Membership.objects.filter(user=user).select_related("organization"),
        },
    )


@login_required
@sudo_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, new_secret = services.create_api_token(request, form.cleaned_data["name"])
            except services.RequirementsUnmet:
                return redirect("core:home")  # the session guard shows what is missing
            form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_secret": new_secret,
            "tokens": ApiToken.objects.filter(user=request.user),
        },
    )


@login_required
@sudo_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user, revoked_at__isnull=True)
    services.revoke_api_token(request, token)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language; for a signed-in user it is also kept in their profile."""
    from django.views.i18n import set_language as django_set_language

    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        profile = services.profile_of(request.user)
        if profile.language != language:
            profile.language = language
            profile.save(update_fields=["language"])
            record(
                "account.updated",
                request=request,
                object_repr=request.user.username,
                changes={"language": language},
            )
    return django_set_language(request)
