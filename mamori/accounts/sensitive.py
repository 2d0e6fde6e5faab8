"""The one list of sensitive actions, and the review of every other view that accepts a POST.

A sensitive action changes **roles** (who may do what), **credentials** (passwords, second
factors, tokens and secret addresses), **secrets** (a mailbox or SMTP password, a webhook URL)
or **outbound destinations** (where the organisation's data or a stored secret is sent). Its
view carries `@sudo_required` (mamori.accounts.decorators): the user has typed their password
(and second factor) within MAMORI_SUDO_SECONDS, so an open session alone — a borrowed or stolen
browser — cannot do it.

Every view reachable by URL that accepts a POST is named below, in exactly one list.
mamori/accounts/tests/test_sensitive_actions.py walks the URL patterns and fails when a view is
in none of them, when a sensitive one has no `@sudo_required`, or when an owner without sudo can
POST to one. A new view is added here, with its reason, in the same change that adds it.
"""

from __future__ import annotations

# url name -> what makes it sensitive.
SENSITIVE_ACTIONS: dict[str, str] = {
    # roles
    "orgs:invite": "grants a role — owner included — to whoever accepts the invitation",
    "orgs:member_create": "creates an account with a role and a first password",
    "orgs:member_edit": "changes a member's role",
    "orgs:member_remove": "removes a member",
    "orgs:settings": "turns the organisation's two-step verification requirement on or off",
    # credentials
    "accounts:mfa_setup": "enrols an authenticator (re-enrolment replaces it and the codes)",
    "accounts:recovery_codes_new": "replaces the recovery codes",
    "accounts:mfa_reset": "removes the second factor",
    "accounts:tokens": "creates an API token",
    "accounts:token_revoke": "revokes an API token",
    "notify:calendar": "creates or revokes a secret calendar address",
    # secrets and outbound destinations
    "notify:channel_create": "a new destination for the organisation's alerts, with its secret",
    "notify:channel_edit": "changes where alerts go and the channel's secret",
    "notify:channel_delete": "removes a destination of the organisation's alerts",
    "notify:channel_test": "sends to the stored destination with the stored secret",
    "mailcheck:settings": "the report mailbox's server, user and password",
    "orgs:audit_export": "the whole audit trail, with IP addresses, leaves the server",
    "inventory:export": "a whole register (people, accounts, devices) leaves the server",
    "payees:approve": "switches where the organisation's money is paid (BEC, MIC case)",
    "payees:reject": "decides a request to change where money is paid",
    "payees:reveal": "shows a payee's full bank account number",
    "payees:export": "the payees' bank accounts leave the server for the accounting software",
    "privacy:link_create": (
        "creates a bearer link that lets someone without an account write to a supplier's record"
    ),
    "training:drill_approve": "sends mail to people (an owner's approval of a targeted-mail drill)",
    "orgs:overview_feed_presets": (
        "changes the news sources of several organisations at once (their outbound fetches)"
    ),
    "orgs:overview_report_download": (
        "the monthly reports of several organisations leave the server in one file"
    ),
}

# Credential changes that ask for the current password in the form itself (not sudo), or that
# are authorised by a single-use link sent by mail.
REAUTHENTICATED_IN_FORM: dict[str, str] = {
    "accounts:password_change": "asks for the current password",
    "accounts:password_reset_confirm": "authorised by the single-use link mailed to the address",
}

# Signing in and out, and pages reachable before there is a session to re-authenticate.
SIGN_IN_FLOW: dict[str, str] = {
    "accounts:login": "signs in",
    "accounts:login_verify": "second step of signing in",
    "accounts:logout": "signs out",
    "accounts:sudo": "the re-authentication itself",
    "accounts:password_reset": "asks for a reset mail (same answer for every address)",
    "core:first_run": "only while no account exists at all",
    "orgs:accept_invitation": "authorised by the single-use invitation link",
    "privacy:questionnaire": "a supplier's answers, authorised by the single-use questionnaire link",
}

_RECORDS = "changes the organisation's own records: no role, credential, secret or destination"
_PAGE = "a page: a POST does nothing more than a GET"
_OWN = "the member's own choices (language, notification opt-outs, organisation switch)"
_FETCH = (
    "fetches a public URL: sends neither the organisation's data nor a secret; the outbound "
    "address guard applies"
)

ORDINARY_ACTIONS: dict[str, str] = {
    **dict.fromkeys(
        [
            "core:home",
            "core:readyz",
            "core:dashboard",
            "core:jobs",
            "orgs:members",
            "orgs:audit",
            "findings:list",
            "findings:todo",
            "findings:detail",
            "inventory:index",
            "inventory:list",
            "inventory:template",
            "inventory:detail",
            "intel:timeline",
            "intel:advisories",
            "intel:advisory",
            "intel:relevant",
            "monitoring:list",
            "monitoring:detail",
            "monitoring:change",
            "notify:channels",
            "notify:history",
            "assessments:list",
            "assessments:detail",
            "assessments:result",
            "assessments:compare",
            "assessments:policy",
            "assessments:policy_pdf",
            "assessments:policy_doc",
            "assessments:report",
            "assessments:report_pdf",
            "incidents:list",
            "incidents:playbooks",
            "incidents:playbook",
            "licences:shadow_it",
            "incidents:detail",
            "accounts:recovery_codes",
            "accounts:password_reset_complete",
        ],
        _PAGE,
    ),
    **dict.fromkeys(
        [
            "core:job_retry",
            "orgs:list",
            "orgs:invitation_revoke",
            "orgs:overview_copy_checks",
            "orgs:overview_copy_questionnaires",
            "orgs:overview_reports",
            "findings:action",
            "findings:accept",
            "findings:reopen",
            "findings:recheck",
            "findings:comment",
            "inventory:sharing_report",
            "inventory:create",
            "inventory:import",
            "inventory:edit",
            "inventory:archive",
            "licences:shadow_it_import",
            "licences:shadow_it_review",
            "payees:change_new",
            "payees:callback",
            "payees:checklist",
            "routines:create",
            "routines:edit",
            "routines:done",
            "routines:pause",
            "mailcheck:upload",
            "mailcheck:report",
            "training:drill_create",
            "intel:read_all",
            "intel:item_read",
            "intel:decide",
            "intel:watches",
            "intel:watch_delete",
            "monitoring:approve",
            "monitoring:delete",
            "assessments:answer",
            "assessments:review",
            "assessments:complete",
            "assessments:delete",
            "assessments:security_action",
            "assessments:policy_generate",
            "incidents:triage",
            "incidents:report",
            "incidents:edit",
            "incidents:status",
            "incidents:step",
            "incidents:note",
            "incidents:evidence_upload",
            "incidents:task_add",
            "incidents:task_done",
            "incidents:breach",
            "incidents:review",
            "privacy:audit_add",
            "privacy:incident_data",
            "continuity:restore_test",
        ],
        _RECORDS,
    ),
    **dict.fromkeys(
        [
            "intel:feeds",
            "intel:preset",
            "intel:feed",
            "intel:feed_delete",
            "intel:feed_fetch",
            "monitoring:create",
            "monitoring:edit",
            "monitoring:from_websites",
            "monitoring:check",
        ],
        _FETCH,
    ),
    **dict.fromkeys(
        ["core:switch", "accounts:settings", "notify:preferences", "set_language"], _OWN
    ),
    # Like orgs:invitation_revoke: takes a bearer link's access away and grants none, so a
    # link sent to the wrong address can be stopped at once, without re-authentication.
    "privacy:link_revoke": "revokes a supplier's questionnaire link: removes access, grants none",
}

# The HTTP API has no re-authentication: it must never offer a sensitive action. Its writes,
# by operation name, each with why it is not one.
API_WRITES: dict[str, str] = {
    "create_record": "adds an inventory record (editor role)",
}


def classification(url_name: str) -> str | None:
    """Which list names this view ('sensitive', 'form', 'sign-in', 'ordinary'), or None."""
    for label, table in (
        ("sensitive", SENSITIVE_ACTIONS),
        ("form", REAUTHENTICATED_IN_FORM),
        ("sign-in", SIGN_IN_FLOW),
        ("ordinary", ORDINARY_ACTIONS),
    ):
        if url_name in table:
            return label
    return None
