"""What a user must have done before acting for an organisation — the one rule every way in
(a browser session, an API token, a calendar feed token) applies.

- No pending password change (an account created with a temporary password).
- Two-step verification enrolled when the organisation requires it.

A session must also have been verified with the second factor (the session guard checks that);
a token cannot carry a second factor, so for a token "enrolled" is what is checked — and the
token was created in a session that passed the guard, after re-authentication (sudo).
"""

from __future__ import annotations

from typing import Any

from mamori.orgs.models import Membership

PASSWORD_CHANGE = "password_change"  # noqa: S105 - a requirement name, not a secret
MFA_ENROLMENT = "mfa_enrolment"


def unmet_requirements(user: Any, organization: Any = None) -> list[str]:
    """The requirements `user` does not satisfy now, for `organization` — or, when it is None,
    for every organisation the user belongs to (what a session or a new token needs)."""
    from .services import has_mfa, profile_of

    unmet: list[str] = []
    if profile_of(user).must_change_password:
        unmet.append(PASSWORD_CHANGE)
    if organization is None:
        mfa_required = Membership.objects.filter(user=user, organization__require_mfa=True).exists()
    else:
        mfa_required = bool(organization.require_mfa)
    if mfa_required and not has_mfa(user):
        unmet.append(MFA_ENROLMENT)
    return unmet


def usable_organization_ids(user: Any) -> set[int]:
    """Organisations of `user` for which a token of theirs may act now."""
    from .services import has_mfa, profile_of

    if profile_of(user).must_change_password:
        return set()
    memberships = Membership.objects.filter(user=user)
    if not has_mfa(user):
        memberships = memberships.filter(organization__require_mfa=False)
    return set(memberships.values_list("organization_id", flat=True))
