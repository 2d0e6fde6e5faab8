"""`mamori demo`: a realistic demo organisation so that a new user sees a populated app.

Each module adds its part to DEMO_BUILDERS (an explicit list): a function that receives the
demo context and fills its own tables. Running the demo again resets the demo organisation.
"""

from __future__ import annotations

import importlib
import secrets
from dataclasses import dataclass, field
from typing import Any

DEMO_ORG_NAME = "デモ株式会社 (mamori demo)"
DEMO_SLUG = "demo"

# "module:function" names; each function takes a DemoContext.
DEMO_BUILDERS: list[str] = [
    "mamori.core.demo:build_members",
    "mamori.incidents.demo:build",
    "mamori.inventory.demo:build",
    "mamori.licences.demo:build",
    "mamori.privacy.demo:build",
    "mamori.mailcheck.demo:build",
    "mamori.payees.demo:build",
    "mamori.assessments.demo:build",
    "mamori.continuity.demo:build",
    "mamori.intel.demo:build",
    "mamori.monitoring.demo:build",
    "mamori.notify.demo:build",
    "mamori.routines.demo:build",
    "mamori.training.demo:build",
]


@dataclass
class DemoContext:
    org: Any
    users: dict[str, Any]
    passwords: dict[str, str]
    notes: list[str] = field(default_factory=list)


def build_members(ctx: DemoContext) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from mamori.audit.services import record
    from mamori.core.jobs import enqueue
    from mamori.orgs.models import Invitation, Role, hash_token

    Invitation.objects.create(
        organization=ctx.org,
        email="new.staff@demo.example.jp",
        role=Role.VIEWER,
        token_hash=hash_token(secrets.token_urlsafe(32)),
        invited_by=ctx.users["owner"],
        expires_at=timezone.now() + timedelta(days=7),
    )
    record(
        "member.invited",
        actor=ctx.users["owner"],
        organization=ctx.org,
        object_repr="new.staff@demo.example.jp",
        changes={"role": "viewer"},
    )
    job = enqueue("demo.example", organization_id=ctx.org.pk, max_attempts=1)
    type(job).objects.filter(pk=job.pk).update(
        status="failed",
        attempts=1,
        last_error="demo: the feed answered HTTP 503 Service Unavailable",
        finished_at=timezone.now(),
    )


def run() -> DemoContext:
    from django.db import transaction

    from mamori.accounts.services import profile_of
    from mamori.orgs.models import Membership, Organization, Role
    from mamori.orgs.services import create_user

    people = {
        "owner": ("demo-owner@example.jp", "山田 太郎 (所有)", Role.OWNER),
        "editor": ("demo-editor@example.jp", "佐藤 花子 (編集)", Role.EDITOR),
        "viewer": ("demo-viewer@example.jp", "鈴木 一郎 (閲覧)", Role.VIEWER),
    }
    with transaction.atomic():
        Organization.objects.filter(slug=DEMO_SLUG).delete()
        org = Organization.objects.create(name=DEMO_ORG_NAME, slug=DEMO_SLUG)
        users: dict[str, Any] = {}
        passwords: dict[str, str] = {}
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        for key, (email, name, role) in people.items():
            password = f"demo-{secrets.token_urlsafe(9)}"
            user = user_model.objects.filter(username=email).first()
            if user is None:
                user = create_user(email, password, full_name=name)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            profile = profile_of(user)
            profile.must_change_password = False
            profile.save(update_fields=["must_change_password"])
            Membership.objects.create(organization=org, user=user, role=role)
            users[key] = user
            passwords[key] = password
        ctx = DemoContext(org=org, users=users, passwords=passwords)
        for name in DEMO_BUILDERS:
            module_name, function_name = name.split(":")
            getattr(importlib.import_module(module_name), function_name)(ctx)
    return ctx
