"""What the payee-change pages say about a blocked step, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

BLOCKERS: dict[str, Any] = {
    "decided": _("This request has already been decided."),
    "denied": _(
        "The partner said on the callback that they did not ask for this change. Reject it and "
        "warn your colleagues: the request is probably fraud."
    ),
    "no_phone": _(
        "No phone number is on record for this payee. Add the partner's number from your own "
        "records (contract, earlier invoices) to the payee first — never the one in the request."
    ),
    "callback": _(
        "No callback to the number on record has confirmed the change yet. Call the partner on "
        "that number (not one given in the request) and log who answered."
    ),
    "checklist": _(
        "The checklist is not complete: sender address checked character by character, previous "
        "contact person confirmed, amount and timing plausible."
    ),
    "requester": _(
        "The person who recorded the request cannot approve it: a second person must approve."
    ),
    "already_approved": _(
        "You have already approved this request: another person must give the second approval."
    ),
}


def blocker_text(code: str) -> str:
    return str(BLOCKERS.get(code, BLOCKERS["decided"]))
