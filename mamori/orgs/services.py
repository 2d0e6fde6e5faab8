"""Organisation and membership changes: one transaction, one audit event, mail after commit."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mamori.accounts.services import end_sessions_and_tokens, normalise_email, profile_of
from mamori.audit.services import record

from .models import Invitation, Membership, Organization, Role, hash_token

User = get_user_model()


class MembershipError(Exception):
    """A change that the rules forbid; the message is shown to the user."""


def unique_slug(name: str) -> str:
    base = slugify(name, allow_unicode=False)[:50] or "org"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_organization(
    name: str, owner: Any, *, request: HttpRequest | None = None, require_mfa: bool = False
) -> Organization:
    with transaction.atomic():
        org = Organization.objects.create(
            name=name, slug=unique_slug(name), require_mfa=require_mfa
        )
        Membership.objects.create(organization=org, user=owner, role=Role.OWNER)
        record("org.created", request=request, actor=owner, organization=org, obj=org)
    return org


# What a new organisation gets when a person creates it (first run, "new organisation"):
# "module:function(org, request=...)", listed explicitly.
NEW_ORGANIZATION_SETUP: list[str] = [
    "mamori.intel.services:enable_default_presets",
    "mamori.routines.services:ensure_defaults",
]


def set_up_new_organization(org: Organization, *, request: HttpRequest | None = None) -> None:
    import importlib

    for name in NEW_ORGANIZATION_SETUP:
        module_name, function_name = name.split(":")
        getattr(importlib.import_module(module_name), function_name)(org, request=request)


def create_user(email: str, password: str | None, *, full_name: str = "") -> Any:
    email = normalise_email(email)
    user = User(username=email, email=email, first_name=full_name[:150])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    profile_of(user)
    return user


def invite(
    request: HttpRequest, org: Organization, email: str, role: str
) -> tuple[Invitation, str]:
    """Create an invitation and mail its single-use link (after commit)."""
    token = secrets.token_urlsafe(32)
    email = normalise_email(email)
    with transaction.atomic():
        Invitation.objects.filter(
            organization=org, email=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            organization=org,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=request.user,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
        )
        record(
            "member.invited",
            request=request,
            organization=org,
            obj=invitation,
            changes={"email": email, "role": role},
        )
        link = settings.BASE_URL + reverse("orgs:accept_invitation", args=[token])
        transaction.on_commit(lambda: _mail_invitation(invitation, link, request.user))
    return invitation, link


def _mail_invitation(invitation: Invitation, link: str, inviter: Any) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "link": link, "inviter": inviter}
        subject = _("Invitation to %(org)s on mamori") % {"org": invitation.organization.name}
        body = render_to_string("orgs/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email], fail_silently=False)


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization")
        .filter(token_hash=hash_token(token))
        .first()
    )


def accept_invitation(request: HttpRequest, invitation: Invitation, user: Any) -> Membership:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_usable:
            raise MembershipError(_("This invitation has expired or has already been used."))
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        membership, created = Membership.objects.get_or_create(
            organization=locked.organization, user=user, defaults={"role": locked.role}
        )
        record(
            "member.joined",
            request=request,
            actor=user,
            organization=locked.organization,
            obj=membership,
            changes={"role": membership.role, "via": "invitation", "new": created},
        )
    return membership


def add_member_with_account(
    request: HttpRequest, org: Organization, email: str, full_name: str, role: str
) -> tuple[Membership, str]:
    """An owner creates the account directly; returns a one-time password to hand over."""
    email = normalise_email(email)
    if User.objects.filter(username=email).exists():
        raise MembershipError(
            _("An account with this email address already exists. Invite it instead.")
        )
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = create_user(email, password, full_name=full_name)
        profile = profile_of(user)
        profile.must_change_password = True
        profile.save(update_fields=["must_change_password"])
        membership = Membership.objects.create(organization=org, user=user, role=role)
        record(
            "member.created",
            request=request,
            organization=org,
            obj=membership,
            changes={"email": email, "role": role},
        )
    return membership, password


def _owner_count(org: Organization) -> int:
    return Membership.objects.filter(organization=org, role=Role.OWNER).count()


def change_role(request: HttpRequest, membership: Membership, role: str) -> None:
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        old = locked.role
        if old == role:
            return
        if old == Role.OWNER and _owner_count(locked.organization) <= 1:
            raise MembershipError(_("The last owner cannot be changed to another role."))
        locked.role = role
        locked.save(update_fields=["role"])
        record(
            "member.role_changed",
            request=request,
            organization=locked.organization,
            obj=locked,
            changes={"role": [old, role]},
        )


def remove_member(request: HttpRequest, membership: Membership) -> None:
    """Remove a member: their sessions end and their API tokens are revoked at once."""
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=membership.pk)
        )
        if locked.role == Role.OWNER and _owner_count(locked.organization) <= 1:
            raise MembershipError(_("The last owner cannot be removed."))
        user = locked.user
        org = locked.organization
        record(
            "member.removed",
            request=request,
            organization=org,
            obj=locked,
            changes={"email": user.email, "role": locked.role},
        )
        locked.delete()
        end_sessions_and_tokens(user)


def update_settings(
    request: HttpRequest, org: Organization, *, name: str, time_zone: str, require_mfa: bool
) -> None:
    with transaction.atomic():
        before = {"name": org.name, "time_zone": org.time_zone, "require_mfa": org.require_mfa}
        org.name, org.time_zone, org.require_mfa = name, time_zone, require_mfa
        org.save(update_fields=["name", "time_zone", "require_mfa"])
        after = {"name": name, "time_zone": time_zone, "require_mfa": require_mfa}
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if changes:
            record("org.updated", request=request, organization=org, obj=org, changes=changes)


def revoke_invitation(request: HttpRequest, invitation: Invitation) -> None:
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record(
            "member.invitation_revoked",
            request=request,
            organization=invitation.organization,
            obj=invitation,
        )
