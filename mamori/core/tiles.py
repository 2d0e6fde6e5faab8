from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.orgs.models import Membership, Role

from .dashboard import Tile


def tiles(org: Any, membership: Any) -> list[Tile]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    members = Membership.objects.filter(organization=org).aggregate(total=Count("id"))["total"]
    with_mfa = (
        TOTPDevice.objects.filter(confirmed=True, user__memberships__organization=org)
        .values("user_id")
        .distinct()
        .count()
    )
    without = members - with_mfa
    result = [
        Tile(
            label=_("Members without two-step verification"),
            value=without,
            url=reverse("orgs:members", kwargs={"org_slug": org.slug}),
            note=_(
                "Handbook chapter 7 §7.3, §7.6: protect every account that can reach company data."
            ),
            level="warn" if without else "",
            order=80,
        )
    ]
    if membership.allows(Role.OWNER):
        from .models import Job

        failed = Job.objects.filter(organization_id=org.pk).aggregate(
            n=Count("id", filter=Q(status="failed"))
        )["n"]
        result.append(
            Tile(
                label=_("Failed background jobs"),
                value=failed,
                url=reverse("core:jobs", kwargs={"org_slug": org.slug}),
                level="warn" if failed else "",
                order=90,
            )
        )
    return result
