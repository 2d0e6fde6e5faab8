"""The suspicious-mail analyser: raw bytes in, a verdict with plain-language reasons out.

Pure Python, no Django. `analyse()` never raises on bad input: parse problems and hit caps
become signals.
"""

from __future__ import annotations

import time

from .attachments import AttachmentFacts, analyse_attachment
from .content import check_content
from .environment import environment
from .links import LinkFacts, check_links
from .model import Context, Limits, Report, Signal, score_and_verdict
from .msg import msg_to_eml
from .parse import OLE_MAGIC, ParsedMail, parse_message
from .sender import check_sender
from .signals import Collector

__all__ = ["Context", "Limits", "Report", "Signal", "analyse"]


def analyse(raw: bytes, context: Context | None = None, limits: Limits | None = None) -> Report:
    limits = limits or Limits()
    context = context or Context()
    out = Collector(deadline=time.monotonic() + limits.time_budget_seconds)
    mail = ParsedMail()
    facts: dict[str, object] = {"format": "eml"}
    try:
        data = bytes(raw)
        if data.startswith(OLE_MAGIC):
            facts["format"] = "msg"
            converted = msg_to_eml(data[: limits.max_message_bytes], limits)
            if converted is None:
                out.add("message.unparseable", "Outlook .msg / OLE file that is not a mail")
                data = b""
            else:
                data = converted
        mail = parse_message(data, limits)
        _run_checks(mail, context, limits, out, facts)
    except Exception as exc:  # the last guard: a report, never a crash
        out.add("message.unparseable", f"internal error: {type(exc).__name__}")
    return _report(mail, out, facts)


def _run_checks(
    mail: ParsedMail, context: Context, limits: Limits, out: Collector, facts: dict[str, object]
) -> None:
    env = environment(context)
    claimed = check_sender(mail, env, out)
    link_facts = LinkFacts()
    if not out.out_of_time():
        link_facts = check_links(mail, env, claimed, out, limits.max_links)
    attachment_facts = AttachmentFacts()
    for attachment in mail.attachments:
        if out.out_of_time():
            break
        analyse_attachment(
            attachment.name, attachment.data, attachment.truncated, limits, out, attachment_facts
        )
    found = check_content(mail, link_facts, out, limits.max_text_chars)
    for hit in mail.limits_hit[:5]:
        out.add("message.limit", hit)
    if out.out_of_time():
        out.add("message.limit", f"time budget {limits.time_budget_seconds:g} s exceeded")
    if mail.header_count == 0 and not out.has("message.unparseable"):
        # Not a mail at all (or its headers are unreadable): say so rather than "looks safe".
        out.add("message.unparseable", "; ".join(mail.problems[:3]) or "no mail headers")
    facts["encrypted_archives"] = attachment_facts.encrypted_archives
    facts["encrypted_office"] = attachment_facts.encrypted_office
    facts["macro_documents"] = attachment_facts.macro_documents
    facts["attachments"] = [a.name for a in mail.attachments]
    facts["password_notice"] = bool(found.get("password_notice"))
    facts["link_count"] = link_facts.count


def _report(mail: ParsedMail, out: Collector, facts: dict[str, object]) -> Report:
    signals = out.sorted()
    score, verdict = score_and_verdict(signals)
    return Report(
        verdict=verdict,
        score=score,
        subject=mail.subject,
        from_=mail.from_header,
        from_address=mail.sender.address,
        date=mail.date,
        date_text=mail.date_text,
        message_id=mail.message_id,
        signals=signals,
        facts=dict(facts),
    )
