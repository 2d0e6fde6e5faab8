from __future__ import annotations

from typing import Any

from mamori.orgs.models import Invitation, Membership, Role


def role_args(org: Any, members: dict[str, Any]) -> dict[str, dict[str, Any]]:
    membership = Membership.objects.get(organization=org, user=members["viewer"])
    invitation = Invitation.objects.create(
        organization=org,
        email="new@example.jp",
        role=Role.VIEWER,
        token_hash="x" * 64,
        expires_at="2999-01-01T00:00:00Z",
    )
    return {
        "orgs:member_edit": {"membership_id": membership.pk},
        "orgs:member_remove": {"membership_id": membership.pk},
        "orgs:invitation_revoke": {"invitation_id": invitation.pk},
        # Not an organisation view; the sensitive-action walk needs its argument (any number:
        # without sudo the POST never reaches the job lookup).
        "orgs:overview_report_download": {"job_id": 1},
    }
