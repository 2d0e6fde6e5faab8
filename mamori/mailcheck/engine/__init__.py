"""The suspicious-mail analyser: raw bytes in, a verdict with plain-language reasons out.

Pure Python, no Django. `analyse()` never raises on bad input: parse problems and hit caps
become signals.
"""

from __future__ import annotations

import time

from .analysers import ALWAYS_RUN, ANALYSERS, Work
from .environment import environment
from .model import Context, Limits, Report, Signal, score_and_verdict
from .msg import msg_to_eml
from .parse import OLE_MAGIC, ParsedMail, parse_message
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
    work = Work(mail=mail, env=environment(context), limits=limits, out=out)
    for name, analyser in ANALYSERS.items():
        if name in ALWAYS_RUN or not out.out_of_time():
            analyser(work)
    for hit in mail.limits_hit[:5]:
        out.add("message.limit", hit)
    if out.out_of_time():
        out.add("message.limit", f"time budget {limits.time_budget_seconds:g} s exceeded")
    if mail.header_count == 0 and not out.has("message.unparseable"):
        # Not a mail at all (or its headers are unreadable): say so rather than "looks safe".
        out.add("message.unparseable", "; ".join(mail.problems[:3]) or "no mail headers")
    facts["encrypted_archives"] = work.attachments.encrypted_archives
    facts["encrypted_office"] = work.attachments.encrypted_office
    facts["macro_documents"] = work.attachments.macro_documents
    facts["attachments"] = [a.name for a in mail.attachments]
    facts["password_notice"] = bool(work.content.get("password_notice"))
    facts["link_count"] = work.links.count


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
