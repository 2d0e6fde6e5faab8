"""Account changes: login bookkeeping, MFA, recovery codes, sudo mode, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.audit.services import client_ip, record

from .models import ApiToken, LoginAttempt, Profile, hash_api_token

User = get_user_model()
RECOVERY_CODE_COUNT = 10


def normalise_email(email: str) -> str:
    return email.strip().lower()


def profile_of(user: Any) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


# --- login rate limiting ---------------------------------------------------------------


def login_blocked(username: str, ip: str | None) -> bool:
    """True when the account or the address has failed too often within the window.

    Guesses in flight count too: start_attempt records each one before it is evaluated.
    """
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    failures = LoginAttempt.objects.filter(succeeded=False, created_at__gte=since)
    if failures.filter(username=username).count() >= settings.LOGIN_MAX_FAILURES_PER_ACCOUNT:
        return True
    return bool(ip) and failures.filter(ip=ip).count() >= settings.LOGIN_MAX_FAILURES_PER_IP


def _lock_attempt_keys(username: str, ip: str | None) -> None:
    """Serialise start_attempt per account and per address for the rest of the transaction.

    SQLite needs nothing: every transaction begins IMMEDIATE (one writer at a time, settings).
    PostgreSQL: transaction-scoped advisory locks, taken in a fixed order (no deadlock).
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        int.from_bytes(
            hashlib.sha256(f"mamori.login:{value}".encode()).digest()[:8], "big", signed=True
        )
        for value in {f"user:{username}", f"ip:{ip or ''}"}
    )
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def start_attempt(request: HttpRequest, username: str) -> LoginAttempt | None:
    """Count and record one guess at once (atomically): None when the limit is reached, and the
    guess must not be evaluated. The recorded attempt counts as a failure until
    attempt_succeeded() — so concurrent guesses cannot all slip under the limit."""
    ip = client_ip(request)
    with transaction.atomic():
        _lock_attempt_keys(username, ip)
        if login_blocked(username, ip):
            blocked = True
        else:
            blocked = False
            attempt = LoginAttempt.objects.create(username=username, ip=ip, succeeded=False)
    if blocked:
        record(
            "login.blocked",
            object_repr=username,
            ip=ip,
            changes={"reason": "rate limit"},
        )
        return None
    return attempt


def attempt_succeeded(attempt: LoginAttempt) -> None:
    LoginAttempt.objects.filter(pk=attempt.pk).update(succeeded=True)


def attempt_abandoned(attempt: LoginAttempt) -> None:
    """The guess was never evaluated (the server was busy): it does not count."""
    LoginAttempt.objects.filter(pk=attempt.pk).delete()


def note_login_failure(request: HttpRequest, username: str, reason: str) -> None:
    """Audit a failed guess (its LoginAttempt was recorded by start_attempt)."""
    user = User.objects.filter(username=username).first()
    record(
        "login.failure",
        actor=user,
        object_repr=username,
        changes={"reason": reason},
        ip=client_ip(request),
    )


def note_login_success(
    request: HttpRequest, user: Any, method: str, attempt: LoginAttempt | None = None
) -> None:
    ip = client_ip(request)
    with transaction.atomic():
        if attempt is not None:
            attempt_succeeded(attempt)
        else:
            LoginAttempt.objects.create(username=user.username, ip=ip, succeeded=True)
        record(
            "login.success", actor=user, object_repr=user.username, changes={"mfa": method}, ip=ip
        )
    request.session["login_at"] = timezone.now().timestamp()
    grant_sudo(request)


def note_logout(request: HttpRequest) -> None:
    if request.user.is_authenticated:
        record("logout", request=request, object_repr=request.user.username)


# --- sudo mode -----------------------------------------------------------------------------


def grant_sudo(request: HttpRequest) -> None:
    request.session["sudo_until"] = timezone.now().timestamp() + settings.SUDO_SECONDS


def has_sudo(request: HttpRequest) -> bool:
    return float(request.session.get("sudo_until", 0)) > timezone.now().timestamp()


# --- MFA -------------------------------------------------------------------------------------


def confirmed_totp(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_mfa(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp(user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled (created once, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def confirm_totp(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm enrolment when the code is right; returns the new recovery codes."""
    if not device.verify_token(code.strip().replace(" ", "")):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(device.user)
        record("mfa.enrolled", request=request, actor=device.user, object_repr=device.user.username)
    return codes


def _replace_recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    # StaticToken holds at most 16 characters: 14 hex digits (56 bits) and a dash.
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def new_recovery_codes(request: HttpRequest) -> list[str]:
    with transaction.atomic():
        codes = _replace_recovery_codes(request.user)
        record("mfa.recovery_codes_replaced", request=request, object_repr=request.user.username)
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def second_factor_wait_seconds(user: Any) -> int:
    """Seconds until django-otp accepts another code after wrong ones (0 when allowed now)."""
    from django_otp.plugins.otp_static.models import StaticDevice as Static

    wait = 0
    devices = [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *Static.objects.filter(user=user),
    ]
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("locked_until"):
            left = (info["locked_until"] - timezone.now()).total_seconds()
            wait = max(wait, int(left) + 1)
    return wait


def verify_second_factor(user: Any, code: str) -> tuple[Any | None, str]:
    """Check a TOTP code or a one-time recovery code. Returns (device, method)."""
    code = code.strip().replace(" ", "")
    if not code:
        return None, ""
    totp = confirmed_totp(user)
    if totp is not None and code.isdigit() and totp.verify_token(code):
        return totp, "totp"
    for static in StaticDevice.objects.filter(user=user, confirmed=True):
        # verify_token deletes the matching token, so a recovery code works once.
        if static.verify_token(code):
            return static, "recovery"
    return None, ""


def reset_mfa(request: HttpRequest, user: Any) -> None:
    """Remove every second factor of `user` (self-service or by an owner, after sudo)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record("mfa.reset", request=request, object_repr=user.username)


# --- sessions and tokens ---------------------------------------------------------------------


def end_sessions_and_tokens(user: Any) -> int:
    """End every session of `user` at its next request, and revoke all their API tokens.

    Returns how many tokens were revoked. A session that should survive (the one that changed
    the password) is kept with `keep_session`.
    """
    now = timezone.now()
    profile = profile_of(user)
    profile.sessions_revoked_at = now
    profile.save(update_fields=["sessions_revoked_at"])
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)


def keep_session(request: HttpRequest) -> None:
    """Let the current session outlive end_sessions_and_tokens (it just proved the password)."""
    revoked = profile_of(request.user).sessions_revoked_at
    stamp = revoked.timestamp() if revoked is not None else 0.0
    request.session["login_at"] = max(timezone.now().timestamp(), stamp)


def change_password(request: HttpRequest, new_password: str) -> int:
    """The signed-in user's new password: every other session ends, every API token is revoked.

    Returns the number of revoked tokens (the page tells the user).
    """
    user = request.user
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        profile = profile_of(user)
        forced = profile.must_change_password
        if forced:
            profile.must_change_password = False
            profile.save(update_fields=["must_change_password"])
        revoked = end_sessions_and_tokens(user)
        record(
            "password.changed",
            request=request,
            object_repr=user.username,
            changes={"tokens_revoked": revoked, "temporary": forced},
        )
    keep_session(request)
    return revoked


def password_was_reset(request: HttpRequest, user: Any) -> int:
    """After a reset by mail (the password is already saved): end every session, revoke every
    token, and say so in the audit trail."""
    with transaction.atomic():
        profile = profile_of(user)
        if profile.must_change_password:
            profile.must_change_password = False
            profile.save(update_fields=["must_change_password"])
        revoked = end_sessions_and_tokens(user)
        record(
            "password.reset",
            request=request,
            actor=user,
            object_repr=user.username,
            changes={"tokens_revoked": revoked, "via": "mail link"},
        )
    return revoked


class RequirementsUnmet(Exception):
    """The user still owes a password change or two-step enrolment (see requirements.py)."""


def create_api_token(request: HttpRequest, name: str) -> tuple[ApiToken, str]:
    from .requirements import unmet_requirements

    # The session guard already keeps such a user on the enrolment or password page; this is
    # the rule itself, whatever view calls it.
    if unmet_requirements(request.user):
        raise RequirementsUnmet
    secret = ApiToken.new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=request.user,
            name=name,
            prefix=secret[:10],
            token_hash=hash_api_token(secret),
        )
        record("token.created", request=request, obj=token)
    return token, secret


def revoke_api_token(request: HttpRequest, token: ApiToken) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record("token.revoked", request=request, obj=token)


def user_for_token(secret: str) -> Any | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_api_token(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Throttle the write: a busy client need not update the row on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- housekeeping -----------------------------------------------------------------------------

# Login attempts older than the rate-limit window count for nothing; a margin keeps a day of
# them for a look after an incident (the audit trail keeps every failure anyway).
LOGIN_ATTEMPT_MARGIN = timedelta(days=1)
# Enrolments started and never confirmed.
PENDING_TOTP_MAX_AGE = timedelta(days=1)


def prune_expired() -> dict[str, int]:
    """Delete what no longer protects anyone: old login attempts, expired sessions, invitations
    that were used, withdrawn or have expired, and unconfirmed authenticator enrolments.

    Password-reset links are signed, not stored: nothing to delete; they stop working after
    PASSWORD_RESET_TIMEOUT or as soon as the password (or last sign-in) changes.
    """
    from django.contrib.sessions.models import Session
    from django.db.models import Q

    from mamori.orgs.models import Invitation

    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    counts = {
        "login_attempts": LoginAttempt.objects.filter(
            created_at__lt=now - window - LOGIN_ATTEMPT_MARGIN
        ).delete()[0],
        "sessions": Session.objects.filter(expire_date__lt=now).delete()[0],
        "invitations": Invitation.objects.filter(
            Q(accepted_at__isnull=False) | Q(revoked_at__isnull=False) | Q(expires_at__lt=now)
        ).delete()[0],
        "pending_authenticators": TOTPDevice.objects.filter(confirmed=False)
        .filter(Q(created_at__lt=now - PENDING_TOTP_MAX_AGE) | Q(created_at__isnull=True))
        .delete()[0],
    }
    return counts
