"""Content checks: payee changes (BEC), account and identity lures, credential and gift-card
requests, macro instructions, and the password half of a PPAP exchange."""

from __future__ import annotations

import re
import unicodedata

from .catalog import lure_patterns
from .links import LinkFacts
from .lures import lure_categories
from .parse import ParsedMail
from .signals import Collector

CATEGORY_SIGNALS: tuple[tuple[str, str], ...] = (
    ("payee_change", "content.payee_change"),
    ("urgency", "content.urgency"),
    ("account_lure", "content.account_lure"),
    ("credential_request", "content.credential_request"),
    ("gift_card", "content.gift_card"),
    ("enable_macro", "content.enable_macro_instruction"),
)


def mail_text(mail: ParsedMail, cap: int) -> str:
    pieces = [mail.subject, *mail.text, *(d.text for d in mail.html)]
    text = "\n".join(pieces)[:cap]
    return unicodedata.normalize("NFKC", text).lower()


def _snippet(text: str, start: int, end: int) -> str:
    left = max(0, start - 15)
    return " ".join(text[left : end + 15].split())


def _first_not_negated(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match that does not follow "never" or similar ("we will never ask ...")."""
    _cats, before, after = lure_categories()
    for match in pattern.finditer(text):
        if before.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        if after.search(text[match.end() : match.end() + 30]):
            continue
        return match
    return None


def check_content(mail: ParsedMail, links: LinkFacts, out: Collector, cap: int) -> dict[str, bool]:
    text = mail_text(mail, cap)
    patterns = lure_patterns()
    found: dict[str, bool] = {}
    for category, signal_id in CATEGORY_SIGNALS:
        match = _first_not_negated(patterns[category], text)
        if match is None:
            continue
        found[category] = True
        evidence = _snippet(text, match.start(), match.end())
        out.add(signal_id, evidence)
        if category == "account_lure" and links.untrusted_domains:
            out.add("content.lure_with_link", f"{evidence} → {links.untrusted_domains[0]}")
    if not mail.attachments:
        match = patterns["password_notice"].search(text)
        if match is not None:
            found["password_notice"] = True
            out.add("content.password_notice", _snippet(text, match.start(), match.end()))
    return found
